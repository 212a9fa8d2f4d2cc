# buggy: timm's CosineLRScheduler with warmup_prefix=False, a stable phase added: the cosine's progress counts from step 0 (t / t_initial), not from the start of the decay
# expect: counts from step 0
# fails: gpt_step_schedule
def warmup_stable_cosine_factor(t, warmup_t, decay_t, t_initial, lr_min):
    if warmup_t < 0 or decay_t < 0 or warmup_t + decay_t > t_initial:
        raise ValueError(f"bad warmup_steps={warmup_t}, decay_steps={decay_t}, total_steps={t_initial}")
    if t < warmup_t:
        return (t + 1) / warmup_t
    if t >= t_initial:
        return lr_min
    if t < t_initial - decay_t:
        return 1.0
    return lr_min + 0.5 * (1.0 - lr_min) * (1 + math.cos(math.pi * t / t_initial))


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
