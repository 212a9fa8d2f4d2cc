# buggy: the book's loop turned into a factor, with a stable phase: warmup from min_factor in steps of (1 - min_factor) / W starting at step 0, and no clamp past the end
# expect: no cause
# fails: gpt_step_schedule
def warmup_stable_cosine_factor(step, warmup_steps, decay_steps, total_steps, min_factor):
    if warmup_steps < 0 or decay_steps < 0 or warmup_steps + decay_steps > total_steps:
        raise ValueError(f"need warmup_steps >= 0, decay_steps >= 0 and warmup_steps + decay_steps <= total_steps, "
                         f"got {warmup_steps}, {decay_steps}, {total_steps}")
    initial, peak = min_factor, 1.0
    if step < warmup_steps:
        lr_increment = (peak - initial) / warmup_steps
        return initial + step * lr_increment
    if step < total_steps - decay_steps:
        return peak
    progress = (step - (total_steps - decay_steps)) / decay_steps
    return min_factor + (peak - min_factor) * 0.5 * (1 + math.cos(math.pi * progress))


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
