// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEarmarkController} from "./IECNY.sol";
import {Payroll, WageSkipReason} from "../types/SubsidyTypes.sol";

/// @title IWagePassThrough
/// @notice A construction project's wages paid from the main contractor through the subcontractor to the
/// workers (Xiong'an 2022). The main contractor fixes each pay run's workers and wages; the money passes
/// into the subcontractor's wallet earmarked under this contract, so the subcontractor sees it and the
/// amounts but can only pay them to the listed workers. From payday anyone may pay the workers, so wages
/// cannot be held back either.
interface IWagePassThrough is IEarmarkController {
    error Wage_NotMainContractor(address caller);
    error Wage_NotToken(address caller);
    error Wage_ZeroAddress();
    error Wage_InvalidParties();
    error Wage_EmptyPayroll();
    error Wage_LengthMismatch(uint256 workers, uint256 wages);
    error Wage_BadWorker(address worker);
    error Wage_ZeroWage(address worker);
    error Wage_DuplicateWorker(address worker);
    error Wage_AmountTooLarge(uint256 amountFen, uint256 maxFen);
    error Wage_UnknownPayroll(uint256 payrollId);
    error Wage_NotYetPayday(uint256 payrollId, uint256 payday);
    error Wage_NotOnPayroll(uint256 payrollId, address worker);
    error Wage_AlreadySettled(uint256 payrollId, address worker);
    error Wage_WorkerWalletOpen(address worker);
    error Wage_WagesPending(address subcontractor, uint256 amountFen);
    error Wage_PaydayTooLate(uint256 payday);
    error Wage_MainContractorWalletNeeded(address mainContractor, uint256 pendingFen);

    event PayrollFunded(uint256 indexed payrollId, uint256 workers, uint256 totalFen, uint256 payday);
    event WageAssigned(uint256 indexed payrollId, address indexed worker, uint256 amountFen);
    event WagePaid(uint256 indexed payrollId, address indexed worker, uint256 amountFen, address paidBy);
    /// @dev A pay batch passed over this worker; their wage stays pending.
    event WageSkipped(uint256 indexed payrollId, address indexed worker, WageSkipReason reason);
    event WageReturned(uint256 indexed payrollId, address indexed worker, uint256 amountFen);

    /// @notice The main contractor funds a pay run: `wagesFen[i]` for `workers[i]`. The total is earmarked
    /// from its wallet (allowed first with {IECNY-approveEarmark}) and moved into the subcontractor's
    /// wallet, still earmarked.
    /// Requirements: caller is the main contractor; equal, non-zero lengths; each worker non-zero, neither
    /// contractor, listed once; each wage non-zero; total below 2^128; payday below 2^64.
    /// Emits a {WageAssigned} event per worker and a {PayrollFunded} event.
    function fundPayroll(address[] calldata workers, uint256[] calldata wagesFen, uint256 payday)
        external
        returns (uint256 payrollId);

    /// @notice Pays listed workers their wages out of the subcontractor's wallet. The subcontractor may pay
    /// at any time; from payday, anyone may.
    /// A listed worker who is not on the pay run, already paid (or listed twice), or whose wallet is closed
    /// or at its balance cap is skipped with a {WageSkipped} event; the others are paid.
    /// Requirements: the pay run exists; caller is the subcontractor, or payday has come.
    /// Emits a {WagePaid} or {WageSkipped} event per listed worker.
    function payWages(uint256 payrollId, address[] calldata workers) external;

    /// @notice Returns the wage of a worker whose wallet was closed to the main contractor.
    /// Requirements: caller is the main contractor; the worker is on the pay run and not yet paid; the
    /// worker's wallet is not open.
    /// Emits a {WageReturned} event.
    function returnWage(uint256 payrollId, address worker) external;

    /// @notice The main contractor, who funds wages and fixes the pay runs.
    function mainContractor() external view returns (address);
    /// @notice The subcontractor, through whose wallet wages pass.
    function subcontractor() external view returns (address);
    /// @notice The e-CNY token whose earmarks this contract controls.
    function token() external view returns (address);
    /// @notice A pay run: payday, workers, totals.
    function payrollOf(uint256 payrollId) external view returns (Payroll memory);
    /// @notice A worker's wage in a pay run, and whether it was paid or returned.
    function wageOf(uint256 payrollId, address worker) external view returns (uint256 amountFen, bool settled);
    /// @notice Pay runs funded so far (ids run from 1).
    function payrollCount() external view returns (uint256);
    /// @notice Wages in the subcontractor's wallet not yet paid out.
    function pendingWagesFen() external view returns (uint256);
}
