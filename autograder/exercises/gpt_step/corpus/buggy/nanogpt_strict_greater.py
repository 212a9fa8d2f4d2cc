# buggy: nanoGPT's get_lr with this series' warmup and a stable phase; `it > max_iters` instead of >= divides 0 by 0 when decay_steps = 0 and t = T
# expect: decay_steps = 0 means no decay
# fails: gpt_step_schedule
def warmup_stable_cosine_factor(it, warmup_iters, decay_iters, max_iters, min_factor):
    if warmup_iters < 0 or decay_iters < 0 or warmup_iters + decay_iters > max_iters:
        raise ValueError(f"bad warmup_steps={warmup_iters}, decay_steps={decay_iters}, total_steps={max_iters}")
    if it < warmup_iters:
        return (it + 1) / warmup_iters
    if it > max_iters:
        return min_factor
    decay_start = max_iters - decay_iters
    if it < decay_start:
        return 1.0
    decay_ratio = (it - decay_start) / decay_iters
    coeff = 0.5 * (1.0 + math.cos(math.pi * decay_ratio))
    return min_factor + coeff * (1.0 - min_factor)


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
