# correct: model.zero_grad(set_to_none=False), a tensor running loss, multiplication by 1 / k
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    model.zero_grad(set_to_none=False)
    weight = 1.0 / len(micro_batches)
    running = torch.zeros(())
    for x, y in micro_batches:
        loss = F.cross_entropy(model(x), y) * weight
        scaler.scale(loss).backward()
        running += loss.detach().cpu()
    scaler.unscale_(optimizer)
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if math.isfinite(float(grad_norm)):
        scaler.step(optimizer)
    scaler.update()
    return float(running), float(grad_norm)
