"""Every function and every custom error in the ABIs of the contracts in COVERED_ARTIFACTS is exercised by the contract unit tests.

conftest.py records every Chain.send / Chain.call / Chain.deploy of the session (`abi_recorder`) and moves this
module to the end of the run. The check skips unless test_ecny.py, test_prepaid_escrow.py and
test_upfront_prepaid.py all ran in full (nothing deselected, no single-test node ids).
"""

from __future__ import annotations

import pytest

from contract_testkit import BANK, COVERED_ARTIFACTS, REGULATOR, AbiRecorder, unit_suite_incomplete
from ecny_sim.chain import Chain
from ecny_sim.chain.errors import ContractRevert

#: Custom errors no call can raise, with the reason. (Each entry must still be in its ABI and must stay unseen.)
UNREACHABLE_ERRORS = {
    ("UpfrontPrepaid", "Prepaid_NothingToRefund"): (
        "an upfront order becomes Completed with the lesson that leaves nothing, and refunds mark it Cancelled "
        "or Refunded, so cancelOrder meets Prepaid_OrderNotActive first"
    ),
}

#: Functions only the token can call successfully; their happy path runs inside ECNY.closeWallet (recorded as
#: that call), so the check only asks that a test called them directly (and saw Prepaid_NotToken).
SUCCESS_ONLY_NESTED = {
    ("PrepaidEscrow", "onWalletClose"),
    ("UpfrontPrepaid", "onWalletClose"),
    ("RedPacketCampaign", "onWalletClose"),
    ("ConditionalPayment", "onWalletClose"),
    ("GrantProgramme", "onWalletClose"),
    ("WagePassThrough", "onWalletClose"),
}


def test_every_function_and_error_is_exercised(request, abi_recorder: AbiRecorder):
    reason = unit_suite_incomplete(request.session)
    if reason is not None:
        pytest.skip(f"ABI coverage needs the whole contract unit suite in one run: {reason}")
    rec = abi_recorder
    problems: list[str] = []
    for art in COVERED_ARTIFACTS:
        never_called = sorted(f for f in rec.functions[art] if (art, f) not in rec.called)
        if never_called:
            problems.append(f"{art}: functions never called: {', '.join(never_called)}")
        never_ok = sorted(
            f
            for f in rec.functions[art]
            if (art, f) in rec.called and (art, f) not in rec.succeeded and (art, f) not in SUCCESS_ONLY_NESTED
        )
        if never_ok:
            problems.append(f"{art}: functions never called successfully (no happy path): {', '.join(never_ok)}")
        unseen = sorted(
            e for e in rec.errors[art] if (art, e) not in rec.seen_errors and (art, e) not in UNREACHABLE_ERRORS
        )
        if unseen:
            problems.append(f"{art}: custom errors never raised: {', '.join(unseen)}")
    for (art, err), why in UNREACHABLE_ERRORS.items():
        if err not in rec.errors[art]:
            problems.append(f"UNREACHABLE_ERRORS lists {art}.{err}, which its ABI no longer declares")
        elif (art, err) in rec.seen_errors:
            problems.append(f"UNREACHABLE_ERRORS lists {art}.{err} ({why}) but a test raised it: remove the entry")
    for art, fn in SUCCESS_ONLY_NESTED:
        if fn not in rec.functions[art]:
            problems.append(f"SUCCESS_ONLY_NESTED lists {art}.{fn}, which its ABI no longer declares")
    if problems:
        pytest.fail("contract ABI coverage is incomplete:\n  " + "\n  ".join(problems), pytrace=False)


def test_recorder_attribution():
    """The recorder itself: calls are attributed by bytecode, errors to the called ABI or, when they bubble up
    from a nested call, to the ABI that declares them; reverted deployments count."""
    rec = AbiRecorder()
    mp = pytest.MonkeyPatch()
    rec.install(mp)
    try:
        chain = Chain(0, seed=1)
        art = rec.artifacts["ECNY"]
        token = chain.deploy("t", art["abi"], art["bytecode"], BANK, (BANK, REGULATOR))
        chain.call(token, "totalSupply")
        chain.send(BANK, "t", "issue", "nobody", 1, expect_revert="ECNY_WalletNotOpen")
        with pytest.raises(ContractRevert):
            chain.send(REGULATOR, token, "setTier(uint16,uint256,uint256,uint256)", 1, 1, 1, 1)
        up = rec.artifacts["UpfrontPrepaid"]
        with pytest.raises(ContractRevert):
            chain.deploy("u", up["abi"], up["bytecode"], BANK, (token, REGULATOR, (1, 1, 1, 1, 1, 0, 1), 10_001))
        esc = rec.artifacts["PrepaidEscrow"]
        rules = (60, 10**7, 10**6, 10**7, 20, 0, 1)
        escrow = chain.deploy("e", esc["abi"], esc["bytecode"], BANK, (token, REGULATOR, rules))
        chain.send(BANK, token, "setController", escrow, True)
        chain.send(REGULATOR, escrow, "approveInstitution", "school")
        course = chain.send("school", escrow, "publishCourse", 1, 1, 1, 10**6, 2 * 10**6).return_value
        chain.send(BANK, token, "openWallet", "parent", 0)
        chain.send("parent", escrow, "enrol", course, 1, expect_revert="ECNY_InsufficientAllowance")
    finally:
        mp.undo()
    assert ("ECNY", "totalSupply") in rec.succeeded
    assert ("ECNY", "issue") in rec.called and ("ECNY", "issue") not in rec.succeeded
    assert ("ECNY", "setTier") in rec.called
    assert {("ECNY", "ECNY_WalletNotOpen"), ("ECNY", "ECNY_NotIssuer")} <= rec.seen_errors
    assert ("UpfrontPrepaid", "Prepaid_InvalidDepositShare") in rec.seen_errors
    assert ("PrepaidEscrow", "enrol") in rec.called and ("PrepaidEscrow", "publishCourse") in rec.succeeded
    assert ("ECNY", "ECNY_InsufficientAllowance") in rec.seen_errors  # bubbled up through the escrow
    assert not any(a == "UpfrontPrepaid" for a, _ in rec.called)
