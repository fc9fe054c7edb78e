"""SageMaker AddTags/ListTags/DeleteTags as AWS answers them, on every taggable kind.

moto 5.2.5's AddTags appends: a key tagged again is listed twice (the old value and the new),
and DeleteTags then removes both; AWS adds or overwrites ("Adds or overwrites one or more tags
for the specified SageMaker resource"), so a key has one value. ListTags/AddTags/DeleteTags of
an ARN whose resource does not exist, or whose kind moto does not know, answered 500.

Here AddTags overwrites the value of a key that is there and appends new keys (in the order
given); an unknown resource or kind is ValidationException "Could not find <kind> with name
<name>" (the words moto and the other extensions use). Taggable, checked by
tests/test_cloudtrail_events.py: training, processing, transform, hyperparameter tuning and
AutoML jobs, notebook instances, models, endpoint configurations (moto's lookup), apps, spaces,
user profiles (sagemaker.py), domains (moto's; studio.py gives new domains a tag list), and the
kinds other extensions add (lifecycle configurations, images, app image configs).

install() must run after every module that wraps SageMakerModelBackend._get_resource_from_arn.
"""

from typing import Any

from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend


def install() -> None:
    previous = SageMakerModelBackend._get_resource_from_arn

    def _get_resource_from_arn(backend: SageMakerModelBackend, arn: str) -> Any:
        resource_part = str(arn).split(":", 5)[-1]
        kind, _, name = resource_part.partition("/")
        try:
            found = previous(backend, arn)
        except ValidationError:
            raise
        except (AttributeError, KeyError, ValueError, TypeError) as exc:
            raise ValidationError(message=f"Could not find {kind} with name {name}") from exc
        if found is None:
            raise ValidationError(message=f"Could not find {kind} with name {name}")
        if getattr(found, "tags", None) is None:
            found.tags = []
        return found

    def add_tags(backend: SageMakerModelBackend, arn: str, tags: list[dict[str, str]]) -> list[dict[str, str]]:
        resource = backend._get_resource_from_arn(arn)
        current: list[dict[str, str]] = resource.tags
        for tag in tags or []:
            for existing in current:
                if existing.get("Key") == tag.get("Key"):
                    existing["Value"] = tag.get("Value", "")
                    break
            else:
                current.append(dict(tag))
        return current

    SageMakerModelBackend._get_resource_from_arn = _get_resource_from_arn  # type: ignore[method-assign]
    SageMakerModelBackend.add_tags = add_tags  # type: ignore[method-assign]
