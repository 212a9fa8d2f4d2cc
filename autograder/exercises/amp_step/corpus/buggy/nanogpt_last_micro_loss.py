# buggy: nanoGPT's loop, which reports the last micro-batch's loss (loss.item() * gradient_accumulation_steps), not the mean
# expect: only the last micro-batch's loss was returned
# fails: amp_step_accumulation
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    gradient_accumulation_steps = len(micro_batches)
    grad_clip = max_norm
    optimizer.zero_grad(set_to_none=True)
    for micro_step in range(gradient_accumulation_steps):
        X, Y = micro_batches[micro_step]
        logits = model(X)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), Y.view(-1))
        loss = loss / gradient_accumulation_steps
        scaler.scale(loss).backward()
    if grad_clip != 0.0:
        scaler.unscale_(optimizer)
        norm = torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
    if torch.isfinite(norm):
        scaler.step(optimizer)
    scaler.update()
    lossf = loss.item() * gradient_accumulation_steps
    return lossf, norm.item()
