# buggy: divides the gradients by the scale by hand, then scaler.step unscales them a second time
# expect: unscaled twice
# fails: amp_step_scaler
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    k = len(micro_batches)
    optimizer.zero_grad()
    total = 0.0
    for inputs, targets in micro_batches:
        loss = F.cross_entropy(model(inputs), targets) / k
        scaler.scale(loss).backward()
        total += loss.item()
    scale = scaler.get_scale()
    for p in model.parameters():
        p.grad /= scale
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return total, grad_norm.item()
