// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IECNY, IEarmarkController} from "./interfaces/IECNY.sol";
import {IPrepaidSupervision} from "./interfaces/IPrepaidSupervision.sol";
import {IUpfrontPrepaid} from "./interfaces/IUpfrontPrepaid.sol";
import {PrepaidBase} from "./PrepaidBase.sol";
import {PrepaidRules, OrderStatus, SkipReason, Course, Order} from "./types/PrepaidTypes.sol";

/// @title UpfrontPrepaid
/// @notice The institution is paid at enrolment; `depositBps` of each fee stays locked in its own wallet as a
/// risk deposit (0 = unsupervised). See {IUpfrontPrepaid}.
contract UpfrontPrepaid is PrepaidBase, IUpfrontPrepaid {
    /// @dev What an institution owes in undelivered lessons and holds as deposit; frozen figures are the
    /// snapshot the pro-rata shares are computed from.
    struct Exposure {
        uint256 owedFen;
        uint256 depositFen;
        uint256 owedAtFreezeFen;
        uint256 depositAtFreezeFen;
        uint256 owedUnrefundedFen;
        uint256 depositUnsharedFen;
    }

    uint256 private constant BPS = 10_000;
    /// @inheritdoc IUpfrontPrepaid
    uint256 public immutable depositBps;

    mapping(address institution => Exposure) private _exposure;
    mapping(uint256 orderId => uint256) private _depositOfOrder;

    constructor(IECNY token_, address regulator_, PrepaidRules memory rules_, uint256 depositBps_)
        PrepaidBase(token_, regulator_, rules_)
    {
        if (depositBps_ > BPS) revert Prepaid_InvalidDepositShare(depositBps_);
        depositBps = depositBps_;
    }

    // ------------------------------------------------------------------ institutions

    /// @inheritdoc IPrepaidSupervision
    /// @dev No money moves: the institution was paid at enrolment. Delivery reduces what it owes, so the same
    /// timetable limits apply as under escrow (a fast recorder would shrink the parents' claims on a freeze).
    function recordLesson(uint256 courseId, uint256[] calldata orderIds) external {
        Course storage c = _course(courseId);
        if (msg.sender != c.institution) revert Prepaid_NotCourseInstitution(msg.sender, courseId);
        _requireDelivering(msg.sender);
        uint256 lessonCall = _beginLessonCall(courseId, c);
        uint256 dueNow = _lessonsDue(c, block.timestamp);
        uint256 delivered;
        for (uint256 i; i < orderIds.length; ++i) {
            Order storage o = _orders[orderIds[i]];
            if (_skipsLesson(courseId, lessonCall, dueNow, orderIds[i], o)) continue;
            o.lessonsReleased += 1;
            if (_lessonsLeft(o) == 0) o.status = OrderStatus.Completed;
            delivered += 1;
            emit LessonDelivered(orderIds[i], o.lessonsReleased);
        }
        _exposure[msg.sender].owedFen -= delivered * c.feePerLessonFen;
    }

    /// @inheritdoc IUpfrontPrepaid
    function releaseDeposits(uint256 courseId, uint256[] calldata orderIds) external {
        Course storage c = _course(courseId);
        address institution = c.institution;
        if (_institutions[institution].frozen) revert Prepaid_InstitutionFrozen(institution);
        bool ended = block.timestamp >= c.end;
        uint256 total;
        for (uint256 i; i < orderIds.length; ++i) {
            uint256 id = orderIds[i];
            uint256 deposit = _depositOfOrder[id];
            if (_orders[id].courseId != courseId) emit LessonSkipped(id, SkipReason.NotInCourse);
            else if (!ended) emit LessonSkipped(id, SkipReason.CourseNotEnded);
            else if (deposit == 0) emit LessonSkipped(id, SkipReason.NothingLeft);
            else {
                _depositOfOrder[id] = 0;
                total += deposit;
                emit DepositReleased(id, institution, deposit);
            }
        }
        if (total == 0) return;
        _exposure[institution].depositFen -= total;
        _token.returnEarmark(institution, total);
    }

    // ------------------------------------------------------------------ parents

    /// @inheritdoc IPrepaidSupervision
    /// @dev The institution refunds from its own free money (it allowed this contract to earmark it when
    /// approved); if it has emptied its wallet, the cancellation fails and the parent is left to the courts.
    function cancelOrder(uint256 orderId) external {
        Order storage o = _order(orderId);
        if (msg.sender != o.parent) revert Prepaid_NotOrderParent(msg.sender, orderId);
        if (o.status != OrderStatus.Active) revert Prepaid_OrderNotActive(orderId);
        address institution = _courses[o.courseId].institution;
        if (_institutions[institution].frozen) revert Prepaid_InstitutionFrozen(institution);
        uint256 lessons = _lessonsLeft(o); // an active upfront order always has lessons left (none are held)
        uint256 refund = _refundFromInstitution(orderId, o, lessons, institution);
        o.status = OrderStatus.Cancelled;
        emit OrderCancelled(orderId, msg.sender, refund, lessons);
        _payRefundFromInstitution(orderId, o.parent, refund, institution);
    }

    // ------------------------------------------------------------------ regulator / closure

    /// @inheritdoc IPrepaidSupervision
    /// @dev Frozen: each parent gets a share of the deposit in proportion to what they are owed (the last
    /// one refunded takes the rounding remainder). Closed without a freeze: the institution refunds in full.
    /// An order whose parent cannot be paid now (wallet at its balance cap) or whose refund the school cannot
    /// pay is skipped with a reason and stays refundable: its share stays reserved in the pool.
    function refundOrders(address institution, uint256[] calldata orderIds) external {
        _requireRefundsOpen(institution);
        bool frozen = _institutions[institution].frozen;
        Exposure storage e = _exposure[institution];
        for (uint256 i; i < orderIds.length; ++i) {
            uint256 id = orderIds[i];
            Order storage o = _orders[id];
            uint256 lessons = o.status == OrderStatus.Active ? _lessonsLeft(o) : 0;
            if (_courses[o.courseId].institution != institution) {
                emit LessonSkipped(id, SkipReason.WrongInstitution);
                continue;
            }
            if (lessons == 0) {
                emit LessonSkipped(id, SkipReason.NotActive);
                continue;
            }
            uint256 owed = lessons * _courses[o.courseId].feePerLessonFen;
            if (!frozen) {
                SkipReason blocked = _refundBlocked(id, institution, o.parent, owed);
                if (blocked != SkipReason.None) {
                    emit LessonSkipped(id, blocked);
                    continue;
                }
                o.status = OrderStatus.Refunded;
                _refundFromInstitution(id, o, lessons, institution);
                emit OrderRefunded(id, o.parent, owed, owed);
                _payRefundFromInstitution(id, o.parent, owed, institution);
                continue;
            }
            uint256 share = owed == e.owedUnrefundedFen
                ? e.depositUnsharedFen
                : owed * e.depositAtFreezeFen / e.owedAtFreezeFen;
            if (share != 0 && !_token.canReceive(o.parent, share)) {
                emit LessonSkipped(id, SkipReason.WalletCannotReceive);
                continue;
            }
            o.status = OrderStatus.Refunded;
            o.lessonsReturned += uint16(lessons);
            e.owedFen -= owed;
            e.owedUnrefundedFen -= owed;
            e.depositUnsharedFen -= share;
            e.depositFen -= share;
            _depositOfOrder[id] = 0;
            emit OrderRefunded(id, o.parent, share, owed);
            emit DepositShared(id, o.parent, share);
            if (share != 0) _token.releaseEarmark(institution, o.parent, share);
        }
    }

    /// @inheritdoc IUpfrontPrepaid
    function releaseSurplusDeposit(address institution) external onlyRegulator returns (uint256 surplusFen) {
        if (!_institutions[institution].frozen) revert Prepaid_NotFrozen(institution);
        Exposure storage e = _exposure[institution];
        surplusFen = e.depositFen - e.depositUnsharedFen;
        if (surplusFen == 0) revert Prepaid_NoSurplusDeposit(institution);
        e.depositFen -= surplusFen;
        emit SurplusDepositReleased(institution, surplusFen);
        _token.returnEarmark(institution, surplusFen);
    }

    /// @inheritdoc IEarmarkController
    /// @dev A parent's wallet cannot close while it holds an active order: its refund or deposit share would
    /// have nowhere to go (cancel the order first). An institution's deposit cannot be taken out by closing
    /// its wallet either: the token refuses the close while the deposit is earmarked.
    function onWalletClose(address wallet) external view onlyToken {
        uint256[] storage ids = _ordersOf[wallet];
        for (uint256 i; i < ids.length; ++i) {
            if (_orders[ids[i]].status == OrderStatus.Active) revert Prepaid_OrderStillActive(wallet, ids[i]);
        }
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IPrepaidSupervision
    function supervisedBalanceOf(address institution) external view returns (uint256) {
        return _exposure[institution].depositFen;
    }

    /// @inheritdoc IUpfrontPrepaid
    function depositOfOrder(uint256 orderId) external view returns (uint256) {
        return _depositOfOrder[orderId];
    }

    /// @inheritdoc IUpfrontPrepaid
    function owedByInstitution(address institution) external view returns (uint256) {
        return _exposure[institution].owedFen;
    }

    // ------------------------------------------------------------------ internals

    /// @dev The parent's fee goes to the institution at once; the deposit share is locked in the
    /// institution's wallet under this contract.
    function _collectFee(uint256 orderId, address institution, uint256 feeFen) internal override {
        uint256 deposit = feeFen * depositBps / BPS;
        Exposure storage e = _exposure[institution];
        e.owedFen += feeFen;
        e.depositFen += deposit;
        _depositOfOrder[orderId] = deposit;
        if (deposit != 0) emit DepositLocked(orderId, institution, deposit);
        _token.earmarkFrom(msg.sender, feeFen);
        if (feeFen > deposit) _token.releaseEarmark(msg.sender, institution, feeFen - deposit);
        if (deposit != 0) _token.moveEarmark(msg.sender, institution, deposit);
    }

    /// @dev Snapshot for the pro-rata shares. The pool is capped at what is owed: a parent never gets back
    /// more than the lessons they did not receive; any excess stays locked under the regulator.
    function _onFreeze(address institution) internal override {
        Exposure storage e = _exposure[institution];
        uint256 pool = e.depositFen < e.owedFen ? e.depositFen : e.owedFen;
        e.owedAtFreezeFen = e.owedFen;
        e.owedUnrefundedFen = e.owedFen;
        e.depositAtFreezeFen = pool;
        e.depositUnsharedFen = pool;
    }

    /// @dev Bookkeeping of a full refund paid by the institution; returns the refund.
    function _refundFromInstitution(uint256 orderId, Order storage o, uint256 lessons, address institution)
        private
        returns (uint256 refund)
    {
        refund = lessons * _courses[o.courseId].feePerLessonFen;
        o.lessonsReturned += uint16(lessons);
        _exposure[institution].owedFen -= refund;
        _exposure[institution].depositFen -= _depositOfOrder[orderId];
    }

    /// @dev Why the institution's refund of `refund` for order `orderId` cannot go through now, or None: its
    /// free money (with the order's deposit back) or its allowance falls short or its wallet is frozen
    /// (SchoolCannotPay), or the parent's wallet cannot take it (WalletCannotReceive).
    function _refundBlocked(uint256 orderId, address institution, address parent, uint256 refund)
        private
        view
        returns (SkipReason)
    {
        uint256 available = _token.freeBalanceOf(institution) + _depositOfOrder[orderId];
        if (available < refund || _token.earmarkAllowance(institution, address(this)) < refund
            || _token.isFrozen(institution)) return SkipReason.SchoolCannotPay;
        if (!_token.canReceive(parent, refund)) return SkipReason.WalletCannotReceive;
        return SkipReason.None;
    }

    /// @dev The order's deposit goes back to the institution, which pays the refund from its free money.
    function _payRefundFromInstitution(uint256 orderId, address parent, uint256 refund, address institution) private {
        uint256 deposit = _depositOfOrder[orderId];
        _depositOfOrder[orderId] = 0;
        if (deposit != 0) {
            emit DepositReleased(orderId, institution, deposit);
            _token.returnEarmark(institution, deposit);
        }
        _token.earmarkFrom(institution, refund);
        _token.releaseEarmark(institution, parent, refund);
    }
}
