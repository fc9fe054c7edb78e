"""Picks the newest approved version of the source model package group and writes, for each
stage of stages.json, the CloudFormation template configuration that deploys it with
endpoint.yaml: the environment's subnets, security group and keys come from the build's
environment (set by the project's template), the sizes from stages.json.

    python -m deploy.build --out DIR
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent.parent
STAGES = ("staging", "prod")


class NoApprovedModel(Exception):
    """The group has no approved version: nothing to deploy."""


def newest_approved(sagemaker: Any, group: str) -> str:
    """The ARN of the group's newest approved model version."""
    listed = sagemaker.list_model_packages(
        ModelPackageGroupName=group,
        ModelApprovalStatus="Approved",
        SortBy="CreationTime",
        SortOrder="Descending",
        MaxResults=1,
    )
    packages = listed.get("ModelPackageSummaryList", [])
    if not packages:
        raise NoApprovedModel(f"model package group {group} has no approved version")
    return packages[0]["ModelPackageArn"]


def version_of(package_arn: str) -> str:
    """The version number at the end of a model version's ARN (`.../<group>/<version>`)."""
    version = package_arn.rsplit("/", 1)[-1]
    if not version.isdigit():
        raise ValueError(f"{package_arn} is not the ARN of a model version")
    return version


def stage_configuration(stage: str, package_arn: str, env: dict[str, str], sizes: dict[str, Any]) -> dict[str, Any]:
    """The template configuration of one stage (CodePipeline's CloudFormation action format)."""
    project_id = env["SAGEMAKER_PROJECT_ID"]
    return {
        "Parameters": {
            "SageMakerProjectId": project_id,
            "StageName": stage,
            "ModelPackageArn": package_arn,
            "ModelVersion": version_of(package_arn),
            "ModelExecutionRoleArn": env["MODEL_EXECUTION_ROLE_ARN"],
            "SubnetIds": env["SUBNET_IDS"],
            "SecurityGroupIds": env["SECURITY_GROUP_IDS"],
            "EbsKmsKeyArn": env["EBS_KMS_KEY_ARN"],
            "DataKmsKeyArn": env["DATA_KMS_KEY_ARN"],
            "DataCaptureUri": f"{env['DATA_CAPTURE_URI'].rstrip('/')}/{stage}",
            "InstanceType": str(sizes["InstanceType"]),
            "InstanceCount": str(sizes["InstanceCount"]),
            "SamplingPercentage": str(sizes["SamplingPercentage"]),
        },
        "Tags": {
            "sagemaker:project-name": env["SAGEMAKER_PROJECT_NAME"],
            "sagemaker:project-id": project_id,
            "secure-mlops:environment": env["SECURE_MLOPS_ENVIRONMENT"],
            "secure-mlops:stage": stage,
        },
    }


def write_configurations(sagemaker: Any, env: dict[str, str], stages: dict[str, Any], out: Path) -> str:
    """Writes `<stage>-config.json` for each stage into `out`; returns the version deployed."""
    package_arn = newest_approved(sagemaker, env["SOURCE_MODEL_PACKAGE_GROUP_NAME"])
    missing = [s for s in STAGES if s not in stages]
    if missing:
        raise ValueError(f"stages.json has no settings for {', '.join(missing)}")
    for stage in STAGES:
        config = stage_configuration(stage, package_arn, env, stages[stage])
        (out / f"{stage}-config.json").write_text(json.dumps(config, indent=2) + "\n")
    return package_arn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=Path("."))
    args = parser.parse_args(argv)
    import boto3  # only where it runs: the unit tests pass a stub

    stages = json.loads((HERE / "stages.json").read_text())
    try:
        arn = write_configurations(boto3.client("sagemaker"), dict(os.environ), stages, args.out)
    except NoApprovedModel as e:
        print(f"nothing to deploy: {e}", file=sys.stderr)
        return 1
    print(f"deploying {arn}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
