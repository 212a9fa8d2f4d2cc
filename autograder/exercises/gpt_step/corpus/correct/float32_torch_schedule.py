# correct: the schedule in float32 torch tensors (torch.cos), returned as a 0-d float32 tensor
def warmup_cosine_lr(step, peak_lr, warmup_steps, total_steps, min_lr):
    peak = torch.tensor(peak_lr, dtype=torch.float32)
    if step < warmup_steps:
        return peak * (step + 1) / warmup_steps
    progress = torch.tensor((step - warmup_steps) / (total_steps - warmup_steps), dtype=torch.float32)
    low = torch.tensor(min_lr, dtype=torch.float32)
    return low + 0.5 * (peak - low) * (1 + torch.cos(math.pi * progress))


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
