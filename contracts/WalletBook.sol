// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IECNY, WalletTier} from "./interfaces/IECNY.sol";

/// @title WalletBook
/// @notice The wallet side of {ECNY}: roles, wallets and their tiers, the per-payment and daily limits and
/// the balance cap, and freezing. {ECNY} adds the money: issuing, paying and earmarks.
abstract contract WalletBook is IECNY {
    enum WalletStatus {
        None,
        Open,
        Closed
    }

    struct Wallet {
        uint128 freeFen;
        WalletStatus status;
        bool frozen;
        uint16 tier;
        uint32 spentDay; // Beijing day index that spentTodayFen belongs to
        uint128 spentTodayFen;
    }

    /// @dev Days roll over at midnight Beijing time (UTC+8).
    uint256 private constant BEIJING_OFFSET = 8 hours;

    /// @inheritdoc IECNY
    address public issuer;
    /// @inheritdoc IECNY
    address public regulator;

    mapping(uint16 tier => WalletTier) internal _tiers;
    mapping(address wallet => Wallet) internal _wallets;

    modifier onlyIssuer() {
        if (msg.sender != issuer) revert ECNY_NotIssuer(msg.sender);
        _;
    }

    modifier onlyRegulator() {
        if (msg.sender != regulator) revert ECNY_NotRegulator(msg.sender);
        _;
    }

    constructor(address issuer_, address regulator_) {
        if (issuer_ == address(0) || regulator_ == address(0)) revert ECNY_ZeroAddress();
        issuer = issuer_;
        regulator = regulator_;
        emit RegulatorSet(regulator_);
    }

    // ------------------------------------------------------------------ issuer

    /// @inheritdoc IECNY
    function setTier(uint16 tier, uint256 balanceCapFen, uint256 perPaymentFen, uint256 dailyFen) external onlyIssuer {
        uint256 largest = balanceCapFen > perPaymentFen ? balanceCapFen : perPaymentFen;
        if (dailyFen > largest) largest = dailyFen;
        if (largest > type(uint64).max) revert ECNY_AmountTooLarge(largest, type(uint64).max);
        _tiers[tier] = WalletTier(uint64(balanceCapFen), uint64(perPaymentFen), uint64(dailyFen));
        emit TierSet(tier, balanceCapFen, perPaymentFen, dailyFen);
    }

    /// @inheritdoc IECNY
    function setRegulator(address regulator_) external onlyIssuer {
        if (regulator_ == address(0)) revert ECNY_ZeroAddress();
        regulator = regulator_;
        emit RegulatorSet(regulator_);
    }

    /// @inheritdoc IECNY
    function openWallet(address wallet, uint16 tier) external onlyIssuer {
        _openWallet(wallet, tier);
    }

    /// @inheritdoc IECNY
    function openWallets(address[] calldata wallets, uint16 tier) external onlyIssuer {
        for (uint256 i; i < wallets.length; ++i) {
            _openWallet(wallets[i], tier);
        }
    }

    /// @inheritdoc IECNY
    function setWalletTier(address wallet, uint16 tier) external onlyIssuer {
        _requireOpen(wallet);
        _wallets[wallet].tier = tier;
        emit WalletTierChanged(wallet, tier);
    }

    // ------------------------------------------------------------------ regulator

    /// @inheritdoc IECNY
    function freezeWallet(address wallet) external onlyRegulator {
        _requireOpen(wallet);
        if (_wallets[wallet].frozen) revert ECNY_WalletFrozen(wallet);
        _wallets[wallet].frozen = true;
        emit WalletFrozen(wallet);
    }

    /// @inheritdoc IECNY
    function unfreezeWallet(address wallet) external onlyRegulator {
        if (!_wallets[wallet].frozen) revert ECNY_WalletNotFrozen(wallet);
        _wallets[wallet].frozen = false;
        emit WalletUnfrozen(wallet);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IECNY
    function freeBalanceOf(address wallet) external view returns (uint256) {
        return _wallets[wallet].freeFen;
    }

    /// @inheritdoc IECNY
    function spentTodayOf(address wallet) external view returns (uint256) {
        Wallet storage w = _wallets[wallet];
        return w.spentDay == _today() ? w.spentTodayFen : 0;
    }

    /// @inheritdoc IECNY
    function isOpen(address wallet) external view returns (bool) {
        return _wallets[wallet].status == WalletStatus.Open;
    }

    /// @inheritdoc IECNY
    function isFrozen(address wallet) external view returns (bool) {
        return _wallets[wallet].frozen;
    }

    /// @inheritdoc IECNY
    function canReceive(address wallet, uint256 amountFen) external view returns (bool) {
        if (_wallets[wallet].status != WalletStatus.Open) return false;
        uint256 cap = _tiers[_wallets[wallet].tier].balanceCapFen;
        return cap == 0 || (amountFen <= cap && _balanceOf(wallet) <= cap - amountFen); // no overflow on any amount
    }

    /// @inheritdoc IECNY
    function tierOfWallet(address wallet) external view returns (uint16) {
        return _wallets[wallet].tier;
    }

    /// @inheritdoc IECNY
    function tierLimits(uint16 tier) external view returns (WalletTier memory) {
        return _tiers[tier];
    }

    // ------------------------------------------------------------------ internals

    /// @dev Free money plus live earmarks; the earmark side lives in {ECNY}.
    function _balanceOf(address wallet) internal view virtual returns (uint256);

    function _openWallet(address wallet, uint16 tier) internal {
        if (wallet == address(0)) revert ECNY_ZeroAddress();
        if (_wallets[wallet].status != WalletStatus.None) revert ECNY_WalletExists(wallet);
        _wallets[wallet].status = WalletStatus.Open;
        _wallets[wallet].tier = tier;
        emit WalletOpened(wallet, tier);
    }

    function _today() internal view returns (uint32) {
        return uint32((block.timestamp + BEIJING_OFFSET) / 1 days);
    }

    function _requireOpen(address wallet) internal view {
        if (_wallets[wallet].status != WalletStatus.Open) revert ECNY_WalletNotOpen(wallet);
    }

    /// @dev A move the owner makes with their own money: the wallet must be open and not frozen.
    function _requireOwnMove(address wallet) internal view {
        _requireOpen(wallet);
        if (_wallets[wallet].frozen) revert ECNY_WalletFrozen(wallet);
    }

    function _debitFree(address wallet, uint256 amountFen) internal {
        uint256 free = _wallets[wallet].freeFen;
        if (free < amountFen) revert ECNY_InsufficientFree(wallet, free, amountFen);
        _wallets[wallet].freeFen = uint128(free - amountFen);
    }

    /// @dev Per-payment and daily limits of the paying wallet's tier; the day resets at Beijing midnight.
    function _chargeLimits(address wallet, uint256 amountFen) internal {
        Wallet storage w = _wallets[wallet];
        WalletTier storage t = _tiers[w.tier];
        if (t.perPaymentFen != 0 && amountFen > t.perPaymentFen) {
            revert ECNY_PerPaymentLimitExceeded(wallet, amountFen, t.perPaymentFen);
        }
        uint32 today = _today();
        uint256 spent = w.spentDay == today ? w.spentTodayFen : 0;
        if (t.dailyFen != 0 && spent + amountFen > t.dailyFen) {
            revert ECNY_DailyLimitExceeded(wallet, spent, amountFen, t.dailyFen);
        }
        w.spentDay = today;
        w.spentTodayFen = uint128(spent + amountFen);
    }

    /// @dev Before a top-up or a payment of free money: the receiver's balance cap holds afterwards.
    function _checkBalanceCap(address wallet, uint256 amountFen) internal view {
        uint256 cap = _tiers[_wallets[wallet].tier].balanceCapFen;
        if (cap == 0) return;
        uint256 after_ = _balanceOf(wallet) + amountFen;
        if (after_ > cap) revert ECNY_BalanceCapExceeded(wallet, after_, cap);
    }

    /// @dev After a controller paid or moved money into `wallet` from another wallet: every path into a
    /// wallet respects its tier. (A refund of an earmark to its own wallet changes no balance.)
    function _checkBalanceCapAfter(address wallet) internal view {
        uint256 cap = _tiers[_wallets[wallet].tier].balanceCapFen;
        if (cap == 0) return;
        uint256 balance = _balanceOf(wallet);
        if (balance > cap) revert ECNY_BalanceCapExceeded(wallet, balance, cap);
    }
}
