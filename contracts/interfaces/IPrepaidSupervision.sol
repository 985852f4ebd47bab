// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEarmarkController} from "./IECNY.sol";
import {PrepaidRules, InstitutionStatus, OrderState, SkipReason, Course, Order} from "../types/PrepaidTypes.sol";

/// @title IPrepaidSupervision
/// @notice What every supervision model of prepaid tuition shares: the regulator approves institutions and
/// sets the caps, institutions publish courses and record lessons, parents enrol and cancel, the regulator
/// freezes a failing institution and orders refunds. Scenarios talk to this interface, so the same term can
/// run under per-lesson escrow ({IPrepaidEscrow}), a risk deposit or no supervision ({IUpfrontPrepaid}).
interface IPrepaidSupervision is IEarmarkController {
    // ------------------------------------------------------------------ errors
    error Prepaid_NotRegulator(address caller);
    error Prepaid_NotToken(address caller);
    error Prepaid_NotApprovedInstitution(address caller);
    error Prepaid_NotCourseInstitution(address caller, uint256 courseId);
    error Prepaid_NotOrderParent(address caller, uint256 orderId);
    error Prepaid_AlreadyApproved(address institution);
    error Prepaid_AlreadyFrozen(address institution);
    error Prepaid_UnknownCourse(uint256 courseId);
    error Prepaid_UnknownOrder(uint256 orderId);
    error Prepaid_InvalidRules();
    error Prepaid_InvalidCourse(uint256 feePerLessonFen, uint256 lessons, uint256 classHoursPerLesson, uint256 start, uint256 end);
    error Prepaid_InvalidLessonCount(uint256 requested, uint256 courseLessons);
    error Prepaid_ClassHoursCapExceeded(uint256 classHours, uint256 capHours);
    error Prepaid_OrderSpanTooLong(uint256 spanSeconds, uint256 capSeconds);
    error Prepaid_ChargeCapExceeded(uint256 chargeFen, uint256 capFen);
    error Prepaid_ChargeTooEarly(uint256 courseStart, uint256 earliestChargeAt);
    error Prepaid_RenewalTooEarly(uint256 classHoursLeft, uint256 maxHoursLeft);
    error Prepaid_CourseEnded(uint256 courseId, uint256 end);
    error Prepaid_InstitutionFrozen(address institution);
    error Prepaid_InstitutionClosing(address institution, uint256 closesAt);
    error Prepaid_InstitutionClosed(address institution);
    error Prepaid_ClosureAlreadyAnnounced(address institution, uint256 closesAt);
    error Prepaid_OrderNotActive(uint256 orderId);
    error Prepaid_NothingToRefund(uint256 orderId);
    error Prepaid_RefundsNotOpen(address institution);
    error Prepaid_CourseNotStarted(uint256 courseId, uint256 start);
    error Prepaid_InstitutionCannotEnrol(address institution, uint256 courseId);

    // ------------------------------------------------------------------ events
    event RulesUpdated(PrepaidRules rules);
    event InstitutionApproved(address indexed institution);
    event InstitutionFrozen(address indexed institution);
    event ClosureAnnounced(address indexed institution, uint256 closesAt);
    event CoursePublished(
        uint256 indexed courseId,
        address indexed institution,
        uint256 feePerLessonFen,
        uint256 lessons,
        uint256 classHoursPerLesson,
        uint256 start,
        uint256 end
    );
    event OrderPlaced(uint256 indexed orderId, address indexed parent, uint256 indexed courseId, uint256 lessons, uint256 feeFen);
    event LessonSkipped(uint256 indexed orderId, SkipReason reason);
    event OrderCancelled(uint256 indexed orderId, address indexed parent, uint256 refundFen, uint256 lessonsUnused);
    /// @dev `unconsumedFen` is what the parent was owed; `refundFen` what came back. The difference is the
    /// parent's loss (zero under escrow).
    event OrderRefunded(uint256 indexed orderId, address indexed parent, uint256 refundFen, uint256 unconsumedFen);

    // ------------------------------------------------------------------ regulator

    /// @notice Replaces the caps checked at enrolment and the dispute window and closure notice.
    /// Requirements: caller is the regulator; every cap is non-zero.
    /// Emits a {RulesUpdated} event.
    function setRules(PrepaidRules calldata rules) external;

    /// @notice Approves an institution to publish courses and take orders.
    /// Requirements: caller is the regulator; not approved before.
    /// Emits an {InstitutionApproved} event.
    function approveInstitution(address institution) external;

    /// @notice Stops every release to an institution; its orders become refundable by the regulator.
    /// Requirements: caller is the regulator; the institution is approved and not already frozen.
    /// Emits an {InstitutionFrozen} event.
    function freezeInstitution(address institution) external;

    /// @notice Refunds orders of a frozen or closed institution, in batches so a big school fits in blocks.
    /// Orders already settled or of another institution are skipped, each with a {LessonSkipped} event.
    /// Under escrow, a closed institution that is not frozen is first paid the held lessons whose dispute
    /// window passed undisputed (a {LessonsReleased} event each); a frozen one is paid nothing.
    /// Requirements: the institution is frozen (caller is the regulator) or its closure took effect
    /// (anyone may call).
    /// Emits an {OrderRefunded} event per refunded order.
    function refundOrders(address institution, uint256[] calldata orderIds) external;

    // ------------------------------------------------------------------ institutions

    /// @notice Announces closure (or relocation): no new orders from now; after the notice period the
    /// remaining orders are refundable.
    /// Requirements: caller is an approved institution; not frozen; no closure announced before.
    /// Emits a {ClosureAnnounced} event.
    function announceClosure() external;

    /// @notice Publishes a course; returns its id.
    /// Requirements: caller is an approved institution, not frozen or closing; fee, lessons and class hours
    /// are non-zero; end is after start.
    /// Emits a {CoursePublished} event.
    function publishCourse(
        uint256 feePerLessonFen,
        uint256 lessons,
        uint256 classHoursPerLesson,
        uint256 start,
        uint256 end
    ) external returns (uint256 courseId);

    /// @notice Records one lesson for a whole class. Orders that cannot take it (cancelled, settled,
    /// disputed, of another course, nothing left, repeated in the batch, or ahead of the timetable) are
    /// skipped with a {LessonSkipped} event. An order gets at most one lesson per call, and never more
    /// lessons than the course's timetable could have taught since the order was placed (see
    /// {lessonsDueBy}), plus one lesson of slack.
    /// Requirements: caller is the course's institution; the institution is neither frozen nor closed; the
    /// course has started.
    function recordLesson(uint256 courseId, uint256[] calldata orderIds) external;

    // ------------------------------------------------------------------ parents

    /// @notice Enrols the caller in `lessons` lessons of a course and collects the fee from their wallet
    /// (they must first allow this contract to earmark it with {IECNY-approveEarmark}).
    /// Requirements: the institution is approved, not frozen or closing; the caller is not the institution
    /// itself; the course has not ended; the order keeps every cap: class hours, span, charge, earliest
    /// charge, renewal.
    /// Emits an {OrderPlaced} event.
    function enrol(uint256 courseId, uint256 lessons) external returns (uint256 orderId);

    /// @notice Withdraws from an order: every lesson not yet delivered is refunded at once.
    /// Requirements: caller is the order's parent; the order is active; something is left to refund.
    /// Emits an {OrderCancelled} event.
    function cancelOrder(uint256 orderId) external;

    // ------------------------------------------------------------------ views
    /// @notice The e-CNY token whose earmarks this contract controls.
    function token() external view returns (address);
    /// @notice Who approves and freezes institutions, sets the caps and settles disputes.
    function regulator() external view returns (address);
    /// @notice The caps checked at enrolment, the dispute window and the closure notice.
    function rules() external view returns (PrepaidRules memory);
    /// @notice Courses published so far (ids run from 1).
    function courseCount() external view returns (uint256);
    /// @notice Orders placed so far (ids run from 1).
    function orderCount() external view returns (uint256);
    /// @notice A course as published (zeros if unknown).
    function courseOf(uint256 courseId) external view returns (Course memory);
    /// @notice An order's lesson accounting and status (zeros if unknown).
    function orderOf(uint256 orderId) external view returns (Order memory);
    /// @notice Ids of every order `parent` placed here.
    function ordersOfParent(address parent) external view returns (uint256[] memory);
    /// @notice Approved, closing, closed or frozen.
    function institutionStatusOf(address institution) external view returns (InstitutionStatus);
    /// @notice When an announced closure takes effect (0 if none).
    function closesAtOf(address institution) external view returns (uint256);
    /// @notice Where an order stands: locked, partially consumed, disputed, completed, cancelled, refunded.
    function orderStateOf(uint256 orderId) external view returns (OrderState);
    /// @notice Lessons the course's timetable could have taught by `time`: none before the start, the first
    /// at the start, then evenly spread so that all `lessons` fall before the end.
    function lessonsDueBy(uint256 courseId, uint256 time) external view returns (uint256);
    /// @notice Lessons paid for and neither delivered nor refunded.
    function lessonsLeftOf(uint256 orderId) external view returns (uint256);
    /// @notice What cancelling the order now would return to the parent.
    function refundableAmountOf(uint256 orderId) external view returns (uint256);
    /// @notice Money under supervision for an institution (locked fees under escrow, the deposit otherwise).
    function supervisedBalanceOf(address institution) external view returns (uint256);
}
