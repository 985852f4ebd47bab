// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ECNY} from "../../contracts/ECNY.sol";
import {IECNY} from "../../contracts/interfaces/IECNY.sol";
import {PrepaidEscrow} from "../../contracts/PrepaidEscrow.sol";
import {IPrepaidEscrow} from "../../contracts/interfaces/IPrepaidEscrow.sol";
import {IPrepaidSupervision} from "../../contracts/interfaces/IPrepaidSupervision.sol";
import {PrepaidRules} from "../../contracts/types/PrepaidTypes.sol";
import {Cheats, Ghosts, FuzzSelector, Vm} from "./utils/Cheats.sol";

/// Property (c), the per-lesson escrow (contracts/PrepaidEscrow.sol), read from the token's balances and the
/// escrow's public views and events only:
/// - a cancel refunds exactly the fee paid - fees released to the institution - fees still held (lessons in
///   their dispute window or under dispute stay earmarked);
/// - money is conserved between parents, institutions and the escrow's earmarks (which sit in the parents'
///   own wallets), and the escrow's earmarks equal the fees it supervises;
/// - a recordLesson batch that repeats an order id gives that order at most one lesson (and pays the
///   institution no more than one lesson per distinct order, plus lessons already past their window).
/// EscrowCheck (halmos): one symbolic step from a concrete term half-way through, then the property.
/// EscrowInvariants (forge): random sequences of enrolments, lessons (batches with repeats), matured
/// releases, disputes and rulings, cancels, days passing, closures, freezes, refunds and closed wallets.

abstract contract EscrowWorld is Cheats {
    uint256 internal constant T0 = 1_700_000_000;
    uint256 internal constant START = T0 + 1 days;
    uint256 internal constant END = START + 80 days;
    uint256 internal constant LESSONS = 40; // one every two days
    uint256 internal constant FEE = 15_000;
    uint256 internal constant WINDOW = 2 days;
    uint256 internal constant PARENT_FUNDS = 1_000_000;

    ECNY internal token;

    function _token() internal {
        vm.warp(T0);
        token = new ECNY(address(this), address(this));
    }

    function _rules(uint256 window) internal pure returns (PrepaidRules memory) {
        return PrepaidRules({
            maxClassHoursPerOrder: 60,
            maxOrderSpan: 92 days,
            maxChargeFen: 500_000,
            maxPrepayLead: 30 days,
            renewalMaxHoursLeft: 20,
            disputeWindow: uint32(window),
            closureNotice: 30 days
        });
    }

    function _escrow(uint256 window) internal returns (PrepaidEscrow escrow) {
        escrow = new PrepaidEscrow(token, address(this), _rules(window));
        token.setController(address(escrow), true);
    }

    /// @dev Opens and approves an institution's wallet, publishes a course (40 lessons of one class hour, one
    /// every two days from START) and returns its id.
    function _school(PrepaidEscrow escrow, address institution, uint256 fee) internal returns (uint256 courseId) {
        token.openWallet(institution, 0);
        escrow.approveInstitution(institution);
        vm.prank(institution);
        courseId = escrow.publishCourse(fee, LESSONS, 1, START, END);
    }

    function _parent(PrepaidEscrow escrow, address parent) internal {
        token.openWallet(parent, 0);
        token.issue(parent, PARENT_FUNDS);
        vm.prank(parent);
        token.approveEarmark(address(escrow), type(uint256).max);
    }

    function _enrol(PrepaidEscrow escrow, address parent, uint256 courseId, uint256 lessons)
        internal
        returns (uint256 id)
    {
        vm.prank(parent);
        id = escrow.enrol(courseId, lessons);
    }

    function _record(PrepaidEscrow escrow, address institution, uint256 courseId, uint256 a) internal {
        uint256[] memory ids = new uint256[](1);
        ids[0] = a;
        vm.prank(institution);
        escrow.recordLesson(courseId, ids);
    }
}

// ---------------------------------------------------------------------------------------------- halmos

contract EscrowCheck is EscrowWorld {
    address internal constant IA = address(0x40A00);
    address internal constant IB = address(0x40B00);
    address internal constant I0 = address(0x40000);
    address internal constant PA = address(0x41A00);
    address internal constant PA2 = address(0x41A02);
    address internal constant PB = address(0x41B00);
    address internal constant Q1 = address(0x42001);
    address internal constant Q2 = address(0x42002);
    uint256 internal constant PAID = 10 * FEE;

    PrepaidEscrow internal held; // dispute window of 2 days
    PrepaidEscrow internal direct; // no window: a lesson's fee goes to the school at once
    uint256 internal courseA;
    uint256 internal courseB;
    uint256 internal course0;
    uint256 internal orderA;
    uint256 internal orderA2;
    uint256 internal orderB;
    uint256 internal orderX;
    uint256 internal orderY;

    /// @dev Half-way through a term, concrete. Escrow `held` (2-day window): order A (institution IA) has one
    /// lesson released and one held in its window, A2 (IA) none yet, B (IB) one released and one held under
    /// dispute. Escrow `direct` (no window): X and Y of one course of I0, 2 and 1 lessons released. Every
    /// order bought 10 lessons; each parent has one order.
    function setUp() public {
        _token();
        held = _escrow(WINDOW);
        direct = _escrow(0);
        courseA = _school(held, IA, FEE);
        courseB = _school(held, IB, FEE);
        course0 = _school(direct, I0, FEE);
        _parent(held, PA);
        _parent(held, PA2);
        _parent(held, PB);
        _parent(direct, Q1);
        _parent(direct, Q2);
        orderA = _enrol(held, PA, courseA, 10);
        orderA2 = _enrol(held, PA2, courseA, 10);
        orderB = _enrol(held, PB, courseB, 10);
        orderX = _enrol(direct, Q1, course0, 10);
        orderY = _enrol(direct, Q2, course0, 10);
        vm.warp(START + 3 days);
        _record(held, IA, courseA, orderA);
        _record(held, IB, courseB, orderB);
        _record(direct, I0, course0, orderX);
        vm.warp(START + 5 days + 1);
        _record(held, IA, courseA, orderA);
        _record(held, IB, courseB, orderB);
        vm.prank(PB);
        held.disputeLessons(orderB);
        uint256[] memory both = new uint256[](2);
        both[0] = orderX;
        both[1] = orderY;
        vm.prank(I0);
        direct.recordLesson(course0, both);
    }

    /// @dev One step on order A or B (a lesson, the same id twice in a batch, a matured release after the
    /// window, a dispute, either ruling, a lesson a day later), then its parent cancels: the refund is the fee
    /// paid less what the institution got, less what stays held (the parent's remaining earmark), less what
    /// a ruling already gave back to the parent.
    function check_CancelRefundsFeeLessReleasedLessHeld(bool onB, uint8 step) public {
        address parent = onB ? PB : PA;
        address institution = onB ? IB : IA;
        uint256 courseId = onB ? courseB : courseA;
        uint256 id = onB ? orderB : orderA;
        _step(step, parent, institution, courseId, id);
        uint256 freeBefore = token.freeBalanceOf(parent);
        vm.prank(parent);
        (bool ok,) = address(held).call(abi.encodeCall(IPrepaidSupervision.cancelOrder, (id)));
        if (ok) {
            uint256 refund = token.freeBalanceOf(parent) - freeBefore;
            uint256 released = token.balanceOf(institution); // institutions start empty, one order each
            uint256 stillHeld = token.earmarkedOf(parent, address(held));
            uint256 ruledBack = freeBefore - (PARENT_FUNDS - PAID); // a ruling for the parent, before the cancel
            assert(refund == PAID - released - stillHeld - ruledBack);
        }
        _heldBooks();
    }

    /// @dev A recordLesson batch of three entries drawn from two orders of one course (so ids repeat), in
    /// either escrow: each order loses at most one lesson, and the institution gets no more than one lesson
    /// per distinct order (no window) or only lessons already past their window (with one).
    function check_RepeatedIdOneLessonPerOrder(bool noWindow, bool e0, bool e1, bool e2) public {
        PrepaidEscrow escrow = noWindow ? direct : held;
        address institution = noWindow ? I0 : IA;
        uint256 courseId = noWindow ? course0 : courseA;
        uint256 one = noWindow ? orderX : orderA;
        uint256 two = noWindow ? orderY : orderA2;
        uint256[] memory ids = new uint256[](3);
        ids[0] = e0 ? one : two;
        ids[1] = e1 ? one : two;
        ids[2] = e2 ? one : two;
        uint256 leftOne = escrow.lessonsLeftOf(one);
        uint256 leftTwo = escrow.lessonsLeftOf(two);
        bool hasOne = e0 || e1 || e2;
        bool hasTwo = !(e0 && e1 && e2);
        uint256 allowed = noWindow
            ? FEE * ((hasOne ? 1 : 0) + (hasTwo ? 1 : 0))
            : (hasOne ? escrow.releasableAmountOf(one) : 0) + (hasTwo ? escrow.releasableAmountOf(two) : 0);
        uint256 schoolBefore = token.balanceOf(institution);
        vm.prank(institution);
        (bool ok,) = address(escrow).call(abi.encodeCall(IPrepaidSupervision.recordLesson, (courseId, ids)));
        if (ok) {
            assert(leftOne - escrow.lessonsLeftOf(one) <= 1);
            assert(leftTwo - escrow.lessonsLeftOf(two) <= 1);
            assert(token.balanceOf(institution) - schoolBefore <= allowed);
        }
    }

    function _step(uint8 step, address parent, address institution, uint256 courseId, uint256 id) internal {
        vm.assume(step < 8);
        uint256[] memory ids = new uint256[](step == 2 ? 2 : 1);
        for (uint256 i; i < ids.length; ++i) {
            ids[i] = id;
        }
        bytes memory call;
        address caller = institution;
        if (step == 0) return;
        if (step == 1 || step == 2) {
            call = abi.encodeCall(IPrepaidSupervision.recordLesson, (courseId, ids));
        } else if (step == 3) {
            vm.warp(block.timestamp + WINDOW + 1);
            call = abi.encodeCall(IPrepaidEscrow.releaseMatured, (courseId, ids));
        } else if (step == 4) {
            caller = parent;
            call = abi.encodeCall(IPrepaidEscrow.disputeLessons, (id));
        } else if (step == 5 || step == 6) {
            caller = address(this);
            call = abi.encodeCall(IPrepaidEscrow.resolveDispute, (id, step == 5));
        } else {
            vm.warp(block.timestamp + 1 days);
            call = abi.encodeCall(IPrepaidSupervision.recordLesson, (courseId, ids));
        }
        vm.prank(caller);
        (bool ok,) = address(held).call(call);
        ok; // a step that reverts leaves the term as it was
    }

    /// @dev Money of escrow `held`'s parents and institutions is conserved; its earmarks equal what it supervises.
    function _heldBooks() internal view {
        uint256 parents = token.balanceOf(PA) + token.balanceOf(PA2) + token.balanceOf(PB);
        assert(parents + token.balanceOf(IA) + token.balanceOf(IB) == 3 * PARENT_FUNDS);
        uint256 earmarks = token.earmarkedOf(PA, address(held)) + token.earmarkedOf(PA2, address(held))
            + token.earmarkedOf(PB, address(held));
        assert(token.earmarkedTotalOf(address(held)) == earmarks);
        assert(held.supervisedBalanceOf(IA) + held.supervisedBalanceOf(IB) == earmarks);
    }
}

// ---------------------------------------------------------------------------------------------- forge

/// @notice Random terms of one school (one 80-day course, 2-day dispute window, 3 days' closure notice) and three
/// parents. The handler is the token's issuer and the escrow's regulator. Per order it keeps, from the
/// escrow's events only, the fee paid, the lessons recorded into the window, and the lessons and fees released
/// to the school or returned in a ruling; each cancel and each lesson batch is checked on the spot.
contract EscrowHandler is EscrowWorld, Ghosts {
    bytes32 public constant CANCEL_REFUND = keccak256("CancelRefundsFeeLessReleasedLessHeld");
    bytes32 public constant REPEATED = keccak256("RepeatedIdOneLessonPerOrder");
    uint256 public constant PARENTS = 3;
    address public constant SCHOOL = address(0x50000);

    PrepaidEscrow public immutable escrow;
    uint256 public immutable courseId;
    address[PARENTS] public parents;
    uint256[] public orders;
    mapping(uint256 id => address) public parentOf;
    mapping(uint256 id => uint256) public paidFen;
    mapping(uint256 id => uint256) public releasedFen;
    mapping(uint256 id => uint256) public releasedLessons;
    mapping(uint256 id => uint256) public ruledBackFen;
    mapping(uint256 id => uint256) public ruledBackLessons;
    mapping(uint256 id => uint256) public recordedIntoWindow;
    uint256 public issued;
    uint256 public redeemed;
    uint256 public totalPaid;
    uint256 public totalReleased;
    uint256 public totalRefunded;
    uint256 public cancels;
    uint256 public batchesWithRepeats;

    constructor() {
        _token();
        escrow = _escrow(WINDOW);
        PrepaidRules memory r = _rules(WINDOW);
        r.closureNotice = 3 days;
        escrow.setRules(r);
        courseId = _school(escrow, SCHOOL, FEE);
        for (uint256 i; i < PARENTS; ++i) {
            parents[i] = address(uint160(0x51000 + i));
            _parent(escrow, parents[i]);
            issued += PARENT_FUNDS;
        }
    }

    // ------------------------------------------------------------------ actions

    function enrol(uint256 p, uint256 lessons) external {
        address parent = parents[p % PARENTS];
        lessons = _bound(lessons, 1, 20);
        vm.recordLogs();
        bool ok = true;
        vm.prank(parent);
        try escrow.enrol(courseId, lessons) returns (uint256 id) {
            orders.push(id);
            parentOf[id] = parent;
            paidFen[id] = lessons * FEE;
            totalPaid += lessons * FEE;
        } catch {
            ok = false;
        }
        _readLogs(ok);
    }

    function record(uint256 seed, uint256 n) external {
        uint256[] memory ids = _ids(seed, n);
        if (ids.length == 0) return;
        uint256[] memory leftBefore = new uint256[](ids.length);
        for (uint256 i; i < ids.length; ++i) {
            leftBefore[i] = escrow.lessonsLeftOf(ids[i]);
        }
        vm.recordLogs();
        bool ok = true;
        vm.prank(SCHOOL);
        try escrow.recordLesson(courseId, ids) {
            bool repeats;
            for (uint256 i; i < ids.length; ++i) {
                if (leftBefore[i] - escrow.lessonsLeftOf(ids[i]) > 1) {
                    _violated(REPEATED, "one recordLesson call gave an order more than one lesson");
                }
                for (uint256 k; k < i; ++k) {
                    if (ids[k] == ids[i]) repeats = true;
                }
            }
            if (repeats) batchesWithRepeats += 1;
        } catch {
            ok = false;
        }
        _readLogs(ok);
    }

    function releaseMatured(uint256 seed, uint256 n) external {
        uint256[] memory ids = _ids(seed, n);
        if (ids.length == 0) return;
        vm.recordLogs();
        bool ok = true;
        try escrow.releaseMatured(courseId, ids) {} catch {
            ok = false;
        }
        _readLogs(ok);
    }

    /// @dev The refund must be the fee paid less what was released or ruled back, less the lessons still held
    /// (recorded into the window and neither released nor ruled back), all counted from earlier events.
    function cancel(uint256 k) external {
        if (orders.length == 0) return;
        uint256 id = orders[k % orders.length];
        address parent = parentOf[id];
        uint256 stillHeld = recordedIntoWindow[id] - releasedLessons[id] - ruledBackLessons[id];
        uint256 expected = paidFen[id] - releasedFen[id] - ruledBackFen[id] - stillHeld * FEE;
        uint256 freeBefore = token.freeBalanceOf(parent);
        vm.recordLogs();
        bool ok = true;
        vm.prank(parent);
        try escrow.cancelOrder(id) {
            cancels += 1;
            if (token.freeBalanceOf(parent) - freeBefore != expected) {
                _violated(CANCEL_REFUND, "a cancel refunded other than fee paid - released - held");
            }
        } catch {
            ok = false;
        }
        _readLogs(ok);
    }

    function dispute(uint256 k) external {
        if (orders.length == 0) return;
        uint256 id = orders[k % orders.length];
        vm.recordLogs();
        bool ok = true;
        vm.prank(parentOf[id]);
        try escrow.disputeLessons(id) {} catch {
            ok = false;
        }
        _readLogs(ok);
    }

    function resolve(uint256 k, bool toSchool) external {
        if (orders.length == 0) return;
        vm.recordLogs();
        bool ok = true;
        try escrow.resolveDispute(orders[k % orders.length], toSchool) {} catch {
            ok = false;
        }
        _readLogs(ok);
    }

    function passTime(uint256 secondsLater) external {
        vm.warp(block.timestamp + _bound(secondsLater, 1 hours, 1 days));
    }

    /// @dev Rare (one call in 64): the school announces closure (3 days' notice), or the regulator freezes it.
    function closeOrFreeze(uint256 dice, bool freeze) external {
        if (dice % 64 != 0) return;
        if (freeze) {
            try escrow.freezeInstitution(SCHOOL) {} catch {}
        } else {
            vm.prank(SCHOOL);
            try escrow.announceClosure() {} catch {}
        }
    }

    function refund(uint256 seed, uint256 n) external {
        uint256[] memory ids = _ids(seed, n);
        if (ids.length == 0) return;
        vm.recordLogs();
        bool ok = true;
        try escrow.refundOrders(SCHOOL, ids) {} catch {
            ok = false;
        }
        _readLogs(ok);
    }

    /// @dev Rare (one call in 32): a parent (or the school) closes its wallet; the token asks the escrow to
    /// settle first.
    function closeWallet(uint256 who, uint256 dice) external {
        if (dice % 32 != 0) return;
        address wallet = who % (PARENTS + 1) == PARENTS ? SCHOOL : parents[who % (PARENTS + 1)];
        uint256 supply = token.totalSupply();
        vm.recordLogs();
        bool ok = true;
        vm.prank(wallet);
        try token.closeWallet(wallet) {
            // What left the system: the wallet's free money once the escrow settled (which may first pay the
            // school lessons whose window passed) is redeemed to the bank.
            redeemed += supply - token.totalSupply();
        } catch {
            ok = false;
        }
        _readLogs(ok);
    }

    // ------------------------------------------------------------------ helpers

    function parentAt(uint256 i) external view returns (address) {
        return parents[i];
    }

    function orderCount() external view returns (uint256) {
        return orders.length;
    }

    /// @dev 1 to 4 order ids drawn from the orders placed (repeats likely while there are few).
    function _ids(uint256 seed, uint256 n) internal view returns (uint256[] memory ids) {
        if (orders.length == 0) return ids;
        ids = new uint256[](_bound(n, 1, 4));
        for (uint256 i; i < ids.length; ++i) {
            ids[i] = orders[uint256(keccak256(abi.encode(seed, i))) % orders.length];
        }
    }

    /// @dev forge records the logs of a call that reverted too: they count only when the call went through.
    function _readLogs(bool ok) internal {
        Vm.Log[] memory logs = vm.getRecordedLogs();
        if (!ok) return;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(escrow) || logs[i].topics.length < 2) continue;
            bytes32 t = logs[i].topics[0];
            uint256 id = uint256(logs[i].topics[1]);
            if (t == IPrepaidEscrow.LessonRecorded.selector) {
                recordedIntoWindow[id] += 1;
            } else if (t == IPrepaidEscrow.LessonsReleased.selector) {
                (uint256 lessons, uint256 amount,) = abi.decode(logs[i].data, (uint256, uint256, uint256));
                releasedLessons[id] += lessons;
                releasedFen[id] += amount;
                totalReleased += amount;
            } else if (t == IPrepaidEscrow.DisputeResolved.selector) {
                (bool toSchool, uint256 lessons, uint256 amount) = abi.decode(logs[i].data, (bool, uint256, uint256));
                if (toSchool) {
                    releasedLessons[id] += lessons;
                    releasedFen[id] += amount;
                    totalReleased += amount;
                } else {
                    ruledBackLessons[id] += lessons;
                    ruledBackFen[id] += amount;
                    totalRefunded += amount;
                }
            } else if (t == IPrepaidSupervision.OrderCancelled.selector || t == IPrepaidSupervision.OrderRefunded.selector) {
                (uint256 refundFen,) = abi.decode(logs[i].data, (uint256, uint256));
                totalRefunded += refundFen;
            }
        }
    }
}

contract EscrowInvariants {
    EscrowHandler internal handler;

    function setUp() public {
        handler = new EscrowHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory s = new bytes4[](13);
        s[0] = EscrowHandler.enrol.selector;
        s[1] = EscrowHandler.enrol.selector;
        s[2] = EscrowHandler.record.selector;
        s[3] = EscrowHandler.record.selector;
        s[4] = EscrowHandler.record.selector;
        s[5] = EscrowHandler.releaseMatured.selector;
        s[6] = EscrowHandler.cancel.selector;
        s[7] = EscrowHandler.dispute.selector;
        s[8] = EscrowHandler.resolve.selector;
        s[9] = EscrowHandler.passTime.selector;
        s[10] = EscrowHandler.closeOrFreeze.selector;
        s[11] = EscrowHandler.refund.selector;
        s[12] = EscrowHandler.closeWallet.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), s);
    }

    function invariant_EscrowMoneyConserved() public view {
        ECNY token = ECNY(handler.escrow().token());
        uint256 held;
        for (uint256 i; i < handler.PARENTS(); ++i) {
            held += token.balanceOf(handler.parentAt(i));
        }
        held += token.balanceOf(handler.SCHOOL());
        require(held + handler.redeemed() == handler.issued(), "parents + school + redeemed != issued");
    }

    function invariant_EscrowEarmarksEqualSupervisedFees() public view {
        PrepaidEscrow escrow = handler.escrow();
        ECNY token = ECNY(escrow.token());
        uint256 earmarks;
        for (uint256 i; i < handler.PARENTS(); ++i) {
            earmarks += token.earmarkedOf(handler.parentAt(i), address(escrow));
        }
        require(token.earmarkedTotalOf(address(escrow)) == earmarks, "escrow's earmarkedTotalOf != its earmarks");
        require(escrow.supervisedBalanceOf(handler.SCHOOL()) == earmarks, "supervisedBalanceOf != escrow's earmarks");
    }

    function invariant_EscrowHoldsExactlyUnsettledFees() public view {
        PrepaidEscrow escrow = handler.escrow();
        require(
            ECNY(escrow.token()).earmarkedTotalOf(address(escrow))
                == handler.totalPaid() - handler.totalReleased() - handler.totalRefunded(),
            "escrow's earmarks != fees paid - released - refunded (by the escrow's events)"
        );
    }

    function invariant_CancelRefundsFeeLessReleasedLessHeld() public view {
        bytes32 p = handler.CANCEL_REFUND();
        require(handler.violations(p) == 0, handler.firstViolation(p));
    }

    function invariant_RepeatedIdOneLessonPerOrder() public view {
        bytes32 p = handler.REPEATED();
        require(handler.violations(p) == 0, handler.firstViolation(p));
    }
}
