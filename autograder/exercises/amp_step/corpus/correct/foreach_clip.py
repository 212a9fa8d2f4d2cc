# correct: clip_grad_norm_ with foreach=True and an explicit norm_type
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    k = len(micro_batches)
    optimizer.zero_grad()
    total = 0.0
    for inputs, targets in micro_batches:
        logits = model(inputs)
        loss = F.cross_entropy(logits.float(), targets)
        scaler.scale(loss.div(k)).backward()
        total += loss.item()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm, norm_type=2.0, foreach=True)
    if scaler.is_enabled() or torch.isfinite(grad_norm):   # a disabled scaler checks nothing
        scaler.step(optimizer)
    scaler.update()
    return total / k, grad_norm.item()
