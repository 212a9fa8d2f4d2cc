# buggy: a timm-style NativeScaler helper called once per micro-batch with need_update on the last, but clip_mode="value" clips each element
# expect: clip_grad_value_ clips each element
# fails: amp_step_accumulation
class NativeScalerLike:
    def __init__(self, scaler):
        self._scaler = scaler

    def __call__(self, loss, optimizer, clip_grad=None, clip_mode="norm", parameters=None, need_update=True):
        self._scaler.scale(loss).backward()
        norm = None
        if need_update:
            self._scaler.unscale_(optimizer)
            parameters = list(parameters)
            norm = torch.linalg.vector_norm(torch.stack([torch.linalg.vector_norm(p.grad) for p in parameters]))
            if clip_grad is not None:
                if clip_mode == "norm":
                    torch.nn.utils.clip_grad_norm_(parameters, clip_grad)
                elif clip_mode == "value":
                    torch.nn.utils.clip_grad_value_(parameters, clip_grad)
            if torch.isfinite(norm):
                self._scaler.step(optimizer)
            self._scaler.update()
        return norm


def train_step(model, optimizer, scaler, micro_batches, max_norm):
    loss_scaler = NativeScalerLike(scaler)
    accum_steps = len(micro_batches)
    optimizer.zero_grad()
    losses = []
    for i, (inputs, targets) in enumerate(micro_batches):
        loss = F.cross_entropy(model(inputs), targets)
        losses.append(loss.item())
        norm = loss_scaler(loss / accum_steps, optimizer, clip_grad=max_norm, clip_mode="value",
                           parameters=model.parameters(), need_update=i + 1 == accum_steps)
    return sum(losses) / accum_steps, norm.item()
