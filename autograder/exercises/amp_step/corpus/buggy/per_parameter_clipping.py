# buggy: clips every parameter's gradient to max_norm on its own
# expect: each parameter was clipped to max_norm on its own
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
    grad_norm = torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in model.parameters()]))
    for p in model.parameters():
        torch.nn.utils.clip_grad_norm_([p], max_norm)
    if torch.isfinite(grad_norm):
        scaler.step(optimizer)
    scaler.update()
    return total, grad_norm.item()
