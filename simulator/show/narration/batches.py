"""Which sentence a batch of like events gets when one transaction has several: wallets opened, shops or payees
registered, a lesson recorded for a class and its fees paid out, orders passed over, firms admitted, tranches
paid, a pay run's wages. A batch is told in one sentence (or one per milestone, purpose or payer)."""

from __future__ import annotations

from collections import Counter
from typing import Any

from .contracts import TIER_NAME_BY_ID
from .names import Names

SKIP_REASONS = ("NotInCourse", "WrongInstitution", "NotActive", "Disputed", "NothingLeft", "CourseNotEnded",
                "TooManyHeld", "Repeated", "AheadOfTimetable", "SchoolWalletClosed", "WalletCannotReceive")
#: Events told together, by contract, when one transaction has several.
BATCHED = frozenset({"LessonRecorded", "LessonDelivered", "LessonsReleased", "LessonSkipped", "WalletOpened",
                     "TierSet", "MerchantRegistered", "DepositReleased", "PayeeRegistered", "FirmAdmitted",
                     "TranchePaid", "WageAssigned", "WagePaid"})


class Batches(Names):
    def batch(self, record: Any, name: str, evs: list, events: list, has_recorded: bool) -> list[str]:
        tell = {"TierSet": self.tiers_set, "WalletOpened": self.wallets_opened,
                "MerchantRegistered": self.merchants_registered, "LessonRecorded": self.lessons_taught,
                "LessonDelivered": self.lessons_taught, "LessonsReleased": self.lessons_released,
                "LessonSkipped": self.lessons_skipped, "DepositReleased": self.deposits_released,
                "PayeeRegistered": self.payees_registered, "FirmAdmitted": self.firms_admitted,
                "TranchePaid": self.tranches_paid, "WageAssigned": self.wages_assigned, "WagePaid": self.wages_paid}
        return tell[name](record, name, evs, events, has_recorded)

    # ------------------------------------------------------------------ e-CNY set-up
    def tiers_set(self, record: Any, name: str, evs: list, events: list, has_recorded: bool) -> list[str]:
        return [self.w._("The bank sets the limits of each kind of wallet: how much it may hold and pay")]

    def wallets_opened(self, record: Any, name: str, evs: list, events: list, has_recorded: bool) -> list[str]:
        w = self.w
        tiers = Counter(e.args["tier"] for e in evs)
        tier = TIER_NAME_BY_ID.get(tiers.most_common(1)[0][0]) if len(tiers) == 1 else None
        names = [self.name(e.args["wallet"]) for e in evs]
        if len(evs) == 1:
            # TRANSLATORS: {a_wallet} is one new wallet ("a lowest-tier wallet").
            return [w._("The bank opens {a_wallet} for {name}", a_wallet=w.one_wallet(tier), name=names[0])]
        facts = dict(tier=w.tier(tier), first=names[0], last=names[-1])
        if facts["tier"]:
            # TRANSLATORS: {n} is a number (always more than one), {tier} a kind of wallet ("lowest-tier").
            return [w.n_("The bank opens {n} {tier} wallet, for {first} to {last}",
                         "The bank opens {n} {tier} wallets, for {first} to {last}", len(evs), **facts)]
        return [w.n_("The bank opens {n} wallet, for {first} to {last}",
                     "The bank opens {n} wallets, for {first} to {last}", len(evs), **facts)]

    def merchants_registered(self, record: Any, name: str, evs: list, events: list, has_recorded: bool) -> list[str]:
        w = self.w
        codes = {e.args["district"] for e in evs}
        where = self.district(next(iter(codes))) if len(codes) == 1 else None
        names = [self.name(e.args["merchant"]) for e in evs]
        facts = dict(registrar=self.actor(record.actor), shops=w.count(len(evs), "shop"),
                     names=names[0] if len(evs) == 1 else w.range(names[0], names[-1]))
        if where:
            # TRANSLATORS: {shops} is a count ("4 shops"), {names} one name or a range of them.
            return [w._("{registrar} registers {shops} in {district}: {names}", district=where, **facts)]
        return [w._("{registrar} registers {shops}: {names}", **facts)]

    # ------------------------------------------------------------------ lessons
    def lessons_taught(self, record: Any, name: str, evs: list, events: list, has_recorded: bool) -> list[str]:
        w = self.w
        contract = evs[0].contract
        lesson = Counter(e.args["lessonNumber"] for e in evs).most_common(1)[0][0]
        course = self.known.course_of_order(contract, evs[0].args["orderId"])
        facts = dict(lesson=lesson, pupils=w.count(len(evs), "pupil"),
                     school=self.name(course.institution) if course else self.actor(record.actor))
        if name == "LessonDelivered":
            return [w._("Lesson {lesson} is taught to {pupils} at {school}; no money moves, because the school was "
                        "paid in advance", **facts)]
        until = w.time(max(e.args["releasableAt"] for e in evs))
        fee = w.money(course.fee) if course else w.unknown_amount()
        # TRANSLATORS: {fee} is one lesson's fee; {until} the time the parents' time to dispute it ends.
        return [w._("Lesson {lesson} is recorded for {pupils} at {school}: each {fee} stays locked in the parent's "
                    "wallet until {until}, in case a parent says it was not taught", fee=fee, until=until, **facts)]

    def lessons_released(self, record: Any, name: str, evs: list, events: list, has_recorded: bool) -> list[str]:
        w, m = self.w, self.w.money
        contract = evs[0].contract
        amounts = [e.args["amountFen"] for e in evs]
        payee = next((e.args["payee"] for e in events if e.name in ("EarmarksReleased", "EarmarkReleased")), None)
        if payee is None:
            course = self.known.course_of_order(contract, evs[0].args["orderId"])
            payee = course.institution if course else None
        numbers = {e.args["lessonsReleased"] for e in evs}
        lesson = next(iter(numbers)) if len(numbers) == 1 and all(e.args["lessons"] == 1 for e in evs) else None
        parents = {self.parent_of(contract, e.args["orderId"]) for e in evs}
        facts = dict(lead=self.release_lead(record.function, lesson, has_recorded), total=m(sum(amounts)),
                     payee=self.name(payee) if payee else self.actor(record.actor))
        if len(evs) == 1 or len(parents) == 1:
            # TRANSLATORS: {lead} says which lessons ("Lesson 3 is recorded"); {parents} is a count ("6 parents").
            return [w._("{lead}: {total} goes from {parent_s} locked money to {payee}",
                        parent_s=w.possessive(next(iter(parents))), **facts)]
        if len(set(amounts)) == 1:
            return [w._("{lead}: {each} goes from each of {parents}' locked money to {payee}", each=m(amounts[0]),
                        parents=w.count(len(evs), "parent"), **facts)]
        return [w._("{lead}: {total} in all goes from {parents}' locked money to {payee}",
                    parents=w.count(len(evs), "parent"), **facts)]

    def release_lead(self, function: str, lesson: int | None, has_recorded: bool) -> str:
        """Why lessons' fees are paid out: a lesson recorded, the time to dispute earlier lessons over, ..."""
        w = self.w
        if function == "recordLesson" and not has_recorded:
            return (w._("Lesson {lesson} is recorded", lesson=lesson) if lesson is not None
                    else w._("A lesson is recorded"))
        if function == "recordLesson":
            return (w._("The time to dispute lesson {lesson} is over", lesson=lesson) if lesson is not None
                    else w._("The time to dispute earlier lessons is over"))
        if function == "releaseMatured":
            return (w._("The time to dispute lesson {lesson} is over", lesson=lesson) if lesson is not None
                    else w._("The time to dispute these lessons is over"))
        return w._("Lesson {lesson} is paid for", lesson=lesson) if lesson is not None else w._("Lessons are paid for")

    def lessons_skipped(self, record: Any, name: str, evs: list, events: list, has_recorded: bool) -> list[str]:
        w = self.w
        contract = evs[0].contract
        reasons: list[str] = []
        for e in evs:
            r = e.args["reason"]
            text = self.skip_reason(SKIP_REASONS[r] if isinstance(r, int) and 0 <= r < len(SKIP_REASONS) else str(r))
            if text not in reasons:
                reasons.append(text)
        if len(evs) <= 3:
            owners = w.names([w.possessive(self.parent_of(contract, e.args["orderId"])) for e in evs])
            # TRANSLATORS: {owners} lists parents in the possessive ("parent:li's and parent:bo's"); {reasons} why.
            return [w.n_("{owners} order is passed over: {reasons}", "{owners} orders are passed over: {reasons}",
                         len(evs), owners=owners, reasons=w.listed(reasons))]
        return [w.n_("{n} order is passed over: {reasons}", "{n} orders are passed over: {reasons}", len(evs),
                     reasons=w.listed(reasons))]

    def skip_reason(self, reason: str) -> str:
        w = self.w
        return {
            "NotInCourse": lambda: w.p_("why an order is passed over", "not in this course"),
            "WrongInstitution": lambda: w.p_("why an order is passed over", "of another school"),
            "NotActive": lambda: w.p_("why an order is passed over", "no longer active"),
            "Disputed": lambda: w.p_("why an order is passed over", "disputed"),
            "NothingLeft": lambda: w.p_("why an order is passed over", "nothing left to pay"),
            "CourseNotEnded": lambda: w.p_("why an order is passed over", "the course has not ended"),
            "TooManyHeld": lambda: w.p_("why an order is passed over", "too many lessons already waiting"),
            "Repeated": lambda: w.p_("why an order is passed over", "listed twice in one batch"),
            "AheadOfTimetable": lambda: w.p_("why an order is passed over", "ahead of the timetable"),
            "SchoolWalletClosed": lambda: w.p_("why an order is passed over",
                                               "the school closed its wallet, so its fee goes back"),
            "WalletCannotReceive": lambda: w.p_("why an order is passed over", "the wallet cannot take the money now"),
        }.get(reason, lambda: w.p_("why an order is passed over", "cannot take it"))()

    def deposits_released(self, record: Any, name: str, evs: list, events: list, has_recorded: bool) -> list[str]:
        w = self.w
        schools = w.names([self.name(i) for i in sorted({e.args["institution"] for e in evs})])
        return [w._("The course is over: {total} of deposit for {orders} is unlocked for {schools}", schools=schools,
                    total=w.money(sum(e.args["amountFen"] for e in evs)), orders=w.count(len(evs), "order"))]

    # ------------------------------------------------------------------ grants and wages
    def payees_registered(self, record: Any, name: str, evs: list, events: list, has_recorded: bool) -> list[str]:
        w = self.w
        told = []
        for purpose in dict.fromkeys(e.args["purpose"] for e in evs):
            names = [self.name(e.args["payee"]) for e in evs if e.args["purpose"] == purpose]
            facts = dict(registrar=self.actor(record.actor), purpose=w.purpose(purpose))
            if len(names) > 3:
                # TRANSLATORS: {payees} is a count ("5 payees"), {first} and {last} two of their names.
                told.append(w._("{registrar} registers {payees} ({first} to {last}) for {purpose}",
                                payees=w.count(len(names), "payee"), first=names[0], last=names[-1], **facts))
            else:
                told.append(w.n_("{registrar} registers {names} as a payee for {purpose}",
                                 "{registrar} registers {names} as payees for {purpose}", len(names),
                                 names=w.names(names), **facts))
        return told

    def firms_admitted(self, record: Any, name: str, evs: list, events: list, has_recorded: bool) -> list[str]:
        w, m = self.w, self.w.money
        programme = self.contract_name(evs[0].contract)
        if len(evs) == 1:
            a = evs[0].args
            # TRANSLATORS: {tranches} is a count ("3 tranches").
            return [w._("{firm} is admitted to {programme}: a grant of {size} in {tranches}, each paid when a "
                        "milestone is reached", firm=self.name(a["firm"]), size=m(a["sizeFen"]),
                        tranches=w.count(a["tranches"], "tranche"), programme=programme)]
        sizes = {e.args["sizeFen"] for e in evs}
        tranches = {e.args["tranches"] for e in evs}
        # TRANSLATORS: stands for a count of tranches when the firms' grants have different counts ("in tranches").
        count = w.count(next(iter(tranches)), "tranche") if len(tranches) == 1 else w.p_("tranches of differing counts",
                                                                                         "tranches")
        facts = dict(firms=w.who([self.name(e.args["firm"]) for e in evs], "firm"), programme=programme,
                     tranches=count)
        if len(sizes) == 1:
            return [w._("{firms} are admitted to {programme}: grants of {size} each, in {tranches}, each paid when a "
                        "milestone is reached", size=m(next(iter(sizes))), **facts)]
        return [w._("{firms} are admitted to {programme}: grants of {total} in all, in {tranches}, each paid when a "
                    "milestone is reached", total=m(sum(e.args["sizeFen"] for e in evs)), **facts)]

    def tranches_paid(self, record: Any, name: str, evs: list, events: list, has_recorded: bool) -> list[str]:
        w, m = self.w, self.w.money
        allowed = w.allowed_payees(self.allowed(evs[0].contract))
        told = []
        for milestone in dict.fromkeys(e.args["milestone"] for e in evs):
            batch = [e for e in evs if e.args["milestone"] == milestone]
            if len(batch) == 1:
                a = batch[0].args
                # TRANSLATORS: {allowed} is whom grant money may pay ("payees registered for payroll or rent").
                told.append(w._("{firm} reaches milestone {milestone}: {amount} of grant money goes into its wallet, "
                                "to be paid only to {allowed}", firm=self.name(a["firm"]), milestone=milestone + 1,
                                amount=m(a["amountFen"]), allowed=allowed))
                continue
            amounts = {e.args["amountFen"] for e in batch}
            facts = dict(firms=w.who([self.name(e.args["firm"]) for e in batch], "firm"), milestone=milestone + 1,
                         total=m(sum(e.args["amountFen"] for e in batch)), allowed=allowed)
            if len(amounts) == 1:
                told.append(w._("{firms} reach milestone {milestone}: {each} of grant money goes into each one's "
                                "wallet, {total} in all, to be paid only to {allowed}", each=m(next(iter(amounts))),
                                **facts))
            else:
                told.append(w._("{firms} reach milestone {milestone}: {total} of grant money in all goes into their "
                                "wallets, to be paid only to {allowed}", **facts))
        return told

    def wages_assigned(self, record: Any, name: str, evs: list, events: list, has_recorded: bool) -> list[str]:
        contract = evs[0].contract
        if any(e.name == "PayrollFunded" and e.contract == contract for e in events):
            return []  # the pay run's own sentence tells the wages
        told = []
        for run in dict.fromkeys(e.args["payrollId"] for e in evs):
            batch = [e for e in evs if e.args["payrollId"] == run]
            # TRANSLATORS: {run} is a pay run's number; {workers} names or counts them.
            told.append(self.w._("Pay run {run} lists {workers}, {total} of wages in all", run=run,
                                 workers=self.w.who([self.name(e.args["worker"]) for e in batch], "worker"),
                                 total=self.w.money(sum(e.args["amountFen"] for e in batch))))
        return told

    def wages_paid(self, record: Any, name: str, evs: list, events: list, has_recorded: bool) -> list[str]:
        w, m = self.w, self.w.money
        c = self.known[evs[0].contract]
        sub = self.party(c.sub, "sub")
        told = []
        for by in dict.fromkeys(e.args["paidBy"] for e in evs):
            batch = [e for e in evs if e.args["paidBy"] == by]
            amounts = [e.args["amountFen"] for e in batch]
            facts = dict(workers=w.who([self.name(e.args["worker"]) for e in batch], "worker"), sub_s=w.possessive(sub),
                         amount=m(sum(amounts)), each=m(amounts[0]), by=self.name(by))
            by_sub = c.sub and by.lower() == c.sub.lower()  # else someone else pays them: payday has come
            if len(batch) == 1 and by_sub:
                told.append(w._("{workers} gets {amount} of wages from {sub_s} wallet", **facts))
            elif len(batch) == 1:
                told.append(w._("{workers} gets {amount} of wages from {sub_s} wallet, paid out by {by} because "
                                "payday has come", **facts))
            elif len(set(amounts)) == 1 and by_sub:
                told.append(w._("{workers} get {each} of wages each from {sub_s} wallet, {amount} in all", **facts))
            elif len(set(amounts)) == 1:
                told.append(w._("{workers} get {each} of wages each from {sub_s} wallet, {amount} in all, paid out by "
                                "{by} because payday has come", **facts))
            elif by_sub:
                told.append(w._("{workers} get their wages from {sub_s} wallet, {amount} in all", **facts))
            else:
                told.append(w._("{workers} get their wages from {sub_s} wallet, {amount} in all, paid out by {by} "
                                "because payday has come", **facts))
        return told
