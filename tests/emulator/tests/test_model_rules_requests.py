"""Every SageMaker request is held to the API model's constraints before
moto sees it (model_rules.refusal in routes.py), as AWS validates before anything else."""

import pytest
from botocore.exceptions import ClientError
from conftest import Emulator, error_code


def test_a_sagemaker_request_breaking_the_model_is_refused_before_moto(emulator: Emulator, region: str) -> None:
    sm = emulator.client("sagemaker", region, validate=False)
    # moto would answer ResourceNotFound for the missing pipeline; AWS refuses the short token
    # first.
    with pytest.raises(ClientError) as e:
        sm.delete_pipeline(PipelineName="nothing-here", ClientRequestToken="too-short")
    assert error_code(e) == "ValidationException"
    message = e.value.response["Error"]["Message"]
    assert message.startswith("1 validation error detected: Value 'too-short' at 'clientRequestToken'"), message
    assert "length greater than or equal to 32" in message
    # A list's structures are paths with 1-based indexes, several errors are counted.
    with pytest.raises(ClientError) as e:
        sm.list_models(MaxResults=500, NameContains="x" * 70)
    message = e.value.response["Error"]["Message"]
    assert message.startswith("2 validation errors detected"), message
    # A valid request goes on to moto.
    assert "Models" in sm.list_models(MaxResults=5)


def test_other_services_are_not_checked_wholesale(emulator: Emulator, region: str) -> None:
    # Service Catalog's extensions answer the constraints they check themselves.
    sc = emulator.client("servicecatalog", region, validate=False)
    with pytest.raises(ClientError) as e:
        sc.search_products(PageSize=101)
    assert error_code(e) == "InvalidParametersException"
