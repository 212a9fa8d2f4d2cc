# correct: returns 0-d tensors instead of python floats, and uses nn.CrossEntropyLoss
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    criterion = nn.CrossEntropyLoss()
    k = len(micro_batches)
    optimizer.zero_grad()
    total = torch.zeros((), device=micro_batches[0][0].device)
    for inputs, targets in micro_batches:
        loss = criterion(model(inputs), targets) / k
        scaler.scale(loss).backward()
        total = total + loss.detach()
    scaler.unscale_(optimizer)
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if scaler.is_enabled() or torch.isfinite(norm):   # a disabled scaler checks nothing
        scaler.step(optimizer)
    scaler.update()
    return total, norm
