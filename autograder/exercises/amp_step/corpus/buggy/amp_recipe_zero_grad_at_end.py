# buggy: the PyTorch AMP recipe's accumulation loop, which clears the gradients only after the step; the gradients left in .grad before the call are added in
# expect: old gradients were not cleared
# fails: amp_step_accumulation, amp_step_scaler
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    iters_to_accumulate = len(micro_batches)
    total = 0.0
    for i, (inputs, target) in enumerate(micro_batches):
        output = model(inputs)
        loss = F.cross_entropy(output, target)
        loss = loss / iters_to_accumulate
        total += loss.item()
        scaler.scale(loss).backward()
        if (i + 1) % iters_to_accumulate == 0:
            scaler.unscale_(optimizer)
            grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
            if torch.isfinite(grad_norm):
                scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad()
    return total, grad_norm.item()
