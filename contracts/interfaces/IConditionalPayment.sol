// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEarmarkController} from "./IECNY.sol";
import {ConditionalPaymentInfo, ReturnReason} from "../types/SubsidyTypes.sol";

/// @title IConditionalPayment
/// @notice Three-party conditional payments (Project Rosalind's "unlock"): a payer earmarks an amount in its
/// own wallet for a payee; an appointed verifier attests that the condition holds (the money is released)
/// or fails (it returns); if nobody decides by the deadline, it returns to the payer. The payer may release
/// early (a buyer confirming delivery); the payee may give it back, or dispute a payer who will not confirm:
/// then only the verifier decides, within the dispute window, after which the money returns to the payer.
/// Used for car prepayments and for subsidies paid on registration.
interface IConditionalPayment is IEarmarkController {
    error Conditional_NotToken(address caller);
    error Conditional_ZeroAddress();
    error Conditional_ZeroAmount();
    error Conditional_AmountTooLarge(uint256 amountFen, uint256 maxFen);
    error Conditional_InvalidParties(address payer, address payee, address verifier);
    error Conditional_DeadlineNotInFuture(uint256 deadline);
    error Conditional_UnknownPayment(uint256 paymentId);
    error Conditional_NotPending(uint256 paymentId);
    error Conditional_NotAllowed(uint256 paymentId, address caller);
    error Conditional_DeadlinePassed(uint256 paymentId, uint256 deadline);
    error Conditional_DeadlineNotReached(uint256 paymentId, uint256 deadline);
    error Conditional_InvalidDisputeWindow(uint256 disputeWindow);
    error Conditional_WalletFrozen(address payer);

    event PaymentCreated(
        uint256 indexed paymentId,
        address indexed payer,
        address indexed payee,
        address verifier,
        uint256 amountFen,
        uint256 deadline
    );
    event PaymentDisputed(uint256 indexed paymentId, address indexed payee, uint256 decideBy);
    event PaymentReleased(uint256 indexed paymentId, address indexed payee, uint256 amountFen, address decidedBy);
    event PaymentReturned(uint256 indexed paymentId, address indexed payer, uint256 amountFen, ReturnReason reason);

    /// @notice Earmarks `amountFen` of the caller's free money for `payee` until `verifier` (or the caller)
    /// decides, or until `deadline`. The caller first allows it with {IECNY-approveEarmark}.
    /// Requirements: no zero address; payer, payee and verifier all differ; amount non-zero and below 2^128;
    /// deadline in the future; the token's earmark rules hold (allowance, free money, limits).
    /// Emits a {PaymentCreated} event.
    function create(address payee, address verifier, uint256 amountFen, uint256 deadline)
        external
        returns (uint256 paymentId);

    /// @notice Releases the payment to the payee: the payer confirms (delivery received), or the verifier
    /// attests the condition holds.
    /// Requirements: the payment is pending or disputed; caller is the payer (whose wallet is not frozen),
    /// or the verifier before the deadline (once disputed, the dispute's deadline); the payee's wallet is open.
    /// Emits a {PaymentReleased} event.
    function confirm(uint256 paymentId) external;

    /// @notice Returns the payment to the payer: the verifier attests the condition failed, or the payee
    /// declines the money.
    /// Requirements: the payment is pending or disputed; caller is the payee, or the verifier before the
    /// deadline (once disputed, the dispute's deadline).
    /// Emits a {PaymentReturned} event.
    function reject(uint256 paymentId) external;

    /// @notice The payee says the condition holds but the payer will not confirm: only the verifier decides
    /// now, and it has {disputeWindow} from now to do so (the new deadline); if it does not, anyone may return
    /// the money to the payer.
    /// Requirements: caller is the payee; the payment is pending; the deadline has not passed.
    /// Emits a {PaymentDisputed} event.
    function dispute(uint256 paymentId) external;

    /// @notice Returns a payment nobody decided by its deadline (or, once disputed, by the dispute's deadline)
    /// to the payer. Anyone may call.
    /// Requirements: the payment is pending or disputed; its deadline has passed.
    /// Emits a {PaymentReturned} event.
    function reclaim(uint256 paymentId) external;

    /// @notice A payment's parties, amount, deadline and status; readable by all three parties (and anyone).
    function paymentOf(uint256 paymentId) external view returns (ConditionalPaymentInfo memory);
    /// @notice Payments created so far (ids run from 1).
    function paymentCount() external view returns (uint256);
    /// @notice Whether {reclaim} would return the payment now.
    function isReclaimable(uint256 paymentId) external view returns (bool);
    /// @notice The e-CNY token whose earmarks this contract controls.
    function token() external view returns (address);
    /// @notice How long the verifier has to decide a disputed payment, in seconds.
    function disputeWindow() external view returns (uint256);
}
