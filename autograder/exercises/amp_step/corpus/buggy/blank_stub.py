# buggy: the unanswered nbgrader stub
# expect: not answered yet
# fails: amp_step_accumulation, amp_step_scaler
def train_step(model, optimizer, scaler, micro_batches, max_norm):
    """One optimizer update from a list of (inputs, targets) micro-batches, with gradient
    accumulation, a GradScaler and global-norm clipping. Returns (loss, grad_norm)."""
    # YOUR CODE HERE
    raise NotImplementedError()
