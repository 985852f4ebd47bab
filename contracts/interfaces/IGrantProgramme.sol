// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEarmarkController} from "./IECNY.sol";
import {Grant, MilestoneSkipReason, ProgrammeRules, ProgrammeTotals, Tranche} from "../types/SubsidyTypes.sol";

/// @title IGrantProgramme
/// @notice Government special funds paid to firms in tranches (Shenzhen's e-CNY special funds). A department
/// funds the programme: the budget is earmarked in its own wallet. It admits firms, each with tranches tied
/// to milestones; an agency attests milestones and the matching tranche moves into the firm's wallet, still
/// earmarked: the firm may pay it only to registered payees of an allowed purpose, while its own money stays
/// free. If the agency records that the firm broke its stay promise (or cheated), the firm owes what it
/// received plus simple interest per payment, floor(amount x rate_bps x days / (10,000 x 365)); unspent grant
/// money returns at once, the rest is a debt the firm repays and later tranches are withheld against it. A
/// cheating firm is excluded from new grants for a while.
interface IGrantProgramme is IEarmarkController {
    error Grant_NotDepartment(address caller);
    error Grant_NotAgency(address caller);
    error Grant_NotFirm(address caller, address firm);
    error Grant_NotToken(address caller);
    error Grant_InvalidRules();
    error Grant_ZeroAddress();
    error Grant_ZeroAmount();
    error Grant_AmountTooLarge(uint256 amountFen, uint256 maxFen);
    error Grant_LengthMismatch(uint256 firms, uint256 grants);
    error Grant_BadTranches(uint256 count, uint256 maxTranches);
    error Grant_BudgetExceeded(uint256 availableFen, uint256 neededFen);
    error Grant_FirmHasActiveGrant(address firm, uint256 grantId);
    error Grant_FirmHasDebt(address firm, uint256 grantId, uint256 outstandingFen);
    error Grant_FirmUnderPromise(address firm, uint256 grantId, uint256 promiseEnd);
    error Grant_InvalidFirm(address firm);
    error Grant_AnotherGrantLive(uint256 grantId, uint256 liveGrantId);
    error Grant_FirmExcluded(address firm, uint256 until);
    error Grant_UnknownGrant(uint256 grantId);
    error Grant_NotActive(uint256 grantId);
    error Grant_WrongMilestone(uint256 grantId, uint256 expected, uint256 given);
    error Grant_NothingReceived(uint256 grantId);
    error Grant_AlreadyClawedBack(uint256 grantId);
    error Grant_BadBreachTime(uint256 grantId, uint256 breachedAt);
    error Grant_PromiseKept(uint256 grantId, uint256 promiseEnd);
    error Grant_NoDebt(uint256 grantId);
    error Grant_RepaymentExceedsDebt(uint256 grantId, uint256 outstandingFen, uint256 amountFen);
    error Grant_PurposeNotAllowed(address payee, uint8 purpose);
    error Grant_InsufficientGrantMoney(address firm, uint256 availableFen, uint256 amountFen);
    error Grant_WalletFrozen(address wallet);
    error Grant_DepartmentWalletNeeded(address department);

    event ProgrammeFunded(address indexed department, uint256 amountFen);
    event UnpaidWithdrawn(address indexed department, uint256 amountFen);
    event FirmAdmitted(uint256 indexed grantId, address indexed firm, uint256 sizeFen, uint256 tranches);
    event TranchePaid(uint256 indexed grantId, address indexed firm, uint256 milestone, uint256 amountFen);
    event TrancheWithheld(uint256 indexed grantId, address indexed firm, uint256 milestone, uint256 withheldFen,
        uint256 cancelledFen);
    /// @dev An attestation batch passed over this grant; nothing changed for it.
    event MilestoneSkipped(uint256 indexed grantId, uint256 milestone, MilestoneSkipReason reason);
    event MilestoneMissed(uint256 indexed grantId, address indexed firm, uint256 milestone, uint256 cancelledFen);
    event GrantSpent(address indexed firm, address indexed payee, uint8 indexed purpose, uint256 amountFen);
    event GrantClawedBack(
        uint256 indexed grantId,
        address indexed firm,
        uint256 principalFen,
        uint256 interestFen,
        uint256 creditedOnCloseFen,
        uint256 returnedUnspentFen,
        uint256 outstandingFen,
        uint256 breachedAt
    );
    event FirmExcluded(address indexed firm, uint256 until);
    event DebtRepaid(uint256 indexed grantId, address indexed firm, uint256 amountFen, uint256 outstandingFen);
    event GrantMoneyReturnedOnClose(address indexed firm, uint256 amountFen);

    // ------------------------------------------------------------------ department

    /// @notice Earmarks `amountFen` of the department's money as the programme's budget (the department
    /// first allows it with {IECNY-approveEarmark}). May be called again to top up.
    /// Requirements: caller is the department; amount non-zero and below 2^128.
    /// Emits a {ProgrammeFunded} event.
    function fund(uint256 amountFen) external;

    /// @notice Takes budget that no admitted firm is promised back into the department's free money.
    /// Requirements: caller is the department; amount non-zero and at most {withdrawableFen}.
    /// Emits an {UnpaidWithdrawn} event.
    function withdrawUnpaid(uint256 amountFen) external;

    /// @notice Admits firms: `tranchesFen[i]` lists firm i's tranches in milestone order (the grant's size
    /// is their sum).
    /// Requirements: caller is the department; equal lengths; each firm non-zero, neither the department nor
    /// the agency, not excluded, and without a live grant here (one active, owing a debt, or paid and still
    /// under its promise); 1 to 8 non-zero tranches; the uncommitted budget covers every grant.
    /// Emits a {FirmAdmitted} event per firm.
    function admitFirms(address[] calldata firms, uint256[][] calldata tranchesFen)
        external
        returns (uint256 firstGrantId);

    // ------------------------------------------------------------------ agency

    /// @notice Attests that each listed grant reached milestone `milestone` (0-based): its tranche is paid
    /// into the firm's wallet as grant money, or, for a clawed-back grant, withheld against the debt.
    /// A grant that cannot take it (unknown, not active, `milestone` not its next one, listed twice, or the
    /// firm's wallet closed or at its cap) is skipped with a {MilestoneSkipped} event; its tranche waits.
    /// Requirements: caller is the agency.
    /// Emits a {TranchePaid}, {TrancheWithheld} or {MilestoneSkipped} event per listed grant.
    function attestMilestones(uint256[] calldata grantIds, uint256 milestone) external;

    /// @notice Records that the firm missed milestone `milestone`: the grant ends; the remaining tranches
    /// are cancelled and their budget is free again. Grant money already paid stays the firm's, bound to
    /// its purpose. For a clawed-back grant, this cancels the tranches the firm will no longer earn.
    /// Requirements: caller is the agency; the grant is active, or clawed back with tranches left; and
    /// `milestone` is its next one.
    /// Emits a {MilestoneMissed} event.
    function recordMissedMilestone(uint256 grantId, uint256 milestone) external;

    /// @notice Records that the firm broke its promise at `breachedAt` (moved out of the city within the
    /// promise period), or cheated (`fraud`, at any time). The firm owes principal plus interest, less any
    /// grant money that already came back when it closed its wallet; its unspent grant money returns to the
    /// programme at once; the rest is a debt. A cheating firm is
    /// excluded from new grants for `exclusionDays`.
    /// Requirements: caller is the agency; the grant was not clawed back before and no other grant of the
    /// firm is live; the department's wallet is open; `breachedAt` between admission and now; unless
    /// `fraud`, the grant paid the firm something and `breachedAt` is within the promise period.
    /// Emits a {GrantClawedBack} event, and a {FirmExcluded} event for fraud.
    function recordBreach(uint256 grantId, uint256 breachedAt, bool fraud) external;

    // ------------------------------------------------------------------ firms

    /// @notice Pays `amountFen` of the caller's grant money to `payee`, which must be registered for an
    /// allowed purpose. The caller's own money is not touched (it pays anyone with {IECNY-transfer}).
    /// Requirements: amount non-zero; the caller's wallet is not frozen; the payee's purpose is allowed and
    /// the payee is not the caller; the caller holds that much grant money.
    /// Emits a {GrantSpent} event.
    function spend(address payee, uint256 amountFen) external;

    /// @notice Repays part or all of a clawed-back grant's outstanding debt from the caller's own money
    /// (allowed first with {IECNY-approveEarmark}); the money returns to the programme's budget.
    /// Requirements: caller is the grant's firm; the grant has a debt; amount non-zero and at most the
    /// outstanding debt.
    /// Emits a {DebtRepaid} event.
    function repay(uint256 grantId, uint256 amountFen) external;

    // ------------------------------------------------------------------ views

    /// @notice The department that funds the programme and receives clawed-back money.
    function department() external view returns (address);
    /// @notice The agency that attests milestones and records breaches.
    function agency() external view returns (address);
    /// @notice The e-CNY token whose earmarks the programme controls.
    function token() external view returns (address);
    /// @notice The registry of payees and their purposes.
    function payeeRegistry() external view returns (address);
    /// @notice The programme's fixed rules.
    function rules() external view returns (ProgrammeRules memory);
    /// @notice What happened to the programme's money so far, in fen.
    function totals() external view returns (ProgrammeTotals memory);
    /// @notice The budget still in the department's wallet under the programme.
    function programmeBalanceFen() external view returns (uint256);
    /// @notice Budget not promised to any admitted firm: what {withdrawUnpaid} may take.
    function withdrawableFen() external view returns (uint256);
    /// @notice A grant: firm, status, size, principal, interest and how the debt was recovered.
    function grantOf(uint256 grantId) external view returns (Grant memory);
    /// @notice A grant's tranches: amount and when each was paid (0 = not paid to the firm).
    function tranchesOf(uint256 grantId) external view returns (Tranche[] memory);
    /// @notice Grants admitted so far (ids run from 1).
    function grantCount() external view returns (uint256);
    /// @notice The firm's live grant: active, owing a debt, or paid and still under its promise; 0 if none.
    function currentGrantOf(address firm) external view returns (uint256);
    /// @notice When the grant's stay promise ends (admission + promiseDays).
    function promiseEndOf(uint256 grantId) external view returns (uint256);
    /// @notice Until when the firm may not be admitted (0 = never excluded).
    function excludedUntil(address firm) external view returns (uint256);
    /// @notice Grant money in `wallet`: spendable only on allowed purposes.
    function grantMoneyOf(address wallet) external view returns (uint256);
    /// @notice Debt still owed on a clawed-back grant.
    function outstandingOf(uint256 grantId) external view returns (uint256);
    /// @notice What the firm would owe if it broke its promise at `breachedAt`: every tranche it received
    /// (one paid after the breach, before the breach was recorded, is owed too, without interest) and the
    /// interest on each payment.
    function clawbackQuote(uint256 grantId, uint256 breachedAt)
        external
        view
        returns (uint256 principalFen, uint256 interestFen);
    /// @notice Whether `payee` may receive grant money (registered for an allowed purpose).
    function isAllowedPayee(address payee) external view returns (bool);
}
