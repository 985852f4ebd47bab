// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IECNY, IEarmarkController} from "../interfaces/IECNY.sol";

/// @title ClaimingController
/// @notice For tests only: a minimal earmark controller with a claim on a wallet, as a red-packet campaign's
/// funder is owed the sweep. Anyone may drive it: earmark a wallet's money (within the allowance the wallet
/// gave it), give it back, pay it out, and set or clear its claim on a wallet. Asked to settle a closing
/// wallet, it refuses while it has a claim on it; otherwise it gives back whatever it holds there (unless it
/// was deployed to leave its earmarks in place, so the token itself must refuse the close).
contract ClaimingController is IEarmarkController {
    error ClaimingController_HasClaim(address wallet);
    error ClaimingController_NotToken(address caller);

    IECNY public immutable token;
    /// @notice Whether the controller gives its earmark back when a wallet closes.
    bool public immutable settlesOnClose;
    /// @notice Wallets the controller has a claim on (it refuses their close).
    mapping(address wallet => bool) public hasClaim;

    constructor(IECNY token_, bool settlesOnClose_) {
        token = token_;
        settlesOnClose = settlesOnClose_;
    }

    function setClaim(address wallet, bool claim) external {
        hasClaim[wallet] = claim;
    }

    function earmark(address wallet, uint256 amountFen) external {
        token.earmarkFrom(wallet, amountFen);
    }

    function giveBack(address wallet, uint256 amountFen) external {
        token.returnEarmark(wallet, amountFen);
    }

    function pay(address wallet, address payee, uint256 amountFen) external {
        token.releaseEarmark(wallet, payee, amountFen);
    }

    /// @inheritdoc IEarmarkController
    function onWalletClose(address wallet) external {
        if (msg.sender != address(token)) revert ClaimingController_NotToken(msg.sender);
        if (hasClaim[wallet]) revert ClaimingController_HasClaim(wallet);
        uint256 held = token.earmarkedOf(wallet, address(this));
        if (settlesOnClose && held != 0) token.returnEarmark(wallet, held);
    }
}
