// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOfferBook} from "./IOfferBook.sol";

/// @title Execution layer of BOIS: firm-to-firm (F2F) energy agreements.
/// @notice Errors, events, structs and functions of the agreement book (see docs/platform.md).
/// Agreement states: NONE 0, PROPOSED 1, ACTIVE 2, SUSPENDED 3 (effective), REJECTED 4,
/// TERMINATED 5, EXPIRED 6 (effective), CLOSED 7.
interface IAgreementBook is IOfferBook {
    /// @notice One proposal in a batch for `proposeAgreements`.
    struct ProposalInput {
        uint256 offerId;
        uint64 quantity;
        uint40 duration;
    }

    error AgreementUnknown(uint256 agreementId);
    error AgreementSelfDealing(uint32 firmId);
    error AgreementZeroDuration();
    error AgreementWrongState(uint256 agreementId, uint8 state);
    error AgreementNotParty(uint256 agreementId, address caller);
    error AgreementNotSupplier(uint256 agreementId, address caller);
    error AgreementNotMeter(uint256 agreementId, address caller);
    error AgreementNotExpired(uint256 agreementId, uint256 endsAt);

    event AgreementProposed(
        uint256 indexed agreementId, uint256 indexed offerId, uint32 indexed consumerId, uint64 quantity, uint40 duration
    );
    event AgreementAccepted(uint256 indexed agreementId, uint256 indexed offerId, uint64 reserved, uint40 endsAt);
    event AgreementRejected(uint256 indexed agreementId);
    event AgreementTerminated(uint256 indexed agreementId, address by);
    event AgreementClosed(uint256 indexed agreementId);
    event DeliveryRecorded(uint256 indexed agreementId, uint64 quantity, uint128 delivered, uint256 amountDue);

    /// @notice Propose an agreement on an offer from the sender's firm (auto-accept offers accept it at once).
    /// @param offerId The offer.
    /// @param quantity kW wanted, <= the offer's remaining quantity.
    /// @param duration Seconds the agreement runs once accepted, > 0.
    /// @return agreementId The new agreement id (sequential from 1).
    function proposeAgreement(uint256 offerId, uint64 quantity, uint40 duration) external returns (uint256 agreementId);

    /// @notice Propose up to 256 agreements in one transaction (same rules, all or nothing).
    /// @param proposals The proposals.
    /// @return firstAgreementId The id of the first agreement (the others follow sequentially); 0 if empty.
    function proposeAgreements(ProposalInput[] calldata proposals) external returns (uint256 firstAgreementId);

    /// @notice The supplier accepts a proposed agreement, reserving its quantity on the offer.
    /// @param agreementId The agreement.
    function acceptAgreement(uint256 agreementId) external;

    /// @notice The supplier rejects a proposed agreement.
    /// @param agreementId The agreement.
    function rejectAgreement(uint256 agreementId) external;

    /// @notice Either party ends a proposed or live agreement, releasing its reservation.
    /// @param agreementId The agreement.
    function terminateAgreement(uint256 agreementId) external;

    /// @notice Anyone closes an expired agreement, releasing its reservation.
    /// @param agreementId The agreement.
    function closeAgreement(uint256 agreementId) external;

    /// @notice A METER_ROLE holder or the consumer's owner records a delivery on an active agreement.
    /// @param agreementId The agreement.
    /// @param quantity kWh delivered, > 0.
    function recordDelivery(uint256 agreementId, uint64 quantity) external;

    /// @notice Read an agreement; `state` is the effective state.
    /// @param agreementId The agreement id (1..agreementCount).
    function agreement(uint256 agreementId)
        external
        view
        returns (
            uint256 offerId,
            uint32 supplierId,
            uint32 consumerId,
            uint64 quantity,
            uint40 price,
            uint8 state,
            uint64 startedAt,
            uint64 endsAt,
            uint40 duration,
            uint128 delivered
        );

    /// @notice Number of agreements ever proposed (ids 1..agreementCount).
    function agreementCount() external view returns (uint256);
}
