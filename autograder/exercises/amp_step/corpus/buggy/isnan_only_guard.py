# buggy: a Megatron-style guard that skips the step only on a NaN norm; an inf norm with a disabled scaler still steps
# expect: scaler.step(optimizer) is plain optimizer.step() and checks nothing
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
    found_nan = torch.isnan(grad_norm).item()
    if not found_nan:
        scaler.step(optimizer)
    scaler.update()
    return total, grad_norm.item()
