"""Identity for visitors and agents: signed tokens, HMAC identity, argon2 passwords.

- A visitor token is a signed contact id; the widget keeps it in storage.
- A shop vouches for a known customer with HMAC-SHA256(identity_secret, customer_id)
  in hex, as Intercom and Chatwoot do; only then is customer data shown.
- Agents log in with an argon2-hashed password and get a signed session token,
  either as an HttpOnly cookie (then unsafe requests need the CSRF header) or
  as a bearer token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

_hasher = PasswordHasher()

SESSION_COOKIE = "tp_session"
CSRF_COOKIE = "tp_csrf"
CSRF_HEADER = "x-csrf-token"
ROLES = ("agent", "editor", "admin")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


_decoy: list[str] = []


def spend_verification(password: str) -> None:
    """Verify against a decoy hash: a sign-in for an unknown or disabled account takes as
    long as a wrong password, so the answer time tells no one which e-mails exist."""
    if not _decoy:
        _decoy.append(_hasher.hash(secrets.token_urlsafe(16)))
    verify_password(_decoy[0], password)


def identity_hmac(identity_secret: str, customer_id: str) -> str:
    """What the shop's backend computes for a logged-in customer."""
    return hmac.new(identity_secret.encode(), customer_id.encode(), hashlib.sha256).hexdigest()


def verify_identity(identity_secret: str, customer_id: str, signature: str) -> bool:
    return hmac.compare_digest(identity_hmac(identity_secret, customer_id), signature.lower())


@dataclass(frozen=True)
class AgentSession:
    agent_id: int
    role: str
    csrf: str
    epoch: int


class TokenError(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code


def session_is_current(session: AgentSession, agent: Any) -> bool:
    """False once the agent signed out (everywhere) or was disabled after the token was made."""
    return bool(agent is not None and agent.active and agent.session_epoch == session.epoch)


class Tokens:
    """Signs and checks visitor tokens and agent session tokens."""

    VISITOR_MAX_AGE = 400 * 24 * 3600

    def __init__(self, secret_key: str, session_hours: int) -> None:
        self._visitor = URLSafeTimedSerializer(secret_key, salt="touchpoint.visitor")
        self._agent = URLSafeTimedSerializer(secret_key, salt="touchpoint.agent")
        self._session_seconds = session_hours * 3600

    def visitor_token(self, contact_id: str) -> str:
        return self._visitor.dumps({"c": contact_id})

    def contact_id_from(self, token: str) -> str:
        data = self._load(self._visitor, token, self.VISITOR_MAX_AGE, "visitor token")
        return str(data["c"])

    def agent_token(self, agent_id: int, role: str, epoch: int = 0) -> tuple[str, str]:
        """A session token and its CSRF value (the double-submit cookie's content)."""
        csrf = secrets.token_urlsafe(16)
        return self._agent.dumps({"a": agent_id, "r": role, "x": csrf, "e": epoch}), csrf

    def agent_session(self, token: str) -> AgentSession:
        data = self._load(self._agent, token, self._session_seconds, "agent session")
        return AgentSession(
            agent_id=int(data["a"]),
            role=str(data["r"]),
            csrf=str(data["x"]),
            epoch=int(data.get("e", 0)),
        )

    @staticmethod
    def _load(serializer: URLSafeTimedSerializer, token: str, max_age: int, what: str) -> dict:
        try:
            data = serializer.loads(token, max_age=max_age)
        except SignatureExpired:
            raise TokenError("token_expired", f"the {what} has expired; sign in again") from None
        except BadSignature:
            raise TokenError("bad_token", f"the {what} is not valid") from None
        if not isinstance(data, dict):
            raise TokenError("bad_token", f"the {what} is not valid")
        return data
