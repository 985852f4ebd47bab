"""The domain layer: the e-CNY pilots' rules and the wrappers that drive their contracts by actor name.

Money in fen, the pilots' settings (caps, wallet tiers, purposes), the e-CNY wallets (`token`), prepaid tuition
under three supervision models (`prepaid`, `term`), red-packet campaigns (`redpacket`, `merkle`, `lottery`),
tranche grants (`grants`), conditional payments and wage pass-through (`conditional`, `wages`), and how a
contract's arguments read in domain words (`explain`). Wrappers need a running simulation only through the
small `World` protocol (`world.py`), never the engine itself.

It may import the chain layer only.
"""
