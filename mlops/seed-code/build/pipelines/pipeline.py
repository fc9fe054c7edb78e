"""The project's SageMaker Pipeline: preprocess -> train -> evaluate -> register if good enough.

Every job runs inside the environment: in its private subnets behind its SageMaker security
group, with network isolation and encrypted traffic between containers, its `ebs` key on the
volumes and its `data` key on the outputs, and the environment's tag, which its IAM policies
require on every job they let start. The scripts are S3 URIs (run_pipeline.py uploads them), so
building the definition calls no AWS API.
"""

from dataclasses import dataclass, field

from sagemaker import image_uris
from sagemaker.estimator import Estimator
from sagemaker.inputs import TrainingInput
from sagemaker.model import Model
from sagemaker.model_metrics import MetricsSource, ModelMetrics
from sagemaker.network import NetworkConfig
from sagemaker.processing import ProcessingInput, ProcessingOutput, ScriptProcessor
from sagemaker.sklearn.processing import SKLearnProcessor
from sagemaker.workflow.condition_step import ConditionStep
from sagemaker.workflow.conditions import ConditionLessThanOrEqualTo
from sagemaker.workflow.fail_step import FailStep
from sagemaker.workflow.functions import Join, JsonGet
from sagemaker.workflow.model_step import ModelStep
from sagemaker.workflow.parameters import ParameterFloat, ParameterInteger, ParameterString
from sagemaker.workflow.pipeline import Pipeline
from sagemaker.workflow.properties import PropertyFile
from sagemaker.workflow.steps import ProcessingStep, TrainingStep

ENVIRONMENT_TAG = "secure-mlops:environment"
XGBOOST_VERSION = "1.7-1"
SKLEARN_VERSION = "1.2-1"


@dataclass
class Settings:
    """Where and how the jobs run: the environment's values, from the build's variables."""

    pipeline_name: str
    role_arn: str
    model_package_group: str
    bucket: str
    prefix: str
    subnets: list[str]
    security_groups: list[str]
    data_key: str
    ebs_key: str
    environment: str
    code_uri: str  # s3://.../code/<version>/ holding preprocess.py and evaluate.py
    instance_type: str = "ml.m5.xlarge"
    tags: list[dict[str, str]] = field(default_factory=list)

    def job_tags(self) -> list[dict[str, str]]:
        return [{"Key": ENVIRONMENT_TAG, "Value": self.environment}] + [
            t for t in self.tags if t["Key"] != ENVIRONMENT_TAG
        ]

    def s3(self, *parts: str) -> str:
        return "/".join([f"s3://{self.bucket}", self.prefix.strip("/"), *parts])


def network(settings: Settings) -> NetworkConfig:
    return NetworkConfig(
        enable_network_isolation=True,
        security_group_ids=settings.security_groups,
        subnets=settings.subnets,
        encrypt_inter_container_traffic=True,
    )


def get_pipeline(settings: Settings, session) -> Pipeline:
    """The pipeline, for a PipelineSession `session`."""
    region = session.boto_region_name
    rows = ParameterInteger(name="Rows", default_value=5000)
    mse_threshold = ParameterFloat(name="MseThreshold", default_value=0.05)
    approval = ParameterString(name="ModelApprovalStatus", default_value="PendingManualApproval")
    instance_type = ParameterString(name="InstanceType", default_value=settings.instance_type)
    common = dict(
        role=settings.role_arn,
        instance_count=1,
        instance_type=instance_type,
        sagemaker_session=session,
        network_config=network(settings),
        volume_kms_key=settings.ebs_key,
        output_kms_key=settings.data_key,
        tags=settings.job_tags(),
    )

    sklearn = SKLearnProcessor(framework_version=SKLEARN_VERSION, base_job_name="preprocess", **common)
    preprocess = ProcessingStep(
        name="Preprocess",
        step_args=sklearn.run(
            code=settings.code_uri.rstrip("/") + "/preprocess.py",
            arguments=["--rows", rows.to_string()],
            outputs=[
                ProcessingOutput(output_name=part, source=f"/opt/ml/processing/{part}", destination=settings.s3("data", part))
                for part in ("train", "validation", "test")
            ],
        ),
    )
    outputs = preprocess.properties.ProcessingOutputConfig.Outputs

    image = image_uris.retrieve("xgboost", region=region, version=XGBOOST_VERSION)
    estimator = Estimator(
        image_uri=image,
        role=settings.role_arn,
        instance_count=1,
        instance_type=instance_type,
        output_path=settings.s3("models"),
        sagemaker_session=session,
        subnets=settings.subnets,
        security_group_ids=settings.security_groups,
        encrypt_inter_container_traffic=True,
        enable_network_isolation=True,
        volume_kms_key=settings.ebs_key,
        output_kms_key=settings.data_key,
        tags=settings.job_tags(),
        base_job_name="train",
    )
    estimator.set_hyperparameters(objective="reg:squarederror", num_round=50, max_depth=4, eta=0.2)
    train = TrainingStep(
        name="Train",
        step_args=estimator.fit(
            inputs={
                part: TrainingInput(s3_data=outputs[part].S3Output.S3Uri, content_type="text/csv")
                for part in ("train", "validation")
            }
        ),
    )

    report = PropertyFile(name="EvaluationReport", output_name="evaluation", path="evaluation.json")
    scorer = ScriptProcessor(image_uri=image, command=["python3"], base_job_name="evaluate", **common)
    evaluate = ProcessingStep(
        name="Evaluate",
        step_args=scorer.run(
            code=settings.code_uri.rstrip("/") + "/evaluate.py",
            inputs=[
                ProcessingInput(source=train.properties.ModelArtifacts.S3ModelArtifacts, destination="/opt/ml/processing/model"),
                ProcessingInput(source=outputs["test"].S3Output.S3Uri, destination="/opt/ml/processing/test"),
            ],
            outputs=[
                ProcessingOutput(
                    output_name="evaluation", source="/opt/ml/processing/evaluation", destination=settings.s3("evaluation")
                )
            ],
        ),
        property_files=[report],
    )

    model = Model(
        image_uri=image,
        model_data=train.properties.ModelArtifacts.S3ModelArtifacts,
        role=settings.role_arn,
        sagemaker_session=session,
        vpc_config={"Subnets": settings.subnets, "SecurityGroupIds": settings.security_groups},
        enable_network_isolation=True,
    )
    register = ModelStep(
        name="Register",
        step_args=model.register(
            content_types=["text/csv"],
            response_types=["text/csv"],
            inference_instances=["ml.m5.large", "ml.m5.xlarge"],
            transform_instances=["ml.m5.xlarge"],
            model_package_group_name=settings.model_package_group,
            approval_status=approval,
            model_metrics=ModelMetrics(
                model_statistics=MetricsSource(
                    s3_uri=Join(on="/", values=[settings.s3("evaluation"), "evaluation.json"]),
                    content_type="application/json",
                )
            ),
        ),
    )
    mse = JsonGet(step_name=evaluate.name, property_file=report, json_path="regression_metrics.mse.value")
    check = ConditionStep(
        name="MseGoodEnough",
        conditions=[ConditionLessThanOrEqualTo(left=mse, right=mse_threshold)],
        if_steps=[register],
        else_steps=[FailStep(name="MseTooHigh", error_message=Join(on=" ", values=["MSE above", mse_threshold]))],
    )
    return Pipeline(
        name=settings.pipeline_name,
        parameters=[rows, mse_threshold, approval, instance_type],
        steps=[preprocess, train, evaluate, check],
        sagemaker_session=session,
    )
