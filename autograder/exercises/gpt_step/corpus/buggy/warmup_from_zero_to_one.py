# buggy: a warmup stretched to start at 0 and end at 1 on its last step, step / (warmup_steps - 1); the rest as the spec says
# expect: reaches 1 at step warmup_steps - 1 (step / (warmup_steps - 1))
# fails: gpt_step_schedule
def warmup_stable_cosine_factor(step, warmup_steps, decay_steps, total_steps, min_factor):
    if warmup_steps < 0 or decay_steps < 0 or warmup_steps + decay_steps > total_steps:
        raise ValueError(f"need warmup_steps >= 0, decay_steps >= 0 and warmup_steps + decay_steps <= total_steps, "
                         f"got {warmup_steps}, {decay_steps}, {total_steps}")
    if step >= total_steps:
        return min_factor
    if step < warmup_steps:
        return step / (warmup_steps - 1)
    if step < total_steps - decay_steps:
        return 1.0
    progress = float(step - (total_steps - decay_steps)) / float(max(1, decay_steps))
    factor = 0.5 * (1.0 + math.cos(math.pi * 2.0 * 0.5 * progress))
    return factor * (1.0 - min_factor) + min_factor


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
