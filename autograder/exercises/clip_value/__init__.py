"""Exercise 2 (notebook 02): clipping every gradient element by value, clip_grad_value."""
NOTEBOOK = "02_gradient_clipping"
CHECKS = {"clip_value_elements": "clip_grad_value", "clip_value_model": "clip_grad_value"}
