"""Exercise 3 (notebook 03): the warmup + cosine schedule and one clipped training step of a
tiny GPT, warmup_cosine_lr and train_step."""
NOTEBOOK = "03_tiny_gpt"
CHECKS = {"gpt_step_schedule": "warmup_cosine_lr", "gpt_step_train": "train_step"}
