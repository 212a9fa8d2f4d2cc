# buggy: a full update per micro-batch, gradients cleared before each: k small updates
# expect: with the gradients cleared before each
# fails: amp_step_accumulation, amp_step_scaler
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    k = len(micro_batches)
    total = 0.0
    for inputs, targets in micro_batches:
        optimizer.zero_grad()
        loss = F.cross_entropy(model(inputs), targets) / k
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
        scaler.step(optimizer)
        scaler.update()
        total += loss.item()
    return total, grad_norm.item()
