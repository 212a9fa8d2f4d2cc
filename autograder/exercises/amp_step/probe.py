"""Probes for notebook 04's exercise: one update with gradient accumulation, a GradScaler and
global-norm clipping, train_step(model, optimizer, scaler, micro_batches, max_norm) -> (loss, norm).

They hold the hidden inputs (a small classifier, its micro-batches, optimizers and scalers) and
record what train_step returns and the state it leaves; the judge rebuilds the same inputs on the
CPU from the builders here and decides (autograder/exercises/amp_step/judge.py).

- amp_step_accumulation runs train_step with a disabled scaler (plain float32): the accumulation and
  the clipping must match one update on all micro-batches together.
- amp_step_scaler runs each case twice, with an enabled scaler (a large scale) and with a
  disabled one, on the same inputs, and injects an overflow (an inf gradient) into some updates
  of both: the judge asks that the scaler change nothing but skip the overflowing updates, that
  its scale move as GradScaler moves it, and that without a scaler train_step skip them itself.
"""
import math

import torch

from autograder.exercises.probing import DEVICE, Probe, call_train_step, fixed_seed, grads_of, one_thread, weights_of

FEATURES, HIDDEN, CLASSES, MICRO = 6, 16, 4, 5     # MICRO: samples per micro-batch
LOUD = 4.0              # the inputs of a "loud" micro-batch are this much larger: a larger gradient
STALE = 0.05            # size of the stale gradients left in .grad before the first call


class ProbeNet(torch.nn.Module):
    """A small classifier, 6 -> 16 -> 16 -> 4 with tanh (452 parameters): logits for MICRO samples.

    While `overflows` > 0, each backward pass through the first layer's weight puts inf into one
    element of its gradient and counts `overflows` down: the overflow a float16 backward pass
    makes when the loss scale is too large.
    """

    def __init__(self):
        super().__init__()
        self.layers = torch.nn.Sequential(
            torch.nn.Linear(FEATURES, HIDDEN), torch.nn.Tanh(),
            torch.nn.Linear(HIDDEN, HIDDEN), torch.nn.Tanh(),
            torch.nn.Linear(HIDDEN, CLASSES))
        self.overflows = 0
        self.layers[0].weight.register_hook(self._overflow)

    def _overflow(self, grad):
        if self.overflows > 0:
            self.overflows -= 1
            grad = grad.clone()
            grad.view(-1)[0] = math.inf
        return grad

    def forward(self, x):
        return self.layers(x)


def probe_net(seed, device=DEVICE):
    """The same initial ProbeNet for every call with the same seed, moved to `device` (built on the
    CPU, the caller's random state untouched)."""
    with fixed_seed(seed):
        model = ProbeNet()
    return model.to(device)


def micro_batches(seed, count, loud=(), device=DEVICE):
    """`count` micro-batches of MICRO samples: (inputs (MICRO, FEATURES), targets (MICRO,)).

    Each has its own content; those whose index is in `loud` have inputs LOUD times larger, so
    that their gradient is larger than the others' (clipping each micro-batch on its own then
    differs from clipping their sum).
    """
    generator = torch.Generator().manual_seed(seed)
    batches = []
    for index in range(count):
        inputs = torch.randn(MICRO, FEATURES, generator=generator) * (LOUD if index in loud else 1.0)
        targets = torch.randint(0, CLASSES, (MICRO,), generator=generator)
        batches.append((inputs.to(device), targets.to(device)))
    return batches


def stale_gradients(model, seed):
    """Gradients of an earlier update left in every .grad (train_step must clear them first)."""
    generator = torch.Generator().manual_seed(seed)
    for p in model.parameters():
        p.grad = (STALE * torch.randn(p.shape, generator=generator)).to(p.device)


def make_scaler(enabled, device=DEVICE):
    """A GradScaler on `device`: enabled with SCALE (65536, GradScaler's default) and a short
    GROWTH_INTERVAL, so that a few updates show both its backoff and its growth; or disabled."""
    return torch.amp.GradScaler(device.type, init_scale=SCALE, growth_factor=GROWTH, backoff_factor=BACKOFF,
                                growth_interval=GROWTH_INTERVAL, enabled=enabled)


SCALE, GROWTH, BACKOFF, GROWTH_INTERVAL = 2.0 ** 16, 2.0, 0.5, 2

# ----------------------------------------------------------------------------------------------
# The cases (the judge's tests/test_checks_amp_step.py keeps each one doing its job)

# One SGD update from 3 micro-batches (one loud), with stale gradients and a max_norm well below
# the accumulated gradient's norm: clipping acts, on the sum of the micro-batches only.
CLIPPED_SEED, CLIPPED_K, CLIPPED_LOUD, CLIPPED_LR, CLIPPED_MAX_NORM = 31, 3, (1,), 0.5, 0.08
# One SGD update from 4 micro-batches with max_norm = inf: nothing clips, so a loss that is not
# divided, a step per micro-batch or gradients cleared inside the loop each move the weights.
UNCLIPPED_SEED, UNCLIPPED_K, UNCLIPPED_LR = 32, 4, 0.5
# A short AdamW run: 6 updates of 2 micro-batches, clipping on some updates only.
RUN_SEED, RUN_UPDATES, RUN_K, RUN_LR, RUN_MAX_NORM = 33, 6, 2, 0.02, 0.75
# The scaler's cases: one SGD update from 2 micro-batches with clipping active, then an AdamW run
# of 7 updates whose updates OVERFLOW_AT overflow (an inf gradient in the first micro-batch).
SCALED_SEED, SCALED_K, SCALED_LR, SCALED_MAX_NORM = 34, 2, 0.5, 0.3
SCALED_RUN_SEED, SCALED_RUN_UPDATES, SCALED_RUN_K, SCALED_RUN_LR, SCALED_RUN_MAX_NORM = 35, 7, 2, 0.02, 0.75
OVERFLOW_AT = (1, 3, 4)


def sgd_setup(seed, k, lr, loud=(), device=DEVICE):
    """A fresh ProbeNet with stale gradients, its SGD optimizer and k micro-batches."""
    model = probe_net(seed, device)
    stale_gradients(model, seed + 1)
    return model, torch.optim.SGD(model.parameters(), lr=lr), micro_batches(seed, k, loud, device)


def run_setup(seed, updates, k, lr, device=DEVICE):
    """A fresh ProbeNet, its AdamW optimizer and `updates` lists of k micro-batches (every update's
    first micro-batch loud)."""
    model = probe_net(seed, device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=0.1)
    batches = micro_batches(seed, updates * k, loud=range(0, updates * k, k), device=device)
    return model, optimizer, [batches[t * k:(t + 1) * k] for t in range(updates)]


# ----------------------------------------------------------------------------------------------
# The probes

def amp_step_accumulation(fn):
    """train_step with a disabled scaler: one clipped SGD update from 3 micro-batches (returns,
    weights and gradients after it), one unclipped update from 4 (returns, weights), and a 6-update
    AdamW run (returns at every update, the final weights)."""
    probe = Probe("amp_step_accumulation")
    with one_thread():
        model, optimizer, batches = sgd_setup(CLIPPED_SEED, CLIPPED_K, CLIPPED_LR, CLIPPED_LOUD)
        call_train_step(probe, "clipped", fn, model, optimizer, make_scaler(False), batches, CLIPPED_MAX_NORM)
        probe.observe_call("clipped: weights", weights_of, model)
        probe.observe_call("clipped: grads", grads_of, model)

        model, optimizer, batches = sgd_setup(UNCLIPPED_SEED, UNCLIPPED_K, UNCLIPPED_LR)
        call_train_step(probe, "unclipped", fn, model, optimizer, make_scaler(False), batches, math.inf)
        probe.observe_call("unclipped: weights", weights_of, model)

        model, optimizer, updates = run_setup(RUN_SEED, RUN_UPDATES, RUN_K, RUN_LR)
        scaler = make_scaler(False)
        for t, batches in enumerate(updates):
            call_train_step(probe, f"run {t}", fn, model, optimizer, scaler, batches, RUN_MAX_NORM)
        probe.observe_call("run: weights", weights_of, model)
    return probe.record()


def _scale(scaler):
    return scaler.get_scale()


def amp_step_scaler(fn):
    """The same cases with an enabled scaler ("scaled") and a disabled one ("plain"): one clipped
    SGD update (returns, weights, and the enabled scaler's scale after it), then a 7-update AdamW
    run whose updates OVERFLOW_AT get an inf gradient, with either scaler (returns, weights and the
    enabled scaler's scale after every update): train_step must skip them in both."""
    probe = Probe("amp_step_scaler")
    with one_thread():
        for name, enabled in (("scaled", True), ("plain", False)):
            model, optimizer, batches = sgd_setup(SCALED_SEED, SCALED_K, SCALED_LR)
            scaler = make_scaler(enabled)
            call_train_step(probe, f"{name} step", fn, model, optimizer, scaler, batches, SCALED_MAX_NORM)
            probe.observe_call(f"{name} step: weights", weights_of, model)
            if enabled:
                probe.observe_call(f"{name} step: scale", _scale, scaler)

        for name, enabled in (("scaled", True), ("plain", False)):
            model, optimizer, updates = run_setup(SCALED_RUN_SEED, SCALED_RUN_UPDATES, SCALED_RUN_K, SCALED_RUN_LR)
            scaler = make_scaler(enabled)
            for t, batches in enumerate(updates):
                if t in OVERFLOW_AT:
                    model.overflows = 1
                call_train_step(probe, f"{name} run {t}", fn, model, optimizer, scaler, batches, SCALED_RUN_MAX_NORM)
                model.overflows = 0
                probe.observe_call(f"{name} run {t}: weights", weights_of, model)
                if enabled:
                    probe.observe_call(f"{name} run {t}: scale", _scale, scaler)
    return probe.record()
