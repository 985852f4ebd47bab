// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IEarmarkController} from "./IECNY.sol";

/// @notice A campaign's rules, fixed when it is created.
struct CampaignTerms {
    uint64 start; // packets can be claimed and spent from here (Beijing time, to the second)
    uint64 expiry; // ...until here; afterwards anyone may sweep the unspent rest back to the funder
    uint64 minSpendFen; // smallest payment that may use packet money (0 = none)
    uint32 maxPacketsPerPerson;
    uint32 district; // merchants registered in this district may accept packet money (0 = any district)
    uint32 category; // ...and of this category (0 = any); allowlisted merchants are accepted regardless
    bytes32 applicantsHash; // commitment to the applicant list the lottery drew from
    bytes32 winnersRoot; // Merkle root over (winner, amountFen) leaves
}

/// @notice What happened to a campaign's money, in fen. Packed in pairs: a payment touches two slots.
struct CampaignTotals {
    uint128 fundedFen;
    uint128 claimedFen;
    uint64 claims;
    uint64 payments;
    uint128 spentFromPacketsFen;
    uint128 ownMoneySpentFen;
    uint128 refundedOwnToBuyersFen;
    uint128 refundedPacketToBuyersFen; // before expiry: back into the buyer's packet
    uint128 refundedPacketToFunderFen; // after expiry: packet money goes to the funder, not the buyer
    uint128 returnedOnCloseFen; // unused packets of wallets closed during the campaign
    uint128 sweptFen;
    uint128 sweptUnclaimedFen;
}

/// @notice One payment at a merchant, in two slots (amounts up to 2^48 fen, about ¥2.8 trillion).
struct Purchase {
    address buyer;
    uint48 packetFen;
    uint48 ownFen;
    address merchant;
    uint48 refundedPacketFen;
    uint48 refundedOwnFen;
}

/// @title IRedPacketCampaign
/// @notice Conditional consumption red packets (the PBoC's 条件支付; Luohu 2020): a funder's budget is
/// earmarked in its own wallet; a lottery winner's claim moves one packet into the winner's wallet, still
/// earmarked: it cannot be transferred or cashed out, only spent at allowed merchants until expiry. A
/// payment uses packet money first, the buyer's own money for the rest; a merchant refund returns own money
/// first. After expiry everything unspent and unclaimed returns to the funder in one call.
interface IRedPacketCampaign is IEarmarkController {
    error Campaign_NotFunder(address caller);
    error Campaign_NotToken(address caller);
    error Campaign_InvalidTerms();
    error Campaign_AlreadyFunded();
    error Campaign_NotStarted(uint256 start);
    error Campaign_Expired(uint256 expiry);
    error Campaign_NotExpired(uint256 expiry);
    error Campaign_AlreadySwept();
    error Campaign_FunderWalletNeeded(address funder);
    error Campaign_NotAWinner(address caller, uint256 amountFen);
    error Campaign_AlreadyClaimed(address winner, uint256 packetIndex);
    error Campaign_PacketLimitReached(address winner, uint256 maxPackets);
    error Campaign_BudgetExhausted(uint256 unclaimedFen, uint256 amountFen);
    error Campaign_MerchantNotAllowed(address merchant);
    error Campaign_WalletFrozen(address wallet);
    error Campaign_BelowMinimumSpend(uint256 amountFen, uint256 minSpendFen);
    error Campaign_ZeroAmount();
    error Campaign_AmountTooLarge(uint256 amountFen, uint256 maxFen);
    error Campaign_UnknownPurchase(uint256 purchaseId);
    error Campaign_NotPurchaseMerchant(address caller, uint256 purchaseId);
    error Campaign_RefundExceedsPurchase(uint256 purchaseId, uint256 refundableFen, uint256 amountFen);

    event CampaignFunded(address indexed funder, uint256 budgetFen);
    event MerchantsAllowed(uint256 count);
    event PacketClaimed(address indexed winner, uint256 amountFen, uint256 packetIndex);
    event PurchasePaid(
        uint256 indexed purchaseId, address indexed buyer, address indexed merchant, uint256 packetFen, uint256 ownFen
    );
    event PurchaseRefunded(
        uint256 indexed purchaseId, uint256 ownToBuyerFen, uint256 packetToBuyerFen, uint256 packetToFunderFen
    );
    event PacketReturnedOnClose(address indexed wallet, uint256 amountFen);
    event CampaignSwept(uint256 sweptFen, uint256 unclaimedFen, uint256 unspentFen);

    /// @notice Earmarks the budget in the funder's own wallet under this campaign (the funder first allows
    /// it with {IECNY-approveEarmark}).
    /// Requirements: caller is the funder; not funded before; not expired; budget non-zero.
    /// Emits a {CampaignFunded} event.
    function fund(uint256 budgetFen) external;

    /// @notice Lets named merchants accept packet money whatever their district or category.
    /// Requirements: caller is the funder.
    /// Emits a {MerchantsAllowed} event.
    function allowMerchants(address[] calldata merchants) external;

    /// @notice Claims packet number `packetIndex` (the caller's, of `amountFen`), proved against the winners'
    /// Merkle root. The packet is earmarked in the caller's wallet. A leaf is (packet index, winner, amount),
    /// so a winner of two equal packets claims each.
    /// Requirements: the campaign has started and not expired; (index, caller, amount) is a leaf of the root
    /// and that packet was not claimed before; the per-person limit holds; the unclaimed budget covers it;
    /// the caller's wallet can take it (its balance cap).
    /// Emits a {PacketClaimed} event.
    function claim(uint256 packetIndex, uint256 amountFen, bytes32[] calldata proof) external;

    /// @notice Pays `amountFen` to `merchant`: packet money first, then the caller's own money (which the
    /// caller must have allowed this campaign to earmark, and which counts against the wallet's limits).
    /// Requirements: started, not expired; the caller's wallet is not frozen; the merchant is allowed and is
    /// not the caller; the minimum spend holds; non-zero and at most 2^48 - 1 fen.
    /// Emits a {PurchasePaid} event.
    function pay(address merchant, uint256 amountFen) external returns (uint256 purchaseId);

    /// @notice The merchant refunds part or all of a purchase: own money back to the buyer first, then
    /// packet money: into the buyer's packet before expiry, to the funder after. The merchant must have
    /// allowed this campaign to earmark the refund from its wallet.
    /// Requirements: caller is the purchase's merchant; amount non-zero and at most what is not yet refunded.
    /// Emits a {PurchaseRefunded} event.
    function refund(uint256 purchaseId, uint256 amountFen) external;

    /// @notice After expiry, returns every unspent and unclaimed fen to the funder in one call, at a cost
    /// that does not grow with the number of winners. Anyone may call.
    /// Requirements: expired; not swept before.
    /// Emits a {CampaignSwept} event.
    function sweep() external returns (uint256 sweptFen);

    /// @notice The funder whose budget this campaign holds and to whom unspent money returns.
    function funder() external view returns (address);
    /// @notice The e-CNY token whose earmarks this campaign controls.
    function token() external view returns (address);
    /// @notice The merchant registry consulted for district and category.
    function registry() external view returns (address);
    /// @notice The campaign's rules, fixed at creation.
    function terms() external view returns (CampaignTerms memory);
    /// @notice What happened to the campaign's money so far, in fen.
    function totals() external view returns (CampaignTotals memory);
    /// @notice Whether the expiry sweep has run.
    function swept() external view returns (bool);
    /// @notice Packet money left in `wallet` (0 after the sweep).
    function packetBalanceOf(address wallet) external view returns (uint256);
    /// @notice Budget not yet claimed.
    function unclaimedFen() external view returns (uint256);
    /// @notice Whether packet number `packetIndex` was claimed.
    function isClaimed(uint256 packetIndex) external view returns (bool);
    /// @notice Packets `winner` has claimed.
    function packetsClaimedBy(address winner) external view returns (uint256);
    /// @notice Whether `merchant` may accept packet money (allowlisted, or district and category match).
    function isAllowedMerchant(address merchant) external view returns (bool);
    /// @notice A payment: buyer, merchant, packet and own money, and what was refunded.
    function purchaseOf(uint256 purchaseId) external view returns (Purchase memory);
    /// @notice Payments made so far (ids run from 0).
    function purchaseCount() external view returns (uint256);
}
