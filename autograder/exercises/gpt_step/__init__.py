"""Exercise 3 (notebook 03): the warmup-stable-cosine factor (LambdaLR style) and one clipped training
step of a tiny GPT, warmup_stable_cosine_factor and train_step."""
NOTEBOOK = "03_tiny_gpt"
CHECKS = {"gpt_step_schedule": "warmup_stable_cosine_factor", "gpt_step_train": "train_step"}
