//! The schema of `sagemaker_secure_ds_environment`: every argument with the Markdown the
//! registry and `docs/` render.

use tf_provider::schema::{AttributeType, Block, NestedBlock, Schema};

use crate::schema::{
    block, computed, map_of_strings, optional, optional_with_default, required, set_of_strings,
};

fn list_of_strings() -> AttributeType {
    AttributeType::List(Box::new(AttributeType::String))
}

const DESCRIPTION: &str = "A locked-down environment for one data-science team and stage: a VPC with no internet path \
(or your own VPC), VPC endpoints for every AWS API SageMaker needs, the team's own KMS keys, TLS-only and \
endpoint-only S3 buckets, persona roles with guardrails that make unencrypted or out-of-VPC SageMaker compute fail, \
and VPC flow logs.\n\n\
Every child resource is tagged `secure-mlops:environment = <name>-<stage>` and `secure-mlops:component = <logical id>`. \
A run that is interrupted (a killed process, a timeout) is repaired by applying again: children that exist are found by \
those tags or their deterministic names and adopted, never duplicated. Refresh reads every child and reports security \
settings changed outside Terraform in `drifted_settings`; the next plan shows them as a change and apply restores them.\n\n\
Import with the id `<name>-<stage>` of an environment that exists (an id with no trace is refused); the next apply adopts its children (see `drifted_settings`). \
Changing `name`, `stage` or the VPC layout (`network.vpc_id`, `vpc_cidr`, `availability_zones`, subnet CIDRs or ids, \
`existing_s3_endpoint_id`) replaces the environment; everything else changes in place.";

/// The resource's schema.
pub(crate) fn schema() -> Schema {
    Schema {
        version: 1,
        block: block(
            DESCRIPTION,
            vec![
                ("id", computed(AttributeType::String, "`<name>-<stage>`.")),
                ("name", required(AttributeType::String, "Team name: lowercase letters, digits and single hyphens, starting with a letter, at most 20 characters (every derived AWS name must fit). Replaces when changed.")),
                ("stage", required(AttributeType::String, "`dev`, `test` or `prod`. Replaces when changed.")),
                ("tags", optional(map_of_strings(), "Tags for every child resource, on top of the provider's `default_tags` (these win). Keys starting with `aws:` or `secure-mlops:` are reserved.")),
                ("vpc_id", computed(AttributeType::String, "The VPC (created or yours).")),
                ("private_subnet_ids", computed(list_of_strings(), "Private subnets, in zone order.")),
                ("public_subnet_ids", computed(list_of_strings(), "Public subnets (NAT only), in zone order.")),
                ("sagemaker_security_group_id", computed(AttributeType::String, "Security group for Studio and jobs: ingress only from itself.")),
                ("endpoint_security_group_id", computed(AttributeType::String, "Security group of the interface endpoints: TCP 443 only from the SageMaker group and the private subnets.")),
                ("s3_endpoint_id", computed(AttributeType::String, "The S3 gateway endpoint (created or yours).")),
                ("interface_endpoint_ids", computed(map_of_strings(), "Interface endpoint ids by service name.")),
                ("kms_key_arns", computed(map_of_strings(), "KMS key ARNs by purpose: `data` (buckets, logs), `ebs` (volumes), `studio` (Studio's file system).")),
                ("data_bucket_arn", computed(AttributeType::String, "ARN of the data bucket.")),
                ("model_bucket_arn", computed(AttributeType::String, "ARN of the model bucket.")),
                ("role_arns", computed(map_of_strings(), "Role ARNs by persona: `data_scientist`, `team_admin`, `execution`, `sc_launch` (created or yours). Created roles are under the path `/secure-mlops/`: `arn:<partition>:iam::<account>:role/secure-mlops/<name>-<stage>-<persona>`.")),
                ("domain_id", computed(AttributeType::String, "The Studio domain's id (null without Studio).")),
                ("domain_arn", computed(AttributeType::String, "The Studio domain's ARN.")),
                ("domain_url", computed(AttributeType::String, "The Studio domain's URL.")),
                ("efs_id", computed(AttributeType::String, "The users' home EFS file system SageMaker made for the domain.")),
                ("user_profile_arns", computed(map_of_strings(), "User profile ARNs by name.")),
                ("package_repository_url", computed(AttributeType::String, "The package repository's index URL (`pip install --index-url`, `uv`'s `[[index]]`), without a token: clients add `aws:<token>@` from `aws codeartifact get-authorization-token`; Studio's apps are set up to by the `packages-*` lifecycle configurations (null without `studio.packages`).")),
                ("drifted_settings", computed(list_of_strings(), "What the last refresh found changed outside Terraform (a bucket policy loosened, an ingress rule or a route added, a child deleted), one line each; empty when the environment matches its configuration. A plan shows a non-empty list going to `[]`: apply restores the settings.")),
            ],
            vec![
                ("network", NestedBlock::Group(network())),
                ("iam", NestedBlock::Group(iam())),
                ("storage", NestedBlock::Group(storage())),
                ("guardrails", NestedBlock::Group(guardrails())),
                ("studio", NestedBlock::Group(studio())),
                ("timeouts", NestedBlock::Group(timeouts())),
            ],
        ),
    }
}

/// `network.flow_logs`.
fn flow_logs() -> Block {
    block(
        "VPC flow logs to a CloudWatch Logs group encrypted with the environment's `data` key.",
        vec![
            (
                "enabled",
                optional_with_default(AttributeType::Bool, "Default `true`. Turning it off deletes the flow log, its group and its role in place."),
            ),
            (
                "traffic_type",
                optional_with_default(AttributeType::String, "`ACCEPT`, `REJECT` or `ALL`. Default `REJECT`."),
            ),
            (
                "retention_days",
                optional_with_default(AttributeType::Number, "Days CloudWatch Logs keeps the records, one of the values it accepts (1, 3, 5, 7, 14, 30, ...). Default `14`."),
            ),
        ],
        vec![],
    )
}

/// `network`.
fn network() -> Block {
    block(
        "Where the environment's compute runs. Omitted: a new VPC `10.0.0.0/16` over the region's first two zones, no NAT.",
        vec![
            ("vpc_id", optional(AttributeType::String, "An existing VPC to use (bring your own). Then give `existing_private_subnet_ids` (or `vpc_cidr` and subnet CIDRs to create subnets in it); your VPC and subnets are never changed or deleted. Replaces when changed.")),
            ("vpc_cidr", optional_with_default(AttributeType::String, "CIDR of the new VPC. Default `10.0.0.0/16`. Replaces when changed.")),
            ("availability_zones", optional_with_default(list_of_strings(), "1 to 4 zones, one private subnet each. Default: the region's first two zones. Replaces when changed.")),
            ("private_subnet_cidrs", optional_with_default(list_of_strings(), "One CIDR per zone, inside `vpc_cidr`, not overlapping. Default: `/19` slices from the bottom of `vpc_cidr`. Replaces when changed.")),
            ("existing_private_subnet_ids", optional(list_of_strings(), "Existing private subnets, one per zone (with `vpc_id`). Not with `private_subnet_cidrs`. Replaces when changed.")),
            ("create_nat_gateways", optional_with_default(AttributeType::Bool, "One NAT gateway per zone in public subnets, behind one internet gateway. Default `false`: then the environment has no internet gateway at all. For an existing VPC that already has an internet gateway, plan fails and says what to do.")),
            ("public_subnet_cidrs", optional_with_default(list_of_strings(), "With NAT: one public subnet CIDR per zone. Default: `/20` slices from the middle of `vpc_cidr`. Replaces when changed.")),
            ("interface_endpoints", optional_with_default(set_of_strings(), "Interface endpoint service names after `com.amazonaws.<region>.` (`sts`, `sagemaker.api`, `studio`, ...), each with private DNS in every private subnet. Default: the 17 services Studio, jobs, pipelines and SageMaker Projects call. Added and removed in place.")),
            ("existing_s3_endpoint_id", optional(AttributeType::String, "An existing S3 gateway endpoint of `vpc_id` to use instead of creating one (bring your own VPC). Its policy must not allow every bucket (AWS's default full access): the plan refuses it, as it would let data be copied to any bucket. Replaces when changed.")),
        ],
        vec![("flow_logs", NestedBlock::Group(flow_logs()))],
    )
}

/// `iam`.
fn iam() -> Block {
    block(
        "Persona and service roles. A role given here is used as it is (separation of duties: the environment neither creates nor changes it, nor attaches guardrails to it), and must be tagged `secure-mlops:environment = <name>-<stage>` by whoever governs it (the plan refuses it otherwise: whoever can write the configuration could hand Studio users any role of the account); the others are created as `<name>-<stage>-<persona>` under the path `/secure-mlops/`, each with the permissions boundary.",
        vec![
            ("data_scientist_role_arn", optional(AttributeType::String, "Role data scientists work as in Studio.")),
            ("team_admin_role_arn", optional(AttributeType::String, "Role of the team's administrator.")),
            ("execution_role_arn", optional(AttributeType::String, "SageMaker execution role for Studio, jobs and pipelines.")),
            ("sc_launch_role_arn", optional(AttributeType::String, "Service Catalog launch role for the team's products.")),
            ("permissions_boundary_arn", optional(AttributeType::String, "ARN of the managed policy every role the environment creates carries as its permissions boundary (e.g. `secure-mlops-boundary.json` of `examples/iam/`, which the least-privilege deployer policies require). Unset: the environment creates its own boundary policy, `<name>-<stage>-boundary` under `/secure-mlops/`. A change recreates the roles.")),
            ("trusted_principal_arns", optional(set_of_strings(), "Who may assume the data scientist and team admin roles the environment creates: account (`arn:aws:iam::<account>:root`), role or user ARNs, e.g. your IAM Identity Center permission set roles. Unset: the account, so any principal of it whose IAM policies allow `sts:AssumeRole` on the role. Changing it updates the roles' trust in place.")),
        ],
        vec![],
    )
}

/// `storage`.
fn storage() -> Block {
    block(
        "The data and model buckets: SSE-KMS with the `data` key and bucket keys, public access blocked, object ownership enforced, versioning on, and a policy that denies requests without TLS and object access that does not come through the environment's S3 endpoint.",
        vec![
            ("data_bucket_name", optional_with_default(AttributeType::String, "Default `<name>-<stage>-<region>-<account>-data`. Changing it deletes the old bucket (see `force_destroy`) and creates the new one.")),
            ("model_bucket_name", optional_with_default(AttributeType::String, "Default `<name>-<stage>-<region>-<account>-models`.")),
            ("force_destroy", optional_with_default(AttributeType::Bool, "Delete every object version when a bucket is deleted. Default `false`: destroy then stops at a bucket that holds objects and says so.")),
        ],
        vec![],
    )
}

/// `guardrails`.
fn guardrails() -> Block {
    block(
        "A deny policy attached to the roles the environment creates (except the Service Catalog launch role).",
        vec![
            ("require_vpc", optional_with_default(AttributeType::Bool, "Deny SageMaker calls that start compute without VPC subnets, and separately without security groups. Default `true`.")),
            ("require_kms", optional_with_default(AttributeType::Bool, "Deny compute without a volume KMS key. Default `true`.")),
            ("deny_root_access", optional_with_default(AttributeType::Bool, "Deny notebook instances with root access. Default `true`.")),
            ("deny_direct_internet", optional_with_default(AttributeType::Bool, "Deny notebook instances with direct internet access. Default `true`.")),
            ("require_network_isolation", optional_with_default(AttributeType::Bool, "Deny training, processing and tuning jobs, model-monitoring job definitions and models whose containers are not network-isolated (`EnableNetworkIsolation`; left out counts as off). Default `false`: isolated containers reach nothing, not even the VPC's endpoints, which many training scripts need. Changing it updates the guardrail policy in place.")),
            ("managed_config_rules", optional_with_default(AttributeType::Bool, "Deploy the AWS Config managed rules that check continuously what `data \"sagemaker_environment_audit\"` checks on demand (`secure-mlops-<name>-<stage>-<rule>`: notebooks' direct internet, VPC and environment subnets, root access and KMS key; endpoint configurations' and models' KMS key and VPC; models' network isolation when `require_network_isolation`; VPC flow logs; the default security group; key rotation). Needs an AWS Config configuration recorder in the region: the plan fails on this attribute when there is none. Default `false`. Changed in place.")),
            ("require_inter_container_encryption", optional_with_default(AttributeType::Bool, "Deny training, processing, tuning and AutoML (V2) jobs and model-monitoring job definitions without inter-container traffic encryption (`EnableInterContainerTrafficEncryption`; left out counts as off). Default `false`: it slows distributed training. Changing it updates the guardrail policy in place.")),
            ("allowed_instance_types", optional_with_default(set_of_strings(), "When not empty, deny instance types outside this set. Default empty (no limit).")),
        ],
        vec![],
    )
}

/// `studio.user_profile "<name>"`.
fn user_profile() -> Block {
    block(
        "A Studio user profile, keyed by its name: adding or removing one changes only that profile, in place.",
        vec![
            (
                "persona",
                required(AttributeType::String, "`data_scientist` or `team_admin`: the persona role the profile runs as."),
            ),
            (
                "sso_user_name",
                optional(AttributeType::String, "The user's IAM Identity Center user name. Required when `auth_mode = \"SSO\"` (SageMaker links the profile to that user), not allowed otherwise. Changing it makes the profile again (SageMaker cannot move a profile to another user): its home directory stays on the domain's file system, its apps and spaces go."),
            ),
            (
                "default_lifecycle_config",
                optional(AttributeType::String, "The key of a `studio.lifecycle_config` block this profile's apps of that app type run by default, instead of the domain's default. Changed in place."),
            ),
            (
                "idle_minutes",
                optional(AttributeType::Number, "This profile's idle timeout for JupyterLab and Code Editor apps, instead of `studio.idle_shutdown.idle_minutes` (60-525600; needs idle shutdown on). Changed in place."),
            ),
        ],
        vec![],
    )
}

/// `studio`.
fn studio() -> Block {
    block(
        "The Studio domain: `VpcOnly` in the private subnets, encrypted with the `studio` key, with the execution role and the SageMaker security group as default user settings. Destroy deletes apps and spaces, user profiles, the domain, then what SageMaker made for it (the home file system's mount targets and the two NFS security groups) so the subnets and the VPC can go.",
        vec![
            ("enabled", optional_with_default(AttributeType::Bool, "Default `true`. Turning it off deletes the domain and its profiles in place.")),
            ("domain_name", optional_with_default(AttributeType::String, "Default `<name>-<stage>`. Changing it deletes the domain and creates a new one (the plan warns).")),
            ("auth_mode", optional_with_default(AttributeType::String, "`IAM` (default) or `SSO`. AWS cannot change it in place: changing it deletes the domain and creates a new one (the plan warns).")),
            ("efs_retention", optional_with_default(AttributeType::String, "`Retain` (default): when the domain is deleted, the users' home file system is kept (its id is reported in a warning) while its mount targets and NFS security groups are removed. `Delete`: the file system goes too, with every user's files. Either way the file system carries the environment's tags (added when the domain is made), so a kept one is found by them.")),
            ("hidden_apps", optional_with_default(set_of_strings(), "App types the Studio web portal does not show (the API's `AppType`: `Canvas`, `CodeEditor`, `JupyterLab`, `JupyterServer`, `RStudioServerPro`, ...). Default `[\"Canvas\", \"RStudioServerPro\"]`: Canvas needs internet access the VPC does not have, RStudio a licence the environment does not set up. Changed in place.")),
            ("docker_access", optional_with_default(AttributeType::String, "`DISABLED` (default) or `ENABLED`: whether apps may build and run Docker containers; when enabled, only images of this account's ECR. Changed in place.")),
            ("team_portfolio", optional_with_default(AttributeType::Bool, "The team's own Service Catalog portfolio (`<name>-<stage>-team`), shared with the `data_scientist` and `team_admin` roles (default `false`; needs `enabled`). It holds two products launched as the `sc_launch` role: a notebook instance in the environment (private subnet, SageMaker security group, `ebs` key, execution role, root and direct internet access off, instance types the guardrails allow, a lifecycle configuration), which both roles may launch, and a Studio user profile (name, persona, IAM Identity Center user), which only team admins may launch. A template or guardrail change publishes a new product version and deprecates the old one. Destroy terminates what people launched from them.")),
        ],
        vec![
            ("user_profile", NestedBlock::Map(user_profile())),
            ("access", NestedBlock::Group(studio_access())),
            ("idle_shutdown", NestedBlock::Group(idle_shutdown())),
            ("lifecycle_config", NestedBlock::Map(lifecycle_config())),
            ("custom_image", NestedBlock::Map(custom_image())),
            ("default_space", NestedBlock::Group(default_space())),
            ("packages", NestedBlock::Group(packages())),
        ],
    )
}

/// `studio.idle_shutdown`.
fn idle_shutdown() -> Block {
    block(
        "Idle JupyterLab and Code Editor apps stop, in every user's and every space's settings (the domain's default user and space settings; profiles carry it too). Users may choose a shorter timeout for a space, never a longer one. Changed in place, and read back for drift.",
        vec![
            ("enabled", optional_with_default(AttributeType::Bool, "Default `true`.")),
            ("idle_minutes", optional_with_default(AttributeType::Number, "Minutes without work before an app stops: 60-525600. Default `60`.")),
        ],
        vec![],
    )
}

/// `studio.lifecycle_config "<name>"`.
fn lifecycle_config() -> Block {
    block(
        "A Studio lifecycle configuration, keyed by its name: a script JupyterLab or Code Editor runs when it starts (set up `pip`, install the team's tools). Offered to every user and space of the domain; `default = true` runs it unless the user picks another. AWS cannot change a configuration: a new script is made as a new one (`<name>-<stage>-<key>-<hash>`), the domain switches to it, then the old one is deleted, all in place. Destroy deletes them after the domain.",
        vec![
            ("app_type", required(AttributeType::String, "`JupyterLab` or `CodeEditor`.")),
            ("content", required(AttributeType::String, "The script (e.g. `#!/bin/bash` ...), at most 12288 bytes (16384 characters once base64-encoded, what SageMaker takes).")),
            ("default", optional(AttributeType::Bool, "Run it by default in its app type (at most one per app type). Default `false`.")),
        ],
        vec![],
    )
}

/// `studio.custom_image "<name>"`.
fn custom_image() -> Block {
    block(
        "A custom image from this account's ECR, offered to every user and space as a JupyterLab or Code Editor image: a SageMaker image `<name>-<stage>-<key>` (pulled as the execution role), a version of it for `ecr_image_uri` and an app image config. A new `ecr_image_uri` is a new version of the same image, in place. Destroy deletes the image, its versions and the config after the domain.",
        vec![
            ("ecr_image_uri", required(AttributeType::String, "`<account>.dkr.ecr.<region>.amazonaws.com/<repository>:<tag>` (or `@sha256:<digest>`), in this account and region (the plan refuses others). The image must be pushed before apply: SageMaker checks it when it makes the version.")),
            ("app_type", required(AttributeType::String, "`JupyterLab` or `CodeEditor`.")),
            ("uid", optional(AttributeType::Number, "The user apps run as: `1000` (default). Root (0) is refused.")),
            ("gid", optional(AttributeType::Number, "The group apps run as: `100` (default). Root (0) is refused.")),
            ("mount_path", optional(AttributeType::String, "Where the user's home directory is mounted. Default `/home/sagemaker-user`.")),
        ],
        vec![],
    )
}

/// `studio.default_space`.
fn default_space() -> Block {
    block(
        "The storage of the spaces users make (the domain's default space and user settings). Changed in place, and read back for drift.",
        vec![
            ("storage_gb", optional_with_default(AttributeType::Number, "A new space's EBS volume in GB: 5-16384, at most `max_storage_gb`. Default `5`.")),
            ("max_storage_gb", optional_with_default(AttributeType::Number, "The largest volume a user may give a space, in GB: 5-16384. Default `100`.")),
        ],
        vec![],
    )
}

/// `studio.packages`.
fn packages() -> Block {
    block(
        "A private Python package repository, so `pip install` and `uv` work in the VPC without internet: an AWS CodeArtifact domain named as the environment (encrypted with the `data` key; its policy refuses other accounts' principals) with a repository reading through to the public index, the `codeartifact.api` and `codeartifact.repositories` interface endpoints (added to `network.interface_endpoints`, whatever it lists), read permissions for the people and execution roles, and the lifecycle configurations `packages-jupyterlab` and `packages-codeeditor` that point `pip` and `uv` at it when an app starts (the default for their app type unless a `lifecycle_config` is). Only with Studio. The URL is `package_repository_url`. Destroy deletes the repository, then the domain.",
        vec![
            ("enabled", optional_with_default(AttributeType::Bool, "Default `true`. Turning it off deletes the repository, its domain, its endpoints and lifecycle configurations, in place.")),
            ("upstream", optional_with_default(AttributeType::String, "Where packages come from: `pypi` (default), through CodeArtifact's `public:pypi` connection.")),
        ],
        vec![],
    )
}

/// `studio.access`.
fn studio_access() -> Block {
    block(
        "Where people may open Studio from (`CreatePresignedDomainUrl`), enforced by a deny in the data scientist and team admin roles. Neither set: wherever their IAM permissions allow. Both set: either source is enough. Changing them updates the roles in place.",
        vec![
            ("source_vpc_endpoint_only", optional(AttributeType::Bool, "`true`: Studio opens only through the environment's VPC (its `sagemaker.api` interface endpoint, e.g. from a corporate network connected to the VPC), or from `allowed_source_cidrs`. Needs `sagemaker.api` in `network.interface_endpoints`. Default `false`.")),
            ("allowed_source_cidrs", optional(set_of_strings(), "Public IPv4 ranges Studio may be opened from (your offices' egress addresses), e.g. `[\"203.0.113.0/24\"]`. `0.0.0.0/0` is refused.")),
        ],
        vec![],
    )
}

/// `timeouts`.
fn timeouts() -> Block {
    block(
        "How long operations may take, as Go duration strings (`\"30m\"`, `\"1h\"`). A run that times out records what exists; apply again to continue (a create that failed or timed out leaves the resource tainted, which the next apply replaces: `terraform untaint` it to continue instead).",
        vec![
            ("create", optional(AttributeType::String, "Default `60m`.")),
            ("update", optional(AttributeType::String, "Default `60m`.")),
            ("delete", optional(AttributeType::String, "Default `60m`.")),
        ],
        vec![],
    )
}
