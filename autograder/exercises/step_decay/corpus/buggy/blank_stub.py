# buggy: the answer cell as released, not answered yet
class StepDecayScheduler:
    # Step decay as a factor on each param group's own initial lr, with PyTorch's interface:
    # step() takes no argument and is called after each optimizer update (the specification is above).

    def __init__(self, optimizer, step_size, gamma):
        # YOUR CODE HERE
        raise NotImplementedError()

    def get_lr(self, t):
        # YOUR CODE HERE
        raise NotImplementedError()

    def step(self):
        # YOUR CODE HERE
        raise NotImplementedError()

    def state_dict(self):
        # YOUR CODE HERE
        raise NotImplementedError()

    def load_state_dict(self, state):
        # YOUR CODE HERE
        raise NotImplementedError()
