"""Streaming table writers for analyst exports: CSV (UTF-8 with BOM), XLSX (openpyxl write-only) and Parquet
(pyarrow, row groups). Each consumes an iterator of rows and holds at most one row group in memory.

A table is described by `Column`s: a Chinese header for CSV/XLSX, a snake_case name for Parquet, and a
kind that decides how a value is written:

| kind     | Python value          | CSV                         | XLSX                                | Parquet                    |
|----------|-----------------------|-----------------------------|-------------------------------------|----------------------------|
| text     | str                   | text, formula-guarded       | inline string, formula-guarded      | string                     |
| int      | int                   | digits                      | number                              | int64                      |
| float    | float                 | shortest round-trip repr    | number                              | float64                    |
| bool     | bool                  | 是 / 否                     | TRUE / FALSE                        | bool                       |
| datetime | aware datetime        | ISO 8601 with offset        | date cell shown with its offset     | timestamp[us, tz=<zone>]   |
| date     | date                  | YYYY-MM-DD                  | date cell                           | date32                     |
| list     | list[str]             | items joined by 、, guarded | the same text                       | list<string>               |

None, and the missing values of pandas and numpy (NaN, NaT, pd.NA), are an empty cell everywhere (Parquet:
null); never "nan", "None" or "NaT". CSV/XLSX times are seconds-precise
local times in the export's timezone; Parquet keeps microseconds. The formula guard is
`analysis.spreadsheet.spreadsheet_safe` (the same one the referral export uses); Parquet is data for
notebooks and is written unguarded.
"""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, BinaryIO
from zoneinfo import ZoneInfo

from analysis.spreadsheet import spreadsheet_safe

logger = logging.getLogger(__name__)

FORMATS = ("csv", "xlsx", "parquet")
KINDS = ("text", "int", "float", "bool", "datetime", "date", "list")
LIST_SEPARATOR = "、"
PARQUET_ROW_GROUP = 50_000  # rows per Parquet row group (held in memory in Arrow form)
PARQUET_BATCH = 5_000  # rows held as Python objects before they become an Arrow record batch
XLSX_MAX_ROWS = 1_048_576  # Excel's rows per sheet, header included; more rows continue on a new sheet
XLSX_MAX_CHARS = 32_767  # characters per Excel cell


@dataclass(frozen=True)
class Column:
    label: str  # header in CSV/XLSX (Chinese)
    name: str  # column name in Parquet (snake_case English)
    kind: str  # one of KINDS
    width: float = 12  # XLSX column width, in characters

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}; use {KINDS}")


def missing(value: Any) -> bool:
    """None, NaN, NaT or pd.NA: a value that is written as an empty cell (NaN and NaT differ from themselves;
    pd.NA cannot even say whether it does)."""
    if value is None:
        return True
    if isinstance(value, (str, int, list, tuple)):
        return False
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return True


def _none_for_missing(cell: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda v: cell(None if missing(v) else v)


def _iso(value: datetime, tz: ZoneInfo) -> str:
    return value.astimezone(tz).replace(microsecond=0).isoformat()


def _offset(value: datetime) -> str:
    """'+08:00' for an aware datetime (its UTC offset in ISO 8601 form)."""
    return value.isoformat()[-6:] if value.utcoffset() else "+00:00"


# ------------------------------------------------------------------------------------------------ CSV


def _csv_cell(kind: str, tz: ZoneInfo) -> Callable[[Any], str]:
    if kind == "text":
        return lambda v: "" if v is None else spreadsheet_safe(v)
    if kind == "int":
        return lambda v: "" if v is None else str(int(v))
    if kind == "float":
        return lambda v: "" if v is None else repr(float(v))
    if kind == "bool":
        return lambda v: "" if v is None else ("是" if v else "否")
    if kind == "datetime":
        return lambda v: "" if v is None else _iso(v, tz)
    if kind == "date":
        return lambda v: "" if v is None else v.isoformat()
    return lambda v: spreadsheet_safe(LIST_SEPARATOR.join(v)) if v else ""


def write_csv(columns: Sequence[Column], rows: Iterable[Sequence[Any]], out: BinaryIO, tz: ZoneInfo) -> int:
    """CSV in UTF-8 with a BOM (Excel detects the encoding from it), one header row of Chinese labels."""
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=False)
    try:
        writer = csv.writer(text, lineterminator="\r\n")
        writer.writerow([c.label for c in columns])
        cells = [_none_for_missing(_csv_cell(c.kind, tz)) for c in columns]
        n = 0
        for row in rows:
            writer.writerow([f(v) for f, v in zip(cells, row, strict=True)])
            n += 1
        text.flush()
        return n
    finally:
        text.detach()  # leave `out` open for the caller


# ----------------------------------------------------------------------------------------------- XLSX


def _xlsx_text(value: Any) -> str | None:
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    if value is None:
        return None
    s = ILLEGAL_CHARACTERS_RE.sub("", str(value))  # control characters make the file unreadable
    return spreadsheet_safe(s)[:XLSX_MAX_CHARS]


def _xlsx_cell(kind: str, tz: ZoneInfo, sheet: Callable[[], Any]) -> Callable[[Any], Any]:
    from openpyxl.cell import WriteOnlyCell

    if kind == "text":
        return _xlsx_text
    if kind == "list":
        return lambda v: _xlsx_text(LIST_SEPARATOR.join(v)) if v else None
    if kind == "int":
        return lambda v: None if v is None else int(v)
    if kind == "float":
        return lambda v: None if v is None else float(v)
    if kind == "bool":
        return lambda v: None if v is None else bool(v)
    if kind == "date":
        return lambda v: v
    formats: dict[str, str] = {}

    def dt(v: Any) -> Any:
        if v is None:
            return None
        local = v.astimezone(tz).replace(microsecond=0)
        offset = _offset(local)
        fmt = formats.get(offset)
        if fmt is None:  # the offset shown as a literal: the cell stays a real (naive, local) date
            fmt = formats[offset] = f'yyyy-mm-dd"T"hh:mm:ss"{offset}"'
        cell = WriteOnlyCell(sheet(), value=local.replace(tzinfo=None))
        cell.number_format = fmt
        return cell

    return dt


def write_xlsx(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    out: BinaryIO,
    tz: ZoneInfo,
    *,
    sheet: str = "数据",
) -> int:
    """XLSX through openpyxl's write-only mode (rows stream to a temporary file; strings are inline, so
    nothing grows with the row count): typed cells, bold frozen header, more sheets past Excel's limit."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook(write_only=True)
    bold = Font(bold=True)
    current: list[Any] = []

    def new_sheet() -> Any:
        number = len(current) + 1
        ws = wb.create_sheet(sheet if number == 1 else f"{sheet}（{number}）")
        ws.freeze_panes = "A2"
        for i, c in enumerate(columns, start=1):
            ws.column_dimensions[get_column_letter(i)].width = c.width
        header = []
        for c in columns:
            cell = WriteOnlyCell(ws, value=c.label)
            cell.font = bold
            header.append(cell)
        ws.append(header)
        current.append(ws)
        return ws

    ws = new_sheet()
    cells = [_none_for_missing(_xlsx_cell(c.kind, tz, lambda: current[-1])) for c in columns]
    n = in_sheet = 0
    for row in rows:
        if in_sheet == XLSX_MAX_ROWS - 1:
            ws, in_sheet = new_sheet(), 0
        ws.append([f(v) for f, v in zip(cells, row, strict=True)])
        n += 1
        in_sheet += 1
    wb.save(out)
    return n


# -------------------------------------------------------------------------------------------- Parquet


def parquet_schema(columns: Sequence[Column], tz: ZoneInfo):
    """The Arrow schema of a table; each field's metadata holds its Chinese label."""
    import pyarrow as pa

    types = {
        "text": pa.string(),
        "int": pa.int64(),
        "float": pa.float64(),
        "bool": pa.bool_(),
        "datetime": pa.timestamp("us", tz=str(tz)),
        "date": pa.date32(),
        "list": pa.list_(pa.string()),
    }
    return pa.schema(
        [pa.field(c.name, types[c.kind], nullable=True, metadata={"label": c.label}) for c in columns]
    )


def write_parquet(
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    out: BinaryIO,
    tz: ZoneInfo,
    *,
    row_group: int = PARQUET_ROW_GROUP,
    batch: int = PARQUET_BATCH,
) -> int:
    """Parquet through pyarrow's ParquetWriter, one zstd-compressed row group per `row_group` rows.

    Rows are turned into Arrow record batches every `batch` rows (Python objects are ~10x bigger than
    their Arrow form), and a row group is written once its batches hold `row_group` rows."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    schema = parquet_schema(columns, tz)
    buffers: list[list[Any]] = [[] for _ in columns]
    batches: list[Any] = []
    pending = n = 0

    def to_batch() -> None:
        arrays = [pa.array(buf, type=field.type) for buf, field in zip(buffers, schema, strict=True)]
        batches.append(pa.RecordBatch.from_arrays(arrays, schema=schema))
        for buf in buffers:
            buf.clear()

    def write_group(writer) -> None:
        writer.write_table(pa.Table.from_batches(batches, schema=schema), row_group_size=row_group)
        batches.clear()

    with pq.ParquetWriter(out, schema, compression="zstd") as writer:
        for row in rows:
            for buf, v in zip(buffers, row, strict=True):
                buf.append(None if missing(v) else v)
            n += 1
            pending += 1
            if n % batch == 0 or pending == row_group:
                to_batch()
            if pending == row_group:
                write_group(writer)
                pending = 0
        if buffers[0]:
            to_batch()
        if batches or n == 0:
            if not batches:
                to_batch()  # an empty table still carries the schema
            write_group(writer)
    return n


def write_table(
    fmt: str,
    columns: Sequence[Column],
    rows: Iterable[Sequence[Any]],
    out: BinaryIO,
    tz: ZoneInfo,
    *,
    sheet: str = "数据",
) -> int:
    """Write `rows` to the open binary file `out` as `fmt`; returns the number of data rows."""
    if fmt == "csv":
        return write_csv(columns, rows, out, tz)
    if fmt == "xlsx":
        return write_xlsx(columns, rows, out, tz, sheet=sheet)
    if fmt == "parquet":
        return write_parquet(columns, rows, out, tz)
    raise ValueError(f"unknown export format {fmt!r}; use {FORMATS}")
