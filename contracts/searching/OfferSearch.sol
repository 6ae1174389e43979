// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {IOfferBook} from "../interfaces/IOfferBook.sol";
import {IFirmRegistry} from "../interfaces/IFirmRegistry.sol";

/// @title OfferSearch - read-only lens over the platform's offer book.
/// @notice Paginated search of compatible offers (docs/platform.md, "Search"). Ranking is off-chain.
contract OfferSearch {
    uint256 private constant MAX_LIMIT = 200;
    uint256 private constant CHUNK = 250;
    uint8 private constant FORM_COUNT = 7;
    uint8 private constant OFFER_OPEN = 1;
    uint8 private constant STATUS_OPERATING = 1;
    uint8 private constant STATUS_RECOVERED = 3;

    IOfferBook private immutable _platform;

    /// @notice Search the offers of `platform_`.
    /// @param platform_ The BoisPlatform address.
    constructor(IOfferBook platform_) {
        _platform = platform_;
    }

    /// @notice The platform this lens reads.
    function platform() external view returns (address) {
        return address(_platform);
    }

    /// @notice One page of open, valid offers of a trading supplier that match the query, in ascending id.
    /// @param form Energy form (0..6).
    /// @param minQuantity Minimum remaining quantity (quantity - reserved).
    /// @param minTemperature Minimum temperature, degrees C.
    /// @param maxDistance Maximum distance from (x, y) in metres; 0 means any distance.
    /// @param x Searching point, metres east.
    /// @param y Searching point, metres north.
    /// @param cursor First offer id to examine (0 is read as 1).
    /// @param limit Maximum matches, clamped to [1, 200].
    /// @return matches The matching offers (as rows, with supplier status and location).
    /// @return distances Floor of the Euclidean distance of each match, metres.
    /// @return nextCursor The id after the last offer examined, or 0 when all offers were scanned.
    // One linear scan with the query's filters inlined; splitting it would cost an extra call per offer chunk.
    // slither-disable-next-line cyclomatic-complexity
    function search(
        uint8 form,
        uint64 minQuantity,
        int16 minTemperature,
        uint64 maxDistance,
        int32 x,
        int32 y,
        uint256 cursor,
        uint256 limit
    ) external view returns (IOfferBook.OfferRow[] memory matches, uint256[] memory distances, uint256 nextCursor) {
        if (form >= FORM_COUNT) revert IFirmRegistry.UnknownEnergyForm(form);
        Query memory q = Query({
            form: form,
            minQuantity: minQuantity,
            minTemperature: minTemperature,
            maxDistanceSq: uint256(maxDistance) * uint256(maxDistance),
            x: x,
            y: y
        });
        if (limit == 0) limit = 1;
        if (limit > MAX_LIMIT) limit = MAX_LIMIT;
        uint256 total = _platform.offerCount();
        uint256 id = cursor == 0 ? 1 : cursor;
        matches = new IOfferBook.OfferRow[](limit);
        distances = new uint256[](limit);
        uint256 found;
        while (id <= total && found < limit) {
            // read ahead twice what is still needed (sparse matches), at least 32 and at most CHUNK offers
            uint256 want = 2 * (limit - found);
            // View-only calls to the immutable platform's own `offerWords`; at most ceil(offers/32) per page, nothing to block.
            // slither-disable-next-line calls-loop
            uint256[] memory words = _platform.offerWords(id, want < 32 ? 32 : (want > CHUNK ? CHUNK : want));
            uint256 n = words.length / 2;
            if (n == 0) break;
            uint256 i;
            for (; i < n && found < limit; ++i) {
                (bool ok, uint256 distance) = _matches(words[2 * i], words[2 * i + 1], q);
                if (!ok) continue;
                matches[found] = _row(id + i, words[2 * i], words[2 * i + 1]);
                distances[found] = distance;
                ++found;
            }
            id += i;
        }
        nextCursor = id <= total ? id : 0;
        // Shrinks the two result arrays to `found` in place: lengths only decrease, so it is memory-safe.
        // slither-disable-next-line assembly
        assembly ("memory-safe") {
            mstore(matches, found)
            mstore(distances, found)
        }
    }

    struct Query {
        uint8 form;
        uint64 minQuantity;
        int16 minTemperature;
        uint256 maxDistanceSq;
        int32 x;
        int32 y;
    }

    function _matches(uint256 w0, uint256 w1, Query memory q) private view returns (bool, uint256) {
        // By design: search skips offers whose validUntil has passed (docs/platform.md).
        // slither-disable-next-line timestamp
        if (uint8(w0 >> 40) != OFFER_OPEN || uint40(w0 >> 72) <= block.timestamp || uint8(w0 >> 32) != q.form) {
            return (false, 0);
        }
        uint8 supplierStatus = uint8(w1 >> 64);
        if (supplierStatus != STATUS_OPERATING && supplierStatus != STATUS_RECOVERED) return (false, 0);
        if (uint64(w0 >> 152) - uint64(w1) < q.minQuantity || int16(uint16(w0 >> 56)) < q.minTemperature) {
            return (false, 0);
        }
        int256 dx = int256(int32(uint32(w1 >> 72))) - int256(q.x);
        int256 dy = int256(int32(uint32(w1 >> 104))) - int256(q.y);
        uint256 sq = uint256(dx * dx) + uint256(dy * dy);
        if (q.maxDistanceSq > 0 && sq > q.maxDistanceSq) return (false, 0);
        return (true, Math.sqrt(sq));
    }

    function _row(uint256 offerId, uint256 w0, uint256 w1) private pure returns (IOfferBook.OfferRow memory) {
        return IOfferBook.OfferRow({
            offerId: offerId,
            supplierId: uint32(w0),
            form: uint8(w0 >> 32),
            status: uint8(w0 >> 40),
            autoAccept: uint8(w0 >> 48) != 0,
            temperature: int16(uint16(w0 >> 56)),
            validUntil: uint40(w0 >> 72),
            price: uint40(w0 >> 112),
            quantity: uint64(w0 >> 152),
            reserved: uint64(w1),
            supplierStatus: uint8(w1 >> 64),
            x: int32(uint32(w1 >> 72)),
            y: int32(uint32(w1 >> 104))
        });
    }
}
