"""Scrub personal data and secrets out of imported traffic before anything is written.

Each kind of value is found by a pattern and, where a checksum exists, confirmed by it, so that
ordinary numbers survive: card numbers must pass the Luhn check (``stdnum.luhn``), IBANs the
ISO 13616 mod-97 check (``stdnum.iban``), phone numbers must be valid numbers for one of the
configured regions, or possible ones of ten digits or more for the first (``phonenumbers``,
Google's libphonenumber), IP addresses must parse (``ipaddress``). Secrets
are API-key and token shapes (``sk-...``, ``ghp_...``, ``AKIA...``, JWTs, ``Bearer ...``,
Stripe ``sk_live_...``, ``github_pat_...``, ``glpat-...``, ``hf_...``, ``Basic`` credentials,
and the value of every ``key: value`` / ``key=value`` / ``"key": "value"`` whose key names a
secret: ``password``, ``secret``, ``token``, ``api_key``, ``x-api-key``, ``Authorization`` ...)
plus every value stored under a JSON key that names a secret (:func:`names_secret`; ``key``
or ``token_count`` do not). A team adds its own patterns (customer ids, order numbers) by name.

A value is replaced by a placeholder naming its kind, ``<EMAIL_1>``, ``<PHONE_2>``: the same
value always gets the same placeholder within one :class:`Scrubber` (one import), so two
requests by one user still look alike to a reviewer. :meth:`Scrubber.report` counts what was
replaced per kind; it never holds a value.
"""

from __future__ import annotations

import ipaddress
import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import phonenumbers
from stdnum import iban, luhn

from evalstage.evalcore.errors import SuiteError
from evalstage.evalcore.redact import KEY_QUALIFIERS, SECRET_WORDS, key_words

_SECRET = re.compile(
    r"\b(?:sk|pk|rk)-(?:[A-Za-z0-9_-]{2,}-)?[A-Za-z0-9_-]{16,}"  # OpenAI-style
    r"|\b(?:sk|pk|rk)_(?:live|test)_[A-Za-z0-9]{10,}"  # Stripe
    r"|\bgh[pousr]_[A-Za-z0-9]{20,}"  # GitHub tokens
    r"|\bgithub_pat_[A-Za-z0-9_]{20,}"  # GitHub fine-grained tokens
    r"|\bglpat-[A-Za-z0-9_-]{20,}"  # GitLab personal access tokens
    r"|\bhf_[A-Za-z0-9]{30,}"  # Hugging Face tokens
    r"|\bxox[abposr]-[A-Za-z0-9-]{10,}"  # Slack tokens
    r"|\b(?:AKIA|ASIA)[0-9A-Z]{16}\b"  # AWS access key ids
    r"|\bAIza[0-9A-Za-z_-]{35}"  # Google API keys
    r"|\beyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}"  # JWTs
    r"|(?i:(?<=bearer ))[A-Za-z0-9._~+/=-]{12,}"
    r"|(?<=Basic )(?=[A-Za-z0-9+/]*\d)[A-Za-z0-9+/]{8,}={0,2}"  # HTTP basic credentials
)
_KEYED = re.compile(
    r"(?:api[_ -]?key|access[_-]?key|private[_-]?key|secret|token|password|passwd|pwd"
    r"|passphrase|credentials?|auth)[\"']?\s*[:=]\s*[\"']?(?P<value>[A-Za-z0-9_./+=~-]{8,})"
    r"|\bauthorization[\"']?\s*[:=]\s*[\"']?(?:(?:basic|bearer|token|digest)\s+)?"
    r"(?P<auth>[A-Za-z0-9_./+=~-]{8,})",
    re.IGNORECASE,
)  # `password: ...`, `"api_key": "..."`, `Authorization: Basic ...`: the value is replaced
_EMAIL = re.compile(r"(?<![\w.%+-])[\w.%+-]+@[^\W_](?:[\w-]*[^\W_])?(?:\.[\w-]+)*\.[^\W\d_]{2,}\b")
_IBAN = re.compile(
    r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b", re.IGNORECASE
)
_CARD = re.compile(r"(?<![\d-])\d(?:[ -]?\d){12,18}(?![\d-])")
_IPV4 = re.compile(r"(?<![\d.])(?:\d{1,3}\.){3}\d{1,3}(?!\d|\.\d)")  # "... is 8.8.8.8." too
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f]{0,4}(?![\w:])")
_DIGITS = re.compile(r"\d")
_PLACEHOLDER = re.compile(r"<[A-Z][A-Z0-9_]*_\d+>")

DEFAULT_PHONE_REGIONS = ("US", "GB", "DE", "FR")
"""Regions whose national formats are recognised (international ``+`` numbers always are)."""

KINDS = ("secret", "email", "iban", "card", "ip", "phone")
"""The built-in kinds, in the order they are looked for (user patterns come first)."""


def _valid_iban(text: str) -> bool:
    return bool(iban.is_valid(text))


def _valid_card(text: str) -> bool:
    digits = re.sub(r"\D", "", text)
    return 13 <= len(digits) <= 19 and bool(luhn.is_valid(digits))


def _valid_ip(text: str) -> bool:
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return False
    if address.version == 4 or text.count(":") >= 3:
        return True
    groups = [g for g in text.split(":") if g]  # fe80::1, 2001:db8::1 (not "::", "ab::cd")
    return "::" in text and len(groups) >= 2 and any(c.isdigit() for c in text)


_SECRET_NAMES = (SECRET_WORDS - {"sig"}) | {"auth"}
"""The redaction vocabulary, read as the last word of a JSON key of traffic: a field named
``auth`` holds a secret, one named ``sig`` need not."""
_KEY_QUALIFIERS = KEY_QUALIFIERS - {"x"}


def names_secret(key: str) -> bool:
    """Whether a JSON key names a secret value (its last word does).

    ``api_key``, ``X-Api-Key``, ``access_token``, ``client_secret``, ``password``,
    ``Authorization`` do; ``key``, ``token_count``, ``max_tokens``, ``tokens``, ``secret_name``,
    ``api_key_env`` (it names a variable) do not: tool arguments keep their values.
    """
    words = key_words(key)
    if not words:
        return False
    last = words[-1]
    if last in _SECRET_NAMES:
        return True
    return last == "key" and len(words) > 1 and words[-2] in _KEY_QUALIFIERS


class Scrubber:
    """Replaces personal data and secrets by stable placeholders and counts what it replaced.

    ``patterns`` maps a name (the placeholder's kind, e.g. ``customer_id``) to a regular
    expression; ``phone_regions`` are the regions whose national formats (numbers written
    without ``+``) are recognised: the first one's possible numbers of ten digits or more, the
    others' valid numbers only.
    """

    def __init__(
        self,
        patterns: dict[str, str] | None = None,
        phone_regions: Sequence[str] = DEFAULT_PHONE_REGIONS,
    ) -> None:
        self.custom: list[tuple[str, re.Pattern[str]]] = []
        for name, pattern in (patterns or {}).items():
            if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", name):
                raise SuiteError(
                    f"pattern name {name!r} is not a plain name",
                    field="pattern",
                    hint="name it with letters, digits and _, e.g. customer_id=CUST-\\d{6}",
                )
            try:
                self.custom.append((name.lower(), re.compile(pattern)))
            except re.error as exc:
                raise SuiteError(
                    f"pattern {name!r} is not a valid regular expression ({exc})",
                    field="pattern",
                    hint="write a Python regular expression, e.g. CUST-\\d{6}",
                ) from None
        self.phone_regions = [r.strip().upper() for r in phone_regions if r.strip()]
        for region in self.phone_regions or [""]:
            if region not in phonenumbers.SUPPORTED_REGIONS:
                raise SuiteError(
                    f"unknown phone region {region!r}",
                    field="phone_region",
                    hint="use two-letter region codes such as US, GB, DE or FR",
                )
        self._seen: dict[tuple[str, str], str] = {}
        self._numbers: Counter[str] = Counter()
        self._counts: Counter[str] = Counter()

    def _placeholder(self, kind: str, value: str) -> str:
        key = (kind, value)
        if key not in self._seen:
            self._numbers[kind] += 1
            self._seen[key] = f"<{kind.upper()}_{self._numbers[kind]}>"
        self._counts[kind] += 1
        return self._seen[key]

    def _sub(
        self, kind: str, pattern: re.Pattern[str], text: str, valid: Callable[[str], bool]
    ) -> str:
        def replace(match: re.Match[str]) -> str:
            value = match.group(0)
            if _PLACEHOLDER.fullmatch(value) or not valid(value):
                return value
            return self._placeholder(kind, value)

        return pattern.sub(replace, text)

    def _keyed(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            group = "value" if match.group("value") is not None else "auth"
            value = match.group(group)
            start, end = match.span(group)
            offset = match.start()
            whole = match.group(0)
            name = self._placeholder("secret", value)
            return whole[: start - offset] + name + whole[end - offset :]

        return _KEYED.sub(replace, text)

    def _ibans(self, text: str) -> str:
        def replace(match: re.Match[str]) -> str:
            parts = match.group(0).split(" ")
            for n in range(len(parts), 0, -1):  # a word after the IBAN may look like a group
                candidate = " ".join(parts[:n])
                if _valid_iban(candidate):
                    rest = match.group(0)[len(candidate) :]
                    return self._placeholder("iban", candidate.replace(" ", "").upper()) + rest
            return match.group(0)

        return _IBAN.sub(replace, text)

    def _phones(self, text: str) -> str:
        for i, region in enumerate(self.phone_regions):
            if len(_DIGITS.findall(text)) < 7:
                break
            text = self._phones_in(text, region, primary=i == 0)
        return text

    def _phones_in(self, text: str, region: str, primary: bool) -> str:
        leniency = phonenumbers.Leniency.POSSIBLE if primary else phonenumbers.Leniency.VALID
        found = [
            m
            for m in phonenumbers.PhoneNumberMatcher(text, region, leniency=leniency)
            if phonenumbers.is_valid_number(m.number)
            or (primary and len(_DIGITS.findall(m.raw_string)) >= 10)
        ]  # the first region: also possible numbers of 10+ digits (555 numbers, new ranges)
        e164 = phonenumbers.PhoneNumberFormat.E164  # one placeholder per number, however written
        names = [
            self._placeholder("phone", phonenumbers.format_number(m.number, e164)) for m in found
        ]
        for match, name in reversed(list(zip(found, names, strict=True))):
            text = text[: match.start] + name + text[match.end :]
        return text

    def text(self, text: str) -> str:
        """``text`` with every value found replaced by its placeholder."""
        if not text:
            return text
        for name, pattern in self.custom:
            text = self._sub(name, pattern, text, lambda _: True)
        text = self._keyed(text)  # before the phones: digits inside a key are not a number
        text = self._sub("secret", _SECRET, text, lambda _: True)
        text = self._sub("email", _EMAIL, text, lambda _: True)
        text = self._ibans(text)
        text = self._sub("card", _CARD, text, _valid_card)
        text = self._sub("ip", _IPV4, text, _valid_ip)
        text = self._sub("ip", _IPV6, text, _valid_ip)
        return self._phones(text)

    def value(self, value: Any, key: str | None = None) -> Any:
        """A JSON value scrubbed: every string in it, and whole values under secret keys."""
        if key is not None and names_secret(key) and isinstance(value, str | int | float):
            return self._placeholder("secret", str(value)) if str(value) else value
        if isinstance(value, str):
            return self.text(value)
        if isinstance(value, list):
            return [self.value(item) for item in value]
        if isinstance(value, dict):
            return {k: self.value(v, str(k)) for k, v in value.items()}
        return value

    def values(self, items: Iterable[Any]) -> list[Any]:
        """Every item of ``items`` scrubbed (one placeholder table for all)."""
        return [self.value(item) for item in items]

    def report(self) -> dict[str, dict[str, int]]:
        """Per kind: how many replacements and how many distinct values (never the values)."""
        distinct = Counter(kind for kind, _ in self._seen)
        return {
            kind: {"replaced": self._counts[kind], "distinct": distinct[kind]}
            for kind in sorted(self._counts)
        }
