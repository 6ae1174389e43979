// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FirmRegistry} from "../physical/FirmRegistry.sol";
import {IOfferBook} from "../interfaces/IOfferBook.sol";

/// @title OfferBook - the searching layer of BOIS.
/// @notice Firms post offers of spare energy; consumers find them through the `OfferSearch` lens.
/// See docs/platform.md.
/// @dev Storage: two slots per offer; the second (`reserved`) is written only by agreements.
abstract contract OfferBook is FirmRegistry, IOfferBook {
    // Status 0 means "no such offer" (checked as `supplierId == 0`).
    uint8 internal constant OFFER_OPEN = 1;
    uint8 internal constant OFFER_WITHDRAWN = 2;

    uint256 internal constant MAX_BATCH = 256;
    uint256 private constant MAX_ROWS = 500;

    /// @dev Slot 1: 4 + 1 + 1 + 1 + 2 + 5 + 5 + 8 = 27 bytes; slot 2: reserved.
    struct Offer {
        uint32 supplierId;
        uint8 form;
        uint8 status;
        bool autoAccept;
        int16 temperature;
        uint40 validUntil;
        uint40 price;
        uint64 quantity;
        uint64 reserved;
    }

    mapping(uint256 offerId => Offer) private _offers;
    uint32 private _offerCount;

    // ------------------------------------------------------------------ external

    /// @inheritdoc IOfferBook
    function postOffer(uint8 form, uint64 quantity, int16 temperature, uint40 price, uint40 validUntil, bool autoAccept)
        external
        returns (uint256 offerId)
    {
        (uint32 firmId, uint8 supplies) = _requireTradingSupplier(msg.sender);
        return _postOffer(firmId, supplies, form, quantity, temperature, price, validUntil, autoAccept);
    }

    /// @inheritdoc IOfferBook
    function postOffers(OfferInput[] calldata offers) external returns (uint256 firstOfferId) {
        uint256 n = offers.length;
        if (n > MAX_BATCH) revert BatchTooLarge(n, MAX_BATCH);
        if (n == 0) return 0;
        (uint32 firmId, uint8 supplies) = _requireTradingSupplier(msg.sender);
        for (uint256 i = 0; i < n; ++i) {
            OfferInput calldata o = offers[i];
            uint256 id = _postOffer(firmId, supplies, o.form, o.quantity, o.temperature, o.price, o.validUntil, o.autoAccept);
            if (i == 0) firstOfferId = id;
        }
    }

    /// @inheritdoc IOfferBook
    function updateOffer(uint256 offerId, uint64 quantity, int16 temperature, uint40 price, uint40 validUntil)
        external
    {
        Offer storage o = _offers[offerId];
        uint32 supplierId = o.supplierId;
        if (supplierId == 0) revert OfferUnknown(offerId);
        if (_firmIdOf(msg.sender) != supplierId) revert FirmNotOwner(supplierId, msg.sender);
        if (o.status != OFFER_OPEN) revert OfferNotOpen(offerId);
        if (_firmStatus(supplierId) == STATUS_DISRUPTED) revert FirmDisrupted(supplierId);
        if (quantity == 0) revert ZeroQuantity();
        uint64 reserved = o.reserved;
        if (quantity < reserved) revert OfferBelowReserved(offerId, quantity, reserved);
        // By design: validUntil must lie in the future (docs/platform.md); seconds of validator skew do not matter.
        // slither-disable-next-line timestamp
        if (validUntil <= block.timestamp) revert OfferInvalidValidity(validUntil, block.timestamp);
        o.quantity = quantity;
        o.temperature = temperature;
        o.price = price;
        o.validUntil = validUntil;
        emit OfferUpdated(offerId, quantity, temperature, price, validUntil);
    }

    /// @inheritdoc IOfferBook
    function withdrawOffer(uint256 offerId) external {
        Offer storage o = _offers[offerId];
        uint32 supplierId = o.supplierId;
        if (supplierId == 0) revert OfferUnknown(offerId);
        if (_firmIdOf(msg.sender) != supplierId) revert FirmNotOwner(supplierId, msg.sender);
        if (o.status != OFFER_OPEN) revert OfferNotOpen(offerId);
        o.status = OFFER_WITHDRAWN;
        emit OfferWithdrawn(offerId);
    }

    /// @inheritdoc IOfferBook
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
        )
    {
        Offer memory o = _offers[offerId];
        // False positive: slither's taint is field-insensitive (Offer.reserved <- Agreement.quantity, whose slot holds startedAt = block.timestamp); id-0 sentinel.
        // slither-disable-next-line incorrect-equality
        if (o.supplierId == 0) revert OfferUnknown(offerId);
        return (o.supplierId, o.form, o.status, o.autoAccept, o.temperature, o.validUntil, o.price, o.quantity, o.reserved);
    }

    /// @inheritdoc IOfferBook
    function offerWords(uint256 fromId, uint256 count) external view returns (uint256[] memory words) {
        uint256 total = _offerCount;
        if (fromId == 0) fromId = 1;
        if (count > MAX_ROWS) count = MAX_ROWS;
        uint256 n = fromId > total ? 0 : total - fromId + 1;
        if (n > count) n = count;
        words = new uint256[](2 * n);
        // 0 is never a supplier id, so the first offer always loads its supplier's word.
        uint32 lastSupplier = 0;
        uint256 supplierWord = 0;
        for (uint256 i = 0; i < n; ++i) {
            Offer memory o = _offers[fromId + i];
            if (o.supplierId != lastSupplier) {
                Firm memory f = _firm(o.supplierId);
                supplierWord = (uint256(f.status) << 64) | (uint256(uint32(f.x)) << 72) | (uint256(uint32(f.y)) << 104);
                lastSupplier = o.supplierId;
            }
            words[2 * i] = uint256(o.supplierId) | (uint256(o.form) << 32) | (uint256(o.status) << 40)
                | (o.autoAccept ? uint256(1) << 48 : 0) | (uint256(uint16(o.temperature)) << 56)
                | (uint256(o.validUntil) << 72) | (uint256(o.price) << 112) | (uint256(o.quantity) << 152);
            words[2 * i + 1] = uint256(o.reserved) | supplierWord;
        }
    }

    /// @inheritdoc IOfferBook
    function offerCount() external view returns (uint256) {
        return _offerCount;
    }

    // ------------------------------------------------------------------ internal

    /// @dev The sender's firm, its supplies mask; reverts unless registered and able to trade.
    function _requireTradingSupplier(address account) private view returns (uint32 firmId, uint8 supplies) {
        firmId = _requireFirmOf(account);
        Firm memory f = _firm(firmId);
        if (f.status == STATUS_DISRUPTED) revert FirmDisrupted(firmId);
        supplies = f.supplies;
    }

    function _postOffer(
        uint32 firmId,
        uint8 supplies,
        uint8 form,
        uint64 quantity,
        int16 temperature,
        uint40 price,
        uint40 validUntil,
        bool autoAccept
    ) private returns (uint256 offerId) {
        if (form >= FORM_COUNT) revert UnknownEnergyForm(form);
        // False positive: slither's taint is field-insensitive (block values stored in Member/Agreement slots); this tests a bit of the supplies mask.
        // slither-disable-next-line incorrect-equality
        if ((supplies >> form) & 1 == 0) revert FirmFormNotSupplied(firmId, form);
        if (quantity == 0) revert ZeroQuantity();
        // By design: validUntil must lie in the future (docs/platform.md); seconds of validator skew do not matter.
        // slither-disable-next-line timestamp
        if (validUntil <= block.timestamp) revert OfferInvalidValidity(validUntil, block.timestamp);
        // One warm SSTORE (~100 gas) per batch item; batches are capped at MAX_BATCH and ids must be sequential.
        // slither-disable-next-line costly-loop
        offerId = ++_offerCount;
        _offers[offerId] = Offer({
            supplierId: firmId,
            form: form,
            status: OFFER_OPEN,
            autoAccept: autoAccept,
            temperature: temperature,
            validUntil: validUntil,
            price: price,
            quantity: quantity,
            reserved: 0
        });
        emit OfferPosted(offerId, firmId, form, quantity, temperature, price, validUntil, autoAccept);
    }

    /// @dev Storage pointer to an offer (supplierId 0 when it does not exist).
    function _offer(uint256 offerId) internal view returns (Offer storage) {
        return _offers[offerId];
    }
}
