# buggy: the unanswered nbgrader stub
# fails: clip_value_elements, clip_value_model
# expect: not answered yet
def clip_grad_value(parameters, clip_value):
    """Clamp every gradient element into [-clip_value, clip_value], in place; return how many were clipped."""
    # YOUR CODE HERE
    raise NotImplementedError()
