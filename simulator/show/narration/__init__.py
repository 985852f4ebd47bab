"""Classroom narration: every step of a run told in one plain sentence a pupil can follow, in any language with a
"narration" message catalog (show/locale/<lang>/LC_MESSAGES/narration.po; English and Chinese ship).

    narrator = Narrator(sim.chain.label, lang="zh", out=Console(), pause=True)
    sim.chain.on_transaction.append(narrator.on_transaction)     # or narrator.attach(sim)

Each mined transaction is one *step*. A step is told in one sentence, or in one sentence per money movement
when a batch moves money for many people (a refund batch names every parent and their amount). Refused
transactions say what was tried and why, in plain words decoded from the custom error. Set-up plumbing (wallet
tiers, controllers, allowances, wallets opened, shops registered) gets one short sentence, and runs of the
same kind are folded into the first; no sentence ever hides money moving.

Pausing: with ``pause=True`` the narrator waits for Enter between steps, but only when stdin and the output
are both a terminal; piped or redirected, it never waits. ``interactive=`` and ``stdin=`` override the
detection (tests).

Everything the narrator knows comes from the transactions it sees: which contract is which (from their
constructor arguments or their events), courses, orders and their parents, campaigns' terms, wallets'
tiers. Attached late, it still narrates, with a little less detail (an order number instead of a name).

The modules: ``narrator`` (the hook, output, pausing), ``contracts`` (what it learns), ``sentences``,
``subsidies`` and ``batches`` (which sentence events get), ``refusals`` (what was tried and why it was refused),
``names`` (who and what a sentence names) and ``words`` (the language's words, all from the catalog).
"""

from __future__ import annotations

from .. import i18n
from .narrator import Narrator, Step, Teller
from .words import Words

__all__ = ["Narrator", "Step", "Teller", "Words", "LANGUAGES", "languages"]


def languages() -> tuple[str, ...]:
    """The languages the narrator can speak now: those with a compiled "narration" catalog, English first
    (``ECNY_SIM_LOCALE_PATH`` may add more)."""
    return i18n.languages("narration")


#: The languages that ship with the package (a catalog added later is in ``languages()``, not here).
LANGUAGES = tuple(lang for lang in languages() if (i18n.LOCALE_DIR / lang / "LC_MESSAGES" / "narration.mo").is_file())
