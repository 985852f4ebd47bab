"""The show layer: what people see. The terminal account (`terminal`), classroom narration (`narrator`), the
HTML report with its charts (`report`, `report_text`, `charts`) and the CSV export (`export`).

It may import every layer below it (chain, domain, run, read); nothing below imports it.
"""
