# buggy: on a non-finite norm clears the gradients and still steps; AdamW's momentum moves the weights anyway
# expect: no cause
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
    if not scaler.is_enabled() and not torch.isfinite(grad_norm):
        for p in model.parameters():
            p.grad = torch.zeros_like(p)
    scaler.step(optimizer)
    scaler.update()
    return total, grad_norm.item()
