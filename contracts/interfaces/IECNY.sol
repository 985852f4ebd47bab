// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @notice A wallet tier's limits, in fen. Zero means "no limit" (the corporate tier is all zeros).
struct WalletTier {
    uint64 balanceCapFen; // most a wallet may hold after a voluntary receipt
    uint64 perPaymentFen; // most in one payment or one earmark of free money
    uint64 dailyFen; // most paid or earmarked per Beijing calendar day
}

/// @title IECNY
/// @notice The e-CNY stand-in. Amounts are integer fen (2 decimals). A wallet's balance is its free money
/// plus earmarked amounts, each controlled by one registered controller contract (an escrow, a campaign,
/// a grant programme). The owner sees earmarked money in their own wallet but cannot move it; only its
/// controller can release it to a payee, return it to the owner, move it to another wallet's earmark, or
/// end all its earmarks at once.
interface IECNY {
    // ------------------------------------------------------------------ errors
    error ECNY_NotIssuer(address caller);
    error ECNY_NotRegulator(address caller);
    error ECNY_NotController(address caller);
    error ECNY_ZeroAddress();
    error ECNY_ZeroAmount();
    error ECNY_LengthMismatch(uint256 holders, uint256 amounts);
    error ECNY_WalletExists(address wallet);
    error ECNY_WalletNotOpen(address wallet);
    error ECNY_WalletFrozen(address wallet);
    error ECNY_WalletNotFrozen(address wallet);
    error ECNY_NotWalletOwnerOrIssuer(address caller, address wallet);
    error ECNY_WalletHasEarmarks(address wallet, address controller, uint256 amountFen);
    error ECNY_InsufficientFree(address wallet, uint256 freeFen, uint256 neededFen);
    error ECNY_InsufficientEarmark(address wallet, address controller, uint256 earmarkedFen, uint256 neededFen);
    error ECNY_InsufficientAllowance(address wallet, address controller, uint256 allowanceFen, uint256 neededFen);
    error ECNY_PerPaymentLimitExceeded(address wallet, uint256 amountFen, uint256 limitFen);
    error ECNY_DailyLimitExceeded(address wallet, uint256 spentTodayFen, uint256 amountFen, uint256 limitFen);
    error ECNY_BalanceCapExceeded(address wallet, uint256 balanceAfterFen, uint256 capFen);
    error ECNY_TooManyControllers(address wallet);
    error ECNY_AmountTooLarge(uint256 amountFen, uint256 maxFen);

    // ------------------------------------------------------------------ events
    event TierSet(uint16 indexed tier, uint256 balanceCapFen, uint256 perPaymentFen, uint256 dailyFen);
    event ControllerSet(address indexed controller, bool enabled);
    event RegulatorSet(address indexed regulator);
    event WalletOpened(address indexed wallet, uint16 tier);
    event WalletTierChanged(address indexed wallet, uint16 tier);
    event WalletClosed(address indexed wallet, uint256 redeemedFen);
    event WalletFrozen(address indexed wallet);
    event WalletUnfrozen(address indexed wallet);
    event Issued(address indexed wallet, uint256 amountFen);
    event Redeemed(address indexed wallet, uint256 amountFen);
    event Transfer(address indexed from, address indexed to, uint256 amountFen);
    event EarmarkApproval(address indexed wallet, address indexed controller, uint256 amountFen);
    event Earmarked(address indexed wallet, address indexed controller, uint256 amountFen);
    event EarmarkReleased(address indexed wallet, address indexed controller, address indexed payee, uint256 amountFen);
    event EarmarksReleased(address indexed controller, address indexed payee, uint256 wallets, uint256 amountFen);
    event EarmarkReturned(address indexed wallet, address indexed controller, uint256 amountFen);
    event EarmarkMoved(address indexed from, address indexed to, address indexed controller, uint256 amountFen);
    event AllEarmarksEnded(address indexed controller, address indexed to, uint256 amountFen, uint256 epoch);

    // ------------------------------------------------------------------ issuer (the operating bank)

    /// @notice Defines or changes a wallet tier's limits (0 = no limit).
    /// Requirements: caller is the issuer; each limit fits in 64 bits.
    /// Emits a {TierSet} event.
    function setTier(uint16 tier, uint256 balanceCapFen, uint256 perPaymentFen, uint256 dailyFen) external;

    /// @notice Lets `controller` (a supervising contract) hold earmarks, or stops it taking new ones.
    /// Requirements: caller is the issuer; `controller` is not the zero address.
    /// Emits a {ControllerSet} event.
    function setController(address controller, bool enabled) external;

    /// @notice Hands the regulator role (freezing wallets) to `regulator`.
    /// Requirements: caller is the issuer; `regulator` is not the zero address.
    /// Emits a {RegulatorSet} event.
    function setRegulator(address regulator) external;

    /// @notice Opens a wallet for `wallet` in `tier`.
    /// Requirements: caller is the issuer; the wallet was never opened.
    /// Emits a {WalletOpened} event.
    function openWallet(address wallet, uint16 tier) external;

    /// @notice Opens many wallets in one tier (a campaign's winners, a school's parents).
    /// Requirements: caller is the issuer; none of them was ever opened.
    /// Emits a {WalletOpened} event per wallet.
    function openWallets(address[] calldata wallets, uint16 tier) external;

    /// @notice Moves an open wallet to another tier.
    /// Requirements: caller is the issuer; the wallet is open.
    /// Emits a {WalletTierChanged} event.
    function setWalletTier(address wallet, uint16 tier) external;

    /// @notice Tops a wallet up from its linked bank account (new e-CNY issued).
    /// Requirements: caller is the issuer; the wallet is open; the amount fits in 128 bits; the tier's
    /// balance cap holds afterwards.
    /// Emits an {Issued} event.
    function issue(address wallet, uint256 amountFen) external;

    /// @notice Cashes free money out of a wallet to its linked bank account (e-CNY withdrawn).
    /// Requirements: caller is the issuer; the wallet is open, not frozen, and holds `amountFen` free.
    /// Emits a {Redeemed} event.
    function redeem(address wallet, uint256 amountFen) external;

    /// @notice Closes a wallet. Every controller the wallet has ever held an earmark under is asked to settle
    /// first ({IEarmarkController-onWalletClose}), including controllers pruned from its list once their
    /// earmark was empty, so a controller with a claim on the wallet can always refuse; remaining free money
    /// is redeemed to the bank account.
    /// Requirements: caller is the owner or the issuer; the wallet is open and not frozen; after the
    /// controllers settle, no earmark remains.
    /// Emits a {WalletClosed} event.
    function closeWallet(address wallet) external;

    // ------------------------------------------------------------------ regulator

    /// @notice Freezes a wallet: its owner can no longer pay, earmark or redeem. Controllers can still
    /// release from it and refund into it.
    /// Requirements: caller is the regulator; the wallet is open and not frozen.
    /// Emits a {WalletFrozen} event.
    function freezeWallet(address wallet) external;

    /// @notice Lifts a freeze.
    /// Requirements: caller is the regulator; the wallet is frozen.
    /// Emits a {WalletUnfrozen} event.
    function unfreezeWallet(address wallet) external;

    // ------------------------------------------------------------------ wallet owners

    /// @notice Pays `amountFen` of the caller's free money to `to`.
    /// Requirements: both wallets open; the caller's wallet not frozen; enough free money; the caller's
    /// per-payment and daily limits hold; the receiver's balance cap holds.
    /// Emits a {Transfer} event.
    function transfer(address to, uint256 amountFen) external returns (bool);

    /// @notice Allows `controller` to earmark up to `amountFen` of the caller's free money (replaces the
    /// previous allowance).
    /// Requirements: `controller` is not the zero address.
    /// Emits an {EarmarkApproval} event.
    function approveEarmark(address controller, uint256 amountFen) external;

    // ------------------------------------------------------------------ controllers

    /// @notice Locks `amountFen` of `wallet`'s free money under the calling controller, within the
    /// allowance the owner gave it. Counts against the owner's per-payment and daily limits.
    /// Requirements: caller is an enabled controller; the wallet is open and not frozen; allowance, free
    /// money and limits suffice.
    /// Emits an {Earmarked} event.
    function earmarkFrom(address wallet, uint256 amountFen) external;

    /// @notice Releases `amountFen` of `wallet`'s earmark under the caller to `payee`'s free money. Never
    /// blocked by `wallet`'s limits or a freeze: the money was set aside when it was earmarked.
    /// Requirements: caller holds that much earmarked in `wallet`; `payee` is open; unless `payee` is
    /// `wallet` itself, `payee`'s balance cap holds afterwards (every path into a wallet respects its tier).
    /// Emits an {EarmarkReleased} event.
    function releaseEarmark(address wallet, address payee, uint256 amountFen) external;

    /// @notice Releases many wallets' earmarks under the caller to one payee (a whole class's lesson).
    /// Requirements: equal lengths; each wallet holds its amount earmarked under the caller; `payee` is open
    /// and its balance cap holds afterwards.
    /// Emits one {EarmarksReleased} event.
    function releaseEarmarks(address[] calldata wallets, uint256[] calldata amountsFen, address payee) external;

    /// @notice Returns `amountFen` of `wallet`'s earmark under the caller to the wallet's free money. Never
    /// blocked: the wallet's balance does not change.
    /// Requirements: caller holds that much earmarked in `wallet`.
    /// Emits an {EarmarkReturned} event.
    function returnEarmark(address wallet, uint256 amountFen) external;

    /// @notice Returns many wallets' earmarks under the caller to their owners (a refund batch).
    /// Requirements: equal lengths; each wallet holds its amount earmarked under the caller.
    /// Emits an {EarmarkReturned} event per wallet.
    function returnEarmarks(address[] calldata wallets, uint256[] calldata amountsFen) external;

    /// @notice Moves `amountFen` of `from`'s earmark under the caller into `to`'s earmark under the caller
    /// (e.g. a fee's risk-deposit share locked in the school's wallet).
    /// Requirements: caller holds that much earmarked in `from`; `to` is open and, unless it is `from`, its
    /// balance cap holds afterwards.
    /// Emits an {EarmarkMoved} event.
    function moveEarmark(address from, address to, uint256 amountFen) external;

    /// @notice Ends every earmark the caller holds, in every wallet, paying their total to `to` (e.g. a
    /// campaign's expiry sweep). Costs the same for 1 or 100,000 wallets: wallets settle lazily.
    /// Requirements: caller is a controller (or was, with earmarks left); `to` is open and its balance cap
    /// holds afterwards.
    /// Emits an {AllEarmarksEnded} event.
    function endAllEarmarks(address to) external returns (uint256 amountFen);

    // ------------------------------------------------------------------ views

    /// @notice Free money plus every live earmark in `wallet`.
    function balanceOf(address wallet) external view returns (uint256);

    /// @notice Money the owner can move.
    function freeBalanceOf(address wallet) external view returns (uint256);

    /// @notice Money in `wallet` earmarked under `controller` (0 once the controller ended all earmarks).
    function earmarkedOf(address wallet, address controller) external view returns (uint256);

    /// @notice Total earmarked under `controller` across all wallets.
    function earmarkedTotalOf(address controller) external view returns (uint256);

    /// @notice What the owner still allows `controller` to earmark.
    function earmarkAllowance(address wallet, address controller) external view returns (uint256);

    /// @notice Amount paid or earmarked by `wallet` on the current Beijing day.
    function spentTodayOf(address wallet) external view returns (uint256);

    /// @notice Whether `wallet` is open (opened and not closed).
    function isOpen(address wallet) external view returns (bool);

    /// @notice Whether the regulator froze `wallet`.
    function isFrozen(address wallet) external view returns (bool);

    /// @notice Whether `wallet` could receive `amountFen` from another wallet now: it is open and its balance
    /// cap holds afterwards. Batches use it to skip a member that cannot be paid instead of reverting.
    function canReceive(address wallet, uint256 amountFen) external view returns (bool);

    /// @notice The wallet's tier id.
    function tierOfWallet(address wallet) external view returns (uint16);

    /// @notice A tier's limits in fen (0 = no limit).
    function tierLimits(uint16 tier) external view returns (WalletTier memory);

    /// @notice Whether `controller` may take new earmarks.
    function isController(address controller) external view returns (bool);

    /// @notice All e-CNY issued and not redeemed, free or earmarked, in fen.
    function totalSupply() external view returns (uint256);

    /// @notice The operating bank: issues, redeems, runs wallets and tiers, registers controllers.
    function issuer() external view returns (address);

    /// @notice Who may freeze and unfreeze wallets.
    function regulator() external view returns (address);
}

/// @title IEarmarkController
/// @notice Implemented by contracts that hold earmarks, so a wallet can be closed: the token asks each
/// controller holding money in the wallet to settle it (refund an order, return packet money to a funder).
interface IEarmarkController {
    /// @notice Settles every earmark the caller-token's `wallet` holds under this controller.
    /// Requirements: caller is the token.
    function onWalletClose(address wallet) external;
}
