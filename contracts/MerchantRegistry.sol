// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IMerchantRegistry} from "./interfaces/IMerchantRegistry.sol";

/// @title MerchantRegistry
/// @notice See {IMerchantRegistry}.
contract MerchantRegistry is IMerchantRegistry {
    struct Merchant {
        uint32 district;
        uint32 category;
    }

    /// @inheritdoc IMerchantRegistry
    address public immutable registrar;
    mapping(address merchant => Merchant) private _merchants;

    constructor(address registrar_) {
        if (registrar_ == address(0)) revert Registry_ZeroAddress();
        registrar = registrar_;
    }

    /// @inheritdoc IMerchantRegistry
    function registerMerchants(address[] calldata merchants, uint32 district, uint32 category) external {
        if (msg.sender != registrar) revert Registry_NotRegistrar(msg.sender);
        if (district == 0 || category == 0) revert Registry_ZeroCode();
        for (uint256 i; i < merchants.length; ++i) {
            if (merchants[i] == address(0)) revert Registry_ZeroAddress();
            _merchants[merchants[i]] = Merchant(district, category);
            emit MerchantRegistered(merchants[i], district, category);
        }
    }

    /// @inheritdoc IMerchantRegistry
    function merchantOf(address merchant) external view returns (uint32 district, uint32 category) {
        Merchant storage m = _merchants[merchant];
        return (m.district, m.category);
    }
}
