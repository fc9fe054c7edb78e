"""SageMaker DeleteModelPackage, which moto 5.2.5 does not have.

Removing a project deletes the model versions its pipeline registered before the project's
stack deletes their group (the group's delete is refused while it holds versions:
cfn_mlops.py). Here, as on AWS:
  - DeleteModelPackage(ModelPackageName): the package's ARN, or the name of an unversioned
    package. A versioned package is named by its ARN only (its name is its group's).
  - A package that does not exist: ValidationException "Model package <name> does not exist."
    (the engine counts it as deleted).
"""

from moto.core.responses import EmptyResult
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.responses import SageMakerResponse

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


def install() -> None:
    install_operations([delete_model_package], [])
