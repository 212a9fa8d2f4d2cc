# correct: returns 0-d numpy arrays; the schedule as (step + 1) / warmup_steps * peak_lr
def warmup_cosine_lr(step, peak_lr, warmup_steps, total_steps, min_lr):
    if step < warmup_steps:
        return (step + 1) / warmup_steps * peak_lr
    decay_steps = total_steps - warmup_steps
    cosine = 0.5 * (1 + math.cos(math.pi * (step - warmup_steps) / decay_steps))
    return min_lr + (peak_lr - min_lr) * cosine


def train_step(model, optimizer, inputs, targets, lr, max_norm):
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.zero_grad()
    logits = model(inputs)
    loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.detach().cpu().numpy(), grad_norm.cpu().numpy()
