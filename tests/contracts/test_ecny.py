"""ECNY: the e-CNY stand-in with earmarked money. Every external function: happy path, each revert, access.

Plain accounts ("ctl:a", "ctl:b") registered as controllers drive the controller API directly; the escrow and
upfront contracts, a red-packet campaign and a small counting controller (hand-assembled bytecode that forwards
calls to the token and counts the token's onWalletClose calls) appear where the token calls back into a
controller (closing a wallet).
"""

from __future__ import annotations

import pytest

from contract_testkit import (
    BANK,
    CTL,
    CTL_B,
    FEE,
    LESSONS,
    MAX_UINT,
    PARENT_FUND,
    REGULATOR,
    SCHOOL,
    SCHOOL_B,
    SCHOOL_FUND,
    T0,
    TIER,
    ZERO,
    OrderState,
)
from eth_utils import keccak

from ecny_sim.domain import merkle
from ecny_sim.chain.clock import HOUR, parse_beijing
from ecny_sim.chain.errors import ContractRevert
from ecny_sim.domain.settings import WALLET_TIERS

P1, P2, P3 = "parent:1", "parent:2", "parent:3"
LOWEST = WALLET_TIERS["lowest"]  # ¥10,000 balance, ¥2,000 per payment, ¥5,000 a day


def earmark(w, wallet, amount, ctl=CTL):
    """`wallet` allows `ctl` exactly `amount` and `ctl` earmarks it."""
    w.tok(wallet, "approveEarmark", ctl, amount)
    return w.tok(ctl, "earmarkFrom", wallet, amount)


# ----------------------------------------------------------------------------------------- construction / views


def test_constructor_roles_and_constants(w):
    assert w.view("issuer") == w.addr(BANK)
    assert w.view("regulator") == w.addr(REGULATOR)
    assert w.view("name") == "e-CNY (simulated)"
    assert w.view("symbol") == "eCNY"
    assert w.view("decimals") == 2
    assert w.view("MAX_CONTROLLERS_PER_WALLET") == 16
    # base world: two schools with ¥100,000 and six parents with ¥20,000
    assert w.view("totalSupply") == 2 * SCHOOL_FUND + 6 * PARENT_FUND


@pytest.mark.parametrize("which", ["issuer", "regulator"])
def test_constructor_rejects_zero_address(w, which):
    args = (ZERO, REGULATOR) if which == "issuer" else (BANK, ZERO)
    art = w.art["ECNY"]
    with pytest.raises(ContractRevert) as exc:
        w.chain.deploy("ECNY-bad", art["abi"], art["bytecode"], BANK, args)
    assert exc.value.error_name == "ECNY_ZeroAddress"


def test_constructor_emits_regulator_set(w):
    art = w.art["ECNY"]
    seen = []
    w.chain.on_transaction.append(lambda rec: seen.append(rec))
    w.chain.deploy("ECNY-2", art["abi"], art["bytecode"], BANK, (BANK, "regulator:2"))
    (ev,) = seen[-1].result.events
    assert ev.name == "RegulatorSet" and ev.args == {"regulator": w.addr("regulator:2")}


def test_views_of_an_unknown_wallet_are_zero(w):
    stranger = "stranger:1"
    assert w.view("isOpen", stranger) is False
    assert w.view("isFrozen", stranger) is False
    assert w.view("balanceOf", stranger) == 0
    assert w.view("freeBalanceOf", stranger) == 0
    assert w.view("spentTodayOf", stranger) == 0
    assert w.view("tierOfWallet", stranger) == 0
    assert w.view("earmarkedOf", stranger, CTL) == 0
    assert w.view("earmarkAllowance", stranger, CTL) == 0


# ----------------------------------------------------------------------------------------- setTier


def test_set_tier(w):
    r = w.tok(BANK, "setTier", 9, 123_00, 45_00, 67_00)
    assert r.event("TierSet").args == {"tier": 9, "balanceCapFen": 12300, "perPaymentFen": 4500, "dailyFen": 6700}
    assert w.view("tierLimits", 9) == {"balanceCapFen": 12300, "perPaymentFen": 4500, "dailyFen": 6700}
    # the base world installed the settings' tiers
    for tier in WALLET_TIERS.values():
        assert w.view("tierLimits", tier.tier_id) == {
            "balanceCapFen": tier.balance_cap_fen,
            "perPaymentFen": tier.per_payment_fen,
            "dailyFen": tier.daily_fen,
        }


def test_set_tier_changes_limits_of_wallets_in_it(w):
    w.tok(BANK, "setTier", TIER["id_verified"], 0, 100, 0)
    w.reverts(P1, w.token, "transfer", P2, 101, error="ECNY_PerPaymentLimitExceeded", limitFen=100)
    w.tok(P1, "transfer", P2, 100)


def test_set_tier_only_issuer(w):
    w.reverts(REGULATOR, w.token, "setTier", 9, 1, 1, 1, error="ECNY_NotIssuer", caller=REGULATOR)
    assert w.view("tierLimits", 9) == {"balanceCapFen": 0, "perPaymentFen": 0, "dailyFen": 0}


# ----------------------------------------------------------------------------------------- setController


def test_set_controller_enable_and_disable(w):
    r = w.tok(BANK, "setController", "ctl:c", True)
    assert r.event("ControllerSet").args == {"controller": w.addr("ctl:c"), "enabled": True}
    assert w.view("isController", "ctl:c") is True
    earmark(w, P1, 500, "ctl:c")
    r = w.tok(BANK, "setController", "ctl:c", False)
    assert r.event("ControllerSet").args == {"controller": w.addr("ctl:c"), "enabled": False}
    assert w.view("isController", "ctl:c") is False
    # a disabled controller takes no new earmark ...
    w.tok(P1, "approveEarmark", "ctl:c", 100)
    w.reverts("ctl:c", w.token, "earmarkFrom", P1, 100, error="ECNY_NotController", caller="ctl:c")
    # ... but still settles the ones it holds
    w.tok("ctl:c", "releaseEarmark", P1, SCHOOL, 200)
    w.tok("ctl:c", "returnEarmark", P1, 300)
    assert w.earmarked(P1, "ctl:c") == 0
    assert w.free(P1) == PARENT_FUND - 200
    assert w.free(SCHOOL) == SCHOOL_FUND + 200


def test_set_controller_only_issuer(w):
    w.reverts(REGULATOR, w.token, "setController", "ctl:c", True, error="ECNY_NotIssuer", caller=REGULATOR)
    assert w.view("isController", "ctl:c") is False


def test_set_controller_rejects_zero_address(w):
    w.reverts(BANK, w.token, "setController", ZERO, True, error="ECNY_ZeroAddress")


# ----------------------------------------------------------------------------------------- setRegulator


def test_set_regulator_hands_over_the_role(w):
    r = w.tok(BANK, "setRegulator", "regulator:2")
    assert r.event("RegulatorSet").args == {"regulator": w.addr("regulator:2")}
    assert w.view("regulator") == w.addr("regulator:2")
    w.reverts(REGULATOR, w.token, "freezeWallet", P1, error="ECNY_NotRegulator", caller=REGULATOR)
    w.tok("regulator:2", "freezeWallet", P1)
    assert w.view("isFrozen", P1) is True


def test_set_regulator_only_issuer(w):
    w.reverts(REGULATOR, w.token, "setRegulator", "regulator:2", error="ECNY_NotIssuer", caller=REGULATOR)
    assert w.view("regulator") == w.addr(REGULATOR)


def test_set_regulator_rejects_zero_address(w):
    w.reverts(BANK, w.token, "setRegulator", ZERO, error="ECNY_ZeroAddress")


# ----------------------------------------------------------------------------------------- openWallet / setWalletTier


def test_open_wallet(w):
    r = w.tok(BANK, "openWallet", "parent:new", TIER["class_iii"])
    assert r.event("WalletOpened").args == {"wallet": w.addr("parent:new"), "tier": TIER["class_iii"]}
    assert w.view("isOpen", "parent:new") is True
    assert w.view("tierOfWallet", "parent:new") == TIER["class_iii"]
    assert w.balance("parent:new") == 0


def test_open_wallet_only_issuer(w):
    w.reverts(P1, w.token, "openWallet", "parent:new", 3, error="ECNY_NotIssuer", caller=P1)
    assert w.view("isOpen", "parent:new") is False


def test_open_wallet_rejects_zero_address(w):
    w.reverts(BANK, w.token, "openWallet", ZERO, 3, error="ECNY_ZeroAddress")


def test_open_wallet_twice_or_after_close(w):
    w.reverts(BANK, w.token, "openWallet", P1, 1, error="ECNY_WalletExists", wallet=P1)
    w.tok(P2, "closeWallet", P2)
    w.reverts(BANK, w.token, "openWallet", P2, 3, error="ECNY_WalletExists", wallet=P2)


def test_open_wallets(w):
    names = ["parent:a", "parent:b", "parent:c"]
    r = w.tok(BANK, "openWallets", names, TIER["lowest"])
    assert [e.args for e in r.events_named("WalletOpened")] == [
        {"wallet": w.addr(n), "tier": TIER["lowest"]} for n in names]
    for n in names:
        assert w.view("isOpen", n) is True
        assert w.view("tierOfWallet", n) == TIER["lowest"]
    r = w.tok(BANK, "openWallets", [], 0)
    assert r.events == []


def test_open_wallets_reverts_as_a_whole(w):
    w.reverts(P1, w.token, "openWallets", ["parent:a"], 3, error="ECNY_NotIssuer", caller=P1)
    w.reverts(BANK, w.token, "openWallets", ["parent:a", P1], 3, error="ECNY_WalletExists", wallet=P1)
    w.reverts(BANK, w.token, "openWallets", ["parent:a", "parent:a"], 3, error="ECNY_WalletExists",
              wallet="parent:a")
    w.reverts(BANK, w.token, "openWallets", ["parent:a", ZERO], 3, error="ECNY_ZeroAddress")
    assert w.view("isOpen", "parent:a") is False


def test_set_wallet_tier(w):
    r = w.tok(BANK, "setWalletTier", P1, TIER["lowest"])
    assert r.event("WalletTierChanged").args == {"wallet": w.addr(P1), "tier": TIER["lowest"]}
    assert w.view("tierOfWallet", P1) == TIER["lowest"]
    # the lowest tier's ¥2,000 per-payment limit now applies (domain scenario 8: ¥3,000 refused)
    w.reverts(P1, w.token, "transfer", SCHOOL, 300_000, error="ECNY_PerPaymentLimitExceeded",
              wallet=P1, amountFen=300_000, limitFen=LOWEST.per_payment_fen)


def test_set_wallet_tier_only_issuer(w):
    w.reverts(P1, w.token, "setWalletTier", P1, 0, error="ECNY_NotIssuer", caller=P1)
    assert w.view("tierOfWallet", P1) == TIER["id_verified"]


def test_set_wallet_tier_needs_open_wallet(w):
    w.reverts(BANK, w.token, "setWalletTier", "stranger:1", 0, error="ECNY_WalletNotOpen", wallet="stranger:1")
    w.tok(P2, "closeWallet", P2)
    w.reverts(BANK, w.token, "setWalletTier", P2, 0, error="ECNY_WalletNotOpen", wallet=P2)


# ----------------------------------------------------------------------------------------- issue / redeem


def test_issue(w):
    supply = w.view("totalSupply")
    r = w.tok(BANK, "issue", P1, 12_345)
    assert r.event("Issued").args == {"wallet": w.addr(P1), "amountFen": 12_345}
    assert w.free(P1) == w.balance(P1) == PARENT_FUND + 12_345
    assert w.view("totalSupply") == supply + 12_345


def test_issue_only_issuer(w):
    w.reverts(REGULATOR, w.token, "issue", P1, 1, error="ECNY_NotIssuer", caller=REGULATOR)
    w.reverts(P1, w.token, "issue", P1, 1, error="ECNY_NotIssuer", caller=P1)


def test_issue_rejects_zero_amount_and_unopened_wallet(w):
    w.reverts(BANK, w.token, "issue", P1, 0, error="ECNY_ZeroAmount")
    w.reverts(BANK, w.token, "issue", "stranger:1", 1, error="ECNY_WalletNotOpen", wallet="stranger:1")


def test_issue_balance_cap_counts_earmarks(w):
    w.open_wallet("low:1", "lowest")
    cap = LOWEST.balance_cap_fen
    w.tok(BANK, "issue", "low:1", cap - 100_000)
    earmark(w, "low:1", 100_000)  # earmarked money is still the wallet's balance: free is cap - 200,000
    w.reverts(BANK, w.token, "issue", "low:1", 100_001, error="ECNY_BalanceCapExceeded",
              wallet="low:1", balanceAfterFen=cap + 1, capFen=cap)
    w.tok(CTL, "releaseEarmark", "low:1", SCHOOL, 100_000)
    w.tok(BANK, "issue", "low:1", 200_000)  # exactly at the cap is allowed
    assert w.balance("low:1") == w.free("low:1") == cap
    w.reverts(BANK, w.token, "issue", "low:1", 1, error="ECNY_BalanceCapExceeded",
              wallet="low:1", balanceAfterFen=cap + 1, capFen=cap)


def test_redeem(w):
    supply = w.view("totalSupply")
    r = w.tok(BANK, "redeem", P1, 50_000)
    assert r.event("Redeemed").args == {"wallet": w.addr(P1), "amountFen": 50_000}
    assert w.free(P1) == PARENT_FUND - 50_000
    assert w.view("totalSupply") == supply - 50_000


def test_redeem_only_issuer(w):
    w.reverts(P1, w.token, "redeem", P1, 1, error="ECNY_NotIssuer", caller=P1)


def test_redeem_reverts(w):
    w.reverts(BANK, w.token, "redeem", P1, 0, error="ECNY_ZeroAmount")
    w.reverts(BANK, w.token, "redeem", "stranger:1", 1, error="ECNY_WalletNotOpen", wallet="stranger:1")
    earmark(w, P1, 500_000)  # earmarked money cannot be cashed out
    w.reverts(BANK, w.token, "redeem", P1, PARENT_FUND, error="ECNY_InsufficientFree",
              wallet=P1, freeFen=PARENT_FUND - 500_000, neededFen=PARENT_FUND)
    w.tok(REGULATOR, "freezeWallet", P1)
    w.reverts(BANK, w.token, "redeem", P1, 1, error="ECNY_WalletFrozen", wallet=P1)


# ----------------------------------------------------------------------------------------- closeWallet


def test_close_wallet_by_owner_redeems_free_money(w):
    supply = w.view("totalSupply")
    r = w.tok(P1, "closeWallet", P1)
    assert r.event("WalletClosed").args == {"wallet": w.addr(P1), "redeemedFen": PARENT_FUND}
    assert w.view("isOpen", P1) is False
    assert w.balance(P1) == 0 and w.free(P1) == 0
    assert w.view("totalSupply") == supply - PARENT_FUND
    # a closed wallet takes no money and cannot be closed again
    w.reverts(P2, w.token, "transfer", P1, 1, error="ECNY_WalletNotOpen", wallet=P1)
    w.reverts(BANK, w.token, "issue", P1, 1, error="ECNY_WalletNotOpen", wallet=P1)
    w.reverts(P1, w.token, "closeWallet", P1, error="ECNY_WalletNotOpen", wallet=P1)


def test_close_wallet_by_issuer(w):
    r = w.tok(BANK, "closeWallet", P2)
    assert r.event("WalletClosed").args == {"wallet": w.addr(P2), "redeemedFen": PARENT_FUND}
    assert w.view("isOpen", P2) is False


def test_close_wallet_only_owner_or_issuer(w):
    w.reverts(REGULATOR, w.token, "closeWallet", P1, error="ECNY_NotWalletOwnerOrIssuer", caller=REGULATOR, wallet=P1)
    w.reverts(P2, w.token, "closeWallet", P1, error="ECNY_NotWalletOwnerOrIssuer", caller=P2, wallet=P1)
    assert w.view("isOpen", P1) is True


def test_close_wallet_unopened_or_frozen(w):
    w.reverts("stranger:1", w.token, "closeWallet", "stranger:1", error="ECNY_WalletNotOpen", wallet="stranger:1")
    w.tok(REGULATOR, "freezeWallet", P1)
    w.reverts(P1, w.token, "closeWallet", P1, error="ECNY_WalletFrozen", wallet=P1)
    w.reverts(BANK, w.token, "closeWallet", P1, error="ECNY_WalletFrozen", wallet=P1)


def test_close_wallet_escrow_refunds_the_order_first(w):
    course = w.publish(w.escrow)
    order = w.enrol(w.escrow, P1, course, LESSONS)
    w.chain.set_time(w.call(w.escrow, "courseOf", course)["start"])
    for _ in range(3):
        w.record(w.escrow, course, [order])
    unconsumed = (LESSONS - 3) * FEE
    assert w.earmarked(P1, w.escrow) == unconsumed
    supply = w.view("totalSupply")
    r = w.tok(P1, "closeWallet", P1)
    assert r.event("OrderRefunded").args == {
        "orderId": order, "parent": w.addr(P1), "refundFen": unconsumed, "unconsumedFen": unconsumed}
    assert r.event("EarmarkReturned").args == {
        "wallet": w.addr(P1), "controller": w.escrow.address, "amountFen": unconsumed}
    redeemed = PARENT_FUND - 3 * FEE
    assert r.event("WalletClosed").args == {"wallet": w.addr(P1), "redeemedFen": redeemed}
    assert [e.name for e in r.events][-1] == "WalletClosed"
    assert w.state(w.escrow, order) == OrderState.REFUNDED
    assert w.call(w.escrow, "supervisedBalanceOf", SCHOOL) == 0
    assert w.view("earmarkedTotalOf", w.escrow) == 0
    assert w.free(SCHOOL) == SCHOOL_FUND + 3 * FEE
    assert w.view("totalSupply") == supply - redeemed


def test_close_wallet_refused_while_a_controller_keeps_its_earmark(w):
    """UpfrontPrepaid does not settle the deposit it locks in a school's wallet: the close is refused."""
    course = w.publish(w.upfront)
    w.enrol(w.upfront, P1, course, LESSONS)
    deposit = LESSONS * FEE * 2000 // 10_000
    assert w.earmarked(SCHOOL, w.upfront) == deposit
    w.reverts(SCHOOL, w.token, "closeWallet", SCHOOL, error="ECNY_WalletHasEarmarks",
              wallet=SCHOOL, controller=w.upfront, amountFen=deposit)
    assert w.view("isOpen", SCHOOL) is True
    assert w.balance(SCHOOL) == SCHOOL_FUND + LESSONS * FEE


def test_close_wallet_ignores_emptied_and_ended_earmarks(w):
    """Controllers listed in the wallet with nothing live (an emptied earmark, an ended epoch) are not called:
    the close succeeds although these controllers are plain accounts with no onWalletClose."""
    earmark(w, P1, 1_000, CTL)
    earmark(w, P1, 2_000, CTL_B)
    w.tok(CTL, "returnEarmark", P1, 1_000)
    w.tok(CTL_B, "endAllEarmarks", SCHOOL)
    r = w.tok(P1, "closeWallet", P1)
    assert r.event("WalletClosed").args["redeemedFen"] == PARENT_FUND - 2_000


# ----------------------------------------------------------------------------------------- freeze / unfreeze


def test_freeze_and_unfreeze(w):
    r = w.tok(REGULATOR, "freezeWallet", P1)
    assert r.event("WalletFrozen").args == {"wallet": w.addr(P1)}
    assert w.view("isFrozen", P1) is True
    w.reverts(P1, w.token, "transfer", P2, 1, error="ECNY_WalletFrozen", wallet=P1)
    r = w.tok(REGULATOR, "unfreezeWallet", P1)
    assert r.event("WalletUnfrozen").args == {"wallet": w.addr(P1)}
    assert w.view("isFrozen", P1) is False
    w.tok(P1, "transfer", P2, 1)
    assert w.free(P2) == PARENT_FUND + 1


def test_freeze_only_regulator(w):
    w.reverts(BANK, w.token, "freezeWallet", P1, error="ECNY_NotRegulator", caller=BANK)
    w.reverts(P1, w.token, "freezeWallet", P1, error="ECNY_NotRegulator", caller=P1)
    w.tok(REGULATOR, "freezeWallet", P1)
    w.reverts(BANK, w.token, "unfreezeWallet", P1, error="ECNY_NotRegulator", caller=BANK)
    assert w.view("isFrozen", P1) is True


def test_freeze_reverts(w):
    w.reverts(REGULATOR, w.token, "freezeWallet", "stranger:1", error="ECNY_WalletNotOpen", wallet="stranger:1")
    w.tok(REGULATOR, "freezeWallet", P1)
    w.reverts(REGULATOR, w.token, "freezeWallet", P1, error="ECNY_WalletFrozen", wallet=P1)
    w.reverts(REGULATOR, w.token, "unfreezeWallet", P2, error="ECNY_WalletNotFrozen", wallet=P2)


def test_frozen_wallet_owner_cannot_pay_earmark_redeem_or_close(w):
    w.tok(P1, "approveEarmark", CTL, 1_000)
    w.tok(REGULATOR, "freezeWallet", P1)
    w.reverts(P1, w.token, "transfer", P2, 1, error="ECNY_WalletFrozen", wallet=P1)
    w.reverts(CTL, w.token, "earmarkFrom", P1, 1_000, error="ECNY_WalletFrozen", wallet=P1)
    w.reverts(BANK, w.token, "redeem", P1, 1, error="ECNY_WalletFrozen", wallet=P1)
    w.reverts(P1, w.token, "closeWallet", P1, error="ECNY_WalletFrozen", wallet=P1)
    assert w.free(P1) == w.balance(P1) == PARENT_FUND


def test_frozen_wallet_controllers_still_release_and_return(w):
    earmark(w, P1, 10_000)
    w.tok(REGULATOR, "freezeWallet", P1)
    r = w.tok(CTL, "releaseEarmark", P1, SCHOOL, 4_000)
    assert r.event("EarmarkReleased").args["amountFen"] == 4_000
    r = w.tok(CTL, "returnEarmark", P1, 6_000)
    assert r.event("EarmarkReturned").args["amountFen"] == 6_000
    assert w.free(P1) == PARENT_FUND - 4_000
    assert w.earmarked(P1, CTL) == 0
    assert w.free(SCHOOL) == SCHOOL_FUND + 4_000
    # a frozen payee receives releases too
    earmark(w, P2, 500)
    w.tok(CTL, "releaseEarmark", P2, P1, 500)
    assert w.free(P1) == PARENT_FUND - 4_000 + 500


# ----------------------------------------------------------------------------------------- transfer


def test_transfer(w):
    supply = w.view("totalSupply")
    r = w.tok(P1, "transfer", P2, 12_345)
    assert r.return_value is True
    assert r.event("Transfer").args == {"from": w.addr(P1), "to": w.addr(P2), "amountFen": 12_345}
    assert w.free(P1) == PARENT_FUND - 12_345
    assert w.free(P2) == PARENT_FUND + 12_345
    assert w.view("spentTodayOf", P1) == 12_345
    assert w.view("spentTodayOf", P2) == 0
    assert w.view("totalSupply") == supply


def test_transfer_reverts(w):
    w.reverts(P1, w.token, "transfer", P2, 0, error="ECNY_ZeroAmount")
    w.reverts("stranger:1", w.token, "transfer", P2, 1, error="ECNY_WalletNotOpen", wallet="stranger:1")
    w.reverts(P1, w.token, "transfer", "stranger:1", 1, error="ECNY_WalletNotOpen", wallet="stranger:1")
    w.reverts(P1, w.token, "transfer", P2, PARENT_FUND + 1, error="ECNY_InsufficientFree",
              wallet=P1, freeFen=PARENT_FUND, neededFen=PARENT_FUND + 1)


def test_transfer_cannot_spend_earmarked_money(w):
    earmark(w, P1, PARENT_FUND - 100)
    w.reverts(P1, w.token, "transfer", P2, 101, error="ECNY_InsufficientFree", freeFen=100, neededFen=101)
    w.tok(P1, "transfer", P2, 100)
    assert w.balance(P1) == PARENT_FUND - 100


def test_transfer_to_closed_wallet(w):
    w.tok(P2, "closeWallet", P2)
    w.reverts(P1, w.token, "transfer", P2, 1, error="ECNY_WalletNotOpen", wallet=P2)


def test_transfer_per_payment_limit(w):
    w.open_wallet("low:1", "lowest", 1_000_000)
    limit = LOWEST.per_payment_fen
    w.reverts("low:1", w.token, "transfer", P1, limit + 1, error="ECNY_PerPaymentLimitExceeded",
              wallet="low:1", amountFen=limit + 1, limitFen=limit)
    w.tok("low:1", "transfer", P1, limit)
    assert w.free(P1) == PARENT_FUND + limit


def test_transfer_daily_limit_resets_at_beijing_midnight(w):
    w.open_wallet("low:1", "lowest", 1_000_000)
    daily = LOWEST.daily_fen  # ¥5,000
    w.chain.set_time(parse_beijing("2022-05-10 07:59"))  # 23:59 UTC the day before
    w.tok("low:1", "transfer", P1, 200_000)
    w.chain.set_time(parse_beijing("2022-05-10 08:01"))  # UTC midnight passed: same Beijing day
    w.tok("low:1", "transfer", P1, 200_000)
    w.chain.set_time(parse_beijing("2022-05-10 23:00"))
    w.tok("low:1", "transfer", P1, 100_000)
    assert w.view("spentTodayOf", "low:1") == daily
    w.reverts("low:1", w.token, "transfer", P1, 1, error="ECNY_DailyLimitExceeded",
              wallet="low:1", spentTodayFen=daily, amountFen=1, limitFen=daily)
    w.chain.set_time(parse_beijing("2022-05-10 23:59:59"))  # 15:59:59 UTC
    w.reverts("low:1", w.token, "transfer", P1, 1, error="ECNY_DailyLimitExceeded", spentTodayFen=daily)
    w.chain.set_time(parse_beijing("2022-05-11 00:00:00"))  # 16:00 UTC: a new Beijing day
    assert w.view("spentTodayOf", "low:1") == 0
    w.tok("low:1", "transfer", P1, 200_000)
    assert w.view("spentTodayOf", "low:1") == 200_000
    assert w.free("low:1") == 1_000_000 - daily - 200_000


def test_transfer_balance_cap_on_receiver(w):
    w.open_wallet("low:1", "lowest", LOWEST.balance_cap_fen - 1)
    cap = LOWEST.balance_cap_fen
    w.reverts(P1, w.token, "transfer", "low:1", 2, error="ECNY_BalanceCapExceeded",
              wallet="low:1", balanceAfterFen=cap + 1, capFen=cap)
    w.tok(P1, "transfer", "low:1", 1)
    assert w.balance("low:1") == cap


# ----------------------------------------------------------------------------------------- every path into a wallet
# A controller paying or moving money into a wallet from another wallet (releaseEarmark, releaseEarmarks,
# moveEarmark, endAllEarmarks) respects the receiver's balance cap like a transfer does; money that stays in its
# wallet (returned, or released or moved to the same wallet) is never blocked.


def test_release_earmark_respects_the_payees_balance_cap(w):
    cap = LOWEST.balance_cap_fen
    w.open_wallet("low:1", "lowest", cap - 3_000)
    earmark(w, "low:1", 97_000, CTL_B)  # the payee's own earmarked money is still its balance: it counts
    earmark(w, P1, 5_000)
    w.reverts(CTL, w.token, "releaseEarmark", P1, "low:1", 3_001, error="ECNY_BalanceCapExceeded",
              wallet="low:1", balanceAfterFen=cap + 1, capFen=cap)
    assert w.earmarked(P1, CTL) == 5_000 and w.view("earmarkedTotalOf", CTL) == 5_000
    assert w.balance("low:1") == cap - 3_000 and w.balance(P1) == PARENT_FUND
    r = w.tok(CTL, "releaseEarmark", P1, "low:1", 3_000)  # exactly up to the cap
    assert r.event("EarmarkReleased").args == {
        "wallet": w.addr(P1), "controller": w.addr(CTL), "payee": w.addr("low:1"), "amountFen": 3_000}
    assert w.balance("low:1") == cap
    assert w.free("low:1") == cap - 97_000
    assert w.earmarked(P1, CTL) == 2_000 and w.balance(P1) == PARENT_FUND - 3_000
    w.reverts(CTL, w.token, "releaseEarmark", P1, "low:1", 1, error="ECNY_BalanceCapExceeded",
              wallet="low:1", balanceAfterFen=cap + 1, capFen=cap)
    # the rest still goes to a payee with room
    w.tok(CTL, "releaseEarmark", P1, SCHOOL, 2_000)
    assert w.free(SCHOOL) == SCHOOL_FUND + 2_000


def test_release_earmarks_respects_the_payees_balance_cap(w):
    cap = LOWEST.balance_cap_fen
    w.open_wallet("low:1", "lowest", cap - 5_000)
    earmark(w, P1, 3_000)
    earmark(w, P2, 3_000)
    w.reverts(CTL, w.token, "releaseEarmarks", [P1, P2], [3_000, 2_001], "low:1", error="ECNY_BalanceCapExceeded",
              wallet="low:1", balanceAfterFen=cap + 1, capFen=cap)
    assert w.earmarked(P1, CTL) == w.earmarked(P2, CTL) == 3_000  # all or nothing
    assert w.balance("low:1") == cap - 5_000
    r = w.tok(CTL, "releaseEarmarks", [P1, P2], [3_000, 2_000], "low:1")
    assert r.event("EarmarksReleased").args == {
        "controller": w.addr(CTL), "payee": w.addr("low:1"), "wallets": 2, "amountFen": 5_000}
    assert w.balance("low:1") == w.free("low:1") == cap
    assert (w.earmarked(P1, CTL), w.earmarked(P2, CTL)) == (0, 1_000)


def test_move_earmark_respects_the_receivers_balance_cap(w):
    cap = LOWEST.balance_cap_fen
    w.open_wallet("low:1", "lowest", cap - 2_000)
    earmark(w, P1, 5_000)
    w.reverts(CTL, w.token, "moveEarmark", P1, "low:1", 2_001, error="ECNY_BalanceCapExceeded",
              wallet="low:1", balanceAfterFen=cap + 1, capFen=cap)
    assert w.earmarked(P1, CTL) == 5_000 and w.earmarked("low:1", CTL) == 0
    r = w.tok(CTL, "moveEarmark", P1, "low:1", 2_000)
    assert r.event("EarmarkMoved").args == {
        "from": w.addr(P1), "to": w.addr("low:1"), "controller": w.addr(CTL), "amountFen": 2_000}
    # moved money is locked in the receiver's wallet, but it is its balance: the cap is reached
    assert w.balance("low:1") == cap and w.free("low:1") == cap - 2_000
    assert w.earmarked("low:1", CTL) == 2_000 and w.earmarked(P1, CTL) == 3_000
    w.reverts(CTL, w.token, "moveEarmark", P1, "low:1", 1, error="ECNY_BalanceCapExceeded",
              wallet="low:1", balanceAfterFen=cap + 1, capFen=cap)


def test_end_all_earmarks_respects_the_receivers_balance_cap(w):
    """Only what comes from other wallets can break the receiver's cap: its own ended earmark is already
    counted in its balance."""
    cap = LOWEST.balance_cap_fen
    w.open_wallet("low:1", "lowest", cap - 1_000)
    earmark(w, "low:1", 150_000)
    earmark(w, P1, 1_001)
    w.reverts(CTL, w.token, "endAllEarmarks", "low:1", error="ECNY_BalanceCapExceeded",
              wallet="low:1", balanceAfterFen=cap + 1, capFen=cap)
    assert w.earmarked("low:1", CTL) == 150_000 and w.earmarked(P1, CTL) == 1_001
    assert w.view("earmarkedTotalOf", CTL) == 151_001
    w.tok(CTL, "returnEarmark", P1, 1)
    r = w.tok(CTL, "endAllEarmarks", "low:1")
    assert r.return_value == 151_000
    assert r.event("AllEarmarksEnded").args == {
        "controller": w.addr(CTL), "to": w.addr("low:1"), "amountFen": 151_000, "epoch": 1}
    assert w.balance("low:1") == w.free("low:1") == cap
    assert w.balance(P1) == PARENT_FUND - 1_000


def test_money_that_stays_in_its_wallet_is_never_blocked_by_the_cap(w):
    """A wallet above its cap (its tier was lowered) takes nothing from another wallet, not a fen; but its
    own earmarks can still be released or moved to itself and returned to it: its balance does not change."""
    w.open_wallet("low:1", "lowest", 600_000)
    earmark(w, "low:1", 100_000)
    earmark(w, P1, 10_000)
    w.tok(BANK, "setTier", 9, 300_000, 0, 0)
    w.tok(BANK, "setWalletTier", "low:1", 9)  # holds 600,000, may hold 300,000
    for fn, args in (("releaseEarmark", (P1, "low:1", 1)), ("moveEarmark", (P1, "low:1", 1)),
                     ("releaseEarmarks", ([P1], [1], "low:1"))):
        w.reverts(CTL, w.token, fn, *args, error="ECNY_BalanceCapExceeded", wallet="low:1",
                  balanceAfterFen=600_001, capFen=300_000)
    w.reverts(BANK, w.token, "issue", "low:1", 1, error="ECNY_BalanceCapExceeded", balanceAfterFen=600_001)
    assert w.view("canReceive", "low:1", 0) is False  # above its cap: nothing more
    r = w.tok(CTL, "releaseEarmark", "low:1", "low:1", 30_000)
    assert r.event("EarmarkReleased").args == {
        "wallet": w.addr("low:1"), "controller": w.addr(CTL), "payee": w.addr("low:1"), "amountFen": 30_000}
    r = w.tok(CTL, "moveEarmark", "low:1", "low:1", 20_000)
    assert r.event("EarmarkMoved").args["amountFen"] == 20_000
    assert w.earmarked("low:1", CTL) == 70_000
    w.tok(CTL, "returnEarmark", "low:1", 50_000)
    w.tok(CTL, "returnEarmarks", ["low:1"], [20_000])
    assert w.earmarked("low:1", CTL) == 0
    assert w.balance("low:1") == w.free("low:1") == 600_000
    assert w.earmarked(P1, CTL) == 10_000 and w.view("earmarkedTotalOf", CTL) == 10_000


def test_can_receive(w):
    cap = LOWEST.balance_cap_fen
    w.open_wallet("low:1", "lowest", cap - 10_000)
    assert w.view("canReceive", "low:1", 0) is True
    assert w.view("canReceive", "low:1", 10_000) is True
    assert w.view("canReceive", "low:1", 10_001) is False
    # it agrees with what the token then does
    w.reverts(P1, w.token, "transfer", "low:1", 10_001, error="ECNY_BalanceCapExceeded", balanceAfterFen=cap + 1)
    earmark(w, "low:1", 4_000)  # earmarking its own money changes nothing
    assert w.view("canReceive", "low:1", 10_000) is True
    earmark(w, P1, 4_000)
    w.tok(CTL, "releaseEarmark", P1, "low:1", 4_000)
    assert w.view("canReceive", "low:1", 6_000) is True
    assert w.view("canReceive", "low:1", 6_001) is False
    w.tok(P1, "transfer", "low:1", 6_000)
    assert w.balance("low:1") == cap
    assert w.view("canReceive", "low:1", 0) is True and w.view("canReceive", "low:1", 1) is False
    assert w.view("canReceive", "low:1", MAX_UINT) is False  # any amount is an answer, never an overflow
    # a frozen wallet still receives (controllers release into it)
    w.tok(REGULATOR, "freezeWallet", "low:1")
    assert w.view("canReceive", "low:1", 0) is True
    w.tok(REGULATOR, "freezeWallet", P3)
    assert w.view("canReceive", P3, 1_000) is True
    # the corporate tier has no cap
    assert w.view("canReceive", SCHOOL, 10**30) is True
    assert w.view("canReceive", SCHOOL, MAX_UINT) is True
    # a closed or never opened wallet receives nothing
    w.tok(P2, "closeWallet", P2)
    assert w.view("canReceive", P2, 0) is False and w.view("canReceive", P2, 1) is False
    assert w.view("canReceive", "stranger:1", 0) is False


# ----------------------------------------------------------------------------------------- approveEarmark


def test_approve_earmark_replaces_the_allowance(w):
    r = w.tok(P1, "approveEarmark", CTL, 7_000)
    assert r.event("EarmarkApproval").args == {"wallet": w.addr(P1), "controller": w.addr(CTL), "amountFen": 7_000}
    assert w.view("earmarkAllowance", P1, CTL) == 7_000
    w.tok(P1, "approveEarmark", CTL, 3_000)
    assert w.view("earmarkAllowance", P1, CTL) == 3_000
    assert w.view("earmarkAllowance", P1, CTL_B) == 0


def test_approve_earmark_rejects_zero_address(w):
    w.reverts(P1, w.token, "approveEarmark", ZERO, 1, error="ECNY_ZeroAddress")


# ----------------------------------------------------------------------------------------- earmarkFrom


def test_earmark_from(w):
    w.tok(P1, "approveEarmark", CTL, 10_000)
    r = w.tok(CTL, "earmarkFrom", P1, 6_000)
    assert r.event("Earmarked").args == {"wallet": w.addr(P1), "controller": w.addr(CTL), "amountFen": 6_000}
    assert w.view("earmarkAllowance", P1, CTL) == 4_000
    assert w.free(P1) == PARENT_FUND - 6_000
    assert w.balance(P1) == PARENT_FUND  # still the owner's money, in their own wallet
    assert w.earmarked(P1, CTL) == 6_000
    assert w.view("earmarkedTotalOf", CTL) == 6_000
    assert w.view("spentTodayOf", P1) == 6_000  # counts against the daily limit
    w.tok(CTL, "earmarkFrom", P1, 4_000)
    assert w.earmarked(P1, CTL) == 10_000
    assert w.view("earmarkAllowance", P1, CTL) == 0


def test_earmark_from_unlimited_allowance_is_not_spent(w):
    w.tok(P1, "approveEarmark", CTL, MAX_UINT)
    w.tok(CTL, "earmarkFrom", P1, 6_000)
    assert w.view("earmarkAllowance", P1, CTL) == MAX_UINT


def test_earmark_from_only_controllers(w):
    w.tok(P1, "approveEarmark", "ctl:z", 1_000)
    w.reverts("ctl:z", w.token, "earmarkFrom", P1, 1_000, error="ECNY_NotController", caller="ctl:z")
    w.reverts(P1, w.token, "earmarkFrom", P1, 1_000, error="ECNY_NotController", caller=P1)


def test_earmark_from_reverts(w):
    w.reverts(CTL, w.token, "earmarkFrom", P1, 0, error="ECNY_ZeroAmount")
    w.reverts(CTL, w.token, "earmarkFrom", "stranger:1", 1, error="ECNY_WalletNotOpen", wallet="stranger:1")
    w.tok(P1, "approveEarmark", CTL, 500)
    w.reverts(CTL, w.token, "earmarkFrom", P1, 501, error="ECNY_InsufficientAllowance",
              wallet=P1, controller=CTL, allowanceFen=500, neededFen=501)
    w.tok(P1, "approveEarmark", CTL, MAX_UINT)
    w.reverts(CTL, w.token, "earmarkFrom", P1, PARENT_FUND + 1, error="ECNY_InsufficientFree",
              wallet=P1, freeFen=PARENT_FUND, neededFen=PARENT_FUND + 1)


def test_earmark_from_limits(w):
    w.open_wallet("low:1", "lowest", 1_000_000)
    w.tok("low:1", "approveEarmark", CTL, MAX_UINT)
    w.reverts(CTL, w.token, "earmarkFrom", "low:1", LOWEST.per_payment_fen + 1,
              error="ECNY_PerPaymentLimitExceeded", wallet="low:1", limitFen=LOWEST.per_payment_fen)
    w.tok(CTL, "earmarkFrom", "low:1", 200_000)
    w.tok("low:1", "transfer", P1, 200_000)
    w.tok(CTL, "earmarkFrom", "low:1", 100_000)
    w.reverts(CTL, w.token, "earmarkFrom", "low:1", 1, error="ECNY_DailyLimitExceeded",
              wallet="low:1", spentTodayFen=500_000, amountFen=1, limitFen=500_000)
    assert w.earmarked("low:1", CTL) == 300_000


# ----------------------------------------------------------------------------------------- releaseEarmark(s)


def test_release_earmark(w):
    earmark(w, P1, 10_000)
    supply = w.view("totalSupply")
    r = w.tok(CTL, "releaseEarmark", P1, SCHOOL, 3_000)
    assert r.event("EarmarkReleased").args == {
        "wallet": w.addr(P1), "controller": w.addr(CTL), "payee": w.addr(SCHOOL), "amountFen": 3_000}
    assert w.earmarked(P1, CTL) == 7_000
    assert w.balance(P1) == PARENT_FUND - 3_000
    assert w.free(P1) == PARENT_FUND - 10_000
    assert w.free(SCHOOL) == SCHOOL_FUND + 3_000
    assert w.view("earmarkedTotalOf", CTL) == 7_000
    assert w.view("totalSupply") == supply


def test_release_earmark_reverts(w):
    earmark(w, P1, 10_000)
    w.reverts(CTL, w.token, "releaseEarmark", P1, SCHOOL, 0, error="ECNY_ZeroAmount")
    w.reverts(CTL, w.token, "releaseEarmark", P1, "stranger:1", 1, error="ECNY_WalletNotOpen", wallet="stranger:1")
    w.reverts(CTL, w.token, "releaseEarmark", P1, SCHOOL, 10_001, error="ECNY_InsufficientEarmark",
              wallet=P1, controller=CTL, earmarkedFen=10_000, neededFen=10_001)
    # another controller (or anyone) cannot touch CTL's earmark
    w.reverts(CTL_B, w.token, "releaseEarmark", P1, SCHOOL, 1, error="ECNY_InsufficientEarmark",
              controller=CTL_B, earmarkedFen=0)
    w.reverts(P1, w.token, "releaseEarmark", P1, P1, 1, error="ECNY_InsufficientEarmark", controller=P1)
    assert w.earmarked(P1, CTL) == 10_000


def test_release_earmarks_batch(w):
    for p, amount in ((P1, 1_000), (P2, 2_000), (P3, 3_000)):
        earmark(w, p, amount)
    r = w.tok(CTL, "releaseEarmarks", [P1, P2, P3], [1_000, 1_500, 3_000], SCHOOL)
    assert r.event("EarmarksReleased").args == {
        "controller": w.addr(CTL), "payee": w.addr(SCHOOL), "wallets": 3, "amountFen": 5_500}
    assert r.events_named("EarmarkReleased") == []
    assert [w.earmarked(p, CTL) for p in (P1, P2, P3)] == [0, 500, 0]
    assert w.free(SCHOOL) == SCHOOL_FUND + 5_500
    assert w.view("earmarkedTotalOf", CTL) == 500


def test_release_earmarks_reverts(w):
    earmark(w, P1, 1_000)
    earmark(w, P2, 1_000)
    w.reverts(CTL, w.token, "releaseEarmarks", [P1, P2], [1_000], SCHOOL, error="ECNY_LengthMismatch",
              holders=2, amounts=1)
    w.reverts(CTL, w.token, "releaseEarmarks", [P1, P2], [1_000, 1_001], SCHOOL, error="ECNY_InsufficientEarmark",
              wallet=P2, controller=CTL, earmarkedFen=1_000, neededFen=1_001)
    w.reverts(CTL, w.token, "releaseEarmarks", [P1], [1_000], "stranger:1", error="ECNY_WalletNotOpen")
    w.reverts(CTL, w.token, "releaseEarmarks", [P1, P2], [1_000, 0], SCHOOL, error="ECNY_ZeroAmount")
    # all-or-nothing: the first wallet was not charged by the failed batches
    assert w.earmarked(P1, CTL) == w.earmarked(P2, CTL) == 1_000
    assert w.free(SCHOOL) == SCHOOL_FUND


def test_release_earmarks_same_wallet_twice_cannot_overdraw(w):
    earmark(w, P1, 1_000)
    w.reverts(CTL, w.token, "releaseEarmarks", [P1, P1], [600, 600], SCHOOL, error="ECNY_InsufficientEarmark",
              earmarkedFen=400, neededFen=600)
    w.tok(CTL, "releaseEarmarks", [P1, P1], [600, 400], SCHOOL)
    assert w.earmarked(P1, CTL) == 0


# ----------------------------------------------------------------------------------------- returnEarmark(s)


def test_return_earmark(w):
    earmark(w, P1, 10_000)
    r = w.tok(CTL, "returnEarmark", P1, 2_500)
    assert r.event("EarmarkReturned").args == {"wallet": w.addr(P1), "controller": w.addr(CTL), "amountFen": 2_500}
    assert w.earmarked(P1, CTL) == 7_500
    assert w.free(P1) == PARENT_FUND - 7_500
    assert w.balance(P1) == PARENT_FUND
    assert w.view("earmarkedTotalOf", CTL) == 7_500


def test_return_earmark_reverts(w):
    earmark(w, P1, 1_000)
    w.reverts(CTL, w.token, "returnEarmark", P1, 0, error="ECNY_ZeroAmount")
    w.reverts(CTL, w.token, "returnEarmark", P1, 1_001, error="ECNY_InsufficientEarmark",
              wallet=P1, controller=CTL, earmarkedFen=1_000, neededFen=1_001)
    w.reverts(CTL_B, w.token, "returnEarmark", P1, 1, error="ECNY_InsufficientEarmark", controller=CTL_B)


def test_return_earmarks_batch(w):
    earmark(w, P1, 1_000)
    earmark(w, P2, 2_000)
    r = w.tok(CTL, "returnEarmarks", [P1, P2], [1_000, 500])
    assert [e.args for e in r.events_named("EarmarkReturned")] == [
        {"wallet": w.addr(P1), "controller": w.addr(CTL), "amountFen": 1_000},
        {"wallet": w.addr(P2), "controller": w.addr(CTL), "amountFen": 500},
    ]
    assert w.free(P1) == PARENT_FUND
    assert w.free(P2) == PARENT_FUND - 1_500
    assert w.view("earmarkedTotalOf", CTL) == 1_500


def test_return_earmarks_reverts(w):
    earmark(w, P1, 1_000)
    w.reverts(CTL, w.token, "returnEarmarks", [P1], [1, 2], error="ECNY_LengthMismatch", holders=1, amounts=2)
    w.reverts(CTL, w.token, "returnEarmarks", [P1, P2], [1_000, 1], error="ECNY_InsufficientEarmark",
              wallet=P2, earmarkedFen=0, neededFen=1)
    assert w.earmarked(P1, CTL) == 1_000


# ----------------------------------------------------------------------------------------- moveEarmark


def test_move_earmark(w):
    earmark(w, P1, 10_000)
    r = w.tok(CTL, "moveEarmark", P1, SCHOOL, 2_000)
    assert r.event("EarmarkMoved").args == {
        "from": w.addr(P1), "to": w.addr(SCHOOL), "controller": w.addr(CTL), "amountFen": 2_000}
    assert w.earmarked(P1, CTL) == 8_000
    assert w.earmarked(SCHOOL, CTL) == 2_000
    assert w.balance(P1) == PARENT_FUND - 2_000
    assert w.balance(SCHOOL) == SCHOOL_FUND + 2_000
    assert w.free(SCHOOL) == SCHOOL_FUND  # locked in the school's wallet, not spendable
    assert w.view("earmarkedTotalOf", CTL) == 10_000
    w.tok(CTL, "returnEarmark", SCHOOL, 2_000)
    assert w.free(SCHOOL) == SCHOOL_FUND + 2_000


def test_move_earmark_reverts(w):
    earmark(w, P1, 1_000)
    w.reverts(CTL, w.token, "moveEarmark", P1, "stranger:1", 1, error="ECNY_WalletNotOpen", wallet="stranger:1")
    w.reverts(CTL, w.token, "moveEarmark", P1, SCHOOL, 1_001, error="ECNY_InsufficientEarmark",
              wallet=P1, controller=CTL, earmarkedFen=1_000, neededFen=1_001)
    w.reverts(CTL, w.token, "moveEarmark", P1, SCHOOL, 0, error="ECNY_ZeroAmount")
    w.reverts(CTL_B, w.token, "moveEarmark", P1, SCHOOL, 1, error="ECNY_InsufficientEarmark", controller=CTL_B)


# ----------------------------------------------------------------------------------------- endAllEarmarks


def test_end_all_earmarks(w):
    amounts = {P1: 1_000, P2: 2_000, P3: 3_000}
    for p, a in amounts.items():
        earmark(w, p, a)
    earmark(w, P1, 700, CTL_B)  # another controller's earmark is untouched
    supply = w.view("totalSupply")
    r = w.tok(CTL, "endAllEarmarks", SCHOOL_B)
    assert r.return_value == 6_000
    assert r.event("AllEarmarksEnded").args == {
        "controller": w.addr(CTL), "to": w.addr(SCHOOL_B), "amountFen": 6_000, "epoch": 1}
    for p, a in amounts.items():
        assert w.earmarked(p, CTL) == 0
        assert w.balance(p) == PARENT_FUND - a
    assert w.earmarked(P1, CTL_B) == 700
    assert w.balance(P1) == PARENT_FUND - 1_000
    assert w.free(SCHOOL_B) == SCHOOL_FUND + 6_000
    assert w.view("earmarkedTotalOf", CTL) == 0
    assert w.view("totalSupply") == supply
    # the ended earmarks can no longer be released
    w.reverts(CTL, w.token, "releaseEarmark", P2, SCHOOL, 1, error="ECNY_InsufficientEarmark", earmarkedFen=0)
    # a new earmark in the same wallet starts fresh (the stale 1,000 does not come back)
    earmark(w, P1, 250)
    assert w.earmarked(P1, CTL) == 250
    assert w.balance(P1) == PARENT_FUND - 1_000
    assert w.view("earmarkedTotalOf", CTL) == 250
    r = w.tok(CTL, "endAllEarmarks", SCHOOL_B)
    assert r.event("AllEarmarksEnded").args == {
        "controller": w.addr(CTL), "to": w.addr(SCHOOL_B), "amountFen": 250, "epoch": 2}
    assert w.earmarked(P1, CTL) == 0


def test_end_all_earmarks_costs_the_same_for_1_or_many_wallets(w):
    earmark(w, P1, 1_000, CTL)
    for p in w.parents(6):
        earmark(w, p, 1_000, CTL_B)
    one = w.tok(CTL, "endAllEarmarks", SCHOOL)
    many = w.tok(CTL_B, "endAllEarmarks", SCHOOL)
    assert one.return_value == 1_000 and many.return_value == 6_000
    assert many.gas_used == one.gas_used
    assert all(w.earmarked(p, CTL_B) == 0 for p in w.parents(6))


def test_end_all_earmarks_reverts(w):
    w.reverts("ctl:z", w.token, "endAllEarmarks", SCHOOL, error="ECNY_NotController", caller="ctl:z")
    earmark(w, P1, 1_000)
    w.reverts(CTL, w.token, "endAllEarmarks", "stranger:1", error="ECNY_WalletNotOpen", wallet="stranger:1")
    assert w.earmarked(P1, CTL) == 1_000


def test_end_all_earmarks_by_a_disabled_controller(w):
    earmark(w, P1, 1_000)
    w.tok(BANK, "setController", CTL, False)
    r = w.tok(CTL, "endAllEarmarks", SCHOOL)  # may still settle what it holds
    assert r.return_value == 1_000
    w.reverts(CTL, w.token, "endAllEarmarks", SCHOOL, error="ECNY_NotController", caller=CTL)


# ----------------------------------------------------------------------------------------- controllers per wallet


def test_too_many_controllers_and_pruning(w):
    controllers = [CTL, CTL_B] + [f"ctl:{i}" for i in range(3, 18)]  # 17
    for c in controllers[2:]:
        w.tok(BANK, "setController", c, True)
    for i, c in enumerate(controllers[:16]):
        earmark(w, P1, 100 + i, c)
    extra = controllers[16]
    w.tok(P1, "approveEarmark", extra, 50)
    w.reverts(extra, w.token, "earmarkFrom", P1, 50, error="ECNY_TooManyControllers", wallet=P1)
    # a listed controller that already earmarked more still can
    w.tok(P1, "approveEarmark", CTL, 1)
    w.tok(CTL, "earmarkFrom", P1, 1)
    # emptying one earmark makes room: it is pruned when the newcomer arrives
    w.tok(controllers[5], "returnEarmark", P1, 105)
    w.tok(extra, "earmarkFrom", P1, 50)
    assert w.earmarked(P1, extra) == 50
    total = sum(100 + i for i in range(16)) - 105 + 1 + 50
    assert w.balance(P1) == PARENT_FUND
    assert w.free(P1) == PARENT_FUND - total
    for i, c in enumerate(controllers[:16]):
        expected = 0 if i == 5 else 100 + i + (1 if c == CTL else 0)
        assert w.earmarked(P1, c) == expected
    # full again; an ended epoch counts as empty too
    w.tok(P1, "approveEarmark", controllers[5], 10)
    w.reverts(controllers[5], w.token, "earmarkFrom", P1, 10, error="ECNY_TooManyControllers")
    w.tok(controllers[7], "endAllEarmarks", SCHOOL)
    w.tok(controllers[5], "earmarkFrom", P1, 10)
    assert w.earmarked(P1, controllers[5]) == 10
    assert w.earmarked(P1, controllers[7]) == 0
    assert w.balance(P1) == PARENT_FUND - 107
    # moving an earmark into a full wallet is refused the same way
    w.tok(P2, "approveEarmark", controllers[7], 5)
    w.tok(controllers[7], "earmarkFrom", P2, 5)
    w.tok(controllers[8], "returnEarmark", P1, 108)
    w.tok(controllers[7], "moveEarmark", P2, P1, 5)  # room after pruning the emptied one
    assert w.earmarked(P1, controllers[7]) == 5
    w.tok(P2, "approveEarmark", controllers[8], 5)
    w.tok(controllers[8], "earmarkFrom", P2, 5)
    w.reverts(controllers[8], w.token, "moveEarmark", P2, P1, 5, error="ECNY_TooManyControllers", wallet=P1)


# ----------------------------------------------------------------------------------------- retired controllers
# A wallet lists at most 16 controllers; a newcomer prunes the ones whose earmark is empty. Pruned controllers
# stay in the wallet's retired list, and closing the wallet asks them too (flaw 2: a pruned controller with a
# claim on the wallet, e.g. a campaign owed the sweep by its funder, could not refuse the close).


def _assemble(*parts) -> bytes:
    """A tiny EVM assembler: ints are opcodes, bytes are pushed data (PUSHn chosen by length), ("label", x)
    marks a JUMPDEST and ("ref", x) pushes its offset (PUSH1)."""
    labels: dict[str, int] = {}
    for final in (False, True):
        code, pc = bytearray(), 0
        for part in parts:
            if isinstance(part, tuple) and part[0] == "label":
                labels[part[1]] = pc
                code.append(0x5B)
            elif isinstance(part, tuple) and part[0] == "ref":
                code += bytes([0x60, labels.get(part[1], 0) if final else 0])
            elif isinstance(part, bytes):
                code += bytes([0x5F + len(part)]) + part
            else:
                code.append(part)
            pc = len(code)
    return bytes(code)


def deploy_counting_controller(w, name: str):
    """A controller contract that counts the token's onWalletClose calls (closeCalls()) and forwards every
    other call to the token, so the test drives earmarkFrom / returnEarmark with the contract as caller."""
    close_sel, count_sel = keccak(text="onWalletClose(address)")[:4], keccak(text="closeCalls()")[:4]
    token = bytes.fromhex(w.token.address[2:])
    CALLDATALOAD, SHR, DUP1, EQ, JUMPI, POP, CALLDATASIZE, CALLDATACOPY, GAS, CALL = (
        0x35, 0x1C, 0x80, 0x14, 0x57, 0x50, 0x36, 0x37, 0x5A, 0xF1)
    RETURNDATASIZE, RETURNDATACOPY, REVERT, RETURN, SLOAD, SSTORE, ADD, MSTORE, STOP = (
        0x3D, 0x3E, 0xFD, 0xF3, 0x54, 0x55, 0x01, 0x52, 0x00)
    z = b"\x00"
    runtime = _assemble(
        z, CALLDATALOAD, b"\xe0", SHR,
        DUP1, close_sel, EQ, ("ref", "close"), JUMPI,
        DUP1, count_sel, EQ, ("ref", "count"), JUMPI,
        POP, CALLDATASIZE, z, z, CALLDATACOPY,  # forward the call to the token
        z, z, CALLDATASIZE, z, z, token, GAS, CALL,
        RETURNDATASIZE, z, z, RETURNDATACOPY, ("ref", "ok"), JUMPI,
        RETURNDATASIZE, z, REVERT,
        ("label", "ok"), RETURNDATASIZE, z, RETURN,
        ("label", "close"), z, SLOAD, b"\x01", ADD, z, SSTORE, STOP,
        ("label", "count"), z, SLOAD, z, MSTORE, b"\x20", z, RETURN,
    )
    n = len(runtime).to_bytes(2, "big")
    init = _assemble(n, b"\x00\x0f", z, 0x39, n, z, RETURN)  # CODECOPY(0, 15, n); RETURN(0, n)
    assert len(init) == 15
    abi = [
        {"type": "function", "name": "earmarkFrom", "stateMutability": "nonpayable", "outputs": [],
         "inputs": [{"name": "wallet", "type": "address"}, {"name": "amountFen", "type": "uint256"}]},
        {"type": "function", "name": "returnEarmark", "stateMutability": "nonpayable", "outputs": [],
         "inputs": [{"name": "wallet", "type": "address"}, {"name": "amountFen", "type": "uint256"}]},
        {"type": "function", "name": "closeCalls", "stateMutability": "view", "inputs": [],
         "outputs": [{"name": "", "type": "uint256"}]},
    ]
    counter = w.chain.deploy(name, abi, init + runtime, BANK)
    w.tok(BANK, "setController", counter, True)
    return counter


def plain_controllers(w, n: int) -> list[str]:
    """CTL, CTL_B and n - 2 more plain accounts, all registered as controllers."""
    names = [CTL, CTL_B] + [f"ctl:{i}" for i in range(3, n + 1)]
    for c in names[2:]:
        w.tok(BANK, "setController", c, True)
    return names


def test_the_counting_controller(w):
    """The test double below: it earmarks and returns through the token, and counts close calls."""
    counter = deploy_counting_controller(w, "counter")
    w.tok(P1, "approveEarmark", counter, 1_000)
    r = w.send(P2, counter, "earmarkFrom", P1, 1_000)
    assert r.event("Earmarked").args == {"wallet": w.addr(P1), "controller": counter.address, "amountFen": 1_000}
    assert w.earmarked(P1, counter) == 1_000
    w.reverts(P2, counter, "returnEarmark", P1, 1_001, error="ECNY_InsufficientEarmark", controller=counter,
              earmarkedFen=1_000, neededFen=1_001)  # the token's errors come back
    assert w.call(counter, "closeCalls") == 0
    w.send(P2, counter, "returnEarmark", P1, 1_000)
    w.tok(P1, "closeWallet", P1)  # listed, empty: asked once
    assert w.call(counter, "closeCalls") == 1


def test_close_wallet_asks_a_pruned_controller(w):
    counter = deploy_counting_controller(w, "counter")
    w.tok(P1, "approveEarmark", counter, MAX_UINT)
    w.send(P2, counter, "earmarkFrom", P1, 1_000)
    w.send(P2, counter, "returnEarmark", P1, 1_000)  # empty, still listed
    others = plain_controllers(w, 16)
    for i, c in enumerate(others):  # the 16th prunes the only empty one: the counter
        earmark(w, P1, 100 + i, c)
    assert [w.earmarked(P1, c) for c in others] == [100 + i for i in range(16)]
    w.tok(P1, "approveEarmark", "ctl:17", 1)
    w.tok(BANK, "setController", "ctl:17", True)
    w.reverts("ctl:17", w.token, "earmarkFrom", P1, 1, error="ECNY_TooManyControllers", wallet=P1)  # full again
    for i, c in enumerate(others):
        w.tok(c, "returnEarmark", P1, 100 + i)
    r = w.tok(P1, "closeWallet", P1)
    assert r.event("WalletClosed").args == {"wallet": w.addr(P1), "redeemedFen": PARENT_FUND}
    assert w.call(counter, "closeCalls") == 1  # asked although pruned


def test_a_pruned_controller_listed_again_is_asked_once(w):
    counter = deploy_counting_controller(w, "counter")
    w.tok(P1, "approveEarmark", counter, MAX_UINT)
    w.send(P2, counter, "earmarkFrom", P1, 1_000)
    w.send(P2, counter, "returnEarmark", P1, 1_000)
    others = plain_controllers(w, 16)
    for c in others:
        earmark(w, P1, 100, c)  # the 16th prunes the counter
    w.tok(others[3], "returnEarmark", P1, 100)
    w.send(P2, counter, "earmarkFrom", P1, 500)  # prunes others[3]: the counter is listed again
    assert w.earmarked(P1, counter) == 500
    w.send(P2, counter, "returnEarmark", P1, 500)
    for c in others:
        if c != others[3]:
            w.tok(c, "returnEarmark", P1, 100)
    r = w.tok(P1, "closeWallet", P1)
    assert r.event("WalletClosed").args == {"wallet": w.addr(P1), "redeemedFen": PARENT_FUND}
    assert w.call(counter, "closeCalls") == 1  # listed and retired, asked once


def test_a_campaign_pruned_from_its_funders_wallet_still_refuses_the_close(w):
    """Flaw 2, the attack: a campaign's funder whose earmark under the campaign is empty (every packet
    claimed) gets earmarks from 16 other controllers, so the campaign is pruned from its wallet's list; then
    it closes its wallet, leaving the sweep (the unspent packets) nowhere to go. The retired campaign is still
    asked and refuses; after the sweep the funder may close."""
    funder, packet = "gov:funder", 20_000
    w.open_wallet(funder, "corporate", 1_000_000)
    reg = w.art["MerchantRegistry"]
    registry = w.chain.deploy("merchants", reg["abi"], reg["bytecode"], BANK, ("registrar",))
    leaf = merkle.leaf(0, w.addr(P1), packet)  # one packet: the root is its leaf, the proof empty
    now = w.chain.now
    terms = {"start": now, "expiry": now + 7 * 24 * HOUR, "minSpendFen": 0, "maxPacketsPerPerson": 1,
             "district": 0, "category": 0, "applicantsHash": "0x" + "ab" * 32, "winnersRoot": leaf}
    art = w.art["RedPacketCampaign"]
    camp = w.chain.deploy("campaign", art["abi"], art["bytecode"], BANK, (w.token, registry, funder, terms))
    w.tok(BANK, "setController", camp, True)
    w.tok(funder, "approveEarmark", camp, packet)
    w.send(funder, camp, "fund", packet)
    w.send(P1, camp, "claim", 0, packet, [])
    assert w.earmarked(funder, camp) == 0 and w.earmarked(P1, camp) == packet  # the campaign's earmark is empty
    others = plain_controllers(w, 16)
    for c in others:  # the 16th newcomer prunes the campaign, the only empty earmark
        earmark(w, funder, 1_000, c)
    assert all(w.earmarked(funder, c) == 1_000 for c in others)
    for c in others:
        w.tok(c, "returnEarmark", funder, 1_000)
    w.reverts(funder, w.token, "closeWallet", funder, error="Campaign_FunderWalletNeeded", funder=funder)
    w.reverts(BANK, w.token, "closeWallet", funder, error="Campaign_FunderWalletNeeded", funder=funder)
    assert w.view("isOpen", funder) is True
    # the unspent packet comes home at the sweep; then the campaign no longer objects
    w.chain.set_time(terms["expiry"])
    r = w.send(P2, camp, "sweep")
    assert r.event("CampaignSwept").args == {"sweptFen": packet, "unclaimedFen": 0, "unspentFen": packet}
    assert w.free(funder) == 1_000_000 and w.earmarked(P1, camp) == 0
    r = w.tok(funder, "closeWallet", funder)
    assert r.event("WalletClosed").args == {"wallet": w.addr(funder), "redeemedFen": 1_000_000}


def test_chain_fixture_is_isolated(w):
    """Guard for the snapshot fixture: the base state is back in every test."""
    assert w.free(P1) == PARENT_FUND
    assert w.view("isOpen", P2) is True
    assert w.chain.now < T0 + HOUR


# ----------------------------------------------------------------------------------------- contract bugs
# These assert the documented behaviour; they fail against the current contract (see the test report).


def test_set_tier_refuses_limits_it_cannot_store(w):
    """WalletTier keeps uint64 limits; setTier casts the uint256 arguments without a check, so a cap of
    2**64 fen is stored as 0 = "no limit" while TierSet reports 2**64."""
    w.tok(BANK, "setTier", 9, 2**64, 1, 1, expect_revert=True)


def test_issue_refuses_amounts_a_wallet_cannot_hold(w):
    """freeFen is uint128; issue adds uint128(amountFen) to it but the full amount to totalSupply, so on a
    wallet without a balance cap 2**128 + 5 fen credits 5 fen and breaks sum(balances) == totalSupply."""
    w.tok(BANK, "issue", SCHOOL, 2**128 + 5, expect_revert=True)


def test_spent_today_counts_payments_of_wallets_without_a_daily_limit(w):
    """spentTodayOf is documented as the amount paid or earmarked today; _chargeLimits returns before
    recording it when the tier has no daily limit, so a corporate wallet always reads 0 (and a wallet moved
    to a limited tier mid-day starts the day from 0)."""
    w.tok(SCHOOL, "transfer", P1, 1_000)
    assert w.view("spentTodayOf", SCHOOL) == 1_000
