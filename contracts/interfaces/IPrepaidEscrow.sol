// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IPrepaidSupervision} from "./IPrepaidSupervision.sol";

/// @title IPrepaidEscrow
/// @notice Per-lesson escrow (the Shenzhen/Futian pilot): a parent's fee stays earmarked in the parent's own
/// wallet and each lesson's fee is released to the institution when the lesson is recorded, at once or
/// after a dispute window in which the parent may dispute it; the regulator settles disputes.
///
/// What a parent is protected against: no lesson is charged before the course starts; an order is charged
/// at most one lesson per {recordLesson} call and never more than the course's timetable could have taught
/// since the order was placed, plus one lesson of slack ({lessonsDueBy}, `PACE_SLACK_LESSONS`); each fee waits
/// out the dispute window; after an announced closure every unrecorded lesson is refundable by anyone, held
/// lessons keep their window and disputed ones wait for the regulator; after a freeze every fee not yet paid
/// to the school goes back; a school that closed its wallet forfeits the held fees it had not collected.
/// The limit: lessons recorded on the timetable's pace but never taught, and not disputed within the window,
/// are paid to the school.
interface IPrepaidEscrow is IPrepaidSupervision {
    error Prepaid_NothingToDispute(uint256 orderId);
    error Prepaid_DisputeWindowClosed(uint256 orderId, uint256 closedAt);
    error Prepaid_AlreadyDisputed(uint256 orderId);
    error Prepaid_NotDisputed(uint256 orderId);

    /// @dev A lesson recorded inside a dispute window; its fee is held until `releasableAt`.
    event LessonRecorded(uint256 indexed orderId, uint256 lessonNumber, uint256 releasableAt);
    /// @dev `lessons` lessons' fees (`amountFen`) paid to the institution; `lessonsReleased` so far in all.
    event LessonsReleased(uint256 indexed orderId, uint256 lessons, uint256 amountFen, uint256 lessonsReleased);
    event LessonsDisputed(uint256 indexed orderId, address indexed parent, uint256 lessonsHeld);
    event DisputeResolved(uint256 indexed orderId, bool releasedToInstitution, uint256 lessons, uint256 amountFen);

    /// @notice Pays out held lessons whose dispute window has passed, for orders of one course.
    /// Orders with nothing matured, disputed or of another course are skipped with a {LessonSkipped} event.
    /// Requirements: the course exists; its institution is not frozen. Anyone may call.
    /// Emits a {LessonsReleased} event per order paid out.
    function releaseMatured(uint256 courseId, uint256[] calldata orderIds) external;

    /// @notice Disputes the order's held lessons: their release waits for the regulator.
    /// Requirements: caller is the order's parent; lessons are held; the window of the latest is open; not
    /// already disputed.
    /// Emits a {LessonsDisputed} event.
    function disputeLessons(uint256 orderId) external;

    /// @notice Settles a dispute: the held lessons are paid to the institution or refunded to the parent.
    /// Requirements: caller is the regulator; the order is disputed.
    /// Emits a {DisputeResolved} event.
    function resolveDispute(uint256 orderId, bool releaseToInstitution) external;

    /// @notice What the institution could be paid for this order now (held lessons past their window).
    function releasableAmountOf(uint256 orderId) external view returns (uint256);
}
