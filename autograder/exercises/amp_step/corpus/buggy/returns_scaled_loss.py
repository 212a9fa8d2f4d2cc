# buggy: returns the scaled loss (scale times too large with an enabled scaler)
# expect: the scaled loss was returned
# fails: amp_step_scaler
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    k = len(micro_batches)
    optimizer.zero_grad()
    total = 0.0
    for inputs, targets in micro_batches:
        scaled = scaler.scale(F.cross_entropy(model(inputs), targets) / k)
        scaled.backward()
        total += scaled.item()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return total, grad_norm.item()
