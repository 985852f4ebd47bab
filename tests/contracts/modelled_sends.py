"""What the property state machines share; it lives in the package now (``ecny-sim check`` runs the
machines against a developer's contract): ``ecny_sim.conformance.modelled``."""

from ecny_sim.conformance.modelled import (  # noqa: F401  (the test modules import these from here)
    FAST_PROFILE_CAPS, ModelledSends, PropertyViolated, WalletTiers, machine_settings, violation)
