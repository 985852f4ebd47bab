// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IECNY} from "./interfaces/IECNY.sol";
import {IGrantProgramme} from "./interfaces/IGrantProgramme.sol";
import {IPayeeRegistry} from "./interfaces/IPayeeRegistry.sol";
import {Grant, GrantStatus, MilestoneSkipReason, ProgrammeRules, Tranche} from "./types/SubsidyTypes.sol";
import {GrantBook} from "./GrantBook.sol";

/// @title GrantProgramme
/// @notice See {IGrantProgramme}. One contract per programme. Budget and grant money are both earmarks under
/// this contract: the budget in the department's wallet, each firm's grant money in the firm's wallet.
contract GrantProgramme is GrantBook {
    constructor(IECNY token_, IPayeeRegistry payees_, address department_, address agency_,
        ProgrammeRules memory rules_) GrantBook(token_, payees_, department_, agency_, rules_) {}

    // ------------------------------------------------------------------ department

    /// @inheritdoc IGrantProgramme
    function fund(uint256 amountFen) external onlyDepartment {
        if (amountFen == 0) revert Grant_ZeroAmount();
        if (amountFen > type(uint128).max - _totals.fundedFen) {
            revert Grant_AmountTooLarge(amountFen, type(uint128).max - _totals.fundedFen);
        }
        _totals.fundedFen += uint128(amountFen);
        emit ProgrammeFunded(msg.sender, amountFen);
        _token.earmarkFrom(msg.sender, amountFen);
    }

    /// @inheritdoc IGrantProgramme
    function withdrawUnpaid(uint256 amountFen) external onlyDepartment {
        if (amountFen == 0) revert Grant_ZeroAmount();
        uint256 available = withdrawableFen();
        if (amountFen > available) revert Grant_BudgetExceeded(available, amountFen);
        _totals.withdrawnFen += uint128(amountFen);
        emit UnpaidWithdrawn(msg.sender, amountFen);
        _token.returnEarmark(msg.sender, amountFen);
    }

    /// @inheritdoc IGrantProgramme
    function admitFirms(address[] calldata firms, uint256[][] calldata tranchesFen)
        external
        onlyDepartment
        returns (uint256 firstGrantId)
    {
        if (firms.length != tranchesFen.length) revert Grant_LengthMismatch(firms.length, tranchesFen.length);
        uint256 available = withdrawableFen();
        firstGrantId = _count + 1;
        for (uint256 i; i < firms.length; ++i) {
            address firm = firms[i];
            _requireEligible(firm);
            uint256[] calldata amounts = tranchesFen[i];
            if (amounts.length == 0 || amounts.length > MAX_TRANCHES) {
                revert Grant_BadTranches(amounts.length, MAX_TRANCHES);
            }
            uint256 grantId = ++_count;
            uint256 size;
            for (uint256 j; j < amounts.length; ++j) {
                if (amounts[j] == 0) revert Grant_ZeroAmount();
                if (amounts[j] > available - size) revert Grant_BudgetExceeded(available, size + amounts[j]);
                size += amounts[j];
                _tranches[grantId].push(Tranche(uint128(amounts[j]), 0));
            }
            available -= size;
            Grant storage g = _grants[grantId];
            g.firm = firm;
            g.status = GrantStatus.Active;
            g.trancheCount = uint8(amounts.length);
            g.admittedAt = uint64(block.timestamp);
            g.sizeFen = uint128(size);
            _liveGrant[firm] = grantId;
            _totals.committedFen += uint128(size);
            emit FirmAdmitted(grantId, firm, size, amounts.length);
        }
    }

    // ------------------------------------------------------------------ agency

    /// @inheritdoc IGrantProgramme
    function attestMilestones(uint256[] calldata grantIds, uint256 milestone) external onlyAgency {
        for (uint256 i; i < grantIds.length; ++i) {
            uint256 grantId = grantIds[i];
            Grant storage g = _grants[grantId];
            bool withholding = g.status == GrantStatus.ClawedBack;
            MilestoneSkipReason reason = _milestoneSkip(g, withholding, grantId, milestone);
            if (reason != MilestoneSkipReason.None) {
                emit MilestoneSkipped(grantId, milestone, reason);
                continue;
            }
            uint128 amount = _tranches[grantId][milestone].amountFen;
            g.tranchesSettled += 1;
            _totals.committedFen -= amount;
            if (withholding) {
                _withhold(g, grantId, milestone, amount);
                continue;
            }
            _tranches[grantId][milestone].paidAt = uint64(block.timestamp);
            g.paidFen += amount;
            _totals.paidOutFen += amount;
            _totals.paidToFirmsFen += amount;
            if (g.tranchesSettled == g.trancheCount) g.status = GrantStatus.Completed;
            uint64 promiseEnd = uint64(promiseEndOf(grantId));
            if (promiseEnd > _promisesEnd) _promisesEnd = promiseEnd;
            emit TranchePaid(grantId, g.firm, milestone, amount);
            _token.moveEarmark(department, g.firm, amount);
        }
    }

    /// @inheritdoc IGrantProgramme
    function recordMissedMilestone(uint256 grantId, uint256 milestone) external onlyAgency {
        Grant storage g = _existing(grantId);
        // A clawed-back grant's remaining tranches can be cancelled too: the firm left and will not earn them.
        bool clawedBack = g.status == GrantStatus.ClawedBack && g.tranchesSettled < g.trancheCount;
        if (g.status != GrantStatus.Active && !clawedBack) revert Grant_NotActive(grantId);
        if (milestone != g.tranchesSettled) revert Grant_WrongMilestone(grantId, g.tranchesSettled, milestone);
        if (!clawedBack) {
            g.status = GrantStatus.Ended;
            // Nothing received means no promise to keep: the firm may apply again.
            if (g.paidFen == 0) delete _liveGrant[g.firm];
        }
        uint256 cancelled = _cancelRemaining(g, grantId);
        emit MilestoneMissed(grantId, g.firm, milestone, cancelled);
    }

    /// @inheritdoc IGrantProgramme
    function recordBreach(uint256 grantId, uint256 breachedAt, bool fraud) external onlyAgency {
        Grant storage g = _breachable(grantId, breachedAt, fraud);
        (uint256 principal, uint256 interest) = clawbackQuote(grantId, breachedAt);
        // Grant money that came back when the firm closed its wallet is already the department's again.
        uint256 owed = principal + interest - g.returnedOnCloseFen;
        uint256 unspent = _token.earmarkedOf(g.firm, address(this));
        uint256 returned = unspent < owed ? unspent : owed;
        g.status = GrantStatus.ClawedBack;
        g.breachedAt = uint64(breachedAt);
        g.fraud = fraud;
        g.interestFen = uint128(interest);
        g.returnedUnspentFen = uint128(returned);
        _totals.owedFen += uint128(owed);
        _totals.interestFen += uint128(interest);
        _totals.returnedUnspentFen += uint128(returned);
        if (owed == returned) _settle(g, grantId);
        else _liveGrant[g.firm] = grantId; // an old grant found fraudulent becomes live again: its debt bars new ones
        emit GrantClawedBack(grantId, g.firm, principal, interest, g.returnedOnCloseFen, returned, owed - returned,
            breachedAt);
        if (fraud) {
            uint256 until = block.timestamp + uint256(_rules.exclusionDays) * 1 days;
            _excludedUntil[g.firm] = until;
            emit FirmExcluded(g.firm, until);
        }
        if (returned != 0) _token.moveEarmark(g.firm, department, returned);
    }

    // ------------------------------------------------------------------ firms

    /// @inheritdoc IGrantProgramme
    function spend(address payee, uint256 amountFen) external {
        if (amountFen == 0) revert Grant_ZeroAmount();
        if (_token.isFrozen(msg.sender)) revert Grant_WalletFrozen(msg.sender);
        uint8 purpose = _payees.purposeOf(payee);
        if (payee == msg.sender || !_isAllowed(purpose)) revert Grant_PurposeNotAllowed(payee, purpose);
        uint256 available = grantMoneyOf(msg.sender);
        if (available < amountFen) revert Grant_InsufficientGrantMoney(msg.sender, available, amountFen);
        _totals.spentFen += uint128(amountFen);
        emit GrantSpent(msg.sender, payee, purpose, amountFen);
        _token.releaseEarmark(msg.sender, payee, amountFen);
    }

    /// @inheritdoc IGrantProgramme
    function repay(uint256 grantId, uint256 amountFen) external {
        Grant storage g = _existing(grantId);
        if (msg.sender != g.firm) revert Grant_NotFirm(msg.sender, g.firm);
        if (g.status != GrantStatus.ClawedBack) revert Grant_NoDebt(grantId);
        if (amountFen == 0) revert Grant_ZeroAmount();
        uint256 outstanding = outstandingOf(grantId);
        if (amountFen > outstanding) revert Grant_RepaymentExceedsDebt(grantId, outstanding, amountFen);
        g.repaidFen += uint128(amountFen);
        _totals.repaidFen += uint128(amountFen);
        if (amountFen == outstanding) _settle(g, grantId);
        emit DebtRepaid(grantId, msg.sender, amountFen, outstanding - amountFen);
        _token.earmarkFrom(msg.sender, amountFen);
        _token.moveEarmark(msg.sender, department, amountFen);
    }

    /// @notice Called by the token when a wallet closes: a firm's unspent grant money returns to the
    /// programme. The department's wallet cannot close while the programme holds money anywhere, is owed any, or
    /// a paid grant's promise still runs (a breach would bring money back to it).
    /// Requirements: caller is the token.
    /// Emits a {GrantMoneyReturnedOnClose} event when the firm held grant money.
    function onWalletClose(address wallet) external {
        if (msg.sender != address(_token)) revert Grant_NotToken(msg.sender);
        uint256 left = _token.earmarkedOf(wallet, address(this));
        if (wallet == department) {
            // Grant money returned on close, unspent money clawed back and repayments are all paid into it.
            if (_token.earmarkedTotalOf(address(this)) != 0 || _outstandingTotal() != 0
                || block.timestamp < _promisesEnd) {
                revert Grant_DepartmentWalletNeeded(wallet);
            }
            return;
        }
        if (left == 0) return;
        _totals.returnedOnCloseFen += uint128(left);
        // A later clawback of the firm's live grant credits what came back of that grant's own money: never more
        // than it paid (the rest is an earlier grant's, whose promise was kept), and nothing once it is clawed back.
        uint256 grantId = _liveGrant[wallet];
        Grant storage g = _grants[grantId];
        if (grantId != 0 && g.status != GrantStatus.ClawedBack && g.status != GrantStatus.Settled) {
            uint256 own = g.paidFen - g.returnedOnCloseFen;
            g.returnedOnCloseFen += uint128(left < own ? left : own);
        }
        emit GrantMoneyReturnedOnClose(wallet, left);
        _token.moveEarmark(wallet, department, left);
    }

    // ------------------------------------------------------------------ internals

    function _breachable(uint256 grantId, uint256 breachedAt, bool fraud) private view returns (Grant storage g) {
        g = _existing(grantId);
        if (g.status == GrantStatus.ClawedBack || g.status == GrantStatus.Settled) {
            revert Grant_AlreadyClawedBack(grantId);
        }
        if (g.paidFen == 0 && !fraud) revert Grant_NothingReceived(grantId);
        // One debt at a time, on the firm's one live grant: a later grant is dealt with first.
        uint256 live = currentGrantOf(g.firm);
        if (live != 0 && live != grantId) revert Grant_AnotherGrantLive(grantId, live);
        // Unspent money, repayments and withheld tranches all go back into the department's wallet.
        if (!_token.isOpen(department)) revert Grant_DepartmentWalletNeeded(department);
        if (breachedAt < g.admittedAt || breachedAt > block.timestamp) revert Grant_BadBreachTime(grantId, breachedAt);
        uint256 promiseEnd = promiseEndOf(grantId);
        if (!fraud && breachedAt >= promiseEnd) revert Grant_PromiseKept(grantId, promiseEnd);
    }

    /// @dev Why grant `grantId` cannot settle `milestone` now, or None: a batch skips it instead of reverting.
    function _milestoneSkip(Grant storage g, bool withholding, uint256 grantId, uint256 milestone)
        private
        view
        returns (MilestoneSkipReason)
    {
        if (g.status == GrantStatus.None) return MilestoneSkipReason.UnknownGrant;
        if ((g.status != GrantStatus.Active && !withholding) || g.tranchesSettled == g.trancheCount) {
            return MilestoneSkipReason.NotActive;
        }
        if (milestone != g.tranchesSettled) return MilestoneSkipReason.WrongMilestone;
        // A closed wallet (or one at its balance cap) cannot take the tranche: it waits for a later attestation.
        if (!withholding && !_token.canReceive(g.firm, _tranches[grantId][milestone].amountFen)) {
            return MilestoneSkipReason.FirmCannotReceive;
        }
        return MilestoneSkipReason.None;
    }

    /// @dev A tranche due to a firm that owes the programme is kept against the debt; any excess is
    /// cancelled, as is every later tranche once the debt is cleared.
    function _withhold(Grant storage g, uint256 grantId, uint256 milestone, uint128 amount) private {
        uint256 outstanding = outstandingOf(grantId);
        uint256 withheld = amount < outstanding ? amount : outstanding;
        uint256 cancelled = amount - withheld;
        g.withheldFen += uint128(withheld);
        _totals.withheldFen += uint128(withheld);
        _totals.paidOutFen += uint128(withheld);
        if (withheld == outstanding) cancelled += _settle(g, grantId);
        emit TrancheWithheld(grantId, g.firm, milestone, withheld, cancelled);
    }

    /// @dev The debt is cleared: the grant is settled and its remaining tranches cancelled.
    function _settle(Grant storage g, uint256 grantId) private returns (uint256 cancelled) {
        g.status = GrantStatus.Settled;
        if (_liveGrant[g.firm] == grantId) delete _liveGrant[g.firm];
        cancelled = _cancelRemaining(g, grantId);
    }

    function _cancelRemaining(Grant storage g, uint256 grantId) private returns (uint256 cancelled) {
        for (uint256 i = g.tranchesSettled; i < g.trancheCount; ++i) {
            cancelled += _tranches[grantId][i].amountFen;
        }
        g.tranchesSettled = g.trancheCount;
        _totals.committedFen -= uint128(cancelled);
    }
}
