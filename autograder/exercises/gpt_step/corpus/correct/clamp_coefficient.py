# correct: clip coefficient torch.clamp(max_norm / (norm + 1e-6), max=1.0), norms stacked
def warmup_cosine_lr(step, peak_lr, warmup_steps, total_steps, min_lr):
    if step < warmup_steps:
        return peak_lr * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return min_lr + 0.5 * (peak_lr - min_lr) * (1 + math.cos(math.pi * progress))


def train_step(model, optimizer, inputs, targets, lr, max_norm):
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.zero_grad()
    loss = F.cross_entropy(model(inputs).flatten(0, 1), targets.flatten())
    loss.backward()
    params = [p for p in model.parameters() if p.grad is not None]
    norm = torch.stack([p.grad.norm(2) for p in params]).norm(2)
    coef = torch.clamp(max_norm / (norm + 1e-6), max=1.0)
    with torch.no_grad():
        for p in params:
            p.grad *= coef
    optimizer.step()
    return loss.item(), norm.item()
