"""Read a student's notebook, whatever state it is in, and rebuild the notebook we grade.

Plain nbgrader trusts the cell metadata in the submission; editors strip it, Colab rewrites it,
students duplicate and delete cells. We trust only the released notebook: the graded notebook is
the released one with each answer cell replaced by the student's matching answer. So the
released test cells always run, and nothing else the student wrote runs at all.
"""
import ast
import copy
import functools
import json
from dataclasses import dataclass, field

import nbformat
from nbgrader.utils import is_solution

from .course import grade_id, is_test_cell


class UnreadableNotebook(ValueError):
    """The file cannot be graded at all; the message says why in one sentence."""


@dataclass
class Answer:
    """The student's answer for one answer cell of the released notebook."""
    grade_id: str
    source: str          # the released stub when no cell answers it
    note: str = ""       # what a TA should know about how it was found


@dataclass
class GradedNotebook:
    notebook: nbformat.NotebookNode
    warnings: list = field(default_factory=list)


def read_cells(raw):
    """The code and markdown cells of a submission as (source, metadata) pairs.

    Lenient on purpose: Colab's minor versions, missing ids and unknown metadata are fine; only
    what makes the file meaningless is refused.
    """
    if not raw.strip():
        raise UnreadableNotebook("The file is empty (0 bytes of notebook): the upload or download "
                                 "probably failed; ask the student to submit again.")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableNotebook("The file is not UTF-8 text, so it is not a Jupyter notebook "
                                 "(perhaps a PDF or a zip renamed to .ipynb).") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise UnreadableNotebook(f"The file is not valid notebook JSON ({error.msg} at line "
                                 f"{error.lineno}, column {error.colno}): it was probably cut "
                                 f"short or edited outside Jupyter.") from None
    except RecursionError:
        raise UnreadableNotebook("The file is JSON nested too deeply to be a notebook.") from None
    if not isinstance(data, dict):
        raise UnreadableNotebook("The file is JSON but not a notebook (no top-level object).")
    major = data.get("nbformat")
    if major != 4:
        found = f"format version {major}" if major is not None else "no format version"
        raise UnreadableNotebook(f"The notebook has {found}; only Jupyter's current format 4 "
                                 f"is graded: open it in Jupyter or Colab, save it, resubmit.")
    cells = data.get("cells")
    if not isinstance(cells, list):
        raise UnreadableNotebook("The notebook has no list of cells.")
    result = []
    for cell in cells:
        if not isinstance(cell, dict) or cell.get("cell_type") != "code":
            continue
        source = cell.get("source", "")
        if isinstance(source, list):
            source = "".join(str(part) for part in source)
        metadata = cell.get("metadata") if isinstance(cell.get("metadata"), dict) else {}
        result.append((str(source), metadata))
    return result


@functools.lru_cache(maxsize=1024)     # the course's own cells are parsed before workers fork
def defined_names(source):
    """Top-level classes and functions a cell defines (the names an answer cell must provide)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return frozenset()
    return frozenset(node.name for node in tree.body
                     if isinstance(node, (ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)))


def mentions_any(source, names):
    """A cheap fallback for answers that do not parse: `class Name` or `def name(` appears."""
    return any(f"class {n}" in source or f"def {n}(" in source for n in names)


def _normal(source):
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def find_answer(grade_id, released_source, solution_names, student_cells, released_sources):
    """Pick the student's cell that answers `grade_id`.

    Candidates are cells carrying that grade id, and cells defining the answer's names (editors
    strip metadata). Released cells copied verbatim are not answers. If several candidates
    remain (a duplicated cell), the last one that differs from the stub wins: it is the one
    whose definition is in force when the notebook runs top to bottom.
    """
    stub = _normal(released_source)
    candidates = []
    for source, metadata in student_cells:
        nbgrader_meta = metadata.get("nbgrader") if isinstance(metadata.get("nbgrader"), dict) else {}
        by_id = nbgrader_meta.get("grade_id") == grade_id
        by_content = bool(solution_names & defined_names(source)) or (
            mentions_any(source, solution_names) and not defined_names(source))
        if (by_id or by_content) and (_normal(source) not in released_sources or _normal(source) == stub):
            candidates.append(source)
    answered = [s for s in candidates if _normal(s) != stub]
    note = ""
    if len(candidates) > 1:
        note = f"{len(candidates)} cells answer {grade_id}; the last answered one was graded"
    if candidates:
        return Answer(grade_id, (answered or candidates)[-1], note)
    return Answer(grade_id, released_source,
                  f"no cell answering {grade_id} was found; the blank stub was graded")


def build_graded_notebook(raw, released, solution):
    """The released notebook with the student's answers in place of the stubs.

    `released` and `solution` are NotebookNodes of the student and the solution version; the
    solution gives the test cells with their hidden tests, and tells which names each answer
    cell defines (the stub may not define them all).
    """
    student_cells = read_cells(raw)
    graded = copy.deepcopy(released)
    solution_by_id = {grade_id(c): c for c in solution.cells if grade_id(c)}
    released_sources = {_normal(c.source) for c in released.cells if c.cell_type == "code"}
    result = GradedNotebook(graded)
    for cell in graded.cells:
        if is_test_cell(cell):
            # The released test cell lacks its hidden tests; run the full one.
            cell.source = solution_by_id[grade_id(cell)].source
            continue
        if cell.cell_type != "code" or not is_solution(cell):
            continue
        names = defined_names(solution_by_id[grade_id(cell)].source) | defined_names(cell.source)
        answer = find_answer(grade_id(cell), cell.source, names, student_cells, released_sources)
        cell.source = answer.source
        if answer.note:
            result.warnings.append(answer.note)
    return result


def cells_grading_needs(notebook):
    """Indices of the code cells grading runs: the setup cell (the first code cell), the answer
    and test cells, and any cell tagged `grading`. The rest are demos and figures, which the
    notebooks skip under the autograder anyway; not even starting them saves a round trip each.
    """
    code = [i for i, c in enumerate(notebook.cells) if c.cell_type == "code"]
    needed = set(code[:1])
    for index in code:
        cell = notebook.cells[index]
        if grade_id(cell) or "grading" in cell.metadata.get("tags", []):
            needed.add(index)
    return needed
