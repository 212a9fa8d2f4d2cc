# buggy: an Accelerate/Trainer-style loop with a 0-based "step % k == 0" sync test: it steps after the FIRST micro-batch, then the rest only accumulate
# expect: no cause
# fails: amp_step_accumulation
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    gradient_accumulation_steps = len(micro_batches)
    tr_loss = torch.zeros(())
    grad_norm = torch.tensor(float("nan"))
    optimizer.zero_grad()
    for step, (inputs, targets) in enumerate(micro_batches):
        loss = F.cross_entropy(model(inputs), targets) / gradient_accumulation_steps
        scaler.scale(loss).backward()
        tr_loss += loss.detach().cpu()
        if step % gradient_accumulation_steps == 0:          # sync_gradients
            scaler.unscale_(optimizer)
            grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
            if torch.isfinite(grad_norm):
                scaler.step(optimizer)
            scaler.update()
            optimizer.zero_grad()
    return tr_loss.item(), grad_norm.item()
