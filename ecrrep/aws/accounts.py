"""Sessions in the accounts of the spec's `destinations`, checked before any change.

A destination names how ecrrep reaches its account: a named profile (a botocore session of
that profile) or a role to assume with this run's own credentials (botocore's assume-role
fetcher and its deferred, refreshing credentials: the role is assumed on the first call and
again before the credentials expire; ecrrep never refreshes them itself). Each session must act
in the destination's account: sts:GetCallerIdentity answers it, else the command stops before
any change.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import botocore.credentials
import botocore.exceptions
import botocore.session

from ecrrep.aws.errors import AWS_EXCEPTIONS, translate_error

if TYPE_CHECKING:
    from ecrrep.aws.context import AwsContext

ROLE_SESSION_NAME = "ecrrep"
NOTHING_CHANGED = "nothing was changed"


class AccountAccessError(Exception):
    """A destination's account cannot be reached as the spec says; one line for the user."""


def open_destination_accounts(ctx: AwsContext, destinations: Sequence[Any],
                              source_region: str) -> None:
    """Register a context for each destination's account on `ctx` (see
    `AwsContext.for_account`), once its credentials are proven to act in that account.
    Raises AccountAccessError, before any change, naming the destination."""
    if not destinations:
        return
    source_account = ctx.account_id(source_region)
    opened: dict[str, str] = {}
    for index, destination in enumerate(destinations):
        where = f"destinations[{index}]"
        how = (f"profile '{destination.profile}'" if destination.profile
               else f"role {destination.role_arn}")
        if destination.account_id == source_account:
            raise AccountAccessError(
                f"{where}: account {source_account} is the source account: list "
                f"{destination.region} in destination_regions instead; {NOTHING_CHANGED}")
        if opened.get(destination.account_id, how) != how:
            raise AccountAccessError(
                f"{where}: account {destination.account_id} is reached through "
                f"{opened[destination.account_id]} elsewhere; give every destination of an "
                f"account the same profile or role_arn; {NOTHING_CHANGED}")
        if destination.account_id in opened:
            continue
        session = _session(ctx, destination, where, how)
        other = ctx.add_account(destination.account_id, session)
        actual = _caller_account(other, destination.region, where, how)
        if actual != destination.account_id:
            raise AccountAccessError(f"{where}: {how} is account {actual}, not "
                                     f"{destination.account_id}; {NOTHING_CHANGED}")
        opened[destination.account_id] = how


def _session(ctx: AwsContext, destination: Any, where: str,
             how: str) -> botocore.session.Session:
    if destination.profile:
        try:
            return botocore.session.Session(profile=destination.profile)
        except botocore.exceptions.ProfileNotFound as exc:
            raise AccountAccessError(f"{where}: {how} is not in the AWS config; "
                                     f"{NOTHING_CHANGED}") from exc
    return assumed_role_session(ctx, destination.role_arn, destination.region)


def assumed_role_session(ctx: AwsContext, role_arn: str,
                         region: str) -> botocore.session.Session:
    """A session whose credentials are `role_arn`'s, assumed with ctx's own credentials
    (https://docs.aws.amazon.com/STS/latest/APIReference/API_AssumeRole.html)."""
    source = ctx.session

    def sts_client(service: str, **credentials: Any) -> Any:
        return source.create_client(service, region_name=region, endpoint_url=ctx.endpoint_url,
                                    config=ctx.client_config(), **credentials)

    fetcher = botocore.credentials.AssumeRoleCredentialFetcher(
        sts_client, source.get_credentials(), role_arn,
        extra_args={"RoleSessionName": ROLE_SESSION_NAME})
    credentials = botocore.credentials.DeferredRefreshableCredentials(
        refresh_using=fetcher.fetch_credentials, method="assume-role")
    session = botocore.session.Session()
    session.register_component("credential_provider", botocore.credentials.CredentialResolver(
        [_Given(credentials)]))
    return session


class _Given(botocore.credentials.CredentialProvider):
    """The one credential provider of an assumed-role session: the given credentials."""

    METHOD = "assume-role"

    def __init__(self, credentials: Any):
        super().__init__()
        self._credentials = credentials

    def load(self) -> Any:
        return self._credentials


def _caller_account(ctx: AwsContext, region: str, where: str, how: str) -> str:
    try:
        return ctx.client("sts", region).get_caller_identity()["Account"]
    except botocore.exceptions.BotoCoreError as exc:  # no credentials, a broken profile
        raise AccountAccessError(f"{where}: {how}: {exc}; {NOTHING_CHANGED}") from exc
    except AWS_EXCEPTIONS as exc:
        raise AccountAccessError(f"{where}: {how}: {translate_error(exc).line()}; "
                                 f"{NOTHING_CHANGED}") from exc
