"""Exercise 1 (notebook 01): a step-decay learning-rate scheduler, StepDecayScheduler."""
NOTEBOOK = "01_lr_schedules"
CHECKS = {"step_decay_lr": "StepDecayScheduler", "step_decay_optimizer": "StepDecayScheduler"}
