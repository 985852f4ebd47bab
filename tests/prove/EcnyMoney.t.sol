// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ECNY} from "../../contracts/ECNY.sol";
import {IECNY} from "../../contracts/interfaces/IECNY.sol";
import {Cheats, Ghosts, FuzzSelector} from "./utils/Cheats.sol";
import {ProveController} from "./utils/ProveController.sol";

/// Property (a), e-CNY money conservation, checked two ways:
/// - EcnyMoneyCheck (halmos): from a concrete world holding every kind of controller-list entry (3 wallets,
///   2 controllers: live earmarks, an emptied one still listed, stale ones after endAllEarmarks), ONE call with
///   symbolic amounts, wallets and caller keeps the books: totalSupply == sum of balanceOf, balanceOf == free +
///   live earmarks, each controller's earmarkedTotalOf == the sum of its live earmarks, and no earmark of a
///   controller other than the caller changed.
/// - EcnyMoneyInvariants (forge): the same books after random sequences of every money move (issue, redeem,
///   transfer, earmark, release(s), return(s), move, endAll, close, freeze, days passing), driven by EcnyHandler.

// ---------------------------------------------------------------------------------------------- halmos

contract EcnyMoneyCheck is Cheats {
    ECNY internal token;
    address internal constant W0 = address(0x10000);
    address internal constant W1 = address(0x10001);
    address internal constant W2 = address(0x10002);
    address internal constant C0 = address(0xC0000);
    address internal constant C1 = address(0xC0001);
    address internal constant OUTSIDER = address(0xBAD00);
    uint256 internal constant WALLETS = 3;
    uint256 internal constant CONTROLLERS = 2;
    uint256[WALLETS * CONTROLLERS] internal _worldEarmarks;

    function setUp() public {
        vm.warp(1_700_000_000); // a concrete clock: the daily limit's day number is then no symbolic division
        token = new ECNY(address(this), address(this));
        token.setController(C0, true);
        token.setController(C1, true);
        for (uint256 i; i < WALLETS; ++i) {
            address w = _w(i);
            token.openWallet(w, 0);
            vm.prank(w);
            token.approveEarmark(C0, type(uint256).max);
            vm.prank(w);
            token.approveEarmark(C1, type(uint256).max);
        }
        _world();
    }

    // ------------------------------------------------------------------ one call each
    // The caller is symbolic among those for whom the call means something: a controller or a wallet owner
    // trying controller moves, a wallet owner or a controller trying owner moves, the issuer or an outsider
    // trying issuer moves.

    function check_transfer(uint8 who, uint8 to, uint128 amount) public {
        _act(_owner(who), abi.encodeCall(IECNY.transfer, (_w(to), amount)));
    }

    function check_earmarkFrom(uint8 who, uint8 wallet, uint128 amount) public {
        _act(_controller(who), abi.encodeCall(IECNY.earmarkFrom, (_w(wallet), amount)));
    }

    function check_releaseEarmark(uint8 who, uint8 wallet, uint8 payee, uint128 amount) public {
        _act(_controller(who), abi.encodeCall(IECNY.releaseEarmark, (_w(wallet), _w(payee), amount)));
    }

    /// @dev Batches: the caller is either controller (a non-controller's batch is the single call's case).
    function check_releaseEarmarks(bool who, uint8 a, uint8 b, uint8 payee, uint128 x, uint128 y) public {
        (address[] memory ws, uint256[] memory xs) = _pair(a, b, x, y);
        _act(who ? C0 : C1, abi.encodeCall(IECNY.releaseEarmarks, (ws, xs, _w(payee))));
    }

    function check_returnEarmark(uint8 who, uint8 wallet, uint128 amount) public {
        _act(_controller(who), abi.encodeCall(IECNY.returnEarmark, (_w(wallet), amount)));
    }

    function check_returnEarmarks(bool who, uint8 a, uint8 b, uint128 x, uint128 y) public {
        (address[] memory ws, uint256[] memory xs) = _pair(a, b, x, y);
        _act(who ? C0 : C1, abi.encodeCall(IECNY.returnEarmarks, (ws, xs)));
    }

    function check_moveEarmark(uint8 who, uint8 from, uint8 to, uint128 amount) public {
        _act(_controller(who), abi.encodeCall(IECNY.moveEarmark, (_w(from), _w(to), amount)));
    }

    function check_endAllEarmarks(uint8 who, uint8 to) public {
        _act(_controller(who), abi.encodeCall(IECNY.endAllEarmarks, (_w(to))));
    }

    function check_issueRedeem(bool byIssuer, bool issue, uint8 wallet, uint128 amount) public {
        address caller = byIssuer ? address(this) : OUTSIDER;
        if (issue) _act(caller, abi.encodeCall(IECNY.issue, (_w(wallet), amount)));
        else _act(caller, abi.encodeCall(IECNY.redeem, (_w(wallet), amount)));
    }

    function check_closeWallet(uint8 who, uint8 wallet) public {
        vm.assume(who < 3);
        address w = _w(wallet);
        address caller = who == 0 ? w : (who == 1 ? address(this) : C0);
        _act(caller, abi.encodeCall(IECNY.closeWallet, (w)));
    }

    // ------------------------------------------------------------------ state and books

    /// @dev The starting state, concrete and built once (halmos runs each check from it; symbolic amounts in
    /// the state itself multiply paths past any time budget, so the call's amounts, wallets and caller are the
    /// symbolic part). It mixes every kind of entry a wallet's controller list can hold:
    /// W0: free money, a live earmark under C0, a stale one under C1 (C1 ended all its earmarks once);
    /// W1: free money, live earmarks under C0 and C1 (C1's written in its new epoch);
    /// W2: free money (it received C1's ended earmarks), C0 listed with nothing left, a stale C1 entry:
    ///     nothing live, so W2 can close.
    function _world() internal {
        for (uint256 i; i < WALLETS; ++i) {
            address w = _w(i);
            token.issue(w, 1_000_000 * (i + 1));
            vm.prank(C0);
            token.earmarkFrom(w, 100_000 * (i + 1));
            vm.prank(C1);
            token.earmarkFrom(w, 30_000 * (i + 1));
        }
        vm.prank(C1);
        token.endAllEarmarks(W2);
        vm.prank(C1);
        token.earmarkFrom(W1, 7_000);
        vm.prank(C0);
        token.returnEarmark(W2, 300_000);
        for (uint256 j; j < CONTROLLERS; ++j) {
            for (uint256 i; i < WALLETS; ++i) {
                _worldEarmarks[j * WALLETS + i] = token.earmarkedOf(_w(i), _c(j));
            }
        }
        _books(address(0));
    }

    /// @dev One call by a symbolic caller; whether it succeeds or reverts, the books hold and only the caller's
    /// own earmarks may have moved (the state before is the concrete world, its earmarks read once in setUp).
    function _act(address caller, bytes memory call) internal {
        vm.prank(caller);
        (bool ok,) = address(token).call(call);
        ok; // a revert leaves the state as it was: the books must hold either way
        _books(caller);
    }

    /// @dev supply == sum of balances; balance == free + live earmarks; a controller's total == the sum of its
    /// live earmarks; and, after a call by `caller`, every other controller's earmarks are as in the world.
    function _books(address caller) internal view {
        uint256 sum;
        uint256[CONTROLLERS] memory live;
        for (uint256 i; i < WALLETS; ++i) {
            address w = _w(i);
            uint256 parts = token.freeBalanceOf(w);
            for (uint256 j; j < CONTROLLERS; ++j) {
                uint256 e = token.earmarkedOf(w, _c(j));
                if (_c(j) != caller) assert(e == _worldEarmarks[j * WALLETS + i]); // only the controller moves it
                parts += e;
                live[j] += e;
            }
            uint256 balance = token.balanceOf(w);
            assert(balance == parts); // balanceOf == free + live earmarks
            sum += balance;
        }
        assert(token.totalSupply() == sum); // supply == sum of balances
        for (uint256 j; j < CONTROLLERS; ++j) {
            assert(token.earmarkedTotalOf(_c(j)) == live[j]); // a controller's total == its live earmarks
        }
    }

    function _pair(uint8 a, uint8 b, uint128 x, uint128 y)
        internal
        pure
        returns (address[] memory ws, uint256[] memory xs)
    {
        ws = new address[](2);
        xs = new uint256[](2);
        ws[0] = _w(a);
        ws[1] = _w(b);
        xs[0] = x;
        xs[1] = y;
    }

    function _w(uint256 i) internal pure returns (address) {
        vm.assume(i < WALLETS);
        if (i == 0) return W0;
        if (i == 1) return W1;
        return W2;
    }

    function _c(uint256 j) internal pure returns (address) {
        return j == 0 ? C0 : C1;
    }

    /// @dev Either controller, or a wallet owner trying a controller's move.
    function _controller(uint8 i) internal pure returns (address) {
        vm.assume(i < 3);
        if (i == 0) return C0;
        if (i == 1) return C1;
        return W0;
    }

    /// @dev A wallet owner, or a controller trying an owner's move.
    function _owner(uint8 i) internal pure returns (address) {
        vm.assume(i < 4);
        if (i < 3) return _w(i);
        return C0;
    }
}

// ---------------------------------------------------------------------------------------------- forge

/// @notice Drives the token through random sequences. It is the issuer and the regulator; 4 wallets (two
/// of them in a capped tier with per-payment and daily limits) and 3 controller contracts act through it.
/// Each action also checks that no earmark of a controller other than the one acting moved (on a close,
/// only the closing wallet's earmarks, each settled by its own controller in onWalletClose).
contract EcnyHandler is Cheats, Ghosts {
    bytes32 public constant ONLY_CONTROLLER_MOVES = keccak256("OnlyControllerMovesEarmark");
    bytes32 public constant CLOSE_REDEEMS_BALANCE = keccak256("CloseRedeemsWholeBalance");
    uint256 public constant WALLETS = 4;
    uint256 public constant CONTROLLERS = 3;

    ECNY public immutable token;
    address[WALLETS] public wallets;
    ProveController[CONTROLLERS] public controllers;
    uint256 public issued;
    uint256 public redeemed;
    uint256 public closes;

    constructor() {
        vm.warp(1_700_000_000);
        token = new ECNY(address(this), address(this));
        token.setTier(1, 5_000_000, 1_000_000, 2_000_000); // a capped personal tier: cap, per payment, daily
        for (uint256 i; i < WALLETS; ++i) {
            wallets[i] = address(uint160(0x20000 + i));
            token.openWallet(wallets[i], i < 2 ? 0 : 1);
        }
        for (uint256 j; j < CONTROLLERS; ++j) {
            controllers[j] = new ProveController(token);
            token.setController(address(controllers[j]), true);
            for (uint256 i; i < WALLETS; ++i) {
                vm.prank(wallets[i]);
                token.approveEarmark(address(controllers[j]), type(uint256).max);
            }
        }
    }

    // ------------------------------------------------------------------ actions

    function issue(uint256 w, uint256 amount) external {
        address wallet = _wallet(w);
        amount = _bound(amount, 1, 3_000_000);
        uint256[WALLETS * CONTROLLERS] memory before = _earmarks();
        try token.issue(wallet, amount) {
            issued += amount;
        } catch {}
        _onlyMoved(before, address(0), address(0));
    }

    function redeem(uint256 w, uint256 amount) external {
        address wallet = _wallet(w);
        amount = _bound(amount, 1, token.freeBalanceOf(wallet) + 1);
        uint256[WALLETS * CONTROLLERS] memory before = _earmarks();
        try token.redeem(wallet, amount) {
            redeemed += amount;
        } catch {}
        _onlyMoved(before, address(0), address(0));
    }

    function transfer(uint256 from, uint256 to, uint256 amount) external {
        address payer = _wallet(from);
        amount = _bound(amount, 1, token.freeBalanceOf(payer) + 1);
        uint256[WALLETS * CONTROLLERS] memory before = _earmarks();
        vm.prank(payer);
        try token.transfer(_wallet(to), amount) {} catch {}
        _onlyMoved(before, address(0), address(0));
    }

    function earmark(uint256 c, uint256 w, uint256 amount) external {
        ProveController ctrl = _controller(c);
        address wallet = _wallet(w);
        amount = _bound(amount, 1, token.freeBalanceOf(wallet) + 1);
        uint256[WALLETS * CONTROLLERS] memory before = _earmarks();
        try ctrl.earmark(wallet, amount) {} catch {}
        _onlyMoved(before, address(ctrl), address(0));
    }

    function release(uint256 c, uint256 w, uint256 payee, uint256 amount) external {
        ProveController ctrl = _controller(c);
        address wallet = _wallet(w);
        amount = _bound(amount, 1, token.earmarkedOf(wallet, address(ctrl)) + 1);
        uint256[WALLETS * CONTROLLERS] memory before = _earmarks();
        try ctrl.release(wallet, _wallet(payee), amount) {} catch {}
        _onlyMoved(before, address(ctrl), address(0));
    }

    function releaseMany(uint256 c, uint256 a, uint256 b, uint256 payee, uint256 x, uint256 y) external {
        ProveController ctrl = _controller(c);
        (address[] memory ws, uint256[] memory xs) = _pair(ctrl, a, b, x, y);
        uint256[WALLETS * CONTROLLERS] memory before = _earmarks();
        try ctrl.releaseMany(ws, xs, _wallet(payee)) {} catch {}
        _onlyMoved(before, address(ctrl), address(0));
    }

    function giveBack(uint256 c, uint256 w, uint256 amount) external {
        ProveController ctrl = _controller(c);
        address wallet = _wallet(w);
        amount = _bound(amount, 1, token.earmarkedOf(wallet, address(ctrl)) + 1);
        uint256[WALLETS * CONTROLLERS] memory before = _earmarks();
        try ctrl.giveBack(wallet, amount) {} catch {}
        _onlyMoved(before, address(ctrl), address(0));
    }

    function giveBackMany(uint256 c, uint256 a, uint256 b, uint256 x, uint256 y) external {
        ProveController ctrl = _controller(c);
        (address[] memory ws, uint256[] memory xs) = _pair(ctrl, a, b, x, y);
        uint256[WALLETS * CONTROLLERS] memory before = _earmarks();
        try ctrl.giveBackMany(ws, xs) {} catch {}
        _onlyMoved(before, address(ctrl), address(0));
    }

    function move(uint256 c, uint256 from, uint256 to, uint256 amount) external {
        ProveController ctrl = _controller(c);
        address wallet = _wallet(from);
        amount = _bound(amount, 1, token.earmarkedOf(wallet, address(ctrl)) + 1);
        uint256[WALLETS * CONTROLLERS] memory before = _earmarks();
        try ctrl.move(wallet, _wallet(to), amount) {} catch {}
        _onlyMoved(before, address(ctrl), address(0));
    }

    function endAll(uint256 c, uint256 to) external {
        ProveController ctrl = _controller(c);
        uint256[WALLETS * CONTROLLERS] memory before = _earmarks();
        try ctrl.endAll(_wallet(to)) {} catch {}
        _onlyMoved(before, address(ctrl), address(0));
    }

    /// @dev Rare (one call in 8): a closed wallet stays closed for the rest of the run.
    function close(uint256 w, uint256 dice) external {
        if (dice % 8 != 0) return;
        address wallet = _wallet(w);
        uint256 balance = token.balanceOf(wallet);
        uint256 supply = token.totalSupply();
        uint256[WALLETS * CONTROLLERS] memory before = _earmarks();
        vm.prank(wallet);
        try token.closeWallet(wallet) {
            closes += 1;
            redeemed += balance;
            if (token.totalSupply() != supply - balance || token.balanceOf(wallet) != 0) {
                _violated(CLOSE_REDEEMS_BALANCE, "a close did not redeem exactly the wallet's whole balance");
            }
        } catch {}
        _onlyMoved(before, address(0), wallet);
    }

    function freeze(uint256 w, bool on) external {
        address wallet = _wallet(w);
        uint256[WALLETS * CONTROLLERS] memory before = _earmarks();
        if (on) {
            try token.freezeWallet(wallet) {} catch {}
        } else {
            try token.unfreezeWallet(wallet) {} catch {}
        }
        _onlyMoved(before, address(0), address(0));
    }

    function passTime(uint256 secondsLater) external {
        vm.warp(block.timestamp + _bound(secondsLater, 1, 2 days));
    }

    // ------------------------------------------------------------------ helpers

    function walletAt(uint256 i) external view returns (address) {
        return wallets[i];
    }

    function controllerAt(uint256 j) external view returns (address) {
        return address(controllers[j]);
    }

    function _wallet(uint256 i) internal view returns (address) {
        return wallets[i % WALLETS];
    }

    function _controller(uint256 j) internal view returns (ProveController) {
        return controllers[j % CONTROLLERS];
    }

    function _pair(ProveController ctrl, uint256 a, uint256 b, uint256 x, uint256 y)
        internal
        view
        returns (address[] memory ws, uint256[] memory xs)
    {
        ws = new address[](2);
        xs = new uint256[](2);
        ws[0] = _wallet(a);
        ws[1] = _wallet(b);
        xs[0] = _bound(x, 1, token.earmarkedOf(ws[0], address(ctrl)) + 1);
        xs[1] = _bound(y, 1, token.earmarkedOf(ws[1], address(ctrl)) + 1);
    }

    function _earmarks() internal view returns (uint256[WALLETS * CONTROLLERS] memory e) {
        for (uint256 j; j < CONTROLLERS; ++j) {
            for (uint256 i; i < WALLETS; ++i) {
                e[j * WALLETS + i] = token.earmarkedOf(wallets[i], address(controllers[j]));
            }
        }
    }

    /// @dev After an action by controller `mover` (or none): every other controller's earmarks are as they
    /// were, except in `closing`, where each may only have gone to zero by its own settlement.
    function _onlyMoved(uint256[WALLETS * CONTROLLERS] memory before, address mover, address closing) internal {
        for (uint256 j; j < CONTROLLERS; ++j) {
            if (address(controllers[j]) == mover) continue;
            for (uint256 i; i < WALLETS; ++i) {
                uint256 was = before[j * WALLETS + i];
                uint256 now_ = token.earmarkedOf(wallets[i], address(controllers[j]));
                if (now_ == was) continue;
                bool settledByItself =
                    wallets[i] == closing && now_ == 0 && controllers[j].settledFen(closing) >= was;
                if (!settledByItself) {
                    _violated(ONLY_CONTROLLER_MOVES, "an earmark moved without its controller acting");
                }
            }
        }
    }
}

/// @notice forge invariants of property (a) over EcnyHandler's random sequences. Its calls cost about four
/// times an escrow's, so the deep profile runs fewer sequences here.
/// forge-config: deep.invariant.runs = 192
contract EcnyMoneyInvariants {
    EcnyHandler internal handler;

    function setUp() public {
        handler = new EcnyHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory s = new bytes4[](14);
        s[0] = EcnyHandler.issue.selector;
        s[1] = EcnyHandler.redeem.selector;
        s[2] = EcnyHandler.transfer.selector;
        s[3] = EcnyHandler.earmark.selector;
        s[4] = EcnyHandler.earmark.selector; // earmarks twice as likely: the rest needs them
        s[5] = EcnyHandler.release.selector;
        s[6] = EcnyHandler.releaseMany.selector;
        s[7] = EcnyHandler.giveBack.selector;
        s[8] = EcnyHandler.giveBackMany.selector;
        s[9] = EcnyHandler.move.selector;
        s[10] = EcnyHandler.endAll.selector;
        s[11] = EcnyHandler.close.selector;
        s[12] = EcnyHandler.freeze.selector;
        s[13] = EcnyHandler.passTime.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), s);
    }

    function invariant_SupplyEqualsSumOfBalances() public view {
        ECNY token = handler.token();
        uint256 sum;
        for (uint256 i; i < handler.WALLETS(); ++i) {
            sum += token.balanceOf(handler.walletAt(i));
        }
        require(token.totalSupply() == sum, "totalSupply != sum of balanceOf over the wallets");
    }

    function invariant_SupplyEqualsIssuedLessRedeemed() public view {
        require(
            handler.token().totalSupply() == handler.issued() - handler.redeemed(),
            "totalSupply != issued - redeemed (a close redeems the whole balance)"
        );
    }

    function invariant_BalanceIsFreePlusLiveEarmarks() public view {
        ECNY token = handler.token();
        for (uint256 i; i < handler.WALLETS(); ++i) {
            address w = handler.walletAt(i);
            uint256 parts = token.freeBalanceOf(w);
            for (uint256 j; j < handler.CONTROLLERS(); ++j) {
                parts += token.earmarkedOf(w, handler.controllerAt(j));
            }
            require(token.balanceOf(w) == parts, "balanceOf != free + live earmarks");
        }
    }

    function invariant_ControllerTotalEqualsItsLiveEarmarks() public view {
        ECNY token = handler.token();
        for (uint256 j; j < handler.CONTROLLERS(); ++j) {
            address c = handler.controllerAt(j);
            uint256 live;
            for (uint256 i; i < handler.WALLETS(); ++i) {
                live += token.earmarkedOf(handler.walletAt(i), c);
            }
            require(token.earmarkedTotalOf(c) == live, "earmarkedTotalOf != sum of the controller's live earmarks");
        }
    }

    function invariant_OnlyControllerMovesEarmark() public view {
        bytes32 p = handler.ONLY_CONTROLLER_MOVES();
        require(handler.violations(p) == 0, handler.firstViolation(p));
    }

    function invariant_CloseRedeemsWholeBalance() public view {
        bytes32 p = handler.CLOSE_REDEEMS_BALANCE();
        require(handler.violations(p) == 0, handler.firstViolation(p));
    }
}
