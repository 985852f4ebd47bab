"""The page's own words (titles, buttons, headers), in the "console" message catalog: the page asks for them in its
language (``/api/words?lang=zh``) and shows the English text where a catalog has no translation."""

from __future__ import annotations

from ..show.i18n import Language, N_, languages

#: Key (what the page's script names) -> the English message.
WORDS = {
    "classroom": N_("Classroom"),
    "regulator": N_("Regulator"),
    "explorer": N_("Explorer"),
    "scenario": N_("Scenario"),
    "parameters": N_("Parameters"),
    "test_scale": N_("small test figures"),
    "seed": N_("seed"),
    "start_run": N_("Start the run"),
    "play": N_("Play"),
    "pause": N_("Pause"),
    "step": N_("Step"),
    "speed": N_("Speed"),
    "fastest": N_("fastest"),
    "fast": N_("fast"),
    "normal": N_("normal"),
    "slow": N_("slow"),
    "wallets": N_("Wallets"),
    "free": N_("free"),
    "locked": N_("locked"),
    "narration": N_("What happens"),
    "transaction": N_("Transaction"),
    "events": N_("Events"),
    "refused": N_("refused"),
    "invariants": N_("Invariants"),
    "story_checks": N_("The scenario's own checks (reported, not enforced)"),
    "conserved": N_("money is conserved: supply = sum of wallet balances"),
    "outcome": N_("Outcome"),
    "waiting": N_("waiting for a run"),
    "playing": N_("playing"),
    "paused": N_("paused"),
    "stepping": N_("stepping"),
    "finished": N_("finished"),
    "institutions": N_("Institutions"),
    "institution": N_("Institution"),
    "model": N_("Model"),
    "status": N_("Status"),
    "supervised": N_("Supervised balance"),
    "orders": N_("Orders"),
    "disputed": N_("Disputed orders"),
    "alerts": N_("Alerts"),
    "freeze": N_("Freeze"),
    "refund_run": N_("Order a refund run"),
    "to_school": N_("to the institution"),
    "to_parent": N_("to the parent"),
    "token": N_("Regulator's token"),
    "actions_log": N_("Actions"),
    "runs": N_("Runs"),
    "blocks": N_("Blocks"),
    "transactions": N_("Transactions"),
    "statements": N_("Statements"),
    "search": N_("Search"),
    "block": N_("block"),
    "time": N_("time"),
    "actor": N_("actor"),
    "change": N_("change"),
    "balance": N_("balance"),
    "language": N_("Language"),
    "more_wallets": N_("more wallets"),
    "explore_run": N_("Open this run in the explorer"),
    "report": N_("The run's report"),
}


def page_words(lang: str) -> dict[str, str]:
    """The page's words in ``lang`` (English where the catalog lacks one)."""
    words = Language(lang if lang in languages("console") else "en", "console")
    return {key: words._(message) for key, message in WORDS.items()}
