"""Tags on every SageMaker kind a team's users create (extensions/sagemaker_tags.py), each of their
write calls recorded by CloudTrail (cloudtrail_events.py), AutoML V1 jobs, and SNS/SQS with KMS keys.

One set of resources for the module, in a region of its own with a logging trail."""

import json
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import Emulator, error_code, studio_network, wait_for, wait_status

REGION = "ca-west-1"
ACCOUNT = "123456789012"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/team-execution"
S3_IN = {"S3DataSource": {"S3DataType": "S3Prefix", "S3Uri": "s3://team-in/data"}}
RECORDED = [
    "CreateTrainingJob", "CreateProcessingJob", "CreateTransformJob", "CreateHyperParameterTuningJob",
    "CreateAutoMLJobV2", "CreateAutoMLJob", "CreateNotebookInstance", "CreateModel", "CreateEndpointConfig",
    "CreateApp", "CreateSpace", "UpdateDomain", "UpdateUserProfile", "UpdateSpace",
]


@pytest.fixture(scope="module")
def made(emulator: Emulator) -> Iterator[SimpleNamespace]:
    sm, ec2, ct = (emulator.client(s, REGION) for s in ("sagemaker", "ec2", "cloudtrail"))
    before = emulator.http("GET", "/_emulator/config")[1]["studio_delay_seconds"]
    emulator.set_config(studio_delay_seconds=0.05)
    emulator.client("s3", REGION).create_bucket(Bucket="tags-trail", CreateBucketConfiguration={"LocationConstraint": REGION})
    trail = ct.create_trail(Name="tags-trail", S3BucketName="tags-trail")["TrailARN"]
    ct.start_logging(Name=trail)
    arns: dict[str, str] = {}
    try:
        spec = {"TrainingImage": "img", "TrainingInputMode": "File"}
        resources = {"InstanceType": "ml.m5.large", "InstanceCount": 1, "VolumeSizeInGB": 10}
        out = {"S3OutputPath": "s3://team-out/"}
        arns["training-job"] = sm.create_training_job(
            TrainingJobName="t1", RoleArn=ROLE, AlgorithmSpecification=spec, OutputDataConfig=out,
            ResourceConfig=resources, StoppingCondition={"MaxRuntimeInSeconds": 60})["TrainingJobArn"]
        arns["processing-job"] = sm.create_processing_job(
            ProcessingJobName="p1", RoleArn=ROLE, AppSpecification={"ImageUri": "img"},
            ProcessingResources={"ClusterConfig": {"InstanceCount": 1, "InstanceType": "ml.m5.large", "VolumeSizeInGB": 10}},
        )["ProcessingJobArn"]
        arns["model"] = sm.create_model(ModelName="m1", ExecutionRoleArn=ROLE, PrimaryContainer={"Image": "img"})["ModelArn"]
        arns["transform-job"] = sm.create_transform_job(
            TransformJobName="tr1", ModelName="m1", TransformInput={"DataSource": S3_IN},
            TransformOutput=out, TransformResources={"InstanceType": "ml.m5.large", "InstanceCount": 1})["TransformJobArn"]
        arns["hyper-parameter-tuning-job"] = sm.create_hyper_parameter_tuning_job(
            HyperParameterTuningJobName="h1",
            HyperParameterTuningJobConfig={"Strategy": "Bayesian", "ResourceLimits": {"MaxNumberOfTrainingJobs": 1, "MaxParallelTrainingJobs": 1}},
            TrainingJobDefinition={"AlgorithmSpecification": spec, "RoleArn": ROLE, "OutputDataConfig": out,
                                   "ResourceConfig": resources, "StoppingCondition": {"MaxRuntimeInSeconds": 60}},
        )["HyperParameterTuningJobArn"]
        arns["automl-job"] = sm.create_auto_ml_job_v2(
            AutoMLJobName="a2", RoleArn=ROLE, OutputDataConfig=out,
            AutoMLJobInputDataConfig=[{"ChannelType": "training", "DataSource": S3_IN}],
            AutoMLProblemTypeConfig={"TabularJobConfig": {"TargetAttributeName": "y"}})["AutoMLJobArn"]
        arns["automl-job-v1"] = sm.create_auto_ml_job(
            AutoMLJobName="a1", RoleArn=ROLE, OutputDataConfig=out, ProblemType="BinaryClassification",
            InputDataConfig=[{"DataSource": S3_IN, "TargetAttributeName": "y"}],
            AutoMLJobConfig={"SecurityConfig": {"EnableInterContainerTrafficEncryption": True},
                             "CompletionCriteria": {"MaxCandidates": 3}})["AutoMLJobArn"]
        arns["notebook-instance"] = sm.create_notebook_instance(
            NotebookInstanceName="n1", InstanceType="ml.t3.medium", RoleArn=ROLE)["NotebookInstanceArn"]
        arns["endpoint-config"] = sm.create_endpoint_config(EndpointConfigName="e1", ProductionVariants=[
            {"VariantName": "v", "ModelName": "m1", "InstanceType": "ml.m5.large", "InitialInstanceCount": 1}])["EndpointConfigArn"]

        vpc, subnets = studio_network(ec2, 1)
        domain = sm.create_domain(DomainName="tags", AuthMode="IAM", DefaultUserSettings={"ExecutionRole": ROLE},
                                  SubnetIds=subnets, VpcId=vpc)
        domain_id = domain["DomainId"]
        arns["domain"] = domain["DomainArn"]
        wait_status(lambda: sm.describe_domain(DomainId=domain_id), "InService")
        arns["user-profile"] = sm.create_user_profile(DomainId=domain_id, UserProfileName="alice")["UserProfileArn"]
        arns["space"] = sm.create_space(DomainId=domain_id, SpaceName="team")["SpaceArn"]
        wait_status(lambda: sm.describe_user_profile(DomainId=domain_id, UserProfileName="alice"), "InService")
        wait_status(lambda: sm.describe_space(DomainId=domain_id, SpaceName="team"), "InService")
        arns["app"] = sm.create_app(DomainId=domain_id, UserProfileName="alice", AppType="JupyterServer", AppName="default")["AppArn"]
        sm.update_domain(DomainId=domain_id, DefaultUserSettings={"SecurityGroups": []})
        sm.update_user_profile(DomainId=domain_id, UserProfileName="alice", UserSettings={"SecurityGroups": []})
        sm.update_space(DomainId=domain_id, SpaceName="team", SpaceDisplayName="Team")
        yield SimpleNamespace(sm=sm, arns=arns, emulator=emulator, domain_id=domain_id)
    finally:
        ct.delete_trail(Name=trail)
        emulator.set_config(studio_delay_seconds=before)


KINDS = [
    "training-job", "processing-job", "transform-job", "hyper-parameter-tuning-job", "automl-job", "automl-job-v1",
    "notebook-instance", "model", "endpoint-config", "app", "space", "domain", "user-profile",
]


@pytest.mark.parametrize("kind", KINDS)
def test_add_list_delete_tags(made: SimpleNamespace, kind: str):
    sm, arn = made.sm, made.arns[kind]
    before = sm.list_tags(ResourceArn=arn)["Tags"]
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "owner", "Value": "a"}])
    sm.add_tags(ResourceArn=arn, Tags=[{"Key": "owner", "Value": "b"}, {"Key": "cost-center", "Value": "42"}])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == before + [
        {"Key": "owner", "Value": "b"}, {"Key": "cost-center", "Value": "42"},  # overwritten, not twice
    ]
    sm.delete_tags(ResourceArn=arn, TagKeys=["owner", "cost-center"])
    assert sm.list_tags(ResourceArn=arn)["Tags"] == before


def test_tags_of_unknown_resources_are_validation_errors(made: SimpleNamespace):
    for arn in (
        f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:training-job/nope",
        f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:automl-job/nope",
        f"arn:aws:sagemaker:{REGION}:{ACCOUNT}:no-such-kind/nope",
    ):
        with pytest.raises(ClientError) as exc:
            made.sm.list_tags(ResourceArn=arn)
        assert error_code(exc) == "ValidationException"
        with pytest.raises(ClientError) as exc:
            made.sm.add_tags(ResourceArn=arn, Tags=[{"Key": "k", "Value": "v"}])
        assert error_code(exc) == "ValidationException"


def test_every_write_call_of_a_workload_is_recorded(made: SimpleNamespace):
    def names() -> list[str] | None:
        _, doc = made.emulator.http("GET", "/_emulator/deliveries")
        seen = [e["event_name"] for e in doc["events"] if e["region"] == REGION]
        return seen if set(RECORDED) <= set(seen) else None

    seen = wait_for(names, 5, "the recorded calls")
    assert not [n for n in seen if n.startswith(("Describe", "List"))]  # reads are not recorded
    _, doc = made.emulator.http("GET", "/_emulator/deliveries")
    space = next(e["event"] for e in doc["events"] if e["region"] == REGION and e["event_name"] == "UpdateSpace")
    assert space["detail"]["requestParameters"] == {"domainId": made.domain_id, "spaceName": "team", "spaceDisplayName": "Team"}
    assert space["detail"]["responseElements"] == {"spaceArn": made.arns["space"]}


def test_automl_v1_job_reads_back(made: SimpleNamespace):
    d = made.sm.describe_auto_ml_job(AutoMLJobName="a1")
    assert d["AutoMLJobArn"] == made.arns["automl-job-v1"] and d["AutoMLJobStatus"] == "InProgress"
    assert d["ProblemType"] == "BinaryClassification"
    assert d["InputDataConfig"] == [{"DataSource": S3_IN, "TargetAttributeName": "y"}]
    assert d["AutoMLJobConfig"]["SecurityConfig"] == {"EnableInterContainerTrafficEncryption": True}
    assert "BestCandidate" not in d
    names = [j["AutoMLJobName"] for j in made.sm.list_auto_ml_jobs()["AutoMLJobSummaries"]]
    assert {"a1", "a2"} <= set(names)


def test_sns_topic_and_sqs_queue_with_kms_keys(emulator: Emulator, name: Any, region: str):
    kms = emulator.client("kms", region)
    key = kms.create_key()["KeyMetadata"]["Arn"]
    sns, sqs = emulator.client("sns", region), emulator.client("sqs", region)
    topic = sns.create_topic(Name=name("alerts"), Attributes={"KmsMasterKeyId": key})["TopicArn"]
    assert sns.get_topic_attributes(TopicArn=topic)["Attributes"]["KmsMasterKeyId"] == key
    url = sqs.create_queue(QueueName=name("inbox"), Attributes={"KmsMasterKeyId": key, "KmsDataKeyReusePeriodSeconds": "300"})["QueueUrl"]
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    assert attributes["KmsMasterKeyId"] == key and attributes["KmsDataKeyReusePeriodSeconds"] == "300"
    queue_arn = attributes["QueueArn"]
    sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn, Attributes={"RawMessageDelivery": "true"})
    message_id = sns.publish(TopicArn=topic, Message=json.dumps({"alert": "training job without VPC"}), Subject="alert")["MessageId"]
    assert message_id
    [message] = wait_for(lambda: sqs.receive_message(QueueUrl=url).get("Messages"), 5, "the published message")
    assert json.loads(message["Body"]) == {"alert": "training job without VPC"}
