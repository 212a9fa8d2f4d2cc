# buggy: timm's CosineLRScheduler with warmup_lr_init = min_factor and warmup_prefix=True, a stable phase added: the warmup starts at min_factor at step 0
# expect: ramps up from min_factor and starts there
# fails: gpt_step_schedule
def warmup_stable_cosine_factor(t, warmup_t, decay_t, t_initial, lr_min):
    if warmup_t < 0 or decay_t < 0 or warmup_t + decay_t > t_initial:
        raise ValueError(f"bad warmup_steps={warmup_t}, decay_steps={decay_t}, total_steps={t_initial}")
    warmup_lr_init = lr_min
    if t < warmup_t:
        warmup_step = (1.0 - warmup_lr_init) / warmup_t
        return warmup_lr_init + t * warmup_step
    if t >= t_initial:
        return lr_min
    if t < t_initial - decay_t:
        return 1.0
    t_curr, t_i = t - (t_initial - decay_t), decay_t
    return lr_min + 0.5 * (1.0 - lr_min) * (1 + math.cos(math.pi * t_curr / t_i))


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
