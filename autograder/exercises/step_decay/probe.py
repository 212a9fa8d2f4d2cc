"""Exercise 1, step decay: call the student's StepDecayScheduler(optimizer, step_size, gamma) on the
hidden settings and record what get_lr, step, state_dict and load_state_dict return and the
learning rates they leave in the optimizers.

Every call is made whatever the earlier ones returned, so the judge can tell the likely cause from
the record alone: besides the graded calls, each case asks new schedulers for their lrs at many
updates (a wrong formula shows its shape there), repeats calls on one scheduler (state shows) and
keeps two schedulers alive at once, asked and stepped in turn (state shared between instances shows).
"""
import copy
import numbers

import torch

from autograder.exercises.probing import DEVICE, FAILED, Probe, flat, one_thread, regression_data, small_net

DEFAULT_LR = 0.77       # the optimizers' default lr: a group written None takes it

# get_lr: (group lrs, step_size, gamma). The worked example first, then settings no hard-coded
# constant matches: several groups with different lrs, step_size 1, gamma 1 (no decay).
LR_CASES = (((0.01, 0.001), 1000, 0.5),
            ((0.3, None, 0.05), 7, 0.3),
            ((3e-4,), 1, 0.9),
            ((1.0, 0.25), 250, 0.1),
            ((0.05, 0.5), 3, 1.0))
# Two schedulers alive at once: A is created, then B, then both are asked in turn.
PAIR = (((0.2, 0.02), 5, 0.5), ((0.9,), 3, 0.1))
PAIR_STEPS = (5, 3, 12, 7, 0, 11)       # A, B, A, B, A, B

# step(): each case's scheduler is stepped N_CALLS times in a row (PyTorch's interface: no argument,
# one call after each optimizer update), crossing two period boundaries in case 0; step_size 1 and
# gamma 1 are the edge cases. Then two schedulers alive at once are stepped in turn.
STEP_CASES = (((0.2, None, 0.05), 7, 0.3), ((0.5, 0.05), 1, 0.5), ((0.3, 0.1), 2, 1.0))
N_CALLS = 16
PAIR_CALLS = 8                         # step() calls on each scheduler of PAIR, A and B in turn

# The real run: SmallNet in two param groups (weights, and biases at a tenth of their lr), SGD with
# momentum; saved after update RESUME_AT - 1 (and the step() after it), in the middle of a period,
# and resumed.
RUN_STEPS, RUN_STEP_SIZE, RUN_GAMMA, RUN_LR, RUN_BIAS_LR = 300, 40, 0.5, 0.05, 0.005
RUN_SEED, RUN_MOMENTUM, RESUME_AT = 0, 0.9, 130


def table_steps(step_size):
    """The updates get_lr is graded on, in the order it is called on one scheduler: the period's
    edges, a point many periods on, then repeated updates and updates out of order."""
    s = step_size
    return (0, s - 1, s, s + 1, 2 * s - 1, 2 * s, 10 * s + 3, s, 10 * s + 3, s - 1, 0)


LRS_READ_AFTER = 6      # the groups' lrs are read after this call of table_steps, get_lr(10 * s + 3)


def hint_steps(step_size):
    """Updates asked of new schedulers to name a mistake: every graded update, mid-periods
    (rounding shows there) and updates past the usual hard-coded step sizes."""
    s = step_size
    return tuple(sorted({*table_steps(s), 1, 2, s // 2 + 1, s + s // 2 + 1, 2 * s + 1, 3 * s,
                         10, 30, 1000, 2000, 2500}))


def repeat_steps(step_size):
    """The calls that show state: the graded sequence on a new scheduler, then get_lr(0) often
    enough (step_size + 1 times) for a call counter to cross a period."""
    return table_steps(step_size) + (0,) * (step_size + 1)


def own_steps():
    """The updates get_lr is asked of new schedulers for the step() tests: every position N_CALLS
    calls can reach, and as far again (a step() that advances twice)."""
    return tuple(range(2 * N_CALLS + 2))


# ----------------------------------------------------------------------------------------------
# Inputs (the judge rebuilds them on the CPU from these very functions)

def group_optimizer(group_lrs, device=DEVICE):
    """SGD over one small parameter per group; a None lr takes DEFAULT_LR."""
    groups = []
    for lr in group_lrs:
        group = {"params": [torch.nn.Parameter(torch.zeros(2, device=device))]}
        if lr is not None:
            group["lr"] = lr
        groups.append(group)
    return torch.optim.SGD(groups, lr=DEFAULT_LR)


def run_model(device):
    """(model, x, y) at the start of the real run, on `device`."""
    model = small_net(RUN_SEED).to(device)
    x, y = (t.to(device) for t in regression_data(RUN_SEED))
    return model, x, y


def run_optimizer(model):
    """SGD with momentum: the weights at RUN_LR, the biases at RUN_BIAS_LR."""
    weights = [p for name, p in model.named_parameters() if name.endswith("weight")]
    biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
    return torch.optim.SGD([{"params": weights}, {"params": biases, "lr": RUN_BIAS_LR}],
                           lr=RUN_LR, momentum=RUN_MOMENTUM)


def update(model, optimizer, x, y):
    """One full-batch MSE update at the optimizer's current lrs."""
    optimizer.zero_grad()
    torch.nn.functional.mse_loss(model(x), y).backward()
    optimizer.step()


def _group_lrs(optimizer):
    return [group.get("lr") for group in optimizer.param_groups]


# ----------------------------------------------------------------------------------------------
# The probes. Each call into the answer looks its method up inside the call, so a missing method
# is recorded as that call's error. The constructor is called positionally, as the text writes it.

def _new(cls, optimizer, step_size, gamma):
    return cls(optimizer, step_size, gamma)


def _get_lr(scheduler, t):
    return scheduler.get_lr(t)


def _fresh_get_lr(cls, case, t):
    group_lrs, step_size, gamma = case
    return cls(group_optimizer(group_lrs), step_size, gamma).get_lr(t)


def _step(scheduler):
    return scheduler.step()


def _step_quiet(scheduler):
    """step(), returning None: the run's return values are judged elsewhere."""
    scheduler.step()


def step_decay_lr(cls):
    """get_lr on every case's graded updates, then the calls that name a mistake.

    Keys, for case i: "case i: new", "case i: lrs after new", "case i: get_lr #j" (table_steps, in
    order), "case i: lrs after get_lr" (the groups' lrs after get_lr #LRS_READ_AFTER), "case i: repeat
    new" and "case i: repeat #j" (repeat_steps on a second scheduler), "case i: fresh get_lr(t)" (a new
    scheduler for each t in hint_steps); then "pair: A new", "pair: B new", "pair: #j" (PAIR_STEPS, A and B in turn) and
    "pair: fresh A|B get_lr(t)".
    """
    probe = Probe("step_decay_lr")
    for i, case in enumerate(LR_CASES):
        group_lrs, s, gamma = case
        optimizer = group_optimizer(group_lrs)
        scheduler = probe.call(f"case {i}: new", _new, cls, optimizer, s, gamma)
        probe.observe_call(f"case {i}: lrs after new", _group_lrs, optimizer)
        if scheduler is not FAILED:
            for j, t in enumerate(table_steps(s)):
                probe.call(f"case {i}: get_lr #{j}", _get_lr, scheduler, t)
                if j == LRS_READ_AFTER:
                    probe.observe_call(f"case {i}: lrs after get_lr", _group_lrs, optimizer)
        scheduler = probe.call(f"case {i}: repeat new", _new, cls, group_optimizer(group_lrs), s, gamma)
        if scheduler is not FAILED:
            for j, t in enumerate(repeat_steps(s)):
                probe.call(f"case {i}: repeat #{j}", _get_lr, scheduler, t)
        for t in hint_steps(s):
            probe.call(f"case {i}: fresh get_lr({t})", _fresh_get_lr, cls, case, t)
    _pair(probe, cls)
    return probe.record()


def _new_pair(probe, cls):
    """[(scheduler, optimizer)] for A and B of PAIR, both alive at once ("pair: A new", "pair: B new")."""
    made = []
    for label, (group_lrs, s, gamma) in zip("AB", PAIR):
        optimizer = group_optimizer(group_lrs)
        made.append((probe.call(f"pair: {label} new", _new, cls, optimizer, s, gamma), optimizer))
    return made


def _fresh_pair(probe, cls, steps):
    """Each of A's and B's get_lr(t) on a new scheduler of its own, for t in `steps`."""
    for label, case in zip("AB", PAIR):
        for t in steps:
            probe.call(f"pair: fresh {label} get_lr({t})", _fresh_get_lr, cls, case, t)


def _pair(probe, cls):
    """Two schedulers alive at once, asked in turn; then each one's answers alone."""
    made = _new_pair(probe, cls)
    for j, t in enumerate(PAIR_STEPS):
        scheduler, optimizer = made[j % 2]
        if scheduler is not FAILED:
            probe.call(f"pair: #{j}", _get_lr, scheduler, t)
    _fresh_pair(probe, cls, sorted(set(PAIR_STEPS)))


def step_decay_optimizer(cls):
    """step() N_CALLS times on each case, two schedulers stepped in turn, then a real training run,
    uninterrupted and saved and resumed.

    Keys, for case i: "calls i: new", "calls i: lrs after new", then for the j-th call (j = 1 ..
    N_CALLS) "calls i: step #j" and "calls i: lrs after #j"; "calls i: fresh get_lr(t)" for t in
    own_steps(). "pair: A new", "pair: B new", then "pair: step #j" and "pair: lrs after #j" (A for
    even j, B for odd), "pair: fresh A|B get_lr(t)" for t in own_steps(). "run: new", then for each
    update t "run: lrs t", "run: update t" and "run: step after t"; "run: weights". Then the run
    saved after update RESUME_AT - 1: "resume: first new", "resume: lrs|update|step after t" for t
    < RESUME_AT, "resume: state_dict", "resume: state kinds", "resume: copy", "resume: new",
    "resume: lrs after new" (the restored optimizer's groups right after the new scheduler is
    created), "resume: load_state_dict", and "resume: lrs|update|step after t" from RESUME_AT on;
    "resume: weights".
    """
    probe = Probe("step_decay_optimizer")
    with one_thread():
        for i, case in enumerate(STEP_CASES):
            _step_calls(probe, cls, f"calls {i}", case)
        _step_pair(probe, cls)
        _training_run(probe, cls)
    return probe.record()


def _step_calls(probe, cls, prefix, case):
    group_lrs, s, gamma = case
    optimizer = group_optimizer(group_lrs)
    scheduler = probe.call(f"{prefix}: new", _new, cls, optimizer, s, gamma)
    probe.observe_call(f"{prefix}: lrs after new", _group_lrs, optimizer)
    if scheduler is not FAILED:
        for j in range(1, N_CALLS + 1):
            probe.call(f"{prefix}: step #{j}", _step, scheduler)
            probe.observe_call(f"{prefix}: lrs after #{j}", _group_lrs, optimizer)
    for t in own_steps():
        probe.call(f"{prefix}: fresh get_lr({t})", _fresh_get_lr, cls, case, t)


def _step_pair(probe, cls):
    """Two schedulers alive at once, stepped in turn: A, B, A, B, ..."""
    made = _new_pair(probe, cls)
    for j in range(2 * PAIR_CALLS):
        scheduler, optimizer = made[j % 2]
        if scheduler is not FAILED:
            probe.call(f"pair: step #{j}", _step, scheduler)
            probe.observe_call(f"pair: lrs after #{j}", _group_lrs, optimizer)
    _fresh_pair(probe, cls, own_steps())


def _not_plain(value):
    """[tensors, other objects]: how many values in `value` are not the plain ones a state_dict is
    to hold (numbers, numpy's included, strings, None, and lists, tuples and dicts of them)."""
    if isinstance(value, dict):
        counts = [_not_plain(item) for pair in value.items() for item in pair]
    elif isinstance(value, (list, tuple)):
        counts = [_not_plain(item) for item in value]
    elif value is None or isinstance(value, (numbers.Number, str)):
        return [0, 0]
    else:
        return [1, 0] if isinstance(value, torch.Tensor) else [0, 1]
    return [sum(c[0] for c in counts), sum(c[1] for c in counts)]


def _run(probe, prefix, scheduler, model, optimizer, x, y, updates):
    """Update t at the groups' lrs, then step(), as PyTorch's loop does; False when the optimizer
    broke (the run ends there)."""
    for t in updates:
        probe.observe_call(f"{prefix}: lrs {t}", _group_lrs, optimizer)
        if probe.call(f"{prefix}: update {t}", update, model, optimizer, x, y) is FAILED:
            return False
        probe.call(f"{prefix}: step after {t}", _step_quiet, scheduler)
    return True


def _training_run(probe, cls):
    """The uninterrupted run, then the same run saved after update RESUME_AT - 1 and resumed in new
    objects (model, optimizer and scheduler) as the notebook's recipe does."""
    model, x, y = run_model(DEVICE)
    optimizer = run_optimizer(model)
    scheduler = probe.call("run: new", _new, cls, optimizer, RUN_STEP_SIZE, RUN_GAMMA)
    if scheduler is not FAILED and _run(probe, "run", scheduler, model, optimizer, x, y, range(RUN_STEPS)):
        probe.observe_call("run: weights", lambda: flat(list(model.parameters())))

    model, x, y = run_model(DEVICE)
    optimizer = run_optimizer(model)
    scheduler = probe.call("resume: first new", _new, cls, optimizer, RUN_STEP_SIZE, RUN_GAMMA)
    if scheduler is FAILED or not _run(probe, "resume", scheduler, model, optimizer, x, y, range(RESUME_AT)):
        return
    state = probe.call("resume: state_dict", lambda: scheduler.state_dict())
    if state is FAILED:
        return
    probe.observe_call("resume: state kinds", _not_plain, state)
    saved = probe.call("resume: copy", lambda: copy.deepcopy(state))
    if saved is FAILED:
        return
    model_state = copy.deepcopy(model.state_dict())
    optimizer_state = copy.deepcopy(optimizer.state_dict())
    model, x, y = run_model(DEVICE)                           # a new process: everything rebuilt
    model.load_state_dict(model_state)
    optimizer = run_optimizer(model)
    optimizer.load_state_dict(optimizer_state)
    scheduler = probe.call("resume: new", _new, cls, optimizer, RUN_STEP_SIZE, RUN_GAMMA)
    probe.observe_call("resume: lrs after new", _group_lrs, optimizer)
    if scheduler is FAILED or probe.call("resume: load_state_dict", lambda: scheduler.load_state_dict(saved)) is FAILED:
        return
    if _run(probe, "resume", scheduler, model, optimizer, x, y, range(RESUME_AT, RUN_STEPS)):
        probe.observe_call("resume: weights", lambda: flat(list(model.parameters())))
