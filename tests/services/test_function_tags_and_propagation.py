"""The cleanup function's tags read with ListTags (a TagsError is an error), and the waits for
IAM propagation: repository policies naming a new role."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from ecrrep.aws import AwsError
from ecrrep.resources import cleanup_function
from ecrrep.resources.shared import propagation
from tests.support.in_process_plans import PROJECT, converge, fresh_ctx, make_spec

# -- the function's tags ---------------------------------------------------------------------


class WithoutListTagsRights:
    """A Lambda client as an identity without lambda:ListTags sees it: GetFunction answers
    without Tags, with a TagsError instead (or, `silent`, with neither)."""

    def __init__(self, client, silent: bool = False):
        self.client, self.silent = client, silent

    def get_function(self, **params):
        answer = dict(self.client.get_function(**params))
        answer.pop("Tags", None)
        if not self.silent:
            answer["TagsError"] = {"ErrorCode": "AccessDeniedException",
                                   "Message": "not authorized to perform lambda:ListTags"}
        return answer

    def __getattr__(self, name):
        return getattr(self.client, name)


class SwappedLambda:
    def __init__(self, ctx, wrap):
        self.ctx, self.wrap = ctx, wrap

    def client(self, service, region, **kw):
        client = self.ctx.client(service, region, **kw)
        return self.wrap(client) if service == "lambda" else client

    def __getattr__(self, name):
        return getattr(self.ctx, name)


def test_function_tags_come_from_list_tags_not_get_function(ctx):
    spec = make_spec()
    converge(spec)
    swapped = SwappedLambda(fresh_ctx(), lambda c: WithoutListTagsRights(c, silent=True))
    (function,) = cleanup_function.KIND.read(swapped, spec)
    assert function.owned and function.attrs["tags"]["ecrrep:project"] == PROJECT


def test_a_tags_error_is_an_error_never_untagged(ctx):
    spec = make_spec()
    converge(spec)
    swapped = SwappedLambda(fresh_ctx(), WithoutListTagsRights)
    with pytest.raises(AwsError) as raised:
        cleanup_function.KIND.read(swapped, spec)
    assert raised.value.code == "AccessDeniedException"
    assert "lambda:ListTags" in raised.value.line()


# -- IAM propagation for repository policies --------------------------------------------------


class NotYetKnownPrincipal:
    """ECR refusing a policy that names a role IAM has not propagated yet, `times` times."""

    def __init__(self, times: int, message: str):
        self.times, self.message, self.calls = times, message, 0

    def set_repository_policy(self, **params):
        self.calls += 1
        if self.calls <= self.times:
            raise ClientError({"Error": {"Code": "InvalidParameterException", "Message": (
                "Invalid parameter at 'PolicyText' failed to satisfy constraint: "
                f"'{self.message}'")}}, "SetRepositoryPolicy")
        return {}


ROLE_POLICY = ('{"Statement": [{"Principal": {"AWS": '
               '"arn:aws:iam::123456789012:role/p-ecr-production"}}]}')


@pytest.mark.parametrize("message", ["Invalid repository policy provided",
                                     "Principal not found"])
def test_a_policy_naming_a_new_role_waits_for_iam(monkeypatch, capsys, message):
    from ecrrep.resources import repository_policies

    monkeypatch.setattr(propagation, "sleep", lambda seconds: None)
    ecr = NotYetKnownPrincipal(2, message)
    repository_policies.KIND.put_text(ecr, "apps/web", ROLE_POLICY)
    assert ecr.calls == 3
    assert "note: waiting for ECR to know the roles named in the policy of apps/web" in \
        capsys.readouterr().err


def test_waiting_for_iam_gives_up_after_two_minutes(monkeypatch):
    from ecrrep.resources import repository_policies

    now = [0.0]
    monkeypatch.setattr(propagation, "clock", lambda: now[0])
    monkeypatch.setattr(propagation, "sleep", lambda seconds: now.__setitem__(0, now[0] + seconds))
    ecr = NotYetKnownPrincipal(1000, "Principal not found")
    with pytest.raises(ClientError):
        repository_policies.KIND.put_text(ecr, "apps/web", ROLE_POLICY)
    assert now[0] <= 120 and ecr.calls < 20


def test_a_policy_naming_no_role_is_not_retried(monkeypatch):
    from ecrrep.resources import repository_policies

    monkeypatch.setattr(propagation, "sleep", lambda seconds: pytest.fail("waited"))
    ecr = NotYetKnownPrincipal(1, "Invalid repository policy provided")
    with pytest.raises(ClientError):
        repository_policies.KIND.put_text(ecr, "apps/web", '{"Statement": []}')
    assert ecr.calls == 1
