# buggy: the unanswered nbgrader stub
# expect: not answered yet
# fails: gpt_step_schedule, gpt_step_train
def warmup_cosine_lr(step, peak_lr, warmup_steps, total_steps, min_lr):
    """The lr for update `step` (0-based): linear warmup to peak_lr, then cosine decay to min_lr."""
    # YOUR CODE HERE
    raise NotImplementedError()


def train_step(model, optimizer, inputs, targets, lr, max_norm):
    """One update of a next-character model with learning rate `lr` and global-norm clipping.

    inputs, targets: (batch, context) integer tensors; model(inputs) gives (batch, context, vocab) logits.
    Returns (loss before the update, global gradient norm before clipping) as python floats.
    max_norm = math.inf measures the norm without clipping.
    """
    # YOUR CODE HERE
    raise NotImplementedError()
