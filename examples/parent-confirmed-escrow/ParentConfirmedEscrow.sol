// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IECNY} from "ecny-sim/interfaces/IECNY.sol";
import {PrepaidEscrow} from "ecny-sim/PrepaidEscrow.sol";
import {PrepaidRules, Order} from "ecny-sim/types/PrepaidTypes.sol";

/// @title ParentConfirmedEscrow
/// @notice Pay on acceptance: a lesson's fee moves to the school when the parent confirms the lesson, or when
/// its confirmation window (the rules' dispute window) passes without a dispute — the pattern some banks'
/// e-CNY contracts use for tuition. Everything else is ecny-sim's per-lesson escrow (IPrepaidEscrow).
contract ParentConfirmedEscrow is PrepaidEscrow {
    /// @dev The parent accepted `lessons` held lessons of the order before their window closed.
    event LessonsConfirmed(uint256 indexed orderId, address indexed parent, uint256 lessons);

    error Prepaid_NothingToConfirm(uint256 orderId);

    constructor(IECNY token_, address regulator_, PrepaidRules memory rules_) PrepaidEscrow(token_, regulator_, rules_) {}

    /// @notice The parent confirms every lesson of the order still waiting in its window: their fees are paid
    /// to the school at once (as if the window had passed).
    /// Requirements: caller is the order's parent; lessons are held; the order is not disputed; the school is
    /// not frozen (then the regulator decides).
    /// Emits {LessonsConfirmed}, then {LessonsReleased}.
    function confirmLessons(uint256 orderId) external {
        Order storage o = _order(orderId);
        if (msg.sender != o.parent) revert Prepaid_NotOrderParent(msg.sender, orderId);
        if (o.disputed) revert Prepaid_AlreadyDisputed(orderId);
        uint256 held = o.lessonsPending;
        if (held == 0) revert Prepaid_NothingToConfirm(orderId);
        // Accepted now: each held lesson counts as recorded a full window ago, so it has matured.
        uint48 accepted = uint48(block.timestamp - _rules.disputeWindow);
        for (uint256 i; i < held; ++i) {
            if (o.heldSince[i] > accepted) o.heldSince[i] = accepted;
        }
        emit LessonsConfirmed(orderId, msg.sender, held);
        uint256[] memory ids = new uint256[](1);
        ids[0] = orderId;
        this.releaseMatured(o.courseId, ids); // anyone may pay out matured lessons; it refuses a frozen school
    }
}
