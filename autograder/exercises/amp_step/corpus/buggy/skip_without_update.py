# buggy: skips an overflowing update by hand but returns before scaler.update(), so the scale never backs off
# expect: a skipped update included
# fails: amp_step_scaler
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    k = len(micro_batches)
    optimizer.zero_grad()
    total = 0.0
    for inputs, targets in micro_batches:
        loss = F.cross_entropy(model(inputs), targets) / k
        scaler.scale(loss).backward()
        total += loss.item()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if not torch.isfinite(grad_norm):
        return total, grad_norm.item()
    scaler.step(optimizer)
    scaler.update()
    return total, grad_norm.item()
