# buggy: returns the last micro-batch's loss instead of the mean over all of them
# expect: only the last micro-batch's loss was returned
# fails: amp_step_accumulation
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    k = len(micro_batches)
    optimizer.zero_grad()
    for inputs, targets in micro_batches:
        loss = F.cross_entropy(model(inputs), targets)
        scaler.scale(loss / k).backward()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isfinite(grad_norm):
        scaler.step(optimizer)
    scaler.update()
    return loss.item(), grad_norm.item()
