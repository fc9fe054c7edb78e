"""SageMaker models and endpoint configurations, read back as AWS answers them.

moto 5.2.5 stores a model's VpcConfig and an endpoint configuration's KmsKeyId and
ProductionVariants and reads them back, but:
  - CreateModel ignores EnableNetworkIsolation (DescribeModel says false) and
    InferenceExecutionConfig, and DescribeModel answers an empty VpcConfig, PrimaryContainer
    and Containers that were never given (so a model without a VPC looks like one with an
    empty VPC configuration);
  - DescribeEndpointConfig answers an empty DataCaptureConfig that was never given, and leaves
    out ExecutionRoleArn, VpcConfig, EnableNetworkIsolation, ShadowProductionVariants, ...;
  - creating a model or endpoint configuration again under its name replaces it;
  - ListModels answers every model, unpaged and unsorted; ListEndpointConfigs pages 100 by
    default, oldest first;
  - no input is checked against the API model.

Here, as on AWS:
  - CreateModel/CreateEndpointConfig check their input against the model (ValidationException);
    a name in use is ValidationException 'Cannot create already existing model "<arn>".' /
    'Cannot create already existing endpoint configuration "<arn>".'; a production variant's
    model must exist (moto's check).
  - DescribeModel/DescribeEndpointConfig answer what was given (EnableNetworkIsolation false
    when not given), and leave out what was not.
  - ListModels/ListEndpointConfigs: NameContains, CreationTimeBefore/After, SortBy (Name,
    CreationTime; default CreationTime), SortOrder (default Descending), MaxResults 1-100
    (default 10), NextToken (sagemaker_reads.list_page).
"""

from typing import Any

from moto.core.responses import ActionResult
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.responses import SageMakerResponse
from moto.sagemaker.utils import arn_formatter

from . import model_rules
from .common import LOCK
from .sagemaker_reads import described, install_operations, list_page, remember

_moto: dict[str, Any] = {}


def create_model(self: SageMakerResponse) -> ActionResult:
    params = model_rules.request_params(self, "CreateModel")
    model_rules.check("CreateModel", params)
    name = params["ModelName"]
    backend = self.sagemaker_backend
    with LOCK:
        if name in backend._models:
            arn = arn_formatter("model", name, self.current_account, self.region)
            raise ValidationError(f'Cannot create already existing model "{arn}".')
        answer = _moto["create_model"](self)
        model = backend._models[name]
        remember(model, params, "DescribeModel")
        model.enable_network_isolation = bool(params.get("EnableNetworkIsolation"))
    return answer


def describe_model(self: SageMakerResponse) -> ActionResult:
    model = self.sagemaker_backend.describe_model(self._get_param("ModelName"))
    answer = described(model, model.response_object, only_if_given=("VpcConfig", "PrimaryContainer", "Containers", "ExecutionRoleArn"))
    answer["EnableNetworkIsolation"] = model.enable_network_isolation
    return ActionResult(answer)


def list_models(self: SageMakerResponse) -> ActionResult:
    return list_page(
        self, "ListModels", list(self.sagemaker_backend._models.values()),
        key="Models",
        name=lambda m: m.model_name,
        summary=lambda m: {"ModelName": m.model_name, "ModelArn": m.arn, "CreationTime": m.creation_time},
        sort_keys={"Name": lambda m: m.model_name, "CreationTime": lambda m: m.creation_time},
        default_sort="CreationTime", default_order="Descending",
    )


def create_endpoint_config(self: SageMakerResponse) -> ActionResult:
    params = model_rules.request_params(self, "CreateEndpointConfig")
    model_rules.check("CreateEndpointConfig", params)
    name = params["EndpointConfigName"]
    backend = self.sagemaker_backend
    with LOCK:
        if name in backend.endpoint_configs:
            arn = arn_formatter("endpoint-config", name, self.current_account, self.region)
            raise ValidationError(f'Cannot create already existing endpoint configuration "{arn}".')
        answer = _moto["create_endpoint_config"](self)  # moto: each variant's model must exist
        remember(backend.endpoint_configs[name], params, "DescribeEndpointConfig")
    return answer


def describe_endpoint_config(self: SageMakerResponse) -> ActionResult:
    name = self._get_param("EndpointConfigName")
    answer = self.sagemaker_backend.describe_endpoint_config(name)  # moto's ValidationException if missing
    config = self.sagemaker_backend.endpoint_configs[name]
    # moto keeps {} for a missing DataCaptureConfig (its CreateEndpoint reads it): not shown.
    return ActionResult(described(config, answer, only_if_given=("DataCaptureConfig",)))


def list_endpoint_configs(self: SageMakerResponse) -> ActionResult:
    return list_page(
        self, "ListEndpointConfigs", list(self.sagemaker_backend.endpoint_configs.values()),
        key="EndpointConfigs",
        name=lambda c: c.endpoint_config_name,
        summary=lambda c: c.summary(),
        sort_keys={"Name": lambda c: c.endpoint_config_name, "CreationTime": lambda c: c.creation_time},
        default_sort="CreationTime", default_order="Descending",
    )


REPLACED = [create_model, describe_model, list_models, create_endpoint_config, describe_endpoint_config, list_endpoint_configs]


def install() -> None:
    for op in REPLACED:
        _moto[op.__name__] = getattr(SageMakerResponse, op.__name__)
    install_operations([], REPLACED)
