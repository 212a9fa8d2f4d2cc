# correct: weights each micro-batch by its share of the samples (the same as / k for equal sizes)
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    samples = sum(len(targets) for _, targets in micro_batches)
    optimizer.zero_grad()
    total = 0.0
    for inputs, targets in micro_batches:
        loss = F.cross_entropy(model(inputs), targets) * (len(targets) / samples)
        scaler.scale(loss).backward()
        total += loss.item()
    scaler.unscale_(optimizer)
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isfinite(norm):
        scaler.step(optimizer)
    scaler.update()
    return total, norm.item()
