"""Exercise 2, clipping by value and counting: call clip_grad_value(parameters, clip_value) on the
hidden inputs and record what it returns, and the weights and gradients it leaves behind.

Every case is run whatever the earlier ones did, so the judge can tell a mistake from the record
alone: several bounds, dtypes (bfloat16 included), shapes (a 0-dim parameter included), several
parameters in one call, the same model clipped from a generator and from a list, missing
gradients, the gradients of the NEXT backward pass (is the clip deferred to a hook?), and a
40-update clipped training run.
"""

import torch

from autograder.exercises.probing import DEVICE, FAILED, Probe, flat, one_thread, regression_data, small_net

# (gradient, clip_value, dtype): fractional bounds defeat int()/round(); an int bound; elements equal
# to the bound (not clipped, not counted); a 0-dim gradient; float64 and bfloat16 gradients.
ELEMENT_CASES = (
    ([0.9, -0.9, 0.1, -0.2, 0.25, -0.25, 0.0, 0.6, -0.7, 1e-3], 0.25, torch.float32),
    ([0.9, -0.9, 0.3, -0.1, 0.34, -0.36, 0.35, -0.35], 0.35, torch.float32),
    ([2.5, -2.5, 1.2, -0.7, 1.5, -1.6, 100.0, -0.0], 1.5, torch.float32),
    ([0.2, -0.2, 0.04, -0.049, 0.051, -0.051, 0.0, 0.05], 0.05, torch.float64),
    ([3.0, -7.0, 0.5, -1.0, 1.0, -0.25], 1, torch.float32),
    ([[0.5, -3.0, 0.2], [9.0, -0.4, -0.6]], 0.5, torch.float32),
    ([0.01, -0.02, 0.0, 0.3], 10.0, torch.float32),
    (-2.0, 0.5, torch.float32),                                         # a 0-dim (scalar) parameter
    ([1.0, -2.0, 0.5, 0.25, -0.75, 3.0, 0.0, -0.5], 0.5, torch.bfloat16),
    ([[0.75, -1.25], [0.125, -0.5]], 0.5, torch.bfloat16),
)
WEIGHT = 5.0            # outside every bound, so clamping the weights shows
GROUP_CASES = (         # several float32 parameters in one call, as a list and as a tuple
    (list, ([0.8, -0.1], [[0.5, -3.0, 0.2], [9.0, -0.4, -0.6]], [-2.0], 1.5), 0.3),
    (tuple, ([1.0, -1.0, 0.5], [[-0.9, 0.2], [0.75, 2.0]], 0.1), 0.75),
)

CLIP_VALUE = 1.0        # the common default threshold; SmallNet's scaled gradients exceed it often
GENERATOR_SEED, MISSING_SEED, RUN_SEED = 1, 2, 3
LOSS_SCALE = 100.0      # makes about a fifth of SmallNet's gradient elements exceed CLIP_VALUE
# The clipped run is 40 updates, not a few hundred: a correct answer that loops over elements in
# python takes ~40 ms per call on SmallNet's 4.9k parameters, so 40 updates keep it near 2 s, while
# clipping still changes the gradients at every update (vectorised answers take ~0.05 s).
# Targets scaled by 20 make some gradient elements exceed 1.0 at every update.
CLIP_RUN_STEPS, CLIP_RUN_LR, RUN_CLIP_VALUE, RUN_DATA_SCALE = 40, 0.05, 1.0, 20.0


# ----------------------------------------------------------------------------------------------
# Inputs (the judge rebuilds them on the CPU from these very functions)

def parameter(values, dtype, device):
    """A parameter filled with WEIGHT whose .grad holds `values` (rounded to `dtype`)."""
    grad = torch.tensor(values, dtype=dtype).to(device)
    p = torch.nn.Parameter(torch.full_like(grad, WEIGHT))
    p.grad = grad
    return p


def backward(model, seed):
    """One backward pass of the scaled loss on fixed data, on one thread (same gradients everywhere)."""
    x, y = (t.to(next(model.parameters()).device) for t in regression_data(seed))
    with one_thread():
        (LOSS_SCALE * torch.nn.functional.mse_loss(model(x), y)).backward()


def model_with_gradients(seed, missing=False):
    """SmallNet on the CPU after one backward pass of a scaled loss.

    With `missing`, two parameters have no gradient: layers[0].bias is frozen, and
    layers[2].weight is trainable but its gradient was removed (not reached this step). After
    the backward pass every weight is moved by WEIGHT, outside every bound, so an answer that
    clamps the weights instead of their gradients shows on the model too.
    """
    model = small_net(seed)
    if missing:
        model.layers[0].bias.requires_grad_(False)
    backward(model, seed)
    if missing:
        model.layers[2].weight.grad = None
    model.weights_at_backward = [p.detach().clone() for p in model.parameters()]
    with torch.no_grad():
        for p in model.parameters():
            p.add_(WEIGHT)
    return model


def train_with_clipping(clip, device):
    """SGD on SmallNet for CLIP_RUN_STEPS updates, calling clip(model.parameters(), t) between
    backward and step; the final weights as one CPU float64 tensor."""
    model = small_net(RUN_SEED).to(device)
    x, y = (tensor.to(device) for tensor in regression_data(RUN_SEED, scale=RUN_DATA_SCALE))
    optimizer = torch.optim.SGD(model.parameters(), lr=CLIP_RUN_LR)
    for t in range(CLIP_RUN_STEPS):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        clip(model.parameters(), t)
        optimizer.step()
    return flat(list(model.parameters()))


# ----------------------------------------------------------------------------------------------
# The probes

def _call(probe, key, fn, parameters, clip_value):
    """Record the call's return value under `key`, and under `key int` whether it is a python int."""
    result = probe.call(key, fn, parameters, clip_value)
    if result is not FAILED:
        probe.observe(f"{key} int", type(result) is int)


def _after(probe, key, params):
    """Record the weights and the gradients (None where .grad is None) left by the call `key`."""
    probe.observe(f"{key} weights", list(params))
    probe.observe(f"{key} grads", [p.grad for p in params])


def _next_backward(values, dtype, device):
    """The gradient the next backward pass leaves in p.grad (hooks the answer registered on p act
    there): p.grad set to None, then backward of (p * values).sum(), whose gradient is `values`."""
    def run(p):
        p.grad = None
        (p * torch.tensor(values, dtype=dtype).to(device)).sum().backward()
        return p.grad
    return run


def clip_value_elements(fn):
    """fn on small hand-made gradients: one parameter per call, then a list and a tuple of several.

    Keys: "elements i" / "group i" (the call; " int": whether it returned an int), each with
    " weights" and " grads" after it; "elements 0 next backward" (the gradient of a later backward).
    """
    probe = Probe("clip_value_elements")
    for i, (values, clip_value, dtype) in enumerate(ELEMENT_CASES):
        p = parameter(values, dtype, DEVICE)
        _call(probe, f"elements {i}", fn, [p], clip_value)
        _after(probe, f"elements {i}", [p])
        if i == 0:
            probe.observe_call("elements 0 next backward", _next_backward(values, dtype, DEVICE), p)
    for i, (container, grads, clip_value) in enumerate(GROUP_CASES):
        params = [parameter(values, torch.float32, DEVICE) for values in grads]
        _call(probe, f"group {i}", fn, container(params), clip_value)
        _after(probe, f"group {i}", params)
    return probe.record()


def _discard_result(fn):
    """fn, returning None: the run's 40 return values are not judged."""
    def call(*args):
        fn(*args)
    return call


def _backward_again(model, params, seed):
    """The same backward pass again, at the very weights it first ran at (model_with_gradients moved
    them by WEIGHT afterwards): a clip deferred to a hook shows as this pass's gradients coming out
    clipped."""
    def run():
        for p in params:
            p.grad = None
        with torch.no_grad():
            for p, weights in zip(model.parameters(), model.weights_at_backward):
                p.copy_(weights)
        backward(model, seed)
        return [p.grad for p in params]
    return run


def clip_value_model(fn):
    """fn on SmallNet's gradients: from model.parameters() (a generator), from a list of the same
    parameters, with missing gradients, and in a clipped training run.

    Keys: "generator", "list", "missing" (the calls, each with " weights" and " grads" after it),
    "generator next backward" (the gradients of the next backward pass), "run update t" for
    t < CLIP_RUN_STEPS, and "run weights" (the run's final weights).
    """
    probe = Probe("clip_value_model")
    with one_thread():
        for key, seed, missing in (("generator", GENERATOR_SEED, False), ("list", GENERATOR_SEED, False),
                                   ("missing", MISSING_SEED, True)):
            model = model_with_gradients(seed, missing).to(DEVICE)
            params = list(model.parameters())
            probe.call(key, fn, list(params) if key == "list" else model.parameters(), CLIP_VALUE)
            _after(probe, key, params)
            if key == "generator":
                probe.observe_call("generator next backward", _backward_again(model, params, seed))

        def clip(parameters, t):
            probe.call(f"run update {t}", _discard_result(fn), parameters, RUN_CLIP_VALUE)

        probe.observe_call("run weights", train_with_clipping, clip, DEVICE)
    return probe.record()
