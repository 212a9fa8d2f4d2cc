"""Exercise 4 (notebook 04): one update with gradient accumulation, a GradScaler and global-norm
clipping, train_step."""
NOTEBOOK = "04_practical_training_loop"
CHECKS = {"amp_step_accumulation": "train_step", "amp_step_scaler": "train_step"}
