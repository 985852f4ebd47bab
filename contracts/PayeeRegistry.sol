// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IPayeeRegistry} from "./interfaces/IPayeeRegistry.sol";

/// @title PayeeRegistry
/// @notice See {IPayeeRegistry}.
contract PayeeRegistry is IPayeeRegistry {
    /// @inheritdoc IPayeeRegistry
    address public immutable registrar;
    mapping(address payee => uint8) private _purpose;

    constructor(address registrar_) {
        if (registrar_ == address(0)) revert Payees_ZeroAddress();
        registrar = registrar_;
    }

    modifier onlyRegistrar() {
        if (msg.sender != registrar) revert Payees_NotRegistrar(msg.sender);
        _;
    }

    /// @inheritdoc IPayeeRegistry
    function registerPayees(address[] calldata payees, uint8 purpose) external onlyRegistrar {
        if (purpose == 0) revert Payees_ZeroPurpose();
        for (uint256 i; i < payees.length; ++i) {
            address payee = payees[i];
            if (payee == address(0)) revert Payees_ZeroAddress();
            _purpose[payee] = purpose;
            emit PayeeRegistered(payee, purpose);
        }
    }

    /// @inheritdoc IPayeeRegistry
    function removePayee(address payee) external onlyRegistrar {
        uint8 purpose = _purpose[payee];
        if (purpose == 0) revert Payees_NotRegistered(payee);
        delete _purpose[payee];
        emit PayeeRemoved(payee, purpose);
    }

    /// @inheritdoc IPayeeRegistry
    function purposeOf(address payee) external view returns (uint8) {
        return _purpose[payee];
    }
}
