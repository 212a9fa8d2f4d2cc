"""Exercise 2, clipping by value: call clip_grad_value(parameters, clip_value) on the hidden inputs
and record the return values, weights and gradients it leaves behind.

Every case is run whatever the earlier ones did, so the judge can tell the likely cause from the
record alone: the same model clipped from a list (is the generator the problem?), a model with
missing gradients, and a 40-update clipped training run.
"""

import torch

from autograder.exercises.probing import DEVICE, Probe, flat, one_thread, regression_data, small_net

# (gradient, clip_value, dtype): fractional bounds defeat int()/round(); one int bound.
ELEMENT_CASES = (
    ([0.9, -0.9, 0.1, -0.2, 0.25, -0.25, 0.0, 0.6, -0.7, 1e-3], 0.25, torch.float32),
    ([0.9, -0.9, 0.3, -0.1, 0.34, -0.36, 0.35, -0.35], 0.35, torch.float32),
    ([2.5, -2.5, 1.2, -0.7, 1.5, -1.6, 100.0, -0.0], 1.5, torch.float32),
    ([0.2, -0.2, 0.04, -0.049, 0.051, -0.051, 0.0], 0.05, torch.float64),
    ([3.0, -7.0, 0.5, -1.0, 1.0, -0.25], 1, torch.float32),
    ([[0.5, -3.0, 0.2], [9.0, -0.4, -0.6]], 0.5, torch.float32),
    ([0.01, -0.02, 0.0, 0.3], 10.0, torch.float32),
)
WEIGHT = 5.0            # outside every bound, so clamping the weights shows
GROUP_CASES = (         # several float32 parameters in one call, as a list and as a tuple
    (list, ([0.8, -0.1], [[0.5, -3.0, 0.2], [9.0, -0.4, -0.6]], [-2.0]), 0.3),
    (tuple, ([1.0, -1.0, 0.5], [[-0.9, 0.2], [0.75, 2.0]]), 0.75),
)

CLIP_VALUE = 0.05
GENERATOR_SEED, MISSING_SEED, RUN_SEED = 1, 2, 3
LOSS_SCALE = 20.0       # makes most of SmallNet's gradients exceed CLIP_VALUE
# The clipped run is 40 updates, not a few hundred: a correct answer that loops over elements in
# python takes ~40 ms per call on SmallNet's 4.9k parameters, so 40 updates keep it near 2 s, while
# clipping still changes the gradients at every update (vectorised answers take ~0.05 s).
CLIP_RUN_STEPS, CLIP_RUN_LR = 40, 0.05


# ----------------------------------------------------------------------------------------------
# Inputs (the judge rebuilds them on the CPU from these very functions)

def parameter(values, dtype, device):
    """A parameter filled with WEIGHT whose .grad holds `values` (rounded to `dtype`)."""
    grad = torch.tensor(values, dtype=dtype).to(device)
    p = torch.nn.Parameter(torch.full_like(grad, WEIGHT))
    p.grad = grad
    return p


def model_with_gradients(seed, missing=False):
    """SmallNet on the CPU after one backward pass of a scaled loss.

    With `missing`, two parameters have no gradient: layers[0].bias is frozen, and
    layers[2].weight is trainable but its gradient was removed (not reached this step).
    Computed on the CPU on one thread, so the judge gets the very same gradients.
    """
    model = small_net(seed)
    if missing:
        model.layers[0].bias.requires_grad_(False)
    x, y = regression_data(seed)
    with one_thread():
        (LOSS_SCALE * torch.nn.functional.mse_loss(model(x), y)).backward()
    if missing:
        model.layers[2].weight.grad = None
    return model


def train_with_clipping(clip, device):
    """SGD on SmallNet for CLIP_RUN_STEPS updates, calling clip(model.parameters(), t) between
    backward and step; the final weights as one CPU float64 tensor."""
    model = small_net(RUN_SEED).to(device)
    x, y = (tensor.to(device) for tensor in regression_data(RUN_SEED, scale=4.0))
    optimizer = torch.optim.SGD(model.parameters(), lr=CLIP_RUN_LR)
    for t in range(CLIP_RUN_STEPS):
        optimizer.zero_grad()
        torch.nn.functional.mse_loss(model(x), y).backward()
        clip(model.parameters(), t)
        optimizer.step()
    return flat(list(model.parameters()))


# ----------------------------------------------------------------------------------------------
# The probes

def _after(probe, key, params):
    """Record the weights and the gradients (None where .grad is None) left by the call `key`."""
    probe.observe(f"{key} weights", list(params))
    probe.observe(f"{key} grads", [p.grad for p in params])


def clip_value_elements(fn):
    """fn on small hand-made gradients: one parameter per call, then a list and a tuple of several.

    Keys: "elements i" / "group i" (the call), each with " weights" and " grads" after it.
    """
    probe = Probe("clip_value_elements")
    for i, (values, clip_value, dtype) in enumerate(ELEMENT_CASES):
        p = parameter(values, dtype, DEVICE)
        probe.call(f"elements {i}", fn, [p], clip_value)
        _after(probe, f"elements {i}", [p])
    for i, (container, grads, clip_value) in enumerate(GROUP_CASES):
        params = [parameter(values, torch.float32, DEVICE) for values in grads]
        probe.call(f"group {i}", fn, container(params), clip_value)
        _after(probe, f"group {i}", params)
    return probe.record()


def _discard_result(fn):
    """fn, returning None: the run's 40 return values are not needed, and could be large."""
    def call(*args):
        fn(*args)
    return call


def clip_value_model(fn):
    """fn on SmallNet's gradients: from model.parameters() (a generator), from a list of the same
    parameters, with missing gradients, and in a clipped training run.

    Keys: "generator", "list", "missing" (the calls, each with " weights" and " grads" after it),
    "run update t" for t < CLIP_RUN_STEPS, and "run weights" (the run's final weights).
    """
    probe = Probe("clip_value_model")
    with one_thread():
        for key, seed, missing in (("generator", GENERATOR_SEED, False), ("list", GENERATOR_SEED, False),
                                   ("missing", MISSING_SEED, True)):
            model = model_with_gradients(seed, missing).to(DEVICE)
            params = list(model.parameters())
            probe.call(key, fn, list(params) if key == "list" else model.parameters(), CLIP_VALUE)
            _after(probe, key, params)

        def clip(parameters, t):
            probe.call(f"run update {t}", _discard_result(fn), parameters, CLIP_VALUE)

        probe.observe_call("run weights", train_with_clipping, clip, DEVICE)
    return probe.record()
