"""The kernel's half of the hidden checks: call the student's code on the hidden inputs and record
what it produced, as plain data.

This package is the only grading code a sandboxed kernel can see. It holds the hidden inputs
(they must be run somewhere) but no expected value, no reference answer and no comparison: the
grader judges the records in a process that never ran student code (autograder/checks/).
It imports only the standard library and torch.
"""
