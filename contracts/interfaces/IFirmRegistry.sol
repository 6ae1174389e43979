// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title Physical layer of BOIS: the registry of the park's firms.
/// @notice Errors, events and functions of the firm registry (see docs/platform.md).
interface IFirmRegistry {
    // Firm status codes (the `status` of `firm()`):
    // NONE = 0, OPERATING = 1, DISRUPTED = 2, RECOVERED = 3, LEFT = 4.

    error UnknownEnergyForm(uint256 value);
    error FirmAlreadyRegistered(address account, uint32 firmId);
    error FirmNotRegistered(address account);
    error FirmUnknown(uint32 firmId);
    error FirmDisrupted(uint32 firmId);
    error FirmNotOwner(uint32 firmId, address caller);
    error FirmInvalidName(uint256 length);
    error FirmInvalidStatus(uint32 firmId, uint8 current, uint8 requested);
    error FirmHasLiveAgreements(uint32 firmId, uint32 live);

    event FirmRegistered(
        uint32 indexed firmId,
        address indexed owner,
        string name,
        uint8 sector,
        int32 x,
        int32 y,
        uint8 supplies,
        uint8 needs
    );
    event FirmStatusReported(uint32 indexed firmId, uint8 previous, uint8 status, address reporter);
    event FirmLeft(uint32 indexed firmId, address indexed owner);

    /// @notice Register the sender's firm. The sender becomes its owner.
    /// @param name Firm name, 1..64 bytes (kept in the event only).
    /// @param sector Free sector code.
    /// @param x Location east, metres.
    /// @param y Location north, metres.
    /// @param supplies Bit mask of the energy forms the firm can supply (bits 0..6).
    /// @param needs Bit mask of the energy forms the firm needs (bits 0..6).
    /// @return firmId The new firm id (sequential from 1).
    function registerFirm(string calldata name, uint8 sector, int32 x, int32 y, uint8 supplies, uint8 needs)
        external
        returns (uint32 firmId);

    /// @notice Report a firm's status (its owner or an OPERATOR_ROLE holder).
    /// @param firmId The firm.
    /// @param status The new status (DISRUPTED, RECOVERED or OPERATING, as the transitions allow).
    function reportStatus(uint32 firmId, uint8 status) external;

    /// @notice The sender's firm leaves the registry (refused while it has live agreements).
    function leaveRegistry() external;

    /// @notice Read a firm.
    /// @param firmId The firm id (1..firmCount).
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
        );

    /// @notice The id of the firm `account` owns, 0 if none.
    /// @param account The account.
    function firmIdOf(address account) external view returns (uint32);

    /// @notice Number of firms ever registered (ids 1..firmCount).
    function firmCount() external view returns (uint32);
}
