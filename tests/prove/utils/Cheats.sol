// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice The few cheatcodes the `make prove` harness uses, declared here (no forge-std). forge and halmos
/// both answer them at the usual cheatcode address.
interface Vm {
    struct Log {
        bytes32[] topics;
        bytes data;
        address emitter;
    }

    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function warp(uint256 timestamp) external;
    function assume(bool condition) external pure;
    function recordLogs() external;
    function getRecordedLogs() external returns (Log[] memory logs);
}

/// @notice halmos's own cheatcodes (symbolic values), only for `check_*` functions run by halmos.
interface SVM {
    function createUint(uint256 bits, string memory name) external returns (uint256);
    function createBool(string memory name) external returns (bool);
}

/// @notice What forge's invariant runner reads from a test contract to know which handler to call.
struct FuzzSelector {
    address addr;
    bytes4[] selectors;
}

abstract contract Cheats {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    SVM internal constant svm = SVM(address(uint160(uint256(keccak256("svm cheat code")))));

    /// @dev `x` mapped into [lo, hi] (a fuzzer's raw input to a usable value).
    function _bound(uint256 x, uint256 lo, uint256 hi) internal pure returns (uint256) {
        if (hi <= lo) return lo;
        return lo + x % (hi - lo + 1);
    }
}

/// @notice Handlers record the first broken property here; each `invariant_*` then checks its own counter.
abstract contract Ghosts {
    mapping(bytes32 property => uint256) public violations;
    mapping(bytes32 property => string) public firstViolation;

    function _violated(bytes32 property, string memory why) internal {
        if (violations[property] == 0) firstViolation[property] = why;
        violations[property] += 1;
    }
}
