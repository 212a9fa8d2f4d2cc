# buggy: clips the running sum of the gradients after every micro-batch (scaler disabled path right otherwise)
# expect: the gradients were clipped after every micro-batch
# fails: amp_step_accumulation, amp_step_scaler
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    k = len(micro_batches)
    optimizer.zero_grad()
    total = 0.0
    for inputs, targets in micro_batches:
        loss = F.cross_entropy(model(inputs), targets) / k
        scaler.scale(loss).backward()
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        total += loss.item()
    scaler.step(optimizer)
    scaler.update()
    return total, grad_norm.item()
