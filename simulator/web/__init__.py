"""The live web page (`ecny-sim serve`): a Starlette app on uvicorn that plays one run in front of a class and a
regulator, and an explorer of finished runs.

- ``live``: one run in a worker thread (``LiveRun``): the stream every viewer reads from its start, play / pause /
  step / speed, and the regulator's interventions, executed on the run's thread between two of the script's
  transactions (py-evm is not thread-safe).
- ``explorer``: a finished run directory read back (blocks, transactions, events, statements: ``read.inspect``).
- ``app``: the routes (pages, JSON, server-sent events) and the token that guards the regulator's actions.
- ``static/``: the pages, their one script and style sheet; nothing is loaded from elsewhere.
"""
