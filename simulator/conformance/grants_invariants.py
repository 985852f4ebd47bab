"""The grants state machine's invariants (a mixin of ``grants_machine.GrantsMachine``): after every step the
chain's balances and the programme's totals are compared with the model (``grants_model``)."""

from __future__ import annotations

from hypothesis.stateful import invariant

from .grants_model import (ALLOWED, ALLOWED_PAYEES, DEPT, FIRMS, OTHER_PAYEES, PURPOSE, SETTLED, WALLET_NAMES,
                           interest_on)


class GrantsInvariants:
    """Reads the chain once per successful transaction and checks it against ``self.m``."""

    def views(self) -> dict:
        """The chain's balances and the programme's totals, read again only after a transaction succeeded."""
        if self._cache is None or self._cache[0] != self._changes:
            call, tok, gp = self.chain.call, self.token, self.gp
            self._cache = (self._changes, {
                "supply": call(tok, "totalSupply"),
                "balance": {w: call(tok, "balanceOf", w) for w in WALLET_NAMES},
                "grant": {w: call(tok, "earmarkedOf", w, gp) for w in FIRMS},
                "earmarked_total": call(tok, "earmarkedTotalOf", gp),
                "programme": call(gp, "programmeBalanceFen"),
                "withdrawable": call(gp, "withdrawableFen"),
                "totals": call(gp, "totals"),
                "outstanding": {g.id: call(gp, "outstandingOf", g.id) for g in self.m.grants if g.clawed},
            })
        return self._cache[1]

    @invariant()
    def invariant_grant_money_never_reaches_a_payee_outside_its_purpose(self):
        v, m = self.views(), self.m
        prop = "grant_money_never_reaches_a_payee_outside_its_purpose"
        for p in OTHER_PAYEES:
            w = m.wallets[p]
            held = v["balance"][p] + w.redeemed
            self.check(prop, held == w.own_in,
                       f"{p} (purpose {PURPOSE[p]}, not allowed) holds {held} fen; own money paid to it: {w.own_in}")
        for p in ALLOWED_PAYEES:
            if p in FIRMS:  # the landlord firm: its free money (grant money received included) is checked below
                continue
            w = m.wallets[p]
            grant_money = v["balance"][p] + w.redeemed - w.own_in
            self.check(prop, grant_money == w.grant_in,
                       f"{p} holds {grant_money} fen beyond own money; grant money spent with it: {w.grant_in}")
        self.check(prop, m.totals["spentFen"] == sum(m.wallets[p].grant_in for p in ALLOWED_PAYEES),
                   "model: grant money spent != grant money received by allowed payees")
        for f in FIRMS:
            w = m.wallets[f]
            free = v["balance"][f] - v["grant"][f]
            self.check(prop, (free, v["grant"][f]) == (w.free, w.grant),
                       f"{f}: (free, grant money) {(free, v['grant'][f])} != model {(w.free, w.grant)}")

    @invariant()
    def invariant_a_clawback_is_principal_plus_interest(self):
        v, m = self.views(), self.m
        owed = 0
        for g in m.grants:
            if not g.clawed:
                continue
            principal = sum(a for a, t in zip(g.tranches, g.paid_at) if t)
            interest = sum(interest_on(a, t, g.breached_at) for a, t in zip(g.tranches, g.paid_at) if t)
            self.check("a_clawback_is_principal_plus_interest", (g.paid, g.interest) == (principal, interest),
                       f"grant {g.id}: model clawback {(g.paid, g.interest)} != {(principal, interest)}")
            owed += principal + interest - g.on_close
        t = v["totals"]
        self.check("a_clawback_is_principal_plus_interest", t["owedFen"] == owed,
                   f"totals.owedFen {t['owedFen']} != principal + interest − credited on close of every "
                   f"clawback {owed}")
        credited = sum(g.on_close for g in m.grants)
        self.check("a_clawback_is_principal_plus_interest", credited <= t["returnedOnCloseFen"],
                   f"credited on close {credited} > returned on close {t['returnedOnCloseFen']}")
        self.check("a_clawback_is_principal_plus_interest",
                   t["interestFen"] == sum(g.interest for g in m.grants if g.clawed),
                   f"totals.interestFen {t['interestFen']}")

    @invariant()
    def invariant_every_clawback_is_accounted_for(self):
        v, m = self.views(), self.m
        prop = "every_clawback_is_accounted_for"
        for g in m.grants:
            if not g.clawed:
                continue
            out = v["outstanding"][g.id]
            self.check(prop, g.owed == g.returned + g.repaid + g.withheld + out and out == g.outstanding,
                       f"grant {g.id}: owed {g.owed} (less {g.on_close} credited on close) != returned unspent "
                       f"{g.returned} + repaid {g.repaid} + "
                       f"withheld {g.withheld} + outstandingOf {out} (model {g.outstanding})")
            self.check(prop, (g.status == SETTLED) == (out == 0), f"grant {g.id}: status {g.status}, outstanding {out}")
        t = v["totals"]
        out = sum(v["outstanding"].values())
        self.check(prop, t["owedFen"] == t["returnedUnspentFen"] + t["repaidFen"] + t["withheldFen"] + out,
                   f"totals: owed {t['owedFen']} != returned unspent {t['returnedUnspentFen']} + repaid "
                   f"{t['repaidFen']} + withheld {t['withheldFen']} + outstanding {out}")

    @invariant()
    def invariant_programme_balance_is_accounted_for(self):
        v, m = self.views(), self.m
        prop = "programme_balance_is_accounted_for"
        t = v["totals"]
        self.check(prop, t == m.totals, f"totals {t} != model {m.totals}")
        want = (t["fundedFen"] - t["withdrawnFen"] - t["paidToFirmsFen"] + t["returnedUnspentFen"] + t["repaidFen"]
                + t["returnedOnCloseFen"])
        dept_earmark = v["balance"][DEPT] - m.wallets[DEPT].free
        self.check(prop, v["programme"] == want == m.budget == dept_earmark,
                   f"programmeBalanceFen {v['programme']} != funded − withdrawn − paid to firms + returned unspent "
                   f"+ repaid + returned on close = {want} (model {m.budget}, department's earmark {dept_earmark})")
        self.check(prop, t["committedFen"] <= v["programme"]
                   and v["withdrawable"] == v["programme"] - t["committedFen"],
                   f"committed {t['committedFen']}, balance {v['programme']}, withdrawable {v['withdrawable']}")
        self.check(prop, v["earmarked_total"] == v["programme"] + sum(v["grant"].values()),
                   f"earmarkedTotalOf {v['earmarked_total']} != budget + firms' grant money")
        committed = sum(sum(g.tranches[g.settled:]) for g in m.grants)
        self.check(prop, t["committedFen"] == committed,
                   f"committed {t['committedFen']} != tranches to come {committed}")

    @invariant()
    def invariant_money_is_conserved(self):
        v, m = self.views(), self.m
        redeemed = sum(w.redeemed for w in m.wallets.values())
        total = sum(v["balance"].values())
        self.check("money_is_conserved", v["supply"] == total == m.issued - redeemed,
                   f"totalSupply {v['supply']}, sum of balances {total}, issued − redeemed {m.issued - redeemed}")

    def teardown(self):
        """After each sequence: every grant's views agree with the model."""
        if self.failed:
            return
        call, gp = self.chain.call, self.gp
        self.check("grants_match_the_model", call(gp, "grantCount") == len(self.m.grants), "grantCount")
        for g in self.m.grants:
            got = call(gp, "grantOf", g.id)
            want = {"firm": self.a(g.firm), "status": g.status, "trancheCount": len(g.tranches),
                    "tranchesSettled": g.settled, "fraud": g.fraud, "admittedAt": g.admitted_at,
                    "breachedAt": g.breached_at, "sizeFen": sum(g.tranches), "paidFen": g.paid,
                    "interestFen": g.interest, "returnedUnspentFen": g.returned, "repaidFen": g.repaid,
                    "withheldFen": g.withheld, "returnedOnCloseFen": g.on_close}
            self.check("grants_match_the_model", got == want, f"grantOf({g.id}) {got} != {want}")
            got = call(gp, "tranchesOf", g.id)
            want = [{"amountFen": a, "paidAt": t} for a, t in zip(g.tranches, g.paid_at)]
            self.check("grants_match_the_model", got == want, f"tranchesOf({g.id}) {got} != {want}")
            now = self.chain.last_block_time
            got = tuple(call(gp, "clawbackQuote", g.id, now))
            want = (g.paid, sum(interest_on(a, t, now) for a, t in zip(g.tranches, g.paid_at) if t))
            self.check("a_clawback_is_principal_plus_interest", got == want,
                       f"clawbackQuote({g.id}, now) {got} != {want}")
        for f in FIRMS:
            live = [g.id for g in self.m.live_grants(f, self.now)]
            if len(live) <= 1:
                got = call(gp, "currentGrantOf", f)
                self.check("grants_match_the_model", got == (live[0] if live else 0),
                           f"currentGrantOf({f}) {got}, model's live grants {live}")
            got = call(gp, "excludedUntil", f)
            self.check("grants_match_the_model", got == self.m.excluded_until.get(f, 0), f"excludedUntil({f}) {got}")
        for w in (DEPT, "stranger") + FIRMS:
            got = call(gp, "grantMoneyOf", w)
            want = self.m.wallets[w].grant if w in FIRMS else 0
            self.check("grants_match_the_model", got == want, f"grantMoneyOf({w}) {got} != {want}")
        for p in PURPOSE:
            got = call(gp, "isAllowedPayee", p)
            self.check("grants_match_the_model", got == (PURPOSE[p] in ALLOWED), f"isAllowedPayee({p}) {got}")
