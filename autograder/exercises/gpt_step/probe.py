"""Probes for notebook 03's exercise: the warmup-stable-cosine factor and a tiny GPT's training step.

They hold the hidden inputs (schedule settings, the model, its data and optimizers) and record
what the student's functions return and the state they leave; the judge rebuilds the same inputs
on the CPU from the builders here and decides (autograder/exercises/gpt_step/judge.py).
"""
import math

import torch

from autograder.exercises.probing import DEVICE, Probe, call_train_step, grads_of, one_thread, weights_of

# ----------------------------------------------------------------------------------------------
# warmup_stable_cosine_factor(step, warmup_steps, decay_steps, total_steps, min_factor)

# (warmup_steps, decay_steps, total_steps, min_factor): W + D == T (no stable phase, the warmup +
# cosine of notebook 01), stable phases of several updates, no warmup (W = 0), a one-step warmup,
# no decay (D = 0), a one-step decay (D = 1), the whole run warmup (W == T), a constant factor
# (W = D = 0), a one-update run, a floor of 0 and above 0, all floors different. Short schedules
# are asked at every step, and every schedule past its end.
SCHEDULE_CASES = ((4, 3, 7, 0.15), (1, 5, 6, 0.125), (0, 9, 9, 0.0), (3, 4, 12, 0.05), (4, 0, 9, 0.2),
                  (0, 1, 5, 0.3), (5, 0, 5, 0.35), (2, 1, 8, 0.6), (0, 0, 3, 0.4), (0, 1, 1, 0.45),
                  (10, 21, 31, 0.25), (100, 300, 2000, 0.1))
SCHEDULE_ALL_STEPS = 40
# Settings the spec rejects with a ValueError: W + D > T (also with W = 0), W < 0, D < 0. Each is
# asked at the first step, the last and past the end (an answer that clamps before it checks
# returns min_factor there).
INVALID_CASES = ((3, 5, 7, 0.1), (0, 6, 5, 0.2), (-1, 2, 6, 0.1), (2, -1, 6, 0.3))


def schedule_steps(warmup_steps, decay_steps, total_steps):
    """The steps asked of one schedule: all of a short one; of a long one, its edges; then, for
    both, the first steps past the end (t = T, T + 1) and one far past it.

    The edges: the first steps, the last warmup step and the first stable ones (where the peak is
    reached), the last stable step and the first decay steps, the middle of the decay, and the
    last steps.
    """
    w, d, n = warmup_steps, decay_steps, total_steps
    start = n - d
    if n <= SCHEDULE_ALL_STEPS:
        inside = set(range(n))
    else:
        inside = {t for t in (0, 1, w - 1, w, w + 1, start - 1, start, start + 1, start + d // 2, n - 2, n - 1)
                  if t >= 0}
    return sorted(inside | {n, n + 1, 2 * n + 3})


def invalid_steps(total_steps):
    """The steps asked of a setting the spec rejects."""
    return sorted({0, max(total_steps - 1, 0), total_steps + 1})


def schedule_key(case, step):
    return f"case {case} step {step}"


def invalid_key(case, step):
    return f"invalid {case} step {step}"


def gpt_step_schedule(fn):
    """fn's factor at every asked step of every case, whatever earlier calls returned; then what it
    does with settings it must reject (the record keeps the error's type and message)."""
    probe = Probe("gpt_step_schedule")
    for index, (w, d, n, low) in enumerate(SCHEDULE_CASES):
        for step in schedule_steps(w, d, n):
            probe.call(schedule_key(index, step), fn, step, w, d, n, low)
    for index, (w, d, n, low) in enumerate(INVALID_CASES):
        for step in invalid_steps(n):
            probe.call(invalid_key(index, step), fn, step, w, d, n, low)
    return probe.record()


# ----------------------------------------------------------------------------------------------
# train_step(model, optimizer, inputs, targets, lr_factor, max_norm) -> (loss, grad_norm)

# The tiny GPT: about 7k parameters, so a training step takes a few milliseconds.
GPT_VOCAB, GPT_CONTEXT, GPT_WIDTH, GPT_HEADS, GPT_BLOCKS, GPT_BATCH = 20, 8, 16, 2, 2, 4


class _Block(torch.nn.Module):
    """A pre-LayerNorm transformer block: causal self-attention, then a GELU MLP.

    The attention is spelled out (no scaled_dot_product_attention), so runs do not depend on which
    fused kernel a GPU picks.
    """

    def __init__(self, width, heads, context):
        super().__init__()
        self.heads = heads
        self.norm1 = torch.nn.LayerNorm(width)
        # No bias: a key bias has no true gradient, only rounding noise, which AdamW would amplify.
        self.qkv = torch.nn.Linear(width, 3 * width, bias=False)
        self.proj = torch.nn.Linear(width, width)
        self.norm2 = torch.nn.LayerNorm(width)
        self.mlp = torch.nn.Sequential(torch.nn.Linear(width, 4 * width), torch.nn.GELU(),
                                       torch.nn.Linear(4 * width, width))
        self.register_buffer("mask", torch.ones(context, context, dtype=torch.bool).tril())

    def attend(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q, k, v = (z.view(b, t, self.heads, c // self.heads).transpose(1, 2) for z in (q, k, v))
        scores = (q @ k.transpose(-2, -1)) / math.sqrt(c // self.heads)
        scores = scores.masked_fill(~self.mask[:t, :t], float("-inf"))
        y = scores.softmax(dim=-1) @ v
        return self.proj(y.transpose(1, 2).reshape(b, t, c))

    def forward(self, x):
        x = x + self.attend(self.norm1(x))
        return x + self.mlp(self.norm2(x))


class TinyGPT(torch.nn.Module):
    """A character-level GPT in miniature: (batch, context) tokens -> (batch, context, vocab) logits."""

    def __init__(self, vocab=GPT_VOCAB, context=GPT_CONTEXT, width=GPT_WIDTH, heads=GPT_HEADS,
                 blocks=GPT_BLOCKS):
        super().__init__()
        self.token = torch.nn.Embedding(vocab, width)
        self.position = torch.nn.Embedding(context, width)
        self.blocks = torch.nn.ModuleList(_Block(width, heads, context) for _ in range(blocks))
        self.norm = torch.nn.LayerNorm(width)
        self.head = torch.nn.Linear(width, vocab)

    def forward(self, tokens):
        x = self.token(tokens) + self.position(torch.arange(tokens.shape[1], device=tokens.device))
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))


def tiny_gpt(seed, device=DEVICE):
    """The same initial TinyGPT for every call with the same seed, moved to `device`.

    Built on the CPU from the CPU generator alone (torch.manual_seed would reseed CUDA too), inside
    fork_rng, so the global random state is untouched.
    """
    with torch.random.fork_rng(devices=[]):
        torch.random.default_generator.manual_seed(seed)
        model = TinyGPT()
    return model.to(device)


def token_batches(seed, count, device=DEVICE):
    """`count` fixed (inputs, targets) batches from a random walk over the vocabulary.

    The walk moves 1-3 characters on, so the next character is partly predictable; targets are the
    inputs shifted by one position.
    """
    generator = torch.Generator().manual_seed(seed)
    moves = torch.randint(1, 4, (512,), generator=generator)
    text = (torch.randint(0, GPT_VOCAB, (1,), generator=generator) + moves.cumsum(0)) % GPT_VOCAB
    batches = []
    for _ in range(count):
        starts = torch.randint(0, len(text) - GPT_CONTEXT, (GPT_BATCH,), generator=generator).tolist()
        inputs = torch.stack([text[s:s + GPT_CONTEXT] for s in starts])
        targets = torch.stack([text[s + 1:s + GPT_CONTEXT + 1] for s in starts])
        batches.append((inputs.to(device), targets.to(device)))
    return batches


# One SGD step: two param groups with different lrs (their initial lrs: after the step each holds its
# own lr times STEP_FACTOR), stale gradients in every .grad, and a max_norm far below the gradient
# norm (about 1 at the initial weights) and below the largest gradient element (so
# clip_grad_value_ at max_norm shows too). The resumed setup is the same optimizer after a scheduler
# ran: each group holds "initial_lr" and a current lr RESUMED_FACTOR times it.
STEP_FACTOR, STEP_GROUP_LRS, STEP_MAX_NORM, STEP_JUNK = 0.3, (0.4, 1.5), 0.1, 0.05
RESUMED_FACTOR = 0.5
STEP_SEED = 11


def sgd_setup(seed=STEP_SEED, device=DEVICE, resumed=False):
    """A fresh TinyGPT, its SGD optimizer (embeddings, the rest) and stale gradients in every .grad;
    `resumed`: each group has an "initial_lr" already, and a current lr below it."""
    model = tiny_gpt(seed, device)
    embeddings = [model.token.weight, model.position.weight]
    rest = [p for name, p in model.named_parameters() if not name.startswith(("token.", "position."))]
    optimizer = torch.optim.SGD([{"params": embeddings, "lr": STEP_GROUP_LRS[0]}, {"params": rest}],
                                lr=STEP_GROUP_LRS[1])
    if resumed:
        for group in optimizer.param_groups:
            group["initial_lr"] = group["lr"]
            group["lr"] = group["lr"] * RESUMED_FACTOR
    generator = torch.Generator().manual_seed(seed + 1)
    for p in model.parameters():
        p.grad = (STEP_JUNK * torch.randn(p.shape, generator=generator)).to(device)
    inputs, targets = token_batches(seed, 1, device)[0]
    return model, optimizer, inputs, targets


# The real run: AdamW with two groups (the matrices, with weight decay and lr 1e-2; the rest, without
# and lr 4e-3) on fixed batches, each group's lr its own lr times a warmup-stable-cosine factor
# (4 warmup updates, 6 at the peak, a cosine over the last 10), clipping at a max_norm that some
# updates exceed and others do not.
GPT_RUN_STEPS, GPT_RUN_SEED, GPT_RUN_MAX_NORM = 20, 7, 0.85
GPT_RUN_GROUP_LRS = (1e-2, 4e-3)
GPT_RUN_SCHEDULE = (4, 10, GPT_RUN_STEPS, 0.1)      # warmup_steps, decay_steps, total_steps, min_factor
# The factor handed to train_step at each update: GPT_RUN_SCHEDULE's values, written out so that no
# schedule formula lives where student code runs (the judge's tests check they agree).
GPT_RUN_FACTORS = (0.25, 0.5, 0.75, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.9779754323328191,
                   0.9140576474687263, 0.8145033635316129, 0.6890576474687263, 0.55, 0.41094235253127376,
                   0.2854966364683872, 0.18594235253127372, 0.12202456766718092)


def run_setup(device=DEVICE):
    """The run's fresh TinyGPT, its AdamW optimizer (two groups) and its GPT_RUN_STEPS batches."""
    model = tiny_gpt(GPT_RUN_SEED, device)
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    others = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": matrices, "weight_decay": 0.1, "lr": GPT_RUN_GROUP_LRS[0]},
                                   {"params": others, "weight_decay": 0.0, "lr": GPT_RUN_GROUP_LRS[1]}])
    return model, optimizer, token_batches(GPT_RUN_SEED, GPT_RUN_STEPS, device)


def _group_lrs(optimizer):
    return [group["lr"] for group in optimizer.param_groups]


def gpt_step_train(fn):
    """One clipped SGD step (returns, param-group lrs, weights and gradients after it), the same step
    on a resumed optimizer (lrs, weights), one step with max_norm = inf (returns, weights), and a
    20-step AdamW run (returns and lrs at every update, the final weights)."""
    probe = Probe("gpt_step_train")
    with one_thread():
        model, optimizer, inputs, targets = sgd_setup()
        call_train_step(probe, "one step", fn, model, optimizer, inputs, targets, STEP_FACTOR, STEP_MAX_NORM)
        probe.observe_call("one step: lrs", _group_lrs, optimizer)
        probe.observe_call("one step: weights", weights_of, model)
        probe.observe_call("one step: grads", grads_of, model)

        model, optimizer, inputs, targets = sgd_setup(resumed=True)
        call_train_step(probe, "resumed", fn, model, optimizer, inputs, targets, STEP_FACTOR, STEP_MAX_NORM)
        probe.observe_call("resumed: lrs", _group_lrs, optimizer)
        probe.observe_call("resumed: weights", weights_of, model)

        model, optimizer, inputs, targets = sgd_setup()
        call_train_step(probe, "no clipping", fn, model, optimizer, inputs, targets, STEP_FACTOR, math.inf)
        probe.observe_call("no clipping: weights", weights_of, model)

        model, optimizer, batches = run_setup()
        for t, ((inputs, targets), factor) in enumerate(zip(batches, GPT_RUN_FACTORS)):
            call_train_step(probe, f"run {t}", fn, model, optimizer, inputs, targets, factor, GPT_RUN_MAX_NORM)
            probe.observe_call(f"run {t}: lrs", _group_lrs, optimizer)
        probe.observe_call("run: weights", weights_of, model)
    return probe.record()
