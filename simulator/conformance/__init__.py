"""Conformance of a developer's contract to a plug-in interface (``ecny-sim check``): the Python models of the
rules, the Hypothesis state machines that compare a contract with them, the known attack cases, and the run of
the family's built-in scenarios against the contract. It sits on top of the layers, like ``pilot``."""
