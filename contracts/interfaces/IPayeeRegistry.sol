// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

/// @title IPayeeRegistry
/// @notice Who may receive purpose-bound money, and for which purpose: payroll agents, landlords,
/// suppliers. Kept by a registrar (the department's funds office). Purpose codes run from 1 to 255; their
/// names live with the scenario.
interface IPayeeRegistry {
    error Payees_NotRegistrar(address caller);
    error Payees_ZeroAddress();
    error Payees_ZeroPurpose();
    error Payees_NotRegistered(address payee);

    event PayeeRegistered(address indexed payee, uint8 indexed purpose);
    event PayeeRemoved(address indexed payee, uint8 indexed purpose);

    /// @notice Registers payees for one purpose (a payee already registered moves to this purpose).
    /// Requirements: caller is the registrar; no zero address; purpose non-zero.
    /// Emits a {PayeeRegistered} event per payee.
    function registerPayees(address[] calldata payees, uint8 purpose) external;

    /// @notice Removes a payee: it can no longer receive purpose-bound money.
    /// Requirements: caller is the registrar; the payee is registered.
    /// Emits a {PayeeRemoved} event.
    function removePayee(address payee) external;

    /// @notice The payee's purpose code; 0 when not registered.
    function purposeOf(address payee) external view returns (uint8);

    /// @notice Who may register payees.
    function registrar() external view returns (address);
}
