# correct: sums the cross-entropy over the samples and divides by the total number of samples
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    samples = sum(len(targets) for _, targets in micro_batches)
    optimizer.zero_grad()
    total = 0.0
    for inputs, targets in micro_batches:
        loss = F.cross_entropy(model(inputs), targets, reduction="sum") / samples
        scaler.scale(loss).backward()
        total += loss.item()
    scaler.unscale_(optimizer)
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if scaler.is_enabled() or torch.isfinite(norm):   # a disabled scaler checks nothing
        scaler.step(optimizer)
    scaler.update()
    return total, norm.item()
