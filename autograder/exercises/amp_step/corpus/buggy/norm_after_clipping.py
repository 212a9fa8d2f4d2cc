# buggy: returns the norm measured after clipping
# expect: the norm was measured after clipping
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
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    grad_norm = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in model.parameters()]))
    if torch.isfinite(grad_norm):
        scaler.step(optimizer)
    scaler.update()
    return total, grad_norm.item()
