"""Exercise 1, step decay: call the student's StepDecayScheduler on the hidden settings and record
what get_lr and step return and the learning rates they leave in the optimizer.

Every call is made whatever the earlier ones returned, so the judge can tell the likely cause from
the record alone: besides the graded calls, each case asks new schedulers for their lr at many
steps (a wrong formula shows its shape there) and repeats calls on one scheduler (state shows).
"""

import torch

from autograder.exercises.probing import DEVICE, FAILED, Probe, flat, one_thread, regression_data, small_net

CPU = torch.device("cpu")

# (lr_initial, gamma, step_size): the notebook's defaults, then values no hard-coded default matches.
LR_CASES = ((0.1, 0.5, 1000), (0.2, 0.3, 7), (3e-4, 0.9, 1), (1.0, 0.1, 250), (0.05, 1.0, 3))
OPTIMIZER_LR = 0.77     # differs from every lr_initial, so reading the optimizer's lr fails
DEFAULTS_LR = 0.01      # the defaults case: only lr_initial is given
DEFAULTS_STEPS = (0, 999, 1000, 1999, 2000, 3500)

# The step() calls: three param groups with their own lrs, none equal to lr_initial, called out of order.
GROUP_LRS = (0.3, 0.7, None)        # None: the group takes the optimizer's default lr
GROUP_DEFAULT_LR = 0.9
STEP_CASE = (0.2, 0.3, 7)
STEP_ORDER = (7, 0, 20, 6, 15, 15, 71, 13)

# The real run: SmallNet, full-batch MSE, SGD with momentum.
RUN_STEPS, RUN_STEP_SIZE, RUN_GAMMA, RUN_LR = 300, 40, 0.5, 0.05
RUN_SEED, RUN_MOMENTUM = 0, 0.9


def table_steps(step_size):
    """The steps get_lr is graded on, in the order it is called on one scheduler.

    The period's edges and a point many periods on, then a repeated step (a stateful counter gives
    a different value) and steps out of order (large step, then small ones).
    """
    s = step_size
    return (0, s - 1, s, s + 1, 2 * s - 1, 2 * s, 10 * s + 3, s, 10 * s + 3, s - 1, 0)


def hint_steps(step_size):
    """Steps asked of new schedulers to name a mistake: every graded step, mid-periods (rounding
    shows there) and steps past the default step_size (hard-coded defaults show there)."""
    s = step_size
    return tuple(sorted({*table_steps(s), 1, 2, s // 2 + 1, s + s // 2 + 1, 2 * s + 1, 3 * s,
                         1000, 2000, 2500}))


def repeat_steps(step_size):
    """The calls that show state: the graded sequence on a new scheduler, then get_lr(0) often
    enough (step_size + 1 times) for a call counter to cross a period."""
    return table_steps(step_size) + (0,) * (step_size + 1)


# ----------------------------------------------------------------------------------------------
# Inputs (the judge rebuilds them on the CPU from these very functions)

def run_setup(device):
    """(model, x, y, optimizer) at the start of the real run, on `device`."""
    model = small_net(RUN_SEED).to(device)
    x, y = (t.to(device) for t in regression_data(RUN_SEED))
    return model, x, y, torch.optim.SGD(model.parameters(), lr=RUN_LR, momentum=RUN_MOMENTUM)


def update(model, optimizer, x, y):
    """One full-batch MSE update at the optimizer's current lr."""
    optimizer.zero_grad()
    torch.nn.functional.mse_loss(model(x), y).backward()
    optimizer.step()


def _optimizer(group_lrs=(OPTIMIZER_LR,), default_lr=OPTIMIZER_LR):
    """SGD over one small parameter per group, on DEVICE; a None lr takes the default."""
    groups = [{"params": [torch.nn.Parameter(torch.zeros(2, device=DEVICE))]} for _ in group_lrs]
    for group, lr in zip(groups, group_lrs):
        if lr is not None:
            group["lr"] = lr
    return torch.optim.SGD(groups, lr=default_lr)


def _group_lrs(optimizer):
    return [group.get("lr") for group in optimizer.param_groups]


def _first_group_lr(optimizer):
    return optimizer.param_groups[0]["lr"]


# ----------------------------------------------------------------------------------------------
# The probes. Each call into the answer looks its method up inside the call, so a missing method
# is recorded as that call's error.

def _new(cls, optimizer, case):
    lr, gamma, s = case
    return cls(optimizer, lr_initial=lr, gamma=gamma, step_size=s)


def _get_lr(scheduler, step):
    return scheduler.get_lr(step)


def _fresh_get_lr(cls, case, step):
    return _new(cls, _optimizer(), case).get_lr(step)


def _step(scheduler, step):
    return scheduler.step(step)


def _step_in_run(scheduler, step):
    """step(step), returning None: the run's 300 return values are not judged, and could be large."""
    scheduler.step(step)


def step_decay_lr(cls):
    """get_lr on every case's graded steps, then the calls that name a mistake.

    Keys, for case i: "case i: new" (the constructor), "case i: get_lr #j" (table_steps, in order),
    "case i: repeat #j" (repeat_steps, on a second scheduler), "case i: fresh get_lr(t)" (a new
    scheduler for each t in hint_steps); then "defaults: new" and "defaults: get_lr(t)".
    """
    probe = Probe("step_decay_lr")
    for i, case in enumerate(LR_CASES):
        scheduler = probe.call(f"case {i}: new", _new, cls, _optimizer(), case)
        if scheduler is not FAILED:
            for j, step in enumerate(table_steps(case[2])):
                probe.call(f"case {i}: get_lr #{j}", _get_lr, scheduler, step)
        scheduler = probe.call(f"case {i}: repeat new", _new, cls, _optimizer(), case)
        if scheduler is not FAILED:
            for j, step in enumerate(repeat_steps(case[2])):
                probe.call(f"case {i}: repeat #{j}", _get_lr, scheduler, step)
        for step in hint_steps(case[2]):
            probe.call(f"case {i}: fresh get_lr({step})", _fresh_get_lr, cls, case, step)
    scheduler = probe.call("defaults: new", cls, _optimizer(), lr_initial=DEFAULTS_LR)
    if scheduler is not FAILED:
        for step in DEFAULTS_STEPS:
            probe.call(f"defaults: get_lr({step})", _get_lr, scheduler, step)
    return probe.record()


def step_decay_optimizer(cls):
    """step(t) out of order on three param groups, then a real training run.

    Keys: "calls: new", "calls: lrs after new", then for STEP_ORDER[j] "calls: step #j" and
    "calls: lrs after #j" (every group's lr); "calls: fresh get_lr(t)" (a new scheduler for each
    step in STEP_ORDER); "run: new", then for each update t "run: step(t)" (None, or its error),
    "run: lr t" (the group's lr the update uses) and "run: update t"; "run: weights" (the final
    weights).
    """
    probe = Probe("step_decay_optimizer")
    with one_thread():
        _step_calls(probe, cls)
        _training_run(probe, cls)
    return probe.record()


def _step_calls(probe, cls):
    optimizer = _optimizer(GROUP_LRS, GROUP_DEFAULT_LR)
    scheduler = probe.call("calls: new", _new, cls, optimizer, STEP_CASE)
    if scheduler is not FAILED:
        probe.observe_call("calls: lrs after new", _group_lrs, optimizer)
        for j, step in enumerate(STEP_ORDER):
            probe.call(f"calls: step #{j}", _step, scheduler, step)
            probe.observe_call(f"calls: lrs after #{j}", _group_lrs, optimizer)
    for step in sorted(set(STEP_ORDER)):
        probe.call(f"calls: fresh get_lr({step})", _fresh_get_lr, cls, STEP_CASE, step)


def _training_run(probe, cls):
    """The student's scheduler sets the lr before each update; a broken optimizer ends the run."""
    model, x, y, optimizer = run_setup(DEVICE)
    scheduler = probe.call("run: new", _new, cls, optimizer, (RUN_LR, RUN_GAMMA, RUN_STEP_SIZE))
    if scheduler is FAILED:
        return
    for t in range(RUN_STEPS):
        probe.call(f"run: step({t})", _step_in_run, scheduler, t)
        probe.observe_call(f"run: lr {t}", _first_group_lr, optimizer)
        if probe.call(f"run: update {t}", update, model, optimizer, x, y) is FAILED:
            break
    probe.observe_call("run: weights", lambda: flat(list(model.parameters())))
