"""SageMaker jobs as a team's users run them: training, processing, transform, hyperparameter
tuning and AutoML (V2) jobs, read back faithfully and stoppable.

moto 5.2.5 keeps each job as a record that is Completed at once and:
  - has no StopTrainingJob, StopTransformJob or StopHyperParameterTuningJob (500), and its
    StopProcessingJob/StopAutoMLJob set Stopped whatever the status;
  - overwrites a training, processing or transform job created again under its name;
  - drops ProcessingResources (so ClusterConfig.VolumeKmsKeyId) of a processing job, and
    what else its handlers do not pass on (Environment, RetryStrategy, ...);
  - pages ListTrainingJobs/ListProcessingJobs/ListTransformJobs before filtering (a
    StatusEquals page can be empty with a NextToken), ignores their SortBy/SortOrder, and
    answers every job without MaxResults; ListHyperParameterTuningJobs/ListAutoMLJobs page 100
    by default with the wrong default order;
  - accepts a transform job for a model that does not exist;
  - answers 500 for an AutoML V2 job whose TabularJobConfig has no ProblemType or no
    CompletionCriteria (both optional), and describes a new AutoML job as InProgress/Completed
    with a made-up best candidate;
  - checks no input against the API model (a missing ProcessingResources is a 500).

Here, as on AWS:
  - every Create* input is checked against the API model (model_rules.py): ValidationException;
    a name in use is ResourceInUse ("Training job names must be unique within an AWS account
    and region, and a training job with this name already exists (<arn>)"; the tuning and
    AutoML wording is moto's); a transform job's model must exist (ValidationException).
  - a new job is InProgress (training: SecondaryStatus Starting; AutoML: Starting), with no end
    time and no results, and stays so until stopped; with the runtime setting job_run_seconds
    (EMULATOR_JOB_RUN_SECONDS, default null = never) it is Completed that long after its
    creation (the value in force at the create).
  - Stop*Job of an InProgress job makes it Stopping, then Stopped (with its end time) after
    the settle time of "sagemaker:job:stop" (latency_profile.py: studio_delay_seconds, or AWS's
    scaled time); of a job in any other status it is ValidationException "The request was
    rejected because the training job is in status Completed." (AWS's sentence for training
    jobs; the other kinds say "processing job", "transform job", "hyperparameter tuning job",
    "AutoML job").
  - Describe* answers every member given at creation that the Describe output has (as given),
    with moto's fields for the rest. DescribeTrainingJob of an unknown job is
    ValidationException "Requested resource not found." (AWS's answer, not ResourceNotFound).
  - List*Jobs: NameContains, StatusEquals, Creation/LastModifiedTime filters, SortBy and
    SortOrder with AWS's defaults (training and processing CreationTime Ascending, transform
    CreationTime Descending, tuning Name Ascending, AutoML Name Descending), MaxResults 1-100
    (default 10), NextToken; a page costs O(n) and its token resumes after the last job it
    gave (sagemaker_reads.py, shared with sagemaker_notebooks.py and sagemaker_models.py).

  - AutoML V1 (CreateAutoMLJob, DescribeAutoMLJob; moto has neither): a tabular job kept as moto's
    AutoML job (the first channel's TargetAttributeName, ProblemType, AutoMLJobConfig), so it
    lists, stops and tags like a V2 job; DescribeAutoMLJob answers the V1 input as given.

Tags given at creation are moto's (ListTags/AddTags/DeleteTags on the job's ARN; sagemaker_tags.py
makes AddTags overwrite). The inventory lists the jobs by name (sagemaker:training_job, ...).
"""

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from moto.core.responses import ActionResult, EmptyResult
from moto.core.utils import utcnow
from moto.sagemaker.exceptions import ResourceInUseException, ResourceNotFound, ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemaker.utils import arn_formatter

from . import latency_profile, model_rules, pending
from .common import CONFIG, LOCK
from .sagemaker_reads import described, install_operations, list_page, remember

# --- job kinds and their statuses ------------------------------------------------------


@dataclass(frozen=True)
class JobKind:
    label: str  # as in AWS's messages: "training job"
    table: str  # moto backend's dict of jobs by name
    status: str  # attribute of moto's job holding the status
    end: str  # attribute holding the end time
    secondary: str | None = None  # attribute holding the secondary status, if any

    def jobs(self, backend: SageMakerModelBackend) -> dict[str, Any]:
        return getattr(backend, self.table)

    def status_of(self, job: Any) -> str:
        return getattr(job, self.status)

    def set(self, job: Any, status: str, secondary: str | None = None) -> None:
        setattr(job, self.status, status)
        if self.secondary is not None:
            setattr(job, self.secondary, secondary or status)
        if status in ("Completed", "Stopped", "Failed"):
            setattr(job, self.end, utcnow())
        job.last_modified_time = utcnow()

    def later(self, backend: SageMakerModelBackend, name: str, job: Any, delay: float, expect: str, then: str) -> None:
        """`then` after `delay` seconds, if the job is still this one and still `expect`."""

        def apply() -> None:
            if self.jobs(backend).get(name) is job and self.status_of(job) == expect:
                self.set(job, then)

        pending.schedule(delay, apply)

    def run(self, backend: SageMakerModelBackend, name: str, job: Any, secondary: str | None = None) -> None:
        """A new job: InProgress, no end time; Completed after job_run_seconds if set."""
        self.set(job, "InProgress", secondary)
        setattr(job, self.end, None)
        seconds = CONFIG.get("job_run_seconds")
        if seconds is not None:
            self.later(backend, name, job, seconds, "InProgress", "Completed")

    def stop(self, backend: SageMakerModelBackend, name: str, job: Any) -> None:
        current = self.status_of(job)
        if current != "InProgress":
            raise ValidationError(f"The request was rejected because the {self.label} is in status {current}.")
        self.set(job, "Stopping")
        self.later(backend, name, job, latency_profile.settle_seconds("sagemaker:job:stop"), "Stopping", "Stopped")


TRAINING = JobKind("training job", "training_jobs", "training_job_status", "training_end_time", "secondary_status")
PROCESSING = JobKind("processing job", "processing_jobs", "processing_job_status", "processing_end_time")
TRANSFORM = JobKind("transform job", "transform_jobs", "transform_job_status", "transform_end_time")
TUNING = JobKind(
    "hyperparameter tuning job", "hyper_parameter_tuning_jobs", "hyper_parameter_tuning_job_status",
    "hyper_parameter_tuning_end_time",
)
AUTOML = JobKind("AutoML job", "auto_ml_jobs", "auto_ml_job_status", "end_time", "auto_ml_job_secondary_status")


def _unique(self: SageMakerResponse, kind: JobKind, name: str, noun: str) -> None:
    if name in kind.jobs(self.sagemaker_backend):
        arn = arn_formatter(noun, name, self.current_account, self.region)
        word = kind.label[0].upper() + kind.label[1:]
        raise ResourceInUseException(
            f"{word} names must be unique within an AWS account and region, and a {kind.label} with this "
            f"name already exists ({arn})"
        )


def _checked(self: SageMakerResponse, operation: str) -> dict[str, Any]:
    params = model_rules.request_params(self, operation)
    model_rules.check(operation, params)
    return params


def _sorts(name: str, status: str) -> dict[str, Callable[[Any], Any]]:
    return {
        "Name": lambda j: getattr(j, name),
        "CreationTime": lambda j: j.creation_time,
        "Status": lambda j: getattr(j, status),
    }


# --- training jobs -----------------------------------------------------------------------


def _training(backend: SageMakerModelBackend, name: str | None) -> Any:
    job = backend.training_jobs.get(name or "")
    if job is None:
        raise ValidationError("Requested resource not found.")  # AWS's code and words
    return job


def create_training_job(self: SageMakerResponse) -> ActionResult:
    params = _checked(self, "CreateTrainingJob")
    name = params["TrainingJobName"]
    backend = self.sagemaker_backend
    with LOCK:
        _unique(self, TRAINING, name, "training-job")
        job = backend.create_training_job(
            training_job_name=name,
            hyper_parameters=params.get("HyperParameters"),
            # moto adds MetricDefinitions to what it is given: give it a copy.
            algorithm_specification=copy.deepcopy(params.get("AlgorithmSpecification") or {}),
            role_arn=params["RoleArn"],
            input_data_config=params.get("InputDataConfig"),
            output_data_config=params["OutputDataConfig"],
            resource_config=params.get("ResourceConfig"),
            vpc_config=params.get("VpcConfig"),
            stopping_condition=params.get("StoppingCondition"),
            tags=params.get("Tags"),
            enable_network_isolation=bool(params.get("EnableNetworkIsolation")),
            enable_inter_container_traffic_encryption=bool(params.get("EnableInterContainerTrafficEncryption")),
            enable_managed_spot_training=bool(params.get("EnableManagedSpotTraining")),
            checkpoint_config=params.get("CheckpointConfig"),
            debug_hook_config=params.get("DebugHookConfig"),
            debug_rule_configurations=params.get("DebugRuleConfigurations"),
            tensor_board_output_config=params.get("TensorBoardOutputConfig"),
            experiment_config=params.get("ExperimentConfig"),
        )
        remember(job, params, "DescribeTrainingJob")
        job.training_start_time = None
        job.algorithm_specification = params.get("AlgorithmSpecification")
        TRAINING.run(backend, name, job, secondary="Starting")
    return ActionResult({"TrainingJobArn": job.arn})


def describe_training_job(self: SageMakerResponse) -> ActionResult:
    job = _training(self.sagemaker_backend, self._get_param("TrainingJobName"))
    return ActionResult(described(job, job.response_object))


def stop_training_job(self: SageMakerResponse) -> ActionResult:
    name = self._get_param("TrainingJobName")
    with LOCK:
        TRAINING.stop(self.sagemaker_backend, name, _training(self.sagemaker_backend, name))
    return EmptyResult()


def list_training_jobs(self: SageMakerResponse) -> ActionResult:
    return list_page(
        self, "ListTrainingJobs", list(self.sagemaker_backend.training_jobs.values()),
        key="TrainingJobSummaries",
        name=lambda j: j.training_job_name,
        summary=lambda j: {
            "TrainingJobName": j.training_job_name,
            "TrainingJobArn": j.arn,
            "CreationTime": j.creation_time,
            "TrainingEndTime": j.training_end_time,
            "LastModifiedTime": j.last_modified_time,
            "TrainingJobStatus": j.training_job_status,
            "SecondaryStatus": j.secondary_status,
        },
        sort_keys=_sorts("training_job_name", "training_job_status"),
        default_sort="CreationTime", default_order="Ascending",
        status=TRAINING.status_of, modified=lambda j: j.last_modified_time,
    )


# --- processing jobs ---------------------------------------------------------------------


def _processing(backend: SageMakerModelBackend, name: str | None) -> Any:
    job = backend.processing_jobs.get(name or "")
    if job is None:
        arn = arn_formatter("processing-job", name or "", backend.account_id, backend.region_name)
        raise ValidationError(f"Could not find processing job '{arn}'.")  # moto's words
    return job


def create_processing_job(self: SageMakerResponse) -> ActionResult:
    params = _checked(self, "CreateProcessingJob")
    name = params["ProcessingJobName"]
    backend = self.sagemaker_backend
    with LOCK:
        _unique(self, PROCESSING, name, "processing-job")
        job = backend.create_processing_job(
            app_specification=params["AppSpecification"],
            experiment_config=params.get("ExperimentConfig"),
            network_config=params.get("NetworkConfig"),
            processing_inputs=params.get("ProcessingInputs"),
            processing_job_name=name,
            processing_output_config=params.get("ProcessingOutputConfig"),
            role_arn=params["RoleArn"],
            stopping_condition=params.get("StoppingCondition"),
            tags=params.get("Tags"),
        )
        remember(job, params, "DescribeProcessingJob")  # ProcessingResources, Environment, ...
        PROCESSING.run(backend, name, job)
    return ActionResult({"ProcessingJobArn": job.arn})


def describe_processing_job(self: SageMakerResponse) -> ActionResult:
    job = _processing(self.sagemaker_backend, self._get_param("ProcessingJobName"))
    return ActionResult(described(job, job.response_object))


def stop_processing_job(self: SageMakerResponse) -> ActionResult:
    name = self._get_param("ProcessingJobName")
    with LOCK:
        PROCESSING.stop(self.sagemaker_backend, name, _processing(self.sagemaker_backend, name))
    return EmptyResult()


def list_processing_jobs(self: SageMakerResponse) -> ActionResult:
    return list_page(
        self, "ListProcessingJobs", list(self.sagemaker_backend.processing_jobs.values()),
        key="ProcessingJobSummaries",
        name=lambda j: j.processing_job_name,
        summary=lambda j: {
            "ProcessingJobName": j.processing_job_name,
            "ProcessingJobArn": j.arn,
            "CreationTime": j.creation_time,
            "ProcessingEndTime": j.processing_end_time,
            "LastModifiedTime": j.last_modified_time,
            "ProcessingJobStatus": j.processing_job_status,
        },
        sort_keys=_sorts("processing_job_name", "processing_job_status"),
        default_sort="CreationTime", default_order="Ascending",
        status=PROCESSING.status_of, modified=lambda j: j.last_modified_time,
    )


# --- transform jobs ----------------------------------------------------------------------


def _transform(backend: SageMakerModelBackend, name: str | None) -> Any:
    job = backend.transform_jobs.get(name or "")
    if job is None:
        arn = arn_formatter("transform-job", name or "", backend.account_id, backend.region_name)
        raise ValidationError(f"Could not find transform job '{arn}'.")  # moto's words
    return job


def create_transform_job(self: SageMakerResponse) -> ActionResult:
    params = _checked(self, "CreateTransformJob")
    name, model = params["TransformJobName"], params["ModelName"]
    backend = self.sagemaker_backend
    with LOCK:
        _unique(self, TRANSFORM, name, "transform-job")
        if model not in backend._models:  # the job runs in the model's network (its VpcConfig)
            arn = arn_formatter("model", model, self.current_account, self.region)
            raise ValidationError(f"Could not find model '{arn}'.")
        job = backend.create_transform_job(
            transform_job_name=name,
            model_name=model,
            max_concurrent_transforms=params.get("MaxConcurrentTransforms"),
            model_client_config=params.get("ModelClientConfig"),
            max_payload_in_mb=params.get("MaxPayloadInMB"),
            batch_strategy=params.get("BatchStrategy"),
            environment=params.get("Environment"),
            transform_input=params["TransformInput"],
            transform_output=params["TransformOutput"],
            data_capture_config=params.get("DataCaptureConfig"),
            transform_resources=params["TransformResources"],
            data_processing=params.get("DataProcessing"),
            tags=params.get("Tags") or [],
            experiment_config=params.get("ExperimentConfig"),
        )
        remember(job, params, "DescribeTransformJob")
        job.transform_start_time = None
        job.failure_reason = job.labeling_job_arn = job.auto_ml_job_arn = None  # moto: ""
        TRANSFORM.run(backend, name, job)
    return ActionResult({"TransformJobArn": job.arn})


def describe_transform_job(self: SageMakerResponse) -> ActionResult:
    job = _transform(self.sagemaker_backend, self._get_param("TransformJobName"))
    return ActionResult(described(job, job.response_object))


def stop_transform_job(self: SageMakerResponse) -> ActionResult:
    name = self._get_param("TransformJobName")
    with LOCK:
        TRANSFORM.stop(self.sagemaker_backend, name, _transform(self.sagemaker_backend, name))
    return EmptyResult()


def list_transform_jobs(self: SageMakerResponse) -> ActionResult:
    return list_page(
        self, "ListTransformJobs", list(self.sagemaker_backend.transform_jobs.values()),
        key="TransformJobSummaries",
        name=lambda j: j.transform_job_name,
        summary=lambda j: {
            "TransformJobName": j.transform_job_name,
            "TransformJobArn": j.arn,
            "CreationTime": j.creation_time,
            "TransformEndTime": j.transform_end_time,
            "LastModifiedTime": j.last_modified_time,
            "TransformJobStatus": j.transform_job_status,
        },
        sort_keys=_sorts("transform_job_name", "transform_job_status"),
        default_sort="CreationTime", default_order="Descending",
        status=TRANSFORM.status_of, modified=lambda j: j.last_modified_time,
    )


# --- hyperparameter tuning jobs --------------------------------------------------------------


def _tuning(backend: SageMakerModelBackend, name: str | None) -> Any:
    job = backend.hyper_parameter_tuning_jobs.get(name or "")
    if job is None:
        raise ResourceNotFound(f"Could not find hyper parameter tuning job '{name}'.")  # moto's
    return job


def create_hyper_parameter_tuning_job(self: SageMakerResponse) -> ActionResult:
    params = _checked(self, "CreateHyperParameterTuningJob")
    if not params.get("TrainingJobDefinition") and not params.get("TrainingJobDefinitions"):
        raise ValidationError("Either TrainingJobDefinition or TrainingJobDefinitions must be provided.")
    name = params["HyperParameterTuningJobName"]
    backend = self.sagemaker_backend
    with LOCK:
        arn = backend.create_hyper_parameter_tuning_job(  # moto refuses a name in use (ResourceInUse)
            hyper_parameter_tuning_job_name=name,
            hyper_parameter_tuning_job_config=params["HyperParameterTuningJobConfig"],
            training_job_definition=params.get("TrainingJobDefinition"),
            training_job_definitions=params.get("TrainingJobDefinitions"),
            warm_start_config=params.get("WarmStartConfig"),
            tags=params.get("Tags") or [],
            autotune=params.get("Autotune"),
        )
        job = backend.hyper_parameter_tuning_jobs[name]
        remember(job, params, "DescribeHyperParameterTuningJob")
        # Nothing has run yet: no counts, no best job (moto makes them up).
        job.training_job_status_counters = {
            "Completed": 0, "InProgress": 0, "RetryableError": 0, "NonRetryableError": 0, "Stopped": 0,
        }
        job.objective_status_counters = {"Succeeded": 0, "Pending": 0, "Failed": 0}
        job.best_training_job = job.OverallBestTrainingJob = job.tuning_job_completion_details = None
        job.consumed_resources = {"RuntimeInSeconds": 0}
        job.failure_reason = None
        TUNING.run(backend, name, job)
    return ActionResult({"HyperParameterTuningJobArn": arn})


def describe_hyper_parameter_tuning_job(self: SageMakerResponse) -> ActionResult:
    job = _tuning(self.sagemaker_backend, self._get_param("HyperParameterTuningJobName"))
    return ActionResult(described(job, job.describe()))


def stop_hyper_parameter_tuning_job(self: SageMakerResponse) -> ActionResult:
    name = self._get_param("HyperParameterTuningJobName")
    with LOCK:
        TUNING.stop(self.sagemaker_backend, name, _tuning(self.sagemaker_backend, name))
    return EmptyResult()


def list_hyper_parameter_tuning_jobs(self: SageMakerResponse) -> ActionResult:
    return list_page(
        self, "ListHyperParameterTuningJobs", list(self.sagemaker_backend.hyper_parameter_tuning_jobs.values()),
        key="HyperParameterTuningJobSummaries",
        name=lambda j: j.hyper_parameter_tuning_job_name,
        summary=lambda j: j.summary(),
        sort_keys=_sorts("hyper_parameter_tuning_job_name", "hyper_parameter_tuning_job_status"),
        default_sort="Name", default_order="Ascending",
        status=TUNING.status_of, modified=lambda j: j.last_modified_time,
    )


# --- AutoML (V2) jobs ----------------------------------------------------------------------


def _automl(backend: SageMakerModelBackend, name: str | None) -> Any:
    job = backend.auto_ml_jobs.get(name or "")
    if job is None:
        raise ResourceNotFound(f"Could not find AutoML job with name {name}.")  # moto's
    return job


def create_auto_ml_job_v2(self: SageMakerResponse) -> ActionResult:
    params = _checked(self, "CreateAutoMLJobV2")
    name = params["AutoMLJobName"]
    backend = self.sagemaker_backend
    given_problem = params["AutoMLProblemTypeConfig"]
    # moto reads <Type>JobConfig.CompletionCriteria and TabularJobConfig.ProblemType as if they
    # were required (both are optional): give it a copy that has them.
    problem = copy.deepcopy(given_problem)
    for config in problem.values():
        if isinstance(config, dict):
            config.setdefault("CompletionCriteria", {})
            config.setdefault("ProblemType", None)
    with LOCK:
        arn = backend.create_auto_ml_job_v2(  # moto refuses a name in use (ResourceInUse)
            auto_ml_job_name=name,
            auto_ml_job_input_data_config=params["AutoMLJobInputDataConfig"],
            output_data_config=params["OutputDataConfig"],
            auto_ml_problem_type_config=problem,
            role_arn=params["RoleArn"],
            tags=params.get("Tags"),
            security_config=params.get("SecurityConfig"),
            auto_ml_job_objective=params.get("AutoMLJobObjective"),
            model_deploy_config=params.get("ModelDeployConfig"),
            data_split_config=params.get("DataSplitConfig"),
        )
        job = backend.auto_ml_jobs[name]
        remember(job, params, "DescribeAutoMLJobV2")
        job.auto_ml_problem_type_config = given_problem
        job.model_deploy_config = params.get("ModelDeployConfig")  # moto makes one up
        # Nothing has run yet (moto makes up a best candidate, artifacts and a deployment).
        job.best_candidate = job.auto_ml_job_artifacts = job.model_deploy_result = None
        job.failure_reason = job.partial_failure_reasons = None
        AUTOML.run(backend, name, job, secondary="Starting")
    return ActionResult({"AutoMLJobArn": arn})


def describe_auto_ml_job_v2(self: SageMakerResponse) -> ActionResult:
    job = _automl(self.sagemaker_backend, self._get_param("AutoMLJobName"))
    return ActionResult(described(job, job.describe()))


def create_auto_ml_job(self: SageMakerResponse) -> ActionResult:
    """AutoML V1 (tabular only): kept as moto's V2 job, its V1 input answered by DescribeAutoMLJob."""
    params = _checked(self, "CreateAutoMLJob")
    name = params["AutoMLJobName"]
    backend = self.sagemaker_backend
    config = params.get("AutoMLJobConfig") or {}
    channels = params["InputDataConfig"]
    first = channels[0] if channels else {}
    tabular = {
        key: value
        for key, value in {
            "TargetAttributeName": first.get("TargetAttributeName"),
            "SampleWeightAttributeName": first.get("SampleWeightAttributeName"),
            "ProblemType": params.get("ProblemType"),
            "CompletionCriteria": config.get("CompletionCriteria") or {},
            "Mode": config.get("Mode"),
            "CandidateGenerationConfig": config.get("CandidateGenerationConfig"),
            "GenerateCandidateDefinitionsOnly": params.get("GenerateCandidateDefinitionsOnly"),
        }.items()
        if value is not None
    }
    tabular.setdefault("ProblemType", None)  # moto reads it
    inputs = [
        {k: c[k] for k in ("ChannelType", "ContentType", "CompressionType", "DataSource") if k in c} for c in channels
    ]
    with LOCK:
        backend.create_auto_ml_job_v2(  # moto refuses a name in use (ResourceInUse)
            auto_ml_job_name=name,
            auto_ml_job_input_data_config=inputs,
            output_data_config=params["OutputDataConfig"],
            auto_ml_problem_type_config={"TabularJobConfig": tabular},
            role_arn=params["RoleArn"],
            tags=params.get("Tags"),
            security_config=config.get("SecurityConfig"),
            auto_ml_job_objective=params.get("AutoMLJobObjective"),
            model_deploy_config=params.get("ModelDeployConfig"),
            data_split_config=config.get("DataSplitConfig"),
        )
        job = backend.auto_ml_jobs[name]
        remember(job, params, "DescribeAutoMLJob")
        job.model_deploy_config = params.get("ModelDeployConfig")
        job.best_candidate = job.auto_ml_job_artifacts = job.model_deploy_result = None
        job.failure_reason = job.partial_failure_reasons = None
        AUTOML.run(backend, name, job, secondary="Starting")
    return ActionResult({"AutoMLJobArn": job.arn})


def describe_auto_ml_job(self: SageMakerResponse) -> ActionResult:
    from moto.core.utils import get_service_model

    job = _automl(self.sagemaker_backend, self._get_param("AutoMLJobName"))
    members = get_service_model("sagemaker").operation_model("DescribeAutoMLJob").output_shape.members
    base = {k: v for k, v in job.describe().items() if k in members}
    return ActionResult(described(job, base))


def stop_auto_ml_job(self: SageMakerResponse) -> ActionResult:
    name = self._get_param("AutoMLJobName")
    with LOCK:
        AUTOML.stop(self.sagemaker_backend, name, _automl(self.sagemaker_backend, name))
    return EmptyResult()


def list_auto_ml_jobs(self: SageMakerResponse) -> ActionResult:
    return list_page(
        self, "ListAutoMLJobs", list(self.sagemaker_backend.auto_ml_jobs.values()),
        key="AutoMLJobSummaries",
        name=lambda j: j.auto_ml_job_name,
        summary=lambda j: j.summary(),
        sort_keys=_sorts("auto_ml_job_name", "auto_ml_job_status"),
        default_sort="Name", default_order="Descending",
        status=AUTOML.status_of, modified=lambda j: j.last_modified_time,
    )


# Operations moto 5.2.5 lacks (install() refuses to start once moto has one) ...
ADDED = [stop_training_job, stop_transform_job, stop_hyper_parameter_tuning_job, create_auto_ml_job, describe_auto_ml_job]
# ... and moto's that these replace.
REPLACED = [
    create_training_job, describe_training_job, list_training_jobs,
    create_processing_job, describe_processing_job, stop_processing_job, list_processing_jobs,
    create_transform_job, describe_transform_job, list_transform_jobs,
    create_hyper_parameter_tuning_job, describe_hyper_parameter_tuning_job, list_hyper_parameter_tuning_jobs,
    create_auto_ml_job_v2, describe_auto_ml_job_v2, stop_auto_ml_job, list_auto_ml_jobs,
]


def install() -> None:
    install_operations(ADDED, REPLACED)
