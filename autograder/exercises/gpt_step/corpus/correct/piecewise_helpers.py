# correct: the factor from helpers (ramp, cosine) and a clamped step; progress never divides when T == W
def linear_ramp(step, warmup_steps):
    return (step + 1) / warmup_steps


def half_cosine(progress, floor):
    return floor + (1 - floor) * (1 + math.cos(math.pi * progress)) / 2


def warmup_cosine_factor(step, warmup_steps, total_steps, min_factor):
    step = min(step, total_steps)
    if step == total_steps:
        return min_factor
    if step < warmup_steps:
        return linear_ramp(step, warmup_steps)
    return half_cosine((step - warmup_steps) / (total_steps - warmup_steps), min_factor)


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
