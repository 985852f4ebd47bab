// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IPrepaidSupervision} from "./IPrepaidSupervision.sol";

/// @title IUpfrontPrepaid
/// @notice The models the pilot replaced: the institution is paid the whole fee at enrolment. With a risk
/// deposit (`depositBps` > 0, e.g. 20%) that share of every fee stays earmarked in the institution's own
/// wallet under the regulator, untouched until the course ends; if the institution fails, the deposit is
/// shared among its parents in proportion to what each is owed. With `depositBps` = 0 it is unsupervised.
interface IUpfrontPrepaid is IPrepaidSupervision {
    error Prepaid_InvalidDepositShare(uint256 depositBps);
    error Prepaid_NotFrozen(address institution);
    error Prepaid_NoSurplusDeposit(address institution);
    error Prepaid_OrderStillActive(address wallet, uint256 orderId);

    event LessonDelivered(uint256 indexed orderId, uint256 lessonNumber);
    event DepositLocked(uint256 indexed orderId, address indexed institution, uint256 amountFen);
    /// @dev An order's deposit went back to the institution (course ended, or it refunded the order itself).
    event DepositReleased(uint256 indexed orderId, address indexed institution, uint256 amountFen);
    /// @dev A frozen institution's deposit: this parent's pro-rata share.
    event DepositShared(uint256 indexed orderId, address indexed parent, uint256 amountFen);
    /// @dev A frozen institution's deposit beyond what its parents are owed, released by the regulator.
    event SurplusDepositReleased(address indexed institution, uint256 amountFen);

    /// @notice Returns the deposit share of finished courses' orders to the institution. Orders whose
    /// course has not ended or that hold no deposit are skipped with a {LessonSkipped} event.
    /// Requirements: the institution of `courseId` is not frozen. Anyone may call.
    /// Emits a {DepositReleased} event per order.
    function releaseDeposits(uint256 courseId, uint256[] calldata orderIds) external;

    /// @notice Releases a frozen institution's surplus deposit: the part beyond what its parents were owed at
    /// the freeze (the pool shared among them stays reserved until each is refunded). It goes back to the
    /// institution's free money, where the regulator's other powers (a wallet freeze) still apply. Returns it.
    /// Requirements: caller is the regulator; the institution is frozen; there is a surplus.
    /// Emits a {SurplusDepositReleased} event.
    function releaseSurplusDeposit(address institution) external returns (uint256 surplusFen);

    /// @notice The share of each fee kept as deposit, in basis points.
    function depositBps() external view returns (uint256);

    /// @notice Deposit still locked for one order.
    function depositOfOrder(uint256 orderId) external view returns (uint256);

    /// @notice Value an institution still owes its parents in lessons not delivered.
    function owedByInstitution(address institution) external view returns (uint256);
}
