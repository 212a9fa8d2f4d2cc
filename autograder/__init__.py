"""Grading for the LR-schedules and gradient-clipping course (nbgrader underneath)."""
