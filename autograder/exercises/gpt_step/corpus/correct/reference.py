# correct: the reference answer (clip_grad_norm_, flatten, .item())
def warmup_cosine_lr(step, peak_lr, warmup_steps, total_steps, min_lr):
    """The lr for update `step` (0-based): linear warmup to peak_lr, then cosine decay to min_lr."""
    if step < warmup_steps:
        return peak_lr * (step + 1) / warmup_steps
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return min_lr + 0.5 * (peak_lr - min_lr) * (1 + math.cos(math.pi * progress))


def train_step(model, optimizer, inputs, targets, lr, max_norm):
    """One update of a next-character model with learning rate `lr` and global-norm clipping.

    inputs, targets: (batch, context) integer tensors; model(inputs) gives (batch, context, vocab) logits.
    Returns (loss before the update, global gradient norm before clipping) as python floats.
    max_norm = math.inf measures the norm without clipping.
    """
    for group in optimizer.param_groups:
        group["lr"] = lr
    optimizer.zero_grad()
    logits = model(inputs)
    loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()
