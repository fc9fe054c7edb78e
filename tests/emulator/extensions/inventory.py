"""Everything the emulator holds that this project may create, as one JSON document.

GET /_emulator/inventory answers {"<service>:<kind>": [ids...], ...}. Every kind
below is always present (an empty list when there is none), ids are sorted, and
the lists span all accounts and regions the emulator has seen. Resources that
exist without anyone creating them (the default VPC and its subnets, each VPC's
default security group and main route table, AWS-managed IAM policies and KMS
keys) are left out, so a clean emulator shows only empty lists and a test can
assert that a destroy left nothing behind.

Only backends that already exist are read (BackendDict.iter_backends), so asking
for the inventory never creates a backend or a default VPC. The route applies
Studio's due transitions first (studio.settle), so a SageMaker resource whose
Deleting is over is not listed, and its domain's EFS clean-up has happened.
"""

from collections.abc import Callable, Iterator
from typing import Any

KINDS: list[tuple[str, Callable[[], Iterator[str]]]] = []


def kind(name: str) -> Callable[[Callable[[], Iterator[str]]], Callable[[], Iterator[str]]]:
    def register(fn: Callable[[], Iterator[str]]) -> Callable[[], Iterator[str]]:
        KINDS.append((name, fn))
        return fn

    return register


def _backends(module: str, attr: str) -> Iterator[Any]:
    mod = __import__(module, fromlist=[attr])
    for _account, _region, backend in getattr(mod, attr).iter_backends():
        yield backend


# --- IAM ----------------------------------------------------------------------


@kind("iam:role")
def _iam_roles() -> Iterator[str]:
    for b in _backends("moto.iam.models", "iam_backends"):
        for role in b.roles.values():
            yield role.arn


@kind("iam:policy")
def _iam_policies() -> Iterator[str]:
    # AWS-managed policies (loaded by MOTO_IAM_LOAD_MANAGED_POLICIES) have
    # "aws" where a customer-managed policy's ARN has the account id.
    for b in _backends("moto.iam.models", "iam_backends"):
        for arn in b.managed_policies:
            if arn.split(":")[4] != "aws":
                yield arn


# --- Service Catalog ----------------------------------------------------------


def _sc() -> Iterator[Any]:
    from .servicecatalog import sc_state

    for b in _backends("moto.servicecatalog.models", "servicecatalog_backends"):
        yield b, sc_state(b)


@kind("servicecatalog:portfolio")
def _sc_portfolios() -> Iterator[str]:
    for b, _ in _sc():
        yield from b.portfolios


@kind("servicecatalog:product")
def _sc_products() -> Iterator[str]:
    for b, _ in _sc():
        yield from b.products


@kind("servicecatalog:principal_association")
def _sc_principals() -> Iterator[str]:
    for _, st in _sc():
        for pid, principals in st.principals.items():
            for arn in principals:
                yield f"{pid}|{arn}"


@kind("servicecatalog:product_association")
def _sc_product_links() -> Iterator[str]:
    for _, st in _sc():
        for pid, products in st.products.items():
            for prod in products:
                yield f"{pid}|{prod}"


@kind("servicecatalog:constraint")
def _sc_constraints() -> Iterator[str]:
    for _, st in _sc():
        yield from st.constraints


@kind("servicecatalog:provisioned_product")
def _sc_provisioned() -> Iterator[str]:
    # Provisioned products (sc_provisioning.py) until their terminate record has succeeded;
    # records follow their stacks here too (they otherwise do on the next Service Catalog call).
    from .sc_provisioning import _settle

    for b in _backends("moto.servicecatalog.models", "servicecatalog_backends"):
        st = b.__dict__.get("_emulator_sc_provisioning")
        if st is None or not st.provisioned:
            continue
        _settle(b)
        yield from (pp.id for pp in list(st.provisioned.values()) if not pp.terminated)


# --- CloudFormation -------------------------------------------------------------


@kind("cloudformation:stack")
def _stacks() -> Iterator[str]:
    # Stack ids (ARNs) until DELETE_COMPLETE, *_IN_PROGRESS and failed ones (ROLLBACK_COMPLETE, ...)
    # included: they hold their resources, or at least their name, until deleted.
    for b in _backends("moto.cloudformation.models", "cloudformation_backends"):
        yield from list(b.stacks)


# --- SageMaker ----------------------------------------------------------------


@kind("sagemaker:project")
def _sm_projects() -> Iterator[str]:
    # Until their deletion is over (sagemaker_projects.py follows their provisioned product).
    for b in _backends("moto.sagemaker.models", "sagemaker_backends"):
        st = b.__dict__.get("_emulator_sagemaker_projects")
        if st is None:
            continue
        for project in list(st.projects.values()):
            if project.operation == "delete":
                from .sagemaker_projects import _sc_parts

                pp, record = _sc_parts(b.account_id, b.region_name, project)
                if project.status(pp, record)[0] == "DeleteCompleted":
                    continue
            yield project.arn


@kind("sagemaker:model_package_group")
def _sm_model_package_groups() -> Iterator[str]:
    for b in _backends("moto.sagemaker.models", "sagemaker_backends"):
        yield from (g.arn for g in b.model_package_groups.values())


@kind("sagemaker:model_package")
def _sm_model_packages() -> Iterator[str]:
    for b in _backends("moto.sagemaker.models", "sagemaker_backends"):
        yield from list(b.model_packages)


@kind("sagemaker:pipeline")
def _sm_pipelines() -> Iterator[str]:
    for b in _backends("moto.sagemaker.models", "sagemaker_backends"):
        yield from (p.arn for p in list(b.pipelines.values()))


# --- CodeBuild and CodePipeline ---------------------------------------------------


@kind("codebuild:project")
def _codebuild_projects() -> Iterator[str]:
    for b in _backends("moto.codebuild.models", "codebuild_backends"):
        yield from (p.arn for p in b.codebuild_projects.values())


@kind("codepipeline:pipeline")
def _codepipeline_pipelines() -> Iterator[str]:
    for b in _backends("moto.codepipeline.models", "codepipeline_backends"):
        yield from list(b.pipelines)


@kind("sagemaker:domain")
def _sm_domains() -> Iterator[str]:
    for b in _backends("moto.sagemaker.models", "sagemaker_backends"):
        yield from b.domains


@kind("sagemaker:user_profile")
def _sm_profiles() -> Iterator[str]:
    from .sagemaker import sm_state

    for b in _backends("moto.sagemaker.models", "sagemaker_backends"):
        for domain_id, name in sm_state(b).user_profiles:
            yield f"{domain_id}/{name}"


@kind("sagemaker:space")
def _sm_spaces() -> Iterator[str]:
    from .sagemaker import sm_state

    for b in _backends("moto.sagemaker.models", "sagemaker_backends"):
        for domain_id, name in sm_state(b).spaces:
            yield f"{domain_id}/{name}"


@kind("sagemaker:app")
def _sm_apps() -> Iterator[str]:
    # "<domain id>/<user profile or space>/<app type>/<app name>"; apps in status
    # Deleted (which AWS keeps listing for a while) are left out.
    from .sagemaker import sm_state

    for b in _backends("moto.sagemaker.models", "sagemaker_backends"):
        for (domain_id, _kind, owner, app_type, name), app in sm_state(b).apps.items():
            if app.status != "Deleted":
                yield f"{domain_id}/{owner}/{app_type}/{name}"


@kind("sagemaker:studio_lifecycle_config")
def _sm_lifecycle_configs() -> Iterator[str]:
    for b in _backends("moto.sagemaker.models", "sagemaker_backends"):
        st = b.__dict__.get("_emulator_sm_lifecycle")
        yield from st.configs if st is not None else ()


@kind("sagemaker:image")
def _sm_images() -> Iterator[str]:
    # Listed while they exist, CREATING and DELETING ones included.
    for b in _backends("moto.sagemaker.models", "sagemaker_backends"):
        st = b.__dict__.get("_emulator_sm_images")
        yield from st.images if st is not None else ()


@kind("sagemaker:image_version")
def _sm_image_versions() -> Iterator[str]:
    # "<image name>/<version>"; CREATE_FAILED ones too (they exist until deleted).
    for b in _backends("moto.sagemaker.models", "sagemaker_backends"):
        st = b.__dict__.get("_emulator_sm_images")
        for image in st.images.values() if st is not None else ():
            yield from (f"{image.name}/{number}" for number in image.versions)


@kind("sagemaker:app_image_config")
def _sm_app_image_configs() -> Iterator[str]:
    for b in _backends("moto.sagemaker.models", "sagemaker_backends"):
        st = b.__dict__.get("_emulator_sm_images")
        yield from st.app_image_configs if st is not None else ()


# Users' workloads (sagemaker_workloads.py, sagemaker_notebooks.py, sagemaker_models.py), by
# name: jobs in any status (AWS keeps them), notebook instances until their Deleting is over.
# No environment makes them, so they are not among the kinds a destroy must empty.
_WORKLOADS = [
    ("sagemaker:training_job", "training_jobs"),
    ("sagemaker:processing_job", "processing_jobs"),
    ("sagemaker:transform_job", "transform_jobs"),
    ("sagemaker:hyper_parameter_tuning_job", "hyper_parameter_tuning_jobs"),
    ("sagemaker:automl_job", "auto_ml_jobs"),
    ("sagemaker:notebook_instance", "notebook_instances"),
    ("sagemaker:notebook_instance_lifecycle_config", "notebook_instance_lifecycle_configurations"),
    ("sagemaker:model", "_models"),
    ("sagemaker:endpoint_config", "endpoint_configs"),
    ("sagemaker:endpoint", "endpoints"),
]


def _sm_workloads(table: str) -> Callable[[], Iterator[str]]:
    def names() -> Iterator[str]:
        for b in _backends("moto.sagemaker.models", "sagemaker_backends"):
            yield from list(getattr(b, table))

    return names


for _name, _table in _WORKLOADS:
    kind(_name)(_sm_workloads(_table))


@kind("sagemaker:servicecatalog_portfolio")
def _sm_portfolio_status() -> Iterator[str]:
    # One entry, "<account>/<region>", per place where it is Enabled.
    from .servicecatalog import sc_state

    from moto.servicecatalog.models import servicecatalog_backends

    for account, region, b in servicecatalog_backends.iter_backends():
        if sc_state(b).sagemaker_share is not None:
            yield f"{account}/{region}"


# --- CodeArtifact (extensions/codeartifact.py) ---------------------------------


def _ca_domains() -> Iterator[Any]:
    from .codeartifact import codeartifact_backends

    for _account, _region, b in codeartifact_backends.iter_backends():
        yield from b.domains.values()


@kind("codeartifact:domain")
def _ca_domain_arns() -> Iterator[str]:
    # ARNs: a domain name is only unique within its account and region.
    yield from (d.arn for d in _ca_domains())


@kind("codeartifact:repository")
def _ca_repository_arns() -> Iterator[str]:
    for d in _ca_domains():
        yield from (r.arn for r in d.repositories.values())


# --- EC2 ----------------------------------------------------------------------


def _ec2() -> Iterator[Any]:
    return _backends("moto.ec2.models", "ec2_backends")


# --- AWS Config (extensions/config_rules.py refuses rules without a recorder) ---------


@kind("config:rule")
def _config_rules() -> Iterator[str]:
    for b in _backends("moto.config.models", "config_backends"):
        for rule in b.config_rules.values():
            yield rule.config_rule_arn


# --- CloudTrail, EventBridge, Lambda, SNS, SQS: what a security response deploys ---------------


@kind("cloudtrail:trail")
def _trails() -> Iterator[str]:
    for b in _backends("moto.cloudtrail.models", "cloudtrail_backends"):
        yield from (t.arn for t in list(b.trails.values()))


@kind("events:rule")
def _event_rules() -> Iterator[str]:
    # Rules of every bus (a rule with targets cannot be deleted, so leftover targets show here too).
    for b in _backends("moto.events.models", "events_backends"):
        for bus in list(b.event_buses.values()):
            yield from (r.arn for r in list(bus.rules.values()))


def _lambda_functions() -> Iterator[Any]:
    for b in _backends("moto.awslambda.models", "lambda_backends"):
        for group in list(b._lambdas._functions.values()):
            yield group["latest"]


@kind("lambda:function")
def _functions() -> Iterator[str]:
    yield from (fn.function_arn for fn in _lambda_functions())


@kind("lambda:event_invoke_config")
def _event_invoke_configs() -> Iterator[str]:
    # The function's ARN, while PutFunctionEventInvokeConfig's settings exist.
    yield from (fn.function_arn for fn in _lambda_functions() if getattr(fn, "event_invoke_config", None))


@kind("sns:topic")
def _topics() -> Iterator[str]:
    for b in _backends("moto.sns.models", "sns_backends"):
        yield from list(b.topics)


@kind("sqs:queue")
def _queues() -> Iterator[str]:
    for b in _backends("moto.sqs.models", "sqs_backends"):
        yield from (q.queue_arn for q in list(b.queues.values()))


@kind("ec2:vpc")
def _vpcs() -> Iterator[str]:
    for b in _ec2():
        yield from (v.id for v in b.vpcs.values() if not v.is_default)


@kind("ec2:subnet")
def _subnets() -> Iterator[str]:
    for b in _ec2():
        for subnets in b.subnets.values():
            yield from (s.id for s in subnets.values() if not s.default_for_az)


@kind("ec2:security_group")
def _security_groups() -> Iterator[str]:
    for b in _ec2():
        for groups in b.groups.values():
            yield from (g.id for g in groups.values() if not g.is_default)


@kind("ec2:internet_gateway")
def _igws() -> Iterator[str]:
    for b in _ec2():
        yield from b.internet_gateways


@kind("ec2:nat_gateway")
def _nat_gateways() -> Iterator[str]:
    # moto keeps a deleted NAT gateway (state "deleted"), as AWS shows it for a while.
    for b in _ec2():
        yield from (n.id for n in b.nat_gateways.values() if n.state != "deleted")


@kind("ec2:route_table")
def _route_tables() -> Iterator[str]:
    for b in _ec2():
        yield from (r.id for r in b.route_tables.values() if r.main_association_id is None)


@kind("ec2:vpc_endpoint")
def _vpc_endpoints() -> Iterator[str]:
    for b in _ec2():
        yield from (e.id for e in b.vpc_end_points.values() if e.state != "deleted")


@kind("ec2:elastic_ip")
def _eips() -> Iterator[str]:
    for b in _ec2():
        yield from (a.allocation_id or a.public_ip for a in b.addresses)


@kind("ec2:flow_log")
def _flow_logs() -> Iterator[str]:
    for b in _ec2():
        yield from b.flow_logs


@kind("ec2:network_interface")
def _enis() -> Iterator[str]:
    for b in _ec2():
        yield from b.enis


# --- KMS, S3, CloudWatch Logs, EFS --------------------------------------------


def _kms_keys() -> Iterator[Any]:
    for b in _backends("moto.kms.models", "kms_backends"):
        for key in b.keys.values():
            # moto makes the AWS-managed key behind an alias/aws/... on first use.
            aws_managed = key.key_manager == "AWS" or any(a.startswith("alias/aws/") for a in key.aliases)
            if not aws_managed:
                yield key


@kind("kms:key")
def _kms_key_ids() -> Iterator[str]:
    yield from (k.id for k in _kms_keys() if k.key_state != "PendingDeletion")


@kind("kms:alias")
def _kms_aliases() -> Iterator[str]:
    for key in _kms_keys():
        yield from key.aliases


@kind("s3:bucket")
def _buckets() -> Iterator[str]:
    for b in _backends("moto.s3.models", "s3_backends"):
        yield from b.buckets


@kind("logs:log_group")
def _log_groups() -> Iterator[str]:
    for b in _backends("moto.logs.models", "logs_backends"):
        yield from b.groups


@kind("efs:file_system")
def _file_systems() -> Iterator[str]:
    for b in _backends("moto.efs.models", "efs_backends"):
        yield from b.file_systems_by_id


@kind("efs:mount_target")
def _mount_targets() -> Iterator[str]:
    for b in _backends("moto.efs.models", "efs_backends"):
        yield from b.mount_targets_by_id


def inventory() -> dict[str, list[str]]:
    from .common import LOCK

    # moto's own handlers do not take our lock: a request landing while we read
    # may resize a dict under us. Reading again is cheap and then consistent.
    for attempt in range(5):
        try:
            with LOCK:
                return {name: sorted(set(fn())) for name, fn in KINDS}
        except RuntimeError:
            if attempt == 4:
                raise
    raise AssertionError("unreachable")
