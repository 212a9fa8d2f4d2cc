# correct: the notebook's solution
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    """One optimizer update from a list of (inputs, targets) micro-batches, with a GradScaler."""
    k = len(micro_batches)
    optimizer.zero_grad()
    total = 0.0
    for inputs, targets in micro_batches:
        loss = F.cross_entropy(model(inputs), targets) / k
        scaler.scale(loss).backward()
        total = total + loss.detach()    # a tensor: no GPU sync per micro-batch
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isfinite(grad_norm):
        scaler.step(optimizer)
    scaler.update()
    return total.item(), grad_norm.item()
