// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IFirmRegistry} from "./IFirmRegistry.sol";

/// @title Searching layer of BOIS: offers of spare energy.
/// @notice Errors, events, structs and functions of the offer book (see docs/platform.md).
interface IOfferBook is IFirmRegistry {
    /// @notice One offer in a batch for `postOffers`.
    struct OfferInput {
        uint8 form;
        uint64 quantity;
        int16 temperature;
        uint40 price;
        uint40 validUntil;
        bool autoAccept;
    }

    /// @notice An offer with its supplier's status and location, as returned by the `OfferSearch` lens.
    struct OfferRow {
        uint256 offerId;
        uint32 supplierId;
        uint8 form;
        uint8 status;
        bool autoAccept;
        int16 temperature;
        uint40 validUntil;
        uint40 price;
        uint64 quantity;
        uint64 reserved;
        uint8 supplierStatus;
        int32 x;
        int32 y;
    }

    error ZeroQuantity();
    error BatchTooLarge(uint256 length, uint256 max);
    error FirmFormNotSupplied(uint32 firmId, uint8 form);
    error OfferUnknown(uint256 offerId);
    error OfferNotOpen(uint256 offerId);
    error OfferExpired(uint256 offerId, uint256 validUntil);
    error OfferInvalidValidity(uint256 validUntil, uint256 now);
    error OfferBelowReserved(uint256 offerId, uint256 quantity, uint256 reserved);
    error OfferOverAllocated(uint256 offerId, uint256 requested, uint256 remaining);

    event OfferPosted(
        uint256 indexed offerId,
        uint32 indexed supplierId,
        uint8 form,
        uint64 quantity,
        int16 temperature,
        uint40 price,
        uint40 validUntil,
        bool autoAccept
    );
    event OfferUpdated(uint256 indexed offerId, uint64 quantity, int16 temperature, uint40 price, uint40 validUntil);
    event OfferWithdrawn(uint256 indexed offerId);

    /// @notice Post an offer of spare energy from the sender's firm.
    /// @param form Energy form (0..6), one the firm supplies.
    /// @param quantity kW (kWh per one-hour period), > 0.
    /// @param temperature Degrees C (0 for non-thermal forms).
    /// @param price Euro-cents per MWh.
    /// @param validUntil Absolute expiry time (seconds), > now.
    /// @param autoAccept Whether proposals are accepted in the proposing transaction.
    /// @return offerId The new offer id (sequential from 1).
    function postOffer(uint8 form, uint64 quantity, int16 temperature, uint40 price, uint40 validUntil, bool autoAccept)
        external
        returns (uint256 offerId);

    /// @notice Post up to 256 offers in one transaction (same rules as `postOffer`, all or nothing).
    /// @param offers The offers.
    /// @return firstOfferId The id of the first posted offer (the others follow sequentially); 0 if empty.
    function postOffers(OfferInput[] calldata offers) external returns (uint256 firstOfferId);

    /// @notice Change an open offer (its supplier's owner only).
    /// @param offerId The offer.
    /// @param quantity New quantity (>= reserved).
    /// @param temperature New temperature.
    /// @param price New price (live agreements keep theirs).
    /// @param validUntil New expiry (> now).
    function updateOffer(uint256 offerId, uint64 quantity, int16 temperature, uint40 price, uint40 validUntil)
        external;

    /// @notice Withdraw an open offer (its live agreements continue).
    /// @param offerId The offer.
    function withdrawOffer(uint256 offerId) external;

    /// @notice Read an offer.
    /// @param offerId The offer id (1..offerCount).
    function offer(uint256 offerId)
        external
        view
        returns (
            uint32 supplierId,
            uint8 form,
            uint8 status,
            bool autoAccept,
            int16 temperature,
            uint40 validUntil,
            uint40 price,
            uint64 quantity,
            uint64 reserved
        );

    /// @notice Offers `fromId .. fromId+count-1` (clipped to offerCount and to 500), two packed words each,
    /// for lenses (one call and a flat array instead of an external call per offer).
    /// @dev words[2i] = supplierId | form << 32 | status << 40 | autoAccept << 48 | uint16(temperature) << 56
    ///      | validUntil << 72 | price << 112 | quantity << 152;
    ///      words[2i+1] = reserved | supplierStatus << 64 | uint32(x) << 72 | uint32(y) << 104.
    /// @param fromId First offer id (0 is read as 1).
    /// @param count Maximum number of offers.
    /// @return words The packed offers.
    function offerWords(uint256 fromId, uint256 count) external view returns (uint256[] memory words);

    /// @notice Number of offers ever posted (ids 1..offerCount).
    function offerCount() external view returns (uint256);
}
