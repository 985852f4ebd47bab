// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice The regulator's caps on prepaid orders (domain.md §1). Durations in seconds.
struct PrepaidRules {
    uint32 maxClassHoursPerOrder; // 60 class hours
    uint32 maxOrderSpan; // 92 days ("3 months"): from enrolment (or course start) to course end
    uint64 maxChargeFen; // ¥5,000 per charge
    uint32 maxPrepayLead; // 30 days: no charge earlier than this before the course starts
    uint32 renewalMaxHoursLeft; // renewal only when this many class hours or fewer remain
    uint32 disputeWindow; // a recorded lesson's fee is held this long for a dispute; 0 = released at once
    uint32 closureNotice; // 30 days between announcing closure and its taking effect
}

/// @notice How an institution stands with the regulator.
enum InstitutionStatus {
    Unknown,
    Approved,
    Closing, // closure announced, notice running: no new orders
    Closed, // notice over: remaining orders are refundable
    Frozen // regulator stopped every release
}

/// @notice Stored order status; finer states are derived by {IPrepaidSupervision-orderStateOf}.
enum OrderStatus {
    None,
    Active,
    Completed,
    Cancelled,
    Refunded
}

/// @notice What a parent or regulator sees of an order.
enum OrderState {
    None,
    Locked, // paid, no lesson consumed yet
    PartiallyConsumed,
    Disputed, // a release is held for the regulator's decision
    Completed, // every lesson delivered and paid out
    Cancelled, // the parent withdrew and got the unconsumed rest back
    Refunded // refunded by the regulator or on closure
}

/// @notice Why a batch (a class's lesson, a refund run) passed over an order instead of reverting.
enum SkipReason {
    NotInCourse,
    WrongInstitution,
    NotActive,
    Disputed,
    NothingLeft,
    CourseNotEnded,
    TooManyHeld, // four of the order's lessons already wait in their dispute window
    Repeated, // the order appeared earlier in the same batch: at most one lesson per order per call
    AheadOfTimetable, // the timetable could not have taught this order another lesson yet
    SchoolWalletClosed, // the school closed its wallet: a lesson fee it earned cannot be paid and goes back
    WalletCannotReceive, // the parent's wallet is at its balance cap: the refund waits
    SchoolCannotPay, // a closed school's own money or allowance does not cover the refund: it waits
    None // not a skip: only used inside the contracts
}

struct Course {
    address institution;
    uint64 start;
    uint64 end;
    uint64 feePerLessonFen;
    uint32 lessons;
    uint32 classHoursPerLesson;
}

/// @dev Lesson accounting: lessonsPaid = released + pending + returned + left. The first slot holds the
/// accounting, the second the dispute-window timestamps and the order's place in the timetable.
struct Order {
    address parent;
    uint24 courseId;
    OrderStatus status;
    bool disputed;
    uint8 lessonsPending; // recorded, still inside the dispute window
    uint16 lessonsPaid;
    uint16 lessonsReleased; // delivered and settled with the institution
    uint16 lessonsReturned; // not delivered; their fee went back to the parent
    uint48[4] heldSince; // when each held lesson was recorded, oldest first (second slot)
    // Lessons of the timetable this order cannot be charged for: those already due when it was placed, plus
    // the lessons the parent still had in earlier orders of the course (a renewal starts after them).
    uint16 paceBase;
}
