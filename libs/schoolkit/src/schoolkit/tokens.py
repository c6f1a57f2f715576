"""Short-lived internal tokens (signed JWT, EdDSA) that carry the caller from gateway to service.

The gateway holds the private key and mints one token per upstream call, with the target service
as audience and a lifetime of at most 60 seconds. Services hold only the public key: a service
that is compromised cannot mint tokens for its peers.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from schoolkit.context import Caller

ALGORITHM = "EdDSA"
ISSUER = "school-gateway"
MAX_LIFETIME_S = 60


class TokenError(Exception):
    """The token is missing, malformed, expired, for another audience or badly signed."""


def generate_keypair(private_path: Path, public_path: Path) -> None:
    """Write a new Ed25519 key pair as PEM files (private key readable by the owner only)."""
    key = Ed25519PrivateKey.generate()
    private_path.parent.mkdir(parents=True, exist_ok=True)
    private_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    private_path.chmod(0o600)
    public_path.write_bytes(
        key.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )


def load_private_key(path: str | Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path}: not an Ed25519 private key")
    return key


def load_public_key(path: str | Path) -> Ed25519PublicKey:
    key = serialization.load_pem_public_key(Path(path).read_bytes())
    if not isinstance(key, Ed25519PublicKey):
        raise ValueError(f"{path}: not an Ed25519 public key")
    return key


@dataclass
class TokenIssuer:
    """Mints internal tokens; lives in the gateway (and in tests)."""

    private_key: Ed25519PrivateKey
    lifetime_s: int = 30
    issuer: str = ISSUER

    def __post_init__(self) -> None:
        if not 0 < self.lifetime_s <= MAX_LIFETIME_S:
            raise ValueError(f"internal token lifetime must be 1..{MAX_LIFETIME_S} s")

    def issue(self, caller: Caller, audience: str, request_id: str = "", now: float | None = None) -> str:
        issued = int(time.time() if now is None else now)
        claims: dict[str, Any] = {
            "iss": self.issuer,
            "aud": audience,
            "sub": caller.subject,
            "sch": caller.school_id,
            "roles": list(caller.roles),
            "perms": sorted(caller.permissions),
            "scp": sorted(caller.scopes),
            "sup": caller.stepped_up_until,
            "usr": caller.username,
            "name": caller.full_name,
            "rid": request_id,
            "iat": issued,
            "nbf": issued - 5,
            "exp": issued + self.lifetime_s,
            "jti": uuid.uuid4().hex,
        }
        return jwt.encode(claims, self.private_key, algorithm=ALGORITHM)


@dataclass
class TokenVerifier:
    """Checks internal tokens for one audience (a service's own name)."""

    public_key: Ed25519PublicKey
    audience: str
    issuer: str = ISSUER
    leeway_s: int = 2

    def verify(self, token: str) -> Caller:
        if not token:
            raise TokenError("missing token")
        try:
            # The algorithm list is fixed: "none" and HMAC-with-public-key confusions are refused.
            claims = jwt.decode(
                token,
                self.public_key,
                algorithms=[ALGORITHM],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway_s,
                options={"require": ["exp", "iat", "aud", "iss", "sub", "sch"]},
            )
        except jwt.PyJWTError as exc:
            raise TokenError(str(exc)) from None
        if claims["exp"] - claims["iat"] > MAX_LIFETIME_S:
            raise TokenError("token lifetime too long")
        return Caller(
            subject=str(claims["sub"]),
            school_id=str(claims["sch"]),
            roles=tuple(claims.get("roles") or ()),
            permissions=frozenset(claims.get("perms") or ()),
            username=str(claims.get("usr") or ""),
            full_name=str(claims.get("name") or ""),
            scopes=frozenset(claims.get("scp") or ()),
            stepped_up_until=int(claims.get("sup") or 0),
        )
