"""Text that came from a submission, made safe to show: in a terminal, a CSV cell, one line.

An exception's name and message are the student's to choose; with escape sequences in them they
could repaint an instructor's terminal (a fake "10/10") or, starting with `=`, run as a formula
in a spreadsheet. Every such text passes through here before it is printed or written.
"""
import re

# C0 and C1 controls (tab and newline are folded to spaces first), DEL, and the Unicode format
# characters that reorder or hide text (bidi overrides, isolates and marks, zero-width marks).
_UNSAFE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]")
_FORMULA_START = ("=", "+", "-", "@")


def _escape(match):
    code = ord(match.group(0))
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def one_line(text):
    """`text` on one line, every control or invisible formatting character shown as an escape."""
    text = str(text).replace("\r\n", " ").replace("\n", " ").replace("\t", " ")
    return _UNSAFE.sub(_escape, text)


def csv_cell(text):
    """`one_line(text)`, and never read as a formula by a spreadsheet (OWASP's advice: a leading
    apostrophe)."""
    text = one_line(text)
    return "'" + text if text.startswith(_FORMULA_START) else text
