"""At most `parallelism` AWS calls in flight per region, regions (and the global services)
bounded independently, and a work pool that keeps every region busy without deadlocking when
maps nest. The calls are real botocore calls whose HTTP send is answered in-process (botocore's
`before-send` event, as moto's decorator does); barriers with a timeout that only a failure
reaches prove that calls really run at the same time."""

from __future__ import annotations

import threading
from collections import Counter

import pytest
from botocore.awsrequest import AWSResponse

from ecrrep.aws.context import AwsContext
from ecrrep.aws.inflight import CallsInFlight, lane_of
from tests.support.deadline import run_with_deadline

BARRIER_TIMEOUT_S = 20
REGIONS = ["us-east-1", "us-west-2", "eu-west-1"]
IAM_SUMMARY = (b"<GetAccountSummaryResponse><GetAccountSummaryResult><SummaryMap/>"
               b"</GetAccountSummaryResult></GetAccountSummaryResponse>")


class _Raw:
    def __init__(self, body: bytes):
        self.body = body

    def stream(self, **_: object):
        yield self.body


class Endpoint:
    """Answers every call in-process and counts the calls being answered, per lane."""

    def __init__(self, wait=None):
        self.lock = threading.Lock()
        self.now: Counter = Counter()
        self.peak: Counter = Counter()
        self.peak_total = 0
        self.wait = wait or (lambda lane: None)

    def attach(self, client, lane: str) -> None:
        def answer(request, **_: object) -> AWSResponse:
            with self.lock:
                self.now[lane] += 1
                self.peak[lane] = max(self.peak[lane], self.now[lane])
                self.peak_total = max(self.peak_total, sum(self.now.values()))
            try:
                self.wait(lane)
            finally:
                with self.lock:
                    self.now[lane] -= 1
            body = IAM_SUMMARY if lane == "global" else b"{}"
            return AWSResponse(request.url, 200, {}, _Raw(body))

        client.meta.events.register("before-send.*.*", answer)


@pytest.fixture(autouse=True)
def credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_RETRY_MODE", "AWS_MAX_ATTEMPTS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")


def clients(ctx: AwsContext, endpoint: Endpoint, regions: list[str]) -> dict[str, object]:
    out = {}
    for region in regions:
        out[region] = ctx.client("ecr", region)
        endpoint.attach(out[region], region)
    out["global"] = ctx.client("iam", "us-east-1")
    endpoint.attach(out["global"], "global")
    return out


def call(client, lane: str) -> None:
    if lane == "global":
        client.get_account_summary()
    else:
        client.describe_registry()




def test_global_services_share_one_lane_and_regional_ones_have_their_own():
    assert lane_of("iam", "us-east-1") == lane_of("iam", "eu-west-1") == "global"
    assert lane_of("ecr", "us-east-1") == "us-east-1"
    assert lane_of("sts", "eu-west-1") == "eu-west-1"


def test_each_region_has_n_calls_in_flight_at_once_and_never_more():
    """Items come grouped by region, as the kinds list them: all regions still run together,
    N calls each, and the pool grew to hold them all. The first N calls of every lane meet at
    one barrier: it opens only when every lane has N calls in flight at once."""
    n = 3
    lanes = [*REGIONS, "global"]
    all_lanes = threading.Barrier(n * len(lanes), timeout=BARRIER_TIMEOUT_S)
    barriers = {lane: threading.Barrier(n, timeout=BARRIER_TIMEOUT_S) for lane in lanes}
    started: Counter = Counter()
    lock = threading.Lock()

    def wait(lane: str) -> None:
        with lock:
            started[lane] += 1
            first_round = started[lane] <= n
        (all_lanes if first_round else barriers[lane]).wait()

    endpoint = Endpoint(wait=wait)
    ctx = AwsContext(parallelism=n)
    try:
        by_lane = clients(ctx, endpoint, REGIONS)
        items = [(lane, i) for lane in lanes for i in range(4 * n)]
        run_with_deadline(lambda: ctx.map(lambda item: call(by_lane[item[0]], item[0]), items))
    finally:
        ctx.close()

    assert endpoint.peak == {lane: n for lane in lanes}
    assert endpoint.peak_total == n * len(lanes)  # regions ran side by side


def test_a_region_whose_calls_hang_does_not_hold_up_the_others():
    n = 2
    release = threading.Event()
    others_done = threading.Event()
    done = Counter()
    lock = threading.Lock()

    east_held = threading.Event()
    east_entered = Counter()

    def wait(lane: str) -> None:
        if lane == "us-east-1":
            with lock:
                east_entered[lane] += 1
                if east_entered[lane] == n:
                    east_held.set()
            assert release.wait(BARRIER_TIMEOUT_S), "us-east-1 was never released"

    endpoint = Endpoint(wait=wait)
    ctx = AwsContext(parallelism=n)
    by_lane = clients(ctx, endpoint, ["us-east-1", "us-west-2"])

    def item(pair: tuple[str, int]) -> None:
        call(by_lane[pair[0]], pair[0])
        with lock:
            done[pair[0]] += 1
            if done["us-west-2"] == 6:
                others_done.set()

    items = [("us-east-1", i) for i in range(6)] + [("us-west-2", i) for i in range(6)]
    worker = threading.Thread(target=lambda: ctx.map(item, items), daemon=True)
    try:
        worker.start()
        # All of us-west-2's calls finish while us-east-1's first calls still hang.
        assert others_done.wait(BARRIER_TIMEOUT_S), done
        assert east_held.wait(BARRIER_TIMEOUT_S), east_entered
        assert done["us-east-1"] == 0
        assert endpoint.now["us-east-1"] == n
    finally:
        release.set()
        worker.join(BARRIER_TIMEOUT_S)
        ctx.close()
    assert done == {"us-east-1": 6, "us-west-2": 6}


def test_nested_maps_making_calls_in_every_region_finish():
    """The engine reads every kind at once, each kind every region, each region every
    repository: maps three deep, each leaf an AWS call, with a small bound."""
    endpoint = Endpoint()
    ctx = AwsContext(parallelism=2)
    try:
        by_lane = clients(ctx, endpoint, REGIONS)

        def region_items(region: str) -> list[None]:
            return ctx.map(lambda _: call(by_lane[region], region), range(5))

        def kind(_: int) -> list[list[None]]:
            return ctx.map(region_items, [*REGIONS, "global"])

        result = run_with_deadline(lambda: ctx.map(kind, range(4)))
    finally:
        ctx.close()

    assert len(result) == 4 and all(len(r) == 4 for r in result)
    assert max(endpoint.peak.values()) <= 2


def test_a_slot_held_by_a_call_that_never_ended_is_reused_not_leaked():
    """A call that raised between botocore's before-call and after-call keeps its thread's
    slot; the thread's next call in that region uses it instead of waiting for a second."""
    bound = CallsInFlight(1)

    def two_calls_one_never_ended() -> None:
        bound.enter("us-east-1")  # never left
        bound.enter("us-east-1")
        bound.leave("us-east-1")

    run_with_deadline(two_calls_one_never_ended, seconds=5)
    run_with_deadline(lambda: (bound.enter("us-east-1"), bound.leave("us-east-1")), seconds=5)
