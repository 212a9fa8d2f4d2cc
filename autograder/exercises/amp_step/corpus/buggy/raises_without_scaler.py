# buggy: raises on a non-finite norm when the scaler is disabled instead of skipping the update
# expect: leave error_if_nonfinite False
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
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm,
                                               error_if_nonfinite=not scaler.is_enabled())
    scaler.step(optimizer)
    scaler.update()
    return total, grad_norm.item()
