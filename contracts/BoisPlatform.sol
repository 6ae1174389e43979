// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AgreementBook} from "./execution/AgreementBook.sol";

/// @title BoisPlatform - the deployable BOIS platform.
/// @notice The composition of the three layers: FirmRegistry (physical) <- OfferBook (searching)
/// <- AgreementBook (execution). The deployer holds DEFAULT_ADMIN_ROLE and manages
/// OPERATOR_ROLE and METER_ROLE. See docs/platform.md.
contract BoisPlatform is AgreementBook {
    /// @notice Deploy the platform; the deployer becomes the admin.
    constructor() {
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
    }
}
