"""auth-service's business errors (RFC 9457 through the kit)."""

from __future__ import annotations

from vitrine_kit.errors import Conflict, Forbidden, NotFound, ProblemError, Unauthorized, Unprocessable


class InvalidCredentials(Unauthorized):
    code, title = "invalid-credentials", "E-mail or password is wrong"


class InvalidRefreshToken(Unauthorized):
    code, title = "invalid-refresh-token", "The refresh token is not valid"


class RefreshTokenReused(Unauthorized):
    code, title = "refresh-token-reused", "The refresh token was already used; the session is revoked"


class RefreshInProgress(Conflict):
    code, title = "refresh-in-progress", "This refresh token was just rotated by a concurrent request"


class InvalidToken(ProblemError):
    status, code, title = 400, "invalid-token", "The token is invalid, expired or already used"


class CsrfRefused(Forbidden):
    code, title = "csrf-token-invalid", "The CSRF check failed"


class NotAMember(Forbidden):
    code, title = "not-a-member", "You are not a member of this seller account"


class WrongPassword(Forbidden):
    code, title = "wrong-password", "The current password is wrong"


class WeakPassword(Unprocessable):
    code, title = "weak-password", "The password is not acceptable"


class InvalidProfile(Unprocessable):
    code, title = "invalid-profile", "The profile is not valid"


class InvitationEmailMismatch(Forbidden):
    code, title = "invitation-email-mismatch", "This invitation was sent to another e-mail address"


class AlreadyMember(Conflict):
    code, title = "already-member", "This user is already a member"


class LastOwner(Conflict):
    code, title = "last-owner", "A seller account must keep at least one owner"


class MemberNotFound(NotFound):
    code, title = "member-not-found", "No such member"


class UserNotFound(Unauthorized):
    code, title = "user-not-found", "The account behind this token no longer exists"


class DeviceNotFound(NotFound):
    code, title = "device-not-found", "No such plugin device"


class InvalidPairingCode(ProblemError):
    status, code, title = 400, "invalid-pairing-code", "The pairing code is invalid, expired or already used"


class InvalidClient(Unauthorized):
    code, title = "invalid_client", "Client authentication failed"


class InvalidScope(ProblemError):
    status, code, title = 400, "invalid_scope", "A requested scope is not allowed for this client"
