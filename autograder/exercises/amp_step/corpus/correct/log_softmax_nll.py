# correct: the loss as nll_loss of log_softmax, an index loop, and returns numpy floats
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    k = len(micro_batches)
    optimizer.zero_grad()
    losses = []
    for i in range(k):
        inputs, targets = micro_batches[i]
        loss = F.nll_loss(F.log_softmax(model(inputs), dim=-1), targets)
        scaler.scale(loss / k).backward()
        losses.append(loss.item())
    scaler.unscale_(optimizer)
    norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    if math.isfinite(float(norm)):
        scaler.step(optimizer)
    scaler.update()
    return np.mean(losses), np.float64(norm.item())
