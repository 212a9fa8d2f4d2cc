# correct: clips the parameters as the optimizer lists them, float32 numpy mean of the losses
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    params = [p for group in optimizer.param_groups for p in group["params"]]
    for p in params:
        p.grad = None
    k = len(micro_batches)
    losses = []
    for inputs, targets in micro_batches:
        loss = F.cross_entropy(model(inputs), targets)
        scaler.scale(loss / k).backward()
        losses.append(loss.item())
    scaler.unscale_(optimizer)
    norm = torch.nn.utils.clip_grad_norm_(params, max_norm)
    if torch.isfinite(norm):
        scaler.step(optimizer)
    scaler.update()
    return float(np.mean(np.array(losses, dtype=np.float32))), norm.item()
