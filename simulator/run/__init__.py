"""The run layer: one scenario run. Loading a scenario and its parameters (`scenario`), the engine that gives
the script its world (`engine.Simulation`, `run_scenario`), the journal it writes as it goes and the reader
that opens it again (`journal`, `journal_reader`), and where the readable account goes (`reporter`).

The engine knows no contract wrapper and no summary: the e-CNY world (`ecny_sim.pilot`) sets up the token and
the alerts when a simulation opens, and the caller passes the function that summarises the run.

It may import the chain and domain layers.
"""
