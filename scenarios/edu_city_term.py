"""A city's term: every pupil's prepaid fee under escrow, at institutions large and small, paid out lesson by lesson

The city study's workload. N pupils at the city's training institutions, many small and a few large, sit in
classes of 30; each parent prepays a 20-lesson course and the fee stays locked in their own wallet. Each class's
lessons are recorded for the whole class at once, two a week on after-school evenings, each lesson's fee held
for the dispute window and then paid to the school; after the last lesson the schools collect what is still held.
Checks at city size: every fen prepaid is with its school for a delivered lesson or still locked (mid-term and at
the end, institution by institution); every pupil got every lesson; no order was paid more lessons than it
bought; no fee left escrow inside its dispute window.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from pydantic import Field, model_validator

from ecny_sim import DAY, HOUR, MINUTE, fmt_fen, open_term, ScenarioParams, Term

CAP_PER_CHARGE_FEN = 500_000  # ¥5,000 per charge for non-subject training (13-department opinion, Dec 2022)
LESSONS_PER_WEEK = 2  # domain.md §3.1
#: Start times of lessons (minutes after midnight, Beijing time): after school, any day of the week (inferred).
LESSON_TIMES = (16 * 60 + 30, 18 * 60, 19 * 60 + 30)
ENROLMENT_DAYS = 5  # each institution's parents pay on one of the five evenings before the term (inferred)
ENROLMENT_TIME = 19 * HOUR
WALLET_BATCH = 200  # parents' wallets the bank opens per transaction
LATE_MINUTES = 10  # a lesson is recorded when it is given: at most this long after its timetabled start
SAMPLE = 50  # parents whose wallets and orders are read one by one (the aggregate checks cover everyone)


class Params(ScenarioParams):
    start: str = Field("2022-05-09 09:00", description="Futian's e-CNY prepaid platform opened in May 2022")
    pupils: int = Field(20_000, ge=1, le=100_000, description=(
        "parents enrolling one child each; the city study runs 1,000 to 100,000. Default: one district's term: "
        "Futian's platform opened with 200+ institutions signed (China Economic Herald, 12 May 2022), and 20,000 "
        "pupils fill about that many institutions of the sizes below"))
    class_size: int = Field(30, ge=1, le=200, description="pupils per class (inferred); an institution's last "
                            "class may be smaller")
    lessons: int = Field(20, ge=1, le=27, description=(
        "lessons in each course, two a week (domain.md §3.1); 27 is the most whose span fits the 3-month cap"))
    fee_per_lesson_fen: int = Field(15_000, ge=1, description="¥150 a lesson (domain.md §3.1)")
    smallest_institution: int = Field(15, ge=1, description="pupils at the smallest institution (inferred)")
    largest_institution: int = Field(3_000, ge=1, le=100_000, description=(
        "pupils at the largest (inferred: a big chain's centre). Sizes in between follow Zipf's law, as firm "
        "sizes do (Axtell, Science 2001): an institution is at least s pupils large with chance smallest/s, so "
        "half are one class or less and the mean is about 88 pupils"))
    seeded_wallets: bool = Field(True, description=(
        "parents' wallets opened and topped up as seeded state (written into the token, not sent as "
        "transactions): the term studies the escrow, not the bank's onboarding; false sends them as transactions"))

    @model_validator(mode="after")
    def _within_the_caps(self) -> "Params":
        if self.lessons * self.fee_per_lesson_fen > CAP_PER_CHARGE_FEN:
            raise ValueError(f"lessons x fee_per_lesson_fen is {fmt_fen(self.lessons * self.fee_per_lesson_fen)}, "
                             f"over the {fmt_fen(CAP_PER_CHARGE_FEN)} cap per charge: every order would be refused")
        if self.smallest_institution > self.largest_institution:
            raise ValueError("smallest_institution must not exceed largest_institution")
        return self


TEST_PARAMS = {"pupils": 100, "lessons": 4, "largest_institution": 75}


def institution_sizes(pupils: int, smallest: int, largest: int, rng: random.Random) -> list[int]:
    """Pupils per institution, drawn until every pupil has a place (integer draws only, so every platform gives
    the same sizes). Zipf: with k drawn from 1..K (K = largest // smallest) an institution has smallest·K // k
    pupils. The last institution takes what is left; a remainder smaller than ``smallest`` joins the one before."""
    top = max(1, largest // smallest)
    sizes: list[int] = []
    left = pupils
    while left:
        size = min(smallest * top // rng.randint(1, top), left)
        if left - size < smallest:
            size = left
        sizes.append(size)
        left -= size
    return sizes


def lesson_slots(midnight: int) -> list[int]:
    """First-lesson times of the term's first week (days 0 to 6 from ``midnight``, the term's first day): the
    second lesson of each week follows three days later at the same time."""
    return [midnight + day * DAY + minutes * MINUTE for day in range(7) for minutes in LESSON_TIMES]


@dataclass
class Institution:
    school: str
    parents: list[str]
    enrolment_day: int
    terms: list[Term] = field(default_factory=list)

    @property
    def paid_fen(self) -> int:
        return sum(o.fee_fen for t in self.terms for o in t.orders)


class Books:
    """What the run's transactions said, kept as they happen (one small record per order, nothing per event):
    lessons recorded and paid out per order, fees paid per institution, and lessons whose fee is still held."""

    def __init__(self, lessons: int):
        self.lessons = lessons
        self.school_of: dict[int, str] = {}
        self.recorded: dict[int, int] = {}
        self.released: dict[int, int] = {}
        self.held_until: dict[int, list[int]] = {}  # order -> when each held lesson's window closes, oldest first
        self.released_fen: dict[str, int] = {}
        self.skipped = 0
        self.early_releases = 0
        self.latest_record = 0  # seconds a lesson was recorded after its timetabled start, at most

    def enrolled(self, school: str, order_ids: list[int]) -> None:
        for order_id in order_ids:
            self.school_of[order_id] = school
            self.recorded[order_id] = self.released[order_id] = 0
            self.held_until[order_id] = []
        self.released_fen.setdefault(school, 0)

    def read(self, result, due: int | None = None) -> None:
        """One recordLesson or releaseMatured transaction: its lessons recorded, skipped and paid out."""
        if due is not None:
            self.latest_record = max(self.latest_record, result.timestamp - due)
        for ev in result.events:
            if ev.name == "LessonRecorded":
                order_id = ev.args["orderId"]
                self.recorded[order_id] += 1
                self.held_until[order_id].append(ev.args["releasableAt"])
            elif ev.name == "LessonsReleased":
                order_id, lessons = ev.args["orderId"], ev.args["lessons"]
                held = self.held_until[order_id]
                self.early_releases += sum(1 for until in held[:lessons] if until > result.timestamp)
                del held[:lessons]
                self.released[order_id] += lessons
                self.released_fen[self.school_of[order_id]] += ev.args["amountFen"]
            elif ev.name == "LessonSkipped":
                self.skipped += 1

    def never_over(self) -> bool:
        """No order had more lessons recorded than it bought, or more paid out than were recorded."""
        return all(self.released[o] <= self.recorded[o] <= self.lessons for o in self.recorded)


def run(sim, p: Params) -> None:
    rng = random.Random(sim.seed)  # seeded: the same seed gives the same city, timetable and run
    plan = sim.deploy_prepaid("escrow")
    fee = p.lessons * p.fee_per_lesson_fen
    window = plan.rules.dispute_window_hours * HOUR
    books = Books(p.lessons)
    midnight = (p.start_ts + 8 * HOUR) // DAY * DAY - 8 * HOUR  # the start day's midnight, Beijing time
    slots = lesson_slots(midnight + 7 * DAY)  # the term begins a week after the platform opens

    sizes = institution_sizes(p.pupils, p.smallest_institution, p.largest_institution, rng)
    institutions, first = [], 0
    for i, size in enumerate(sizes):
        parents = [f"parent:{n + 1:06d}" for n in range(first, first + size)]
        institutions.append(Institution(f"school:{i + 1:04d}", parents, rng.randint(1, ENROLMENT_DAYS)))
        first += size

    # Day 0: the regulator approves every institution and each publishes one course per class.
    for inst in sim.progress(institutions, "Institutions publishing their classes"):
        for _ in range(0, len(inst.parents), p.class_size):
            inst.terms.append(open_term(sim, plan, inst.school, lessons=p.lessons,
                                        fee_per_lesson_fen=p.fee_per_lesson_fen, lessons_per_week=LESSONS_PER_WEEK,
                                        first_lesson=slots[rng.randrange(len(slots))]))
    classes = sum(len(inst.terms) for inst in institutions)
    ordered = sorted(sizes)
    sim.say(f"{len(institutions):,} institutions approved, {classes:,} classes published: "
            f"{ordered[0]:,} to {ordered[-1]:,} pupils an institution (median {ordered[len(ordered) // 2]:,}); "
            f"{sum(1 for s in sizes if s <= p.class_size):,} with a single class")

    # Enrolment evenings: all of one evening's parents get their wallets, top them up and enrol at 19:00.
    for day in range(1, ENROLMENT_DAYS + 1):
        tonight = [inst for inst in institutions if inst.enrolment_day == day]
        if not tonight:
            continue
        sim.at(max(sim.now, midnight + day * DAY + ENROLMENT_TIME))
        parents = [parent for inst in tonight for parent in inst.parents]
        if p.seeded_wallets:
            sim.token.seed_wallets({parent: fee for parent in parents})
        else:
            for batch in sim.in_batches(parents, WALLET_BATCH, "Opening parents' wallets"):
                sim.token.open_wallets(batch)
            for parent in sim.progress(parents, "Parents topping up their wallets"):
                sim.token.issue(parent, fee)
        for inst in sim.progress(tonight, "Parents enrolling, institution by institution"):
            for c, term in enumerate(inst.terms):
                term.enrol(sim, inst.parents[c * p.class_size:(c + 1) * p.class_size])
                books.enrolled(inst.school, term.order_ids)
    paid_in = fee * p.pupils
    sim.say(f"{p.pupils:,} parents prepaid {fmt_fen(fee)} each: {fmt_fen(plan.locked_total())} locked in their "
            f"own wallets ({fmt_fen(paid_in)} paid in)")

    # The term: at each lesson time, every class timetabled then is recorded, one transaction per class.
    timetable: dict[int, list[Term]] = {}
    for inst in institutions:
        for term in inst.terms:
            for when in term.schedule:
                timetable.setdefault(when, []).append(term)
    moments = sorted(timetable)
    midterm = moments[(len(moments) - 1) // 2]
    for when in sim.progress(moments, "Lesson times"):
        sim.at(max(sim.now, when))
        for term in timetable[when]:
            books.read(term.record_next_lesson(sim), due=when)
        if when == midterm:
            held = plan.locked_total()
            sim.say(f"mid-term: {fmt_fen(paid_in - held)} paid to schools for lessons given, {fmt_fen(held)} "
                    "still locked")
            _check_money(sim, plan, institutions, books, paid_in)

    # Settlement: once the last lessons' dispute windows have passed, each school collects what is still held.
    sim.at(max(sim.now, moments[-1] + window + HOUR))
    for inst in sim.progress(institutions, "Schools collecting the last lessons' fees"):
        for term in inst.terms:
            books.read(plan.release_matured(inst.school, term.course_id, term.order_ids))
    sim.say(f"term over: {p.lessons} lessons for each of {classes:,} classes; the schools received "
            f"{fmt_fen(sum(books.released_fen.values()))}, {fmt_fen(plan.locked_total())} left locked")
    _check_end(sim, plan, institutions, books, p, rng)


def _check_money(sim, plan, institutions: list[Institution], books: Books, paid_in: int) -> None:
    """Every fen prepaid is with its school for a delivered lesson or still locked, institution by institution
    (two reads each, not one per parent), and over the whole city."""
    each = all(sim.token.balance(inst.school) == books.released_fen[inst.school]
               and plan.supervised_balance(inst.school) == inst.paid_fen - books.released_fen[inst.school]
               for inst in institutions)
    city = plan.locked_total() + sum(books.released_fen.values()) == paid_in
    sim.check("every fen prepaid is with its school for a delivered lesson or still locked", each and city)


def _check_end(sim, plan, institutions: list[Institution], books: Books, p: Params, rng: random.Random) -> None:
    _check_money(sim, plan, institutions, books, p.pupils * p.lessons * p.fee_per_lesson_fen)
    sim.check("each institution received exactly its pupils' fees for every lesson", all(
        sim.token.balance(inst.school) == len(inst.parents) * p.lessons * p.fee_per_lesson_fen
        for inst in institutions))
    sim.check("every pupil had every lesson recorded, none skipped",
              books.skipped == 0 and all(n == p.lessons for n in books.recorded.values()))
    sim.check("no order was paid more lessons than it bought or than were recorded", books.never_over())
    sim.check("no fee left escrow before its dispute window closed", books.early_releases == 0)
    sim.check(f"every lesson was recorded within {LATE_MINUTES} minutes of its timetabled start",
              books.latest_record <= LATE_MINUTES * MINUTE)
    sim.check("nothing left locked", plan.locked_total() == 0)
    # Schools hold everything issued, so every parent's wallet is empty: each paid exactly the fee, no more.
    sim.check("parents' wallets are empty: the schools hold every fen issued",
              sim.token.total_supply() == sum(sim.token.balance(inst.school) for inst in institutions))
    orders = [o for inst in institutions for t in inst.terms for o in t.orders]
    sample = rng.sample(orders, min(SAMPLE, len(orders)))
    sim.check("every order completed", all(plan.order_state(o.id) == "Completed" for o in sample)
              and all(n == p.lessons for n in books.released.values()))
