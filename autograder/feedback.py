"""Feedback pages that help without giving the hidden tests away.

nbgrader's feedback shows every test cell in full, hidden tests included, and the tracebacks
point into the checks module. We keep what a student can act on: the visible tests, and for
each failure one line with the message (expected, got, likely cause).

Pages are rendered from one Jinja2 template (feedback.html.j2), not nbconvert's HTML exporter: a
page then costs milliseconds instead of a second, and shows only text and raster images. The
HideHiddenTests preprocessor is for nbgrader's own feedback command (formgrader).
"""
import functools
import re
from pathlib import Path

from nbconvert.preprocessors import Preprocessor
from nbgrader.utils import is_grade, is_solution
from traitlets import Bool

from .course import grade_id

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS\n?", re.DOTALL)
HIDDEN_NOTE = "# (hidden tests ran here; their results are below)\n"


def hide_hidden_tests(source):
    return HIDDEN.sub(HIDDEN_NOTE, source)


def short_error(output):
    """An error output reduced to `Name: message`, with no traceback lines."""
    output["traceback"] = [f"{output.get('ename', 'Error')}: {output.get('evalue', '')}"]
    return output


# What a submission's outputs may show on its page: text and raster images. HTML, SVG, markdown
# and JavaScript could run in the browser of the TA who opens the page.
IMAGE_TYPES = ("image/png", "image/jpeg")
INERT_TYPES = ("text/plain", *IMAGE_TYPES)


def inert_data(data, value=lambda v: v):
    """An output's `data` (a mime bundle) reduced to its INERT_TYPES, each passed through `value`;
    a line of text saying so when none is left."""
    kept = {kind: value(data[kind]) for kind in INERT_TYPES if kind in data}
    return kept or {"text/plain": "[output of a kind feedback pages do not show]"}


def inert(output):
    """A display or result output reduced to its inert representations (text if nothing else)."""
    if output.get("output_type") in ("display_data", "execute_result"):
        output["data"] = inert_data(output.get("data", {}))
        output["metadata"] = {}
    return output


class HideHiddenTests(Preprocessor):
    """Replace hidden test code with a note, tracebacks with their last line, and every output
    that could carry markup with its text."""

    enabled = Bool(True)  # nbconvert preprocessors are off unless enabled

    def preprocess_cell(self, cell, resources, index):
        if cell.cell_type == "code":
            cell.source = hide_hidden_tests(cell.source)
            for output in cell.get("outputs", []):
                if output.get("output_type") == "error":
                    short_error(output)
                inert(output)
        return cell, resources


BASE64 = re.compile(r"[A-Za-z0-9+/=\s]*")


@functools.cache
def _page():
    """The page template (feedback.html.j2), loaded once per process; every value is escaped."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(Path(__file__).parent)),
        autoescape=True, trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    environment.filters["points"] = lambda value: f"{float(value or 0):g}"
    return environment.get_template("feedback.html.j2")


def prepare(notebooks=()):
    """Compile the page template and render the markdown cells of `notebooks` (the course's) now,
    before workers fork (see worker.prepare): every submission's page shows the same text."""
    _page()
    _markdown("")
    for notebook in notebooks:
        for cell in notebook.cells:
            if cell.cell_type == "markdown":
                _markdown(_text(cell.source))


@functools.cache
def _markdown_renderer():
    import mistune

    return mistune.create_markdown(escape=True)


@functools.lru_cache(maxsize=2048)
def _markdown(text):
    """Markdown as HTML with any raw HTML in it escaped and harmful links dropped (mistune)."""
    return _markdown_renderer()(text)


def _text(value):
    return "".join(value) if isinstance(value, list) else str(value or "")


def _output(output, index):
    """One output as the page shows it: text, an error line, or an image with alt text."""
    shown = {"kind": "result", "text": "", "image": None, "mime": None, "alt": None}
    kind = output.get("output_type")
    if kind == "stream":
        return {**shown, "kind": "stderr" if output.get("name") == "stderr" else "stream",
                "text": _text(output.get("text"))}
    if kind == "error":
        return {**shown, "kind": "error", "text": short_error(dict(output))["traceback"][0]}
    data = inert(dict(output)).get("data", {})
    for mime in IMAGE_TYPES:
        image = _text(data.get(mime)).strip()
        if image and BASE64.fullmatch(image):
            alt = _text(data.get("text/plain")).strip() or f"an image shown by cell {index}"
            return {**shown, "image": "".join(image.split()), "mime": mime, "alt": alt[:300]}
    return {**shown, "text": _text(data.get("text/plain"))}


def _joined_streams(outputs):
    """Consecutive stream outputs of one stream as one (how a kernel splits a print into
    messages depends on timing; the page must not)."""
    joined = []
    for output in outputs:
        if (output.get("output_type") == "stream" and joined and joined[-1].get("output_type") == "stream"
                and joined[-1].get("name") == output.get("name")):
            joined[-1] = {**joined[-1], "text": _text(joined[-1].get("text")) + _text(output.get("text"))}
        else:
            joined.append(output)
    return joined


def _cells(notebook, results):
    """The notebook's cells as the page shows them: hidden test code replaced, outputs inert."""
    by_id = {result["grade_id"]: result for result in results}
    shown = []
    for index, cell in enumerate(notebook.cells):
        graded = grade_id(cell) if (is_grade(cell) or is_solution(cell)) else None
        entry = {"grade_id": graded, "result": by_id.get(graded) if is_grade(cell) else None,
                 "answer": bool(is_solution(cell)), "markdown": None, "source": "",
                 "count": None, "outputs": []}
        if cell.cell_type == "markdown":
            entry["markdown"] = _markdown(_text(cell.source))
        elif cell.cell_type == "code":
            entry.update(source=hide_hidden_tests(_text(cell.source)), count=cell.get("execution_count"),
                         outputs=[_output(o, index) for o in _joined_streams(cell.get("outputs", []))])
        else:
            continue
        shown.append(entry)
    return shown


def render(notebook, assignment, student, results, notes=()):
    """The feedback page (HTML) of an executed notebook: the summary of `results` (the judge's
    cell results, as verdict.cell_results gives them) at the top, then every cell as graded."""
    score = sum(r["score"] for r in results)
    maximum = sum(r["points"] for r in results)
    return _page().render(assignment=assignment, student=student, score=score, max_score=maximum,
                          notes=list(notes), results=results, cells=_cells(notebook, results))


def plain_page(assignment, student, score, max_score, results=(), notes=()):
    """The page of a submission without an executed notebook (broken, or stopped half-way)."""
    return _page().render(assignment=assignment, student=student, score=score, max_score=max_score,
                          notes=[n for n in notes if n], results=list(results), cells=[])
