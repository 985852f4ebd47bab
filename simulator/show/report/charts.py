"""The report's charts, drawn with matplotlib (Agg, no display) as PNG bytes.

Each function takes what it draws plus a ``Labels`` (the report language's words and the fonts to use) and
returns PNG bytes; nothing touches matplotlib's global state (``Figure`` objects, not pyplot), and the PNGs
carry no software version or date, so the same run gives the same bytes.

Chinese labels need a CJK font. ``cjk_font()`` finds one (Debian's fonts-noto-cjk: "Noto Sans CJK SC"),
also when it was installed after matplotlib built its font cache.
"""

from __future__ import annotations

import glob
import io
import os
from dataclasses import dataclass
from datetime import datetime
from typing import Callable, Sequence

import matplotlib

matplotlib.use("Agg", force=False)

from matplotlib import dates as mdates  # noqa: E402
from matplotlib import font_manager  # noqa: E402
from matplotlib.backends.backend_agg import FigureCanvasAgg  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from ...chain.clock import BEIJING  # noqa: E402
from .words import ReportWords  # noqa: E402

#: CJK fonts tried in order; the first is Debian's fonts-noto-cjk.
CJK_FAMILIES = (
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "PingFang SC",
    "Microsoft YaHei",
    "SimHei",
)
CJK_INSTALL_HINT = "sudo apt-get install fonts-noto-cjk"
#: Languages written in CJK characters (Babel's language codes): their charts need one of the fonts above.
CJK_LANGUAGES = ("zh", "ja", "ko")
_FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", "~/.local/share/fonts", "~/.fonts",
              "/System/Library/Fonts", "/Library/Fonts")
_FONT_FILE_PATTERNS = ("NotoSansCJK*", "NotoSansSC*", "SourceHanSans*", "wqy-*", "PingFang*", "msyh*", "simhei*")
BASE_FAMILY = "DejaVu Sans"  # matplotlib's own font: Latin, digits, ¥

COLORS = {
    "locked": "#1f6fb2",
    "released": "#2e9d4f",
    "refunded": "#e08a1e",
    "returned": "#8a4fb5",
    "lost": "#c8372d",
    "paid_in": "#7f8c99",
    "parent_loss": "#c8372d",
    "with_merchants": "#2e9d4f",
    "unspent": "#1f6fb2",
}
GROUP_COLORS = ["#1f6fb2", "#2e9d4f", "#e08a1e", "#8a4fb5", "#c8372d", "#17a2b8", "#6c757d", "#b5651d"]

_cjk_cache: list[str | None] = []


def _has_family(family: str) -> bool:
    return any(f.name == family for f in font_manager.fontManager.ttflist)


def cjk_font() -> str | None:
    """The family name of an installed CJK font matplotlib can use, or None."""
    if _cjk_cache:
        return _cjk_cache[0]
    found = next((f for f in CJK_FAMILIES if _has_family(f)), None)
    if found is None:
        # Installed after matplotlib cached its font list: add the files themselves.
        for directory in _FONT_DIRS:
            for pattern in _FONT_FILE_PATTERNS:
                for path in glob.glob(os.path.join(os.path.expanduser(directory), "**", pattern), recursive=True):
                    if path.lower().endswith((".ttf", ".otf", ".ttc")):
                        try:
                            font_manager.fontManager.addfont(path)
                        except (OSError, RuntimeError, ValueError):
                            continue
        found = next((f for f in CJK_FAMILIES if _has_family(f)), None)
    _cjk_cache.append(found)
    return found


def needs_cjk_font(words: ReportWords) -> bool:
    """Whether the charts' words in this language need a CJK font (DejaVu Sans has no CJK characters)."""
    return words.words.locale.language in CJK_LANGUAGES


def fonts_for(words: ReportWords) -> tuple[str, ...] | None:
    """The font families to draw these words with; None if they need a CJK font and none is installed."""
    if not needs_cjk_font(words):
        return (BASE_FAMILY,)
    cjk = cjk_font()
    return None if cjk is None else (cjk, BASE_FAMILY)


@dataclass(frozen=True)
class Labels:
    """The words a chart needs, in the report's language, and the fonts to draw them with."""

    words: ReportWords
    families: tuple[str, ...] = (BASE_FAMILY,)


def yuan_axis(fen: float, _pos: float | None = None) -> str:
    yuan = fen / 100
    if abs(yuan) >= 1e6:
        return f"¥{yuan / 1e6:,.1f}M".replace(".0M", "M")
    return f"¥{yuan:,.0f}"


def yuan_label(fen: float) -> str:
    yuan = fen / 100
    return f"¥{yuan:,.0f}" if yuan == int(yuan) else f"¥{yuan:,.2f}"


def _render(labels: Labels, draw: Callable[[Figure], None], size: tuple[float, float] = (10, 4.6)) -> bytes:
    with matplotlib.rc_context({"font.family": list(labels.families), "axes.unicode_minus": False,
                                "svg.hashsalt": "ecny-sim", "figure.dpi": 100}):
        fig = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(fig)
        draw(fig)
        buf = io.BytesIO()
        fig.savefig(buf, format="png", dpi=100, metadata={"Software": None})
    return buf.getvalue()


def _times(seconds: Sequence[int]) -> list[datetime]:
    return [datetime.fromtimestamp(t, tz=BEIJING) for t in seconds]


def _time_axis(ax, labels: Labels) -> None:
    locator = mdates.AutoDateLocator(tz=BEIJING, minticks=4, maxticks=9)
    ax.xaxis.set_major_locator(locator)
    own = labels.words.date_formats()
    if own:
        formats, zero_formats, offset_formats = own
        formatter = mdates.ConciseDateFormatter(locator, tz=BEIJING, formats=formats, zero_formats=zero_formats,
                                                offset_formats=offset_formats)
    else:
        formatter = mdates.ConciseDateFormatter(locator, tz=BEIJING)
    ax.xaxis.set_major_formatter(formatter)
    ax.set_xlabel(labels.words._("Beijing time (UTC+8)"))


def _money_axis(ax, labels: Labels) -> None:
    ax.yaxis.set_major_formatter(FuncFormatter(yuan_axis))
    ax.set_ylabel(labels.words._("Amount (yuan)"))
    ax.grid(True, axis="y", alpha=0.3)
    ax.set_ylim(bottom=0)


def money_over_time(times: Sequence[int], series: dict[str, Sequence[int]], labels: Labels) -> bytes:
    """Step lines of the running totals (locked, released, refunded, returned) after each transaction."""
    x = _times(times)

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        for kind, values in series.items():
            ax.plot(x, values, drawstyle="steps-post", color=COLORS.get(kind), linewidth=2,
                    label=labels.words.flow(kind))
        ax.set_title(labels.words._("Money over time (after each transaction)"))
        _time_axis(ax, labels)
        _money_axis(ax, labels)
        fig.legend(loc="outside lower center", ncols=2, fontsize="small")

    return _render(labels, draw, size=(10, 5.2))


def balances_by_group(times: Sequence[int], balances: dict[str, Sequence[int]],
                      locked: dict[str, Sequence[int]], labels: Labels) -> bytes:
    """Each actor group's wallet balances over time (lines), and the earmarked part of them (shaded)."""
    x = _times(times)
    words = labels.words

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        for i, (group, values) in enumerate(balances.items()):
            color = GROUP_COLORS[i % len(GROUP_COLORS)]
            ax.plot(x, values, drawstyle="steps-post", color=color, linewidth=2, label=words.group(group))
            part = locked.get(group)
            if part is not None and any(part):
                ax.fill_between(x, part, step="post", color=color, alpha=0.18, linewidth=0,
                                # TRANSLATORS: a shaded area of the balances chart
                                label=words._("{group}: locked part", group=words.group(group)))
        ax.set_title(words._("Wallet balances by actor group"))
        _time_axis(ax, labels)
        _money_axis(ax, labels)
        fig.legend(loc="outside lower center", ncols=min(4, 2 * len(balances)), fontsize="small")

    return _render(labels, draw, size=(10, 5.2))


def stacked_bars(rows: Sequence[str], parts: dict[str, Sequence[int]], labels: Labels, title: str) -> bytes:
    """One horizontal bar per row (institution or campaign), split into ``parts`` (key -> value per row)."""
    height = max(2.6, 1.3 + 0.55 * len(rows))

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        left = [0] * len(rows)
        for kind, values in parts.items():
            if not any(values):
                continue
            bars = ax.barh(list(rows), values, left=left, color=COLORS.get(kind), label=labels.words.part(kind))
            shown = [yuan_label(v) if v else "" for v in values]
            ax.bar_label(bars, labels=shown, label_type="center", color="white", fontsize="small")
            left = [a + b for a, b in zip(left, values)]
        ax.invert_yaxis()
        ax.xaxis.set_major_formatter(FuncFormatter(yuan_axis))
        ax.set_xlabel(labels.words._("Amount (yuan)"))
        ax.grid(True, axis="x", alpha=0.3)
        ax.set_title(title)
        fig.legend(loc="outside lower center", ncols=len(parts), fontsize="small")

    return _render(labels, draw, size=(10, height + 0.4))


def comparison(models: Sequence[str], measures: dict[str, Sequence[int]], labels: Labels) -> bytes:
    """Grouped bars: for each supervision model, paid in / released / refunded / parents' loss."""

    def draw(fig: Figure) -> None:
        ax = fig.add_subplot()
        n = len(measures)
        width = 0.8 / max(n, 1)
        for i, (kind, values) in enumerate(measures.items()):
            xs = [m + (i - (n - 1) / 2) * width for m in range(len(models))]
            bars = ax.bar(xs, values, width, color=COLORS.get(kind), label=labels.words.measure(kind, f"measure_{kind}"))
            ax.bar_label(bars, labels=[yuan_label(v) for v in values], fontsize="x-small", padding=2)
        ax.set_xticks(range(len(models)), [labels.words.model(m) for m in models])
        ax.set_title(labels.words._("The same term under each supervision model"))
        _money_axis(ax, labels)
        ax.margins(y=0.12)
        fig.legend(loc="outside lower center", ncols=len(measures), fontsize="small")

    return _render(labels, draw, size=(10, 5))


__all__ = ["CJK_FAMILIES", "CJK_INSTALL_HINT", "CJK_LANGUAGES", "Labels", "cjk_font", "needs_cjk_font", "fonts_for", "money_over_time", "balances_by_group",
           "stacked_bars", "comparison", "yuan_axis", "yuan_label"]
