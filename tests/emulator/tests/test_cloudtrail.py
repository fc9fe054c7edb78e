"""CloudTrail trails (extensions/cloudtrail.py): selectors, status and descriptions as AWS answers them,
and which trails record a management event."""

from typing import Any

import pytest
from botocore.exceptions import ClientError
from conftest import Emulator, error_code

ACCOUNT = "123456789012"
DEFAULT_SELECTOR = {"ReadWriteType": "All", "IncludeManagementEvents": True, "DataResources": [], "ExcludeManagementEventSources": []}


def refused(code: str, call: Any, **kw: Any) -> str:
    with pytest.raises(ClientError) as exc:
        call(**kw)
    assert error_code(exc) == code, exc.value.response["Error"]
    return exc.value.response["Error"]["Message"]


@pytest.fixture
def ct(emulator: Emulator, region: str, name: Any) -> Any:
    """A CloudTrail client for the test's region, a bucket for trails; every trail deleted after."""
    client = emulator.client("cloudtrail", region)
    client.bucket = name("trail-logs")
    s3 = emulator.client("s3", region)
    s3.create_bucket(Bucket=client.bucket, CreateBucketConfiguration={"LocationConstraint": region})
    yield client
    for trail in client.describe_trails(includeShadowTrails=False)["trailList"]:
        client.delete_trail(Name=trail["TrailARN"])


def test_new_trail_logs_all_management_events_once_started(ct, name, region):
    trail = name("trail")
    created = ct.create_trail(Name=trail, S3BucketName=ct.bucket)
    arn = f"arn:aws:cloudtrail:{region}:{ACCOUNT}:trail/{trail}"
    assert created["TrailARN"] == arn and created["IsMultiRegionTrail"] is False
    assert "CloudWatchLogsLogGroupArn" not in created  # no null members
    assert created["ResponseMetadata"]["HTTPHeaders"]["content-type"] == "application/x-amz-json-1.1"
    selectors = ct.get_event_selectors(TrailName=trail)
    assert selectors["TrailARN"] == arn
    assert selectors["EventSelectors"] == [DEFAULT_SELECTOR]
    assert "AdvancedEventSelectors" not in selectors

    assert ct.get_trail_status(Name=trail)["IsLogging"] is False
    ct.start_logging(Name=trail)
    assert ct.get_trail_status(Name=arn)["IsLogging"] is True
    ct.stop_logging(Name=trail)
    assert ct.get_trail_status(Name=trail)["IsLogging"] is False

    described = ct.describe_trails(trailNameList=[trail])["trailList"]
    assert [t["TrailARN"] for t in described] == [arn]
    assert described[0]["HomeRegion"] == region and described[0]["HasCustomEventSelectors"] is False


def test_put_event_selectors_basic_and_advanced(ct, name):
    trail = name("trail")
    ct.create_trail(Name=trail, S3BucketName=ct.bucket)
    put = ct.put_event_selectors(TrailName=trail, EventSelectors=[{"ReadWriteType": "WriteOnly"}])
    assert put["EventSelectors"] == [{**DEFAULT_SELECTOR, "ReadWriteType": "WriteOnly"}]
    assert "AdvancedEventSelectors" not in put
    got = ct.get_event_selectors(TrailName=trail)
    assert got["EventSelectors"] == [{**DEFAULT_SELECTOR, "ReadWriteType": "WriteOnly"}] and "AdvancedEventSelectors" not in got
    assert ct.describe_trails(trailNameList=[trail])["trailList"][0]["HasCustomEventSelectors"] is True

    advanced = [
        {
            "Name": "management writes",
            "FieldSelectors": [
                {"Field": "eventCategory", "Equals": ["Management"]},
                {"Field": "readOnly", "Equals": ["false"]},
            ],
        }
    ]
    put = ct.put_event_selectors(TrailName=trail, AdvancedEventSelectors=advanced)
    assert put["AdvancedEventSelectors"] == advanced and "EventSelectors" not in put
    got = ct.get_event_selectors(TrailName=trail)
    assert got["AdvancedEventSelectors"] == advanced and "EventSelectors" not in got  # the basic ones are gone

    refused("InvalidEventSelectorsException", ct.put_event_selectors, TrailName=trail,
            EventSelectors=[{"ReadWriteType": "All"}], AdvancedEventSelectors=advanced)
    refused("InvalidEventSelectorsException", ct.put_event_selectors, TrailName=trail)
    refused("InvalidEventSelectorsException", ct.put_event_selectors, TrailName=trail,
            EventSelectors=[{"ReadWriteType": "Everything"}])
    refused("InvalidEventSelectorsException", ct.put_event_selectors, TrailName=trail,
            AdvancedEventSelectors=[{"FieldSelectors": [{"Field": "readOnly", "Equals": ["false"]}]}])
    refused("TrailNotFoundException", ct.put_event_selectors, TrailName=name("nope"), EventSelectors=[{}])


def test_describe_trails_shadow_trails_and_name_list(emulator, ct, name, region):
    own, everywhere = name("own"), name("everywhere")
    ct.create_trail(Name=own, S3BucketName=ct.bucket)
    multi = ct.create_trail(Name=everywhere, S3BucketName=ct.bucket, IsMultiRegionTrail=True)["TrailARN"]
    other_region = "eu-south-2" if region != "eu-south-2" else "eu-central-2"
    other = emulator.client("cloudtrail", other_region)

    # In another region the multi-region trail is a shadow trail: listed unless excluded, by ARN.
    assert [t["TrailARN"] for t in other.describe_trails()["trailList"]] == [multi]
    assert other.describe_trails(includeShadowTrails=False)["trailList"] == []
    assert [t["HomeRegion"] for t in other.describe_trails(trailNameList=[multi])["trailList"]] == [region]
    assert other.describe_trails(trailNameList=[everywhere])["trailList"] == []  # names: the region's own only
    assert other.get_event_selectors(TrailName=multi)["EventSelectors"] == [DEFAULT_SELECTOR]
    refused("InvalidHomeRegionException", other.put_event_selectors, TrailName=multi, EventSelectors=[{}])
    refused("InvalidHomeRegionException", other.delete_trail, Name=multi)

    names = {t["Name"] for t in ct.describe_trails()["trailList"]}
    assert names == {own, everywhere}
    assert [t["Name"] for t in ct.describe_trails(trailNameList=[own])["trailList"]] == [own]


def test_create_twice_and_delete(ct, name, region):
    trail = name("trail")
    arn = ct.create_trail(Name=trail, S3BucketName=ct.bucket)["TrailARN"]
    refused("TrailAlreadyExistsException", ct.create_trail, Name=trail, S3BucketName=ct.bucket)
    refused("TrailNotFoundException", ct.delete_trail, Name=name("nope"))
    ct.delete_trail(Name=arn)  # by ARN
    refused("TrailNotFoundException", ct.get_trail_status, Name=trail)
    assert ct.describe_trails(trailNameList=[trail])["trailList"] == []


def test_inventory_lists_trails(emulator, ct, name, region):
    trail = name("trail")
    arn = ct.create_trail(Name=trail, S3BucketName=ct.bucket)["TrailARN"]
    assert arn in emulator.inventory()["cloudtrail:trail"]
    ct.delete_trail(Name=trail)
    assert arn not in emulator.inventory()["cloudtrail:trail"]
