"""A city's term under one supervision model: some institutions close, some of those abscond; what parents lose

The city study's scenario (`ecny-sim sweep studies/city_supervision.toml`), kept beside its study file rather
than among the built-in scenarios. N pupils at institutions of Zipf
sizes (as in edu_city_term), each parent prepaying a course under the chosen model: escrow (each lesson's fee
leaves the parent's wallet when the lesson is given), a risk deposit (the school gets the fee, a share of it
stays locked as a deposit) or unsupervised. In the term each institution closes with a probability; a closing
institution stops after a random lesson, and either closes honestly (it announces the closure, and pays back
from its own wallet whatever the contract's refund does not cover) or absconds (it cashes out all it can). The
regulator freezes every closed institution and refunds its orders in one run. Parents' losses (fees of lessons
never given, not refunded) go to the summary's `comparison` under the model's name and to
`totals.parent_loss_fen`; the closures, the regulator's refund runs and the deposit share that would have covered
every absconder (`deposit_bps_to_match_escrow`) to its `counts`.
"""

from __future__ import annotations

import random

from pydantic import Field, model_validator

from ecny_sim import DAY, HOUR, PrepaidRules, ScenarioParams, fmt_fen, open_term
from ecny_sim.scenarios.edu_city_term import CAP_PER_CHARGE_FEN, LESSONS_PER_WEEK, WALLET_BATCH, institution_sizes

MODELS = ("escrow", "risk_deposit", "unsupervised")


class Params(ScenarioParams):
    start: str = Field("2022-05-09 09:00", description="Futian's e-CNY prepaid platform opened in May 2022")
    model: str = Field("escrow", pattern="^(escrow|risk_deposit|unsupervised)$",
                       description="the supervision model: escrow, risk_deposit or unsupervised (domain.md §3)")
    pupils: int = Field(300, ge=1, le=20_000, description="parents enrolling one child each (a city sample)")
    class_size: int = Field(30, ge=1, le=200, description="pupils per class (inferred)")
    lessons: int = Field(20, ge=2, le=27, description="lessons in each course, two a week (domain.md §3.1)")
    fee_per_lesson_fen: int = Field(15_000, ge=1, description="¥150 a lesson (domain.md §3.1)")
    smallest_institution: int = Field(15, ge=1, description="pupils at the smallest institution (inferred)")
    largest_institution: int = Field(300, ge=1, le=20_000, description="pupils at the largest (inferred)")
    closure_rate_bps: int = Field(500, ge=0, le=10_000, description=(
        "chance that an institution closes in the term, in basis points (inferred: 5 %; no source gives a base "
        "rate. The 2021 wave of closures under the double-reduction policy is a stress case: try 3,000+)"))
    abscond_share_bps: int = Field(5_000, ge=0, le=10_000, description=(
        "of the closing institutions, the share that abscond instead of closing with notice (inferred)"))
    deposit_share_bps: int = Field(2_000, ge=0, le=10_000, description=(
        "risk deposit: the share of each fee kept locked (Zigong 2020: 20 %, domain.md §3)"))
    refund_batch: int = Field(100, ge=1, le=500, description="orders per refund transaction")
    shards: int = Field(1, ge=1, le=256, description=(
        "the city split into this many shards, each run on its own chain: institution i is in shard i % shards "
        "(the city and its closures are drawn whole from the seed, so the shards of one seed are one city)"))
    shard: int = Field(0, ge=0, description="which shard this run is (0 .. shards - 1)")

    @model_validator(mode="after")
    def _fits(self) -> "Params":
        if self.lessons * self.fee_per_lesson_fen > CAP_PER_CHARGE_FEN:
            raise ValueError(f"lessons x fee_per_lesson_fen is over the {fmt_fen(CAP_PER_CHARGE_FEN)} cap per "
                             "charge: every order would be refused")
        if self.smallest_institution > self.largest_institution:
            raise ValueError("smallest_institution must not exceed largest_institution")
        if self.shard >= self.shards:
            raise ValueError(f"shard must be below shards ({self.shards})")
        return self


TEST_PARAMS = {"pupils": 60, "lessons": 4, "largest_institution": 30, "closure_rate_bps": 5_000}


def run(sim, p: Params) -> None:
    rng = random.Random(sim.seed)  # the city, its closures and its absconders: the same for the same seed
    rules = PrepaidRules()
    plan = sim.deploy_prepaid(p.model, rules, **({"deposit_bps": p.deposit_share_bps}
                                                 if p.model == "risk_deposit" else {}))
    sizes = institution_sizes(p.pupils, p.smallest_institution, p.largest_institution, rng)
    fee = p.lessons * p.fee_per_lesson_fen
    first_lesson = p.start_ts + 7 * DAY + 16 * HOUR
    institutions = []
    pupil = 0
    for i, size in enumerate(sizes):
        school = f"school:{i + 1:04d}"
        parents = [f"parent:{pupil + k + 1:06d}" for k in range(size)]
        pupil += size
        mine = i % p.shards == p.shard  # every institution's draws are made, in order, whichever shard runs it
        terms = _open_institution(sim, p, plan, school, parents, first_lesson) if mine else []
        closes = rng.randrange(10_000) < p.closure_rate_bps
        institution = {"school": school, "terms": terms, "closes": closes,
                       "absconds": closes and rng.randrange(10_000) < p.abscond_share_bps,
                       "stops_after": rng.randint(1, p.lessons - 1) if closes else p.lessons}
        if mine:
            institutions.append(institution)
    closing = [inst for inst in institutions if inst["closes"]]
    enrolled = sum(len(t.orders) for inst in institutions for t in inst["terms"])
    shard = f" (shard {p.shard + 1} of {p.shards}, its own chain)" if p.shards > 1 else ""
    sim.say(f"{enrolled} pupils at {len(institutions)} institutions{shard} prepaid {fmt_fen(fee * enrolled)} under "
            f"{p.model}; {len(closing)} institutions will close in the term")

    for k in range(p.lessons):
        for inst in institutions:
            if k < inst["stops_after"]:
                for term in inst["terms"]:
                    term.record_next_lesson(sim)
            elif k == inst["stops_after"] and not inst["absconds"]:
                plan.announce_closure(inst["school"])  # notice: it stops teaching and keeps its money

    sim.advance(days=3)  # past the dispute window: the platform's daily settlement pays out the lessons given
    if p.model == "escrow":
        for inst in institutions:
            for term in inst["terms"]:
                plan.release_matured("bank", term.course_id, term.order_ids)
    for inst in closing:
        if inst["absconds"]:
            cash = sim.token.free(inst["school"])
            if cash:
                sim.token.redeem(inst["school"], cash)
    sim.advance(days=2)
    runs = []
    for inst in closing:  # the regulator freezes each closed institution and refunds its orders
        plan.freeze(inst["school"])
        ids = [i for term in inst["terms"] for i in term.order_ids]
        plan.refund_orders(inst["school"], ids, batch=p.refund_batch)
        runs.append(len(ids))
        if not inst["absconds"] and p.model != "escrow":  # an honest school pays back what the deposit did not
            for term in inst["terms"]:
                for order in term.orders:
                    owed = (p.lessons - term.taught) * term.fee_per_lesson_fen - sim.token.balance(order.parent)
                    if owed > 0:
                        sim.token.transfer(inst["school"], order.parent, owed)
    money, counts = _outcome(sim, p, institutions, runs)
    sim.comparison = {p.model: money}  # the model's column of the comparison (the study puts the three together)
    sim.extra_totals["parent_loss_fen"] = money["parent_loss_fen"]  # the same column whatever the model
    sim.counts.update(counts)
    sim.say(f"{len(closing)} closures ({counts['abscondings']} absconded): the regulator refunded "
            f"{counts['refund_runs']} institutions' orders; parents lose {fmt_fen(money['parent_loss_fen'])} in all")


def _open_institution(sim, p: Params, plan, school: str, parents: list[str], first_lesson: int) -> list:
    """The institution's parents' wallets (topped up with the fee) and its classes, each parent enrolled."""
    fee = p.lessons * p.fee_per_lesson_fen
    for start in range(0, len(parents), WALLET_BATCH):
        sim.token.open_wallets(parents[start:start + WALLET_BATCH])
    for parent in parents:
        sim.token.issue(parent, fee)
    terms = []
    for start in range(0, len(parents), p.class_size):
        term = open_term(sim, plan, school, lessons=p.lessons, fee_per_lesson_fen=p.fee_per_lesson_fen,
                         lessons_per_week=LESSONS_PER_WEEK, first_lesson=first_lesson)
        term.enrol(sim, parents[start:start + p.class_size])
        terms.append(term)
    return terms


def _outcome(sim, p: Params, institutions: list[dict], runs: list[int]) -> tuple[dict[str, int], dict[str, int]]:
    """Read from the parents' wallets: what each paid, was taught, and holds again at the end (money, for the
    comparison); the closures, the regulator's refund runs and the deposit that would have matched escrow."""
    paid = taught = back = 0
    worst_unconsumed_bps = 0
    for inst in institutions:
        for term in inst["terms"]:
            for order in term.orders:
                paid += order.fee_fen
                taught += term.taught * term.fee_per_lesson_fen
                back += sim.token.balance(order.parent)
        if inst["absconds"]:
            unconsumed = (p.lessons - inst["stops_after"]) * 10_000
            worst_unconsumed_bps = max(worst_unconsumed_bps, -(-unconsumed // p.lessons))
    loss = paid - taught - back
    sim.check("no parent got more back than the untaught lessons' fees", loss >= 0)
    if p.model == "escrow":
        sim.check("escrow: parents lose nothing", loss == 0)
    if not any(inst["absconds"] for inst in institutions):
        sim.check("without an absconder parents lose nothing", loss == 0)
    money = {"paid_in_fen": paid, "refunded_fen": back, "parent_loss_fen": loss}
    return money, {
        "institutions": len(institutions), "closures": sum(inst["closes"] for inst in institutions),
        "abscondings": sum(inst["absconds"] for inst in institutions), "refund_runs": len(runs),
        "largest_refund_run_orders": max(runs, default=0), "refund_run_orders": sum(runs),
        # the deposit share that would have covered every absconder's parents: the largest unconsumed share
        "deposit_bps_to_match_escrow": worst_unconsumed_bps}
