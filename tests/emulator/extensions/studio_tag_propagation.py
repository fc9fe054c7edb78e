"""Custom tag propagation (a domain's TagPropagation ENABLED), which moto does not know.

AWS (https://docs.aws.amazon.com/sagemaker/latest/dg/custom-tags.html): with TagPropagation
ENABLED, custom tags set on the domain, user profile and space propagate to the SageMaker
resources created in Studio in their context; resources made at the user profile or space
level take the domain's tags as well as their own; tags AWS itself adds ("aws:" keys) are
not propagated; a resource with more than 50 tags in the end is refused at creation.

Here, for what the emulator models: a space created in a domain whose TagPropagation is
ENABLED carries the domain's custom tags, and an app the domain's plus its space's or user
profile's, then its own (a key given again takes the later value: own over owner over
domain). Tags are copied at creation, as AWS does: later changes to the domain's tags or to
TagPropagation leave existing spaces and apps alone. More than 50 tags: ValidationException,
nothing created. User profiles are not created in Studio and keep their own tags.
"""

from collections.abc import Callable
from typing import Any

from moto.core.responses import ActionResult
from moto.sagemaker.exceptions import ValidationError
from moto.sagemaker.models import SageMakerModelBackend
from moto.sagemaker.responses import SageMakerResponse

from .common import LOCK
from .sagemaker import sm_state

MAX_TAGS = 50


def _custom(tags: list[dict[str, str]] | None) -> list[dict[str, str]]:
    return [t for t in tags or [] if not str(t.get("Key", "")).startswith("aws:")]


def _merge(*layers: list[dict[str, str]] | None) -> list[dict[str, str]]:
    merged: dict[str, dict[str, str]] = {}
    for layer in layers:
        for tag in layer or []:
            merged.pop(tag["Key"], None)  # the later layer's value, in its place
            merged[tag["Key"]] = dict(tag)
    return list(merged.values())


def _propagating(backend: SageMakerModelBackend, domain_id: str | None) -> Any:
    domain = backend.domains.get(domain_id)
    if domain is None or getattr(domain, "tag_propagation", None) != "ENABLED":
        return None
    return domain


def _with_tags(
    handler: Callable[[SageMakerResponse], ActionResult],
    inherited: Callable[[SageMakerResponse, Any], list[dict[str, str]]],
    created: Callable[[SageMakerResponse], Any],
) -> Callable[[SageMakerResponse], ActionResult]:
    """Wrap a Create* handler: with propagation on, the new resource's tags are the inherited
    ones merged with its own."""

    def wrapped(self: SageMakerResponse) -> ActionResult:
        with LOCK:
            domain = _propagating(self.sagemaker_backend, self._get_param("DomainId"))
            if domain is None:
                return handler(self)
            tags = _merge(inherited(self, domain), self._get_param("Tags"))
            if len(tags) > MAX_TAGS:
                raise ValidationError(
                    f"With TagPropagation ENABLED in domain {domain.id} the resource would have {len(tags)} tags "
                    f"(its own and those it inherits); at most {MAX_TAGS} are allowed."
                )
            result = handler(self)
            resource = created(self)
            if resource is not None:
                resource.tags = tags
            return result

    wrapped.__name__ = handler.__name__
    return wrapped


def _space_inherits(self: SageMakerResponse, domain: Any) -> list[dict[str, str]]:
    return _custom(domain.tags)


def _new_space(self: SageMakerResponse) -> Any:
    return sm_state(self.sagemaker_backend).spaces.get((self._get_param("DomainId"), self._get_param("SpaceName")))


def _app_owner(self: SageMakerResponse) -> Any:
    st, domain_id = sm_state(self.sagemaker_backend), self._get_param("DomainId")
    if self._get_param("SpaceName") is not None:
        return st.spaces.get((domain_id, self._get_param("SpaceName")))
    return st.user_profiles.get((domain_id, self._get_param("UserProfileName")))


def _app_inherits(self: SageMakerResponse, domain: Any) -> list[dict[str, str]]:
    owner = _app_owner(self)
    return _merge(_custom(domain.tags), _custom(owner.tags if owner is not None else []))


def _new_app(self: SageMakerResponse) -> Any:
    owner_kind = "space" if self._get_param("SpaceName") is not None else "user"
    owner = self._get_param("SpaceName") if owner_kind == "space" else self._get_param("UserProfileName")
    key = (self._get_param("DomainId"), owner_kind, owner, self._get_param("AppType"), self._get_param("AppName"))
    return sm_state(self.sagemaker_backend).apps.get(key)


def install() -> None:
    """After studio.install() (and studio_settings.install()): wraps their handlers."""
    SageMakerResponse.create_space = _with_tags(SageMakerResponse.create_space, _space_inherits, _new_space)
    SageMakerResponse.create_app = _with_tags(SageMakerResponse.create_app, _app_inherits, _new_app)
