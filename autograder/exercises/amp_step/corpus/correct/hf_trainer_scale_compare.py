# correct: a Trainer-style loop: tr_loss of the divided losses, the step skipped when the norm is not finite, update every call
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    gradient_accumulation_steps = len(micro_batches)
    model.zero_grad(set_to_none=True)
    tr_loss = torch.tensor(0.0)
    for step, (inputs, labels) in enumerate(micro_batches):
        loss = F.cross_entropy(model(inputs), labels)
        loss = loss / gradient_accumulation_steps
        scaler.scale(loss).backward()
        tr_loss += loss.detach().float().cpu()
        if (step + 1) % gradient_accumulation_steps == 0:
            scaler.unscale_(optimizer)
            _grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
            optimizer_was_run = bool(torch.isfinite(_grad_norm))
            if optimizer_was_run:
                scaler.step(optimizer)
            scaler.update()
    return float(tr_loss), float(_grad_norm)
