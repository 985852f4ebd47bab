// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IECNY} from "../interfaces/IECNY.sol";
import {IPrepaidSupervision} from "../interfaces/IPrepaidSupervision.sol";
import {IUpfrontPrepaid} from "../interfaces/IUpfrontPrepaid.sol";
import {Order} from "../types/PrepaidTypes.sol";

/// @title PrepaidLens
/// @notice For tests only: reads the views a property test checks after every step (the token's balances
/// and a prepaid contract's orders) in one call instead of dozens. It holds nothing and changes nothing.
contract PrepaidLens {
    struct WalletView {
        uint256 balance; // free + every live earmark
        uint256 free;
        uint256 earmarked; // under the prepaid contract
        bool open;
        uint16 tier;
    }

    struct Snapshot {
        uint256 supply;
        uint256 earmarkedTotal; // everything earmarked under the prepaid contract
        WalletView[] wallets;
        uint256[] supervised; // supervisedBalanceOf, per institution
        Order[] orders; // orders 1 .. orderCount
    }

    /// @notice The token's and `prepaid`'s views for `wallets` and `institutions`, and every order.
    function snapshot(IECNY token, IPrepaidSupervision prepaid, address[] calldata wallets, address[] calldata institutions)
        external
        view
        returns (Snapshot memory s)
    {
        s.supply = token.totalSupply();
        s.earmarkedTotal = token.earmarkedTotalOf(address(prepaid));
        s.wallets = new WalletView[](wallets.length);
        for (uint256 i; i < wallets.length; ++i) {
            address w = wallets[i];
            s.wallets[i] = WalletView(
                token.balanceOf(w), token.freeBalanceOf(w), token.earmarkedOf(w, address(prepaid)), token.isOpen(w),
                token.tierOfWallet(w)
            );
        }
        s.supervised = new uint256[](institutions.length);
        for (uint256 i; i < institutions.length; ++i) {
            s.supervised[i] = prepaid.supervisedBalanceOf(institutions[i]);
        }
        uint256 n = prepaid.orderCount();
        s.orders = new Order[](n);
        for (uint256 i; i < n; ++i) {
            s.orders[i] = prepaid.orderOf(i + 1);
        }
    }

    /// @notice An upfront contract's deposits: per order (1 .. orderCount), and what each institution owes.
    function deposits(IUpfrontPrepaid upfront, address[] calldata institutions)
        external
        view
        returns (uint256[] memory depositOfOrder, uint256[] memory owed)
    {
        uint256 n = upfront.orderCount();
        depositOfOrder = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            depositOfOrder[i] = upfront.depositOfOrder(i + 1);
        }
        owed = new uint256[](institutions.length);
        for (uint256 i; i < institutions.length; ++i) {
            owed[i] = upfront.owedByInstitution(institutions[i]);
        }
    }
}
