# correct: divides the scaled loss instead of the loss
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    k = len(micro_batches)
    optimizer.zero_grad(set_to_none=True)
    total = 0.0
    for inputs, targets in micro_batches:
        loss = F.cross_entropy(model(inputs), targets)
        (scaler.scale(loss) / k).backward()
        total += loss.item() / k
    scaler.unscale_(optimizer)
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if math.isfinite(float(norm)):
        scaler.step(optimizer)
    scaler.update()
    return total, norm.item()
