// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IFirmRegistry} from "../interfaces/IFirmRegistry.sol";

/// @title FirmRegistry - the physical layer of BOIS.
/// @notice Who is in the park, where, what energy forms each firm supplies and needs,
/// and whether it is operating. See docs/platform.md.
/// @dev Storage: one slot per firm (`Firm`), one slot per member account (`Member`,
/// holding the live-agreement counter and the registration block). The firm's name is
/// kept in the `FirmRegistered` event only.
abstract contract FirmRegistry is IFirmRegistry, AccessControl {
    /// @notice Role of the oracle that may report any firm's status.
    bytes32 public constant OPERATOR_ROLE = keccak256("OPERATOR_ROLE");

    uint8 internal constant STATUS_NONE = 0;
    uint8 internal constant STATUS_OPERATING = 1;
    uint8 internal constant STATUS_DISRUPTED = 2;
    uint8 internal constant STATUS_RECOVERED = 3;
    uint8 internal constant STATUS_LEFT = 4;

    uint8 internal constant FORM_COUNT = 7;
    uint256 internal constant MAX_NAME_BYTES = 64;

    /// @dev Exactly one slot: 20 + 1 + 1 + 1 + 1 + 4 + 4 bytes.
    struct Firm {
        address owner;
        uint8 status;
        uint8 sector;
        uint8 supplies;
        uint8 needs;
        int32 x;
        int32 y;
    }

    /// @dev One slot per account: its current firm, that firm's live agreements and registration block.
    struct Member {
        uint32 firmId;
        uint32 liveAgreements;
        uint64 registeredBlock;
    }

    mapping(uint32 firmId => Firm) private _firms;
    mapping(address account => Member) private _members;
    /// @dev Registration block of firms that left (their member slot is reused by the account).
    mapping(uint32 firmId => uint64) private _leftRegisteredBlock;
    uint32 private _firmCount;

    // ------------------------------------------------------------------ external

    /// @inheritdoc IFirmRegistry
    function registerFirm(string calldata name, uint8 sector, int32 x, int32 y, uint8 supplies, uint8 needs)
        external
        returns (uint32 firmId)
    {
        Member storage member = _members[msg.sender];
        uint32 current = member.firmId;
        if (current != 0) revert FirmAlreadyRegistered(msg.sender, current);
        uint256 length = bytes(name).length;
        if (length == 0 || length > MAX_NAME_BYTES) revert FirmInvalidName(length);
        if (supplies >> FORM_COUNT != 0) revert UnknownEnergyForm(supplies);
        if (needs >> FORM_COUNT != 0) revert UnknownEnergyForm(needs);

        firmId = ++_firmCount;
        _firms[firmId] = Firm({
            owner: msg.sender,
            status: STATUS_OPERATING,
            sector: sector,
            supplies: supplies,
            needs: needs,
            x: x,
            y: y
        });
        _members[msg.sender] = Member({firmId: firmId, liveAgreements: 0, registeredBlock: uint64(block.number)});
        emit FirmRegistered(firmId, msg.sender, name, sector, x, y, supplies, needs);
    }

    /// @inheritdoc IFirmRegistry
    function reportStatus(uint32 firmId, uint8 status) external {
        Firm storage f = _firms[firmId];
        uint8 current = f.status;
        if (current == STATUS_NONE || current == STATUS_LEFT) revert FirmUnknown(firmId);
        if (_members[msg.sender].firmId != firmId && !hasRole(OPERATOR_ROLE, msg.sender)) {
            revert FirmNotOwner(firmId, msg.sender);
        }
        if (!_allowedTransition(current, status)) revert FirmInvalidStatus(firmId, current, status);
        f.status = status;
        emit FirmStatusReported(firmId, current, status, msg.sender);
    }

    /// @inheritdoc IFirmRegistry
    function leaveRegistry() external {
        Member memory member = _members[msg.sender];
        // False positive: slither's taint is field-insensitive (Member.registeredBlock = block.number taints Member.firmId); this is the id-0 sentinel.
        // slither-disable-next-line incorrect-equality
        if (member.firmId == 0) revert FirmNotRegistered(msg.sender);
        if (member.liveAgreements != 0) revert FirmHasLiveAgreements(member.firmId, member.liveAgreements);
        _firms[member.firmId].status = STATUS_LEFT;
        _leftRegisteredBlock[member.firmId] = member.registeredBlock;
        delete _members[msg.sender];
        emit FirmLeft(member.firmId, msg.sender);
    }

    /// @inheritdoc IFirmRegistry
    function firm(uint32 firmId)
        external
        view
        returns (
            address owner,
            uint8 status,
            uint8 sector,
            uint8 supplies,
            uint8 needs,
            int32 x,
            int32 y,
            uint32 liveAgreements,
            uint64 registeredBlock
        )
    {
        Firm memory f = _firms[firmId];
        if (f.status == STATUS_NONE) revert FirmUnknown(firmId);
        if (f.status == STATUS_LEFT) {
            registeredBlock = _leftRegisteredBlock[firmId];
        } else {
            Member memory member = _members[f.owner];
            liveAgreements = member.liveAgreements;
            registeredBlock = member.registeredBlock;
        }
        return (f.owner, f.status, f.sector, f.supplies, f.needs, f.x, f.y, liveAgreements, registeredBlock);
    }

    /// @inheritdoc IFirmRegistry
    function firmIdOf(address account) external view returns (uint32) {
        return _members[account].firmId;
    }

    /// @inheritdoc IFirmRegistry
    function firmCount() external view returns (uint32) {
        return _firmCount;
    }

    // ------------------------------------------------------------------ internal

    function _allowedTransition(uint8 current, uint8 next) private pure returns (bool) {
        if (next == STATUS_DISRUPTED) return current == STATUS_OPERATING || current == STATUS_RECOVERED;
        if (next == STATUS_RECOVERED) return current == STATUS_DISRUPTED;
        if (next == STATUS_OPERATING) return current == STATUS_RECOVERED;
        return false;
    }

    /// @dev The firm the account currently owns, or revert `FirmNotRegistered(account)`.
    function _requireFirmOf(address account) internal view returns (uint32 firmId) {
        firmId = _members[account].firmId;
        // False positive: slither's taint is field-insensitive (Member.registeredBlock = block.number taints Member.firmId); this is the id-0 sentinel.
        // slither-disable-next-line incorrect-equality
        if (firmId == 0) revert FirmNotRegistered(account);
    }

    /// @dev The firm the account currently owns (0 if none).
    function _firmIdOf(address account) internal view returns (uint32) {
        return _members[account].firmId;
    }

    /// @dev The firm's slot (status NONE when it does not exist).
    function _firm(uint32 firmId) internal view returns (Firm memory) {
        return _firms[firmId];
    }

    function _firmStatus(uint32 firmId) internal view returns (uint8) {
        return _firms[firmId].status;
    }

    /// @dev One more live agreement for the firm owned by `owner`.
    function _incrementLive(address owner) internal {
        _members[owner].liveAgreements += 1;
    }

    /// @dev One live agreement less for firm `firmId` (live firms never leave, so its owner's slot is current).
    function _decrementLive(uint32 firmId) internal {
        _members[_firms[firmId].owner].liveAgreements -= 1;
    }
}
