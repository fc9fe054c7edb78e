"""How long AWS takes: settle times of asynchronous resources and per-call latency.

moto answers every call at once and makes every resource ready at once (a NAT gateway
is `available`, an interface endpoint `available`, a mount target gone, a new role
usable), so a client that forgets to wait passes against moto and fails on AWS, and a
benchmark against moto measures nothing. With the profile "aws" the emulator takes
AWS's time, scaled:

  settle times   AWS seconds per resource kind (PROFILE below), times latency_scale
                 (default 0.01: an AWS minute in 0.6 s). With latency_seed null each
                 kind takes the middle of its range; with a seed, a draw within the
                 range that depends only on the seed and the kind.
  call latency   50-200 ms per AWS call, times call_latency_scale (null: latency_scale),
                 a seeded draw per call.

Profile "none" (the default) is the emulator as it was: calls answer at once, Studio
resources take `studio_delay_seconds`, everything else is ready at once.

GET /_emulator/latency-profile answers describe(): the numbers the emulator uses now,
so a benchmark can compute its critical-path lower bound from the same numbers.
Who uses them: studio.py/sagemaker.py (Studio statuses), studio_images.py (image and image
version statuses), sagemaker_workloads.py (jobs stopping), sagemaker_notebooks.py (notebook
instance statuses), ec2_settle.py (NAT gateways, interface endpoints), efs_settle.py (mount
target deletion), iam_propagation.py (new roles), cfn_settle.py (stacks wait for their
resources), routes.py (per-call latency).
"""

import random
import threading
from typing import Any

from .common import CONFIG

PROFILES = ("none", "aws")


def _source(*urls: str) -> str:
    return " ; ".join(urls)


# kind -> (fewest AWS seconds, most AWS seconds, where the numbers come from).
# Where no public measurement was found the range is the project issue's (#latency
# profile: "Studio domain Pending->InService 5-8 min and Deleting 3-5 min; user profile
# ~1 min; NAT gateway pending->available 1-3 min; interface endpoint 2-4 min; EFS mount
# target deletion ~1 min; IAM propagation 8 s"), and the source says so.
ISSUE = "project issue (figures from operators' reports; no AWS-published duration)"
STUDIO_STATUSES = "https://docs.aws.amazon.com/sagemaker/latest/dg/sm-domain.html (statuses, no durations)"
IMAGE_STATUSES = "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeImage.html (statuses, no durations)"
IMAGE_VERSION_STATUSES = (
    "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeImageVersion.html (statuses, no durations)"
)
NOTEBOOK_STATUSES = (
    "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_DescribeNotebookInstance.html (statuses, no durations)"
)
PROFILE: dict[str, tuple[float, float, str]] = {
    "sagemaker:domain:create": (300.0, 480.0, _source(ISSUE, STUDIO_STATUSES)),
    "sagemaker:domain:delete": (180.0, 300.0, _source(ISSUE, STUDIO_STATUSES)),
    "sagemaker:user_profile:create": (50.0, 70.0, _source(ISSUE, STUDIO_STATUSES)),
    "sagemaker:user_profile:delete": (50.0, 70.0, _source(ISSUE, STUDIO_STATUSES)),
    # Not in the issue: a space is a user profile's sibling (an EFS directory and settings).
    "sagemaker:space:create": (50.0, 70.0, _source("estimate: as a user profile", STUDIO_STATUSES)),
    "sagemaker:space:delete": (50.0, 70.0, _source("estimate: as a user profile", STUDIO_STATUSES)),
    # An app starts an instance: minutes; one report of more than 10 (Terraform's timeout).
    "sagemaker:app:create": (
        120.0,
        300.0,
        _source("estimate", "https://github.com/hashicorp/terraform-provider-aws/issues/48826 (JupyterLab app Pending > 10 min)"),
    ),
    "sagemaker:app:delete": (60.0, 120.0, _source("estimate", STUDIO_STATUSES)),
    # Custom images (studio_images.py): an image is a record (seconds); a version copies the
    # container image from ECR, so it takes longer. No public measurement: estimates.
    "sagemaker:image:create": (5.0, 15.0, _source("estimate", IMAGE_STATUSES)),
    "sagemaker:image:update": (5.0, 15.0, _source("estimate", IMAGE_STATUSES)),
    "sagemaker:image:delete": (5.0, 15.0, _source("estimate", IMAGE_STATUSES)),
    "sagemaker:image_version:create": (30.0, 90.0, _source("estimate", IMAGE_VERSION_STATUSES)),
    "sagemaker:image_version:delete": (5.0, 15.0, _source("estimate", IMAGE_VERSION_STATUSES)),
    # Jobs (sagemaker_workloads.py): Stopping -> Stopped. SageMaker sends SIGTERM and, 120 s
    # later, SIGKILL; a job that saves its model in that window takes up to two minutes.
    "sagemaker:job:stop": (
        30.0,
        120.0,
        _source("estimate", "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_StopTrainingJob.html (SIGTERM, SIGKILL after 120 seconds)"),
    ),
    # Notebook instances (sagemaker_notebooks.py): an ML instance is launched (create, start),
    # stopped or terminated. No public measurement: estimates ("a few minutes").
    "sagemaker:notebook_instance:create": (
        180.0,
        360.0,
        _source("estimate", "https://docs.aws.amazon.com/sagemaker/latest/APIReference/API_CreateNotebookInstance.html (Pending, then InService)"),
    ),
    "sagemaker:notebook_instance:stop": (60.0, 120.0, _source("estimate", NOTEBOOK_STATUSES)),
    "sagemaker:notebook_instance:delete": (60.0, 180.0, _source("estimate", NOTEBOOK_STATUSES)),
    "ec2:nat_gateway:create": (
        60.0,
        180.0,
        _source(
            ISSUE,
            "https://github.com/kubernetes/kops/pull/944 ('It can take up to 10 min for NatGateway to go from Pending to Available', 'up to 5 min')",
            "https://github.com/hashicorp/terraform/issues/8687 (still pending after 3m40s)",
        ),
    ),
    "ec2:nat_gateway:delete": (
        60.0,
        180.0,
        _source("estimate: as its creation", "https://docs.aws.amazon.com/vpc/latest/userguide/nat-gateway-working-with.html (deleting -> deleted)"),
    ),
    "ec2:vpc_endpoint:create": (
        120.0,
        240.0,
        _source(ISSUE, "https://github.com/aws-amplify/amplify-category-api/pull/1875 (end-to-end tests wait 2 minutes for interface endpoints)"),
    ),
    "ec2:vpc_endpoint:delete": (60.0, 120.0, _source("estimate", ISSUE)),
    "efs:mount_target:delete": (
        50.0,
        70.0,
        _source(ISSUE, "https://docs.aws.amazon.com/efs/latest/ug/API_DeleteMountTarget.html (deleting until deleted)"),
    ),
    "iam:role:propagation": (
        8.0,
        8.0,
        _source(
            ISSUE,
            "https://docs.aws.amazon.com/IAM/latest/UserGuide/troubleshoot_general.html#troubleshoot_general_eventual-consistency",
            "https://github.com/hashicorp/terraform/issues/2869 ('It takes a few seconds for permissions to propagate')",
        ),
    ),
}
# Each AWS API call: 50-200 ms round trip (the issue's figure).
CALL_LATENCY_SECONDS = (0.05, 0.2, ISSUE)

_call_rng = random.Random(0)
_call_rng_lock = threading.Lock()


def profile() -> str:
    return CONFIG.get("latency_profile")


def active() -> bool:
    return profile() == "aws"


def scale() -> float:
    return CONFIG.get("latency_scale")


def call_scale() -> float:
    own = CONFIG.get("call_latency_scale")
    return scale() if own is None else own


def aws_seconds(kind: str) -> float:
    """The AWS seconds the profile uses for `kind`: the middle of its range, or a draw
    within it that depends only on latency_seed and the kind."""
    low, high, _ = PROFILE[kind]
    seed = CONFIG.get("latency_seed")
    if seed is None:
        return (low + high) / 2
    return low + (high - low) * random.Random(f"{seed}/{kind}").random()


def settle_seconds(kind: str) -> float:
    """Emulator seconds a resource of `kind` takes to settle now (0: at once)."""
    if active():
        return aws_seconds(kind) * scale()
    if kind.startswith("sagemaker:"):
        return CONFIG.get("studio_delay_seconds")
    return 0.0


def call_latency_seconds() -> float:
    """A draw for one AWS call (0 with the profile off)."""
    if not active():
        return 0.0
    low, high, _ = CALL_LATENCY_SECONDS
    with _call_rng_lock:
        return _call_rng.uniform(low, high) * call_scale()


def _reseed(changed: set[str]) -> None:
    if changed & {"latency_seed", "latency_profile"}:
        with _call_rng_lock:
            _call_rng.seed(CONFIG.get("latency_seed") or 0)


def _check_profile(key: str, value: Any) -> str:
    if value not in PROFILES:
        raise ValueError(f"{key} must be one of {', '.join(PROFILES)}")
    return value


def describe() -> dict[str, Any]:
    on = active()
    low, high, call_source = CALL_LATENCY_SECONDS
    settle = {kind: round(settle_seconds(kind), 6) for kind in PROFILE}
    # Not part of the profile, but a wait all the same (servicecatalog.py).
    settle["servicecatalog:sagemaker_portfolio_share:accept"] = CONFIG.get("sc_share_delay_seconds")
    return {
        "profile": profile(),
        "scale": scale(),
        "call_latency_scale": call_scale(),
        "seed": CONFIG.get("latency_seed"),
        "call_latency_ms": [round(low * call_scale() * 1000, 6), round(high * call_scale() * 1000, 6)] if on else [0.0, 0.0],
        "request_delay_seconds": CONFIG.get("request_delay_seconds"),
        "settle_seconds": settle,
        "aws": {
            "call_latency_seconds": {"range": [low, high], "source": call_source},
            **{
                kind: {"range": [lo, hi], "chosen": round(aws_seconds(kind), 6), "source": source}
                for kind, (lo, hi, source) in PROFILE.items()
            },
        },
    }


def install() -> None:
    CONFIG.validator("latency_profile", _check_profile)
    CONFIG.on_change(_reseed)
    _reseed({"latency_seed"})
