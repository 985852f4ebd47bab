"""The show layer: what people see. The terminal account (`terminal`), classroom narration (`narration/`), the
HTML report with its charts (`report/`), the CSV export (`export`), and the languages they speak: gettext
message catalogs in `locale/` read through `i18n` (Babel for numbers and dates).

It may import every layer below it (chain, domain, run, read); nothing below imports it.
"""
