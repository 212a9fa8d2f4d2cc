# correct: skips an overflowing update by hand, still calling scaler.update() so the scale backs off
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    k = len(micro_batches)
    optimizer.zero_grad()
    total = 0.0
    for inputs, targets in micro_batches:
        loss = F.cross_entropy(model(inputs), targets) / k
        scaler.scale(loss).backward()
        total += loss.item()
    scaler.unscale_(optimizer)
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if math.isfinite(norm.item()):
        scaler.step(optimizer)
    scaler.update()
    return total, norm.item()
