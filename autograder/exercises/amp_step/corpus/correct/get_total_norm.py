# correct: torch.nn.utils.get_total_norm and clip_grads_with_norm_ (the two halves of clip_grad_norm_)
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
    norm = torch.nn.utils.get_total_norm(grads)
    torch.nn.utils.clip_grads_with_norm_(model.parameters(), max_norm, norm)
    if torch.isfinite(norm):
        scaler.step(optimizer)
    scaler.update()
    return total, norm.item()
