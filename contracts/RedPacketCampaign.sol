// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IECNY, IEarmarkController} from "./interfaces/IECNY.sol";
import {IMerchantRegistry} from "./interfaces/IMerchantRegistry.sol";
import {IRedPacketCampaign, CampaignTerms, CampaignTotals, Purchase} from "./interfaces/IRedPacketCampaign.sol";

/// @title RedPacketCampaign
/// @notice One campaign of conditional red packets; see {IRedPacketCampaign}. One contract per campaign, so
/// that the expiry sweep is the token's O(1) {IECNY-endAllEarmarks} over this controller's earmarks.
contract RedPacketCampaign is IRedPacketCampaign {
    IECNY private immutable _token;
    IMerchantRegistry private immutable _registry;
    /// @inheritdoc IRedPacketCampaign
    address public immutable funder;

    CampaignTerms private _terms;
    CampaignTotals private _totals;
    /// @inheritdoc IRedPacketCampaign
    bool public swept;
    mapping(address merchant => bool) private _allowlisted;
    mapping(uint256 packetIndex => bool) private _claimedPacket;
    mapping(address winner => uint256) private _packetsClaimed;
    Purchase[] private _purchases;

    modifier onlyFunder() {
        if (msg.sender != funder) revert Campaign_NotFunder(msg.sender);
        _;
    }

    modifier whileOpen() {
        if (block.timestamp < _terms.start) revert Campaign_NotStarted(_terms.start);
        if (block.timestamp >= _terms.expiry) revert Campaign_Expired(_terms.expiry);
        _;
    }

    constructor(IECNY token_, IMerchantRegistry registry_, address funder_, CampaignTerms memory terms_) {
        if (terms_.expiry <= terms_.start || terms_.maxPacketsPerPerson == 0 || funder_ == address(0)) {
            revert Campaign_InvalidTerms();
        }
        _token = token_;
        _registry = registry_;
        funder = funder_;
        _terms = terms_;
    }

    // ------------------------------------------------------------------ funder

    /// @inheritdoc IRedPacketCampaign
    function fund(uint256 budgetFen) external onlyFunder {
        if (_totals.fundedFen != 0) revert Campaign_AlreadyFunded();
        if (block.timestamp >= _terms.expiry) revert Campaign_Expired(_terms.expiry); // could never come back
        if (budgetFen == 0) revert Campaign_ZeroAmount();
        _totals.fundedFen = uint128(budgetFen);
        emit CampaignFunded(msg.sender, budgetFen);
        _token.earmarkFrom(msg.sender, budgetFen);
    }

    /// @inheritdoc IRedPacketCampaign
    function allowMerchants(address[] calldata merchants) external onlyFunder {
        for (uint256 i; i < merchants.length; ++i) {
            _allowlisted[merchants[i]] = true;
        }
        emit MerchantsAllowed(merchants.length);
    }

    // ------------------------------------------------------------------ winners and buyers

    /// @inheritdoc IRedPacketCampaign
    function claim(uint256 packetIndex, uint256 amountFen, bytes32[] calldata proof) external whileOpen {
        // The packet's index is in the leaf: a winner of two equal packets has two leaves.
        bytes32 leaf = keccak256(bytes.concat(keccak256(abi.encode(packetIndex, msg.sender, amountFen))));
        if (!_verify(proof, _terms.winnersRoot, leaf)) revert Campaign_NotAWinner(msg.sender, amountFen);
        if (_claimedPacket[packetIndex]) revert Campaign_AlreadyClaimed(msg.sender, packetIndex);
        if (_packetsClaimed[msg.sender] >= _terms.maxPacketsPerPerson) {
            revert Campaign_PacketLimitReached(msg.sender, _terms.maxPacketsPerPerson);
        }
        uint256 unclaimed = _totals.fundedFen - _totals.claimedFen;
        if (unclaimed < amountFen) revert Campaign_BudgetExhausted(unclaimed, amountFen);
        _claimedPacket[packetIndex] = true;
        _packetsClaimed[msg.sender] += 1;
        _totals.claimedFen += uint128(amountFen);
        _totals.claims += 1;
        emit PacketClaimed(msg.sender, amountFen, packetIndex);
        _token.moveEarmark(funder, msg.sender, amountFen);
    }

    /// @inheritdoc IRedPacketCampaign
    function pay(address merchant, uint256 amountFen) external whileOpen returns (uint256 purchaseId) {
        if (amountFen == 0) revert Campaign_ZeroAmount();
        if (amountFen > type(uint48).max) revert Campaign_AmountTooLarge(amountFen, type(uint48).max);
        // Paying oneself would turn packet money into free money.
        if (merchant == msg.sender || !isAllowedMerchant(merchant)) revert Campaign_MerchantNotAllowed(merchant);
        // A freeze stops the owner's own moves, packet money included.
        if (_token.isFrozen(msg.sender)) revert Campaign_WalletFrozen(msg.sender);
        if (amountFen < _terms.minSpendFen) revert Campaign_BelowMinimumSpend(amountFen, _terms.minSpendFen);
        // The funder's earmark is the unclaimed budget, not a packet: it pays with own money only.
        uint256 packet = msg.sender == funder ? 0 : _token.earmarkedOf(msg.sender, address(this));
        if (packet > amountFen) packet = amountFen;
        uint256 own = amountFen - packet;
        purchaseId = _purchases.length;
        _purchases.push(Purchase(msg.sender, uint48(packet), uint48(own), merchant, 0, 0));
        _totals.payments += 1;
        _totals.spentFromPacketsFen += uint128(packet);
        _totals.ownMoneySpentFen += uint128(own);
        emit PurchasePaid(purchaseId, msg.sender, merchant, packet, own);
        if (own != 0) _token.earmarkFrom(msg.sender, own); // the buyer's own payment: limits apply
        _token.releaseEarmark(msg.sender, merchant, amountFen);
    }

    // ------------------------------------------------------------------ merchants

    /// @inheritdoc IRedPacketCampaign
    function refund(uint256 purchaseId, uint256 amountFen) external {
        if (purchaseId >= _purchases.length) revert Campaign_UnknownPurchase(purchaseId);
        Purchase storage p = _purchases[purchaseId];
        if (msg.sender != p.merchant) revert Campaign_NotPurchaseMerchant(msg.sender, purchaseId);
        uint256 ownLeft = p.ownFen - p.refundedOwnFen;
        uint256 refundable = ownLeft + p.packetFen - p.refundedPacketFen;
        if (amountFen == 0 || amountFen > refundable) {
            revert Campaign_RefundExceedsPurchase(purchaseId, refundable, amountFen);
        }
        uint256 own = amountFen < ownLeft ? amountFen : ownLeft;
        uint256 packet = amountFen - own;
        bool expired = block.timestamp >= _terms.expiry;
        p.refundedOwnFen += uint48(own);
        p.refundedPacketFen += uint48(packet);
        _totals.refundedOwnToBuyersFen += uint128(own);
        if (expired) _totals.refundedPacketToFunderFen += uint128(packet);
        else _totals.refundedPacketToBuyersFen += uint128(packet);
        emit PurchaseRefunded(purchaseId, own, expired ? 0 : packet, expired ? packet : 0);
        _token.earmarkFrom(msg.sender, amountFen);
        if (own != 0) _token.releaseEarmark(msg.sender, p.buyer, own);
        if (packet == 0) return;
        if (expired) _token.releaseEarmark(msg.sender, funder, packet);
        else _token.moveEarmark(msg.sender, p.buyer, packet);
    }

    // ------------------------------------------------------------------ anyone

    /// @inheritdoc IRedPacketCampaign
    function sweep() external returns (uint256 sweptFen) {
        if (block.timestamp < _terms.expiry) revert Campaign_NotExpired(_terms.expiry);
        if (swept) revert Campaign_AlreadySwept();
        swept = true;
        uint256 unclaimed = _totals.fundedFen - _totals.claimedFen;
        sweptFen = _token.earmarkedTotalOf(address(this));
        _totals.sweptFen = uint128(sweptFen);
        _totals.sweptUnclaimedFen = uint128(unclaimed);
        emit CampaignSwept(sweptFen, unclaimed, sweptFen - unclaimed);
        _token.endAllEarmarks(funder);
    }

    /// @inheritdoc IEarmarkController
    /// @dev A wallet closed during the campaign returns its unused packet to the funder at once. The funder's
    /// own wallet must stay open until the sweep: the sweep, packets returned on close and packet money
    /// refunded after expiry are all paid into it.
    function onWalletClose(address wallet) external {
        if (msg.sender != address(_token)) revert Campaign_NotToken(msg.sender);
        if (wallet == funder) {
            if (!swept && _totals.fundedFen != 0) revert Campaign_FunderWalletNeeded(wallet);
            return;
        }
        uint256 left = _token.earmarkedOf(wallet, address(this));
        if (left == 0) return;
        _totals.returnedOnCloseFen += uint128(left);
        emit PacketReturnedOnClose(wallet, left);
        _token.releaseEarmark(wallet, funder, left);
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IRedPacketCampaign
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IRedPacketCampaign
    function registry() external view returns (address) {
        return address(_registry);
    }

    /// @inheritdoc IRedPacketCampaign
    function terms() external view returns (CampaignTerms memory) {
        return _terms;
    }

    /// @inheritdoc IRedPacketCampaign
    function totals() external view returns (CampaignTotals memory) {
        return _totals;
    }

    /// @inheritdoc IRedPacketCampaign
    function packetBalanceOf(address wallet) external view returns (uint256) {
        return wallet == funder ? 0 : _token.earmarkedOf(wallet, address(this));
    }

    /// @inheritdoc IRedPacketCampaign
    function unclaimedFen() external view returns (uint256) {
        return swept ? 0 : _totals.fundedFen - _totals.claimedFen;
    }

    /// @inheritdoc IRedPacketCampaign
    function isClaimed(uint256 packetIndex) external view returns (bool) {
        return _claimedPacket[packetIndex];
    }

    /// @inheritdoc IRedPacketCampaign
    function packetsClaimedBy(address winner) external view returns (uint256) {
        return _packetsClaimed[winner];
    }

    /// @inheritdoc IRedPacketCampaign
    function isAllowedMerchant(address merchant) public view returns (bool) {
        if (_allowlisted[merchant]) return true;
        (uint32 district, uint32 category) = _registry.merchantOf(merchant);
        return district != 0 && (_terms.district == 0 || district == _terms.district)
            && (_terms.category == 0 || category == _terms.category);
    }

    /// @inheritdoc IRedPacketCampaign
    function purchaseOf(uint256 purchaseId) external view returns (Purchase memory) {
        return _purchases[purchaseId];
    }

    /// @inheritdoc IRedPacketCampaign
    function purchaseCount() external view returns (uint256) {
        return _purchases.length;
    }

    // ------------------------------------------------------------------ internals

    /// @dev Merkle proof over sorted pairs: each step hashes the smaller node first.
    function _verify(bytes32[] calldata proof, bytes32 root, bytes32 leaf) private pure returns (bool) {
        bytes32 node = leaf;
        for (uint256 i; i < proof.length; ++i) {
            bytes32 sibling = proof[i];
            node = node < sibling ? keccak256(abi.encode(node, sibling)) : keccak256(abi.encode(sibling, node));
        }
        return node == root;
    }
}
