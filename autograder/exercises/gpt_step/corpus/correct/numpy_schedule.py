# correct: numpy (np.cos, np.pi, np.clip on the progress), W == T handled by the clamp first, returned as float
def warmup_cosine_factor(step, warmup_steps, total_steps, min_factor):
    if step >= total_steps:
        return float(min_factor)
    if step < warmup_steps:
        return float((step + 1) / warmup_steps)
    progress = np.clip((step - warmup_steps) / (total_steps - warmup_steps), 0.0, 1.0)
    return float(min_factor + (1 - min_factor) * 0.5 * (1 + np.cos(np.pi * progress)))


def train_step(model, optimizer, inputs, targets, lr_factor, max_norm):
    for group in optimizer.param_groups:
        group.setdefault("initial_lr", group["lr"])
        group["lr"] = group["initial_lr"] * lr_factor
    optimizer.zero_grad()
    logits = model(inputs)
    loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()
