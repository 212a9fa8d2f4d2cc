"""Fill an LMS gradebook export with the grades in OUT/grades.csv.

Any CSV with a column of student ids works (a Moodle grade import file, say). Canvas's export
has a second row, "Points Possible", which gets each assignment's maximum. The roster's columns,
rows and their order are kept; one column per assignment is added, headed by its id. A student
without a submission gets an empty cell; a student graded but missing from the roster is named
on stderr, so no grade is dropped silently.
"""
import csv
import io
import sys
from pathlib import Path


class RosterError(ValueError):
    """The roster cannot be read or has no such id column; the message says why."""


def read_grades(out):
    """{student_id: {assignment: score}} and {assignment: max_score} from OUT/grades.csv."""
    path = Path(out) / "grades.csv"
    if not path.exists():
        raise RosterError(f"{path} does not exist: grade the class first")
    scores, maxima = {}, {}
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            scores.setdefault(row["student_id"], {})[row["assignment"]] = row["score"]
            maxima[row["assignment"]] = row["max_score"]
    return scores, maxima


def _is_points_possible(row, id_index):
    return any("points possible" in cell.lower() for cell in row) and not row[id_index].strip()


def fill(roster_text, id_column, scores, maxima):
    """(the filled CSV text, the graded student ids missing from the roster)."""
    try:
        dialect = csv.Sniffer().sniff(roster_text.splitlines()[0] if roster_text else ",", ",;\t")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(roster_text), dialect))
    if not rows:
        raise RosterError("the roster is empty")
    header = rows[0]
    if id_column not in header:
        raise RosterError(f"the roster has no column {id_column!r} (its columns: {', '.join(header)})")
    id_index = header.index(id_column)
    assignments = sorted(maxima)
    filled, seen = [header + assignments], set()
    for row in rows[1:]:
        row = row + [""] * (len(header) - len(row))
        if _is_points_possible(row, id_index):
            filled.append(row + [maxima[a] for a in assignments])
            continue
        student = row[id_index].strip()
        seen.add(student)
        graded = scores.get(student, {})
        filled.append(row + [graded.get(a, "") for a in assignments])
    buffer = io.StringIO()
    csv.writer(buffer, dialect, lineterminator="\n").writerows(filled)
    return buffer.getvalue(), sorted(set(scores) - seen)


def export(out, roster, id_column, destination, stream=None):
    """Write the filled roster to `destination`; returns the graded students not on the roster."""
    roster_text = Path(roster).read_text(encoding="utf-8-sig")
    scores, maxima = read_grades(out)
    text, missing = fill(roster_text, id_column, scores, maxima)
    Path(destination).write_text(text, encoding="utf-8")
    for student in missing:
        print(f"graded but not on the roster: {student}", file=stream or sys.stderr)
    return missing
