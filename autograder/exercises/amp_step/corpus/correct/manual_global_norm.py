# correct: computes the global norm and the clip factor by hand (inf gradients give NaN, which the scaler skips)
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    k = len(micro_batches)
    optimizer.zero_grad()
    total = 0.0
    for inputs, targets in micro_batches:
        loss = F.cross_entropy(model(inputs), targets) / k
        scaler.scale(loss).backward()
        total += loss.item()
    scaler.unscale_(optimizer)
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    norm = torch.sqrt(sum((g.double() ** 2).sum() for g in grads))
    factor = torch.clamp(max_norm / (norm + 1e-6), max=1.0)
    with torch.no_grad():
        for g in grads:
            g.mul_(factor.to(g.dtype))
    if torch.isfinite(norm):
        scaler.step(optimizer)
    scaler.update()
    return total, norm.item()
