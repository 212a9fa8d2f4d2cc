# buggy: nanoGPT's get_lr with this series' warmup; `it > lr_decay_iters` instead of >= divides 0 by 0 when W == T and t = T
# expect: warmup_steps == total_steps
# fails: gpt_step_schedule
def warmup_cosine_factor(it, warmup_iters, lr_decay_iters, min_factor):
    if it < warmup_iters:
        return (it + 1) / warmup_iters
    if it > lr_decay_iters:
        return min_factor
    decay_ratio = (it - warmup_iters) / (lr_decay_iters - warmup_iters)
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
