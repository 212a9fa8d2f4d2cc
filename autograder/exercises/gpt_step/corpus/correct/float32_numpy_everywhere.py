# correct: float32 throughout: np.float32 factor, np.float32 returns from train_step, clipping by hand
def warmup_stable_cosine_factor(step, warmup_steps, decay_steps, total_steps, min_factor):
    if warmup_steps < 0 or decay_steps < 0 or warmup_steps + decay_steps > total_steps:
        raise ValueError(f"need warmup_steps >= 0, decay_steps >= 0 and warmup_steps + decay_steps <= total_steps, "
                         f"got {warmup_steps}, {decay_steps}, {total_steps}")
    low = np.float32(min_factor)
    if step >= total_steps:
        return low
    if step < warmup_steps:
        return np.float32(step + 1) / np.float32(warmup_steps)
    if step < total_steps - decay_steps:
        return np.float32(1)
    progress = np.float32(step - (total_steps - decay_steps)) / np.float32(decay_steps)
    return low + np.float32(0.5) * (np.float32(1) - low) * (np.float32(1) + np.cos(np.float32(np.pi) * progress))


def train_step(model, optimizer, inputs, targets, lr_factor, max_norm):
    for group in optimizer.param_groups:
        if "initial_lr" not in group:
            group["initial_lr"] = group["lr"]
        group["lr"] = group["initial_lr"] * float(np.float32(lr_factor))
    optimizer.zero_grad()
    logits = model(inputs)
    loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    norm = torch.linalg.vector_norm(torch.cat([g.flatten() for g in grads]))
    scale = torch.clamp(np.float32(max_norm) / (norm + np.float32(1e-6)), max=1.0)
    for g in grads:
        g.mul_(scale)
    optimizer.step()
    return np.float32(loss.item()), np.float32(norm.item())
