# buggy: Hugging Face's WSD lambda (linear warmup, cosine decay) with num_stable_steps = T - W - D: its warmup is t / W blended with min_lr_ratio, so update 0 gets min_factor
# expect: ramps up from min_factor and starts there
# fails: gpt_step_schedule
def warmup_stable_cosine_factor(current_step, num_warmup_steps, num_decay_steps, num_training_steps, min_lr_ratio,
                                num_cycles=0.5):
    if num_warmup_steps < 0 or num_decay_steps < 0 or num_warmup_steps + num_decay_steps > num_training_steps:
        raise ValueError(f"bad warmup_steps={num_warmup_steps}, decay_steps={num_decay_steps}, "
                         f"total_steps={num_training_steps}")
    num_stable_steps = num_training_steps - num_warmup_steps - num_decay_steps
    if current_step < num_warmup_steps:
        progress = float(current_step) / float(max(1, num_warmup_steps))
        factor = progress * (1.0 - min_lr_ratio) + min_lr_ratio
        return max(0.0, factor)
    if current_step < num_warmup_steps + num_stable_steps:
        return 1.0
    if current_step < num_warmup_steps + num_stable_steps + num_decay_steps:
        progress = float(current_step - num_warmup_steps - num_stable_steps) / float(max(1, num_decay_steps))
        factor = 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))
        factor = factor * (1.0 - min_lr_ratio) + min_lr_ratio
        return max(0.0, factor)
    return min_lr_ratio


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
