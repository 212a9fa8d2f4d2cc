# buggy: clips after the step, where it changes nothing of this update
# expect: clipping after the step does not change this update
# fails: amp_step_accumulation
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    k = len(micro_batches)
    optimizer.zero_grad()
    total = 0.0
    for inputs, targets in micro_batches:
        loss = F.cross_entropy(model(inputs), targets) / k
        scaler.scale(loss).backward()
        total += loss.item()
    scaler.unscale_(optimizer)
    before = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in model.parameters()]))
    if torch.isfinite(before):
        scaler.step(optimizer)
    scaler.update()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    return total, before.item()
