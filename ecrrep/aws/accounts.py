"""Sessions in the accounts of the spec's `destinations`, checked before any change, and in
those of the destinations the spec has dropped (as their claims say to reach them), so what
ecrrep made there can be deleted.

A destination names how ecrrep reaches its account: a named profile (a botocore session of
that profile) or a role to assume with this run's own credentials (botocore's assume-role
fetcher and its deferred, refreshing credentials: the role is assumed on the first call and
again before the credentials expire; ecrrep never refreshes them itself). Each session must act
in the destination's account: sts:GetCallerIdentity answers it, else the command stops before
any change (for a dropped destination: its account is left alone, and the plan says why).
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
        how = _how(destination)
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
        problem = _open(ctx, destination, how)
        if problem is not None:
            raise AccountAccessError(f"{where}: {problem}; {NOTHING_CHANGED}")
        opened[destination.account_id] = how


def open_dropped_accounts(ctx: AwsContext, dropped: Sequence[Any],
                          opened: set[str]) -> dict[str, str]:
    """Register a context for each account of `dropped` (destinations the spec no longer
    lists, with the profile or role_arn their claims recorded) not in `opened`, checked as
    the spec's are. Never raises: returns, by account, why one could not be reached (its
    destinations are then left alone)."""
    problems: dict[str, str] = {}
    for destination in dropped:
        account = destination.account_id
        if account in opened or account in problems:
            continue
        if not (destination.profile or destination.role_arn):
            problems[account] = "its claim records no profile or role_arn"
            continue
        problem = _open(ctx, destination, _how(destination))
        if problem is None:
            opened.add(account)
        else:
            problems[account] = problem
    return problems


def _how(destination: Any) -> str:
    """How a destination's account is reached, as messages name it."""
    return (f"profile '{destination.profile}'" if destination.profile
            else f"role {destination.role_arn}")


def _open(ctx: AwsContext, destination: Any, how: str) -> str | None:
    """Register a context for the destination's account on `ctx`; None once its credentials
    are proven to act in that account, else why not (after `how`)."""
    if destination.profile:
        try:
            session = botocore.session.Session(profile=destination.profile)
        except botocore.exceptions.ProfileNotFound:
            return f"{how} is not in the AWS config"
    else:
        session = assumed_role_session(ctx, destination.role_arn, destination.region)
    other = ctx.add_account(destination.account_id, session)
    try:
        actual = other.client("sts", destination.region).get_caller_identity()["Account"]
    except botocore.exceptions.BotoCoreError as exc:  # no credentials, a broken profile
        return f"{how}: {exc}"
    except AWS_EXCEPTIONS as exc:
        return f"{how}: {translate_error(exc).line()}"
    if actual != destination.account_id:
        return f"{how} is account {actual}, not {destination.account_id}"
    return None


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
