// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IECNY, IEarmarkController} from "../../../contracts/interfaces/IECNY.sol";

/// @notice A small earmark controller for the `make prove` harness. Anyone may drive it (it is a test
/// double): it earmarks, releases, returns, moves and ends earmarks on the token as itself. When a wallet
/// closes it counts the question and, unless it holds a claim on that wallet (e.g. a funder still owed a
/// sweep), settles by returning whatever it still has earmarked there; with a claim it refuses the close.
contract ProveController is IEarmarkController {
    error StillHasClaim(address wallet);
    error NotToken(address caller);

    IECNY public immutable token;
    mapping(address wallet => bool) public claimOn;
    mapping(address wallet => uint256) public askedCount;
    mapping(address wallet => uint256) public settledFen;

    constructor(IECNY token_) {
        token = token_;
    }

    function setClaim(address wallet, bool on) external {
        claimOn[wallet] = on;
    }

    function earmark(address wallet, uint256 amountFen) external {
        token.earmarkFrom(wallet, amountFen);
    }

    function release(address wallet, address payee, uint256 amountFen) external {
        token.releaseEarmark(wallet, payee, amountFen);
    }

    function releaseMany(address[] calldata wallets, uint256[] calldata amountsFen, address payee) external {
        token.releaseEarmarks(wallets, amountsFen, payee);
    }

    function giveBack(address wallet, uint256 amountFen) external {
        token.returnEarmark(wallet, amountFen);
    }

    function giveBackMany(address[] calldata wallets, uint256[] calldata amountsFen) external {
        token.returnEarmarks(wallets, amountsFen);
    }

    function move(address from, address to, uint256 amountFen) external {
        token.moveEarmark(from, to, amountFen);
    }

    function endAll(address to) external returns (uint256) {
        return token.endAllEarmarks(to);
    }

    /// @inheritdoc IEarmarkController
    function onWalletClose(address wallet) external {
        if (msg.sender != address(token)) revert NotToken(msg.sender);
        askedCount[wallet] += 1;
        if (claimOn[wallet]) revert StillHasClaim(wallet);
        uint256 left = token.earmarkedOf(wallet, address(this));
        if (left != 0) {
            settledFen[wallet] += left;
            token.returnEarmark(wallet, left);
        }
    }
}
