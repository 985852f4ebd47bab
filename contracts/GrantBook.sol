// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {IECNY} from "./interfaces/IECNY.sol";
import {IGrantProgramme} from "./interfaces/IGrantProgramme.sol";
import {IPayeeRegistry} from "./interfaces/IPayeeRegistry.sol";
import {Grant, GrantStatus, ProgrammeRules, ProgrammeTotals, Tranche} from "./types/SubsidyTypes.sol";

/// @title GrantBook
/// @notice The records of a grant programme and the views over them (see {IGrantProgramme}); the moves of money
/// are in {GrantProgramme}.
abstract contract GrantBook is IGrantProgramme {
    uint256 public constant MAX_TRANCHES = 8;
    uint256 internal constant _DAYS_PER_YEAR_BPS = 10_000 * 365;

    IECNY internal immutable _token;
    IPayeeRegistry internal immutable _payees;
    /// @inheritdoc IGrantProgramme
    address public immutable department;
    /// @inheritdoc IGrantProgramme
    address public immutable agency;

    ProgrammeRules internal _rules;
    ProgrammeTotals internal _totals;
    uint256 internal _count;
    mapping(uint256 grantId => Grant) internal _grants;
    mapping(uint256 grantId => Tranche[]) internal _tranches;
    // A firm has at most one live grant here: active, owing a debt, or paid and still under its promise. So
    // the grant money in its wallet, a breach and a debt always belong to that one grant.
    mapping(address firm => uint256) internal _liveGrant;
    uint64 internal _promisesEnd; // the last promise period of any paid grant ends here
    mapping(address firm => uint256) internal _excludedUntil;

    modifier onlyDepartment() {
        if (msg.sender != department) revert Grant_NotDepartment(msg.sender);
        _;
    }

    modifier onlyAgency() {
        if (msg.sender != agency) revert Grant_NotAgency(msg.sender);
        _;
    }

    constructor(IECNY token_, IPayeeRegistry payees_, address department_, address agency_,
        ProgrammeRules memory rules_) {
        if (address(token_) == address(0) || address(payees_) == address(0) || department_ == address(0)
            || agency_ == address(0)) revert Grant_ZeroAddress();
        // Purpose 0 means "not registered"; the department must not attest its own milestones.
        if (rules_.promiseDays == 0 || rules_.allowedPurposes & 1 != 0 || department_ == agency_) {
            revert Grant_InvalidRules();
        }
        _token = token_;
        _payees = payees_;
        department = department_;
        agency = agency_;
        _rules = rules_;
    }

    // ------------------------------------------------------------------ views

    /// @inheritdoc IGrantProgramme
    function token() external view returns (address) {
        return address(_token);
    }

    /// @inheritdoc IGrantProgramme
    function payeeRegistry() external view returns (address) {
        return address(_payees);
    }

    /// @inheritdoc IGrantProgramme
    function rules() external view returns (ProgrammeRules memory) {
        return _rules;
    }

    /// @inheritdoc IGrantProgramme
    function totals() external view returns (ProgrammeTotals memory) {
        return _totals;
    }

    /// @inheritdoc IGrantProgramme
    function programmeBalanceFen() public view returns (uint256) {
        return _token.earmarkedOf(department, address(this));
    }

    /// @inheritdoc IGrantProgramme
    function withdrawableFen() public view returns (uint256) {
        return programmeBalanceFen() - _totals.committedFen;
    }

    /// @inheritdoc IGrantProgramme
    function grantOf(uint256 grantId) external view returns (Grant memory) {
        return _grants[grantId];
    }

    /// @inheritdoc IGrantProgramme
    function tranchesOf(uint256 grantId) external view returns (Tranche[] memory) {
        return _tranches[grantId];
    }

    /// @inheritdoc IGrantProgramme
    function grantCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc IGrantProgramme
    function currentGrantOf(address firm) public view returns (uint256) {
        uint256 grantId = _liveGrant[firm];
        GrantStatus status = _grants[grantId].status;
        if (status == GrantStatus.Active || status == GrantStatus.ClawedBack) return grantId;
        return block.timestamp < promiseEndOf(grantId) ? grantId : 0;
    }

    /// @inheritdoc IGrantProgramme
    function promiseEndOf(uint256 grantId) public view returns (uint256) {
        uint256 admittedAt = _grants[grantId].admittedAt;
        return admittedAt == 0 ? 0 : admittedAt + uint256(_rules.promiseDays) * 1 days;
    }

    /// @inheritdoc IGrantProgramme
    function excludedUntil(address firm) external view returns (uint256) {
        return _excludedUntil[firm];
    }

    /// @inheritdoc IGrantProgramme
    function grantMoneyOf(address wallet) public view returns (uint256) {
        return wallet == department ? 0 : _token.earmarkedOf(wallet, address(this));
    }

    /// @inheritdoc IGrantProgramme
    function outstandingOf(uint256 grantId) public view returns (uint256) {
        Grant storage g = _grants[grantId];
        if (g.status != GrantStatus.ClawedBack) return 0;
        return uint256(g.paidFen) + g.interestFen - g.returnedOnCloseFen - g.returnedUnspentFen - g.repaidFen
            - g.withheldFen;
    }

    /// @inheritdoc IGrantProgramme
    function clawbackQuote(uint256 grantId, uint256 breachedAt)
        public
        view
        returns (uint256 principalFen, uint256 interestFen)
    {
        Tranche[] storage tranches = _tranches[grantId];
        for (uint256 i; i < tranches.length; ++i) {
            uint256 paidAt = tranches[i].paidAt;
            if (paidAt == 0) continue;
            uint256 amount = tranches[i].amountFen;
            uint256 days_ = breachedAt > paidAt ? (breachedAt - paidAt) / 1 days : 0;
            principalFen += amount;
            // Each payment's interest is floored on its own, as the rule states it.
            interestFen += amount * _rules.interestRateBps * days_ / _DAYS_PER_YEAR_BPS;
        }
    }

    /// @inheritdoc IGrantProgramme
    function isAllowedPayee(address payee) external view returns (bool) {
        return _isAllowed(_payees.purposeOf(payee));
    }

    // ------------------------------------------------------------------ internals

    function _existing(uint256 grantId) internal view returns (Grant storage g) {
        g = _grants[grantId];
        if (g.status == GrantStatus.None) revert Grant_UnknownGrant(grantId);
    }

    function _requireEligible(address firm) internal view {
        if (firm == address(0)) revert Grant_ZeroAddress();
        if (firm == department || firm == agency) revert Grant_InvalidFirm(firm);
        uint256 live = currentGrantOf(firm);
        if (live != 0) {
            GrantStatus status = _grants[live].status;
            if (status == GrantStatus.Active) revert Grant_FirmHasActiveGrant(firm, live);
            if (status == GrantStatus.ClawedBack) revert Grant_FirmHasDebt(firm, live, outstandingOf(live));
            revert Grant_FirmUnderPromise(firm, live, promiseEndOf(live));
        }
        if (_excludedUntil[firm] > block.timestamp) revert Grant_FirmExcluded(firm, _excludedUntil[firm]);
    }

    function _isAllowed(uint8 purpose) internal view returns (bool) {
        return purpose != 0 && (_rules.allowedPurposes >> purpose) & 1 == 1;
    }

    function _outstandingTotal() internal view returns (uint256) {
        ProgrammeTotals storage t = _totals;
        return uint256(t.owedFen) - t.returnedUnspentFen - t.repaidFen - t.withheldFen;
    }
}
