// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IECNY, IEarmarkController} from "./interfaces/IECNY.sol";
import {WalletBook} from "./WalletBook.sol";

/// @title ECNY
/// @notice The e-CNY stand-in with programmable (earmarked) money. See {IECNY}.
/// @dev Earmarks are kept per (wallet, controller). `endAllEarmarks` works in O(1) by bumping the
/// controller's epoch: an earmark written in an older epoch counts as zero and is cleared when next touched.
contract ECNY is WalletBook {
    struct Earmark {
        uint128 amountFen;
        uint64 epoch; // the controller's epoch when written
        uint32 slot; // 1-based index in the wallet's controller list; 0 = not listed
        bool retired; // pruned from the list once: it stays in the wallet's retired list for good
    }

    struct Controller {
        bool enabled;
        uint64 epoch;
        uint128 totalFen;
    }

    /// @notice A wallet may hold earmarks under this many controllers at once, so views stay cheap.
    uint256 public constant MAX_CONTROLLERS_PER_WALLET = 16;
    /// @notice Amounts are in fen: 2 decimals of a yuan.
    uint8 public constant decimals = 2;
    /// @notice The token's name.
    string public constant name = "e-CNY (simulated)";
    /// @notice The token's symbol.
    string public constant symbol = "eCNY";
    /// @inheritdoc IECNY
    uint256 public totalSupply;

    mapping(address wallet => mapping(address controller => Earmark)) private _earmarks;
    mapping(address wallet => address[]) private _controllersOf;
    /// @dev Controllers pruned from a wallet's list (their earmark was empty). Closing the wallet still asks
    /// them: an empty earmark does not mean no claim (a campaign's funder is owed the sweep).
    mapping(address wallet => address[]) private _retiredControllersOf;
    mapping(address controller => Controller) private _controllers;
    mapping(address wallet => mapping(address controller => uint256)) private _allowances;

    modifier onlyController() {
        if (!_controllers[msg.sender].enabled) revert ECNY_NotController(msg.sender);
        _;
    }

    constructor(address issuer_, address regulator_) WalletBook(issuer_, regulator_) {}

    // ------------------------------------------------------------------ issuer

    /// @inheritdoc IECNY
    function setController(address controller, bool enabled) external onlyIssuer {
        if (controller == address(0)) revert ECNY_ZeroAddress();
        _controllers[controller].enabled = enabled;
        emit ControllerSet(controller, enabled);
    }

    /// @inheritdoc IECNY
    function issue(address wallet, uint256 amountFen) external onlyIssuer {
        if (amountFen == 0) revert ECNY_ZeroAmount();
        if (amountFen > type(uint128).max - totalSupply) {
            revert ECNY_AmountTooLarge(amountFen, type(uint128).max - totalSupply);
        }
        _requireOpen(wallet);
        _checkBalanceCap(wallet, amountFen);
        _wallets[wallet].freeFen += uint128(amountFen);
        totalSupply += amountFen;
        emit Issued(wallet, amountFen);
    }

    /// @inheritdoc IECNY
    function redeem(address wallet, uint256 amountFen) external onlyIssuer {
        if (amountFen == 0) revert ECNY_ZeroAmount();
        _requireOwnMove(wallet);
        _debitFree(wallet, amountFen);
        totalSupply -= amountFen;
        emit Redeemed(wallet, amountFen);
    }

    /// @inheritdoc IECNY
    function closeWallet(address wallet) external {
        if (msg.sender != wallet && msg.sender != issuer) revert ECNY_NotWalletOwnerOrIssuer(msg.sender, wallet);
        _requireOwnMove(wallet);
        // Controllers are contracts the issuer registered; each settles its own earmarks by calling back
        // into this token. Every controller the wallet ever dealt with is asked, listed or retired, even with
        // nothing earmarked now: a controller may still have a claim on the wallet (a campaign's funder is
        // owed the sweep) and refuse the close.
        address[] memory listed = _controllersOf[wallet];
        for (uint256 i; i < listed.length; ++i) {
            _askToSettle(listed[i], wallet);
        }
        address[] memory retired = _retiredControllersOf[wallet];
        for (uint256 i; i < retired.length; ++i) {
            if (_earmarks[wallet][retired[i]].slot == 0) _askToSettle(retired[i], wallet); // listed again: asked
        }
        address[] storage controllers = _controllersOf[wallet];
        for (uint256 i; i < controllers.length; ++i) {
            uint256 left = _liveEarmark(wallet, controllers[i]);
            if (left > 0) revert ECNY_WalletHasEarmarks(wallet, controllers[i], left);
        }
        Wallet storage w = _wallets[wallet];
        uint256 redeemed = w.freeFen;
        w.freeFen = 0;
        w.status = WalletStatus.Closed;
        totalSupply -= redeemed;
        emit WalletClosed(wallet, redeemed);
    }

    // ------------------------------------------------------------------ owners

    /// @inheritdoc IECNY
    function transfer(address to, uint256 amountFen) external returns (bool) {
        if (amountFen == 0) revert ECNY_ZeroAmount();
        _requireOwnMove(msg.sender);
        _requireOpen(to);
        _chargeLimits(msg.sender, amountFen);
        _checkBalanceCap(to, amountFen);
        _debitFree(msg.sender, amountFen);
        _wallets[to].freeFen += uint128(amountFen);
        emit Transfer(msg.sender, to, amountFen);
        return true;
    }

    /// @inheritdoc IECNY
    function approveEarmark(address controller, uint256 amountFen) external {
        if (controller == address(0)) revert ECNY_ZeroAddress();
        _allowances[msg.sender][controller] = amountFen;
        emit EarmarkApproval(msg.sender, controller, amountFen);
    }

    // ------------------------------------------------------------------ controllers

    /// @inheritdoc IECNY
    function earmarkFrom(address wallet, uint256 amountFen) external onlyController {
        if (amountFen == 0) revert ECNY_ZeroAmount();
        _requireOwnMove(wallet);
        uint256 allowed = _allowances[wallet][msg.sender];
        if (allowed < amountFen) revert ECNY_InsufficientAllowance(wallet, msg.sender, allowed, amountFen);
        _chargeLimits(wallet, amountFen);
        _debitFree(wallet, amountFen);
        if (allowed != type(uint256).max) _allowances[wallet][msg.sender] = allowed - amountFen;
        _addEarmark(wallet, msg.sender, amountFen);
        _controllers[msg.sender].totalFen += uint128(amountFen);
        emit Earmarked(wallet, msg.sender, amountFen);
    }

    /// @inheritdoc IECNY
    function releaseEarmark(address wallet, address payee, uint256 amountFen) external {
        _requireOpen(payee);
        _takeEarmark(wallet, msg.sender, _controllers[msg.sender].epoch, amountFen);
        _controllers[msg.sender].totalFen -= uint128(amountFen);
        _wallets[payee].freeFen += uint128(amountFen);
        if (payee != wallet) _checkBalanceCapAfter(payee);
        emit EarmarkReleased(wallet, msg.sender, payee, amountFen);
    }

    /// @inheritdoc IECNY
    function releaseEarmarks(address[] calldata wallets, uint256[] calldata amountsFen, address payee) external {
        if (wallets.length != amountsFen.length) revert ECNY_LengthMismatch(wallets.length, amountsFen.length);
        _requireOpen(payee);
        uint64 epoch = _controllers[msg.sender].epoch;
        uint256 total;
        for (uint256 i; i < wallets.length; ++i) {
            _takeEarmark(wallets[i], msg.sender, epoch, amountsFen[i]);
            total += amountsFen[i];
        }
        _controllers[msg.sender].totalFen -= uint128(total);
        _wallets[payee].freeFen += uint128(total);
        _checkBalanceCapAfter(payee);
        emit EarmarksReleased(msg.sender, payee, wallets.length, total);
    }

    /// @inheritdoc IECNY
    function returnEarmark(address wallet, uint256 amountFen) external {
        _returnEarmark(wallet, _controllers[msg.sender].epoch, amountFen);
        _controllers[msg.sender].totalFen -= uint128(amountFen);
    }

    /// @inheritdoc IECNY
    function returnEarmarks(address[] calldata wallets, uint256[] calldata amountsFen) external {
        if (wallets.length != amountsFen.length) revert ECNY_LengthMismatch(wallets.length, amountsFen.length);
        uint64 epoch = _controllers[msg.sender].epoch;
        uint256 total;
        for (uint256 i; i < wallets.length; ++i) {
            _returnEarmark(wallets[i], epoch, amountsFen[i]);
            total += amountsFen[i];
        }
        _controllers[msg.sender].totalFen -= uint128(total);
    }

    /// @inheritdoc IECNY
    function moveEarmark(address from, address to, uint256 amountFen) external {
        _requireOpen(to);
        _takeEarmark(from, msg.sender, _controllers[msg.sender].epoch, amountFen);
        _addEarmark(to, msg.sender, amountFen);
        if (to != from) _checkBalanceCapAfter(to);
        emit EarmarkMoved(from, to, msg.sender, amountFen);
    }

    /// @inheritdoc IECNY
    function endAllEarmarks(address to) external returns (uint256 amountFen) {
        Controller storage c = _controllers[msg.sender];
        if (!c.enabled && c.totalFen == 0) revert ECNY_NotController(msg.sender);
        _requireOpen(to);
        amountFen = c.totalFen;
        c.totalFen = 0;
        c.epoch += 1;
        _wallets[to].freeFen += uint128(amountFen);
        // Any of the ended earmarks may have been `to`'s own; only what came from elsewhere can break its cap.
        _checkBalanceCapAfter(to);
        emit AllEarmarksEnded(msg.sender, to, amountFen, c.epoch);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IECNY
    function balanceOf(address wallet) external view returns (uint256) {
        return _balanceOf(wallet);
    }

    /// @inheritdoc IECNY
    function earmarkedOf(address wallet, address controller) external view returns (uint256) {
        return _liveEarmark(wallet, controller);
    }

    /// @inheritdoc IECNY
    function earmarkedTotalOf(address controller) external view returns (uint256) {
        return _controllers[controller].totalFen;
    }

    /// @inheritdoc IECNY
    function earmarkAllowance(address wallet, address controller) external view returns (uint256) {
        return _allowances[wallet][controller];
    }

    /// @inheritdoc IECNY
    function isController(address controller) external view returns (bool) {
        return _controllers[controller].enabled;
    }

    // ------------------------------------------------------------------ internals

    function _balanceOf(address wallet) internal view override returns (uint256 total) {
        total = _wallets[wallet].freeFen;
        address[] storage controllers = _controllersOf[wallet];
        for (uint256 i; i < controllers.length; ++i) {
            total += _liveEarmark(wallet, controllers[i]);
        }
    }

    function _liveEarmark(address wallet, address controller) private view returns (uint256) {
        Earmark storage e = _earmarks[wallet][controller];
        return e.epoch == _controllers[controller].epoch ? e.amountFen : 0;
    }

    function _returnEarmark(address wallet, uint64 epoch, uint256 amountFen) private {
        _takeEarmark(wallet, msg.sender, epoch, amountFen);
        _wallets[wallet].freeFen += uint128(amountFen);
        emit EarmarkReturned(wallet, msg.sender, amountFen);
    }

    function _addEarmark(address wallet, address controller, uint256 amountFen) private {
        Earmark storage e = _earmarks[wallet][controller];
        uint64 epoch = _controllers[controller].epoch;
        if (e.slot == 0) {
            address[] storage list = _controllersOf[wallet];
            if (list.length >= MAX_CONTROLLERS_PER_WALLET) _pruneEmpty(wallet);
            if (list.length >= MAX_CONTROLLERS_PER_WALLET) revert ECNY_TooManyControllers(wallet);
            list.push(controller);
            e.slot = uint32(list.length);
            e.amountFen = uint128(amountFen);
        } else if (e.epoch != epoch) {
            e.amountFen = uint128(amountFen); // the old epoch's amount was already paid out by endAllEarmarks
        } else {
            e.amountFen += uint128(amountFen);
        }
        e.epoch = epoch;
    }

    /// @dev An emptied earmark stays listed (cheaper for the payout that empties it); the list is pruned
    /// only when a new controller needs room.
    function _takeEarmark(address wallet, address controller, uint64 epoch, uint256 amountFen) private {
        if (amountFen == 0) revert ECNY_ZeroAmount();
        Earmark storage e = _earmarks[wallet][controller];
        uint256 live = e.epoch == epoch ? e.amountFen : 0;
        if (live < amountFen) revert ECNY_InsufficientEarmark(wallet, controller, live, amountFen);
        e.amountFen = uint128(live - amountFen);
    }

    function _pruneEmpty(address wallet) private {
        address[] storage list = _controllersOf[wallet];
        for (uint256 i = list.length; i > 0; --i) {
            address controller = list[i - 1];
            if (_liveEarmark(wallet, controller) != 0) continue;
            address last = list[list.length - 1];
            list[i - 1] = last;
            _earmarks[wallet][last].slot = uint32(i);
            list.pop();
            Earmark storage e = _earmarks[wallet][controller];
            e.amountFen = 0;
            e.slot = 0;
            if (!e.retired) {
                e.retired = true;
                _retiredControllersOf[wallet].push(controller);
            }
        }
    }

    function _askToSettle(address controller, address wallet) private {
        if (controller.code.length != 0) IEarmarkController(controller).onWalletClose(wallet);
    }
}
