"""Where the signing key for a JSON-RPC node comes from: an environment variable or a keystore.

Keys never come from the command line (they would end up in shell history and in ``ps``),
are never printed and never written to a manifest or a results folder::

    export BOIS_PRIVATE_KEY=0x...                      # or
    bois deploy --rpc-url http://node:8545 --keystore deployer.json   # password: BOIS_KEYSTORE_PASSWORD or prompt

Precedence: ``--keystore`` (with its password from ``BOIS_KEYSTORE_PASSWORD``, else a prompt
when standard input is a terminal), then ``BOIS_PRIVATE_KEY``, then nothing: on a
development node (chain id 31337: anvil, hardhat) :class:`bois.chain.RpcChain` then uses the
node's first well-known development account, and refuses anywhere else.
"""

from __future__ import annotations

import getpass
import json
import os
import sys
from pathlib import Path
from typing import Mapping

from .errors import BoisError

KEY_ENV = "BOIS_PRIVATE_KEY"
PASSWORD_ENV = "BOIS_KEYSTORE_PASSWORD"


class KeySourceError(BoisError, ValueError):
    """The key could not be read: names the source (file or variable), never the key."""


def _parse_hex_key(text: str, source: str) -> bytes:
    raw = text.strip()
    if raw.startswith(("0x", "0X")):
        raw = raw[2:]
    try:
        key = bytes.fromhex(raw)
    except ValueError:
        raise KeySourceError(f"{source}: not a hex private key") from None
    if len(key) != 32:
        raise KeySourceError(f"{source}: a private key is 32 bytes (64 hex digits), got {len(key)} bytes")
    return key


def read_keystore(path: str | Path, password: str | None = None, env: Mapping[str, str] | None = None) -> bytes:
    """Decrypt an Ethereum keystore (V3 JSON) file; the password from ``password``, the
    environment (``BOIS_KEYSTORE_PASSWORD``) or a prompt on a terminal."""
    from eth_account import Account

    env = os.environ if env is None else env
    p = Path(path)
    try:
        keyfile = json.loads(p.read_text())
    except FileNotFoundError:
        raise KeySourceError(f"--keystore {p}: no such file") from None
    except (OSError, ValueError) as exc:
        raise KeySourceError(f"--keystore {p}: not a readable keystore JSON file ({type(exc).__name__})") from None
    if not isinstance(keyfile, dict) or ("crypto" not in keyfile and "Crypto" not in keyfile):
        raise KeySourceError(f"--keystore {p}: not an Ethereum keystore (no 'crypto' section)")
    if password is None:
        password = env.get(PASSWORD_ENV)
    if password is None:
        if not sys.stdin.isatty():
            raise KeySourceError(f"--keystore {p}: set {PASSWORD_ENV} (no terminal to ask for the password)")
        password = getpass.getpass(f"password for {p}: ")
    try:
        return bytes(Account.decrypt(keyfile, password))
    except ValueError:
        raise KeySourceError(f"--keystore {p}: wrong password (or a damaged file)") from None
    except Exception as exc:  # unsupported kdf/cipher, missing fields
        raise KeySourceError(f"--keystore {p}: cannot decrypt ({type(exc).__name__})") from None


def resolve_key(keystore: str | Path | None = None, env: Mapping[str, str] | None = None) -> bytes | None:
    """The signing key for a JSON-RPC node, or ``None`` (development node default)."""
    env = os.environ if env is None else env
    if keystore is not None:
        return read_keystore(keystore, env=env)
    value = env.get(KEY_ENV)
    if value:
        return _parse_hex_key(value, f"${KEY_ENV}")
    return None


__all__ = ["KEY_ENV", "PASSWORD_ENV", "KeySourceError", "read_keystore", "resolve_key"]
