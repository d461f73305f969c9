"""`?format=xlsx`: the rows of a CSV answer as an Excel worksheet with typed cells.

openpyxl (pinned) in its write-only mode: rows go to a temporary file as they are
appended, the workbook is zipped from it at the end, so a large export holds one batch
of rows in memory however many there are. The same library reads the files back in the
tests (docs/decisions.md "Excel and PDF").

Cells: integers and decimals as numbers, booleans as booleans, `YYYY-MM-DD` strings of
a report and dates of an export as dates, timestamps as the tenant's local date and time
(Excel has no time zones; the export's session already writes them in the tenant's),
rounded to the millisecond (Excel's precision),
NULL as an empty cell. Text that would start a formula stays text (typed as a string,
not prefixed as in CSV); characters XML cannot carry (control characters) become U+FFFD.
"""

import contextlib
import re
import tempfile
from datetime import date, datetime, timedelta

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
BLOCK_BYTES = 64 * 1024
BATCH = 1000


class _Sheet:
    """A write-only worksheet whose cells are typed as the module says."""

    def __init__(self, title):
        self.book = Workbook(write_only=True)
        self.sheet = self.book.create_sheet(title[:31])
        self._bold = Font(bold=True)

    def header(self, names):
        cells = []
        for name in names:
            cell = WriteOnlyCell(self.sheet, value=name)
            cell.font = self._bold
            cells.append(cell)
        self.sheet.append(cells)

    def row(self, values, text_dates=False):
        self.sheet.append([self._cell(v, text_dates) for v in values])

    def _cell(self, value, text_dates):
        if isinstance(value, str):
            if text_dates and ISO_DATE.match(value):
                return self._cell(date.fromisoformat(value), False)
            value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.data_type = "s"  # never a formula, whatever the text starts with
            return cell
        if isinstance(value, datetime):
            # Excel keeps a time to the millisecond (openpyxl reads it back so): rounded
            # here, so the file holds exactly what it says.
            local = value.replace(tzinfo=None)
            local = (local + timedelta(microseconds=500)).replace(
                microsecond=(local + timedelta(microseconds=500)).microsecond // 1000 * 1000
            )
            cell = WriteOnlyCell(self.sheet, value=local)
            cell.number_format = DATETIME_FORMAT
            return cell
        if isinstance(value, date):
            cell = WriteOnlyCell(self.sheet, value=value)
            cell.number_format = DATE_FORMAT
            return cell
        return value  # int, float, Decimal, bool, None: openpyxl types them


def report_workbook(title, fieldnames, rows):
    """The bytes of a one-sheet workbook: a header row, then each row's values in order."""
    sheet = _Sheet(title)
    sheet.header(fieldnames)
    for row in rows:
        sheet.row([row.get(name) for name in fieldnames], text_dates=True)
    with tempfile.TemporaryFile() as out:
        sheet.book.save(out)
        out.seek(0)
        return out.read()


def stream_rows(title, fieldnames, batches):
    """Yield the workbook's bytes in blocks: rows from `batches` (lists of tuples) are
    written as they come, then the zipped file is read back block by block."""
    sheet = _Sheet(title)
    saved = False
    try:
        sheet.header(fieldnames)
        for batch in batches:
            for values in batch:
                sheet.row(values)
            yield b""  # between batches: lets the caller check its deadline
        with tempfile.TemporaryFile() as out:
            sheet.book.save(out)  # zips the sheet's file, then removes it
            saved = True
            out.seek(0)
            while block := out.read(BLOCK_BYTES):
                yield block
    finally:
        if not saved:  # a cut export: remove the half-written sheet now, not at exit
            _discard(sheet.sheet)


def _discard(worksheet):
    """Close a write-only sheet that will not be saved and delete its temporary file
    (openpyxl would only delete it when the process exits)."""
    with contextlib.suppress(Exception):
        worksheet.close()
    with contextlib.suppress(Exception):
        worksheet._writer.cleanup()
