# buggy: unscales and clips inside the micro-batch loop (unscale_ may run once per update)
# expect: clipped after every micro-batch
# fails: amp_step_accumulation, amp_step_scaler
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    k = len(micro_batches)
    optimizer.zero_grad()
    total = 0.0
    for inputs, targets in micro_batches:
        loss = F.cross_entropy(model(inputs), targets) / k
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        total += loss.item()
    scaler.step(optimizer)
    scaler.update()
    return total, grad_norm.item()
