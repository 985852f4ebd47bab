"""Classroom narration (issue 5): every built-in scenario told in plain sentences, in English and Chinese.

Each scenario runs ONCE at its test scale with an English and a Chinese narrator attached to the same chain
(from the first transaction: the ECNY deployment), and the tests below read what they said.
"""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest
from rich.console import Console

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from golden_files import compare_text  # noqa: E402

from ecny_sim import pilot
from ecny_sim.chain import compiler
from ecny_sim.run import engine
from ecny_sim.run import scenario as scenarios
from ecny_sim.chain import Chain, Event, TxRecord, TxResult
from ecny_sim.chain.errors import DecodedError
from ecny_sim.domain.money import fmt_fen
from ecny_sim.show.narration import LANGUAGES, Narrator

ALL = scenarios.builtin_names()
ARTIFACTS = compiler.ARTIFACTS_DIR
CJK = re.compile(r"[\u4e00-\u9fff]")
RAW_ERROR = re.compile(r"\b(ECNY|Prepaid|Campaign|Registry|Payees|Grant|Conditional|Wage)_[A-Z]")


def zh_money(fen: int) -> str:
    return fmt_fen(fen).replace("¥", "") + "元"


MONEY = {"en": fmt_fen, "zh": zh_money}


class ExplodingStdin:
    """A terminal-looking stdin that fails the test if anything reads it."""

    def __init__(self, tty: bool = True):
        self.tty = tty

    def isatty(self) -> bool:
        return self.tty

    def readline(self):  # pragma: no cover - reaching it is the failure
        raise AssertionError("the narrator waited for Enter although the output is not interactive")

    read = readline


class FakeTerminalStdin:
    """A terminal stdin whose every Enter is recorded: how many story steps had been told at that moment."""

    def __init__(self, narrator_ref: list):
        self.narrator_ref = narrator_ref
        self.reads: list[int] = []

    def isatty(self) -> bool:
        return True

    def readline(self) -> str:
        narrator = self.narrator_ref[0]
        self.reads.append(sum(1 for s in narrator.steps if s.story))
        return "\n"


def run_narrated(name: str, narrators: list[Narrator], **overrides):
    """Runs a built-in scenario at test scale with the narrators hooked from the chain's first transaction."""

    class HookedChain(Chain):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            for narrator in narrators:
                narrator.label = self.label
                self.on_transaction.append(narrator.on_transaction)

    s = scenarios.load(name)
    params = s.params(overrides, test_scale=True)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(engine, "Chain", HookedChain)
        sim = pilot.Simulation(s, params, seed=1)
        for narrator in narrators:  # wallets seeded without transactions are told too
            sim.on_seed.append(narrator.on_seed)
        s.run(sim, params)
    return sim


class Told:
    def __init__(self, sim, narrators: dict[str, Narrator], outputs: dict[str, str]):
        self.sim, self.narrators, self.outputs = sim, narrators, outputs


@pytest.fixture(scope="module")
def told() -> dict[str, Told]:
    """Every built-in scenario, narrated once in both languages. English goes to a plain text stream, Chinese
    to a narrow (40 columns) non-terminal rich Console: neither may break a sentence over two lines."""
    runs = {}
    for name in ALL:
        en_out = io.StringIO()
        zh_file = io.StringIO()
        zh_console = Console(file=zh_file, width=40, force_terminal=False, color_system=None)
        en = Narrator(lambda a: a, "en", en_out, pause=True, stdin=ExplodingStdin(tty=False), strict=True)
        zh = Narrator(lambda a: a, "zh", zh_console, pause=True, stdin=ExplodingStdin(tty=True), strict=True)
        sim = run_narrated(name, [en, zh])
        runs[name] = Told(sim, {"en": en, "zh": zh}, {"en": en_out.getvalue(), "zh": zh_file.getvalue()})
    return runs


# ------------------------------------------------------------------ the Proof item


@pytest.mark.parametrize("lang", LANGUAGES)
@pytest.mark.parametrize("name", ALL)
def test_narration_is_word_for_word_the_golden_one(told, name, lang):
    """Every sentence of every scenario, in both languages, as it was told before narration moved into message
    catalogs (tests/golden/narration/); a change on purpose regenerates the file (tests/golden_files.py)."""
    compare_text(f"narration/{name}.{lang}.txt", told[name].outputs[lang])


@pytest.mark.parametrize("lang", LANGUAGES)
def test_edu_abscond_narration_names_every_parents_refund(told, lang):
    run = told["edu_abscond"]
    refunds = [ev for ev in run.sim.events if ev.name == "OrderRefunded"]
    assert len(refunds) == 3 * 6  # three models, six pupils each at test scale
    sentences = run.narrators[lang].sentences
    for ev in refunds:
        parent = run.sim.chain.label(ev.args["parent"])
        amount = MONEY[lang](ev.args["refundFen"])
        assert parent.startswith("parent:")
        matching = [s for s in sentences if parent in s and amount in s]
        assert matching, f"no {lang} sentence names {parent}'s refund of {amount}"
    # every refund is its own sentence, in the order the chain paid them
    refund_lines = [s for s in sentences if any(run.sim.chain.label(ev.args["parent"]) in s for ev in refunds)
                    and ("back" in s or "拿回" in s)]
    order = [next(run.sim.chain.label(ev.args["parent"]) for ev in refunds
                  if run.sim.chain.label(ev.args["parent"]) in s) for s in refund_lines]
    assert order == [run.sim.chain.label(ev.args["parent"]) for ev in refunds]


def test_edu_abscond_sentences_tell_the_story_plainly(told):
    en = told["edu_abscond"].narrators["en"].sentences
    zh = told["edu_abscond"].narrators["zh"].sentences
    assert "parent:esc-001's ¥900 for 6 lessons is locked in their own wallet; school:taoli-esc cannot touch it yet" in en
    assert "parent:esc-001为6节课付的900元锁定在自己的钱包里，school:taoli-esc暂时动不了。" in zh
    assert "The regulator freezes school:taoli-dep: it can no longer receive anything" in en
    assert "parent:esc-001 gets ¥450 back: every lesson not taught" in en
    assert "parent:uns-001 gets ¥0 back: the ¥450 paid for lessons not taught is lost" in en
    assert any(s.startswith("parent:dep-001 gets ¥180 back from school:taoli-dep's deposit") and "¥270 is lost" in s
               for s in en)
    assert "school:taoli-esc cashes ¥2,700 out of its wallet to its bank account" in en
    assert any(s.startswith("The time to dispute lesson 1 is over: ¥150 goes from each of 3 parents' locked money")
               for s in en)
    assert "parent:esc-001拿回450元：没上的课全额退回。" in zh


def test_money_is_told_once_per_movement(told):
    """The escrow's own sentence tells the money; the token's lock/release events under it are not told again."""
    for lang, narrator in told["edu_abscond"].narrators.items():
        for step in narrator.steps:
            if step.function in ("enrol", "freezeInstitution", "redeem"):
                assert len(step.sentences) == 1, step.sentences
            if step.function == "recordLesson":
                assert len(step.sentences) <= 2, step.sentences
            if step.function == "refundOrders":
                refunds = [e for e in step.events if e.name == "OrderRefunded"]
                assert len(step.sentences) == len(refunds), step.sentences


# ------------------------------------------------------------------ every scenario, both languages


@pytest.mark.parametrize("name", ALL)
def test_every_scenario_narrates_in_both_languages_one_line_per_sentence(told, name):
    run = told[name]
    for lang, narrator in run.narrators.items():
        assert narrator.steps and narrator.sentences
        assert len(narrator.steps) == run.sim.counts["transactions"]
        output_lines = run.outputs[lang].splitlines()
        assert len(output_lines) == len(narrator.sentences), f"{lang}: a sentence was wrapped or split"
        for sentence, line in zip(narrator.sentences, output_lines):
            assert sentence and "\n" not in sentence
            assert line.endswith(sentence) and re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d  ", line)
            assert "0x" not in sentence, f"an address instead of a name: {sentence}"
            assert "{" not in sentence and "}" not in sentence and "None" not in sentence, sentence
            assert not RAW_ERROR.search(sentence), f"an error name instead of a reason: {sentence}"
            assert bool(CJK.search(sentence)) == (lang == "zh"), sentence
        for step in narrator.steps:
            assert step.sentences, f"{step.contract}.{step.function} was told nothing"


@pytest.mark.parametrize("name", ALL)
def test_no_step_hides_money_moving(told, name):
    """A step whose events move money (a non-zero amount, other than allowances, caps and prices) names an amount,
    in both languages; and no money-moving step is folded away."""
    not_movements = {"EarmarkApproval", "TierSet", "RulesUpdated", "CoursePublished", "LessonsDisputed"}
    run = told[name]
    for lang, narrator in run.narrators.items():
        sign = MONEY[lang](0)[-1] if lang == "zh" else "¥"
        for step in narrator.steps:
            moves = [e for e in step.events if e.name not in not_movements and any(
                k.endswith("Fen") and isinstance(v, int) and 0 < v < 2**200 for k, v in e.args.items())]
            if moves:
                assert any(sign in s for s in step.sentences), (lang, step.function, step.sentences)
                assert all(s in narrator.sentences for s in step.sentences)


# ------------------------------------------------------------------ refusals


def test_every_refusal_is_explained_with_a_plain_reason(told):
    refused = 0
    for name, run in told.items():
        for lang, narrator in run.narrators.items():
            fallback = narrator.teller.unknown_reason("")
            for step in narrator.steps:
                if not step.refused:
                    continue
                refused += 1
                (sentence,) = step.sentences
                assert ("but it is refused: " in sentence) if lang == "en" else ("但被拒绝了：" in sentence)
                assert fallback[:12] not in sentence, sentence
    assert refused == 2 * sum(run.sim.counts["reverted"] for run in told.values()) > 0


def test_refusal_sentences_name_the_rule_that_was_broken(told):
    tier = told["wallet_tier_limit"].narrators
    assert ("parent:wang tries to prepay ¥3,000 for 20 lessons at school:taoli, but it is refused: "
            "a lowest-tier wallet may pay at most ¥2,000 at once") in tier["en"].sentences
    assert "parent:wang想为20节课向school:taoli预付3,000元，但被拒绝了：最低等级钱包单笔最多只能付2,000元。" in tier["zh"].sentences
    rules = told["redpacket_rules"].narrators["en"].sentences
    assert any("packet money can only be spent at Luohu shops, and merchant:futian-mall is not one of them" in s
               for s in rules)
    assert any("citizen:ding did not win a ¥200 packet in the lottery" in s for s in rules)
    assert any("locked money cannot be moved by its owner" in s for s in rules)
    caps = told["edu_caps"].narrators["en"].sentences
    assert any("a school may charge at most ¥5,000 at once, and this is ¥6,000" in s for s in caps)
    assert any("one order may cover at most 60 class hours, and this one has 80" in s for s in caps)
    closing = told["edu_relocation"].narrators["zh"].sentences
    assert any("将于" in s and "关闭，不再招收新学生" in s for s in closing)


def test_packets_say_where_and_until_when_in_beijing_time(told):
    luohu = told["redpacket_luohu_2020"].narrators
    assert any(s.endswith("claims a ¥200 red packet: it can only be spent at Luohu shops until 18 Oct 24:00")
               for s in luohu["en"].sentences)
    assert any(s.endswith("领取了一个200元红包：只能在罗湖的商户使用，截止10月18日24:00。") for s in luohu["zh"].sentences)


# ------------------------------------------------------------------ grants, conditional payments, wages


def test_a_grant_programme_states_its_rules_when_set_up(told):
    for name in ("sme_special_funds", "sme_relocation_clawback", "grant_purpose_binding"):
        en, zh = (told[name].narrators[lang].sentences for lang in ("en", "zh"))
        (rules,) = [s for s in en if "sets up a grant programme" in s]
        assert "payees registered for payroll, rent or suppliers" in rules
        assert "stay 15 years" in rules and "3.45% yearly interest" in rules and "no new grant for 3 years" in rules
        (rules,) = [s for s in zh if "设立专项资金计划" in s]
        assert "工资、房租或供应商货款" in rules and "15年" in rules and "年利率3.45%" in rules and "3年内" in rules


@pytest.mark.parametrize("lang", LANGUAGES)
def test_a_clawback_says_what_is_owed_returned_and_still_owed(told, lang):
    run = told["sme_relocation_clawback"]
    (ev,) = [e for e in run.sim.events if e.name == "GrantClawedBack"]
    a, m = ev.args, MONEY[lang]
    firm = run.sim.chain.label(a["firm"])
    figures = [m(a["principalFen"] + a["interestFen"]), m(a["principalFen"]), m(a["interestFen"]),
               m(a["returnedUnspentFen"]), m(a["outstandingFen"])]
    matching = [s for s in run.narrators[lang].sentences if s.startswith(firm) and all(f in s for f in figures)]
    assert len(matching) == 1, figures
    if lang == "en":
        assert (f"so it owes {figures[0]} ({figures[1]} of grant received plus {figures[2]} interest); {figures[3]} "
                f"of unspent grant money goes back at once, {figures[4]} is still owed") in matching[0]
    else:
        assert f"须退还{figures[0]}（已收到的资助{figures[1]}加利息{figures[2]}）" in matching[0]


def test_grant_money_refused_for_a_purpose_not_allowed(told):
    en = told["grant_purpose_binding"].narrators["en"].sentences
    zh = told["grant_purpose_binding"].narrators["zh"].sentences
    rule = "grant money can only pay payees registered for payroll, rent or suppliers"
    assert any(re.search(rf"{rule}, and \S+ is registered for equipment$", s) for s in en)
    assert any(re.search(rf"{rule}, and \S+ is not on the payee register$", s) for s in en)
    assert any("专项资金只能付给登记用途为工资、房租或供应商货款的收款方，而" in s and s.endswith("登记的用途是设备款。")
               for s in zh)
    assert any(re.search(r"pays ¥[\d,.]+ of grant money to \S+ for rent$", s) for s in en)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_conditional_payment_is_told_with_its_parties_and_amount(told, lang):
    run = told["car_prepayment"]
    name, m = run.sim.chain.label, MONEY[lang]
    sentences = run.narrators[lang].sentences
    created = {e.args["paymentId"]: e.args for e in run.sim.events if e.name == "PaymentCreated"}
    assert created
    for ev in run.sim.events:
        if ev.name in ("PaymentCreated", "PaymentReleased", "PaymentReturned"):
            payment = created[ev.args["paymentId"]]
            who = [name(payment["payer"]), name(payment["payee"]), m(payment["amountFen"])]
            assert any(all(w in s for w in who) for s in sentences), (ev.name, who)
    deployed = [s for s in sentences if "conditional-payment contract" in s or "条件支付合约" in s]
    assert any("car_deposits" in s for s in deployed) and any("nev_subsidies" in s for s in deployed)


def test_wages_name_both_contractors_and_who_paid(told):
    en = told["wage_passthrough"].narrators["en"].sentences
    zh = told["wage_passthrough"].narrators["zh"].sentences
    assert any(s.startswith("A wage contract is set up for contractor:main, the main contractor, and contractor:sub, "
                            "the subcontractor") for s in en)
    assert any(s.startswith("为总包方contractor:main和分包方contractor:sub设立工资支付合约") for s in zh)
    assert any("into contractor:sub's wallet, locked: contractor:sub can pay it only to those workers" in s for s in en)
    assert any(s.endswith("paid out by contractor:main because payday has come") for s in en)
    assert any(s.startswith("crony:sub_cousin is passed over (not on the pay run)") for s in en)
    assert any(s.startswith("crony:sub_cousin被跳过：不在这期工资名单上") for s in zh)


# ------------------------------------------------------------------ every event and error of the contracts


def _abi_entries(kind: str) -> dict[str, tuple[str, dict]]:
    """name -> (contract label, ABI entry) for every event or error of the deployable contracts."""
    labels = {"ECNY": "ECNY", "PrepaidEscrow": "escrow", "UpfrontPrepaid": "risk_deposit",
              "RedPacketCampaign": "campaign", "MerchantRegistry": "MerchantRegistry",
              "PayeeRegistry": "PayeeRegistry", "GrantProgramme": "GrantProgramme",
              "ConditionalPayment": "ConditionalPayment", "WagePassThrough": "WagePassThrough"}
    found = {}
    for artifact, label in labels.items():
        abi = json.loads((ARTIFACTS / f"{artifact}.json").read_text())["abi"]
        for entry in abi:
            if entry["type"] == kind:
                found.setdefault(entry["name"], (label, entry))
    return found


ACTORS = {f"0x{i:040x}": name for i, name in enumerate(
    ["parent:alice", "school:taoli", "merchant:luohu-books", "winner:an", "government:luohu", "regulator"], start=1)}


def _value(param: dict, index: int):
    t = param["type"]
    if t == "address":
        return list(ACTORS)[index % len(ACTORS)]
    if t == "bool":
        return index % 2 == 0
    if t.startswith("uint") or t.startswith("int"):
        return 150_00 * (index + 1) if param.get("name", "").endswith("Fen") else index + 1
    if t == "tuple":
        return {c["name"]: _value(c, i) for i, c in enumerate(param["components"])}
    if t.startswith("bytes"):
        return "0x" + "00" * 32
    return "x"


def _record(label: str, function: str, events=(), error=None) -> TxRecord:
    result = TxResult(tx_hash="0x00", block_number=1, timestamp=1_652_090_400, status=0 if error else 1,
                      gas_used=21_000, events=list(events), error=error)
    return TxRecord("bank", label, function, [], result, "0x" + "ee" * 20)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_event_of_the_contracts_has_its_own_sentence(lang):
    events = _abi_entries("event")
    assert len(events) >= 64  # the e-CNY, tuition, red-packet and register contracts, and the subsidy contracts
    for name, (label, entry) in sorted(events.items()):
        args = {p["name"]: _value(p, i) for i, p in enumerate(entry["inputs"])}
        if name == "LessonSkipped":
            args["reason"] = 2
        out = io.StringIO()
        narrator = Narrator(lambda a: ACTORS.get(a, a), lang, out, strict=True)
        narrator.on_transaction(_record(label, "someFunction", [Event(label, name, args)]))
        (step,) = narrator.steps
        assert step.sentences, name
        unknown = narrator.words.sentence(narrator.teller.unknown_event(label, name))
        for sentence in step.sentences:
            assert sentence != unknown, f"{name} has no sentence"
            assert "0x" not in sentence and "{" not in sentence and "None" not in sentence, (name, sentence)
            assert bool(CJK.search(sentence)) == (lang == "zh"), (name, sentence)


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_custom_error_of_the_contracts_has_a_plain_reason(lang):
    errors = _abi_entries("error")
    assert len(errors) >= 132
    for name, (label, entry) in sorted(errors.items()):
        args = {p["name"]: _value(p, i) for i, p in enumerate(entry["inputs"])}
        narrator = Narrator(lambda a: ACTORS.get(a, a), lang, io.StringIO(), strict=True)
        error = DecodedError("custom", name, args, "0x")
        narrator.on_transaction(_record(label, "someFunction", error=error))
        (sentence,) = narrator.sentences
        assert narrator.teller.unknown_reason(name) not in sentence, f"{name} has no plain reason"
        assert name not in sentence and "0x" not in sentence and "{" not in sentence, (name, sentence)
    for kind, name, args in (("Error", "Error", {"message": "no"}), ("Panic", "Panic", {"code": 17}),
                             ("empty", "", {}), ("out_of_gas", "OutOfGas", {})):
        narrator = Narrator(lambda a: ACTORS.get(a, a), lang, io.StringIO(), strict=True)
        narrator.on_transaction(_record("escrow", "enrol", error=DecodedError(kind, name, args, "0x")))
        assert narrator.teller.unknown_reason(name) not in narrator.sentences[0]


# ------------------------------------------------------------------ pausing


def test_no_pause_when_output_is_piped(monkeypatch):
    # stdin a terminal, output a pipe (a text stream): never waits
    narrator = Narrator(lambda a: a, "en", io.StringIO(), pause=True, stdin=ExplodingStdin(tty=True))
    run_narrated("edu_withdraw", [narrator])
    assert not narrator.interactive and narrator.waits == 0 and narrator.steps
    # output a non-terminal Console, the real sys.stdin replaced by one that must not be read
    monkeypatch.setattr(sys, "stdin", ExplodingStdin(tty=True))
    console = Console(file=io.StringIO(), force_terminal=False)
    narrator = Narrator(lambda a: a, "zh", console, pause=True)
    run_narrated("edu_withdraw", [narrator])
    assert narrator.waits == 0
    # output a terminal, stdin piped: never waits either
    monkeypatch.setattr(sys, "stdin", ExplodingStdin(tty=False))
    narrator = Narrator(lambda a: a, "en", Console(file=io.StringIO(), force_terminal=True), pause=True)
    run_narrated("edu_withdraw", [narrator])
    assert narrator.waits == 0


def test_interactive_terminal_waits_once_per_step():
    ref: list = []
    stdin = FakeTerminalStdin(ref)
    console = Console(file=io.StringIO(), force_terminal=True, width=60)
    narrator = Narrator(lambda a: a, "en", console, pause=True, stdin=stdin)
    ref.append(narrator)
    assert narrator.interactive
    run_narrated("edu_withdraw", [narrator])
    story = [s for s in narrator.steps if s.story]
    plumbing = [s for s in narrator.steps if not s.story]
    assert story and plumbing  # set-up steps are told without a pause
    # one Enter after each step (the last step's wait is only owed if something follows it)
    assert stdin.reads == list(range(1, len(stdin.reads) + 1))
    assert len(stdin.reads) in (len(story) - 1, len(story))
    assert narrator.waits == len(stdin.reads)


def test_pause_off_or_interactive_overridden_never_waits():
    narrator = Narrator(lambda a: a, "en", Console(file=io.StringIO(), force_terminal=True), pause=False,
                        stdin=ExplodingStdin(tty=True))
    run_narrated("edu_withdraw", [narrator])
    narrator = Narrator(lambda a: a, "en", Console(file=io.StringIO(), force_terminal=True), pause=True,
                        stdin=ExplodingStdin(tty=True), interactive=False)
    run_narrated("edu_withdraw", [narrator])
    assert narrator.waits == 0


def test_end_of_input_stops_pausing():
    class ClosedStdin(ExplodingStdin):
        calls = 0

        def readline(self):
            self.calls += 1
            return ""

    stdin = ClosedStdin()
    narrator = Narrator(lambda a: a, "en", io.StringIO(), pause=True, stdin=stdin, interactive=True)
    run_narrated("edu_withdraw", [narrator])
    assert stdin.calls == 1


# ------------------------------------------------------------------ the rest of the API


def test_say_passes_scenario_lines_through_and_attach_hooks_a_simulation():
    out = io.StringIO()
    narrator = Narrator(lambda a: a, "en", out)
    narrator.say("2022-05-09 18:00:00 CST", "a line of the scenario's own")
    assert out.getvalue() == "2022-05-09 18:00  a line of the scenario's own\n"
    s = scenarios.load("edu_withdraw")
    sim = pilot.Simulation(s, s.params(test_scale=True), seed=1)
    narrator = Narrator(lang="zh", out=io.StringIO()).attach(sim)  # attach binds the chain's names
    s.run(sim, s.params(test_scale=True))  # attached late (after the ECNY deployment): still tells everything
    assert len(narrator.steps) == sim.counts["transactions"] - 5
    assert any("parent:alice退课" in s for s in narrator.sentences)


def test_unknown_language_is_refused():
    with pytest.raises(ValueError, match="zh"):
        Narrator(lambda a: a, "fr", io.StringIO())
