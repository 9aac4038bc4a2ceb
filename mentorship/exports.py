"""CSV files people download and open in a spreadsheet: one writer for every export.

A cell that starts with =, +, -, @, a tab or a carriage return would be run as a formula
by Excel or LibreOffice (a name like ``=HYPERLINK(…)``), so such a cell gets a leading
apostrophe, which spreadsheets show as text and never evaluate. Numbers stay numbers.
"""

import csv
import io

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    """``value`` as a spreadsheet will read it without running anything."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(rows):
    """The rows as CSV text, one line at a time (for a streamed download)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows:
        writer.writerow([safe_cell(value) for value in row])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def csv_text(rows):
    """The rows as one CSV text."""
    return "".join(csv_lines(rows))
