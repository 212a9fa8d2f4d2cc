# buggy: clears the gradients before every micro-batch, so only the last one reaches the update
# expect: cleared inside the micro-batch loop
# fails: amp_step_accumulation, amp_step_scaler
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    k = len(micro_batches)
    total = 0.0
    for inputs, targets in micro_batches:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs), targets) / k
        scaler.scale(loss).backward()
        total += loss.item()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    scaler.step(optimizer)
    scaler.update()
    return total, grad_norm.item()
