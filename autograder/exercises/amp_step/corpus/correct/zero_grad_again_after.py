# correct: clears the gradients at the start and again after the update
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    optimizer.zero_grad()
    n = len(micro_batches)
    total = 0.0
    for inputs, targets in micro_batches:
        out = model(inputs)
        loss = F.cross_entropy(out, targets)
        scaler.scale(loss / n).backward()
        total += loss.item() / n
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm).item()
    if math.isfinite(float(grad_norm)):
        scaler.step(optimizer)
    scaler.update()
    optimizer.zero_grad()
    return total, grad_norm
