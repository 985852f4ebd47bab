// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ECNY} from "../../contracts/ECNY.sol";
import {Cheats, Ghosts, FuzzSelector} from "./utils/Cheats.sol";
import {ProveController} from "./utils/ProveController.sol";

/// Property (b), the close guard: closeWallet succeeds only if every controller the wallet has held an
/// earmark under was asked (IEarmarkController.onWalletClose) and none objected, INCLUDING controllers whose
/// earmark went to zero and that the token may have dropped from the wallet's list once the wallet dealt
/// with more than MAX_CONTROLLERS_PER_WALLET (16) controllers. An objector is a ProveController holding a
/// claim on the wallet (a funder still owed a sweep): its onWalletClose reverts.
/// - CloseGuardCheck (halmos): 16 controllers have dealt with the wallet (one keeps a fen earmarked); every
///   controller holds a claim or not, symbolically; 1 to 3 more deal with it (the list gets pruned); the owner
///   closes: a close that goes through must leave nobody the wallet dealt with holding a claim.
/// - CloseGuardTest (forge fuzz): 1 to 20 controllers deal with one wallet in turn (each earmarks, then returns
///   all of it); the one at a fuzzed position keeps a claim (and maybe one fen). Then the owner closes.
/// - CloseGuardInvariants (forge): random sequences over 3 wallets and 20 controllers, with claims set and
///   lifted, earmarks left or emptied, bursts of many controllers, endAllEarmarks, and closes.

abstract contract CloseGuardScenario is Cheats {
    uint256 internal constant POOL = 20;
    address internal constant WALLET = address(0x30000);
    ECNY internal token;
    ProveController[POOL] internal pool;

    function _deploy() internal {
        vm.warp(1_700_000_000);
        token = new ECNY(address(this), address(this));
        token.openWallet(WALLET, 0);
        token.issue(WALLET, 1_000_000);
        for (uint256 i; i < POOL; ++i) {
            pool[i] = new ProveController(token);
            token.setController(address(pool[i]), true);
            vm.prank(WALLET);
            token.approveEarmark(address(pool[i]), type(uint256).max);
        }
    }

    /// @dev `dealt` controllers (the first ones of the pool) each earmark 2 fen in the wallet and return them;
    /// the one at `objector` keeps a claim and, if `keepOne`, one fen earmarked. Then the owner closes.
    /// Returns whether the close went through.
    function _run(uint256 objector, uint256 dealt, bool keepOne) internal returns (bool closed) {
        for (uint256 i; i < dealt; ++i) {
            ProveController c = pool[i];
            c.earmark(WALLET, 2);
            if (i == objector) {
                c.setClaim(WALLET, true);
                c.giveBack(WALLET, keepOne ? 1 : 2);
            } else {
                c.giveBack(WALLET, 2);
            }
        }
        vm.prank(WALLET);
        (closed,) = address(token).call(abi.encodeCall(token.closeWallet, (WALLET)));
    }

    /// @dev After a close went through: nobody dealt with the wallet still objects, and everyone was asked.
    function _closedRightly(uint256 dealt) internal view returns (bool noObjectorBypassed, bool everyoneAsked) {
        noObjectorBypassed = true;
        everyoneAsked = true;
        for (uint256 i; i < dealt; ++i) {
            if (pool[i].claimOn(WALLET)) noObjectorBypassed = false;
            if (pool[i].askedCount(WALLET) == 0) everyoneAsked = false;
        }
    }
}

// ---------------------------------------------------------------------------------------------- halmos

contract CloseGuardCheck is CloseGuardScenario {
    /// @dev The wallet has dealt with 16 controllers, its list is full: each earmarked 2 fen and returned
    /// them, except pool[5], which kept 1 fen (so it stays listed when the list is pruned). Concrete, built once.
    function setUp() public {
        _deploy();
        for (uint256 i; i < 16; ++i) {
            pool[i].earmark(WALLET, 2);
            pool[i].giveBack(WALLET, i == 5 ? 1 : 2);
        }
    }

    /// @dev Every controller holds a claim or not (symbolic, independently); then one to three more
    /// controllers deal with the wallet (the first of them makes the token prune its list); then the owner
    /// closes. A close that goes through must leave no controller the wallet dealt with holding a claim:
    /// each one with a claim must have been asked, and refused.
    function check_CloseAsksEveryObjector(bool eighteenth, bool nineteenth) public {
        for (uint256 i; i < 19; ++i) {
            pool[i].setClaim(WALLET, svm.createBool("claim"));
        }
        uint256 dealt = 17;
        _deal(16);
        if (eighteenth) _deal(dealt++);
        if (nineteenth) _deal(dealt++);
        vm.prank(WALLET);
        (bool closed,) = address(token).call(abi.encodeCall(token.closeWallet, (WALLET)));
        if (closed) {
            for (uint256 i; i < dealt; ++i) {
                assert(!pool[i].claimOn(WALLET)); // nobody the wallet dealt with still objects
            }
        }
    }

    /// @dev Nobody objects: after one to three more controllers, the close goes through (pool[5]'s fen is
    /// settled by pool[5]) and every controller the wallet dealt with was asked.
    function check_CloseAsksEveryController(bool eighteenth, bool nineteenth) public {
        uint256 dealt = 17;
        _deal(16);
        if (eighteenth) _deal(dealt++);
        if (nineteenth) _deal(dealt++);
        vm.prank(WALLET);
        (bool closed,) = address(token).call(abi.encodeCall(token.closeWallet, (WALLET)));
        assert(closed);
        (, bool everyoneAsked) = _closedRightly(dealt);
        assert(everyoneAsked);
    }

    function _deal(uint256 i) internal {
        pool[i].earmark(WALLET, 2);
        pool[i].giveBack(WALLET, 2);
    }
}

// ---------------------------------------------------------------------------------------------- forge

contract CloseGuardTest is CloseGuardScenario {
    function setUp() public {
        _deploy();
    }

    function test_CloseAsksEveryObjector(uint8 objector, uint8 dealt, bool keepOne) public {
        dealt = uint8(_bound(dealt, 1, POOL));
        objector = uint8(_bound(objector, 0, dealt - 1));
        bool closed = _run(objector, dealt, keepOne);
        require(!closed, "closeWallet went through although a controller the wallet dealt with objects");
    }

    function test_CloseAsksEveryController(uint8 dealt) public {
        dealt = uint8(_bound(dealt, 1, POOL));
        require(_run(type(uint256).max, dealt, false), "closeWallet refused although nobody objects");
        (, bool everyoneAsked) = _closedRightly(dealt);
        require(everyoneAsked, "closeWallet did not ask every controller the wallet dealt with");
    }
}

/// @notice Random sequences for the close guard: 3 wallets, 20 controllers (the issuer and regulator is
/// this handler). Every successful close is checked on the spot.
contract CloseGuardHandler is Cheats, Ghosts {
    bytes32 public constant OBJECTOR_BYPASSED = keccak256("CloseAsksEveryObjector");
    bytes32 public constant NOT_ASKED = keccak256("CloseAsksEveryController");
    uint256 public constant WALLETS = 3;
    uint256 public constant POOL = 20;

    ECNY public immutable token;
    address[WALLETS] public wallets;
    ProveController[POOL] public pool;
    mapping(address wallet => mapping(uint256 controller => bool)) public dealt;
    mapping(address wallet => uint256) public dealtCount;
    uint256 public closes;
    uint256 public closesPast16; // closes of a wallet that had dealt with more than 16 controllers
    uint256 public refusals;

    constructor() {
        vm.warp(1_700_000_000);
        token = new ECNY(address(this), address(this));
        for (uint256 i; i < WALLETS; ++i) {
            wallets[i] = address(uint160(0x31000 + i));
            token.openWallet(wallets[i], 0);
            token.issue(wallets[i], 100_000_000);
        }
        for (uint256 j; j < POOL; ++j) {
            pool[j] = new ProveController(token);
            token.setController(address(pool[j]), true);
            for (uint256 i; i < WALLETS; ++i) {
                vm.prank(wallets[i]);
                token.approveEarmark(address(pool[j]), type(uint256).max);
            }
        }
    }

    /// @dev Controller `c` earmarks in wallet `w`, then returns all of it, or (one time in four) all but `keep`.
    function touch(uint256 c, uint256 w, uint256 amount, uint256 keep) external {
        amount = _bound(amount, 1, 10_000);
        _touch(c % POOL, wallets[w % WALLETS], amount, keep % 4 == 0 ? _bound(keep >> 2, 0, amount) : 0);
    }

    /// @dev 4 to 20 controllers in a row, from `first`, each earmark and return everything: fills the list.
    function burst(uint256 first, uint256 w, uint256 k) external {
        address wallet = wallets[w % WALLETS];
        k = _bound(k, 4, POOL);
        for (uint256 i; i < k; ++i) {
            _touch((first + i) % POOL, wallet, 100, 0);
        }
    }

    /// @dev A controller the wallet dealt with takes or drops a claim on it.
    function claim(uint256 c, uint256 w, bool on) external {
        address wallet = wallets[w % WALLETS];
        c %= POOL;
        if (!dealt[wallet][c]) return;
        pool[c].setClaim(wallet, on);
    }

    /// @dev A controller releases what it holds in a wallet to another wallet.
    function release(uint256 c, uint256 w, uint256 payee) external {
        address wallet = wallets[w % WALLETS];
        ProveController ctrl = pool[c % POOL];
        uint256 live = token.earmarkedOf(wallet, address(ctrl));
        if (live == 0) return;
        try ctrl.release(wallet, wallets[payee % WALLETS], live) {} catch {}
    }

    function endAll(uint256 c, uint256 to) external {
        try pool[c % POOL].endAll(wallets[to % WALLETS]) {} catch {}
    }

    function close(uint256 w, uint256 dice) external {
        if (dice % 4 != 0) return;
        address wallet = wallets[w % WALLETS];
        vm.prank(wallet);
        try token.closeWallet(wallet) {
            closes += 1;
            if (dealtCount[wallet] > token.MAX_CONTROLLERS_PER_WALLET()) closesPast16 += 1;
            for (uint256 j; j < POOL; ++j) {
                if (!dealt[wallet][j]) continue;
                if (pool[j].claimOn(wallet)) {
                    _violated(OBJECTOR_BYPASSED, "closeWallet went through over a controller that objects");
                }
                if (pool[j].askedCount(wallet) == 0) {
                    _violated(NOT_ASKED, "closeWallet did not ask a controller the wallet dealt with");
                }
            }
        } catch {
            refusals += 1;
        }
    }

    function _touch(uint256 c, address wallet, uint256 amount, uint256 keep) internal {
        ProveController ctrl = pool[c];
        try ctrl.earmark(wallet, amount) {
            if (!dealt[wallet][c]) {
                dealt[wallet][c] = true;
                dealtCount[wallet] += 1;
            }
            if (keep < amount) ctrl.giveBack(wallet, amount - keep);
        } catch {}
    }
}

contract CloseGuardInvariants {
    CloseGuardHandler internal handler;

    function setUp() public {
        handler = new CloseGuardHandler();
    }

    function targetContracts() public view returns (address[] memory targets) {
        targets = new address[](1);
        targets[0] = address(handler);
    }

    function targetSelectors() public view returns (FuzzSelector[] memory targets) {
        bytes4[] memory s = new bytes4[](9);
        s[0] = CloseGuardHandler.touch.selector;
        s[1] = CloseGuardHandler.touch.selector;
        s[2] = CloseGuardHandler.burst.selector;
        s[3] = CloseGuardHandler.burst.selector;
        s[4] = CloseGuardHandler.claim.selector;
        s[5] = CloseGuardHandler.claim.selector;
        s[6] = CloseGuardHandler.release.selector;
        s[7] = CloseGuardHandler.endAll.selector;
        s[8] = CloseGuardHandler.close.selector;
        targets = new FuzzSelector[](1);
        targets[0] = FuzzSelector(address(handler), s);
    }

    function invariant_CloseAsksEveryObjector() public view {
        bytes32 p = handler.OBJECTOR_BYPASSED();
        require(handler.violations(p) == 0, handler.firstViolation(p));
    }

    function invariant_CloseAsksEveryController() public view {
        bytes32 p = handler.NOT_ASKED();
        require(handler.violations(p) == 0, handler.firstViolation(p));
    }
}
