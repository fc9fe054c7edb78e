"""SageMaker DeleteModelPackage, which moto 5.2.5 does not have, and a missing pipeline as AWS
reports it.

Removing a project deletes the model versions its pipeline registered before the project's
stack deletes their group (the group's delete is refused while it holds versions:
cfn_mlops.py). Here, as on AWS:
  - DeleteModelPackage(ModelPackageName): the package's ARN, or the name of an unversioned
    package. A versioned package is named by its ARN only (its name is its group's).
  - A package that does not exist: ValidationException "Model package <name> does not exist."
    (the engine counts it as deleted).
  - A SageMaker Pipeline that does not exist (DescribePipeline, DeletePipeline, UpdatePipeline,
    StartPipelineExecution and the other calls naming one): ResourceNotFound "Pipeline <name>
    does not exist.", as AWS's API reference lists for them; moto answers ValidationException.
    A project whose build never ran has no pipeline, and its deletion must find it gone.
  - DeletePipeline's request is held to AWS's model first (model_rules.py): ClientRequestToken
    is 32 to 128 characters, which moto does not check.
"""

from typing import Any

from moto.core.responses import EmptyResult
import moto.sagemaker.models as sagemaker_models
from moto.sagemaker.exceptions import ResourceNotFound, ValidationError
from moto.sagemaker.responses import SageMakerResponse

from . import model_rules
from .common import LOCK
from .sagemaker_reads import install_operations


def delete_model_package(self: SageMakerResponse) -> EmptyResult:
    name = self._get_param("ModelPackageName") or ""
    backend = self.sagemaker_backend
    with LOCK:
        arn = name if name in backend.model_packages else None
        if arn is None:
            mapped = backend.model_package_name_mapping.get(name)
            package = backend.model_packages.get(mapped or "")
            # A group's name maps to its newest version in moto: that is not a package name.
            if package is not None and not getattr(package, "model_package_group_name", None):
                arn = mapped
        if arn is None:
            raise ValidationError(message=f"Model package {name} does not exist.")
        del backend.model_packages[arn]
        for key in [k for k, v in backend.model_package_name_mapping.items() if v == arn]:
            del backend.model_package_name_mapping[key]
    return EmptyResult()


_moto_delete_pipeline = SageMakerResponse.delete_pipeline


def delete_pipeline(self: SageMakerResponse) -> Any:
    model_rules.check("DeletePipeline", model_rules.request_params(self, "DeletePipeline"))
    return _moto_delete_pipeline(self)


def _install_missing_pipelines() -> None:
    moto_lookup = sagemaker_models.get_pipeline_from_name

    def get_pipeline_from_name(pipelines: Any, pipeline_name: str) -> Any:
        try:
            return moto_lookup(pipelines, pipeline_name)
        except ValidationError:
            raise ResourceNotFound(message=f"Pipeline {pipeline_name} does not exist.") from None

    sagemaker_models.get_pipeline_from_name = get_pipeline_from_name


def install() -> None:
    install_operations([delete_model_package], [delete_pipeline])
    _install_missing_pipelines()
