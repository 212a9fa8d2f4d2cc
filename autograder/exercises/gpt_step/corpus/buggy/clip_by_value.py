# buggy: clip_grad_value_ with max_norm; the norm measured by hand first
# expect: clip_grad_value_ clips each element
# fails: gpt_step_train
def warmup_stable_cosine_factor(step, warmup_steps, decay_steps, total_steps, min_factor):
    if warmup_steps < 0 or decay_steps < 0 or warmup_steps + decay_steps > total_steps:
        raise ValueError(f"need warmup_steps >= 0, decay_steps >= 0 and warmup_steps + decay_steps <= total_steps, "
                         f"got {warmup_steps}, {decay_steps}, {total_steps}")
    if step >= total_steps:
        return min_factor
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    if step < total_steps - decay_steps:
        return 1.0
    progress = (step - (total_steps - decay_steps)) / decay_steps
    return min_factor + 0.5 * (1 - min_factor) * (1 + math.cos(math.pi * progress))


def train_step(model, optimizer, inputs, targets, lr_factor, max_norm):
    for group in optimizer.param_groups:
        group.setdefault("initial_lr", group["lr"])
        group["lr"] = group["initial_lr"] * lr_factor
    optimizer.zero_grad()
    logits = model(inputs)
    loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
    loss.backward()
    grad_norm = torch.norm(torch.stack([p.grad.norm() for p in model.parameters()]))
    torch.nn.utils.clip_grad_value_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()
