// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IECNY} from "./interfaces/IECNY.sol";
import {IConditionalPayment} from "./interfaces/IConditionalPayment.sol";
import {ConditionalPaymentInfo, PaymentStatus, ReturnReason} from "./types/SubsidyTypes.sol";

/// @title ConditionalPayment
/// @notice See {IConditionalPayment}. The money never leaves the payer's wallet until it is released: it is
/// an earmark under this contract, so the payer sees it and cannot spend it elsewhere.
contract ConditionalPayment is IConditionalPayment {
    IECNY private immutable _token;
    /// @inheritdoc IConditionalPayment
    uint256 public immutable disputeWindow;
    mapping(uint256 paymentId => ConditionalPaymentInfo) private _payments;
    uint256 private _count;

    constructor(IECNY token_, uint256 disputeWindow_) {
        if (address(token_) == address(0)) revert Conditional_ZeroAddress();
        if (disputeWindow_ == 0 || disputeWindow_ > 3650 days) revert Conditional_InvalidDisputeWindow(disputeWindow_);
        _token = token_;
        disputeWindow = disputeWindow_;
    }

    /// @inheritdoc IConditionalPayment
    function create(address payee, address verifier, uint256 amountFen, uint256 deadline)
        external
        returns (uint256 paymentId)
    {
        if (payee == address(0) || verifier == address(0)) revert Conditional_ZeroAddress();
        // Three distinct parties: a payer verifying itself could take the money back as "condition failed".
        if (payee == msg.sender || payee == verifier || verifier == msg.sender) {
            revert Conditional_InvalidParties(msg.sender, payee, verifier);
        }
        if (amountFen == 0) revert Conditional_ZeroAmount();
        if (amountFen > type(uint128).max) revert Conditional_AmountTooLarge(amountFen, type(uint128).max);
        if (deadline <= block.timestamp || deadline > type(uint64).max) {
            revert Conditional_DeadlineNotInFuture(deadline);
        }
        paymentId = ++_count;
        _payments[paymentId] = ConditionalPaymentInfo({
            payer: msg.sender,
            createdAt: uint64(block.timestamp),
            deadline: uint64(deadline),
            payee: payee,
            amountFen: uint128(amountFen),
            verifier: verifier,
            status: PaymentStatus.Pending
        });
        emit PaymentCreated(paymentId, msg.sender, payee, verifier, amountFen, deadline);
        _token.earmarkFrom(msg.sender, amountFen);
    }

    /// @inheritdoc IConditionalPayment
    function confirm(uint256 paymentId) external {
        ConditionalPaymentInfo storage p = _undecided(paymentId);
        if (msg.sender != p.payer) _requireVerifierInTime(p, paymentId);
        // A freeze stops the owner's own moves; a verifier's attestation is the contract's release.
        else if (_token.isFrozen(msg.sender)) revert Conditional_WalletFrozen(msg.sender);
        p.status = PaymentStatus.Released;
        emit PaymentReleased(paymentId, p.payee, p.amountFen, msg.sender);
        _token.releaseEarmark(p.payer, p.payee, p.amountFen);
    }

    /// @inheritdoc IConditionalPayment
    function reject(uint256 paymentId) external {
        ConditionalPaymentInfo storage p = _undecided(paymentId);
        ReturnReason reason = ReturnReason.PayeeDeclined;
        if (msg.sender != p.payee) {
            _requireVerifierInTime(p, paymentId);
            reason = ReturnReason.ConditionFailed;
        }
        _return(p, paymentId, reason);
    }

    /// @inheritdoc IConditionalPayment
    function dispute(uint256 paymentId) external {
        ConditionalPaymentInfo storage p = _undecided(paymentId);
        if (msg.sender != p.payee) revert Conditional_NotAllowed(paymentId, msg.sender);
        if (p.status != PaymentStatus.Pending) revert Conditional_NotPending(paymentId);
        if (block.timestamp >= p.deadline) revert Conditional_DeadlinePassed(paymentId, p.deadline);
        // The verifier gets its own deadline: if it never decides, the money still returns to the payer.
        uint64 decideBy = uint64(block.timestamp + disputeWindow);
        p.status = PaymentStatus.Disputed;
        p.deadline = decideBy;
        emit PaymentDisputed(paymentId, msg.sender, decideBy);
    }

    /// @inheritdoc IConditionalPayment
    function reclaim(uint256 paymentId) external {
        ConditionalPaymentInfo storage p = _undecided(paymentId);
        if (block.timestamp < p.deadline) revert Conditional_DeadlineNotReached(paymentId, p.deadline);
        _return(p, paymentId, ReturnReason.DeadlinePassed);
    }

    /// @notice Called by the token when a wallet closes. Pending payments stay locked, so a payer cannot
    /// escape a condition by closing its wallet: the token then refuses the closure.
    /// Requirements: caller is the token.
    function onWalletClose(address) external view {
        if (msg.sender != address(_token)) revert Conditional_NotToken(msg.sender);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IConditionalPayment
    function paymentOf(uint256 paymentId) external view returns (ConditionalPaymentInfo memory) {
        return _payments[paymentId];
    }

    /// @inheritdoc IConditionalPayment
    function paymentCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc IConditionalPayment
    function isReclaimable(uint256 paymentId) external view returns (bool) {
        ConditionalPaymentInfo storage p = _payments[paymentId];
        return (p.status == PaymentStatus.Pending || p.status == PaymentStatus.Disputed)
            && block.timestamp >= p.deadline;
    }

    /// @inheritdoc IConditionalPayment
    function token() external view returns (address) {
        return address(_token);
    }

    // ------------------------------------------------------------------ internals

    function _undecided(uint256 paymentId) private view returns (ConditionalPaymentInfo storage p) {
        p = _payments[paymentId];
        if (p.status == PaymentStatus.None) revert Conditional_UnknownPayment(paymentId);
        if (p.status != PaymentStatus.Pending && p.status != PaymentStatus.Disputed) {
            revert Conditional_NotPending(paymentId);
        }
    }

    /// @dev The verifier decides before the deadline (after a dispute, the dispute's deadline).
    function _requireVerifierInTime(ConditionalPaymentInfo storage p, uint256 paymentId) private view {
        if (msg.sender != p.verifier) revert Conditional_NotAllowed(paymentId, msg.sender);
        if (block.timestamp >= p.deadline) revert Conditional_DeadlinePassed(paymentId, p.deadline);
    }

    function _return(ConditionalPaymentInfo storage p, uint256 paymentId, ReturnReason reason) private {
        p.status = PaymentStatus.Returned;
        emit PaymentReturned(paymentId, p.payer, p.amountFen, reason);
        _token.returnEarmark(p.payer, p.amountFen);
    }
}
