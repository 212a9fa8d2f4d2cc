# buggy: the unanswered nbgrader stub
# expect: not answered yet
# fails: gpt_step_schedule, gpt_step_train
def warmup_stable_cosine_factor(step, warmup_steps, decay_steps, total_steps, min_factor):
    """The factor that multiplies each param group's initial lr at update `step` (0-based)."""
    # YOUR CODE HERE
    raise NotImplementedError()


def train_step(model, optimizer, inputs, targets, lr_factor, max_norm):
    """One clipped training step; every group's lr becomes its initial lr times lr_factor."""
    # YOUR CODE HERE
    raise NotImplementedError()
