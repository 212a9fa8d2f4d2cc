# correct: a LambdaLR-style lambda built by a factory that checks the settings; the function returns the lambda's value
def make_lr_lambda(warmup_steps, decay_steps, total_steps, min_factor):
    if warmup_steps < 0 or decay_steps < 0:
        raise ValueError("warmup_steps and decay_steps must not be negative")
    if warmup_steps + decay_steps > total_steps:
        raise ValueError("warmup_steps + decay_steps must not exceed total_steps")
    decay_start = total_steps - decay_steps

    def lr_lambda(step):
        if step >= total_steps:
            return min_factor
        if warmup_steps > 0 and step < warmup_steps:
            return (step + 1) / warmup_steps
        if step < decay_start:
            return 1.0
        cosine = 0.5 * (1.0 + math.cos(math.pi * (step - decay_start) / decay_steps))
        return min_factor + (1.0 - min_factor) * cosine

    return lr_lambda


def warmup_stable_cosine_factor(step, warmup_steps, decay_steps, total_steps, min_factor):
    return make_lr_lambda(warmup_steps, decay_steps, total_steps, min_factor)(step)


def train_step(model, optimizer, inputs, targets, lr_factor, max_norm):
    for group in optimizer.param_groups:
        group.setdefault("initial_lr", group["lr"])
        group["lr"] = group["initial_lr"] * lr_factor
    optimizer.zero_grad()
    logits = model(inputs)
    loss = F.cross_entropy(logits.flatten(0, 1), targets.flatten())
    loss.backward()
    grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm)
    optimizer.step()
    return loss.item(), grad_norm.item()
