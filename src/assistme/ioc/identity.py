"""dishka providers: accounts, sessions and API keys."""

from __future__ import annotations

from dishka import Provider, Scope, provide, provide_all

from assistme.adapters.cache.throttle import LimitsThrottle
from assistme.core.identity.account import ChangePassword, DeleteAccount
from assistme.core.identity.admin_users import CreateUser, DeleteUser, GetUser, ListUsers, UpdateUser, UserByTelegram
from assistme.core.identity.api_keys import CreateApiKey, DeleteApiKey, ListApiKeys
from assistme.core.identity.authenticate import AuthenticateAccessToken, AuthenticateApiKey
from assistme.core.identity.housekeeping import PurgeSessions
from assistme.core.identity.login import Login
from assistme.core.identity.logout import Logout
from assistme.core.identity.minting import TokenMinter
from assistme.core.identity.ports import (
    Throttle,
)
from assistme.core.identity.profile import CurrentUser, UpdateProfile
from assistme.core.identity.refresh import RefreshSession
from assistme.core.identity.register import RegisterUser
from assistme.core.identity.revoking import SessionRevoker
from assistme.core.identity.roles import AssignRole
from assistme.core.identity.sessions import ListSessions, RevokeOtherSessions, RevokeSession


class Identity(Provider):
    throttle = provide(LimitsThrottle, scope=Scope.APP, provides=Throttle)
    authenticate_token = provide(AuthenticateAccessToken, scope=Scope.APP)
    use_cases = provide_all(
        TokenMinter,
        SessionRevoker,
        RegisterUser,
        Login,
        RefreshSession,
        Logout,
        CurrentUser,
        UpdateProfile,
        ChangePassword,
        AssignRole,
        DeleteAccount,
        AuthenticateApiKey,
        ListSessions,
        ListUsers,
        GetUser,
        UserByTelegram,
        CreateUser,
        UpdateUser,
        DeleteUser,
        CreateApiKey,
        ListApiKeys,
        DeleteApiKey,
        RevokeSession,
        RevokeOtherSessions,
        PurgeSessions,
        scope=Scope.REQUEST,
    )
