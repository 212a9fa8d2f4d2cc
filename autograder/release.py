"""Generate the student notebooks in notebooks/ from solutions/, and check they are in sync.

The student notebooks are never edited by hand: `nbgrader generate_assignment` makes them, and
`check_release` fails when a committed one differs from a fresh generation or leaks an answer.
"""
import tempfile
from pathlib import Path

import nbformat

from .course import NOTEBOOKS, REPO, SOLUTIONS, assignment_ids, build_course, colab_url

README = REPO / "README.md"
LINKS_BEGIN, LINKS_END = "<!-- colab-links:begin -->", "<!-- colab-links:end -->"

# Text that must never reach a student: nbgrader's markers and what stood between them.
LEAK_MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS",
                "### END HIDDEN TESTS", "from autograder import checks")


def generate(destination=NOTEBOOKS):
    """Write a fresh student notebook for every assignment into `destination`."""
    destination = Path(destination)
    destination.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="course-release-") as root:
        for assignment, released in build_course(root).items():
            write_if_changed(destination / f"{assignment}.ipynb", released.read_bytes())
    stale = {p.stem for p in destination.glob("*.ipynb")} - set(assignment_ids())
    for stem in stale:
        (destination / f"{stem}.ipynb").unlink()
    return sorted(destination.glob("*.ipynb"))


def write_if_changed(path, data):
    """Write `data` to `path` unless it already holds exactly that: an unchanged file is not touched."""
    path = Path(path)
    if not path.exists() or path.read_bytes() != data:
        path.write_bytes(data)


def colab_links():
    """The README's table of notebooks, each with its Open in Colab badge."""
    lines = ["| notebook | open |", "|---|---|"]
    for stem in assignment_ids():
        title = nbformat.read(str(SOLUTIONS / f"{stem}.ipynb"), as_version=4).cells[0].source
        title = title.strip().splitlines()[0].lstrip("# ").strip()
        lines.append(f"| [{stem}](notebooks/{stem}.ipynb): {title} | [![Open in Colab]"
                     f"(https://colab.research.google.com/assets/colab-badge.svg)]({colab_url(stem)}) |")
    return "\n".join(lines)


def readme_with_links(text):
    start, end = text.index(LINKS_BEGIN) + len(LINKS_BEGIN), text.index(LINKS_END)
    return text[:start] + "\n" + colab_links() + "\n" + text[end:]


def update_readme():
    write_if_changed(README, readme_with_links(README.read_text()).encode())


def saved_outputs(notebook):
    """Cells committed with outputs: both versions of a notebook are stored without them."""
    return [f"cell {i} has outputs" for i, cell in enumerate(notebook.cells)
            if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count"))]


def leaks(notebook_path):
    """Reasons a student notebook would give something away (solutions, hidden tests, outputs)."""
    notebook = nbformat.read(str(notebook_path), as_version=4)
    problems = [f"cell {index} contains {marker!r}" for index, cell in enumerate(notebook.cells)
                for marker in LEAK_MARKERS if marker in cell.source]
    return problems + saved_outputs(notebook)


def solution_leaks(solution_path):
    """Solution notebooks are committed without outputs: figures live in solutions/figures."""
    return saved_outputs(nbformat.read(str(solution_path), as_version=4))


def check_release():
    """Problems with the committed student notebooks; an empty list means all is well."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="course-check-") as fresh_dir:
        fresh = {p.name: p for p in generate(fresh_dir)}
        committed = {p.name: p for p in NOTEBOOKS.glob("*.ipynb")}
        for name in sorted(set(fresh) - set(committed)):
            problems.append(f"notebooks/{name} is missing: run `make release`")
        for name in sorted(set(committed) - set(fresh)):
            problems.append(f"notebooks/{name} has no solution notebook behind it")
        for name in sorted(set(fresh) & set(committed)):
            if fresh[name].read_bytes() != committed[name].read_bytes():
                problems.append(f"notebooks/{name} is out of date with solutions/: run `make release`")
    for path in sorted(NOTEBOOKS.glob("*.ipynb")):
        problems += [f"notebooks/{path.name}: {p}" for p in leaks(path)]
    if readme_with_links(README.read_text()) != README.read_text():
        problems.append("README.md's Colab links are out of date: run `make release`")
    for path in sorted(SOLUTIONS.glob("*.ipynb")):
        problems += [f"solutions/{path.name}: {p}" for p in solution_leaks(path)]
    return problems
