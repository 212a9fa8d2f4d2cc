# buggy: measures the norm but never clips
# expect: the gradients were not clipped
# fails: amp_step_accumulation
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    k = len(micro_batches)
    optimizer.zero_grad()
    total = 0.0
    for inputs, targets in micro_batches:
        loss = F.cross_entropy(model(inputs), targets) / k
        scaler.scale(loss).backward()
        total += loss.item()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), math.inf)
    if torch.isfinite(grad_norm):
        scaler.step(optimizer)
    scaler.update()
    return total, grad_norm.item()
