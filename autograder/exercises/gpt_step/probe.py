"""Probes for notebook 03's exercise: the warmup + cosine schedule and a tiny GPT's training step.

They hold the hidden inputs (schedule settings, the model, its data and optimizers) and record
what the student's functions return and the state they leave; the judge rebuilds the same inputs
on the CPU from the builders here and decides (autograder/exercises/gpt_step/judge.py).
"""
import math

import torch

from autograder.exercises.probing import DEVICE, Probe, call_train_step, grads_of, one_thread, weights_of

# ----------------------------------------------------------------------------------------------
# warmup_cosine_lr(step, peak_lr, warmup_steps, total_steps, min_lr)

# (peak_lr, warmup_steps, total_steps, min_lr): fractional values, no warmup, a one-step warmup, a
# single decay step, min_lr 0 and above 0. Short schedules are asked at every step.
SCHEDULE_CASES = ((3e-3, 4, 7, 3e-4), (0.05, 1, 6, 0.005), (0.37, 0, 9, 0.0), (1.5, 10, 31, 0.25),
                  (6e-4, 100, 2000, 6e-5), (0.8, 3, 4, 0.1))
SCHEDULE_ALL_STEPS = 40


def schedule_steps(warmup_steps, total_steps):
    """The steps asked of one schedule: all of a short one; of a long one, its edges.

    The edges: the first steps, the last warmup step and the first decay steps (where peak_lr is
    reached twice), the middle of the decay, and the last steps.
    """
    w, n = warmup_steps, total_steps
    if n <= SCHEDULE_ALL_STEPS:
        return list(range(n))
    return sorted({t for t in (0, 1, w - 1, w, w + 1, w + (n - w) // 2, n - 2, n - 1) if t >= 0})


def schedule_key(case, step):
    return f"case {case} step {step}"


def gpt_step_schedule(fn):
    """fn's lr at every asked step of every case, whatever earlier calls returned."""
    probe = Probe("gpt_step_schedule")
    for index, (peak, w, n, low) in enumerate(SCHEDULE_CASES):
        for step in schedule_steps(w, n):
            probe.call(schedule_key(index, step), fn, step, peak, w, n, low)
    return probe.record()


# ----------------------------------------------------------------------------------------------
# train_step(model, optimizer, inputs, targets, lr, max_norm) -> (loss, grad_norm)

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


# One SGD step: two param groups whose lrs differ from STEP_LR, stale gradients in every .grad, and
# a max_norm far below the gradient norm (about 1 at the initial weights) and below the largest
# gradient element (so clip_grad_value_ at max_norm shows too).
STEP_LR, STEP_GROUP_LRS, STEP_MAX_NORM, STEP_JUNK = 0.3, (0.02, 0.05), 0.1, 0.05
STEP_SEED = 11


def sgd_setup(seed=STEP_SEED, device=DEVICE):
    """A fresh TinyGPT, its SGD optimizer (embeddings, the rest) and stale gradients in every .grad."""
    model = tiny_gpt(seed, device)
    embeddings = [model.token.weight, model.position.weight]
    rest = [p for name, p in model.named_parameters() if not name.startswith(("token.", "position."))]
    optimizer = torch.optim.SGD([{"params": embeddings, "lr": STEP_GROUP_LRS[0]}, {"params": rest}],
                                lr=STEP_GROUP_LRS[1])
    generator = torch.Generator().manual_seed(seed + 1)
    for p in model.parameters():
        p.grad = (STEP_JUNK * torch.randn(p.shape, generator=generator)).to(device)
    inputs, targets = token_batches(seed, 1, device)[0]
    return model, optimizer, inputs, targets


# The real run: AdamW (weight decay on the matrices only) on fixed batches, the lr from a warmup +
# cosine schedule, clipping at a max_norm that some updates exceed and others do not.
GPT_RUN_STEPS, GPT_RUN_SEED, GPT_RUN_MAX_NORM = 20, 7, 0.85
GPT_RUN_SCHEDULE = (1e-2, 4, GPT_RUN_STEPS, 1e-3)       # peak_lr, warmup_steps, total_steps, min_lr
# The lr handed to train_step at each update: GPT_RUN_SCHEDULE's values, written out so that no
# schedule formula lives where student code runs (the judge's tests check they agree).
GPT_RUN_LRS = (0.0025, 0.005, 0.0075, 0.01, 0.010000000000000002, 0.009913533761814537,
               0.009657457896300792, 0.009241613255361453, 0.008681980515339464, 0.00800006604858821,
               0.007222075445642905, 0.006377906449072579, 0.0055000000000000005, 0.004622093550927424,
               0.0037779245543570965, 0.0029999339514117916, 0.0023180194846605367, 0.001758386744638546,
               0.0013425421036992098, 0.001086466238185463)


def run_setup(device=DEVICE):
    """The run's fresh TinyGPT, its AdamW optimizer (two groups) and its GPT_RUN_STEPS batches."""
    model = tiny_gpt(GPT_RUN_SEED, device)
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    others = [p for p in model.parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([{"params": matrices, "weight_decay": 0.1},
                                   {"params": others, "weight_decay": 0.0}], lr=0.5)
    return model, optimizer, token_batches(GPT_RUN_SEED, GPT_RUN_STEPS, device)


def _group_lrs(optimizer):
    return [group["lr"] for group in optimizer.param_groups]


def gpt_step_train(fn):
    """One clipped SGD step (returns, param-group lrs, weights and gradients after it), one step with
    max_norm = inf (returns, weights), and a 20-step AdamW run (returns and lrs at every update,
    the final weights)."""
    probe = Probe("gpt_step_train")
    with one_thread():
        model, optimizer, inputs, targets = sgd_setup()
        call_train_step(probe, "one step", fn, model, optimizer, inputs, targets, STEP_LR, STEP_MAX_NORM)
        probe.observe_call("one step: lrs", _group_lrs, optimizer)
        probe.observe_call("one step: weights", weights_of, model)
        probe.observe_call("one step: grads", grads_of, model)

        model, optimizer, inputs, targets = sgd_setup()
        call_train_step(probe, "no clipping", fn, model, optimizer, inputs, targets, STEP_LR, math.inf)
        probe.observe_call("no clipping: weights", weights_of, model)

        model, optimizer, batches = run_setup()
        for t, ((inputs, targets), lr) in enumerate(zip(batches, GPT_RUN_LRS)):
            call_train_step(probe, f"run {t}", fn, model, optimizer, inputs, targets, lr, GPT_RUN_MAX_NORM)
            probe.observe_call(f"run {t}: lrs", _group_lrs, optimizer)
        probe.observe_call("run: weights", weights_of, model)
    return probe.record()
