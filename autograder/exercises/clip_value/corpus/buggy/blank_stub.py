# buggy: the unanswered nbgrader stub
# expect: not answered yet
def clip_grad_value(parameters, clip_value):
    """Clamp every gradient element into [-clip_value, clip_value], in place.

    parameters: an iterable of tensors, e.g. model.parameters() (a generator, usable only once).
    Parameters whose .grad is None are skipped. The weights are not changed. Returns None.
    """
    # YOUR CODE HERE
    raise NotImplementedError()
