"""The read layer: what is read back from a run, during it or from its journal afterwards. The summary and
its invariants (`summary`, `subsidy_summary`), alerts raised as transactions land (`alerts`), the observable
state and its hash (`state`), replaying a journal on a fresh chain (`replay`), the money timeline (`timeline`),
comparing two runs (`compare`) and inspecting one order, packet or grant (`inspect`).

It writes nothing people read directly (that is `show`). It may import the chain, domain and run layers.
"""
