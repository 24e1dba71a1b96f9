"""Opaque page cursors: where a page ended, bound to the request and the ranking it came from.

A cursor is `<payload>.<check>`, both base64url without padding: the payload is compact JSON
`{"v": 1, "o": offset, "s": score, "i": id, "q": request, "r": ranking}` and the check is the
first 12 bytes of SHA-256 over it.

- `o`: how many matches earlier pages returned; the next page's impressions are logged at
  positions `o + 1, o + 2, ...` of the browsing session.
- `s`, `i`: the raw score and id of the last match returned (`retrieval.PageKey`); the next
  page is what ranks after it, so dismissing a shown match, or the index picking up edits of
  other candidates, neither repeats nor skips what is left of an unchanged ranking.
- `q`: digest of what defines the list (side, subject, `min_score`, `include_dismissed`,
  filters). Another request's cursor is refused (422) rather than silently mixing two lists.
- `r`: digest of what defines the scores (model version, short-list sizes). A cursor from
  another model is stale (409): its scores do not compare with the new model's.

The check catches an edited or truncated cursor; it is not a secret-keyed signature, because a
forged cursor gains nothing: it can only point into a ranking its holder may already read (the
subject is authorized on every request, and `q` ties the cursor to that subject).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import math
import re
from dataclasses import dataclass
from typing import Any

from app.matching.errors import InvalidCursorError, StaleCursorError
from app.matching.retrieval import PageKey

VERSION = 1
MAX_OFFSET = 1_000_000
MAX_ID = 64
DIGEST_CHARS = 16
CHECK_BYTES = 12
CURSOR_MAX_LENGTH = 512
CURSOR_PATTERN = r"^[A-Za-z0-9_-]{1,480}\.[A-Za-z0-9_-]{16}$"
_DIGEST = re.compile(r"^[0-9a-f]{16}$")


def digest(value: Any) -> str:
    """A short stable digest of a JSON-able value (keys sorted)."""
    canonical = json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()[:DIGEST_CHARS]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _check(payload: bytes) -> bytes:
    return hashlib.sha256(b"talent-match/cursor/" + payload).digest()[:CHECK_BYTES]


@dataclass(frozen=True, slots=True)
class Cursor:
    offset: int
    key: PageKey
    request: str
    ranking: str

    def encode(self) -> str:
        payload = json.dumps(
            {
                "v": VERSION,
                "o": self.offset,
                "s": self.key.score,
                "i": self.key.id,
                "q": self.request,
                "r": self.ranking,
            },
            separators=(",", ":"),
        ).encode()
        return f"{_b64(payload)}.{_b64(_check(payload))}"


def _invalid(reason: str) -> InvalidCursorError:
    return InvalidCursorError(f"cursor is not valid here: {reason}; start again without it")


def decode(token: str, *, request: str, ranking: str) -> Cursor:
    """The cursor `token` names, checked against this request's digests.

    Raises InvalidCursorError (malformed, edited, another request's) or StaleCursorError
    (the ranking changed since)."""
    head, _, tail = token.partition(".")
    try:
        payload, check = _unb64(head), _unb64(tail)
    except (binascii.Error, ValueError) as exc:
        raise _invalid("not base64url") from exc
    if check != _check(payload):
        raise _invalid("its check does not match (edited or truncated)")
    try:
        data = json.loads(payload)
    except ValueError as exc:  # a valid check over a payload we never wrote
        raise _invalid("not JSON") from exc
    if not isinstance(data, dict) or data.get("v") != VERSION:
        raise _invalid("unknown version")
    offset, score, last_id = data.get("o"), data.get("s"), data.get("i")
    wants, ranks = data.get("q"), data.get("r")
    if (
        not isinstance(offset, int)
        or isinstance(offset, bool)
        or not 0 < offset <= MAX_OFFSET
        or not isinstance(score, int | float)
        or isinstance(score, bool)
        or not math.isfinite(score)
        or not isinstance(last_id, str)
        or not 0 < len(last_id) <= MAX_ID
        or not isinstance(wants, str)
        or not _DIGEST.match(wants)
        or not isinstance(ranks, str)
        or not _DIGEST.match(ranks)
    ):
        raise _invalid("malformed fields")
    if wants != request:
        raise _invalid(
            "it belongs to another list (send the subject, min_score, include_dismissed and "
            "filters of the request that returned it)"
        )
    if ranks != ranking:
        raise StaleCursorError(
            "the ranking this cursor points into is gone (the model or retrieval settings "
            "changed); start again without cursor"
        )
    return Cursor(offset, PageKey(float(score), last_id), wants, ranks)
