// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IECNY} from "ecny-sim/interfaces/IECNY.sol";
import {PrepaidEscrow} from "ecny-sim/PrepaidEscrow.sol";
import {PrepaidRules} from "ecny-sim/types/PrepaidTypes.sol";

/// @title FlawedEscrow
/// @notice DELIBERATELY WRONG, to show what `ecny-sim check` catches: a cancellation's refund is rounded down to
/// whole yuan, so a parent who cancels lessons priced in odd fen loses the fen below the yuan. It passes
/// every scenario whose fees are round yuan; the state machine finds the course whose fee is not.
contract FlawedEscrow is PrepaidEscrow {
    constructor(IECNY token_, address regulator_, PrepaidRules memory rules_) PrepaidEscrow(token_, regulator_, rules_) {}

    function _refundFen(uint256 lessons, uint256 feePerLessonFen) internal pure override returns (uint256) {
        return (lessons * feePerLessonFen) / 100 * 100; // the flaw: rounded down to whole yuan
    }
}
