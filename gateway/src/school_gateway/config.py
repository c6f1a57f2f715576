"""Gateway settings from the environment: the only module that reads os.environ; fails fast listing every problem."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from marshmallow import ValidationError, validates_schema

from schoolkit.config import ConfigError, EnvSchema, fields, load_config, validate

__all__ = ["ConfigError", "Settings", "load_settings"]

# host:port, [v6]:port or a gRPC URI such as unix:/run/x.sock or dns:///name:port.
_ADDR = re.compile(r"^(?:[A-Za-z0-9_.-]+|\[[0-9A-Fa-f:]+\]):\d{1,5}$|^(?:unix|unix-abstract|dns|ipv4|ipv6):.+$")
_ADDR_VAR = re.compile(r"^[A-Z][A-Z0-9_]*_GRPC_ADDR$")
_BUILT_IN_ADDRS = frozenset({"IDENTITY_GRPC_ADDR", "STUDENTS_GRPC_ADDR", "GRADES_GRPC_ADDR"})
_LOCALES = ("vi", "en")
_TRUE = ("1", "true", "yes", "on")
_FALSE = ("0", "false", "no", "off")


def _addr(name: str, default: str) -> Any:
    return fields.String(
        data_key=name,
        load_default=default,
        validate=validate.Regexp(_ADDR, error="must be host:port (e.g. 127.0.0.1:50052)"),
    )


def _spellings(words: tuple[str, ...]) -> set[object]:
    return {v for w in words for v in (w, w.upper(), w.capitalize())}


class _Flag(fields.Boolean):
    """A boolean variable that accepts only the usual spellings, so a typo is a start-up error."""

    truthy = _spellings(_TRUE)
    falsy = _spellings(_FALSE)


class GatewayEnv(EnvSchema):
    """Every variable the gateway reads; field data keys are the variable names."""

    secret_key = fields.String(
        data_key="GATEWAY_SECRET_KEY",
        required=True,
        validate=validate.Length(min=32, error="must be at least 32 characters (use a random value)"),
    )
    private_key_file = fields.String(data_key="INTERNAL_TOKEN_PRIVATE_KEY_FILE", load_default="var/keys/internal.key")
    plugins = fields.String(data_key="GATEWAY_PLUGINS", load_default="core,students,grades,staff,access")
    identity_addr = _addr("IDENTITY_GRPC_ADDR", "127.0.0.1:50051")
    students_addr = _addr("STUDENTS_GRPC_ADDR", "127.0.0.1:50052")
    grades_addr = _addr("GRADES_GRPC_ADDR", "127.0.0.1:50053")
    grpc_timeout_s = fields.Float(
        data_key="GRPC_TIMEOUT_S",
        load_default=5.0,
        validate=validate.Range(min=0.05, max=60, error="must be between 0.05 and 60 seconds"),
    )
    session_cache_seconds = fields.Float(
        data_key="SESSION_CACHE_SECONDS",
        load_default=2.0,
        # Above 5 s a revoked session could outlive the 5-second revocation bar (quality bar S7).
        validate=validate.Range(min=0, max=5, error="must be between 0 and 5 seconds"),
    )
    session_cookie_secure = _Flag(data_key="SESSION_COOKIE_SECURE", load_default=False)
    log_level = fields.String(
        data_key="LOG_LEVEL",
        load_default="INFO",
        validate=validate.OneOf(["DEBUG", "INFO", "WARNING", "ERROR", "debug", "info", "warning", "error"]),
    )
    default_locale = fields.String(data_key="DEFAULT_LOCALE", load_default="vi", validate=validate.OneOf(_LOCALES))
    proxy_hops = fields.Integer(
        data_key="GATEWAY_PROXY_HOPS",
        load_default=0,
        validate=validate.Range(min=0, max=5, error="must be 0..5 (reverse proxies in front of the gateway)"),
    )
    prometheus_multiproc_dir = fields.String(data_key="PROMETHEUS_MULTIPROC_DIR", load_default="")

    @validates_schema
    def _check_plugins(self, data: dict[str, Any], **_: Any) -> None:
        names = [n.strip() for n in str(data.get("plugins", "")).split(",") if n.strip()]
        if not names:
            raise ValidationError("must name at least one plugin", "GATEWAY_PLUGINS")
        bad = [n for n in names if not re.fullmatch(r"[a-z][a-z0-9_-]*", n)]
        if bad:
            raise ValidationError(f"invalid plugin name(s): {', '.join(bad)}", "GATEWAY_PLUGINS")


@dataclass(frozen=True)
class Settings:
    """The gateway's validated configuration (immutable for the life of the process)."""

    secret_key: str
    private_key_file: Path
    plugins: tuple[str, ...]
    grpc_addrs: Mapping[str, str]
    grpc_timeout_s: float = 5.0
    session_cache_seconds: float = 2.0
    session_cookie_secure: bool = False
    log_level: str = "INFO"
    default_locale: str = "vi"
    proxy_hops: int = 0
    prometheus_multiproc_dir: str = ""

    def addr(self, variable: str) -> str | None:
        """The address held by ``variable`` (e.g. STUDENTS_GRPC_ADDR), or None when it is not set."""
        return self.grpc_addrs.get(variable)


def load_settings(environ: Mapping[str, str] | None = None) -> Settings:
    """Validate ``environ`` (default: the process environment) and return the settings.

    Besides the three built-in upstreams, any ``<PEER>_GRPC_ADDR`` variable is accepted so that a
    third-party plugin can name its own upstream without this module knowing about it.
    """
    env: Mapping[str, str] = os.environ if environ is None else environ
    problems: dict[str, list[str]] = {}
    try:
        data = load_config(GatewayEnv, "gateway", env)
    except ConfigError as err:
        problems.update(err.problems)
        data = {}
    addrs: dict[str, str] = {}
    for name, value in env.items():
        # The built-in three are validated (and defaulted) by the schema above.
        if _ADDR_VAR.match(name) and value and name not in _BUILT_IN_ADDRS:
            if _ADDR.match(value):
                addrs[name] = value
            else:
                problems.setdefault(name, []).append("must be host:port (e.g. 127.0.0.1:50052)")
    if data:
        addrs.update(
            IDENTITY_GRPC_ADDR=data["identity_addr"],
            STUDENTS_GRPC_ADDR=data["students_addr"],
            GRADES_GRPC_ADDR=data["grades_addr"],
        )
        key_file = Path(data["private_key_file"])
        if not key_file.is_file():
            problems.setdefault("INTERNAL_TOKEN_PRIVATE_KEY_FILE", []).append(f"no such file: {key_file}")
    if problems:
        raise ConfigError("gateway", problems)
    return Settings(
        secret_key=data["secret_key"],
        private_key_file=Path(data["private_key_file"]),
        plugins=tuple(dict.fromkeys(n.strip() for n in data["plugins"].split(",") if n.strip())),
        grpc_addrs=addrs,
        grpc_timeout_s=float(data["grpc_timeout_s"]),
        session_cache_seconds=float(data["session_cache_seconds"]),
        session_cookie_secure=bool(data["session_cookie_secure"]),
        log_level=str(data["log_level"]).upper(),
        default_locale=data["default_locale"],
        proxy_hops=int(data["proxy_hops"]),
        prometheus_multiproc_dir=data["prometheus_multiproc_dir"],
    )
