// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IECNY} from "./interfaces/IECNY.sol";
import {IWagePassThrough} from "./interfaces/IWagePassThrough.sol";
import {Payroll, WageSkipReason} from "./types/SubsidyTypes.sol";

/// @title WagePassThrough
/// @notice See {IWagePassThrough}. One contract per project and subcontract.
contract WagePassThrough is IWagePassThrough {
    struct Wage {
        uint128 amountFen;
        bool settled;
    }

    IECNY private immutable _token;
    /// @inheritdoc IWagePassThrough
    address public immutable mainContractor;
    /// @inheritdoc IWagePassThrough
    address public immutable subcontractor;

    uint256 private _count;
    mapping(uint256 payrollId => Payroll) private _payrolls;
    mapping(uint256 payrollId => mapping(address worker => Wage)) private _wages;

    constructor(IECNY token_, address mainContractor_, address subcontractor_) {
        if (address(token_) == address(0) || mainContractor_ == address(0) || subcontractor_ == address(0)) {
            revert Wage_ZeroAddress();
        }
        if (mainContractor_ == subcontractor_) revert Wage_InvalidParties();
        _token = token_;
        mainContractor = mainContractor_;
        subcontractor = subcontractor_;
    }

    /// @inheritdoc IWagePassThrough
    function fundPayroll(address[] calldata workers, uint256[] calldata wagesFen, uint256 payday)
        external
        returns (uint256 payrollId)
    {
        if (msg.sender != mainContractor) revert Wage_NotMainContractor(msg.sender);
        if (workers.length != wagesFen.length) revert Wage_LengthMismatch(workers.length, wagesFen.length);
        if (workers.length == 0) revert Wage_EmptyPayroll();
        if (payday > type(uint64).max) revert Wage_PaydayTooLate(payday);
        payrollId = ++_count;
        uint256 total;
        for (uint256 i; i < workers.length; ++i) {
            address worker = workers[i];
            if (worker == address(0) || worker == mainContractor || worker == subcontractor) {
                revert Wage_BadWorker(worker);
            }
            if (wagesFen[i] == 0) revert Wage_ZeroWage(worker);
            if (_wages[payrollId][worker].amountFen != 0) revert Wage_DuplicateWorker(worker);
            if (wagesFen[i] > type(uint128).max - total) {
                revert Wage_AmountTooLarge(wagesFen[i], type(uint128).max - total);
            }
            total += wagesFen[i];
            _wages[payrollId][worker] = Wage(uint128(wagesFen[i]), false);
            emit WageAssigned(payrollId, worker, wagesFen[i]);
        }
        _payrolls[payrollId] = Payroll({
            payday: uint64(payday),
            workers: uint32(workers.length),
            workersPaid: 0,
            totalFen: uint128(total),
            paidFen: 0,
            returnedFen: 0
        });
        emit PayrollFunded(payrollId, workers.length, total, payday);
        _token.earmarkFrom(msg.sender, total);
        _token.moveEarmark(msg.sender, subcontractor, total);
    }

    /// @inheritdoc IWagePassThrough
    function payWages(uint256 payrollId, address[] calldata workers) external {
        Payroll storage run = _existing(payrollId);
        // The subcontractor may pay early; from payday anyone may, so wages cannot be held back.
        if (msg.sender != subcontractor && block.timestamp < run.payday) {
            revert Wage_NotYetPayday(payrollId, run.payday);
        }
        for (uint256 i; i < workers.length; ++i) {
            address worker = workers[i];
            Wage storage w = _wages[payrollId][worker];
            uint128 amount = w.amountFen;
            // One worker who cannot be paid never holds up the others' wages.
            WageSkipReason reason = WageSkipReason.None;
            if (amount == 0) reason = WageSkipReason.NotOnPayroll;
            else if (w.settled) reason = WageSkipReason.AlreadySettled; // also a worker listed twice
            else if (!_token.canReceive(worker, amount)) reason = WageSkipReason.WalletCannotReceive;
            if (reason != WageSkipReason.None) {
                emit WageSkipped(payrollId, worker, reason);
                continue;
            }
            w.settled = true;
            run.workersPaid += 1;
            run.paidFen += amount;
            emit WagePaid(payrollId, worker, amount, msg.sender);
            _token.releaseEarmark(subcontractor, worker, amount);
        }
    }

    /// @inheritdoc IWagePassThrough
    function returnWage(uint256 payrollId, address worker) external {
        if (msg.sender != mainContractor) revert Wage_NotMainContractor(msg.sender);
        Payroll storage run = _existing(payrollId);
        uint128 amount = _unsettled(payrollId, worker).amountFen;
        if (_token.isOpen(worker)) revert Wage_WorkerWalletOpen(worker);
        _wages[payrollId][worker].settled = true;
        run.returnedFen += amount;
        emit WageReturned(payrollId, worker, amount);
        _token.releaseEarmark(subcontractor, mainContractor, amount);
    }

    /// @notice Called by the token when a wallet closes. The subcontractor's wallet cannot close while it
    /// holds workers' wages, nor the main contractor's while a wage may still return to it.
    /// Requirements: caller is the token.
    function onWalletClose(address wallet) external view {
        if (msg.sender != address(_token)) revert Wage_NotToken(msg.sender);
        uint256 pending = _token.earmarkedOf(wallet, address(this));
        if (pending != 0) revert Wage_WagesPending(wallet, pending);
        if (wallet == mainContractor) {
            pending = _token.earmarkedTotalOf(address(this));
            if (pending != 0) revert Wage_MainContractorWalletNeeded(wallet, pending);
        }
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IWagePassThrough
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IWagePassThrough
    function payrollOf(uint256 payrollId) external view returns (Payroll memory) {
        return _payrolls[payrollId];
    }

    /// @inheritdoc IWagePassThrough
    function wageOf(uint256 payrollId, address worker) external view returns (uint256 amountFen, bool settled) {
        Wage storage w = _wages[payrollId][worker];
        return (w.amountFen, w.settled);
    }

    /// @inheritdoc IWagePassThrough
    function payrollCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc IWagePassThrough
    function pendingWagesFen() external view returns (uint256) {
        return _token.earmarkedTotalOf(address(this));
    }

    // ------------------------------------------------------------------ internals

    function _existing(uint256 payrollId) private view returns (Payroll storage run) {
        if (payrollId == 0 || payrollId > _count) revert Wage_UnknownPayroll(payrollId);
        run = _payrolls[payrollId];
    }

    function _unsettled(uint256 payrollId, address worker) private view returns (Wage storage w) {
        w = _wages[payrollId][worker];
        if (w.amountFen == 0) revert Wage_NotOnPayroll(payrollId, worker);
        if (w.settled) revert Wage_AlreadySettled(payrollId, worker);
    }
}
