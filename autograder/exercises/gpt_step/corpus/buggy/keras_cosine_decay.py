# buggy: Keras CosineDecay with warmup and a hold: a warmup from 0 (step / warmup_steps), and decay_steps = 0 divides 0 by 0 from t = T on
# expect: no cause
# fails: gpt_step_schedule
def warmup_stable_cosine_factor(step, warmup_steps, decay_steps, total_steps, alpha):
    if warmup_steps < 0 or decay_steps < 0 or warmup_steps + decay_steps > total_steps:
        raise ValueError(f"need warmup_steps >= 0, decay_steps >= 0 and warmup_steps + decay_steps <= total_steps, "
                         f"got {warmup_steps}, {decay_steps}, {total_steps}")
    if step < warmup_steps:
        return step / warmup_steps
    hold = total_steps - decay_steps
    if step < hold:
        return 1.0
    step = min(step - hold, decay_steps)
    cosine_decay = 0.5 * (1.0 + math.cos(math.pi * step / decay_steps))
    return (1 - alpha) * cosine_decay + alpha


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
