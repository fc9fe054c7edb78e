"""The CloudFormation templates agree with the engine, the Terraform schema and the README.

    scripts/cfn-lint python -m unittest discover -s tests/packaging -q

Runs in the cfn-lint virtualenv (its YAML decoder reads !Sub, !If and friends). What must hold:

* the product templates' properties mirror the Terraform arguments (docs/resources/*.md, which
  `scripts/docs --check` keeps equal to the provider schema) and every argument has a property;
* their outputs read exactly the Data keys listed in the README's "Service Catalog" section,
  and each key is a computed value of the Terraform resource;
* the Lambda's execution role allows every AWS operation the engine (core/src) and the
  custom resource (custom-resource/src) call;
* the function is the one the design names: provided.al2023, x86_64, handler bootstrap, code
  from S3, a KMS-encrypted log group with retention, the ServiceToken exported.
"""

from __future__ import annotations

import fnmatch
import os
import re
import unittest

from cfnlint.decode import cfn_yaml

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
CFN = os.path.join(ROOT, "cfn")

# Custom-resource properties CloudFormation itself reads; they are no Terraform argument.
CLOUDFORMATION_PROPERTIES = {"ServiceToken", "ServiceTimeout"}
# Terraform argument paths whose CloudFormation property is named differently: a block map
# becomes a list of "name=persona" strings.
PROPERTY_FOR_ARGUMENT = {"studio.user_profile": "Studio.UserProfiles"}
# Terraform arguments the products do not take: CloudFormation has ServiceTimeout instead; a
# lifecycle configuration's script does not fit a Service Catalog parameter, nor does an image's
# set of settings (templates that use the custom resource directly set Studio.LifecycleConfigs
# and Studio.CustomImages).
NOT_MIRRORED = {"timeouts", "studio.lifecycle_config", "studio.custom_image"}
# Map-valued computed attributes: the Data keys their entries become.
DATA_KEYS_OF_MAPS = {
    "kms_key_arns": {"data": "DataKmsKeyArn", "ebs": "EbsKmsKeyArn", "studio": "StudioKmsKeyArn"},
    "role_arns": {
        "data_scientist": "DataScientistRoleArn",
        "team_admin": "TeamAdminRoleArn",
        "execution": "ExecutionRoleArn",
        "sc_launch": "ScLaunchRoleArn",
    },
    "product_ids": {"model-build-train": "ModelBuildTrainProductId", "model-deploy": "ModelDeployProductId"},
}
PRODUCTS = {
    "SecureDsEnvironment": ("products/secure-ds-environment.yaml", "secure_ds_environment.md"),
    "SageMakerProjectsEnablement": ("products/projects-enablement.yaml", "projects_enablement.md"),
    "MlopsProjectTemplates": ("products/mlops-project-templates.yaml", "mlops_project_templates.md"),
}

# How an SDK operation is authorised, where the IAM action is not <prefix>:<Operation>.
IAM_PREFIX = {"efs": "elasticfilesystem"}
IAM_ACTIONS_OF = {
    "s3:PutBucketEncryption": ["s3:PutEncryptionConfiguration"],
    "s3:GetBucketEncryption": ["s3:GetEncryptionConfiguration"],
    "s3:PutPublicAccessBlock": ["s3:PutBucketPublicAccessBlock"],
    "s3:GetPublicAccessBlock": ["s3:GetBucketPublicAccessBlock"],
    "s3:DeleteObjects": ["s3:DeleteObject", "s3:DeleteObjectVersion"],
    "s3:ListObjectVersions": ["s3:ListBucketVersions"],
    "s3:ListObjectsV2": ["s3:ListBucket"],
    "s3:HeadBucket": ["s3:ListBucket"],
    "s3:HeadObject": ["s3:GetObject"],
    "lambda:Invoke": ["lambda:InvokeFunction"],
    "lambda:InvokeAsync": ["lambda:InvokeFunction"],
    # Always allowed: IAM policies cannot deny it.
    "sts:GetCallerIdentity": [],
}
SDK_CLIENTS = ("cloudtrail", "codeartifact", "ec2", "efs", "events", "iam", "kms", "lambda", "logs", "s3", "sagemaker", "servicecatalog", "sns", "ssm", "sqs", "sts")
NOT_OPERATIONS = {"clone", "config", "conf", "as_ref", "to_owned", "into", "unwrap", "to_string"}


def load(relative: str) -> dict:
    return cfn_yaml.load(os.path.join(CFN, relative))


def pascal(snake: str) -> str:
    return "".join("SageMaker" if w == "sagemaker" else w[:1].upper() + w[1:] for w in snake.split("_"))


def terraform_schema(doc: str) -> tuple[set[str], set[str]]:
    """Argument paths (network.vpc_cidr, network.flow_logs) and top-level computed attributes."""
    with open(os.path.join(ROOT, "docs", "resources", doc)) as f:
        text = f.read()
    arguments: set[str] = set()
    computed: set[str] = set()
    block, kind = "", None
    for line in text.splitlines():
        nested = re.match(r"### Nested Schema for `([^`]+)`", line)
        if nested:
            block, kind = nested.group(1), "argument"
            continue
        heading = re.match(r"### (Required|Optional|Read-Only)", line)
        if heading:
            kind = "computed" if heading.group(1) == "Read-Only" and not block else "argument"
            continue
        if line.startswith("## ") and not line.startswith("## Schema"):
            kind = None
        item = re.match(r"- `([a-z0-9_]+)` \(", line)
        if item and kind:
            path = f"{block}.{item.group(1)}" if block else item.group(1)
            (computed if kind == "computed" else arguments).add(path)
    return arguments, computed


def property_paths(properties: dict, prefix: str = "") -> set[str]:
    """Paths of the leaves of a custom resource's Properties (Network.FlowLogs.Enabled)."""
    paths = set()
    for key, value in properties.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict) and not any(k.startswith("Fn::") or k == "Ref" for k in value):
            paths.add(path)
            paths |= property_paths(value, path + ".")
        else:
            paths.add(path)
    return paths


def readme_data_keys() -> dict[str, dict[str, str]]:
    """custom resource -> {Data key: Terraform attribute}, from the README's table."""
    with open(os.path.join(ROOT, "README.md")) as f:
        text = f.read()
    section = text.split("\n## Service Catalog", 1)[1].split("\n## ", 1)[0]
    keys: dict[str, dict[str, str]] = {}
    for m in re.finditer(r"^\| `Custom::(\w+)` \| `(\w+)` \| `([^`]+)` \|", section, re.M):
        keys.setdefault(m.group(1), {})[m.group(2)] = m.group(3)
    return keys


# The security response's handler runs as its own least-privilege role (core's
# policy::security_response, checked against these sources by a test there), not the engine's.
RESPONSE_HANDLER = os.path.join("core", "src", "response")
# The security response is deployed from Terraform only, with its own deployer document.
RESPONSE_DEPLOYMENT = os.path.join("core", "src", "security_response")


def engine_operations(
    crates: tuple[str, ...] = ("core", "custom-resource"),
    exclude: tuple[str, ...] = (RESPONSE_HANDLER, RESPONSE_DEPLOYMENT),
) -> set[str]:
    """`service:Operation` of every AWS call in core/src and custom-resource/src."""
    found = set()
    for crate in crates:
        # A crate ("core") or a folder of one ("core/src/security_response").
        top = os.path.join(ROOT, crate) if os.sep in crate else os.path.join(ROOT, crate, "src")
        for dirpath, _, files in os.walk(top):
            if any(os.path.relpath(dirpath, ROOT).startswith(e) for e in exclude):
                continue
            for name in files:
                if not name.endswith(".rs"):
                    continue
                with open(os.path.join(dirpath, name)) as f:
                    text = re.sub(r"\s+", "", f.read())
                # The engine names every call in its error: AwsCallError::from_sdk("s3", "PutBucketPolicy", e).
                for svc, op in re.findall(r'from_sdk\("([a-z0-9]+)","([A-Za-z0-9]+)"', text):
                    found.add(f"{svc}:{op}")
                # And the fluent calls themselves: clients.ec2.create_vpc() or s3.put_bucket_policy().
                pattern = r"\b(%s)\.([a-z][a-z0-9_]*)\(\)" % "|".join(SDK_CLIENTS)
                for svc, op in re.findall(pattern, text):
                    if op not in NOT_OPERATIONS and not op.startswith(("as_", "to_", "into_")):
                        found.add(f"{svc}:{pascal(op).replace('SageMaker', 'Sagemaker')}")
                # AWS Config's client is `clients.config` (a bare `config.` is any configuration).
                for op in re.findall(r"clients\.config\.([a-z][a-z0-9_]*)\(\)", text):
                    found.add(f"config:{pascal(op)}")
    return found


def allowed_actions(template: dict) -> list[str]:
    actions = []
    for policy in template["Resources"]["ExecutionRole"]["Properties"]["Policies"]:
        for statement in policy["PolicyDocument"]["Statement"]:
            if statement["Effect"] != "Allow":
                continue
            action = statement["Action"]
            actions.extend([action] if isinstance(action, str) else action)
    return actions


class ProductTemplatesMirrorTerraform(unittest.TestCase):
    def test_every_property_is_a_terraform_argument_and_every_argument_a_property(self) -> None:
        for resource, (template_file, doc) in PRODUCTS.items():
            with self.subTest(resource=resource):
                template = load(template_file)
                [custom] = [
                    r for r in template["Resources"].values() if r["Type"] == f"Custom::{resource}"
                ]
                sent = property_paths(custom["Properties"]) - CLOUDFORMATION_PROPERTIES
                arguments, _ = terraform_schema(doc)
                expected = set()
                for path in arguments:
                    if path.split(".")[0] in NOT_MIRRORED or any(
                        path == m or path.startswith(m + ".") for m in NOT_MIRRORED
                    ) or any(
                        path.startswith(p + ".") for p in PROPERTY_FOR_ARGUMENT
                    ):
                        continue
                    expected.add(
                        PROPERTY_FOR_ARGUMENT.get(path, ".".join(pascal(p) for p in path.split(".")))
                    )
                self.assertEqual(sorted(sent - expected), [], "properties no Terraform argument backs")
                self.assertEqual(sorted(expected - sent), [], "Terraform arguments without a property")

    def test_outputs_read_the_readme_data_keys_and_those_are_terraform_computed_values(self) -> None:
        documented = readme_data_keys()
        self.assertEqual(set(documented), set(PRODUCTS), "README Data key table")
        for resource, (template_file, doc) in PRODUCTS.items():
            with self.subTest(resource=resource):
                template = load(template_file)
                read = set()
                for output in template["Outputs"].values():
                    value = output["Value"]
                    if isinstance(value, dict) and "Fn::GetAtt" in value:
                        read.add(value["Fn::GetAtt"][1])
                self.assertEqual(sorted(read), sorted(documented[resource]))
                _, computed = terraform_schema(doc)
                for key, attribute in documented[resource].items():
                    top, _, entry = attribute.partition("[")
                    self.assertIn(top, computed, f"{key}: {attribute} is no computed value")
                    if entry:
                        self.assertEqual(DATA_KEYS_OF_MAPS[top][entry.strip('"]')], key)
                    else:
                        self.assertEqual(pascal(top), key)

    def test_every_parameter_says_what_it_is(self) -> None:
        for template_file, _ in PRODUCTS.values():
            template = load(template_file)
            for name, parameter in template["Parameters"].items():
                with self.subTest(template=template_file, parameter=name):
                    self.assertTrue(parameter.get("Description"), "every parameter says what it is")


class ExecutionRoleCoversTheEngine(unittest.TestCase):
    def test_every_aws_operation_the_engine_calls_is_allowed(self) -> None:
        operations = engine_operations()
        self.assertGreater(len(operations), 50, "the scan of core/src found the engine's calls")
        allowed = allowed_actions(load("custom-resource.yaml"))
        missing = []
        for operation in sorted(operations):
            service, op = operation.split(":")
            needs = IAM_ACTIONS_OF.get(operation, [f"{IAM_PREFIX.get(service, service)}:{op}"])
            for action in needs:
                if not any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in allowed):
                    missing.append(f"{action} (for {operation})")
        self.assertEqual(missing, [], "add these to ExecutionRole in cfn/custom-resource.yaml")

    def test_no_statement_allows_a_whole_service(self) -> None:
        for action in allowed_actions(load("custom-resource.yaml")):
            self.assertFalse(action.endswith(":*") or action == "*", action)


def deployer_documents() -> dict[str, dict]:
    """examples/iam/terraform-deployer-*.json, by file name."""
    import glob
    import json

    docs = {}
    for path in sorted(glob.glob(os.path.join(ROOT, "examples", "iam", "terraform-deployer-*.json"))):
        with open(path) as f:
            docs[os.path.basename(path)] = json.load(f)
    return docs


def missing_operations(operations: set[str], allowed: list[str]) -> list[str]:
    missing = []
    for operation in sorted(operations):
        service, op = operation.split(":")
        needs = IAM_ACTIONS_OF.get(operation, [f"{IAM_PREFIX.get(service, service)}:{op}"])
        for action in needs:
            if not any(fnmatch.fnmatchcase(action.lower(), a.lower()) for a in allowed):
                missing.append(f"{action} (for {operation})")
    return missing


class TerraformDeployerPolicyCoversTheEngine(unittest.TestCase):
    """examples/iam/: what a Terraform user of the provider needs, in managed-policy sizes."""

    def test_every_aws_operation_the_engine_calls_is_allowed(self) -> None:
        docs = deployer_documents()
        self.assertEqual(
            sorted(docs),
            [
                f"terraform-deployer-{p}.json"
                for p in ("catalog", "iam", "keys-buckets-logs", "network", "sagemaker", "security-response")
            ],
        )
        allowed = []
        for doc in docs.values():
            for statement in doc["Statement"]:
                if statement["Effect"] == "Allow":
                    action = statement["Action"]
                    allowed.extend([action] if isinstance(action, str) else action)
        operations = engine_operations(("core",), exclude=(RESPONSE_HANDLER,))
        self.assertGreater(len(operations), 50)
        self.assertEqual(missing_operations(operations, allowed), [], "add these to examples/iam/")

    def test_the_response_deployment_needs_only_its_own_document(self) -> None:
        own = []
        for statement in deployer_documents()["terraform-deployer-security-response.json"]["Statement"]:
            action = statement["Action"]
            own.extend([action] if isinstance(action, str) else action)
        deployment = engine_operations((RESPONSE_DEPLOYMENT,), exclude=())
        self.assertGreater(len(deployment), 20, "the scan of core/src/security_response found its calls")
        self.assertEqual(missing_operations(deployment, own), [], "add these to terraform-deployer-security-response.json")

    def test_each_fits_a_managed_policy_and_matches_the_engine_role(self) -> None:
        import json

        roles = {
            p["PolicyName"]: p["PolicyDocument"]
            for p in load("custom-resource.yaml")["Resources"]["ExecutionRole"]["Properties"]["Policies"]
        }
        for name, doc in deployer_documents().items():
            with self.subTest(policy=name):
                # Managed policies: at most 6,144 characters, white space not counted.
                self.assertLessEqual(len(re.sub(r"\s", "", json.dumps(doc))), 6144)
                if name == "terraform-deployer-security-response.json":
                    continue  # Terraform only: the engine role deploys no response.
                engine = "engine-" + name[len("terraform-deployer-"):-len(".json")]
                self.assertIn(engine, roles, "each file mirrors one policy of the engine role")
                sids = [s.get("Sid") for s in doc["Statement"]]
                self.assertEqual(sids, [s.get("Sid") for s in roles[engine]["Statement"]])


class FunctionIsTheDesignedOne(unittest.TestCase):
    def test_runtime_architecture_handler_code_logs_and_service_token(self) -> None:
        template = load("custom-resource.yaml")
        resources = template["Resources"]
        function = resources["Function"]["Properties"]
        self.assertEqual(function["Runtime"], "provided.al2023")
        self.assertEqual(function["Architectures"], ["x86_64"])
        self.assertEqual(function["Handler"], "bootstrap")
        self.assertEqual(set(function["Code"]), {"S3Bucket", "S3Key", "S3ObjectVersion"})
        log_group = resources["LogGroup"]["Properties"]
        self.assertIn("KmsKeyId", log_group)
        self.assertIn("RetentionInDays", log_group)
        self.assertEqual(function["LoggingConfig"]["LogGroup"], {"Ref": "LogGroup"})
        self.assertIn("Export", template["Outputs"]["ServiceToken"])

    def test_products_import_the_service_token_the_function_stack_exports(self) -> None:
        export = load("custom-resource.yaml")["Parameters"]["ServiceTokenExportName"]["Default"]
        for template_file, _ in PRODUCTS.values():
            template = load(template_file)
            self.assertEqual(template["Parameters"]["ServiceTokenExportName"]["Default"], export)


if __name__ == "__main__":
    unittest.main()
