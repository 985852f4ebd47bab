"""Tables on a terminal as narrow as 80 columns, in English or Chinese, that never cut or fold an amount.

Amounts and counts (``numeric`` columns) are kept whole on one line. Text wraps between words, between Chinese
characters, and inside long names after ``.``, ``:`` or ``/`` ("car_deposits.confirmDelivery"), but never
inside a number ("¥1,002,000.50", "2022-05-09", "1,000元"). A table whose narrowest layout is still
wider than the terminal is printed as one small two-column table per row instead.

    print_table(console, "Institutions", ["contract", "paid in"], [["escrow", "¥5,400"]], numeric={1})
"""

from __future__ import annotations

import re
from typing import Iterable, Sequence

from rich.cells import cell_len, chop_cells
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

__all__ = ["Wrapped", "print_table", "print_wrapped", "make_table", "fit", "wrap", "pieces"]

_CJK = ("\u2e80-\u2fff\u3000-\u303f\u3040-\u30ff\u3100-\u31ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
        "\ufe30-\ufe4f\uff00-\uffef")
#: Chinese punctuation that never starts a line, and units that stay with the number before them.
_NO_LINE_START = set("，。、；：！？）」』》〉】’”%％")
_AFTER_NUMBER = set("元%％")
_CHUNKS = re.compile(rf"\s+|[{_CJK}]|[^\s{_CJK}]+")
#: Where a long name may break: after . : / followed by a letter (never inside a number, nor at the _ of a
#: name's words: "risk_deposit.refundOrders" breaks as "risk_deposit." "refundOrders").
_NAME_BREAK = re.compile(r"(?<=[.:/])(?=[A-Za-z])")


def _words(text: str, names: bool = True) -> list[tuple[bool, list[str]]]:
    """``text`` as words, each (a space before it?, its parts): a word is what lies between two places a line
    may break (spaces, Chinese characters); its parts are where a long name may break as well."""
    words: list[tuple[bool, list[str]]] = []
    space = False
    for chunk in _CHUNKS.findall(text):
        if chunk.isspace():
            space = True
            continue
        last = words[-1][1] if words else None
        if last and (chunk in _NO_LINE_START and not space or
                     chunk in _AFTER_NUMBER and last[-1][-1:].isdigit()):  # "1,002,000元", "1,002,000 元"
            last[-1] += " " * space + chunk
        elif re.match(rf"[{_CJK}]", chunk):
            words.append((space, [chunk]))
        else:
            words.append((space, [p for p in _NAME_BREAK.split(chunk) if p] if names else [chunk]))
        space = False
    return words


def pieces(text: str, names: bool = True) -> list[str]:
    """The shortest pieces ``text`` can be cut into: no line is ever narrower than the widest of them."""
    return [part for _, parts in _words(text, names) for part in parts]


def wrap(text: str, width: int, names: bool = True) -> list[str]:
    """``text`` in lines of at most ``width`` cells, broken between words where it can, inside a long name
    only when the name is wider than a line, and a piece wider than the whole width (say a hash) folded."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line, used = "", 0
        for space, parts in _words(paragraph, names):
            gap = " " if space and line else ""
            size = cell_len("".join(parts))
            if line and used + len(gap) + size > width and size <= width:
                lines.append(line)
                line, used, gap = "", 0, ""
            for part in parts:
                part_size = cell_len(part)
                if line and used + len(gap) + part_size > width:
                    lines.append(line)
                    line, used, gap = "", 0, ""
                if not line and part_size > width:
                    *full, part = chop_cells(part, max(width, 1))
                    lines.extend(full)
                    part_size = cell_len(part)
                line += gap + part
                used += len(gap) + part_size
                gap = ""
        lines.append(line)
    return lines


class Wrapped:
    """A table cell's text, wrapped by ``wrap`` at whatever width the table gives it; ``whole=True`` keeps it on
    one line (an amount, a count), and the table then never makes its column narrower than it."""

    def __init__(self, text: str, style: str = "", whole: bool = False):
        self.text = text
        self.style = style
        self.whole = whole

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        lines = self.text.split("\n")
        widest = max(cell_len(line) for line in lines)
        narrowest = widest if self.whole else max((cell_len(p) for p in pieces(self.text) if not p.isspace()),
                                                  default=0)
        return Measurement(narrowest, widest)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        lines = self.text.split("\n") if self.whole else wrap(self.text, options.max_width)
        yield Text("\n".join(lines), style=self.style, no_wrap=True, overflow="crop", justify=options.justify or "left")


def _cell(value: str | Text | Wrapped, whole: bool) -> Wrapped | Text:
    return value if isinstance(value, (Text, Wrapped)) else Wrapped(str(value), whole=whole)


def make_table(title: str, headers: Sequence[str], rows: Iterable[Sequence[str | Text]],
               numeric: Iterable[int] = (), *, show_header: bool = True) -> Table:
    """A table whose ``numeric`` columns (by index) are right-aligned and never wrapped."""
    numeric = set(numeric)
    table = Table(title=title, header_style="bold", min_width=cell_len(title) + 4, show_header=show_header)
    for i, header in enumerate(headers):
        table.add_column(Wrapped(header), justify="right" if i in numeric else "left", no_wrap=i in numeric)
    for row in rows:
        table.add_row(*(_cell(value, i in numeric) for i, value in enumerate(row)))
    return table


def fit(table: Table, console: Console) -> bool:
    """Sets the columns' widths so that ``table`` fits ``console`` with every amount whole and the text wrapped
    as little as it can be (rich on its own would narrow any column, cutting amounts); False if it cannot fit."""
    options = console.options.update_width(10_000)
    lows, highs = [], []
    for i, column in enumerate(table.columns):
        sizes = [Measurement.get(console, options, cell) for cell in [column.header, *column.cells]]
        pad = table._get_padding_width(i)
        lows.append(max(m.minimum for m in sizes) + pad)
        highs.append(max(m.maximum for m in sizes) + pad)
    room = console.width - table._extra_width
    table.min_width = min(table.min_width or 0, console.width)
    if sum(highs) <= room:
        return True
    if sum(lows) > room:
        return False
    widths, spare = list(lows), room - sum(lows)
    for i in sorted(range(len(widths)), key=lambda k: highs[k] - lows[k]):  # short columns whole first
        grow = min(highs[i] - lows[i], spare)
        widths[i] += grow
        spare -= grow
    for i, column in enumerate(table.columns):
        column.width = widths[i] - table._get_padding_width(i)
    return True


def print_wrapped(console: Console, text: str, style: str = "") -> None:
    """A paragraph wrapped to the console as ``wrap`` does it (rich would cut a Chinese line anywhere)."""
    console.print(Text("\n".join(wrap(text, console.width, names=False)), style=style, no_wrap=True,
                       overflow="crop"))


def print_table(console: Console, title: str, headers: Sequence[str], rows: Sequence[Sequence[str | Text]],
                numeric: Iterable[int] = (), record: str = "{title}: {row}") -> None:
    """Prints the table if it fits the console; otherwise each row as a small table of its own, titled
    ``record`` with the row's first cell ("Institutions: escrow")."""
    numeric = set(numeric)
    table = make_table(title, headers, rows, numeric)
    if fit(table, console):
        console.print(table)
        return
    for row in rows:
        first = row[0].plain if isinstance(row[0], Text) else str(row[0])
        fields = [[Wrapped(header), _cell(value, i in numeric)]
                  for i, (header, value) in enumerate(zip(headers, row)) if i]
        alone = make_table(record.format(title=title, row=first), ["", ""], fields, show_header=False)
        fit(alone, console)
        console.print(alone)
