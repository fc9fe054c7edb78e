"""The staging endpoint's test: it is in service and answers a prediction for a row of the
seed model's features (the build-train seed's XGBoost regression on 8 numeric features: CSV
in, a number out).

    python -m deploy.check_endpoint --endpoint NAME
"""

from __future__ import annotations

import argparse
import math
import sys
from typing import Any

SAMPLE = "0.5,1.2,-0.3,0.0,2.1,-1.0,0.7,0.1"


class EndpointFailed(Exception):
    """The endpoint is not fit for production."""


def check(sagemaker: Any, runtime: Any, endpoint: str, sample: str = SAMPLE) -> float:
    """The endpoint's answer for `sample`, checked to be a finite number."""
    status = sagemaker.describe_endpoint(EndpointName=endpoint)["EndpointStatus"]
    if status != "InService":
        raise EndpointFailed(f"endpoint {endpoint} is {status}, not InService")
    answer = runtime.invoke_endpoint(EndpointName=endpoint, ContentType="text/csv", Body=sample)
    text = answer["Body"].read().decode().strip()
    try:
        value = float(text.split(",")[0])
    except ValueError as e:
        raise EndpointFailed(f"endpoint {endpoint} answered {text!r}, not a number") from e
    if not math.isfinite(value):
        raise EndpointFailed(f"endpoint {endpoint} answered {value}, not a finite number")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--endpoint", required=True)
    args = parser.parse_args(argv)
    import boto3

    try:
        value = check(boto3.client("sagemaker"), boto3.client("sagemaker-runtime"), args.endpoint)
    except EndpointFailed as e:
        print(e, file=sys.stderr)
        return 1
    print(f"{args.endpoint} answered {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
