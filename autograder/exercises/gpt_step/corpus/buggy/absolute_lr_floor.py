# buggy: treats min_factor as an lr and the factor as peak * (...): returns the lr for an assumed peak of 3e-4
# expect: no cause
# fails: gpt_step_schedule
def warmup_stable_cosine_factor(step, warmup_steps, decay_steps, total_steps, min_factor, peak_lr=3e-4):
    if warmup_steps < 0 or decay_steps < 0 or warmup_steps + decay_steps > total_steps:
        raise ValueError(f"need warmup_steps >= 0, decay_steps >= 0 and warmup_steps + decay_steps <= total_steps, "
                         f"got {warmup_steps}, {decay_steps}, {total_steps}")
    if step >= total_steps:
        return min_factor
    if step < warmup_steps:
        return peak_lr * (step + 1) / warmup_steps
    if step < total_steps - decay_steps:
        return peak_lr
    progress = (step - (total_steps - decay_steps)) / decay_steps
    return min_factor + 0.5 * (peak_lr - min_factor) * (1 + math.cos(math.pi * progress))


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
