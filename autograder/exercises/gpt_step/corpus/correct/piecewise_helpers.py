# correct: the factor from helpers (a settings check, ramp, cosine) and a clamped step; nothing divides by D = 0
def check_settings(warmup_steps, decay_steps, total_steps):
    for name, value in (("warmup_steps", warmup_steps), ("decay_steps", decay_steps)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0, got {value}")
    if warmup_steps + decay_steps > total_steps:
        raise ValueError(f"warmup_steps + decay_steps = {warmup_steps + decay_steps} > total_steps = {total_steps}")


def linear_ramp(step, warmup_steps):
    return (step + 1) / warmup_steps


def half_cosine(progress, floor):
    return floor + (1 - floor) * (1 + math.cos(math.pi * progress)) / 2


def warmup_stable_cosine_factor(step, warmup_steps, decay_steps, total_steps, min_factor):
    check_settings(warmup_steps, decay_steps, total_steps)
    step = min(step, total_steps)
    if step == total_steps:
        return min_factor
    if step < warmup_steps:
        return linear_ramp(step, warmup_steps)
    if step < total_steps - decay_steps:
        return 1.0
    return half_cosine((step - (total_steps - decay_steps)) / decay_steps, min_factor)


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
