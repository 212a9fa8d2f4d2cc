# correct: nn.CrossEntropyLoss() on reshaped logits, a list of params, clip_grad_norm_ with foreach=False
def warmup_cosine_factor(step, warmup_steps, total_steps, min_factor):
    if step >= total_steps:
        return min_factor
    if step < warmup_steps:
        return (step + 1) / warmup_steps
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return min_factor + 0.5 * (1 - min_factor) * (1 + math.cos(math.pi * progress))


def train_step(model, optimizer, inputs, targets, lr_factor, max_norm):
    params = [p for group in optimizer.param_groups for p in group["params"]]
    for group in optimizer.param_groups:
        group.setdefault("initial_lr", group["lr"])
        group["lr"] = group["initial_lr"] * lr_factor
    optimizer.zero_grad()
    logits = model(inputs)
    batch, context, vocab = logits.shape
    loss = nn.CrossEntropyLoss()(logits.reshape(batch * context, vocab), targets.reshape(batch * context))
    loss.backward()
    norm = nn.utils.clip_grad_norm_(params, max_norm, foreach=False)
    optimizer.step()
    return loss.item(), norm.item()
