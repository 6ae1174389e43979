// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {OfferBook} from "../searching/OfferBook.sol";
import {IAgreementBook} from "../interfaces/IAgreementBook.sol";

/// @title AgreementBook - the execution layer of BOIS.
/// @notice Firm-to-firm energy agreements on offers: propose, accept, reject, terminate, close,
/// and delivery records. See docs/platform.md.
/// @dev Storage: one slot per agreement; the delivered total gets a second slot on the first
/// delivery. SUSPENDED and EXPIRED are derived on read; no function loops over a firm's agreements.
abstract contract AgreementBook is OfferBook, IAgreementBook {
    /// @notice Role of the metering party that may record deliveries on any agreement.
    bytes32 public constant METER_ROLE = keccak256("METER_ROLE");

    uint8 internal constant AG_NONE = 0;
    uint8 internal constant AG_PROPOSED = 1;
    uint8 internal constant AG_ACTIVE = 2;
    uint8 internal constant AG_SUSPENDED = 3;
    uint8 internal constant AG_REJECTED = 4;
    uint8 internal constant AG_TERMINATED = 5;
    uint8 internal constant AG_EXPIRED = 6;
    uint8 internal constant AG_CLOSED = 7;

    /// @dev Exactly one slot: 4 + 4 + 8 + 5 + 5 + 5 + 1 bytes. `endsAt = startedAt + duration`.
    struct Agreement {
        uint32 offerId;
        uint32 consumerId;
        uint64 quantity;
        uint40 price;
        uint40 duration;
        uint40 startedAt;
        uint8 state;
    }

    mapping(uint256 agreementId => Agreement) private _agreements;
    mapping(uint256 agreementId => uint128) private _delivered;
    uint32 private _agreementCount;

    // ------------------------------------------------------------------ external

    /// @inheritdoc IAgreementBook
    function proposeAgreement(uint256 offerId, uint64 quantity, uint40 duration) external returns (uint256) {
        uint32 consumerId = _requireTradingConsumer(msg.sender);
        return _propose(consumerId, offerId, quantity, duration);
    }

    /// @inheritdoc IAgreementBook
    function proposeAgreements(ProposalInput[] calldata proposals) external returns (uint256 firstAgreementId) {
        uint256 n = proposals.length;
        if (n > MAX_BATCH) revert BatchTooLarge(n, MAX_BATCH);
        if (n == 0) return 0;
        uint32 consumerId = _requireTradingConsumer(msg.sender);
        for (uint256 i = 0; i < n; ++i) {
            ProposalInput calldata p = proposals[i];
            uint256 id = _propose(consumerId, p.offerId, p.quantity, p.duration);
            if (i == 0) firstAgreementId = id;
        }
    }

    /// @inheritdoc IAgreementBook
    function acceptAgreement(uint256 agreementId) external {
        Agreement storage a = _agreements[agreementId];
        uint8 state = a.state;
        if (state == AG_NONE) revert AgreementUnknown(agreementId);
        Offer storage o = _offer(a.offerId);
        uint32 supplierId = o.supplierId;
        if (_firmIdOf(msg.sender) != supplierId) revert AgreementNotSupplier(agreementId, msg.sender);
        if (state != AG_PROPOSED) revert AgreementWrongState(agreementId, _effectiveState(a, supplierId));
        if (_firmStatus(supplierId) == STATUS_DISRUPTED) revert FirmDisrupted(supplierId);
        Firm memory consumer = _firm(a.consumerId);
        if (consumer.status == STATUS_LEFT) revert FirmUnknown(a.consumerId);
        _accept(agreementId, a, o, msg.sender, consumer.owner);
    }

    /// @inheritdoc IAgreementBook
    function rejectAgreement(uint256 agreementId) external {
        Agreement storage a = _agreements[agreementId];
        uint8 state = a.state;
        if (state == AG_NONE) revert AgreementUnknown(agreementId);
        uint32 supplierId = _offer(a.offerId).supplierId;
        if (_firmIdOf(msg.sender) != supplierId) revert AgreementNotSupplier(agreementId, msg.sender);
        if (state != AG_PROPOSED) revert AgreementWrongState(agreementId, _effectiveState(a, supplierId));
        a.state = AG_REJECTED;
        emit AgreementRejected(agreementId);
    }

    /// @inheritdoc IAgreementBook
    function terminateAgreement(uint256 agreementId) external {
        Agreement storage a = _agreements[agreementId];
        uint8 state = a.state;
        if (state == AG_NONE) revert AgreementUnknown(agreementId);
        uint32 supplierId = _offer(a.offerId).supplierId;
        uint32 callerFirm = _firmIdOf(msg.sender);
        // False positive: slither's taint is field-insensitive (block values stored in Member/Agreement slots); firm ids, not balances or times.
        // slither-disable-next-line incorrect-equality
        if (callerFirm == 0 || (callerFirm != supplierId && callerFirm != a.consumerId)) {
            revert AgreementNotParty(agreementId, msg.sender);
        }
        if (state != AG_PROPOSED && state != AG_ACTIVE) {
            revert AgreementWrongState(agreementId, _effectiveState(a, supplierId));
        }
        if (state == AG_ACTIVE) _release(a, supplierId);
        a.state = AG_TERMINATED;
        emit AgreementTerminated(agreementId, msg.sender);
    }

    /// @inheritdoc IAgreementBook
    function closeAgreement(uint256 agreementId) external {
        Agreement storage a = _agreements[agreementId];
        uint8 state = a.state;
        if (state == AG_NONE) revert AgreementUnknown(agreementId);
        uint32 supplierId = _offer(a.offerId).supplierId;
        if (state != AG_ACTIVE) revert AgreementWrongState(agreementId, _effectiveState(a, supplierId));
        uint256 endsAt = uint256(a.startedAt) + a.duration;
        // By design: agreements expire at startedAt + duration (docs/platform.md); seconds of validator skew do not matter.
        // slither-disable-next-line timestamp
        if (block.timestamp < endsAt) revert AgreementNotExpired(agreementId, endsAt);
        _release(a, supplierId);
        a.state = AG_CLOSED;
        emit AgreementClosed(agreementId);
    }

    /// @inheritdoc IAgreementBook
    function recordDelivery(uint256 agreementId, uint64 quantity) external {
        Agreement storage a = _agreements[agreementId];
        if (a.state == AG_NONE) revert AgreementUnknown(agreementId);
        if (_firmIdOf(msg.sender) != a.consumerId && !hasRole(METER_ROLE, msg.sender)) {
            revert AgreementNotMeter(agreementId, msg.sender);
        }
        uint8 effective = _effectiveState(a, _offer(a.offerId).supplierId);
        if (effective != AG_ACTIVE) revert AgreementWrongState(agreementId, effective);
        if (quantity == 0) revert ZeroQuantity();
        uint128 delivered = _delivered[agreementId] + quantity;
        _delivered[agreementId] = delivered;
        emit DeliveryRecorded(agreementId, quantity, delivered, (uint256(quantity) * a.price) / 1000);
    }

    /// @inheritdoc IAgreementBook
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
        )
    {
        Agreement storage a = _agreements[agreementId];
        Agreement memory m = a;
        if (m.state == AG_NONE) revert AgreementUnknown(agreementId);
        offerId = m.offerId;
        supplierId = _offer(offerId).supplierId;
        consumerId = m.consumerId;
        quantity = m.quantity;
        price = m.price;
        state = _effectiveState(a, supplierId);
        startedAt = m.startedAt;
        endsAt = startedAt == 0 ? 0 : startedAt + m.duration;
        duration = m.duration;
        delivered = _delivered[agreementId];
    }

    /// @inheritdoc IAgreementBook
    function agreementCount() external view returns (uint256) {
        return _agreementCount;
    }

    // ------------------------------------------------------------------ internal

    /// @dev The sender's firm; reverts unless registered and able to trade.
    function _requireTradingConsumer(address account) private view returns (uint32 consumerId) {
        consumerId = _requireFirmOf(account);
        if (_firmStatus(consumerId) == STATUS_DISRUPTED) revert FirmDisrupted(consumerId);
    }

    function _propose(uint32 consumerId, uint256 offerId, uint64 quantity, uint40 duration)
        private
        returns (uint256 agreementId)
    {
        Offer storage o = _offer(offerId);
        uint32 supplierId = o.supplierId;
        if (supplierId == 0) revert OfferUnknown(offerId);
        if (o.status != OFFER_OPEN) revert OfferNotOpen(offerId);
        uint40 validUntil = o.validUntil;
        // By design: an offer is valid until validUntil (docs/platform.md); seconds of validator skew do not matter.
        // slither-disable-next-line timestamp
        if (block.timestamp >= validUntil) revert OfferExpired(offerId, validUntil);
        Firm memory supplier = _firm(supplierId);
        if (supplier.status == STATUS_LEFT) revert FirmUnknown(supplierId);
        if (supplier.status == STATUS_DISRUPTED) revert FirmDisrupted(supplierId);
        // False positive: slither's taint is field-insensitive (block values stored in Member/Agreement slots); firm ids, not balances or times.
        // slither-disable-next-line incorrect-equality
        if (supplierId == consumerId) revert AgreementSelfDealing(consumerId);
        if (quantity == 0) revert ZeroQuantity();
        if (duration == 0) revert AgreementZeroDuration();
        uint64 remaining = o.quantity - o.reserved;
        if (quantity > remaining) revert OfferOverAllocated(offerId, quantity, remaining);

        // One warm SSTORE (~100 gas) per batch item; batches are capped at MAX_BATCH and ids must be sequential.
        // slither-disable-next-line costly-loop
        agreementId = ++_agreementCount;
        Agreement storage a = _agreements[agreementId];
        a.offerId = uint32(offerId);
        a.consumerId = consumerId;
        a.quantity = quantity;
        a.price = o.price;
        a.duration = duration;
        a.state = AG_PROPOSED;
        emit AgreementProposed(agreementId, offerId, consumerId, quantity, duration);
        if (o.autoAccept) _accept(agreementId, a, o, supplier.owner, msg.sender);
    }

    /// @dev Accept: offer still open and valid, capacity available; then reserve and count as live.
    function _accept(uint256 agreementId, Agreement storage a, Offer storage o, address supplierOwner, address consumerOwner)
        private
    {
        uint256 offerId = a.offerId;
        if (o.status != OFFER_OPEN) revert OfferNotOpen(offerId);
        uint40 validUntil = o.validUntil;
        // By design: an offer is valid until validUntil (docs/platform.md); seconds of validator skew do not matter.
        // slither-disable-next-line timestamp
        if (block.timestamp >= validUntil) revert OfferExpired(offerId, validUntil);
        uint64 quantity = a.quantity;
        uint64 reserved = o.reserved;
        uint64 remaining = o.quantity - reserved;
        if (quantity > remaining) revert OfferOverAllocated(offerId, quantity, remaining);
        reserved += quantity;
        o.reserved = reserved;
        _incrementLive(supplierOwner);
        _incrementLive(consumerOwner);
        a.state = AG_ACTIVE;
        a.startedAt = uint40(block.timestamp);
        uint256 endsAt = block.timestamp + a.duration;
        emit AgreementAccepted(agreementId, offerId, reserved, endsAt > type(uint40).max ? type(uint40).max : uint40(endsAt));
    }

    /// @dev Release a live agreement: its reservation and both firms' live counts.
    function _release(Agreement storage a, uint32 supplierId) private {
        _offer(a.offerId).reserved -= a.quantity;
        _decrementLive(supplierId);
        _decrementLive(a.consumerId);
    }

    /// @dev The state views report: ACTIVE reads EXPIRED after endsAt, else SUSPENDED while the supplier is disrupted.
    function _effectiveState(Agreement storage a, uint32 supplierId) internal view returns (uint8) {
        uint8 state = a.state;
        if (state != AG_ACTIVE) return state;
        // By design: an ACTIVE agreement reads EXPIRED from startedAt + duration on (docs/platform.md).
        // slither-disable-next-line timestamp
        if (block.timestamp >= uint256(a.startedAt) + a.duration) return AG_EXPIRED;
        if (_firmStatus(supplierId) == STATUS_DISRUPTED) return AG_SUSPENDED;
        return AG_ACTIVE;
    }
}
