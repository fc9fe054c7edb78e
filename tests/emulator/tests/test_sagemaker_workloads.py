"""SageMaker jobs (extensions/sagemaker_workloads.py): training, processing, transform, tuning and
AutoML V2 jobs read back their settings, list and page as AWS does, and stop InProgress ->
Stopping -> Stopped."""

import concurrent.futures
import datetime
import time
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import Emulator, error_code, wait_for

ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/team-execution"
KEY = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/11111111-2222-3333-4444-555555555555"
VPC = {"SecurityGroupIds": ["sg-0123456789abcdef0"], "Subnets": ["subnet-0123456789abcdef0", "subnet-0fedcba9876543210"]}

pytestmark = pytest.mark.usefixtures("fast_studio")  # Stopping -> Stopped in 0.05 s


@pytest.fixture
def sm(emulator: Emulator, region: str) -> Any:
    return emulator.client("sagemaker", region)


@pytest.fixture
def raw(emulator: Emulator, region: str) -> Any:
    """A client that sends what it is given (boto3 refuses some bad values itself; the AWS SDK
    for Rust does not, and the emulator must answer them as AWS does)."""
    return boto3.client(
        "sagemaker", endpoint_url=emulator.url, region_name=region, aws_access_key_id="testing",
        aws_secret_access_key="testing", config=Config(retries={"max_attempts": 1}, parameter_validation=False),
    )


@pytest.fixture
def job_run_seconds(emulator: Emulator) -> Iterator[Callable[[float | None], None]]:
    yield lambda seconds: emulator.set_config(job_run_seconds=seconds)
    emulator.set_config(job_run_seconds=None)


def refused(code: str, call: Callable[..., Any], **kw: Any) -> str:
    with pytest.raises(ClientError) as exc:
        call(**kw)
    assert error_code(exc) == code, exc.value.response["Error"]
    return exc.value.response["Error"]["Message"]


def training_job(sm: Any, name: str, **kw: Any) -> str:
    args: dict[str, Any] = {
        "TrainingJobName": name,
        "RoleArn": ROLE,
        "AlgorithmSpecification": {"TrainingImage": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/train:1", "TrainingInputMode": "File"},
        "OutputDataConfig": {"S3OutputPath": "s3://team-out/", "KmsKeyId": KEY},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10, "VolumeKmsKeyId": KEY},
        "StoppingCondition": {"MaxRuntimeInSeconds": 3600},
    }
    args.update(kw)
    return sm.create_training_job(**args)["TrainingJobArn"]


def status(sm: Any, name: str) -> str:
    return sm.describe_training_job(TrainingJobName=name)["TrainingJobStatus"]


def names(page: list[dict[str, Any]], key: str) -> list[str]:
    return [item[key] for item in page]


# --- training jobs ---------------------------------------------------------------------------


def test_training_job_reads_back_its_settings(sm, name, region):
    job = name("train")
    arn = training_job(
        sm, job, VpcConfig=VPC, EnableNetworkIsolation=True, EnableInterContainerTrafficEncryption=True,
        Environment={"MODE": "fast"}, RetryStrategy={"MaximumRetryAttempts": 2},
        Tags=[{"Key": "team", "Value": "fraud"}],
    )
    assert arn == f"arn:aws:sagemaker:{region}:{ACCOUNT}:training-job/{job}"
    d = sm.describe_training_job(TrainingJobName=job)
    assert d["TrainingJobArn"] == arn and d["RoleArn"] == ROLE
    assert d["VpcConfig"] == VPC
    assert d["OutputDataConfig"] == {"S3OutputPath": "s3://team-out/", "KmsKeyId": KEY}
    assert d["ResourceConfig"]["VolumeKmsKeyId"] == KEY
    assert d["EnableNetworkIsolation"] is True and d["EnableInterContainerTrafficEncryption"] is True
    assert d["EnableManagedSpotTraining"] is False
    # moto dropped these; AWS answers them as given.
    assert d["Environment"] == {"MODE": "fast"} and d["RetryStrategy"] == {"MaximumRetryAttempts": 2}
    assert d["AlgorithmSpecification"] == {"TrainingImage": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/train:1", "TrainingInputMode": "File"}
    # A new job runs: InProgress (moto: Completed at once), no end time.
    assert (d["TrainingJobStatus"], d["SecondaryStatus"]) == ("InProgress", "Starting")
    assert "TrainingEndTime" not in d
    assert sm.list_tags(ResourceArn=arn)["Tags"] == [{"Key": "team", "Value": "fraud"}]

    # Without them: the defaults AWS answers.
    plain = name("plain")
    training_job(sm, plain)
    d = sm.describe_training_job(TrainingJobName=plain)
    assert "VpcConfig" not in d and d["EnableNetworkIsolation"] is False and d["EnableInterContainerTrafficEncryption"] is False

    # A name in use (moto replaced the job), an unknown job (AWS: ValidationException, not ResourceNotFound).
    message = refused("ResourceInUse", training_job, sm=sm, name=job)
    assert message == (
        "Training job names must be unique within an AWS account and region, and a training job with this "
        f"name already exists ({arn})"
    )
    assert sm.describe_training_job(TrainingJobName=job)["VpcConfig"] == VPC  # unchanged
    assert refused("ValidationException", sm.describe_training_job, TrainingJobName=name("none")) == "Requested resource not found."


def test_training_job_stops(sm, name):
    job = name("stop")
    training_job(sm, job)
    sm.stop_training_job(TrainingJobName=job)
    d = sm.describe_training_job(TrainingJobName=job)
    assert (d["TrainingJobStatus"], d["SecondaryStatus"]) == ("Stopping", "Stopping")
    message = refused("ValidationException", sm.stop_training_job, TrainingJobName=job)
    assert message == "The request was rejected because the training job is in status Stopping."
    wait_for(lambda: status(sm, job) == "Stopped", what="Stopped")
    d = sm.describe_training_job(TrainingJobName=job)
    assert d["SecondaryStatus"] == "Stopped" and d["TrainingEndTime"] >= d["CreationTime"]
    message = refused("ValidationException", sm.stop_training_job, TrainingJobName=job)
    assert message == "The request was rejected because the training job is in status Stopped."
    assert refused("ValidationException", sm.stop_training_job, TrainingJobName=name("none")) == "Requested resource not found."


def test_jobs_complete_after_job_run_seconds(sm, name, job_run_seconds):
    job_run_seconds(0.1)
    job = name("done")
    training_job(sm, job)
    assert status(sm, job) == "InProgress"
    wait_for(lambda: status(sm, job) == "Completed", what="Completed")
    assert "TrainingEndTime" in sm.describe_training_job(TrainingJobName=job)
    message = refused("ValidationException", sm.stop_training_job, TrainingJobName=job)
    assert message == "The request was rejected because the training job is in status Completed."
    # A job created while it is null runs until stopped.
    job_run_seconds(None)
    forever = name("forever")
    training_job(sm, forever)
    time.sleep(0.3)
    assert status(sm, forever) == "InProgress"


def test_create_training_job_is_checked_against_the_model(raw, name):
    base = {
        "TrainingJobName": name("bad"), "RoleArn": ROLE,
        "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
        "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10},
        "StoppingCondition": {"MaxRuntimeInSeconds": 60},
    }
    message = refused("ValidationException", raw.create_training_job, **base)
    assert message == "1 validation error detected: Value null at 'outputDataConfig' failed to satisfy constraint: Member must not be null"
    message = refused(
        "ValidationException", raw.create_training_job, **{**base, "TrainingJobName": "under_score",
                                                            "OutputDataConfig": {"S3OutputPath": "s3://b/"},
                                                            "VpcConfig": {"SecurityGroupIds": [], "Subnets": ["subnet-1"]}},
    )
    assert message.startswith("2 validation errors detected: ")
    assert "Value 'under_score' at 'trainingJobName' failed to satisfy constraint: Member must satisfy regular expression pattern" in message
    assert "Value '[]' at 'vpcConfig.securityGroupIds' failed to satisfy constraint: Member must have length greater than or equal to 1" in message


def test_list_training_jobs_filters_sorts_and_pages(sm, name):
    prefix = name("lst")
    started = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=1)
    jobs = [f"{prefix}-{i}" for i in range(5)]
    for job in jobs:
        training_job(sm, job)
    sm.stop_training_job(TrainingJobName=jobs[1])
    sm.stop_training_job(TrainingJobName=jobs[3])

    # Default: CreationTime, Ascending; a page of MaxResults and a token while more remain.
    first = sm.list_training_jobs(NameContains=prefix, MaxResults=2)
    assert names(first["TrainingJobSummaries"], "TrainingJobName") == jobs[:2]
    summary = first["TrainingJobSummaries"][1]
    assert summary["TrainingJobStatus"] == "Stopping" and summary["SecondaryStatus"] == "Stopping"
    assert summary["TrainingJobArn"].endswith(f"training-job/{jobs[1]}")
    second = sm.list_training_jobs(NameContains=prefix, MaxResults=2, NextToken=first["NextToken"])
    third = sm.list_training_jobs(NameContains=prefix, MaxResults=2, NextToken=second["NextToken"])
    assert names(second["TrainingJobSummaries"], "TrainingJobName") == jobs[2:4]
    assert names(third["TrainingJobSummaries"], "TrainingJobName") == jobs[4:] and "NextToken" not in third

    # StatusEquals filters before paging (moto paged first: empty pages with a token).
    running = sm.list_training_jobs(NameContains=prefix, StatusEquals="InProgress", MaxResults=2)
    assert names(running["TrainingJobSummaries"], "TrainingJobName") == [jobs[0], jobs[2]]
    rest = sm.list_training_jobs(NameContains=prefix, StatusEquals="InProgress", MaxResults=2, NextToken=running["NextToken"])
    assert names(rest["TrainingJobSummaries"], "TrainingJobName") == [jobs[4]] and "NextToken" not in rest

    # Sorting, time filters.
    desc = sm.list_training_jobs(NameContains=prefix, SortBy="Name", SortOrder="Descending")
    assert names(desc["TrainingJobSummaries"], "TrainingJobName") == jobs[::-1]
    assert len(sm.list_training_jobs(NameContains=prefix, CreationTimeAfter=started)["TrainingJobSummaries"]) == 5
    assert sm.list_training_jobs(NameContains=prefix, CreationTimeBefore=started)["TrainingJobSummaries"] == []

    # A token resumes after the job it ended with, even when newer jobs come first meanwhile.
    newest_first = sm.list_training_jobs(NameContains=prefix, SortOrder="Descending", MaxResults=2)
    assert names(newest_first["TrainingJobSummaries"], "TrainingJobName") == [jobs[4], jobs[3]]
    training_job(sm, f"{prefix}-5")
    after = sm.list_training_jobs(NameContains=prefix, SortOrder="Descending", MaxResults=2, NextToken=newest_first["NextToken"])
    assert names(after["TrainingJobSummaries"], "TrainingJobName") == [jobs[2], jobs[1]]

    # The model's limits; a token that is not ours.
    assert "less than or equal to 100" in refused("ValidationException", sm.list_training_jobs, MaxResults=101)
    assert refused("ValidationException", sm.list_training_jobs, NextToken="garbage").startswith("The page token is not valid")


def test_five_hundred_training_jobs_list_in_pages_of_one_hundred(sm, name):
    prefix = name("bulk")
    wanted = [f"{prefix}-{i:03d}" for i in range(500)]
    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda job: training_job(sm, job, VpcConfig=VPC), wanted))
    created = time.monotonic() - started

    started = time.monotonic()
    listed, pages, token = [], 0, None
    while True:
        page = sm.list_training_jobs(MaxResults=100, **({"NextToken": token} if token else {}))
        pages += 1
        listed += names(page["TrainingJobSummaries"], "TrainingJobName")
        token = page.get("NextToken")
        if not token:
            break
    took = time.monotonic() - started
    assert len(listed) == len(set(listed)) and set(wanted) <= set(listed)
    assert pages == -(-len(listed) // 100)  # full pages of 100
    assert took < 2.0, f"listing {len(listed)} jobs took {took:.2f}s"
    assert created < 30.0, f"creating 500 jobs took {created:.2f}s"
    print(f"created 500 in {created:.2f}s, listed {len(listed)} in {pages} pages in {took:.3f}s")


# --- processing jobs ---------------------------------------------------------------------------


def processing_job(sm: Any, name: str, **kw: Any) -> str:
    args: dict[str, Any] = {
        "ProcessingJobName": name,
        "RoleArn": ROLE,
        "AppSpecification": {"ImageUri": f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/prep:1"},
        "ProcessingResources": {"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 10, "VolumeKmsKeyId": KEY}},
        "ProcessingOutputConfig": {
            "Outputs": [{"OutputName": "out", "S3Output": {"S3Uri": "s3://team-out/prep", "LocalPath": "/opt/ml/processing/out", "S3UploadMode": "EndOfJob"}}],
            "KmsKeyId": KEY,
        },
        "NetworkConfig": {"EnableInterContainerTrafficEncryption": True, "EnableNetworkIsolation": True, "VpcConfig": VPC},
        "StoppingCondition": {"MaxRuntimeInSeconds": 600},
    }
    args.update(kw)
    return sm.create_processing_job(**args)["ProcessingJobArn"]


def test_processing_job_reads_back_stops_and_lists(sm, raw, name):
    job = name("prep")
    arn = processing_job(sm, job, Environment={"STAGE": "dev"})
    d = sm.describe_processing_job(ProcessingJobName=job)
    assert d["ProcessingJobArn"] == arn
    assert d["NetworkConfig"] == {"EnableInterContainerTrafficEncryption": True, "EnableNetworkIsolation": True, "VpcConfig": VPC}
    assert d["ProcessingResources"]["ClusterConfig"]["VolumeKmsKeyId"] == KEY  # moto dropped ProcessingResources
    assert d["ProcessingOutputConfig"]["KmsKeyId"] == KEY
    assert d["Environment"] == {"STAGE": "dev"}
    assert d["ProcessingJobStatus"] == "InProgress" and "ProcessingEndTime" not in d

    assert refused("ResourceInUse", processing_job, sm=sm, name=job).startswith("Processing job names must be unique")
    args = {"ProcessingJobName": name("bad"), "RoleArn": ROLE, "AppSpecification": {"ImageUri": "img"}}
    message = refused("ValidationException", raw.create_processing_job, **args)
    assert message == "1 validation error detected: Value null at 'processingResources' failed to satisfy constraint: Member must not be null"

    sm.stop_processing_job(ProcessingJobName=job)
    assert sm.describe_processing_job(ProcessingJobName=job)["ProcessingJobStatus"] == "Stopping"
    wait_for(lambda: sm.describe_processing_job(ProcessingJobName=job)["ProcessingJobStatus"] == "Stopped")
    assert "ProcessingEndTime" in sm.describe_processing_job(ProcessingJobName=job)
    message = refused("ValidationException", sm.stop_processing_job, ProcessingJobName=job)
    assert message == "The request was rejected because the processing job is in status Stopped."

    other = name("prep")
    processing_job(sm, other)
    prefix = job.split("-")[0]
    first = sm.list_processing_jobs(NameContains=prefix, StatusEquals="InProgress", MaxResults=1)
    assert names(first["ProcessingJobSummaries"], "ProcessingJobName")[0] != job  # the stopped one is filtered out
    page = sm.list_processing_jobs(NameContains=job, MaxResults=1)
    assert page["ProcessingJobSummaries"][0]["ProcessingJobStatus"] == "Stopped" and "NextToken" not in page
    paged = sm.list_processing_jobs(MaxResults=1)
    assert len(paged["ProcessingJobSummaries"]) == 1 and paged["NextToken"]


# --- transform jobs ----------------------------------------------------------------------------


def test_transform_job_reads_back_its_keys_and_its_models_network(sm, name):
    model = name("model")
    sm.create_model(ModelName=model, ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"}, VpcConfig=VPC, EnableNetworkIsolation=True)
    job = name("batch")
    args = {
        "TransformJobName": job, "ModelName": model,
        "TransformInput": {"DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://team-in/batch"}}},
        "TransformOutput": {"S3OutputPath": "s3://team-out/batch", "KmsKeyId": KEY},
        "TransformResources": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeKmsKeyId": KEY},
    }
    arn = sm.create_transform_job(**args)["TransformJobArn"]
    d = sm.describe_transform_job(TransformJobName=job)
    assert d["TransformJobArn"] == arn and d["ModelName"] == model
    assert d["TransformOutput"]["KmsKeyId"] == KEY and d["TransformResources"]["VolumeKmsKeyId"] == KEY
    assert d["TransformJobStatus"] == "InProgress" and "TransformEndTime" not in d and "FailureReason" not in d
    # It runs in its model's network.
    m = sm.describe_model(ModelName=d["ModelName"])
    assert m["VpcConfig"] == VPC and m["EnableNetworkIsolation"] is True

    assert refused("ResourceInUse", sm.create_transform_job, **args).startswith("Transform job names must be unique")
    message = refused("ValidationException", sm.create_transform_job, **{**args, "TransformJobName": name("x"), "ModelName": name("none")})
    assert message.startswith("Could not find model")

    sm.stop_transform_job(TransformJobName=job)  # moto: 500
    assert sm.describe_transform_job(TransformJobName=job)["TransformJobStatus"] == "Stopping"
    wait_for(lambda: sm.describe_transform_job(TransformJobName=job)["TransformJobStatus"] == "Stopped")
    message = refused("ValidationException", sm.stop_transform_job, TransformJobName=job)
    assert message == "The request was rejected because the transform job is in status Stopped."
    listed = sm.list_transform_jobs(NameContains=job)["TransformJobSummaries"]
    assert [(s["TransformJobName"], s["TransformJobStatus"]) for s in listed] == [(job, "Stopped")]
    assert "TransformEndTime" in listed[0]


# --- hyperparameter tuning jobs ----------------------------------------------------------------


def tuning_job(sm: Any, name: str) -> str:
    return sm.create_hyper_parameter_tuning_job(
        HyperParameterTuningJobName=name,
        HyperParameterTuningJobConfig={
            "Strategy": "Bayesian",
            "ResourceLimits": {"MaxNumberOfTrainingJobs": 4, "MaxParallelTrainingJobs": 2},
            "HyperParameterTuningJobObjective": {"Type": "Maximize", "MetricName": "validation:auc"},
        },
        TrainingJobDefinition={
            "StaticHyperParameters": {"epochs": "3"},
            "AlgorithmSpecification": {"TrainingImage": "img", "TrainingInputMode": "File"},
            "RoleArn": ROLE,
            "OutputDataConfig": {"S3OutputPath": "s3://team-out/hpo", "KmsKeyId": KEY},
            "ResourceConfig": {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10, "VolumeKmsKeyId": KEY},
            "VpcConfig": VPC,
            "StoppingCondition": {"MaxRuntimeInSeconds": 600},
            "EnableNetworkIsolation": True,
            "EnableInterContainerTrafficEncryption": True,
        },
    )["HyperParameterTuningJobArn"]


def test_tuning_job_reads_back_its_training_definition_and_stops(sm, raw, name):
    job = name("hpo")
    tuning_job(sm, job)
    d = sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=job)
    definition = d["TrainingJobDefinition"]
    assert definition["VpcConfig"] == VPC and definition["RoleArn"] == ROLE
    assert definition["OutputDataConfig"]["KmsKeyId"] == KEY and definition["ResourceConfig"]["VolumeKmsKeyId"] == KEY
    assert definition["EnableNetworkIsolation"] is True and definition["EnableInterContainerTrafficEncryption"] is True
    assert d["HyperParameterTuningJobStatus"] == "InProgress"
    assert "BestTrainingJob" not in d and "HyperParameterTuningEndTime" not in d  # moto made them up
    assert d["TrainingJobStatusCounters"]["Completed"] == 0

    assert refused("ResourceInUse", tuning_job, sm=sm, name=job)
    message = refused(
        "ValidationException", raw.create_hyper_parameter_tuning_job, HyperParameterTuningJobName=name("hpo"),
        HyperParameterTuningJobConfig={"Strategy": "Random", "ResourceLimits": {"MaxParallelTrainingJobs": 1}},
    )
    assert message == "Either TrainingJobDefinition or TrainingJobDefinitions must be provided."

    sm.stop_hyper_parameter_tuning_job(HyperParameterTuningJobName=job)  # moto: 500
    assert sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=job)["HyperParameterTuningJobStatus"] == "Stopping"
    wait_for(lambda: sm.describe_hyper_parameter_tuning_job(HyperParameterTuningJobName=job)["HyperParameterTuningJobStatus"] == "Stopped")
    message = refused("ValidationException", sm.stop_hyper_parameter_tuning_job, HyperParameterTuningJobName=job)
    assert message == "The request was rejected because the hyperparameter tuning job is in status Stopped."

    other = name("hpo")
    tuning_job(sm, other)
    prefix = job.split("-")[0]
    first = sm.list_hyper_parameter_tuning_jobs(NameContains=prefix, MaxResults=1)  # default: Name, Ascending
    second = sm.list_hyper_parameter_tuning_jobs(NameContains=prefix, MaxResults=1, NextToken=first["NextToken"])
    seen = names(first["HyperParameterTuningJobSummaries"] + second["HyperParameterTuningJobSummaries"], "HyperParameterTuningJobName")
    assert seen == sorted(seen) and len(set(seen)) == 2
    running = sm.list_hyper_parameter_tuning_jobs(NameContains=other, StatusEquals="InProgress")["HyperParameterTuningJobSummaries"]
    assert [(s["HyperParameterTuningJobName"], s["Strategy"]) for s in running] == [(other, "Bayesian")]


# --- AutoML V2 jobs --------------------------------------------------------------------------


def automl_job(sm: Any, name: str, problem: dict[str, Any] | None = None) -> str:
    return sm.create_auto_ml_job_v2(
        AutoMLJobName=name,
        RoleArn=ROLE,
        AutoMLJobInputDataConfig=[{"ChannelType": "training", "DataSource": {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://team-in/automl"}}}],
        OutputDataConfig={"S3OutputPath": "s3://team-out/automl", "KmsKeyId": KEY},
        AutoMLProblemTypeConfig=problem or {"TabularJobConfig": {"TargetAttributeName": "label"}},
        SecurityConfig={"VolumeKmsKeyId": KEY, "EnableInterContainerTrafficEncryption": True, "VpcConfig": VPC},
    )["AutoMLJobArn"]


def test_automl_job_reads_back_its_security_config_and_stops(sm, name):
    job = name("automl")
    # No ProblemType, no CompletionCriteria: both optional (moto: 500).
    arn = automl_job(sm, job)
    d = sm.describe_auto_ml_job_v2(AutoMLJobName=job)
    assert d["AutoMLJobArn"] == arn and d["RoleArn"] == ROLE
    assert d["SecurityConfig"] == {"VolumeKmsKeyId": KEY, "EnableInterContainerTrafficEncryption": True, "VpcConfig": VPC}
    assert d["OutputDataConfig"]["KmsKeyId"] == KEY
    assert d["AutoMLProblemTypeConfig"] == {"TabularJobConfig": {"TargetAttributeName": "label"}}
    assert (d["AutoMLJobStatus"], d["AutoMLJobSecondaryStatus"]) == ("InProgress", "Starting")
    assert "BestCandidate" not in d and "EndTime" not in d and "ModelDeployConfig" not in d

    assert refused("ResourceInUse", automl_job, sm=sm, name=job)
    sm.stop_auto_ml_job(AutoMLJobName=job)
    d = sm.describe_auto_ml_job_v2(AutoMLJobName=job)
    assert (d["AutoMLJobStatus"], d["AutoMLJobSecondaryStatus"]) == ("Stopping", "Stopping")
    wait_for(lambda: sm.describe_auto_ml_job_v2(AutoMLJobName=job)["AutoMLJobStatus"] == "Stopped")
    message = refused("ValidationException", sm.stop_auto_ml_job, AutoMLJobName=job)
    assert message == "The request was rejected because the AutoML job is in status Stopped."

    other = name("automl")
    automl_job(sm, other, {"TabularJobConfig": {"TargetAttributeName": "y", "ProblemType": "Regression"}})
    prefix = job.split("-")[0]
    first = sm.list_auto_ml_jobs(NameContains=prefix, MaxResults=1)  # default: Name, Descending
    second = sm.list_auto_ml_jobs(NameContains=prefix, MaxResults=1, NextToken=first["NextToken"])
    seen = names(first["AutoMLJobSummaries"] + second["AutoMLJobSummaries"], "AutoMLJobName")
    assert seen == sorted(seen, reverse=True) and len(set(seen)) == 2
    summary = sm.list_auto_ml_jobs(NameContains=job)["AutoMLJobSummaries"][0]
    assert summary["AutoMLJobStatus"] == "Stopped" and "FailureReason" not in summary and "EndTime" in summary


# --- the inventory -----------------------------------------------------------------------------


def test_inventory_lists_the_jobs(emulator, sm, name):
    jobs = {"sagemaker:training_job": name("inv"), "sagemaker:processing_job": name("inv"),
            "sagemaker:hyper_parameter_tuning_job": name("inv"), "sagemaker:automl_job": name("inv")}
    training_job(sm, jobs["sagemaker:training_job"])
    processing_job(sm, jobs["sagemaker:processing_job"])
    tuning_job(sm, jobs["sagemaker:hyper_parameter_tuning_job"])
    automl_job(sm, jobs["sagemaker:automl_job"])
    inventory = emulator.inventory()
    for kind, job in jobs.items():
        assert job in inventory[kind], kind
    assert "sagemaker:transform_job" in inventory
