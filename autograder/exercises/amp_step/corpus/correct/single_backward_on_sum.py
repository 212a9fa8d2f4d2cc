# correct: adds up the divided losses and backpropagates them once (same gradients, more memory)
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    optimizer.zero_grad()
    losses = [F.cross_entropy(model(x), y) for x, y in micro_batches]
    loss = sum(losses) / len(losses)
    scaler.scale(loss).backward()
    scaler.unscale_(optimizer)
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if torch.isfinite(norm):
        scaler.step(optimizer)
    scaler.update()
    return loss.item(), norm.item()
