# buggy: Hugging Face's cosine-with-min-lr-rate lambda with a clamp added past the end; its warmup is t/W (update 0 gets factor 0)
# expect: the warmup starts at 0
# fails: gpt_step_schedule
def warmup_cosine_factor(step, warmup_steps, total_steps, min_factor):
    if step >= total_steps:
        return min_factor
    if step < warmup_steps:
        return float(step) / float(max(1, warmup_steps))
    progress = float(step - warmup_steps) / float(max(1, total_steps - warmup_steps))
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
