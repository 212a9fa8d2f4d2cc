"""Fill an LMS gradebook export with the grades in OUT/grades.csv.

Any CSV with a column of student ids works (a Moodle grade import file, say). Canvas's export
has a second row, "Points Possible", which gets each assignment's maximum. The roster's columns,
rows, their order and every cell's value are kept; one column per assignment is added, headed by
its id. A student without a submission gets an empty cell; a student graded but missing from the
roster is named on stderr, so no grade is dropped silently.

The roster is read the way LMSs and spreadsheets write it: UTF-8 with or without a byte-order
mark, UTF-16 or UTF-32 with one; comma-, semicolon-, tab- or bar-separated (sniffed on a sample of
the file, and every candidate checked against the whole of it); quoted fields with quotes and
newlines inside. The filled file is written in the roster's encoding (byte-order mark included),
with its delimiter and line ending. Anything else is a RosterError with a one-line message.
"""
import codecs
import csv
import io
import re
import sys
from collections import Counter
from pathlib import Path

from .printable import one_line


class RosterError(ValueError):
    """The roster or grades.csv cannot be read, or has no such id column; the message says why."""


class _Misread(Exception):
    """Why one delimiter does not read the roster: `found_id`, it found the id column in a header
    of `width` cells (the best clue to which delimiter was meant)."""

    def __init__(self, message, found_id=False, width=0):
        super().__init__(message)
        self.found_id, self.width = found_id, width


GRADES_COLUMNS = ("student_id", "assignment", "score", "max_score")
NUMBER = re.compile(r"[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?\Z")
# A cell starting with one of these is a formula to a spreadsheet (OWASP's CSV injection list).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
DELIMITERS = (",", ";", "\t", "|")
SNIFF_CHARS = 32_768
# Longest BOMs first: UTF-32 LE's starts with UTF-16 LE's.
BOMS = ((codecs.BOM_UTF32_LE, "utf-32-le"), (codecs.BOM_UTF32_BE, "utf-32-be"),
        (codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16-le"),
        (codecs.BOM_UTF16_BE, "utf-16-be"))


def _one_line(text, limit=300):
    """`text` with control characters escaped, cut to `limit` characters: fit for one error line."""
    text = one_line(text)
    return text if len(text) <= limit else text[:limit] + "..."


# ---------------------------------------------------------------------------------------------
# grades.csv

def read_grades(out):
    """{student_id: {assignment: score}} and {assignment: max_score} from OUT/grades.csv.

    A row the grader failed on (status grader-error) gets an empty score: its 0 is not a grade,
    and an LMS would publish it as one."""
    path = Path(out) / "grades.csv"
    where = _one_line(path)
    reader = csv.reader(io.StringIO(_grades_text(path, where), newline=""), strict=True)
    scores, maxima = {}, {}
    try:
        for line, student, assignment, score, maximum in _grade_records(reader, where):
            graded = scores.setdefault(student, {})
            if assignment in graded:
                raise RosterError(f"{where} line {line}: {_one_line(student)}/{assignment} is "
                                  "graded twice")
            graded[assignment] = score
            if float(maximum) >= float(maxima.get(assignment, "0")):
                maxima[assignment] = maximum
    except csv.Error as problem:
        raise RosterError(f"{where} line {reader.line_num}: {_one_line(problem)}") from None
    return scores, maxima


def _grades_text(path, where):
    """The text of grades.csv at `path` (`where`: its name, fit for one error line)."""
    if not path.exists():
        raise RosterError(f"{where} does not exist: grade the class first")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as problem:
        raise RosterError(f"{where} is not UTF-8 ({problem.reason} at byte "
                          f"{problem.start})") from None
    if "\x00" in text:
        raise RosterError(f"{where} holds NUL bytes: it is not a grades.csv")
    return text


def _grades_columns(header, where):
    """{column: position} of the columns read from grades.csv: GRADES_COLUMNS, and status when
    there is one."""
    if not header:
        raise RosterError(f"{where} is empty: grade the class again")
    missing = [c for c in GRADES_COLUMNS if c not in header]
    if missing:
        raise RosterError(f"{where} has no column {', '.join(missing)} "
                          f"(its columns: {_one_line(', '.join(header))})")
    if len(set(header)) != len(header):
        raise RosterError(f"{where} has a column named twice (its columns: "
                          f"{_one_line(', '.join(header))})")
    return {name: header.index(name) for name in GRADES_COLUMNS + ("status",) if name in header}


def _grade_records(reader, where):
    """(line, student, assignment, score, max_score) of each record of grades.csv, checked; the
    score is empty where the grader failed."""
    header = next(reader, None)
    index = _grades_columns(header, where)
    for row in reader:
        line = reader.line_num
        if not row:
            continue
        if len(row) != len(header):
            raise RosterError(f"{where} line {line} has {len(row)} cells, its header "
                              f"{len(header)}")
        student, assignment, score, maximum = (row[index[c]] for c in GRADES_COLUMNS)
        if not student or not assignment or assignment.startswith(FORMULA_STARTS):
            raise RosterError(f"{where} line {line}: student id {_one_line(student)!r} or "
                              f"assignment {_one_line(assignment)!r} is empty or not a name")
        for name, value in (("score", score), ("max_score", maximum)):
            if not NUMBER.match(value):
                raise RosterError(f"{where} line {line}: {name} {_one_line(value)!r} is not "
                                  "a number")
        failed = "status" in index and row[index["status"]] == "grader-error"
        yield line, student, assignment, "" if failed else score, maximum


# ---------------------------------------------------------------------------------------------
# the roster

def decode(data, name="the roster"):
    """(text, bom, codec) of a roster's bytes; RosterError for what is not a text CSV."""
    if not data:
        raise RosterError(f"{name} is empty")
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise RosterError(f"{name} is a spreadsheet workbook, not a CSV: save it as CSV UTF-8")
    bom, codec = next(((b, c) for b, c in BOMS if data.startswith(b)), (b"", "utf-8"))
    try:
        text = data[len(bom):].decode(codec)
    except UnicodeDecodeError as problem:
        family = codec.upper() if bom else "UTF-8 (or UTF-16 with a byte-order mark)"
        raise RosterError(f"{name} is not {family}: {problem.reason} at byte "
                          f"{problem.start + len(bom)}; save it as CSV UTF-8") from None
    if "\x00" in text:
        raise RosterError(f"{name} holds NUL bytes: binary data, or UTF-16 without a byte-order "
                          "mark; save it as CSV UTF-8")
    if not text.strip():
        raise RosterError(f"{name} is empty")
    return text, bom, codec


def _line_ending(text):
    first = text.find("\n")
    if first < 0:
        return "\r" if "\r" in text else "\n"
    return "\r\n" if text[first - 1:first] == "\r" else "\n"


def _sniffed_delimiter(text):
    """The delimiter csv.Sniffer sees in a sample of whole lines, or None when it sees none."""
    sample = text[:SNIFF_CHARS]
    if len(text) > SNIFF_CHARS and "\n" in sample:
        sample = sample[:sample.rindex("\n") + 1]
    try:
        return csv.Sniffer().sniff(sample, "".join(DELIMITERS)).delimiter
    except csv.Error:
        return None


def _parse(text, delimiter, id_column):
    """(rows, id_index) of `text` read with `delimiter`, or _Misread saying why not."""
    # The csv module's defaults but the delimiter: a sniffed dialect may set skipinitialspace
    # (which drops spaces from cells) or doublequote=False (which garbles "Jane ""JJ"" Doe").
    # strict: a stray quote is an error, not a cell silently read without it.
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"',
                        doublequote=True, skipinitialspace=False, strict=True)
    try:
        header = next(reader)
    except csv.Error as problem:
        raise _Misread(f"line {reader.line_num}: {_one_line(problem)}") from None
    wanted = id_column.strip()
    found = [i for i, name in enumerate(header) if name.strip() == wanted]
    if not found:
        raise _Misread(f"has no column {_one_line(repr(id_column))} (its columns: "
                       f"{_one_line(', '.join(header))})", False, len(header))
    counts = Counter(name.strip() for name in header if name.strip())
    twice = sorted(name for name, count in counts.items() if count > 1)
    if twice:
        raise _Misread(f"names the column {_one_line(', '.join(twice))} more than once in its "
                       "header", True, len(header))
    rows = [header]
    try:
        for row in reader:
            if row and len(row) != len(header):
                raise _Misread(f"line {reader.line_num}: {len(row)} cells in this record, "
                               f"{len(header)} in the header (a stray delimiter, or a missing "
                               "one?)", True, len(header))
            rows.append(row)
    except csv.Error as problem:
        raise _Misread(f"line {reader.line_num}: {_one_line(problem)}", True, len(header)) from None
    return rows, found[0]


def read_roster(text, id_column, name="the roster"):
    """(rows, id_index, delimiter) of a roster's text; RosterError when no delimiter reads it."""
    if not text.strip():
        raise RosterError(f"{name} is empty")
    sniffed = _sniffed_delimiter(text)
    candidates = ([sniffed] if sniffed else []) + [d for d in DELIMITERS if d != sniffed]
    failures = []
    for delimiter in candidates:
        try:
            rows, id_index = _parse(text, delimiter, id_column)
        except _Misread as problem:
            failures.append(problem)
            continue
        return rows, id_index, delimiter
    # What is wrong is best told by a delimiter that found the id column, else by the one that
    # split the header into the most columns; on a tie, the first tried (the sniffed one, or the
    # csv module's default, the comma).
    problem = max(failures, key=lambda p: (p.found_id, p.width))
    raise RosterError(f"{name} {problem}")


def _added(cell):
    """A cell we add: our numbers and assignment ids never read as a spreadsheet formula."""
    if cell.startswith(FORMULA_STARTS):
        raise AssertionError(f"refusing to write the formula-like cell {cell!r}")
    return cell


def fill(roster_text, id_column, scores, maxima, name="the roster"):
    """(the filled CSV text, the graded student ids missing from the roster)."""
    rows, id_index, delimiter = read_roster(roster_text, id_column, name)
    header = rows[0]
    assignments = sorted(maxima)
    clash = sorted(set(assignments) & {column.strip() for column in header})
    if clash:
        raise RosterError(f"{name} already has a column {_one_line(', '.join(clash))}: export a "
                          "fresh roster from the LMS, or delete those columns")
    filled, seen = [header + [_added(a) for a in assignments]], set()
    for row in rows[1:]:
        if not row:                         # a blank line stays blank
            filled.append(row)
            continue
        if _is_points_possible(row, id_index):
            filled.append(row + [_added(maxima[a]) for a in assignments])
            continue
        student = row[id_index].strip()
        seen.add(student)
        graded = scores.get(student, {})
        filled.append(row + [_added(graded.get(a, "")) for a in assignments])
    ending = _line_ending(roster_text)
    text = ending.join(_record(row, delimiter) for row in filled)
    if roster_text.endswith(("\n", "\r")):         # a line ending after the last record too
        text += ending
    return text, sorted(set(scores) - seen)


def _record(row, delimiter):
    """One CSV record that the csv module reads back as `row`, quoted only where needed.

    Not csv.writer: it leaves a cell holding a lone carriage return unquoted when the line
    ending is a line feed, and the cell would come back as two records.
    """
    if row == [""]:
        return '""'
    return delimiter.join('"' + cell.replace('"', '""') + '"'
                          if any(c in cell for c in (delimiter, '"', "\r", "\n")) else cell
                          for cell in row)


def _is_points_possible(row, id_index):
    return any("points possible" in cell.lower() for cell in row) and not row[id_index].strip()


def export(out, roster, id_column, destination, stream=None):
    """Write the filled roster to `destination`; returns the graded students not on the roster."""
    name = _one_line(roster)
    roster_text, bom, codec = decode(Path(roster).read_bytes(), name)
    scores, maxima = read_grades(out)
    text, missing = fill(roster_text, id_column, scores, maxima, name)
    Path(destination).write_bytes(bom + text.encode(codec))
    for student in missing:
        print(f"graded but not on the roster: {_one_line(student)}", file=stream or sys.stderr)
    return missing
