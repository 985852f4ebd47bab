"""Which sentence one event gets: a deployment, a wallet's money moving or locked, a school's course, order,
refund or dispute, a red packet (the subsidy contracts' events are in subsidies.py). Batches of like events
(lessons, wallets opened, tranches, wages) are told together in batches.py."""

from __future__ import annotations

from typing import Any

from ...chain.clock import DAY, HOUR
from .contracts import MAX_UINT, TIER_NAME_BY_ID
from .subsidies import SubsidySentences


class Sentences(SubsidySentences):
    # ------------------------------------------------------------------ a transaction without events to tell
    def quiet(self, record: Any) -> str:
        """A successful transaction without events of its own worth telling."""
        a = record.args
        if record.function == "approveEarmark" and len(a) == 2:
            return self.earmark_approval(self.actor(record.actor), self.name(a[0]), a[1])
        return self.nothing_happened(record)

    def nothing_happened(self, record: Any) -> str:
        # TRANSLATORS: {function} is the name of a contract's function in code.
        return self.w._("{actor} calls {function} on {contract}; nothing changes", actor=self.actor(record.actor),
                        function=record.function, contract=self.contract_name(record.contract))

    def earmark_approval(self, wallet: str, controller: str, amount_fen: int) -> str:
        w = self.w
        if amount_fen >= MAX_UINT // 2:
            return w.by_kind(wallet, w.p_("organisation", "{wallet} allows {controller} to lock its money when needed"),
                             w.p_("person", "{wallet} allows {controller} to lock their money when needed"),
                             wallet=wallet, controller=controller)
        return w.by_kind(wallet, w.p_("organisation", "{wallet} allows {controller} to lock up to {amount} of its "
                                      "money"),
                         w.p_("person", "{wallet} allows {controller} to lock up to {amount} of their money"),
                         wallet=wallet, controller=controller, amount=w.money(amount_fen))

    # ------------------------------------------------------------------ deployments
    def deployment(self, record: Any, events: list) -> list[str]:
        w, n = self.w, self.name
        c = self.known[record.contract]
        told = []
        for ev in events:
            if ev.name == "RegulatorSet":
                regulator = n(ev.args["regulator"])
                if regulator == w.role("regulator"):
                    told.append(w._("The bank starts the e-CNY system; the regulator may freeze wallets"))
                else:
                    told.append(w._("The bank starts the e-CNY system, with {regulator} as the regulator",
                                    regulator=regulator))
            elif ev.name == "RulesUpdated":
                told.append(self.rules(record.contract, ev.args["rules"], initial=True))
            else:
                told.append(self.event(record, ev, events, {}))
        if told:
            return [t for t in told if t]
        if c.kind == "campaign" and c.terms:
            # TRANSLATORS: {where} is where packets can be spent ("Luohu shops"); {start} and {expiry} are times.
            return [w._("A red-packet campaign paid for by {funder} is set up: packets can be spent at {where} from "
                        "{start} until {expiry}", funder=n(c.funder), where=self.campaign_where(c),
                        start=w.time(c.terms["start"]), expiry=w.until(c.terms["expiry"]))]
        if c.kind == "registry" and c.registrar:
            return [w._("A register of shops is set up, kept by {registrar}", registrar=n(c.registrar))]
        if c.kind == "payees" and c.registrar:
            return [w._("A register of payees for grant money is set up, kept by {registrar}: each payee is "
                        "registered for one purpose", registrar=n(c.registrar))]
        if c.kind == "grants" and c.terms:
            return [self.grant_rules(record.contract, c)]
        if c.kind == "conditional":
            window = self.duration(c.window or 0)
            facts = dict(actor=self.actor(record.actor), contract=self.contract_name(record.contract), window=window)
            if window:
                # TRANSLATORS: {window} is how long the verifier has to decide a dispute ("30 days").
                return [w._("{actor} sets up {contract}: the payer's money is locked in the payer's own wallet and "
                            "goes to the payee only when the condition is confirmed; in a dispute the verifier has "
                            "{window} to decide, or the money goes back", **facts)]
            return [w._("{actor} sets up {contract}: the payer's money is locked in the payer's own wallet and goes "
                        "to the payee only when the condition is confirmed", **facts)]
        if c.kind == "wages" and c.main and c.sub:
            main, sub = n(c.main), n(c.sub)
            return [w._("A wage contract is set up for {main}, the main contractor, and {sub}, the subcontractor: "
                        "wages pass through {sub_s} wallet but can only be paid to the workers listed",
                        main=main, sub=sub, sub_s=w.possessive(sub))]
        return [w._("{actor} sets up {contract}", actor=self.actor(record.actor),
                    contract=self.contract_name(record.contract))]

    def grant_rules(self, label: str, c: Any) -> str:
        w, rules = self.w, c.terms
        rate, exclusion = rules.get("interestRateBps", 0), rules.get("exclusionDays", 0)
        facts = dict(department=self.name(c.funder), agency=self.name(c.agency),
                     allowed=w.allowed_payees(self.allowed(label)), promise=w.span(rules.get("promiseDays", 0)),
                     rate=w.percent(rate), exclusion=w.span(exclusion))
        if rate and exclusion:
            # TRANSLATORS: {allowed} is whom grant money may pay ("payees registered for payroll, rent or suppliers");
            # {promise} and {exclusion} are periods ("15 years"); {rate} is a yearly rate ("3.45%").
            return w._("{department} sets up a grant programme, with {agency} checking the milestones: grant money "
                       "may only pay {allowed}; a firm promises to stay {promise}, or pays it all back with {rate} "
                       "yearly interest; a firm caught cheating gets no new grant for {exclusion}", **facts)
        if rate:
            return w._("{department} sets up a grant programme, with {agency} checking the milestones: grant money "
                       "may only pay {allowed}; a firm promises to stay {promise}, or pays it all back with {rate} "
                       "yearly interest", **facts)
        if exclusion:
            return w._("{department} sets up a grant programme, with {agency} checking the milestones: grant money "
                       "may only pay {allowed}; a firm promises to stay {promise}, or pays it all back; a firm "
                       "caught cheating gets no new grant for {exclusion}", **facts)
        return w._("{department} sets up a grant programme, with {agency} checking the milestones: grant money may "
                   "only pay {allowed}; a firm promises to stay {promise}, or pays it all back", **facts)

    def rules(self, contract: str, rules: dict, initial: bool) -> str:
        w = self.w
        window = rules.get("disputeWindow", 0)
        told = window and self.known[contract].kind == "escrow"
        facts = dict(contract=self.contract_name(contract), charge=w.money(rules["maxChargeFen"]),
                     hours=w.count(rules["maxClassHoursPerOrder"], "class hour"),
                     days=w.count(rules["maxOrderSpan"] // DAY, "day"), window=w.count(window // HOUR, "hour"))
        if initial and told:
            # TRANSLATORS: {charge} is an amount; {hours}, {days} and {window} are counts ("60 class hours").
            return w._("{contract} starts with the regulator's caps: at most {charge} per payment, {hours} and {days} "
                       "per order, and {window} to dispute a lesson", **facts)
        if initial:
            return w._("{contract} starts with the regulator's caps: at most {charge} per payment, {hours} and {days} "
                       "per order", **facts)
        if told:
            return w._("The regulator changes the caps of {contract}: at most {charge} per payment, {hours} and "
                       "{days} per order, and {window} to dispute a lesson", **facts)
        return w._("The regulator changes the caps of {contract}: at most {charge} per payment, {hours} and {days} "
                   "per order", **facts)

    # ------------------------------------------------------------------ single events
    def event(self, record: Any, ev: Any, events: list, by_order: dict) -> str | None:
        name = ev.name
        for tell in (self.ecny_event, self.tuition_event, self.packet_event, self.subsidy_event):
            sentence = tell(record, ev, events, by_order)
            if sentence is not None:
                return sentence
        return self.unknown_event(ev.contract, name)

    def ecny_event(self, record: Any, ev: Any, events: list, by_order: dict) -> str | None:
        w, a, n = self.w, ev.args, self.name
        m, s, name = w.money, w.possessive, ev.name
        if name == "RegulatorSet":
            return w._("{regulator} is now the regulator who may freeze wallets", regulator=n(a["regulator"]))
        if name == "ControllerSet":
            if a["enabled"]:
                return w._("The bank lets {controller} lock money inside people's wallets",
                           controller=n(a["controller"]))
            return w._("The bank stops {controller} locking any more money in wallets", controller=n(a["controller"]))
        if name == "WalletTierChanged":
            wallet = n(a["wallet"])
            tier = w.tier(TIER_NAME_BY_ID.get(a["tier"])) or str(a["tier"])
            per = self.known.tier_limits.get(a["tier"], {}).get("perPaymentFen", 0)
            if per:
                # TRANSLATORS: {tier} is a kind of wallet ("lowest-tier"); {limit} an amount.
                return w._("The bank moves {wallet_s} wallet to the {tier} kind: it may now pay up to {limit} at once",
                           wallet_s=s(wallet), tier=tier, limit=m(per))
            return w._("The bank moves {wallet_s} wallet to the {tier} kind: it has no payment limit now",
                       wallet_s=s(wallet), tier=tier)
        wallet = n(a["wallet"]) if "wallet" in a else ""
        if name == "WalletClosed":
            return w.by_kind(wallet, w.p_("organisation", "{wallet} closes its wallet, and the {amount} of its own "
                                          "money left in it goes to its bank account"),
                             w.p_("person", "{wallet} closes their wallet, and the {amount} of their own money left "
                                  "in it goes to their bank account"), wallet=wallet, amount=m(a["redeemedFen"]))
        if name == "WalletFrozen":
            return w._("The regulator freezes {wallet_s} wallet: it can no longer pay or cash out", wallet_s=s(wallet))
        if name == "WalletUnfrozen":
            return w._("The regulator unfreezes {wallet_s} wallet: it can pay again", wallet_s=s(wallet))
        if name == "Issued":
            return w.by_kind(wallet, w.p_("organisation", "{wallet} tops up its wallet with {amount} from its bank "
                                          "account"),
                             w.p_("person", "{wallet} tops up their wallet with {amount} from their bank account"),
                             wallet=wallet, amount=m(a["amountFen"]))
        if name == "Redeemed":
            return w.by_kind(wallet, w.p_("organisation", "{wallet} cashes {amount} out of its wallet to its bank "
                                          "account"),
                             w.p_("person", "{wallet} cashes {amount} out of their wallet to their bank account"),
                             wallet=wallet, amount=m(a["amountFen"]))
        if name == "Transfer":
            payer = n(a["from"])
            return w.by_kind(payer, w.p_("organisation", "{payer} pays {amount} of its own money to {payee}"),
                             w.p_("person", "{payer} pays {amount} of their own money to {payee}"),
                             payer=payer, payee=n(a["to"]), amount=m(a["amountFen"]))
        if name == "EarmarkApproval":
            return self.earmark_approval(wallet, n(a["controller"]), a["amountFen"])
        if name == "Earmarked":
            # TRANSLATORS: {controller} is the contract that locks the money.
            return w.by_kind(wallet, w.p_("organisation", "{amount} of {wallet_s} money is locked in its own wallet "
                                          "by {controller}"),
                             w.p_("person", "{amount} of {wallet_s} money is locked in their own wallet by "
                                  "{controller}"),
                             wallet_s=s(wallet), controller=n(a["controller"]), amount=m(a["amountFen"]))
        if name == "EarmarkReleased":
            return w._("{amount} locked in {wallet_s} wallet goes to {payee}", wallet_s=s(wallet), payee=n(a["payee"]),
                       amount=m(a["amountFen"]))
        if name == "EarmarksReleased":
            return w._("{amount} locked in {wallets} goes to {payee}", wallets=w.count(a["wallets"], "wallet"),
                       payee=n(a["payee"]), amount=m(a["amountFen"]))
        if name == "EarmarkReturned":
            return w.by_kind(wallet, w.p_("organisation", "{amount} locked in {wallet_s} wallet is unlocked: it is its "
                                          "to spend again"),
                             w.p_("person", "{amount} locked in {wallet_s} wallet is unlocked: it is theirs to spend "
                                  "again"), wallet_s=s(wallet), amount=m(a["amountFen"]))
        if name == "EarmarkMoved":
            return w._("{amount} locked in {sender_s} wallet moves to {receiver_s} wallet, still locked",
                       sender_s=s(n(a["from"])), receiver_s=s(n(a["to"])), amount=m(a["amountFen"]))
        if name == "AllEarmarksEnded":
            return w._("{controller} ends every lock it holds: {amount} goes to {receiver}",
                       controller=n(a["controller"]), receiver=n(a["to"]), amount=m(a["amountFen"]))
        return None

    def tuition_event(self, record: Any, ev: Any, events: list, by_order: dict) -> str | None:
        w, a, n = self.w, ev.args, self.name
        m, s, name = w.money, w.possessive, ev.name
        if name == "RulesUpdated":
            return self.rules(ev.contract, a["rules"], initial=False)
        school = n(a["institution"]) if "institution" in a else ""
        if name == "InstitutionApproved":
            return w._("The regulator approves {school} to take prepaid fees through {contract}", school=school,
                       contract=self.contract_name(ev.contract))
        if name == "InstitutionFrozen":
            return w._("The regulator freezes {school}: it can no longer receive anything", school=school)
        if name == "ClosureAnnounced":
            return w._("{school} announces it will close on {date}: no new pupils from now, and parents may leave "
                       "with a refund", school=school, date=w.time(a["closesAt"]))
        if name == "CoursePublished":
            return w._("{school} offers a course of {lessons} at {fee} each, from {start} to {end}", school=school,
                       lessons=w.count(a["lessons"], "lesson"), fee=m(a["feePerLessonFen"]), start=w.date(a["start"]),
                       end=w.date(a["end"]))
        if name == "OrderPlaced":
            return self.enrolment(ev, events)
        if name == "OrderCancelled":
            return w._("{parent} leaves the course and gets {refund} back at once for {lessons} not taught",
                       parent=n(a["parent"]), refund=m(a["refundFen"]), lessons=w.count(a["lessonsUnused"], "lesson"))
        if name == "OrderRefunded":
            return self.refund(ev, by_order, record)
        if name == "DepositLocked":
            return w._("{amount} of {parent_s} fee is locked in {school_s} wallet as a risk deposit",
                       parent_s=s(self.parent_of(ev.contract, a["orderId"])), school_s=s(school),
                       amount=m(a["amountFen"]))
        if name == "DepositShared":
            return w._("{parent} gets {amount} from the school's deposit", parent=n(a["parent"]),
                       amount=m(a["amountFen"]))
        if name == "LessonsDisputed":
            course = self.known.course_of_order(ev.contract, a["orderId"])
            held = a["lessonsHeld"]
            facts = dict(parent=n(a["parent"]), amount=m(held * course.fee) if course else w.unknown_amount())
            if held == 1:
                return w._("{parent} says the lesson was not taught and disputes it: the {amount} stays locked in "
                           "their wallet until the regulator decides", **facts)
            return w.n_("{parent} says {n} lesson was not taught and disputes it: the {amount} stays locked in their "
                        "wallet until the regulator decides",
                        "{parent} says {n} lessons were not taught and disputes them: the {amount} stays locked in "
                        "their wallet until the regulator decides", held, **facts)
        if name == "DisputeResolved":
            course = self.known.course_of_order(ev.contract, a["orderId"])
            parent = self.parent_of(ev.contract, a["orderId"])
            if a["releasedToInstitution"]:
                return w._("The regulator finds the lesson was taught: the held {amount} goes from {parent_s} wallet "
                           "to {school}", parent_s=s(parent), amount=m(a["amountFen"]),
                           school=n(course.institution) if course else self.contract_name(ev.contract))
            return w._("The regulator agrees with {parent}: the held {amount} is unlocked, theirs to spend again",
                       parent=parent, amount=m(a["amountFen"]))
        if name == "SurplusDepositReleased":
            return w._("The regulator releases {amount} of {school_s} deposit beyond what its parents are owed; their "
                       "shares stay reserved", school_s=s(school), amount=m(a["amountFen"]))
        return None

    def enrolment(self, ev: Any, events: list) -> str:
        w, a, m = self.w, ev.args, self.w.money
        parent = a["parent"]
        course = self.known[ev.contract].courses.get(a["courseId"])
        school_addr = course.institution if course else None
        released = moved = 0
        for e in events:
            if e.name == "EarmarkReleased" and e.args["wallet"] == parent:
                released += e.args["amountFen"]
                school_addr = school_addr or e.args["payee"]
            elif e.name == "EarmarkMoved" and e.args["from"] == parent:
                moved += e.args["amountFen"]
        deposit = sum(e.args["amountFen"] for e in events if e.name == "DepositLocked"
                      and e.contract == ev.contract and e.args["orderId"] == a["orderId"])
        moved = moved or deposit
        fee = a["feeFen"]
        who = self.name(parent)
        facts = dict(parent=who, parent_s=w.possessive(who), fee=m(fee), lessons=w.count(a["lessons"], "lesson"),
                     school=self.name(school_addr) if school_addr else self.contract_name(ev.contract),
                     paid=m(released), deposit=m(moved), locked=m(fee - released))
        if released == 0 and moved == 0:
            # TRANSLATORS: {fee} is what the parent pays for {lessons} ("6 lessons"); {paid} goes to the school at once.
            return w._("{parent_s} {fee} for {lessons} is locked in their own wallet; {school} cannot touch it yet",
                       **facts)
        if released >= fee:
            return w._("{parent} prepays {fee} for {lessons}, and all of it goes straight to {school}", **facts)
        if moved and released + moved >= fee:
            return w._("{parent} prepays {fee} for {lessons}: {paid} goes straight to {school}, and {deposit} is "
                       "locked in the school's wallet as a deposit the school cannot touch", **facts)
        return w._("{parent} prepays {fee} for {lessons}: {paid} goes to {school} and {locked} stays locked in their "
                   "own wallet", **facts)

    def refund(self, ev: Any, by_order: dict, record: Any) -> str:
        w, a, m = self.w, ev.args, self.w.money
        refund, owed = a["refundFen"], a["unconsumedFen"]
        parent = self.name(a["parent"])
        facts = dict(parent=parent, parent_s=w.possessive(parent), refund=m(refund), owed=m(owed),
                     lost=m(owed - refund))
        if owed == 0:
            return w._("{parent_s} order is closed with {refund} back: nothing was owed", **facts)
        if refund >= owed:
            return w._("{parent} gets {refund} back: every lesson not taught", **facts)
        if refund == 0:
            return w._("{parent} gets {refund} back: the {owed} paid for lessons not taught is lost", **facts)
        shared = [e for e in by_order.get((ev.contract, a["orderId"]), []) if e.name == "DepositShared"]
        source = None
        if shared:
            course = self.known.course_of_order(ev.contract, a["orderId"])
            if course is not None:
                source = self.name(course.institution)
            elif record.function == "refundOrders" and record.args:
                source = self.name(record.args[0])
        if source:
            return w._("{parent} gets {refund} back from {school_s} deposit, of the {owed} owed for lessons not "
                       "taught: {lost} is lost", school_s=w.possessive(source), **facts)
        return w._("{parent} gets {refund} back, of the {owed} owed for lessons not taught: {lost} is lost", **facts)

    def packet_event(self, record: Any, ev: Any, events: list, by_order: dict) -> str | None:
        w, a, n = self.w, ev.args, self.name
        m, name = w.money, ev.name
        c = self.known[ev.contract]
        funder = n(c.funder) if c.funder else self.contract_name(ev.contract)
        if name == "CampaignFunded":
            funder = n(a["funder"])
            return w.by_kind(funder, w.p_("organisation", "{funder} locks {budget} in its own wallet to pay for the "
                                          "red packets"),
                             w.p_("person", "{funder} locks {budget} in their own wallet to pay for the red packets"),
                             funder=funder, budget=m(a["budgetFen"]))
        if name == "MerchantsAllowed":
            return w._("{funder} names {shops} more where packets may be spent", funder=self.actor(record.actor),
                       shops=w.count(a["count"], "shop"))
        if name == "PacketClaimed":
            facts = dict(winner=n(a["winner"]), amount=m(a["amountFen"]), where=self.campaign_where(c))
            if c.terms:
                return w._("{winner} claims a {amount} red packet: it can only be spent at {where} until {expiry}",
                           expiry=w.until(c.terms["expiry"]), **facts)
            return w._("{winner} claims a {amount} red packet: it can only be spent at {where}", **facts)
        if name == "PurchasePaid":
            facts = dict(buyer=n(a["buyer"]), merchant=n(a["merchant"]), total=m(a["packetFen"] + a["ownFen"]),
                         packet=m(a["packetFen"]), own=m(a["ownFen"]))
            if not a["ownFen"]:
                return w._("{buyer} pays {total} at {merchant} with red-packet money", **facts)
            if not a["packetFen"]:
                return w._("{buyer} pays {total} of their own money at {merchant}", **facts)
            return w._("{buyer} pays {total} at {merchant}: {packet} from the red packet and {own} of their own money",
                       **facts)
        if name == "PurchaseRefunded":
            return self.purchase_refunded(record, a, c, funder)
        if name == "PacketReturnedOnClose":
            return w._("{wallet_s} unused {amount} red packet goes back to {funder} at once",
                       wallet_s=w.possessive(n(a["wallet"])), amount=m(a["amountFen"]), funder=funder)
        if name == "CampaignSwept":
            if a["sweptFen"] == 0:
                return w._("The packets have expired, and nothing is left to go back to {funder}", funder=funder)
            return w._("The packets have expired: {swept} goes back to {funder} ({unclaimed} never claimed, {unspent} "
                       "claimed but not spent)", funder=funder, swept=m(a["sweptFen"]),
                       unclaimed=m(a["unclaimedFen"]), unspent=m(a["unspentFen"]))
        return None

    def purchase_refunded(self, record: Any, a: dict, c: Any, funder: str) -> str:
        w, n, m = self.w, self.name, self.w.money
        buyer_addr, merchant, total = c.purchases.get(a["purchaseId"], (None, None, 0))
        buyer = n(buyer_addr) if buyer_addr else w.party("buyer")
        parts = []
        if a["ownToBuyerFen"]:
            parts.append(w._("{amount} of own money goes back to {buyer}", amount=m(a["ownToBuyerFen"]), buyer=buyer))
        if a["packetToBuyerFen"]:
            parts.append(w._("{amount} goes back into {buyer_s} red packet", amount=m(a["packetToBuyerFen"]),
                             buyer_s=w.possessive(buyer)))
        if a["packetToFunderFen"]:
            parts.append(w._("{amount} of packet money goes to {funder}, because the packets have expired",
                             amount=m(a["packetToFunderFen"]), funder=funder))
        if total:
            purchase = w._("{buyer_s} {total} purchase", buyer_s=w.possessive(buyer), total=m(total))
        else:
            purchase = w._("a purchase by {buyer}", buyer=buyer)
        # TRANSLATORS: {purchase} is "parent:li's ¥300 purchase"; {parts} says where each part of the money goes.
        return w._("{merchant} refunds {purchase}: {parts}", merchant=n(merchant) if merchant else self.actor(
            record.actor), purchase=purchase, parts=w.clauses(parts) or w._("nothing moves"))
