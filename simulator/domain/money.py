"""Money is integer fen everywhere; these helpers only format and parse it for people."""

from __future__ import annotations

FEN_PER_YUAN = 100


def yuan(amount: int) -> int:
    """Whole yuan to fen: ``yuan(150) == 15000``."""
    return amount * FEN_PER_YUAN


def fmt_fen(fen: int) -> str:
    """``1234567 -> '¥12,345.67'``; whole amounts drop the fen: ``15000 -> '¥150'``."""
    sign = "-" if fen < 0 else ""
    whole, part = divmod(abs(fen), FEN_PER_YUAN)
    return f"{sign}¥{whole:,}" if part == 0 else f"{sign}¥{whole:,}.{part:02d}"
