"""Feedback pages that help without giving the hidden tests away.

nbgrader's feedback shows every test cell in full, hidden tests included, and the tracebacks
point into the checks module. We keep what a student can act on: the visible tests, and for
each failure one line with the message (expected, got, likely cause).
"""
import copy
import re

from nbconvert.preprocessors import Preprocessor
from traitlets import Bool

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
INERT_TYPES = ("text/plain", "image/png", "image/jpeg")


def inert(output):
    """A display or result output reduced to its inert representations (text if nothing else)."""
    if output.get("output_type") in ("display_data", "execute_result"):
        data = output.get("data", {})
        kept = {kind: data[kind] for kind in INERT_TYPES if kind in data}
        output["data"] = kept or {"text/plain": "[output of a kind feedback pages do not show]"}
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


class ScoresFromVerdicts(Preprocessor):
    """What nbgrader's GetGrades reads from the gradebook, taken from the judge's cell results
    (resources["nbgrader"]["cells"]), so the page shows the points the judge decided and can be
    rendered in a worker without touching the gradebook."""

    enabled = Bool(True)

    def preprocess(self, nb, resources):
        from nbgrader import utils

        judged = {cell["grade_id"]: cell for cell in resources["nbgrader"]["cells"]}
        total = maximum = 0.0
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution"):
                unanswered = meta.get("checksum") == utils.compute_checksum(cell)
                meta["comment"] = "No response." if unanswered else None
            if meta.get("grade"):
                result = judged.get(meta.get("grade_id"))
                points = float(meta.get("points", 0))
                meta["score"] = result["score"] if result else (None if meta.get("solution") else 0.0)
                meta["points"] = points
                total, maximum = total + (meta["score"] or 0.0), maximum + points
        resources["nbgrader"].update(score=total, max_score=maximum, late_penalty=0)
        return nb, resources


_EXPORTER = None


def render(notebook, assignment, student, cells):
    """(html, score) of the feedback page for an executed notebook, built like nbgrader's, with
    the points of `cells` (the judge's results, as verdict.cell_results gives them)."""
    import os

    import nbgrader
    from nbconvert.exporters import HTMLExporter
    from nbconvert.preprocessors import CSSHTMLHeaderPreprocessor
    from traitlets.config import Config

    global _EXPORTER
    if _EXPORTER is None:  # one per worker process: building it costs more than a page
        formgrader = os.path.join(os.path.dirname(nbgrader.__file__), "server_extensions", "formgrader")
        config = Config()
        config.HTMLExporter.template_name = "feedback"
        config.HTMLExporter.extra_template_basedirs = [os.path.join(formgrader, "templates")]
        config.HTMLExporter.extra_template_paths = [
            os.path.join(formgrader, "static", "node_modules", "bootstrap", "dist", "css")]
        _EXPORTER = HTMLExporter(config=config)
        for preprocessor in (ScoresFromVerdicts, HideHiddenTests, CSSHTMLHeaderPreprocessor):
            _EXPORTER.register_preprocessor(preprocessor(enabled=True), enabled=True)
    resources = {"nbgrader": {"notebook": assignment, "assignment": assignment, "student": student,
                              "cells": cells}}
    html, resources = _EXPORTER.from_notebook_node(copy.deepcopy(notebook), resources=resources)
    return html, resources["nbgrader"]["score"]


def summary_html(cells):
    """The summary a page opens with: each graded cell, passed or failed, its points and the one
    line saying why, linked to the cell below. `cells` as verdict.cell_results gives them."""
    import html

    rows = []
    for cell in cells:
        mark, style = ("&#10003; passed", "success") if cell["passed"] else ("&#10007; failed", "danger")
        rows.append(f'<tr class="{style}"><td><a href="#{html.escape(cell["grade_id"], quote=True)}">'
                    f'{html.escape(cell["grade_id"])}</a></td><td style="white-space:nowrap">{mark}</td>'
                    f'<td style="white-space:nowrap">{cell["score"]:g} / {cell["points"]:g}</td>'
                    f'<td>{html.escape(cell["reason"]) or "&mdash;"}</td></tr>')
    return ('<div id="toc" class="summary"><table class="table table-condensed">'
            '<tr><th>test</th><th>result</th><th>points</th><th>why (likely cause)</th></tr>'
            + "".join(rows) + "</table></div>")


TOC = re.compile(r'<div id="toc">.*?</div>', re.DOTALL)


def with_summary(page, cells):
    """The page with nbgrader's list of test cells replaced by our summary."""
    summary = summary_html(cells)
    if TOC.search(page):
        return TOC.sub(lambda _: summary, page, count=1)
    return page.replace("<body>", "<body>" + summary, 1)
