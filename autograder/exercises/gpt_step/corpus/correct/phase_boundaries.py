# correct: the phases as a list of boundaries (0, W, T - D, T), each phase its own rule; two checks, two messages
def warmup_stable_cosine_factor(step, warmup_steps, decay_steps, total_steps, min_factor):
    if min(warmup_steps, decay_steps) < 0:
        raise ValueError(f"warmup_steps and decay_steps must be >= 0, got {warmup_steps} and {decay_steps}")
    if warmup_steps + decay_steps > total_steps:
        raise ValueError(f"warmup_steps + decay_steps = {warmup_steps + decay_steps} exceeds total_steps = {total_steps}")
    bounds = (0, warmup_steps, total_steps - decay_steps, total_steps)
    rules = (lambda t: (t + 1) / warmup_steps,
             lambda t: 1.0,
             lambda t: min_factor + (1 - min_factor) * (1 + math.cos(math.pi * (t - bounds[2]) / decay_steps)) / 2)
    for rule, start, end in zip(rules, bounds, bounds[1:]):
        if start <= step < end:
            return rule(step)
    return min_factor


def train_step(model, optimizer, inputs, targets, lr_factor, max_norm):
    """One clipped update of a next-character model; every group's lr is its initial lr times lr_factor.

    Returns (loss before the update, global gradient norm before clipping) as python floats.
    """
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
