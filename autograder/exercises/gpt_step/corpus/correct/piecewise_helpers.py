# correct: the schedule from two helpers (linear warmup, cosine decay)
def linear_warmup(step, peak_lr, warmup_steps):
    return peak_lr * (step + 1) / warmup_steps


def cosine_decay(step, peak_lr, min_lr, decay_steps):
    fraction = step / decay_steps
    return min_lr + (peak_lr - min_lr) * 0.5 * (1.0 + math.cos(math.pi * fraction))


def warmup_cosine_lr(step, peak_lr, warmup_steps, total_steps, min_lr):
    if warmup_steps > 0 and step < warmup_steps:
        return linear_warmup(step, peak_lr, warmup_steps)
    return cosine_decay(step - warmup_steps, peak_lr, min_lr, total_steps - warmup_steps)


def train_step(model, optimizer, inputs, targets, lr, max_norm):
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.zero_grad()
    logits = model(inputs)
    loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()
