"""`python -m autograder export`: rosters shaped like what LMSs and spreadsheets really export.

Each test writes its own OUT/grades.csv and roster: a Canvas gradebook export (its "Points
Possible" row, quoted names with commas and quotes, names that look like formulas, a name with a
newline), a Moodle grade export (semicolon-separated, UTF-8 with a BOM, decimal commas), Excel's
"Unicode text" (UTF-16 LE with a BOM, tab-separated, CRLF), and broken rosters and grades.csv
files, which must each give one "cannot export: ..." line and exit 1, never a traceback. Last,
the demo class's own grades, exported into a roster.
"""
import codecs
import csv
import io
import subprocess
import sys

import pytest

from autograder.lms import RosterError, decode, fill, read_grades
from demo_class import read_rows

A1, A2 = "01_lr_schedules", "02_gradient_clipping"
FORMULA = ("=", "+", "-", "@")

GRADES = [  # student_id, assignment, score, max_score, status, reason, notes, notebook
    ("ada", A1, "7.5", "10", "graded", "1 test failed", "", f"{A1}.ipynb"),
    ("ada", A2, "12", "12", "graded", "", "", f"{A2}.ipynb"),
    ("jj", A1, "3", "10", "graded", "step_decay: wrong at step 30", "late, 1 day", f"{A1}.ipynb"),
    ("hyper", A2, "4", "12", "graded", "", "", f"{A2}.ipynb"),
    ("plus", A1, "0", "10", "broken", "not a notebook: \"json\" error", "", f"{A1}.ipynb"),
    ("ghost", A1, "5", "10", "graded", "", "", f"{A1}.ipynb"),
]
HEADER = ["student_id", "assignment", "score", "max_score", "status", "reason", "notes", "notebook"]
EXPECTED = {  # student id -> the cells export adds (A1, A2); no submission: empty
    "ada": ["7.5", "12"], "jj": ["3", ""], "hyper": ["", "4"], "plus": ["0", ""],
    "at": ["", ""], "minus": ["", ""], "zed": ["", ""], "": ["", ""],
}


def write_grades(out, rows=GRADES, header=HEADER):
    out.mkdir(exist_ok=True)
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    (out / "grades.csv").write_text(buffer.getvalue(), encoding="utf-8")
    return out


@pytest.fixture
def out(tmp_path):
    return write_grades(tmp_path / "out")


def export(out, roster, id_column, destination):
    return subprocess.run([sys.executable, "-m", "autograder", "export", str(out), "--roster",
                           str(roster), "--id-column", id_column, "--to", str(destination)],
                          capture_output=True, text=True, timeout=120)


def exported(out, tmp_path, name, data, id_column, missing=("ghost",)):
    """Run the command line on a roster of `data` bytes; the filled file's bytes."""
    roster, filled = tmp_path / name, tmp_path / f"filled-{name}"
    roster.write_bytes(data)
    result = export(out, roster, id_column, filled)
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == \
        f"wrote {filled}; {len(missing)} graded students are not on the roster"
    assert result.stderr.splitlines() == [f"graded but not on the roster: {s}" for s in missing]
    return filled.read_bytes()


def records(text, delimiter):
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True))


def check_filled(original, filled, delimiter, id_column, points_possible=False):
    """The roster's records, every cell as it was, each followed by the cells we expect."""
    before, after = records(original, delimiter), records(filled, delimiter)
    assert len(after) == len(before)
    assert after[0] == before[0] + [A1, A2]
    id_index = before[0].index(id_column)
    for old, new in zip(before[1:], after[1:]):
        assert new[:len(old)] == old, "every roster cell is kept exactly"
        added = new[len(old):]
        if points_possible and old[0].strip() == "Points Possible":
            assert added == ["10", "12"]
        else:
            assert added == EXPECTED[old[id_index].strip()], old
        assert not any(cell.startswith(FORMULA) for cell in added)


# ---------------------------------------------------------------------------------------------
# Canvas

CANVAS = [
    "Student,ID,SIS User ID,SIS Login ID,Section,Essay 1 (1234),Current Score,Unposted Current "
    "Score,Final Score",
    "    Points Possible,,,,,10.00,(read only),(read only),(read only)",
    '"Lovelace, Ada",1001,ada,ada@uni.edu,"CS 101, Section A",9.00,90.00,90.00,90.00',
    '"Doe, Jane ""JJ""",1002,jj,jj@uni.edu,"CS 101, Section A",,,,',
    '"=HYPERLINK(""http://evil.example/?x=1"",""Click me"")",1003,hyper,hyper@uni.edu,CS 101 B,,,,',
    "+1 Plus,1004,plus,plus@uni.edu,CS 101 B,,,,",
    "@at,1005,at,at@uni.edu,CS 101 B,,,,",
    "-minus,1006, minus ,minus@uni.edu,  CS 101 B  ,,,,",
    '"Zed\nSecond line, ""Z""",1007,zed,zed@uni.edu,CS 101 B,,,,',
    '"Student, Test",1099,,,CS 101 B,,,,',
]


def test_canvas_gradebook_export(out, tmp_path):
    """The original failure: sniffing the header line alone gave doublequote=False, and the quoted
    name with quotes inside crashed the whole export. Every line keeps its bytes; ours follow."""
    roster = "\n".join(CANVAS) + "\n"
    filled = exported(out, tmp_path, "canvas.csv", roster.encode(), "SIS User ID").decode()
    check_filled(roster, filled, ",", "SIS User ID", points_possible=True)
    expected = [CANVAS[0] + f",{A1},{A2}", CANVAS[1] + ",10,12"] + [
        line + "," + ",".join(EXPECTED[records(line, ",")[0][2].strip()]) for line in CANVAS[2:]]
    assert filled == "\n".join(expected) + "\n", "the roster's own quoting and line ends are kept"
    assert not filled.startswith("\ufeff")


def test_canvas_crlf_without_a_final_line_end(out, tmp_path):
    roster = "\r\n".join(CANVAS).replace("Zed\n", "Zed\r\n")
    filled = exported(out, tmp_path, "canvas.csv", roster.encode(), "SIS User ID").decode()
    check_filled(roster, filled, ",", "SIS User ID", points_possible=True)
    assert filled.count("\r\n") == len(CANVAS) - 1 + 1 and not filled.endswith("\n")


# ---------------------------------------------------------------------------------------------
# Moodle

MOODLE = [
    "First name;Last name;ID number;Institution;Department;Email address;"
    "Assignment: Week 1, part 2 (Real);Last downloaded from this course",
    "Ada;Lovelace;ada;Uni, Main campus;CS;ada@uni.edu;7,50;1700000000",
    'José;García, Jr. "JJ";jj;Uni, Main campus;CS;jj@uni.edu;-;1700000000',
    '"Zoë; the second";"Ünal\nline 2";zed;Uni;CS;zed@uni.edu;-;1700000000',
    "=1+2;Formula;hyper;Uni;CS;hyper@uni.edu;-;1700000000",
    "中文;名字;plus;Uni;CS;plus@uni.edu;-;1700000000",
]


def test_moodle_grade_export(out, tmp_path):
    """Semicolons, a BOM, decimal commas, and more commas than semicolons in the data."""
    roster = "\r\n".join(MOODLE) + "\r\n"
    data = exported(out, tmp_path, "moodle.csv", codecs.BOM_UTF8 + roster.encode(), "ID number")
    assert data.startswith(codecs.BOM_UTF8) and not data.startswith(codecs.BOM_UTF8 * 2)
    filled = data[len(codecs.BOM_UTF8):].decode("utf-8")
    check_filled(roster, filled, ";", "ID number")
    assert filled.splitlines()[1] == MOODLE[1] + ";7.5;12"
    assert filled.endswith(";0;\r\n")
    assert "\n" not in filled.replace("\r\n", "").replace("Ünal\n", ""), "CRLF kept"


# ---------------------------------------------------------------------------------------------
# Excel "Unicode text"

UNICODE_TEXT = [
    "Name\tStudent ID\tEmail\tComment",
    'Ada Lovelace\tada\tada@uni.edu\t"has ""quotes"" and\ta tab"',
    '"Doe, Jane ""JJ"""\tjj\tjj@uni.edu\t"two\r\nlines"',
    "@SUM(A1:A2)\thyper\thyper@uni.edu\t",
    "Zoë\tzed\tzed@uni.edu\t ",
    "+Plus\t plus\tplus@uni.edu\t-",
]


@pytest.mark.parametrize("bom, codec", [(codecs.BOM_UTF16_LE, "utf-16-le"),
                                        (codecs.BOM_UTF16_BE, "utf-16-be")], ids=["le", "be"])
def test_excel_unicode_text(out, tmp_path, bom, codec):
    roster = "\r\n".join(UNICODE_TEXT) + "\r\n"
    data = exported(out, tmp_path, "unicode.txt", bom + roster.encode(codec), "Student ID")
    assert data.startswith(bom), "written in the roster's UTF-16, byte order included"
    filled = data[len(bom):].decode(codec)
    check_filled(roster, filled, "\t", "Student ID")
    assert filled.splitlines()[0] == f"Name\tStudent ID\tEmail\tComment\t{A1}\t{A2}"


@pytest.mark.parametrize("bom, codec", [(b"", "utf-8"), (codecs.BOM_UTF8, "utf-8"),
                                        (codecs.BOM_UTF16_LE, "utf-16-le"),
                                        (codecs.BOM_UTF16_BE, "utf-16-be"),
                                        (codecs.BOM_UTF32_LE, "utf-32-le")],
                         ids=["utf-8", "utf-8-bom", "utf-16-le", "utf-16-be", "utf-32-le"])
def test_the_roster_encoding_is_kept(out, tmp_path, bom, codec):
    roster = "Name,SIS User ID\n\"Müller, Zoë\",ada\n"
    data = exported(out, tmp_path, "roster.csv", bom + roster.encode(codec), "SIS User ID",
                    missing=("ghost", "hyper", "jj", "plus"))
    assert data == bom + f"Name,SIS User ID,{A1},{A2}\n\"Müller, Zoë\",ada,7.5,12\n".encode(codec)


# ---------------------------------------------------------------------------------------------
# fill(), without the command line

def test_one_column_roster_falls_back_to_the_csv_defaults():
    """Nothing to sniff: read as the csv module's default dialect, written with commas."""
    text, missing = fill("ID\nada\njj\n", "ID", {"ada": {A1: "7"}, "x": {A1: "1"}}, {A1: "10"})
    assert text == f"ID,{A1}\nada,7\njj,\n" and missing == ["x"]


def test_a_big_roster_is_sniffed_on_a_sample_and_read_whole():
    rows = [["Student", "ID", "SIS User ID", "Section"], ["    Points Possible", "", "", ""]]
    rows += [[f'Name {i}, "Nick"\nline 2', str(i), f"s{i}", "A; B"] for i in range(5000)]
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    scores = {f"s{i}": {A1: str(i % 11)} for i in range(0, 5000, 7)}
    text, missing = fill(buffer.getvalue(), "SIS User ID", scores, {A1: "10"})
    after = records(text, ",")
    assert [r[:-1] for r in after] == rows and missing == []
    assert after[1][-1] == "10" and after[2][-1] == "0" and after[3][-1] == ""
    assert after[2 + 700][-1] == str(700 % 11)


def test_blank_lines_stay_blank():
    text, _ = fill("ID;Name\n\nada;Ann\n\n", "ID", {"ada": {A1: "7"}}, {A1: "10"})
    assert text == f"ID;Name;{A1}\n\nada;Ann;7\n\n"


def test_a_cell_we_add_is_never_a_formula():
    with pytest.raises(AssertionError, match="formula"):
        fill("ID,Name\nada,Ann\n", "ID", {"ada": {A1: "=1+1"}}, {A1: "10"})
    with pytest.raises(AssertionError, match="formula"):
        fill("ID,Name\nada,Ann\n", "ID", {}, {"@SUM(A1)": "10"})


def test_decode_refuses_what_is_not_text():
    for data in (b"", codecs.BOM_UTF8, b"PK\x03\x04rest", "Müller".encode("cp1252"),
                 "ID,x\n".encode("utf-16-le")):
        with pytest.raises(RosterError):
            decode(data)


# ---------------------------------------------------------------------------------------------
# what export cannot read: one line, exit 1, no traceback, nothing written

CANVAS_TEXT = "\n".join(CANVAS) + "\n"
BROKEN_ROSTERS = {
    "binary": (bytes(range(256)) * 8, "SIS User ID", "is not UTF-8"),
    "png": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(200), "SIS User ID", "is not UTF-8"),
    "xlsx": (b"PK\x03\x04\x14\x00\x06\x00" + bytes(100), "SIS User ID", "workbook"),
    "empty": (b"", "SIS User ID", "is empty"),
    "blank lines": (b"\r\n\r\n", "SIS User ID", "is empty"),
    "bom only": (codecs.BOM_UTF16_LE, "SIS User ID", "is empty"),
    "not csv": (b'{"students": [{"id": "ada"}]}\n', "SIS User ID", "has no column 'SIS User ID'"),
    "no id column": (CANVAS_TEXT.encode(), "Student Number",
                     "has no column 'Student Number' (its columns: Student, ID, SIS User ID"),
    "cp1252": ("ID,Name\nada,Müller\n".encode("cp1252"), "ID", "is not UTF-8"),
    "utf-16 without bom": ("ID,Name\nada,Ann\n".encode("utf-16-le"), "ID", "NUL bytes"),
    "bad utf-16": (codecs.BOM_UTF16_LE + b"I\x00D\x00\x00\xdc", "ID", "is not UTF-16-LE"),
    "duplicate header": (b"Student,ID,SIS User ID,ID\nAda,1,ada,2\n", "SIS User ID",
                         "names the column ID more than once"),
    "duplicate id column": (b"SIS User ID;Name;SIS User ID\nada;Ann;ada\n", "SIS User ID",
                            "names the column SIS User ID more than once"),
    "ragged row": (CANVAS_TEXT.replace('"Lovelace, Ada"', "Lovelace, Ada").encode(),
                   "SIS User ID", "line 3: 10 cells in this record, 9 in the header"),
    "short row": (b"ID,Name,Section\nada,Ann\n", "ID", "line 2: 2 cells in this record, 3"),
    "stray quote": (b'ID,Name\nada,"Ann" Lee\n', "ID", "line 2: ',' expected after '\"'"),
    "unclosed quote": (b'ID,Name\nada,"Ann\njj,Bob\n', "ID", "unexpected end of data"),
    "already filled": (f"ID,Name,{A1}\nada,Ann,7\n".encode(), "ID",
                       f"already has a column {A1}"),
}


@pytest.mark.parametrize("case", BROKEN_ROSTERS)
def test_a_roster_export_cannot_read(out, tmp_path, case):
    data, id_column, message = BROKEN_ROSTERS[case]
    roster, filled = tmp_path / "roster.csv", tmp_path / "filled.csv"
    roster.write_bytes(data)
    result = export(out, roster, id_column, filled)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"cannot export: {roster}") and message in line, line
    assert not filled.exists()


def test_a_missing_roster(out, tmp_path):
    result = export(out, tmp_path / "nowhere.csv", "ID", tmp_path / "filled.csv")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.splitlines() == [
        f"cannot export: [Errno 2] No such file or directory: '{tmp_path / 'nowhere.csv'}'"]


GOOD = ",".join(HEADER) + f"\nada,{A1},7.5,10,graded,,,{A1}.ipynb\n"
BROKEN_GRADES = {
    "missing": (None, "does not exist: grade the class first"),
    "empty": (b"", "is empty"),
    "not utf-8": (GOOD.replace("graded", "gradé").encode("cp1252"), "is not UTF-8"),
    "utf-16": (GOOD.encode("utf-16"), "is not UTF-8"),
    "nul bytes": (GOOD.replace("graded", "gra\x00ded").encode(), "holds NUL bytes"),
    "a roster instead": (CANVAS_TEXT.encode(), "has no column student_id, assignment, score"),
    "duplicate column": ((GOOD.splitlines()[0] + ",score\n").encode(), "a column named twice"),
    "ragged": ((GOOD + "jj,01\n").encode(), "line 3 has 2 cells, its header 8"),
    "score not a number": (GOOD.replace("7.5", "seven").encode(), "score 'seven' is not a number"),
    "formula score": (GOOD.replace("7.5", "=1+1").encode(), "score '=1+1' is not a number"),
    "negative score": (GOOD.replace("7.5", "-1").encode(), "score '-1' is not a number"),
    "empty max": (GOOD.replace(",7.5,10,", ",7.5,,").encode(), "max_score '' is not a number"),
    "formula assignment": (GOOD.replace(f"ada,{A1}", "ada,@SUM(A1)").encode(), "not a name"),
    "graded twice": ((GOOD + GOOD.splitlines()[1] + "\n").encode(), f"ada/{A1} is graded twice"),
    "stray quote": ((GOOD + 'jj,"01" x,1,10,,,,\n').encode(), "line 3: ',' expected after"),
}


@pytest.mark.parametrize("case", BROKEN_GRADES)
def test_a_grades_csv_export_cannot_read(tmp_path, case):
    data, message = BROKEN_GRADES[case]
    out = tmp_path / "out"
    out.mkdir()
    if data is not None:
        (out / "grades.csv").write_bytes(data)
    roster, filled = tmp_path / "roster.csv", tmp_path / "filled.csv"
    roster.write_text(CANVAS_TEXT)
    result = export(out, roster, "SIS User ID", filled)
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    [line] = result.stderr.splitlines()
    assert line.startswith(f"cannot export: {out / 'grades.csv'}") and message in line, line
    assert not filled.exists()
    if data is not None:
        with pytest.raises(RosterError, match="grades.csv"):
            read_grades(out)


def test_a_grades_csv_without_rows_adds_no_columns(tmp_path):
    out = write_grades(tmp_path / "out", rows=[])
    assert read_grades(out) == ({}, {})
    assert fill("ID,Name\nada,Ann\n", "ID", {}, {}) == ("ID,Name\nada,Ann\n", [])


def test_a_grader_error_row_exports_an_empty_cell_not_a_zero(tmp_path):
    """A row the grader failed on is no grade: the LMS gets an empty cell, never that 0."""
    from autograder.lms import read_grades

    (tmp_path / "grades.csv").write_text(
        "student_id,assignment,score,max_score,status,reason,notes,notebook\n"
        "ada,01_lr_schedules,0,10,grader-error,The grader itself failed,,a.ipynb\n"
        "ben,01_lr_schedules,0,10,graded,step: wrong,,b.ipynb\n")
    scores, maxima = read_grades(tmp_path)
    assert scores == {"ada": {"01_lr_schedules": ""}, "ben": {"01_lr_schedules": "0"}}
    assert maxima == {"01_lr_schedules": "10"}


# ---------------------------------------------------------------------------------------------
# The demo class's own grades (graded once per session: conftest's fixture `demo`)

DEMO_ROSTER = ("Student,ID,SIS User ID,SIS Login ID,Section\n"
               "    Points Possible,,,,\n"
               "\"Lovelace, Ada\",101,ada,ada@uni,A\n"
               "\"Nobody, Zed\",102,zed,zed@uni,A\n"
               "\"Dev, Dev\",103,dev,dev@uni,B\n")


def test_export_fills_a_canvas_roster(demo, tmp_path, capsys):
    from autograder.lms import export as export_grades

    roster = tmp_path / "canvas.csv"
    roster.write_text(DEMO_ROSTER)
    missing = export_grades(demo["single"], roster, "SIS User ID", tmp_path / "filled.csv")
    rows = list(csv.reader(io.StringIO((tmp_path / "filled.csv").read_text())))
    assignments = sorted({r["assignment"] for r in read_rows(demo["single"]).values()})
    assert rows[0] == DEMO_ROSTER.splitlines()[0].split(",") + assignments
    assert rows[1][0].strip() == "Points Possible" and rows[1][5:] == ["10"] * len(assignments)
    assert [r[2] for r in rows[2:]] == ["ada", "zed", "dev"], "the roster's row order is kept"
    graded = read_rows(demo["single"])
    assert rows[2][5:] == [graded[f"ada/{a}"]["score"] for a in assignments]
    assert rows[3][5:] == [""] * len(assignments), "no submission: empty cells"
    assert set(missing) == {r["student_id"] for r in graded.values()} - {"ada", "dev"}
    assert "graded but not on the roster: ben" in capsys.readouterr().err


def test_export_works_with_any_id_column():
    text, missing = fill("ID number;Name\nx7;Ann\n", "ID number", {"x7": {"01": "5"}, "y": {"01": "0"}}, {"01": "10"})
    assert text.splitlines() == ["ID number;Name;01", "x7;Ann;5"] and missing == ["y"]
