"""CodeArtifact (extensions/codeartifact.py): domains, repositories, policies, tokens,
endpoints and tags as AWS answers them, plus inventory, stats, faults and reset."""

import json
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError
from conftest import Emulator, free_port, run_script

ACCOUNT = "123456789012"
POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "codeartifact:*", "Resource": "*"}],
    }
)


@pytest.fixture
def ca(emulator: Emulator, region: str) -> Any:
    return emulator.client("codeartifact", region)


def error(call: Any) -> tuple[str, int, dict[str, Any]]:
    """(code, HTTP status, the error's other members) of a call that must fail."""
    with pytest.raises(ClientError) as exc:
        call()
    response = exc.value.response
    extra = {k: v for k, v in response.items() if k not in ("Error", "ResponseMetadata")}
    return response["Error"]["Code"], response["ResponseMetadata"]["HTTPStatusCode"], extra


def all_pages(call: Any, key: str, **kw: Any) -> list[dict[str, Any]]:
    items, token = [], None
    while True:
        page = call(**kw, **({"nextToken": token} if token else {}))
        items += page[key]
        token = page.get("nextToken")
        if not token:
            return items


# --- domains -----------------------------------------------------------------------------


def test_domain_lifecycle_and_delete_refused_while_it_has_repositories(ca: Any, emulator: Emulator, region: str, name: Any):
    dom = name("dom")
    created = ca.create_domain(domain=dom, tags=[{"key": "team", "value": "ml"}])["domain"]
    assert created["name"] == dom and created["owner"] == ACCOUNT and created["status"] == "Active"
    assert created["arn"] == f"arn:aws:codeartifact:{region}:{ACCOUNT}:domain/{dom}"
    assert created["repositoryCount"] == 0 and created["assetSizeBytes"] == 0
    assert created["s3BucketArn"].startswith("arn:aws:s3:::assets-") and created["s3BucketArn"].endswith(region)
    assert isinstance(created["createdTime"], datetime)
    # Without encryptionKey AWS uses the account's AWS-managed aws/codeartifact key.
    kms = emulator.client("kms", region)
    managed = kms.describe_key(KeyId="alias/aws/codeartifact")["KeyMetadata"]
    assert created["encryptionKey"] == managed["Arn"] and managed["KeyManager"] == "AWS"
    assert managed["KeyId"] not in emulator.inventory()["kms:key"]
    assert ca.list_tags_for_resource(resourceArn=created["arn"])["tags"] == [{"key": "team", "value": "ml"}]

    code, status, extra = error(lambda: ca.create_domain(domain=dom))
    assert (code, status) == ("ConflictException", 409) and extra["resourceType"] == "domain"

    ca.create_repository(domain=dom, repository="pypi-store")
    assert ca.describe_domain(domain=dom)["domain"]["repositoryCount"] == 1
    code, status, extra = error(lambda: ca.delete_domain(domain=dom))
    assert (code, status) == ("ConflictException", 409) and extra == {"message": extra["message"], "resourceId": dom, "resourceType": "domain"}
    assert ca.describe_domain(domain=dom)["domain"]["status"] == "Active"  # nothing happened

    ca.delete_repository(domain=dom, repository="pypi-store")
    deleted = ca.delete_domain(domain=dom, domainOwner=ACCOUNT)["domain"]
    assert deleted["name"] == dom and deleted["repositoryCount"] == 0
    code, status, extra = error(lambda: ca.describe_domain(domain=dom))
    assert (code, status, extra["resourceType"]) == ("ResourceNotFoundException", 404, "domain")
    assert "domain" not in ca.delete_domain(domain=dom)  # no ResourceNotFound in DeleteDomain's model
    assert ca.create_domain(domain=dom)["domain"]["status"] == "Active"  # the name is free again
    ca.delete_domain(domain=dom)


def test_list_domains_pages(ca: Any, name: Any):
    mine = sorted(name("pg") for _ in range(3))
    for dom in mine:
        ca.create_domain(domain=dom)
    first = ca.list_domains(maxResults=1)
    assert len(first["domains"]) == 1 and first["nextToken"]
    found = all_pages(ca.list_domains, "domains", maxResults=2)
    ours = [d for d in found if d["name"] in mine]
    assert [d["name"] for d in ours] == mine
    assert set(ours[0]) == {"name", "owner", "arn", "status", "createdTime", "encryptionKey"}
    assert error(lambda: ca.list_domains(nextToken="not-a-token"))[:2] == ("ValidationException", 400)
    assert error(lambda: ca.list_domains(maxResults=1001))[:2] == ("ValidationException", 400)
    for dom in mine:
        ca.delete_domain(domain=dom)


def test_the_kms_key_must_exist_be_enabled_and_symmetric(ca: Any, emulator: Emulator, region: str, name: Any):
    kms = emulator.client("kms", region)
    key = kms.create_key(Description="codeartifact")["KeyMetadata"]
    kms.create_alias(AliasName=f"alias/{name('ca')}", TargetKeyId=key["KeyId"])
    alias = [a for a in kms.list_aliases(KeyId=key["KeyId"])["Aliases"]][0]["AliasName"]

    # Key ARN, key id and alias all name the key; the domain shows its ARN.
    for ref in (key["Arn"], key["KeyId"], alias):
        dom = name("kms")
        assert ca.create_domain(domain=dom, encryptionKey=ref)["domain"]["encryptionKey"] == key["Arn"]
        ca.delete_domain(domain=dom)

    missing = f"arn:aws:kms:{region}:{ACCOUNT}:key/00000000-0000-0000-0000-000000000000"
    other_region = kms.create_key()["KeyMetadata"]["Arn"].replace(region, "us-east-1" if region != "us-east-1" else "us-west-2")
    disabled = kms.create_key()["KeyMetadata"]
    kms.disable_key(KeyId=disabled["KeyId"])
    pending = kms.create_key()["KeyMetadata"]
    kms.schedule_key_deletion(KeyId=pending["KeyId"], PendingWindowInDays=7)
    asymmetric = kms.create_key(KeySpec="RSA_2048", KeyUsage="SIGN_VERIFY")["KeyMetadata"]
    for bad in (missing, other_region, disabled["Arn"], pending["Arn"], asymmetric["Arn"]):
        dom = name("bad")
        code, status, extra = error(lambda: ca.create_domain(domain=dom, encryptionKey=bad))
        assert (code, status, extra["reason"]) == ("ValidationException", 400, "ENCRYPTION_KEY_ERROR"), bad
        assert error(lambda: ca.describe_domain(domain=dom))[0] == "ResourceNotFoundException"  # nothing made


def test_domain_permissions_policy_with_revisions(ca: Any, name: Any):
    dom = name("pol")
    arn = ca.create_domain(domain=dom)["domain"]["arn"]
    code, status, _ = error(lambda: ca.get_domain_permissions_policy(domain=dom))
    assert (code, status) == ("ResourceNotFoundException", 404)
    assert error(lambda: ca.delete_domain_permissions_policy(domain=dom))[0] == "ResourceNotFoundException"

    first = ca.put_domain_permissions_policy(domain=dom, policyDocument=POLICY)["policy"]
    assert first["resourceArn"] == arn and first["document"] == POLICY and first["revision"]
    assert ca.get_domain_permissions_policy(domain=dom, domainOwner=ACCOUNT)["policy"] == first
    # policyRevision, when given, must be the current one (optimistic locking).
    assert error(lambda: ca.put_domain_permissions_policy(domain=dom, policyDocument=POLICY, policyRevision="stale"))[:2] == ("ConflictException", 409)
    second = ca.put_domain_permissions_policy(domain=dom, policyDocument=POLICY, policyRevision=first["revision"])["policy"]
    assert second["revision"] != first["revision"]
    assert error(lambda: ca.delete_domain_permissions_policy(domain=dom, policyRevision=first["revision"]))[:2] == ("ConflictException", 409)
    assert ca.delete_domain_permissions_policy(domain=dom, policyRevision=second["revision"])["policy"] == second
    assert error(lambda: ca.get_domain_permissions_policy(domain=dom))[0] == "ResourceNotFoundException"

    assert error(lambda: ca.put_domain_permissions_policy(domain=dom, policyDocument="not json"))[:2] == ("ValidationException", 400)
    assert error(lambda: ca.put_domain_permissions_policy(domain=name("nodom"), policyDocument=POLICY))[:2] == ("ResourceNotFoundException", 404)
    ca.delete_domain(domain=dom)


# --- repositories ------------------------------------------------------------------------


def test_repository_lifecycle_upstreams_and_listing(ca: Any, region: str, name: Any):
    dom, other = name("repo"), name("repo")
    ca.create_domain(domain=dom)
    ca.create_domain(domain=other)
    up = ca.create_repository(domain=dom, repository="upstream-1", description="public mirror")["repository"]
    assert up["arn"] == f"arn:aws:codeartifact:{region}:{ACCOUNT}:repository/{dom}/upstream-1"
    assert up["administratorAccount"] == ACCOUNT and up["domainName"] == dom and up["domainOwner"] == ACCOUNT
    assert up["upstreams"] == [] and up["externalConnections"] == []
    ca.create_repository(domain=dom, repository="upstream-2")
    main = ca.create_repository(
        domain=dom, domainOwner=ACCOUNT, repository="main", upstreams=[{"repositoryName": "upstream-2"}, {"repositoryName": "upstream-1"}],
        tags=[{"key": "k", "value": "v"}],
    )["repository"]
    assert main["upstreams"] == [{"repositoryName": "upstream-2"}, {"repositoryName": "upstream-1"}]  # priority order kept
    assert ca.describe_repository(domain=dom, repository="main")["repository"] == main
    ca.create_repository(domain=other, repository="main")

    code, status, extra = error(lambda: ca.create_repository(domain=dom, repository="main"))
    assert (code, status, extra["resourceType"]) == ("ConflictException", 409, "repository")
    # Upstreams must be repositories of the same domain, and not the repository itself.
    code, status, extra = error(lambda: ca.create_repository(domain=dom, repository="x1", upstreams=[{"repositoryName": "nope"}]))
    assert (code, status, extra["resourceId"]) == ("ResourceNotFoundException", 404, "nope")
    assert error(lambda: ca.update_repository(domain=dom, repository="main", upstreams=[{"repositoryName": "main"}]))[:2] == ("ValidationException", 400)
    assert error(lambda: ca.create_repository(domain=name("nodom"), repository="r1"))[:2] == ("ResourceNotFoundException", 404)
    assert error(lambda: ca.describe_repository(domain=dom, repository="nope"))[2]["resourceType"] == "repository"
    assert error(lambda: ca.create_repository(domain=dom, repository="bad name!"))[:2] == ("ValidationException", 400)

    # UpdateRepository: what is sent replaces, what is left out stays.
    updated = ca.update_repository(domain=dom, repository="main", description="the one")["repository"]
    assert updated["description"] == "the one" and len(updated["upstreams"]) == 2
    updated = ca.update_repository(domain=dom, repository="main", upstreams=[{"repositoryName": "upstream-1"}])["repository"]
    assert updated["upstreams"] == [{"repositoryName": "upstream-1"}] and updated["description"] == "the one"

    in_domain = all_pages(ca.list_repositories_in_domain, "repositories", domain=dom, maxResults=1)
    assert [r["name"] for r in in_domain] == ["main", "upstream-1", "upstream-2"]
    assert "upstreams" not in in_domain[0] and in_domain[0]["description"] == "the one"
    prefixed = ca.list_repositories_in_domain(domain=dom, repositoryPrefix="up", administratorAccount=ACCOUNT)["repositories"]
    assert [r["name"] for r in prefixed] == ["upstream-1", "upstream-2"]
    assert ca.list_repositories_in_domain(domain=dom, administratorAccount="111111111111")["repositories"] == []
    everywhere = [(r["domainName"], r["name"]) for r in all_pages(ca.list_repositories, "repositories", maxResults=2) if r["domainName"] in (dom, other)]
    assert sorted(everywhere) == sorted([(dom, "main"), (dom, "upstream-1"), (dom, "upstream-2"), (other, "main")])
    assert [r["domainName"] for r in ca.list_repositories(repositoryPrefix="upstream-2")["repositories"] if r["domainName"] == dom] == [dom]

    # Deleting an upstream is allowed; its downstream keeps the name until updated (as AWS).
    assert ca.delete_repository(domain=dom, repository="upstream-1")["repository"]["name"] == "upstream-1"
    assert ca.describe_repository(domain=dom, repository="main")["repository"]["upstreams"] == [{"repositoryName": "upstream-1"}]
    assert error(lambda: ca.delete_repository(domain=dom, repository="upstream-1"))[:2] == ("ResourceNotFoundException", 404)
    for repo in ("main", "upstream-2"):
        ca.delete_repository(domain=dom, repository=repo)
    ca.delete_repository(domain=other, repository="main")
    ca.delete_domain(domain=dom)
    ca.delete_domain(domain=other)


def test_one_external_connection_per_repository(ca: Any, name: Any):
    dom = name("ext")
    ca.create_domain(domain=dom)
    ca.create_repository(domain=dom, repository="pypi-store")
    repo = ca.associate_external_connection(domain=dom, repository="pypi-store", externalConnection="public:pypi")["repository"]
    assert repo["externalConnections"] == [{"externalConnectionName": "public:pypi", "packageFormat": "pypi", "status": "Available"}]
    assert ca.describe_repository(domain=dom, repository="pypi-store")["repository"]["externalConnections"] == repo["externalConnections"]

    for second in ("public:npmjs", "public:pypi"):
        code, status, extra = error(lambda: ca.associate_external_connection(domain=dom, repository="pypi-store", externalConnection=second))
        assert (code, status, extra["resourceType"]) == ("ConflictException", 409, "repository")
    code, status, _ = error(lambda: ca.associate_external_connection(domain=dom, repository="pypi-store", externalConnection="public:nope"))
    assert (code, status) == ("ValidationException", 400)
    assert error(lambda: ca.associate_external_connection(domain=dom, repository="nope", externalConnection="public:npmjs"))[0] == "ResourceNotFoundException"

    repo = ca.disassociate_external_connection(domain=dom, repository="pypi-store", externalConnection="public:pypi")["repository"]
    assert repo["externalConnections"] == []
    assert error(lambda: ca.disassociate_external_connection(domain=dom, repository="pypi-store", externalConnection="public:pypi"))[:2] == ("ResourceNotFoundException", 404)
    formats = {"public:npmjs": "npm", "public:maven-central": "maven", "public:nuget-org": "nuget", "public:crates-io": "cargo", "public:ruby-gems-org": "ruby"}
    for connection, package_format in formats.items():
        repo = ca.associate_external_connection(domain=dom, repository="pypi-store", externalConnection=connection)["repository"]
        assert repo["externalConnections"][0]["packageFormat"] == package_format
        ca.disassociate_external_connection(domain=dom, repository="pypi-store", externalConnection=connection)
    ca.delete_repository(domain=dom, repository="pypi-store")
    ca.delete_domain(domain=dom)


def test_repository_permissions_policy(ca: Any, name: Any):
    dom = name("rpol")
    ca.create_domain(domain=dom)
    arn = ca.create_repository(domain=dom, repository="r1")["repository"]["arn"]
    assert error(lambda: ca.get_repository_permissions_policy(domain=dom, repository="r1"))[:2] == ("ResourceNotFoundException", 404)
    put = ca.put_repository_permissions_policy(domain=dom, repository="r1", policyDocument=POLICY)["policy"]
    assert put["resourceArn"] == arn and put["document"] == POLICY
    assert ca.get_repository_permissions_policy(domain=dom, repository="r1")["policy"] == put
    assert error(lambda: ca.put_repository_permissions_policy(domain=dom, repository="r1", policyDocument=POLICY, policyRevision="old"))[:2] == ("ConflictException", 409)
    assert error(lambda: ca.delete_repository_permissions_policy(domain=dom, repository="r1", policyRevision="old"))[:2] == ("ConflictException", 409)
    assert ca.delete_repository_permissions_policy(domain=dom, repository="r1")["policy"] == put
    assert error(lambda: ca.delete_repository_permissions_policy(domain=dom, repository="r1"))[:2] == ("ResourceNotFoundException", 404)
    assert error(lambda: ca.put_repository_permissions_policy(domain=dom, repository="nope", policyDocument=POLICY))[0] == "ResourceNotFoundException"
    ca.delete_repository(domain=dom, repository="r1")
    ca.delete_domain(domain=dom)


# --- tokens and endpoints -------------------------------------------------------------------


def test_authorization_token_duration_bounds(ca: Any, name: Any):
    dom = name("tok")
    ca.create_domain(domain=dom)
    now = datetime.now(timezone.utc)
    default = ca.get_authorization_token(domain=dom)
    assert len(default["authorizationToken"]) > 50
    assert abs(default["expiration"] - (now + timedelta(hours=12))) < timedelta(minutes=1)
    tokens = {default["authorizationToken"]}
    for seconds in (0, 900, 3600, 43200):
        answer = ca.get_authorization_token(domain=dom, domainOwner=ACCOUNT, durationSeconds=seconds)
        tokens.add(answer["authorizationToken"])
        if seconds:
            assert abs(answer["expiration"] - (now + timedelta(seconds=seconds))) < timedelta(minutes=1)
    assert len(tokens) == 5  # a new token every time
    for seconds in (1, 600, 899, 43201, 86400):
        code, status, extra = error(lambda: ca.get_authorization_token(domain=dom, durationSeconds=seconds))
        assert (code, status) == ("ValidationException", 400) and "durationSeconds" in extra["message"], seconds
    assert error(lambda: ca.get_authorization_token(domain=name("nodom")))[:2] == ("ResourceNotFoundException", 404)
    ca.delete_domain(domain=dom)


def test_a_zero_duration_token_expires_with_the_callers_session(emulator: Emulator, region: str, name: Any):
    dom = name("sess")
    emulator.client("codeartifact", region).create_domain(domain=dom)
    creds = emulator.client("sts", region).assume_role(
        RoleArn=f"arn:aws:iam::{ACCOUNT}:role/{name('builder')}", RoleSessionName="build", DurationSeconds=1800
    )["Credentials"]
    session = boto3.client(
        "codeartifact", endpoint_url=emulator.url, region_name=region, aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"],
    )
    answer = session.get_authorization_token(domain=dom, durationSeconds=0)
    assert abs(answer["expiration"] - creds["Expiration"]) < timedelta(seconds=2)
    assert session.get_authorization_token(domain=dom, durationSeconds=3600)["expiration"] > creds["Expiration"]
    session.delete_domain(domain=dom)


def test_repository_endpoint_per_format(ca: Any, region: str, name: Any):
    dom = name("ep")
    ca.create_domain(domain=dom)
    ca.create_repository(domain=dom, repository="store")
    for fmt in ("pypi", "npm", "maven", "nuget", "generic", "swift", "ruby", "cargo"):
        url = ca.get_repository_endpoint(domain=dom, repository="store", format=fmt)["repositoryEndpoint"]
        assert url == f"https://{dom}-{ACCOUNT}.d.codeartifact.{region}.amazonaws.com/{fmt}/store/"
    dual = ca.get_repository_endpoint(domain=dom, repository="store", format="pypi", endpointType="dualstack")["repositoryEndpoint"]
    assert dual == f"https://{dom}-{ACCOUNT}.d.codeartifact.{region}.on.aws/pypi/store/"
    code, status, extra = error(lambda: ca.get_repository_endpoint(domain=dom, repository="store", format="conda"))
    assert (code, status) == ("ValidationException", 400) and "enum value set" in extra["message"]
    assert error(lambda: ca.get_repository_endpoint(domain=dom, repository="nope", format="pypi"))[:2] == ("ResourceNotFoundException", 404)
    ca.delete_repository(domain=dom, repository="store")
    ca.delete_domain(domain=dom)


# --- tags and accounts --------------------------------------------------------------------------


def test_tags_on_domains_and_repositories(ca: Any, region: str, name: Any):
    dom = name("tag")
    domain_arn = ca.create_domain(domain=dom)["domain"]["arn"]
    repo_arn = ca.create_repository(domain=dom, repository="r1", tags=[{"key": "a", "value": "1"}])["repository"]["arn"]
    for arn in (domain_arn, repo_arn):
        ca.tag_resource(resourceArn=arn, tags=[{"key": "b", "value": "2"}, {"key": "c", "value": "3"}])
        ca.tag_resource(resourceArn=arn, tags=[{"key": "b", "value": "two"}])  # an existing key is overwritten
        ca.untag_resource(resourceArn=arn, tagKeys=["c", "not-there"])
    assert ca.list_tags_for_resource(resourceArn=domain_arn)["tags"] == [{"key": "b", "value": "two"}]
    assert ca.list_tags_for_resource(resourceArn=repo_arn)["tags"] == [{"key": "a", "value": "1"}, {"key": "b", "value": "two"}]

    gone = f"arn:aws:codeartifact:{region}:{ACCOUNT}:repository/{dom}/nope"
    code, status, extra = error(lambda: ca.list_tags_for_resource(resourceArn=gone))
    assert (code, status, extra["resourceType"]) == ("ResourceNotFoundException", 404, "repository")
    assert error(lambda: ca.tag_resource(resourceArn=f"arn:aws:codeartifact:{region}:{ACCOUNT}:domain/nope", tags=[]))[:2] == ("ResourceNotFoundException", 404)
    assert error(lambda: ca.tag_resource(resourceArn=domain_arn, tags=[{"key": "aws:reserved", "value": "x"}]))[:2] == ("ValidationException", 400)
    assert error(lambda: ca.list_tags_for_resource(resourceArn="arn:aws:s3:::bucket"))[:2] == ("ValidationException", 400)
    assert error(lambda: ca.list_tags_for_resource(resourceArn=domain_arn.replace(ACCOUNT, "111111111111")))[:2] == ("AccessDeniedException", 403)
    ca.delete_repository(domain=dom, repository="r1")
    ca.delete_domain(domain=dom)


def test_a_domain_owner_other_than_the_caller_is_access_denied(ca: Any, name: Any):
    dom = name("own")
    ca.create_domain(domain=dom)
    ca.create_repository(domain=dom, repository="r1")
    other = "111111111111"
    calls = [
        lambda: ca.describe_domain(domain=dom, domainOwner=other),
        lambda: ca.create_repository(domain=dom, domainOwner=other, repository="r2"),
        lambda: ca.describe_repository(domain=dom, domainOwner=other, repository="r1"),
        lambda: ca.get_authorization_token(domain=dom, domainOwner=other),
        lambda: ca.get_repository_endpoint(domain=dom, domainOwner=other, repository="r1", format="pypi"),
        lambda: ca.delete_domain(domain=dom, domainOwner=other),
    ]
    for call in calls:
        code, status, extra = error(call)
        assert (code, status) == ("AccessDeniedException", 403)
        assert f":{other}:domain/{dom}" in extra["message"] and "is not authorized to perform: codeartifact:" in extra["message"]
    assert error(lambda: ca.describe_domain(domain=dom, domainOwner="12345678901a"))[:2] == ("ValidationException", 400)
    assert ca.describe_domain(domain=dom, domainOwner=ACCOUNT)["domain"]["repositoryCount"] == 1
    ca.delete_repository(domain=dom, repository="r1")
    ca.delete_domain(domain=dom)


def test_validation_messages_and_unemulated_operations(ca: Any):
    code, status, extra = error(lambda: ca.create_domain(domain="Bad_Name"))
    assert (code, status, extra["reason"]) == ("ValidationException", 400, "FIELD_VALIDATION_FAILED")
    assert extra["message"] == (
        "1 validation error detected: Value 'Bad_Name' at 'domain' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern: [a-z][a-z0-9\\-]{0,48}[a-z0-9]"
    )
    assert "2 validation errors detected" in error(lambda: ca.create_domain(domain="x" * 51 + "_"))[2]["message"]
    code, status, _ = error(lambda: ca.list_packages(domain="whatever", repository="r1"))
    assert (code, status) == ("NotImplemented", 501)


# --- the emulator's own routes --------------------------------------------------------------


def test_inventory_and_stats_follow_codeartifact(emulator: Emulator, ca: Any, name: Any):
    dom = name("inv")
    before = emulator.http("GET", "/_emulator/stats")[1]["calls"].get("codeartifact", {})
    domain_arn = ca.create_domain(domain=dom)["domain"]["arn"]
    repo_arn = ca.create_repository(domain=dom, repository="r1")["repository"]["arn"]
    inv = emulator.inventory()
    assert domain_arn in inv["codeartifact:domain"] and repo_arn in inv["codeartifact:repository"]
    ca.list_repositories_in_domain(domain=dom)
    ca.delete_repository(domain=dom, repository="r1")
    assert repo_arn not in emulator.inventory()["codeartifact:repository"]
    ca.delete_domain(domain=dom)
    assert domain_arn not in emulator.inventory()["codeartifact:domain"]
    after = emulator.http("GET", "/_emulator/stats")[1]["calls"]["codeartifact"]
    for op in ("CreateDomain", "CreateRepository", "ListRepositoriesInDomain", "DeleteRepository", "DeleteDomain"):
        assert after[op] == before.get(op, 0) + 1, op


@pytest.fixture
def faults(emulator: Emulator) -> Iterator[Any]:
    yield lambda spec: emulator.set_config(faults=spec)
    emulator.set_config(faults="")


def test_faults_answer_codeartifact_throttling_as_aws_does(emulator: Emulator, faults: Any, region: str, name: Any):
    # No retries: conftest's client would retry a throttled call.
    client = boto3.client(
        "codeartifact", endpoint_url=emulator.url, region_name=region, aws_access_key_id="testing",
        aws_secret_access_key="testing", config=Config(retries={"total_max_attempts": 1, "mode": "standard"}),
    )
    dom = name("thr")
    faults("throttle:1")
    assert error(lambda: client.create_domain(domain=dom))[:2] == ("ThrottlingException", 429)
    faults("5xx:1,seed=0")
    seen = {error(lambda: client.list_domains())[:2] for _ in range(12)}
    assert seen == {("InternalFailure", 500), ("ServiceUnavailable", 503)}
    faults("")
    assert error(lambda: client.describe_domain(domain=dom))[0] == "ResourceNotFoundException"  # the faulted create did nothing
    faulted = emulator.http("GET", "/_emulator/stats")[1]["faulted_calls"]["codeartifact"]
    assert faulted["CreateDomain"]["throttle"] >= 1 and faulted["ListDomains"]["5xx"] >= 12
    # A retrying client (botocore's standard mode retries as the Rust SDK does) gets through.
    retrying = boto3.client(
        "codeartifact", endpoint_url=emulator.url, region_name=region, aws_access_key_id="testing",
        aws_secret_access_key="testing", config=Config(retries={"total_max_attempts": 30, "mode": "standard"}),
    )
    faults("throttle:0.5,seed=3")
    retrying.create_domain(domain=dom)
    faults("")
    assert retrying.describe_domain(domain=dom)["domain"]["name"] == dom
    retrying.delete_domain(domain=dom)


def test_codeartifact_endpoint_services_have_aws_private_dns(emulator: Emulator):
    ec2 = emulator.client("ec2", "eu-west-1")
    names = ["com.amazonaws.eu-west-1.codeartifact.api", "com.amazonaws.eu-west-1.codeartifact.repositories"]
    found = {d["ServiceName"]: d for d in ec2.describe_vpc_endpoint_services(ServiceNames=names)["ServiceDetails"]}
    api, repos = found[names[0]], found[names[1]]
    assert api["PrivateDnsName"] == "codeartifact.eu-west-1.amazonaws.com"
    assert repos["PrivateDnsName"] == "*.d.codeartifact.eu-west-1.amazonaws.com"
    assert repos["PrivateDnsNames"] == [{"PrivateDnsName": "*.d.codeartifact.eu-west-1.amazonaws.com"}]
    assert repos["BaseEndpointDnsNames"] == ["d.codeartifact.eu-west-1.vpce.amazonaws.com"]
    assert api["ServiceType"] == [{"ServiceType": "Interface"}] and repos["PrivateDnsNameVerificationState"] == "verified"
    # Other services keep moto's names.
    sts = ec2.describe_vpc_endpoint_services(ServiceNames=["com.amazonaws.eu-west-1.sts"])["ServiceDetails"][0]
    assert sts["PrivateDnsName"] == "sts.eu-west-1.amazonaws.com"


@pytest.fixture
def own(tmp_path: Path) -> Iterator[Emulator]:
    """An emulator of this test's own: resetting it cannot disturb the session's."""
    port, run_dir = free_port(), tmp_path / "run"
    started = run_script("start", port=port, run_dir=run_dir)
    assert started.returncode == 0, started.stderr
    yield Emulator(started.stdout.strip(), port, run_dir)
    run_script("stop", port=port, run_dir=run_dir)


def test_reset_drops_codeartifact_state(own: Emulator):
    ca = own.client("codeartifact")
    for reset_path in ("/_emulator/reset", "/moto-api/reset"):
        ca.create_domain(domain="resettable")
        ca.create_repository(domain="resettable", repository="r1")
        inv = own.inventory()
        assert inv["codeartifact:domain"] and inv["codeartifact:repository"]
        assert own.http("POST", reset_path, {})[0] == 200
        assert all(ids == [] for ids in own.inventory().values())
        assert ca.list_domains()["domains"] == [] and ca.list_repositories()["repositories"] == []
        assert error(lambda: ca.describe_domain(domain="resettable"))[0] == "ResourceNotFoundException"
