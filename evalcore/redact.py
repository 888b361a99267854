"""One redaction policy for everything evalstage stores or prints about a target or judge.

What it hides (see docs/secrets.md):

* header values (``headers: {X-Api-Key: ...}`` keeps the names, never the values);
* URL user info (``user:pass@``) and secret-looking query parameters (``key``, ``token``,
  ``api_key``, ``access_token``, ``sig`` ...);
* the value of any mapping key that looks secret (``api_key``, ``token``, ``password``,
  ``secret``, ``authorization`` ...; ``max_tokens`` and ``api_key_env`` are not secrets);
* in free text (error bodies echoed by a server, log lines): the literal value of every
  configured key environment variable (the variables named by ``api_key_env``, headers given
  as ``{env: NAME}``, and the usual ``*_API_KEY``/``*_TOKEN``/``*_SECRET``/``*_PASSWORD``
  variables), ``Bearer``/``Basic`` credentials, URL user info and secret query parameters.

A value written ``{"env": "NAME"}`` is a *reference*: it names the variable that holds the
secret and is kept as is (it is how secrets travel through Prefect flow parameters).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any
from urllib.parse import parse_qsl, quote, urlsplit, urlunsplit

__all__ = [
    "KEY_QUALIFIERS",
    "MASK",
    "SECRET_WORDS",
    "env_secrets",
    "is_reference",
    "is_secret_key",
    "key_words",
    "literal_secrets",
    "redact_text",
    "redact_url",
    "redact_value",
    "register_key_vars",
    "url_has_secret",
]

MASK = "***"
MIN_SECRET_LEN = 6
"""Shorter environment values are not masked in free text (they would mangle ordinary words)."""

SECRET_WORDS = frozenset(
    {
        "token",
        "secret",
        "password",
        "passwd",
        "pwd",
        "passphrase",
        "authorization",
        "cookie",
        "credential",
        "credentials",
        "sig",
        "signature",
        "apikey",
        "bearer",
    }
)
"""Words that make a mapping key, header name or query parameter name a secret's."""
KEY_QUALIFIERS = frozenset(
    {"api", "access", "secret", "private", "auth", "subscription", "client", "x"}
)
"""Words before ``key`` that make it a secret's (``api_key``, ``X-Key``; ``key`` alone is one)."""
_DEFAULT_KEY_VARS = ("OPENAI_API_KEY", "AZURE_OPENAI_API_KEY", "ANTHROPIC_API_KEY", "HF_TOKEN")
_ENV_NAME = re.compile(r"(?i)(^|_)(API_?KEY|TOKEN|SECRET|PASSWORD|PASSWD|ACCESS_KEY)($|_)")
_WORD = re.compile(r"[a-z0-9]+")
_CREDENTIAL = re.compile(
    r"\b([Bb]earer|BEARER)\s+[A-Za-z0-9._~+/=-]{6,}"
    r"|\b([Bb]asic|BASIC)\s+(?=\S*[0-9=])[A-Za-z0-9+/]{6,}={0,2}"
)
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/@]+@")
_QUERY_PARAM = re.compile(r"([?&;])([A-Za-z0-9_.-]+)=([^&#\s\"'<>]*)")
_HEADER_LINE = re.compile(
    r"(?i)([\"']?(?:authorization|x-api-key|api-key|cookie|x-auth-token)[\"']?\s*[:=]\s*[\"']?)"
    r"[^\"'\s,}]+(?:\s+[^\"'\s,}]+)?"
)


def key_words(key: str) -> list[str]:
    """The lower-cased words of a key: ``X-Api-Key`` and ``xApiKey`` give ``[x, api, key]``."""
    return _WORD.findall(re.sub(r"([a-z])([A-Z])", r"\1_\2", key).lower())


def is_secret_key(key: str) -> bool:
    """Whether a mapping key (or query parameter, header name) names a secret value.

    ``api_key``, ``X-Api-Key``, ``access_token``, ``password``, ``sig`` are; ``max_tokens``,
    ``api_key_env`` (it names a variable), ``model`` are not.
    """
    words = key_words(key)
    if not words or words[-1] == "env":
        return False
    if any(w in SECRET_WORDS for w in words) or words[-1] == "auth":  # not auth_mode
        return True
    for i, word in enumerate(words):
        if word == "key" and (len(words) == 1 or (i > 0 and words[i - 1] in KEY_QUALIFIERS)):
            return True
    return False


def is_reference(value: Any) -> bool:
    """Whether ``value`` is ``{"env": "NAME"}``: the name of the variable holding a secret."""
    return (
        isinstance(value, Mapping)
        and set(value) == {"env"}
        and isinstance(value["env"], str)
        and bool(value["env"])
    )


def url_has_secret(url: str) -> bool:
    """Whether ``url`` carries user info or a secret-looking query parameter."""
    try:
        parts = urlsplit(url)
        has_userinfo = parts.username is not None or parts.password is not None
    except ValueError:
        return False
    query = parse_qsl(parts.query, keep_blank_values=True)
    return has_userinfo or any(is_secret_key(k) for k, _ in query)


def redact_url(url: str) -> str:
    """``url`` without user info, and with secret-looking query parameters masked."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return redact_text(url)
    if not parts.scheme or not parts.netloc or not url_has_secret(url):
        return url
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{port}" if port is not None else host
    if parts.username is not None or parts.password is not None:
        netloc = f"{MASK}@{netloc}"
    query = "&".join(
        f"{quote(k, safe='')}={MASK if is_secret_key(k) else quote(v, safe='')}"
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
    )
    return urlunsplit((parts.scheme, netloc, parts.path, query, ""))


_CONFIGURED_VARS: set[str] = set()


def register_key_vars(names: Iterable[str]) -> None:
    """Mask the values of these variables too, from now on (a client names its key variables).

    Process-wide on purpose: the variable a target's ``api_key_env`` names may be called
    anything, and its value must stay out of every stored or printed text.
    """
    _CONFIGURED_VARS.update(n for n in names if n)


_SNAPSHOT: ContextVar[frozenset[str] | None] = ContextVar("evalstage_env_secrets", default=None)


@contextmanager
def env_snapshot() -> Iterator[None]:
    """Read the key variables once for the block (redacting 50,000 results at once, say)."""
    token = _SNAPSHOT.set(frozenset(env_secrets()))
    try:
        yield
    finally:
        _SNAPSHOT.reset(token)


def env_secrets(names: Iterable[str] = (), environ: Mapping[str, str] | None = None) -> set[str]:
    """The values (6+ characters) of the key variables.

    Those are ``names``, the registered ones, the usual ones (``OPENAI_API_KEY`` ...) and any
    variable whose name looks secret (``*_API_KEY``, ``*_TOKEN``, ``*_SECRET``, ...). Inside
    :func:`env_snapshot`, the values read when it began.
    """
    snapshot = _SNAPSHOT.get()
    if snapshot is not None and not names and environ is None:
        return set(snapshot)
    env = os.environ if environ is None else environ
    wanted = set(names) | set(_DEFAULT_KEY_VARS) | _CONFIGURED_VARS
    wanted |= {name for name in env if _ENV_NAME.search(name)}
    return {v for n in wanted if len(v := env.get(n) or "") >= MIN_SECRET_LEN}


def redact_text(text: str, secrets: Iterable[str] = (), *, patterns: bool = True) -> str:
    """``text`` with ``secrets`` and the key variables' values masked.

    ``patterns`` also masks what looks like a credential (``Bearer ...``, URL user info, header
    lines such as ``authorization: ...``, secret query parameters): for error and log text,
    not for a model's answer.
    """
    return _mask(text, _known(secrets), patterns)


def _known(secrets: Iterable[str]) -> list[str]:
    """The secrets to mask, longest first: ``secrets`` (4+ characters) and the key variables'."""
    return sorted({s for s in secrets if len(s) >= 4} | env_secrets(), key=len, reverse=True)


def _mask(text: str, known: list[str], patterns: bool) -> str:
    for secret in known:
        if secret in text:
            text = text.replace(secret, MASK)
    if not patterns:
        return text
    text = _CREDENTIAL.sub(lambda m: f"{m.group(1) or m.group(2)} {MASK}", text)
    text = _USERINFO.sub(lambda m: f"{m.group(1)}{MASK}@", text)
    text = _HEADER_LINE.sub(lambda m: f"{m.group(1)}{MASK}", text)
    return _QUERY_PARAM.sub(
        lambda m: f"{m.group(1)}{m.group(2)}={MASK if is_secret_key(m.group(2)) else m.group(3)}",
        text,
    )


def redact_value(
    value: Any, secrets: Iterable[str] = (), *, patterns: bool = True, keys: bool = True
) -> Any:
    """A copy of a JSON-like value safe to store or print.

    With ``keys``, secret-looking keys and every ``headers`` value are masked (references
    kept); URLs lose their credentials; every string goes through :func:`redact_text`.
    ``keys=False`` only masks the known secret values (for case details, whose keys are data).
    """
    known = _known(secrets)

    def walk(item: Any, key: str | None) -> Any:
        if not keys:
            if isinstance(item, Mapping):
                return {k: walk(v, None) for k, v in item.items()}
            if isinstance(item, list | tuple):
                return [walk(v, None) for v in item]
            return _mask(item, known, patterns) if isinstance(item, str) else item
        if is_reference(item):
            return dict(item)
        if isinstance(item, Mapping):
            if key is not None and key_words(key)[-1:] == ["headers"]:
                return {str(k): dict(v) if is_reference(v) else MASK for k, v in item.items()}
            return {str(k): walk(v, str(k)) for k, v in item.items()}
        if isinstance(item, list | tuple):
            return [walk(v, key) for v in item]
        if key is not None and is_secret_key(key) and item not in (None, "", True, False):
            return MASK
        if isinstance(item, str):
            if re.match(r"(?i)^[a-z][a-z0-9+.-]*://", item):
                return _mask(redact_url(item), known, patterns)
            return _mask(item, known, patterns)
        return item

    return walk(value, None)


def literal_secrets(value: Any, path: str = "") -> list[str]:
    """Where ``value`` holds a literal secret: a header value, a secret-keyed value, URL creds.

    Returns dotted paths (``args.headers.X-Token``); references (``{"env": NAME}``) are fine.
    """
    found: list[str] = []
    if is_reference(value):
        return found
    if isinstance(value, Mapping):
        for k, v in value.items():
            where = f"{path}.{k}" if path else str(k)
            if key_words(str(k))[-1:] == ["headers"] and isinstance(v, Mapping):
                found += [f"{where}.{h}" for h, hv in v.items() if not is_reference(hv)]
            elif is_secret_key(str(k)) and v not in (None, "", True, False):
                if not is_reference(v):
                    found.append(where)
            else:
                found += literal_secrets(v, where)
    elif isinstance(value, list | tuple):
        for i, v in enumerate(value):
            found += literal_secrets(v, f"{path}[{i}]")
    elif isinstance(value, str) and "://" in value and url_has_secret(value):
        found.append(path)
    return found
