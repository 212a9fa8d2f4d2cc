# buggy: Hugging Face's get_cosine_schedule_with_warmup, floor added, decay_steps unused: warmup t/W from 0, no stable phase, and past the end the cosine climbs back
# expect: no cause
# fails: gpt_step_schedule
def warmup_stable_cosine_factor(step, warmup_steps, decay_steps, total_steps, min_factor, num_cycles=0.5):
    if warmup_steps < 0 or decay_steps < 0 or warmup_steps + decay_steps > total_steps:
        raise ValueError(f"need warmup_steps >= 0, decay_steps >= 0 and warmup_steps + decay_steps <= total_steps, "
                         f"got {warmup_steps}, {decay_steps}, {total_steps}")
    if step < warmup_steps:
        return float(step) / float(max(1, warmup_steps))
    progress = float(step - warmup_steps) / float(max(1, total_steps - warmup_steps))
    cosine = 0.5 * (1.0 + math.cos(math.pi * float(num_cycles) * 2.0 * progress))
    return max(0.0, min_factor + (1.0 - min_factor) * cosine)


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
