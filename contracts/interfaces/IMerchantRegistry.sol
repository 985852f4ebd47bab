// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IMerchantRegistry
/// @notice Merchants and their attributes (district, category), kept by a registrar (the district's
/// commerce bureau), so a subsidy can be limited to "any merchant in Luohu" without listing each one.
/// District and category are numeric codes; their names live with the scenario.
interface IMerchantRegistry {
    error Registry_NotRegistrar(address caller);
    error Registry_ZeroAddress();
    error Registry_ZeroCode();

    event MerchantRegistered(address indexed merchant, uint32 indexed district, uint32 indexed category);

    /// @notice Registers (or re-registers) merchants, all in one district and category.
    /// Requirements: caller is the registrar; no zero address; district and category are non-zero.
    /// Emits a {MerchantRegistered} event per merchant.
    function registerMerchants(address[] calldata merchants, uint32 district, uint32 category) external;

    /// @notice The merchant's district and category; zeros when not registered.
    function merchantOf(address merchant) external view returns (uint32 district, uint32 category);

    /// @notice Who may register merchants (the commerce bureau).
    function registrar() external view returns (address);
}
