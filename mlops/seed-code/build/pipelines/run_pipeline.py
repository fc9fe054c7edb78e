"""What the project's CodeBuild runs: uploads the step scripts, creates or updates the project's
SageMaker Pipeline and starts it.

    python -m pipelines.run_pipeline                    # upsert and start
    python -m pipelines.run_pipeline --print-definition # print the definition, start nothing

Everything comes from the build's environment variables (cfn/mlops/model-build-train.yaml).
"""

import argparse
import hashlib
import json
import os
import sys
from pathlib import Path

REQUIRED = (
    "SAGEMAKER_PROJECT_NAME",
    "SAGEMAKER_PROJECT_ID",
    "SAGEMAKER_PIPELINE_NAME",
    "SAGEMAKER_PIPELINE_ROLE_ARN",
    "MODEL_PACKAGE_GROUP_NAME",
    "ARTIFACT_BUCKET",
    "ARTIFACT_PREFIX",
    "SUBNET_IDS",
    "SECURITY_GROUP_IDS",
    "DATA_KMS_KEY_ARN",
    "EBS_KMS_KEY_ARN",
    "SECURE_MLOPS_ENVIRONMENT",
)
SCRIPTS = ("preprocess.py", "evaluate.py")
HERE = Path(__file__).resolve().parent


class MissingSettings(Exception):
    pass


def read_environment(environ: dict[str, str]) -> dict[str, str]:
    """The variables the build must have; every missing or empty one named at once."""
    missing = [name for name in REQUIRED if not environ.get(name)]
    if missing:
        raise MissingSettings(
            "missing build variables (set by the project template): " + ", ".join(missing)
        )
    return {name: environ[name] for name in REQUIRED}


def code_version() -> str:
    """A hash of the step scripts: a changed script gets a new prefix, so a running execution
    keeps the code it started with."""
    digest = hashlib.sha256()
    for name in SCRIPTS:
        digest.update((HERE / name).read_bytes())
    return digest.hexdigest()[:16]


def settings_from(values: dict[str, str]):
    from pipelines.pipeline import Settings

    split = lambda text: [part.strip() for part in text.split(",") if part.strip()]  # noqa: E731
    prefix = values["ARTIFACT_PREFIX"].strip("/")
    return Settings(
        pipeline_name=values["SAGEMAKER_PIPELINE_NAME"],
        role_arn=values["SAGEMAKER_PIPELINE_ROLE_ARN"],
        model_package_group=values["MODEL_PACKAGE_GROUP_NAME"],
        bucket=values["ARTIFACT_BUCKET"],
        prefix=prefix,
        subnets=split(values["SUBNET_IDS"]),
        security_groups=split(values["SECURITY_GROUP_IDS"]),
        data_key=values["DATA_KMS_KEY_ARN"],
        ebs_key=values["EBS_KMS_KEY_ARN"],
        environment=values["SECURE_MLOPS_ENVIRONMENT"],
        code_uri=f"s3://{values['ARTIFACT_BUCKET']}/{prefix}/code/{code_version()}",
        tags=[
            {"Key": "sagemaker:project-name", "Value": values["SAGEMAKER_PROJECT_NAME"]},
            {"Key": "sagemaker:project-id", "Value": values["SAGEMAKER_PROJECT_ID"]},
        ],
    )


def upload_scripts(s3, settings) -> None:
    """The step scripts, encrypted with the environment's data key."""
    key_prefix = settings.code_uri.split("/", 3)[3]
    for name in SCRIPTS:
        s3.put_object(
            Bucket=settings.bucket,
            Key=f"{key_prefix}/{name}",
            Body=(HERE / name).read_bytes(),
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=settings.data_key,
        )


def main(argv: list[str] | None = None, environ: dict[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--print-definition", action="store_true")
    args = parser.parse_args(argv)
    try:
        values = read_environment(dict(os.environ if environ is None else environ))
    except MissingSettings as exc:
        print(f"run_pipeline: {exc}", file=sys.stderr)
        return 2

    import boto3
    from sagemaker.workflow.pipeline_context import PipelineSession

    from pipelines.pipeline import get_pipeline

    settings = settings_from(values)
    boto_session = boto3.Session()
    session = PipelineSession(boto_session=boto_session, default_bucket=settings.bucket)
    pipeline = get_pipeline(settings, session)
    if args.print_definition:
        print(json.dumps(json.loads(pipeline.definition()), indent=2))
        return 0
    upload_scripts(boto_session.client("s3"), settings)
    tags = [{"Key": "secure-mlops:environment", "Value": settings.environment}] + settings.tags
    pipeline.upsert(role_arn=settings.role_arn, tags=tags)
    execution = pipeline.start()
    print(f"started {execution.arn}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
