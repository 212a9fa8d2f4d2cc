"""The feedback page (autograder/feedback.html.j2): summary first, hidden test code replaced,
outputs shown only as text or raster images with alt text, the same bytes however a kernel split
its output into messages."""
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from autograder import feedback

RESULTS = [{"grade_id": "tests", "passed": False, "score": 0.0, "points": 5.0,
            "reason": "AssertionError: expected 1, got <b>2</b>"}]


def notebook(*outputs, source="x = 1\n### BEGIN HIDDEN TESTS\nsecret_check()\n### END HIDDEN TESTS\n"):
    cell = new_code_cell(source, outputs=list(outputs))
    cell.metadata["nbgrader"] = {"grade": True, "grade_id": "tests", "points": 5}
    return new_notebook(cells=[new_markdown_cell("# Title <script>alert(1)</script>"), cell])


def test_the_summary_comes_first_and_every_value_is_escaped():
    page = feedback.render(notebook(), "01_lr_schedules", "ada<i>", RESULTS)
    assert page.index('id="summary"') < page.index("Your notebook, as graded")
    assert "<b>2</b>" not in page and "&lt;b&gt;2&lt;/b&gt;" in page
    assert "ada<i>" not in page and "<script>alert(1)" not in page


def test_hidden_test_code_is_replaced_by_a_note():
    page = feedback.render(notebook(), "a", "s", RESULTS)
    assert "secret_check" not in page and "hidden tests ran here" in page


def test_markup_outputs_become_text_and_images_keep_alt_text():
    html_output = new_output("display_data", data={"text/html": "<script>x()</script>", "text/plain": "<Obj>"})
    image = new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure size 640x480>"})
    page = feedback.render(notebook(html_output, image), "a", "s", RESULTS)
    assert "<script>x()" not in page and "&lt;Obj&gt;" in page
    assert 'alt="&lt;Figure size 640x480&gt;"' in page and "data:image/png;base64,iVBORw0KGgo=" in page


def test_a_print_split_into_two_messages_gives_the_same_page():
    split = notebook(new_output("stream", name="stdout", text="passed"), new_output("stream", name="stdout", text="\n"))
    whole = notebook(new_output("stream", name="stdout", text="passed\n"))
    assert feedback.render(split, "a", "s", RESULTS) == feedback.render(whole, "a", "s", RESULTS)
