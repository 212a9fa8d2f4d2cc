"""Spot answer cells that reach into the grading machinery, before anything runs.

The hidden checks defend themselves inside the kernel (see checks.py), but a kernel that runs
student code can be made to lie about anything. This scan runs outside it: an answer to "write a
scheduler" has no reason to assign to torch, numpy, math, builtins, sys.modules or the checks.
"""
import ast

# Names whose attributes an answer cell must not rebind.
PROTECTED = {"builtins", "__builtins__", "math", "np", "numpy", "torch", "nn", "operator", "sys",
             "unittest", "autograder", "checks", "importlib", "pytest"}
FORBIDDEN_IMPORTS = {"autograder", "nbgrader", "ctypes"}


def _root(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _unparse(node):
    try:
        return ast.unparse(node)
    except Exception:
        return type(node).__name__


def tampering(source):
    """What in `source` rebinds protected names, as short phrases (empty when clean)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, (ast.Assign, ast.Delete)):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        for target in targets:
            if isinstance(target, (ast.Attribute, ast.Subscript)) and _root(target) in PROTECTED:
                found.append(f"assigns to {_unparse(target)}")
        if isinstance(node, ast.Call):
            name = _unparse(node.func)
            if name in ("setattr", "delattr") and node.args and _root(node.args[0]) in PROTECTED:
                found.append(f"calls {name} on {_unparse(node.args[0])}")
            if name.endswith(("__setattr__", "__dict__.update")) and _root(node.func) in PROTECTED:
                found.append(f"calls {name}")
        if isinstance(node, ast.Import):
            found += [f"imports {a.name}" for a in node.names
                      if a.name.split(".")[0] in FORBIDDEN_IMPORTS]
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in FORBIDDEN_IMPORTS:
            found.append(f"imports from {node.module}")
    return sorted(set(found))
