// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IECNY} from "./interfaces/IECNY.sol";
import {IEarmarkController} from "./interfaces/IECNY.sol";
import {IPrepaidSupervision} from "./interfaces/IPrepaidSupervision.sol";
import {IPrepaidEscrow} from "./interfaces/IPrepaidEscrow.sol";
import {PrepaidBase} from "./PrepaidBase.sol";
import {PrepaidRules, OrderStatus, SkipReason, Course, Order} from "./types/PrepaidTypes.sol";

/// @title PrepaidEscrow
/// @notice Per-lesson escrow of prepaid tuition ("一课一销，未用退费"): the fee stays earmarked in the parent's
/// own wallet and each recorded lesson releases one lesson's fee to the institution. See {IPrepaidEscrow}.
contract PrepaidEscrow is PrepaidBase, IPrepaidEscrow {
    /// @notice At most this many of one order's lessons can wait in their dispute windows at once.
    uint256 public constant MAX_HELD_LESSONS = 4;

    /// @dev Fees still earmarked for each institution's orders.
    mapping(address institution => uint256) private _supervisedFen;

    /// @dev Scratch space for one batch's token call.
    struct Batch {
        address[] wallets;
        uint256[] amounts;
        uint256 count;
        uint256 total;
    }

    constructor(IECNY token_, address regulator_, PrepaidRules memory rules_) PrepaidBase(token_, regulator_, rules_) {}

    // ------------------------------------------------------------------ institutions

    /// @inheritdoc IPrepaidSupervision
    function recordLesson(uint256 courseId, uint256[] calldata orderIds) external {
        Course storage c = _course(courseId);
        if (msg.sender != c.institution) revert Prepaid_NotCourseInstitution(msg.sender, courseId);
        _requireDelivering(msg.sender);
        uint256 lessonCall = _beginLessonCall(courseId, c);
        uint256 dueNow = _lessonsDue(c, block.timestamp);
        uint256 fee = c.feePerLessonFen;
        uint256 window = _rules.disputeWindow;
        Batch memory batch = _newBatch(orderIds.length);
        for (uint256 i; i < orderIds.length; ++i) {
            uint256 id = orderIds[i];
            Order storage o = _orders[id];
            if (_skipsLesson(courseId, lessonCall, dueNow, id, o)) continue;
            if (window == 0) {
                _release(batch, id, o, 1, fee, false);
                continue;
            }
            // Held lessons whose own window has passed are paid first; then this lesson joins the held.
            uint256 matured = _maturedLessons(o, window);
            if (matured != 0) _release(batch, id, o, matured, fee, true);
            if (o.lessonsPending == MAX_HELD_LESSONS) {
                emit LessonSkipped(id, SkipReason.TooManyHeld);
                continue;
            }
            o.heldSince[o.lessonsPending] = uint48(block.timestamp);
            o.lessonsPending += 1;
            // While the order runs, lessonsReturned counts only lessons refunded in a dispute: recorded all the same.
            emit LessonRecorded(id, o.lessonsReleased + o.lessonsPending + o.lessonsReturned, block.timestamp + window);
        }
        _payOut(batch, c.institution);
    }

    /// @inheritdoc IPrepaidEscrow
    function releaseMatured(uint256 courseId, uint256[] calldata orderIds) external {
        Course storage c = _course(courseId);
        if (_institutions[c.institution].frozen) revert Prepaid_InstitutionFrozen(c.institution);
        uint256 fee = c.feePerLessonFen;
        uint256 window = _rules.disputeWindow;
        Batch memory batch = _newBatch(orderIds.length);
        for (uint256 i; i < orderIds.length; ++i) {
            Order storage o = _orders[orderIds[i]];
            uint256 lessons = o.courseId == courseId ? _maturedLessons(o, window) : 0;
            if (lessons == 0) {
                SkipReason reason = o.courseId != courseId
                    ? SkipReason.NotInCourse
                    : (o.disputed ? SkipReason.Disputed : SkipReason.NothingLeft);
                emit LessonSkipped(orderIds[i], reason);
                continue;
            }
            _release(batch, orderIds[i], o, lessons, fee, true);
        }
        _payOut(batch, c.institution);
    }

    // ------------------------------------------------------------------ parents

    /// @inheritdoc IPrepaidSupervision
    function cancelOrder(uint256 orderId) external {
        Order storage o = _order(orderId);
        if (msg.sender != o.parent) revert Prepaid_NotOrderParent(msg.sender, orderId);
        if (o.status != OrderStatus.Active) revert Prepaid_OrderNotActive(orderId);
        uint256 lessons = _lessonsLeft(o);
        if (lessons == 0) revert Prepaid_NothingToRefund(orderId);
        Course storage c = _courses[o.courseId];
        uint256 refund = _refundFen(lessons, c.feePerLessonFen);
        o.lessonsReturned += uint16(lessons);
        o.status = OrderStatus.Cancelled;
        _supervisedFen[c.institution] -= refund;
        emit OrderCancelled(orderId, msg.sender, refund, lessons);
        _token.returnEarmark(msg.sender, refund);
    }

    /// @inheritdoc IPrepaidEscrow
    function disputeLessons(uint256 orderId) external {
        Order storage o = _order(orderId);
        if (msg.sender != o.parent) revert Prepaid_NotOrderParent(msg.sender, orderId);
        if (o.disputed) revert Prepaid_AlreadyDisputed(orderId);
        uint256 held = o.lessonsPending;
        if (held == 0) revert Prepaid_NothingToDispute(orderId);
        uint256 window = _rules.disputeWindow;
        uint256 matured = _maturedLessons(o, window);
        if (matured == held) revert Prepaid_DisputeWindowClosed(orderId, o.heldSince[held - 1] + window);
        Course storage c = _courses[o.courseId];
        // Lessons already past their own window are not in dispute: pay them out first, unless the school is
        // frozen or can no longer be paid (then the regulator decides them with the rest).
        Batch memory batch = _newBatch(1);
        if (matured != 0 && _canPaySchool(c.institution)) {
            _release(batch, orderId, o, matured, c.feePerLessonFen, true);
        }
        o.disputed = true;
        emit LessonsDisputed(orderId, msg.sender, o.lessonsPending);
        _payOut(batch, c.institution);
    }

    // ------------------------------------------------------------------ regulator

    /// @inheritdoc IPrepaidEscrow
    function resolveDispute(uint256 orderId, bool releaseToInstitution) external onlyRegulator {
        Order storage o = _order(orderId);
        if (!o.disputed) revert Prepaid_NotDisputed(orderId);
        Course storage c = _courses[o.courseId];
        uint256 lessons = o.lessonsPending;
        uint256 amount = lessons * c.feePerLessonFen;
        o.disputed = false;
        o.lessonsPending = 0;
        delete o.heldSince;
        if (releaseToInstitution) o.lessonsReleased += uint16(lessons);
        else o.lessonsReturned += uint16(lessons);
        _completeIfSettled(o);
        _supervisedFen[c.institution] -= amount;
        emit DisputeResolved(orderId, releaseToInstitution, lessons, amount);
        if (releaseToInstitution) _token.releaseEarmark(o.parent, c.institution, amount);
        else _token.returnEarmark(o.parent, amount);
    }

    /// @inheritdoc IPrepaidSupervision
    /// @dev Frozen: every lesson not yet paid to the school goes back, held and disputed ones included (the
    /// regulator found the school at fault). Closed without a freeze: lessons left go back; a held lesson
    /// whose window passed is paid to the school (or, if its wallet is closed, goes back to the parent);
    /// lessons still in their window or under dispute stay held, to mature or for the regulator to decide.
    function refundOrders(address institution, uint256[] calldata orderIds) external {
        _requireRefundsOpen(institution);
        bool frozen = _institutions[institution].frozen;
        bool schoolPaid = _canPaySchool(institution);
        Batch memory refunds = _newBatch(orderIds.length);
        Batch memory earned = _newBatch(schoolPaid ? orderIds.length : 0);
        for (uint256 i; i < orderIds.length; ++i) {
            uint256 id = orderIds[i];
            Order storage o = _orders[id];
            if (_courses[o.courseId].institution != institution) {
                emit LessonSkipped(id, SkipReason.WrongInstitution);
                continue;
            }
            uint256 lessons = o.status == OrderStatus.Active ? _lessonsLeft(o) : 0;
            uint256 matured;
            if (frozen) {
                lessons += o.lessonsPending;
                _dropHeld(o, o.lessonsPending);
                o.disputed = false;
            } else {
                matured = _maturedLessons(o, _rules.disputeWindow);
                if (matured != 0 && schoolPaid) {
                    _release(earned, id, o, matured, _courses[o.courseId].feePerLessonFen, true);
                } else if (matured != 0) {
                    emit LessonSkipped(id, SkipReason.SchoolWalletClosed);
                    _dropHeld(o, matured);
                    lessons += matured;
                }
            }
            if (lessons != 0) _refund(refunds, id, o, lessons);
            else if (matured == 0) emit LessonSkipped(id, SkipReason.NotActive);
        }
        _payOut(earned, institution);
        if (refunds.count == 0) return;
        _supervisedFen[institution] -= refunds.total;
        _trim(refunds);
        _token.returnEarmarks(refunds.wallets, refunds.amounts);
    }

    // ------------------------------------------------------------------ token

    /// @inheritdoc IEarmarkController
    /// @dev Refunds the closing wallet's orders and pays the school the held lessons whose window passed (or
    /// refunds them if the school's wallet is closed). Lessons still in their window or under dispute stay
    /// held, so the close is refused until they are settled.
    function onWalletClose(address wallet) external onlyToken {
        uint256[] storage ids = _ordersOf[wallet];
        uint256 window = _rules.disputeWindow;
        for (uint256 i; i < ids.length; ++i) {
            Order storage o = _orders[ids[i]];
            Course storage c = _courses[o.courseId];
            uint256 lessons = o.status == OrderStatus.Active ? _lessonsLeft(o) : 0;
            uint256 matured = _institutions[c.institution].frozen ? 0 : _maturedLessons(o, window);
            if (matured != 0 && _token.isOpen(c.institution)) {
                Batch memory one = _newBatch(1);
                _release(one, ids[i], o, matured, c.feePerLessonFen, true);
                _payOut(one, c.institution);
            } else if (matured != 0) {
                emit LessonSkipped(ids[i], SkipReason.SchoolWalletClosed);
                _dropHeld(o, matured);
                lessons += matured;
            }
            if (lessons == 0) continue;
            uint256 refund = lessons * c.feePerLessonFen;
            o.lessonsReturned += uint16(lessons);
            if (o.status == OrderStatus.Active) {
                o.status = o.lessonsPending == 0 ? OrderStatus.Refunded : OrderStatus.Cancelled;
            }
            _supervisedFen[c.institution] -= refund;
            emit OrderRefunded(ids[i], wallet, refund, refund);
            _token.returnEarmark(wallet, refund);
        }
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IPrepaidSupervision
    function supervisedBalanceOf(address institution) external view returns (uint256) {
        return _supervisedFen[institution];
    }

    /// @inheritdoc IPrepaidEscrow
    function releasableAmountOf(uint256 orderId) external view returns (uint256) {
        Order storage o = _orders[orderId];
        return _maturedLessons(o, _rules.disputeWindow) * _courses[o.courseId].feePerLessonFen;
    }

    // ------------------------------------------------------------------ internals

    function _collectFee(uint256, address institution, uint256 feeFen) internal override {
        _supervisedFen[institution] += feeFen;
        _token.earmarkFrom(msg.sender, feeFen);
    }

    /// @dev What a cancellation returns for `lessons` unused lessons. Virtual so a test can plant a bug.
    function _refundFen(uint256 lessons, uint256 feePerLessonFen) internal pure virtual returns (uint256) {
        return lessons * feePerLessonFen;
    }

    /// @dev Held lessons, oldest first, whose own dispute window has passed (none while disputed).
    function _maturedLessons(Order storage o, uint256 window) private view returns (uint256 matured) {
        uint256 held = o.lessonsPending;
        if (held == 0 || o.disputed) return 0;
        uint48[MAX_HELD_LESSONS] memory since = o.heldSince;
        while (matured < held && since[matured] + window <= block.timestamp) ++matured;
    }

    /// @dev Pays `lessons` lessons of an order to the institution (in the batch's one token call); from the
    /// held ones (oldest first) when `fromHeld`.
    function _release(Batch memory batch, uint256 id, Order storage o, uint256 lessons, uint256 fee, bool fromHeld)
        private
    {
        uint256 amount = lessons * fee;
        if (fromHeld) _dropHeld(o, lessons);
        o.lessonsReleased += uint16(lessons);
        _completeIfSettled(o);
        batch.wallets[batch.count] = o.parent;
        batch.amounts[batch.count] = amount;
        batch.count += 1;
        batch.total += amount;
        emit LessonsReleased(id, lessons, amount, o.lessonsReleased);
    }

    /// @dev Takes the oldest `lessons` held lessons off the order's held list.
    function _dropHeld(Order storage o, uint256 lessons) private {
        uint256 held = o.lessonsPending;
        uint48[MAX_HELD_LESSONS] memory since = o.heldSince;
        for (uint256 i; i < MAX_HELD_LESSONS; ++i) {
            since[i] = i + lessons < held ? since[i + lessons] : 0;
        }
        o.heldSince = since;
        o.lessonsPending = uint8(held - lessons);
    }

    /// @dev The school can be paid: not frozen, and its wallet open (a school that closed its wallet
    /// forfeits the fees it had not collected). Its balance cap is not checked: schools hold corporate wallets.
    function _canPaySchool(address institution) private view returns (bool) {
        return !_institutions[institution].frozen && _token.isOpen(institution);
    }

    /// @dev Refunds `lessons` lessons (left, and held ones the caller dropped) in the batch's one token call.
    function _refund(Batch memory batch, uint256 id, Order storage o, uint256 lessons) private {
        uint256 amount = lessons * _courses[o.courseId].feePerLessonFen;
        o.lessonsReturned += uint16(lessons);
        if (o.status == OrderStatus.Active) o.status = OrderStatus.Refunded;
        batch.wallets[batch.count] = o.parent;
        batch.amounts[batch.count] = amount;
        batch.count += 1;
        batch.total += amount;
        emit OrderRefunded(id, o.parent, amount, amount);
    }

    /// @dev Pays a batch's released fees to the institution in one token call.
    function _payOut(Batch memory batch, address institution) private {
        if (batch.count == 0) return;
        _supervisedFen[institution] -= batch.total;
        _trim(batch);
        _token.releaseEarmarks(batch.wallets, batch.amounts, institution);
    }

    /// @dev Nothing left to teach or hold: Completed, unless every lesson went back to the parent in disputes.
    function _completeIfSettled(Order storage o) private {
        if (o.status == OrderStatus.Active && o.lessonsPending == 0 && _lessonsLeft(o) == 0) {
            o.status = o.lessonsReleased == 0 ? OrderStatus.Refunded : OrderStatus.Completed;
        }
    }

    function _newBatch(uint256 size) private pure returns (Batch memory batch) {
        batch.wallets = new address[](size);
        batch.amounts = new uint256[](size);
    }

    /// @dev Shrinks the batch arrays to the entries used (skipped orders leave the tail empty).
    function _trim(Batch memory batch) private pure {
        address[] memory wallets = batch.wallets;
        uint256[] memory amounts = batch.amounts;
        uint256 n = batch.count;
        assembly ("memory-safe") {
            mstore(wallets, n)
            mstore(amounts, n)
        }
    }
}
