// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IECNY} from "./interfaces/IECNY.sol";
import {IPrepaidSupervision} from "./interfaces/IPrepaidSupervision.sol";
import {PrepaidRules, InstitutionStatus, OrderStatus, OrderState, SkipReason, Course, Order} from "./types/PrepaidTypes.sol";

/// @title PrepaidBase
/// @notice The part every supervision model shares: roles, caps, institutions, courses, orders, closure.
/// Models decide where the fee goes ({_collectFee}) and how lessons and refunds move money.
abstract contract PrepaidBase is IPrepaidSupervision {
    /// @notice How many lessons a school may be ahead of its course's even pace (start to end, `lessons`
    /// lessons): one, so a real timetable (Tuesday and Thursday, not every 3.5 days) fits.
    uint256 public constant PACE_SLACK_LESSONS = 1;
    /// @dev Transient slot counting recordLesson calls in this transaction, to key the per-call order marks.
    bytes32 private constant _LESSON_CALL_SLOT = keccak256("ecny-sim.prepaid.lessonCall");

    struct Institution {
        bool approved;
        bool frozen;
        uint64 closesAt; // 0 = no closure announced
    }

    IECNY internal immutable _token;
    address internal immutable _regulator;

    PrepaidRules internal _rules;
    mapping(address institution => Institution) internal _institutions;
    mapping(uint256 courseId => Course) internal _courses;
    mapping(uint256 orderId => Order) internal _orders;
    mapping(address parent => uint256[]) internal _ordersOf;
    /// @inheritdoc IPrepaidSupervision
    uint256 public courseCount;
    /// @inheritdoc IPrepaidSupervision
    uint256 public orderCount;

    modifier onlyRegulator() {
        if (msg.sender != _regulator) revert Prepaid_NotRegulator(msg.sender);
        _;
    }

    modifier onlyToken() {
        if (msg.sender != address(_token)) revert Prepaid_NotToken(msg.sender);
        _;
    }

    constructor(IECNY token_, address regulator_, PrepaidRules memory rules_) {
        _token = token_;
        _regulator = regulator_;
        _setRules(rules_);
    }

    // ------------------------------------------------------------------ regulator

    /// @inheritdoc IPrepaidSupervision
    function setRules(PrepaidRules calldata rules_) external onlyRegulator {
        _setRules(rules_);
    }

    /// @inheritdoc IPrepaidSupervision
    function approveInstitution(address institution) external onlyRegulator {
        if (_institutions[institution].approved) revert Prepaid_AlreadyApproved(institution);
        _institutions[institution].approved = true;
        emit InstitutionApproved(institution);
    }

    /// @inheritdoc IPrepaidSupervision
    function freezeInstitution(address institution) external onlyRegulator {
        Institution storage inst = _institutions[institution];
        if (!inst.approved) revert Prepaid_NotApprovedInstitution(institution);
        if (inst.frozen) revert Prepaid_AlreadyFrozen(institution);
        inst.frozen = true;
        _onFreeze(institution);
        emit InstitutionFrozen(institution);
    }

    // ------------------------------------------------------------------ institutions

    /// @inheritdoc IPrepaidSupervision
    function announceClosure() external {
        Institution storage inst = _requireOpenInstitution(msg.sender);
        if (inst.closesAt != 0) revert Prepaid_ClosureAlreadyAnnounced(msg.sender, inst.closesAt);
        uint256 closesAt = block.timestamp + _rules.closureNotice;
        inst.closesAt = uint64(closesAt);
        emit ClosureAnnounced(msg.sender, closesAt);
    }

    /// @inheritdoc IPrepaidSupervision
    function publishCourse(
        uint256 feePerLessonFen,
        uint256 lessons,
        uint256 classHoursPerLesson,
        uint256 start,
        uint256 end
    ) external returns (uint256 courseId) {
        _requireTakingOrders(msg.sender);
        if (
            feePerLessonFen == 0 || feePerLessonFen > type(uint64).max || lessons == 0 || lessons > type(uint16).max
                || classHoursPerLesson == 0 || classHoursPerLesson > type(uint32).max || end <= start
                || end > type(uint64).max
        ) revert Prepaid_InvalidCourse(feePerLessonFen, lessons, classHoursPerLesson, start, end);
        courseId = ++courseCount;
        if (courseId > type(uint24).max) revert Prepaid_InvalidCourse(feePerLessonFen, lessons, classHoursPerLesson, start, end);
        _courses[courseId] = Course(
            msg.sender, uint64(start), uint64(end), uint64(feePerLessonFen), uint32(lessons), uint32(classHoursPerLesson)
        );
        emit CoursePublished(courseId, msg.sender, feePerLessonFen, lessons, classHoursPerLesson, start, end);
    }

    // ------------------------------------------------------------------ parents

    /// @inheritdoc IPrepaidSupervision
    function enrol(uint256 courseId, uint256 lessons) external returns (uint256 orderId) {
        Course storage c = _course(courseId);
        _requireTakingOrders(c.institution);
        // A school's own wallet holding orders in its own course would take a share of what parents are owed.
        if (msg.sender == c.institution) revert Prepaid_InstitutionCannotEnrol(msg.sender, courseId);
        (uint256 fee, uint256 lessonsLeftBefore) = _checkCaps(c, courseId, lessons);
        orderId = ++orderCount;
        Order storage o = _orders[orderId];
        o.parent = msg.sender;
        o.courseId = uint24(courseId);
        o.status = OrderStatus.Active;
        o.lessonsPaid = uint16(lessons);
        uint256 paceBase = _lessonsDue(c, block.timestamp) + lessonsLeftBefore;
        o.paceBase = uint16(paceBase < type(uint16).max ? paceBase : type(uint16).max);
        _ordersOf[msg.sender].push(orderId);
        emit OrderPlaced(orderId, msg.sender, courseId, lessons, fee);
        _collectFee(orderId, c.institution, fee);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IPrepaidSupervision
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IPrepaidSupervision
    function regulator() external view returns (address) {
        return _regulator;
    }

    /// @inheritdoc IPrepaidSupervision
    function rules() external view returns (PrepaidRules memory) {
        return _rules;
    }

    /// @inheritdoc IPrepaidSupervision
    function courseOf(uint256 courseId) external view returns (Course memory) {
        return _courses[courseId];
    }

    /// @inheritdoc IPrepaidSupervision
    function orderOf(uint256 orderId) external view returns (Order memory) {
        return _orders[orderId];
    }

    /// @inheritdoc IPrepaidSupervision
    function ordersOfParent(address parent) external view returns (uint256[] memory) {
        return _ordersOf[parent];
    }

    /// @inheritdoc IPrepaidSupervision
    function institutionStatusOf(address institution) public view returns (InstitutionStatus) {
        Institution storage inst = _institutions[institution];
        if (!inst.approved) return InstitutionStatus.Unknown;
        if (inst.frozen) return InstitutionStatus.Frozen;
        if (inst.closesAt == 0) return InstitutionStatus.Approved;
        return block.timestamp < inst.closesAt ? InstitutionStatus.Closing : InstitutionStatus.Closed;
    }

    /// @inheritdoc IPrepaidSupervision
    function closesAtOf(address institution) external view returns (uint256) {
        return _institutions[institution].closesAt;
    }

    /// @inheritdoc IPrepaidSupervision
    function orderStateOf(uint256 orderId) external view returns (OrderState) {
        Order storage o = _orders[orderId];
        if (o.status == OrderStatus.None) return OrderState.None;
        if (o.disputed) return OrderState.Disputed;
        if (o.status == OrderStatus.Completed) return OrderState.Completed;
        if (o.status == OrderStatus.Cancelled) return OrderState.Cancelled;
        if (o.status == OrderStatus.Refunded) return OrderState.Refunded;
        return o.lessonsReleased + o.lessonsPending == 0 ? OrderState.Locked : OrderState.PartiallyConsumed;
    }

    /// @inheritdoc IPrepaidSupervision
    function lessonsDueBy(uint256 courseId, uint256 time) external view returns (uint256) {
        return _lessonsDue(_courses[courseId], time);
    }

    /// @inheritdoc IPrepaidSupervision
    function lessonsLeftOf(uint256 orderId) external view returns (uint256) {
        return _lessonsLeft(_orders[orderId]);
    }

    /// @inheritdoc IPrepaidSupervision
    function refundableAmountOf(uint256 orderId) external view returns (uint256) {
        Order storage o = _orders[orderId];
        if (o.status != OrderStatus.Active) return 0;
        return _lessonsLeft(o) * _courses[o.courseId].feePerLessonFen;
    }

    // ------------------------------------------------------------------ hooks for the models

    /// @dev Moves an enrolment's fee out of the parent's free money.
    function _collectFee(uint256 orderId, address institution, uint256 feeFen) internal virtual;

    /// @dev Called when the regulator freezes an institution.
    function _onFreeze(address institution) internal virtual {}

    // ------------------------------------------------------------------ internals

    function _setRules(PrepaidRules memory r) private {
        if (
            r.maxClassHoursPerOrder == 0 || r.maxOrderSpan == 0 || r.maxChargeFen == 0 || r.maxPrepayLead == 0
                || r.closureNotice == 0
        ) revert Prepaid_InvalidRules();
        _rules = r;
        emit RulesUpdated(r);
    }

    /// @dev Each cap is checked in turn and refused with its own error. Returns the fee and the lessons the
    /// parent still has in earlier active orders of the course.
    function _checkCaps(Course storage c, uint256 courseId, uint256 lessons)
        private
        view
        returns (uint256 fee, uint256 lessonsLeft)
    {
        PrepaidRules memory r = _rules;
        if (block.timestamp >= c.end) revert Prepaid_CourseEnded(courseId, c.end);
        if (lessons == 0 || lessons > c.lessons) revert Prepaid_InvalidLessonCount(lessons, c.lessons);
        uint256 hours_ = lessons * c.classHoursPerLesson;
        if (hours_ > r.maxClassHoursPerOrder) revert Prepaid_ClassHoursCapExceeded(hours_, r.maxClassHoursPerOrder);
        uint256 from = block.timestamp > c.start ? block.timestamp : c.start;
        if (c.end - from > r.maxOrderSpan) revert Prepaid_OrderSpanTooLong(c.end - from, r.maxOrderSpan);
        fee = lessons * c.feePerLessonFen;
        if (fee > r.maxChargeFen) revert Prepaid_ChargeCapExceeded(fee, r.maxChargeFen);
        if (block.timestamp + r.maxPrepayLead < c.start) {
            revert Prepaid_ChargeTooEarly(c.start, c.start - r.maxPrepayLead);
        }
        // Renewal: every active order the parent holds for this course counts, not just the latest.
        uint256[] storage mine = _ordersOf[msg.sender];
        for (uint256 i; i < mine.length; ++i) {
            Order storage o = _orders[mine[i]];
            if (o.courseId == courseId && o.status == OrderStatus.Active) lessonsLeft += _lessonsLeft(o);
        }
        uint256 hoursLeft = lessonsLeft * c.classHoursPerLesson;
        if (lessonsLeft != 0 && hoursLeft > r.renewalMaxHoursLeft) {
            revert Prepaid_RenewalTooEarly(hoursLeft, r.renewalMaxHoursLeft);
        }
    }

    /// @dev Lessons the course's timetable could have taught by `time`: the first at the start, then evenly
    /// spread so the last falls before the end.
    function _lessonsDue(Course storage c, uint256 time) internal view returns (uint256) {
        uint256 start = c.start;
        if (time < start) return 0;
        uint256 lessons = c.lessons;
        if (time >= c.end) return lessons;
        uint256 due = (time - start) * lessons / (c.end - start) + 1;
        return due < lessons ? due : lessons;
    }

    /// @dev Opens one recordLesson call: no lesson before the course starts. Returns the call's number in
    /// this transaction, which keys the marks of {_firstInCall}.
    function _beginLessonCall(uint256 courseId, Course storage c) internal returns (uint256 lessonCall) {
        if (block.timestamp < c.start) revert Prepaid_CourseNotStarted(courseId, c.start);
        bytes32 slot = _LESSON_CALL_SLOT;
        assembly ("memory-safe") {
            lessonCall := add(tload(slot), 1)
            tstore(slot, lessonCall)
        }
    }

    /// @dev True the first time `orderId` is seen in lesson call `lessonCall`; marks it (transient storage, so a
    /// batch that repeats an id cannot give one order two lessons and the marks cost no storage).
    function _firstInCall(uint256 lessonCall, uint256 orderId) internal returns (bool first) {
        assembly ("memory-safe") {
            mstore(0x00, lessonCall)
            mstore(0x20, orderId)
            let key := keccak256(0x00, 0x40)
            first := iszero(tload(key))
            tstore(key, 1)
        }
    }

    /// @dev Why order `id` cannot take the class's lesson now, if it cannot (emitting {LessonSkipped}): not
    /// in the course, repeated in the batch, not active, disputed, nothing left, or ahead of the timetable
    /// (lessons already recorded for it, plus its pace base, would pass what was due by now plus the slack).
    function _skipsLesson(uint256 courseId, uint256 lessonCall, uint256 dueNow, uint256 id, Order storage o)
        internal
        returns (bool)
    {
        SkipReason reason;
        uint256 left = _lessonsLeft(o);
        if (o.courseId != courseId) reason = SkipReason.NotInCourse;
        else if (!_firstInCall(lessonCall, id)) reason = SkipReason.Repeated;
        else if (o.status != OrderStatus.Active) reason = SkipReason.NotActive;
        else if (o.disputed) reason = SkipReason.Disputed;
        else if (left == 0) reason = SkipReason.NothingLeft;
        else if (o.paceBase + (o.lessonsPaid - left) >= dueNow + PACE_SLACK_LESSONS) {
            reason = SkipReason.AheadOfTimetable;
        } else {
            return false;
        }
        emit LessonSkipped(id, reason);
        return true;
    }

    function _course(uint256 courseId) internal view returns (Course storage c) {
        c = _courses[courseId];
        if (c.institution == address(0)) revert Prepaid_UnknownCourse(courseId);
    }

    function _order(uint256 orderId) internal view returns (Order storage o) {
        o = _orders[orderId];
        if (o.status == OrderStatus.None) revert Prepaid_UnknownOrder(orderId);
    }

    function _lessonsLeft(Order storage o) internal view returns (uint256) {
        return o.lessonsPaid - o.lessonsReleased - o.lessonsPending - o.lessonsReturned;
    }

    function _requireOpenInstitution(address institution) internal view returns (Institution storage inst) {
        inst = _institutions[institution];
        if (!inst.approved) revert Prepaid_NotApprovedInstitution(institution);
        if (inst.frozen) revert Prepaid_InstitutionFrozen(institution);
    }

    /// @dev Approved, not frozen, no closure announced.
    function _requireTakingOrders(address institution) internal view {
        Institution storage inst = _requireOpenInstitution(institution);
        if (inst.closesAt != 0) revert Prepaid_InstitutionClosing(institution, inst.closesAt);
    }

    /// @dev Lessons can be delivered until a freeze or until an announced closure takes effect.
    function _requireDelivering(address institution) internal view {
        Institution storage inst = _requireOpenInstitution(institution);
        if (inst.closesAt != 0 && block.timestamp >= inst.closesAt) revert Prepaid_InstitutionClosed(institution);
    }

    /// @dev Refunds are open once the regulator froze the institution (regulator only) or its closure took
    /// effect (anyone).
    function _requireRefundsOpen(address institution) internal view {
        Institution storage inst = _institutions[institution];
        bool closed = inst.closesAt != 0 && block.timestamp >= inst.closesAt;
        if (inst.frozen && !closed) {
            if (msg.sender != _regulator) revert Prepaid_NotRegulator(msg.sender);
        } else if (!closed) {
            revert Prepaid_RefundsNotOpen(institution);
        }
    }
}
