// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IECNY} from "../interfaces/IECNY.sol";
import {PrepaidEscrow} from "../PrepaidEscrow.sol";
import {PrepaidRules} from "../types/PrepaidTypes.sol";

/// @title BrokenRefundEscrow
/// @notice DELIBERATELY WRONG, for tests only: a cancellation refunds one fen too little. The property tests
/// must catch it; if they pass against this contract, they have no teeth.
contract BrokenRefundEscrow is PrepaidEscrow {
    constructor(IECNY token_, address regulator_, PrepaidRules memory rules_) PrepaidEscrow(token_, regulator_, rules_) {}

    function _refundFen(uint256 lessons, uint256 feePerLessonFen) internal pure override returns (uint256) {
        return lessons * feePerLessonFen - 1;
    }
}
