//! The guardrail policy attached to the environment's persona and execution roles.
//!
//! Only denies: whatever the roles are otherwise allowed, they cannot start SageMaker compute
//! outside the environment's network, without its keys, with root access or direct internet on
//! notebooks, or on instance types the environment does not allow.
//!
//! Each guard is a list of actions and one condition key. An action is in a guard's list only if
//! the Service Authorization Reference lists that key for it: for a key an action never carries,
//! a `Null = true` deny would fire on every call and an `ForAnyValue` deny on none. Where an
//! action has the key but cannot always set it, the doc comment of the list says why it was left
//! out.
//!
//! Presence alone would pass any subnet (a default VPC with an internet gateway) and any key
//! (another account's), so each presence check has an identity check next to it, built from the
//! environment's own values ([`GuardrailScope`]):
//!
//! * `ForAnyValue:StringNotEquals` on `sagemaker:VpcSubnets` and `sagemaker:VpcSecurityGroupIds`
//!   (lists): one subnet or group outside the environment's is enough to deny. Never
//!   `ForAllValues` alone, which is true when the key is absent; the `Null` statements deny that.
//! * `ArnNotEquals` on `sagemaker:VolumeKmsKey` (the `ebs` key) and `sagemaker:OutputKmsKey` (the
//!   `data` key, the only key the buckets accept uploads with). Both keys are ARN-typed in the
//!   Service Authorization Reference, so an ARN operator; a request naming a key by id or alias
//!   is denied too: name the keys by ARN. A negated operator is also true when the key is
//!   absent, so with the environment's key known this one statement is the presence check as
//!   well, and the `Null` statement of that key is left out (the managed policy's 6,144
//!   characters are the limit; a test keeps the largest environment under it).
//!
//! Presence checks (`Null`) get one statement per key. The keys of one `Null` block are ANDed, so
//! `{"Null": {"sagemaker:VpcSubnets": "true", "sagemaker:VpcSecurityGroupIds": "true"}}` denies
//! only a call missing both, and a call naming security groups but no subnets passes. Separate
//! statements deny a call missing either.

use serde_json::{json, Value};

use super::document;
use crate::spec::GuardrailSpec;

/// Sid of the statement denying compute without VPC subnets.
pub const SID_DENY_WITHOUT_VPC_SUBNETS: &str = "DenyComputeWithoutVpcSubnets";
/// Sid of the statement denying compute without VPC security groups.
pub const SID_DENY_WITHOUT_VPC_SECURITY_GROUPS: &str = "DenyComputeWithoutVpcSecurityGroups";
/// Sid of the statement denying compute in subnets other than the environment's.
pub const SID_DENY_OTHER_VPC_SUBNETS: &str = "DenyComputeInOtherSubnets";
/// Sid of the statement denying compute behind security groups other than the environment's.
pub const SID_DENY_OTHER_VPC_SECURITY_GROUPS: &str = "DenyComputeWithOtherSecurityGroups";
/// Sid of the statement denying compute with a volume key other than the environment's.
pub const SID_DENY_OTHER_VOLUME_KMS_KEY: &str = "DenyComputeWithOtherVolumeKmsKey";
/// Sid of the statement denying jobs with an output key other than the environment's.
pub const SID_DENY_OTHER_OUTPUT_KMS_KEY: &str = "DenyJobsWithOtherOutputKmsKey";
/// Sid of the statement denying compute without a volume KMS key.
pub const SID_DENY_WITHOUT_VOLUME_KMS_KEY: &str = "DenyComputeWithoutVolumeKmsKey";
/// Sid of the statement denying jobs without an output KMS key.
pub const SID_DENY_WITHOUT_OUTPUT_KMS_KEY: &str = "DenyJobsWithoutOutputKmsKey";
/// Sid of the statement denying notebook instances created without root access disabled.
pub const SID_DENY_NOTEBOOK_ROOT_ACCESS: &str = "DenyNotebookWithRootAccess";
/// Sid of the statement denying turning root access on for a notebook instance.
pub const SID_DENY_ENABLING_NOTEBOOK_ROOT_ACCESS: &str = "DenyEnablingNotebookRootAccess";
/// Sid of the statement denying notebook instances created without direct internet disabled.
pub const SID_DENY_NOTEBOOK_DIRECT_INTERNET: &str = "DenyNotebookWithDirectInternetAccess";
/// Sid of the statement denying jobs whose network and keys IAM cannot see (no condition keys).
pub const SID_DENY_UNVERIFIABLE_JOBS: &str = "DenyJobsWithoutVerifiableVpc";
/// Sid of the statement denying Studio domains created with public internet access.
pub const SID_DENY_DOMAIN_PUBLIC_INTERNET: &str = "DenyDomainWithPublicInternet";
/// Sid of the statement denying switching a Studio domain to public internet access.
pub const SID_DENY_ENABLING_DOMAIN_PUBLIC_INTERNET: &str = "DenyEnablingDomainPublicInternet";
/// Sid of the deny of containers without network isolation.
pub const SID_DENY_WITHOUT_NETWORK_ISOLATION: &str = "DenyContainersWithoutNetworkIsolation";
/// Sid of the deny of distributed jobs without inter-container traffic encryption.
pub const SID_DENY_WITHOUT_TRAFFIC_ENCRYPTION: &str = "DenyJobsWithoutInterContainerEncryption";
/// Calls that carry `sagemaker:NetworkIsolation` (containers that may be cut off the network).
/// `CreateMonitoringSchedule` lists the key too, but a schedule that names a job definition
/// carries none (the definition, checked here, holds the setting), and the deny is true for an
/// absent key.
pub const NETWORK_ISOLATION_ACTIONS: &[&str] = &[
    JOB_DEFINITIONS,
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateModel",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob",
];
/// Calls that carry `sagemaker:InterContainerTrafficEncryption` (distributed jobs); not
/// `CreateMonitoringSchedule`, for the reason above.
pub const TRAFFIC_ENCRYPTION_ACTIONS: &[&str] = &[
    JOB_DEFINITIONS,
    "sagemaker:CreateAutoMLJobV2",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob",
];
/// The four model-monitoring job definition creates (data quality, model bias, model
/// explainability, model quality), which carry the same keys as processing jobs. One pattern
/// instead of four names keeps the guardrail policy within a managed policy's 6,144 characters
/// with every guard on; the Service Authorization Reference has no other action it matches
/// (`guardrails_use_no_pattern_that_matches_an_action_outside_the_reference_table` and
/// parliament, which flags patterns that match nothing, check), and an action AWS might add
/// under that name would be denied, not let through.
pub const JOB_DEFINITIONS: &str = "sagemaker:Create*JobDefinition";
/// Sid of the statement denying compute on instance types outside the allowed list.
pub const SID_DENY_DISALLOWED_INSTANCE_TYPES: &str = "DenyComputeOnDisallowedInstanceTypes";
/// Sid of the statement denying Studio apps on instance types outside the allowed list.
pub const SID_DENY_APPS_ON_DISALLOWED_INSTANCE_TYPES: &str = "DenyAppsOnDisallowedInstanceTypes";

/// Calls that start compute and carry `sagemaker:VpcSubnets` and `sagemaker:VpcSecurityGroupIds`
/// whenever the request names a VPC.
///
/// `CreateModel` is here because a model's VPC is where its endpoints and transform jobs run;
/// `CreateTransformJob` has no VPC key for that reason. Left out although they list the keys:
/// `CreateEndpointConfig` (its VPC settings are optional even for endpoints in a VPC, which take
/// the model's), `CreateMonitoringSchedule`/`UpdateMonitoringSchedule` (a schedule that names a
/// job definition instead of inlining one carries no VPC keys, and the definition calls are
/// covered here) and `CreateDomain`/`UpdateDomain` (a domain always has a VPC).
pub const VPC_REQUIRED_ACTIONS: &[&str] = &[
    "sagemaker:CreateAutoMLJob",
    "sagemaker:CreateAutoMLJobV2",
    "sagemaker:CreateCluster",
    JOB_DEFINITIONS,
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateModel",
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob",
];

/// Calls that start compute with storage volumes and carry `sagemaker:VolumeKmsKey`.
///
/// SageMaker rejects a volume key for instance types with local NVMe storage (encrypted by the
/// instance's hardware instead), so with this guard on, those types cannot be used for these
/// calls. `CreateEndpointConfig` is left out for the same reason: most GPU hosting types have
/// local storage, and serverless endpoints take no volume key at all.
pub const VOLUME_KMS_REQUIRED_ACTIONS: &[&str] = &[
    "sagemaker:CreateAutoMLJob",
    "sagemaker:CreateAutoMLJobV2",
    JOB_DEFINITIONS,
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateLabelingJob",
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateTransformJob",
];

/// Jobs that write results to S3 and carry `sagemaker:OutputKmsKey`.
///
/// A processing job without any output has no output key either, and is denied: the price of
/// not letting outputs fall back to the bucket's default encryption.
pub const OUTPUT_KMS_REQUIRED_ACTIONS: &[&str] = &[
    "sagemaker:CreateAutoMLJob",
    "sagemaker:CreateAutoMLJobV2",
    JOB_DEFINITIONS,
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateLabelingJob",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateTransformJob",
];

/// Calls that start compute with a VPC configuration but carry neither VPC nor KMS condition keys
/// (the Service Authorization Reference lists only tag keys for them), so IAM cannot tell a job
/// in the environment's subnets from one on the internet. With `require_vpc` they are denied
/// outright; a team that needs them compiles or packages models through a role of its own.
pub const UNVERIFIABLE_JOB_ACTIONS: &[&str] = &[
    "sagemaker:CreateCompilationJob",
    "sagemaker:CreateEdgePackagingJob",
    "sagemaker:CreateOptimizationJob",
];

/// Calls that choose instance types and carry `sagemaker:InstanceTypes`.
///
/// The updates are here so an allowed instance cannot be switched to a disallowed type. A call
/// without the key (a serverless endpoint configuration, an update that keeps the type) is not
/// denied: `ForAnyValue` over no values is false.
pub const INSTANCE_TYPE_ACTIONS: &[&str] = &[
    "sagemaker:CreateCluster",
    JOB_DEFINITIONS,
    "sagemaker:CreateEndpointConfig",
    "sagemaker:CreateHyperParameterTuningJob",
    "sagemaker:CreateMonitoringSchedule",
    "sagemaker:CreateNotebookInstance",
    "sagemaker:CreateProcessingJob",
    "sagemaker:CreateTrainingJob",
    "sagemaker:CreateTransformJob",
    "sagemaker:UpdateCluster",
    "sagemaker:UpdateMonitoringSchedule",
    "sagemaker:UpdateNotebookInstance",
    "sagemaker:UpdateTrainingJob",
];

/// The instance type Studio runs its default (`JupyterServer`/`KernelGateway` system) apps on;
/// always allowed for apps, since denying it breaks Studio itself.
pub const STUDIO_SYSTEM_INSTANCE_TYPE: &str = "system";

/// The environment's own values the guardrails compare requests with. An empty list leaves out
/// its identity statement (IAM rejects an operator without values) and keeps the presence check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GuardrailScope {
    /// The environment's private subnet ids.
    pub subnet_ids: Vec<String>,
    /// The security group ids SageMaker compute runs behind (the SageMaker group).
    pub security_group_ids: Vec<String>,
    /// ARNs of the keys compute volumes may be encrypted with (the `ebs` key).
    pub volume_kms_key_arns: Vec<String>,
    /// ARNs of the keys job outputs may be encrypted with (the `data` key).
    pub output_kms_key_arns: Vec<String>,
}

/// The guardrail policy for `settings`, comparing requests with `scope`, or `None` when every
/// guard is off (whatever `scope` says).
///
/// `None` rather than an empty or placeholder document: IAM rejects a policy without statements,
/// and a placeholder would still be a policy to attach, read back and diff. The caller detaches
/// (or never creates) the guardrail policy instead.
pub fn guardrail_policy(settings: &GuardrailSpec, scope: &GuardrailScope) -> Option<Value> {
    let mut statements = Vec::new();

    if settings.require_vpc {
        statements.push(deny_when_missing(
            SID_DENY_WITHOUT_VPC_SUBNETS,
            VPC_REQUIRED_ACTIONS,
            "sagemaker:VpcSubnets",
        ));
        statements.push(deny_when_missing(
            SID_DENY_WITHOUT_VPC_SECURITY_GROUPS,
            VPC_REQUIRED_ACTIONS,
            "sagemaker:VpcSecurityGroupIds",
        ));
        statements.extend(deny_other_values(
            SID_DENY_OTHER_VPC_SUBNETS,
            VPC_REQUIRED_ACTIONS,
            "ForAnyValue:StringNotEquals",
            "sagemaker:VpcSubnets",
            &scope.subnet_ids,
        ));
        statements.extend(deny_other_values(
            SID_DENY_OTHER_VPC_SECURITY_GROUPS,
            VPC_REQUIRED_ACTIONS,
            "ForAnyValue:StringNotEquals",
            "sagemaker:VpcSecurityGroupIds",
            &scope.security_group_ids,
        ));
    }

    if settings.require_vpc {
        statements.push(json!({
            "Sid": SID_DENY_UNVERIFIABLE_JOBS,
            "Effect": "Deny",
            "Action": UNVERIFIABLE_JOB_ACTIONS,
            "Resource": "*"
        }));
        // A domain left without the setting gets `PublicInternetOnly`, so the create must say
        // `VpcOnly`; an update without it keeps the current setting, so only turning public
        // internet on is denied (as for notebook root access below).
        statements.push(json!({
            "Sid": SID_DENY_DOMAIN_PUBLIC_INTERNET,
            "Effect": "Deny",
            "Action": "sagemaker:CreateDomain",
            "Resource": "*",
            "Condition": { "StringNotEquals": { "sagemaker:AppNetworkAccessType": "VpcOnly" } }
        }));
        statements.push(json!({
            "Sid": SID_DENY_ENABLING_DOMAIN_PUBLIC_INTERNET,
            "Effect": "Deny",
            "Action": "sagemaker:UpdateDomain",
            "Resource": "*",
            "Condition": {
                "StringEquals": { "sagemaker:AppNetworkAccessType": "PublicInternetOnly" }
            }
        }));
    }

    if settings.require_kms {
        // `ArnNotEquals` is true for a request without the key, so once the environment's key
        // is known its statement checks presence and identity at once and replaces the `Null`
        // one (the policy is a managed policy, at most 6,144 characters).
        let kms_guards = [
            (
                SID_DENY_WITHOUT_VOLUME_KMS_KEY,
                SID_DENY_OTHER_VOLUME_KMS_KEY,
                VOLUME_KMS_REQUIRED_ACTIONS,
                "sagemaker:VolumeKmsKey",
                &scope.volume_kms_key_arns,
            ),
            (
                SID_DENY_WITHOUT_OUTPUT_KMS_KEY,
                SID_DENY_OTHER_OUTPUT_KMS_KEY,
                OUTPUT_KMS_REQUIRED_ACTIONS,
                "sagemaker:OutputKmsKey",
                &scope.output_kms_key_arns,
            ),
        ];
        for (missing_sid, other_sid, actions, key, allowed) in kms_guards {
            statements.push(
                deny_other_values(other_sid, actions, "ArnNotEquals", key, allowed)
                    .unwrap_or_else(|| deny_when_missing(missing_sid, actions, key)),
            );
        }
    }

    if settings.deny_root_access {
        // Root access defaults to enabled when the create call leaves it out, so the create is
        // denied unless it explicitly says `Disabled` (`StringNotEquals` is true for an absent
        // key). An update that leaves it out keeps the current setting, so updates are denied
        // only when they turn it on.
        statements.push(json!({
            "Sid": SID_DENY_NOTEBOOK_ROOT_ACCESS,
            "Effect": "Deny",
            "Action": "sagemaker:CreateNotebookInstance",
            "Resource": "*",
            "Condition": { "StringNotEquals": { "sagemaker:RootAccess": "Disabled" } }
        }));
        statements.push(json!({
            "Sid": SID_DENY_ENABLING_NOTEBOOK_ROOT_ACCESS,
            "Effect": "Deny",
            "Action": "sagemaker:UpdateNotebookInstance",
            "Resource": "*",
            "Condition": { "StringEquals": { "sagemaker:RootAccess": "Enabled" } }
        }));
    }

    if settings.deny_direct_internet {
        // Same default as root access; the setting cannot be changed after creation.
        statements.push(json!({
            "Sid": SID_DENY_NOTEBOOK_DIRECT_INTERNET,
            "Effect": "Deny",
            "Action": "sagemaker:CreateNotebookInstance",
            "Resource": "*",
            "Condition": { "StringNotEquals": { "sagemaker:DirectInternetAccess": "Disabled" } }
        }));
    }

    // Both default to off in the request, so a request that leaves them out is denied too
    // (`BoolIfExists` is true for an absent key).
    for (on, sid, actions, key) in [
        (
            settings.require_network_isolation,
            SID_DENY_WITHOUT_NETWORK_ISOLATION,
            NETWORK_ISOLATION_ACTIONS,
            "sagemaker:NetworkIsolation",
        ),
        (
            settings.require_inter_container_encryption,
            SID_DENY_WITHOUT_TRAFFIC_ENCRYPTION,
            TRAFFIC_ENCRYPTION_ACTIONS,
            "sagemaker:InterContainerTrafficEncryption",
        ),
    ] {
        if on {
            statements.push(json!({
                "Sid": sid,
                "Effect": "Deny",
                "Action": actions,
                "Resource": "*",
                "Condition": { "BoolIfExists": { key: "false" } }
            }));
        }
    }

    if !settings.allowed_instance_types.is_empty() {
        let mut allowed = settings.allowed_instance_types.clone();
        allowed.sort();
        allowed.dedup();
        statements.push(deny_instance_types_outside(
            SID_DENY_DISALLOWED_INSTANCE_TYPES,
            INSTANCE_TYPE_ACTIONS,
            &allowed,
        ));
        let mut for_apps = allowed;
        for_apps.push(STUDIO_SYSTEM_INSTANCE_TYPE.to_string());
        for_apps.sort();
        for_apps.dedup();
        statements.push(deny_instance_types_outside(
            SID_DENY_APPS_ON_DISALLOWED_INSTANCE_TYPES,
            &["sagemaker:CreateApp"],
            &for_apps,
        ));
    }

    (!statements.is_empty()).then(|| document(statements))
}

/// Deny `actions` when the request lacks `key`.
fn deny_when_missing(sid: &str, actions: &[&str], key: &str) -> Value {
    json!({
        "Sid": sid,
        "Effect": "Deny",
        "Action": actions,
        "Resource": "*",
        "Condition": { "Null": { key: "true" } }
    })
}

/// Deny `actions` when the request's `key` has a value other than `allowed` (`operator` being a
/// negated one); `None` when nothing is allowed, since IAM rejects an empty value list.
///
/// A request without the key is the `Null` statement's to deny (`ForAnyValue` over no values is
/// false; `ArnNotEquals` is true for a missing key, so that one denies it as well).
fn deny_other_values(
    sid: &str,
    actions: &[&str],
    operator: &str,
    key: &str,
    allowed: &[String],
) -> Option<Value> {
    let mut allowed = allowed.to_vec();
    allowed.sort();
    allowed.dedup();
    (!allowed.is_empty()).then(|| {
        json!({
            "Sid": sid,
            "Effect": "Deny",
            "Action": actions,
            "Resource": "*",
            "Condition": { operator: { key: allowed } }
        })
    })
}

/// Deny `actions` when any instance type in the request matches none of `allowed`.
fn deny_instance_types_outside(sid: &str, actions: &[&str], allowed: &[String]) -> Value {
    // `StringNotLike` with several values is true when the value matches none of them;
    // `ForAnyValue` makes one such type in a multi-instance request (heterogeneous training
    // clusters, several production variants) enough.
    json!({
        "Sid": sid,
        "Effect": "Deny",
        "Action": actions,
        "Resource": "*",
        "Condition": {
            "ForAnyValue:StringNotLike": { "sagemaker:InstanceTypes": allowed }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::environment::test_support::*;

    /// The condition keys the Service Authorization Reference lists for each action used here
    /// (only the keys that matter to the guards).
    const KEYS_OF_ACTION: &[(&str, &[&str])] = &[
        ("CreateApp", &["InstanceTypes"]),
        (
            "CreateAutoMLJob",
            &[
                "OutputKmsKey",
                "VolumeKmsKey",
                "VpcSecurityGroupIds",
                "VpcSubnets",
            ],
        ),
        (
            "CreateAutoMLJobV2",
            &[
                "InterContainerTrafficEncryption",
                "OutputKmsKey",
                "VolumeKmsKey",
                "VpcSecurityGroupIds",
                "VpcSubnets",
            ],
        ),
        (
            "CreateCluster",
            &["InstanceTypes", "VpcSecurityGroupIds", "VpcSubnets"],
        ),
        (
            "CreateDataQualityJobDefinition",
            &[
                "InstanceTypes",
                "OutputKmsKey",
                "VolumeKmsKey",
                "VpcSecurityGroupIds",
                "VpcSubnets",
                "InterContainerTrafficEncryption",
                "NetworkIsolation",
            ],
        ),
        (
            "CreateEndpointConfig",
            &[
                "InstanceTypes",
                "VolumeKmsKey",
                "VpcSecurityGroupIds",
                "VpcSubnets",
            ],
        ),
        (
            "CreateHyperParameterTuningJob",
            &[
                "InstanceTypes",
                "OutputKmsKey",
                "VolumeKmsKey",
                "VpcSecurityGroupIds",
                "VpcSubnets",
                "InterContainerTrafficEncryption",
                "NetworkIsolation",
            ],
        ),
        ("CreateCompilationJob", &[]),
        (
            "CreateDomain",
            &["AppNetworkAccessType", "VpcSecurityGroupIds", "VpcSubnets"],
        ),
        ("CreateEdgePackagingJob", &[]),
        ("CreateLabelingJob", &["OutputKmsKey", "VolumeKmsKey"]),
        (
            "CreateModel",
            &["NetworkIsolation", "VpcSecurityGroupIds", "VpcSubnets"],
        ),
        ("CreateOptimizationJob", &[]),
        (
            "CreateModelBiasJobDefinition",
            &[
                "InstanceTypes",
                "OutputKmsKey",
                "VolumeKmsKey",
                "VpcSecurityGroupIds",
                "VpcSubnets",
                "InterContainerTrafficEncryption",
                "NetworkIsolation",
            ],
        ),
        (
            "CreateModelExplainabilityJobDefinition",
            &[
                "InstanceTypes",
                "OutputKmsKey",
                "VolumeKmsKey",
                "VpcSecurityGroupIds",
                "VpcSubnets",
                "InterContainerTrafficEncryption",
                "NetworkIsolation",
            ],
        ),
        (
            "CreateModelQualityJobDefinition",
            &[
                "InstanceTypes",
                "OutputKmsKey",
                "VolumeKmsKey",
                "VpcSecurityGroupIds",
                "VpcSubnets",
                "InterContainerTrafficEncryption",
                "NetworkIsolation",
            ],
        ),
        (
            "CreateMonitoringSchedule",
            &[
                "InstanceTypes",
                "OutputKmsKey",
                "VolumeKmsKey",
                "VpcSecurityGroupIds",
                "VpcSubnets",
                "InterContainerTrafficEncryption",
                "NetworkIsolation",
            ],
        ),
        (
            "CreateNotebookInstance",
            &[
                "DirectInternetAccess",
                "InstanceTypes",
                "RootAccess",
                "VolumeKmsKey",
                "VpcSecurityGroupIds",
                "VpcSubnets",
            ],
        ),
        (
            "CreateProcessingJob",
            &[
                "InstanceTypes",
                "OutputKmsKey",
                "VolumeKmsKey",
                "VpcSecurityGroupIds",
                "VpcSubnets",
                "InterContainerTrafficEncryption",
                "NetworkIsolation",
            ],
        ),
        (
            "CreateTrainingJob",
            &[
                "InstanceTypes",
                "OutputKmsKey",
                "VolumeKmsKey",
                "VpcSecurityGroupIds",
                "VpcSubnets",
                "InterContainerTrafficEncryption",
                "NetworkIsolation",
            ],
        ),
        (
            "CreateTransformJob",
            &["InstanceTypes", "OutputKmsKey", "VolumeKmsKey"],
        ),
        (
            "UpdateMonitoringSchedule",
            &[
                "InstanceTypes",
                "OutputKmsKey",
                "VolumeKmsKey",
                "VpcSecurityGroupIds",
                "VpcSubnets",
            ],
        ),
        (
            "UpdateDomain",
            &["AppNetworkAccessType", "VpcSecurityGroupIds", "VpcSubnets"],
        ),
        ("UpdateNotebookInstance", &["InstanceTypes", "RootAccess"]),
        ("UpdateCluster", &["InstanceTypes"]),
        ("UpdateTrainingJob", &["InstanceTypes"]),
    ];

    fn all_on() -> GuardrailSpec {
        GuardrailSpec {
            require_vpc: true,
            require_kms: true,
            deny_root_access: true,
            deny_direct_internet: true,
            require_network_isolation: true,
            require_inter_container_encryption: true,
            allowed_instance_types: vec!["ml.t3.medium".into(), "ml.m5.*".into()],
            managed_config_rules: false,
        }
    }

    fn all_off() -> GuardrailSpec {
        GuardrailSpec {
            require_vpc: false,
            require_kms: false,
            deny_root_access: false,
            deny_direct_internet: false,
            require_network_isolation: false,
            require_inter_container_encryption: false,
            allowed_instance_types: Vec::new(),
            managed_config_rules: false,
        }
    }

    const EBS_KEY: &str = "arn:aws:kms:eu-west-1:123456789012:key/eeee0001";
    const DATA_KEY: &str = "arn:aws:kms:eu-west-1:123456789012:key/dddd0000";

    /// The environment's subnets, group and keys.
    fn scope() -> GuardrailScope {
        GuardrailScope {
            subnet_ids: vec!["subnet-b".into(), "subnet-a".into()],
            security_group_ids: vec!["sg-sagemaker".into()],
            volume_kms_key_arns: vec![EBS_KEY.into()],
            output_kms_key_arns: vec![DATA_KEY.into()],
        }
    }

    #[test]
    fn subnets_and_groups_other_than_the_environments_are_denied() {
        let doc = guardrail_policy(&all_on(), &scope()).unwrap();
        let subnets = statement(&doc, SID_DENY_OTHER_VPC_SUBNETS);
        assert_eq!(
            subnets["Condition"],
            json!({ "ForAnyValue:StringNotEquals": {
                "sagemaker:VpcSubnets": ["subnet-a", "subnet-b"]
            } })
        );
        let groups = statement(&doc, SID_DENY_OTHER_VPC_SECURITY_GROUPS);
        assert_eq!(
            groups["Condition"],
            json!({ "ForAnyValue:StringNotEquals": {
                "sagemaker:VpcSecurityGroupIds": ["sg-sagemaker"]
            } })
        );
        // The same calls as the presence checks, which stay: `ForAnyValue` is false for a
        // request without the key.
        for (identity, presence) in [
            (subnets, statement(&doc, SID_DENY_WITHOUT_VPC_SUBNETS)),
            (
                groups,
                statement(&doc, SID_DENY_WITHOUT_VPC_SECURITY_GROUPS),
            ),
        ] {
            assert_eq!(identity["Action"], presence["Action"]);
            assert_eq!(identity["Effect"], "Deny");
        }
        // Never `ForAllValues`, true when the key is absent.
        assert!(!doc.to_string().contains("ForAllValues"), "{doc}");
    }

    #[test]
    fn isolation_and_traffic_encryption_are_required_only_when_asked() {
        let doc = guardrail_policy(&all_on(), &scope()).unwrap();
        let isolation = statement(&doc, SID_DENY_WITHOUT_NETWORK_ISOLATION);
        assert_eq!(
            isolation["Condition"],
            json!({ "BoolIfExists": { "sagemaker:NetworkIsolation": "false" } })
        );
        assert_eq!(isolation["Action"], json!(NETWORK_ISOLATION_ACTIONS));
        let encryption = statement(&doc, SID_DENY_WITHOUT_TRAFFIC_ENCRYPTION);
        assert_eq!(
            encryption["Condition"],
            json!({ "BoolIfExists": { "sagemaker:InterContainerTrafficEncryption": "false" } })
        );
        let default = guardrail_policy(&GuardrailSpec::default(), &scope()).unwrap();
        for sid in [
            SID_DENY_WITHOUT_NETWORK_ISOLATION,
            SID_DENY_WITHOUT_TRAFFIC_ENCRYPTION,
        ] {
            assert!(!sids(&default).contains(&sid), "{sid} is on by default");
        }
    }

    #[test]
    fn keys_other_than_the_environments_are_denied() {
        let doc = guardrail_policy(&all_on(), &scope()).unwrap();
        let volume = statement(&doc, SID_DENY_OTHER_VOLUME_KMS_KEY);
        assert_eq!(
            volume["Condition"],
            json!({ "ArnNotEquals": { "sagemaker:VolumeKmsKey": [EBS_KEY] } })
        );
        assert_eq!(volume["Action"], json!(VOLUME_KMS_REQUIRED_ACTIONS));
        let output = statement(&doc, SID_DENY_OTHER_OUTPUT_KMS_KEY);
        assert_eq!(
            output["Condition"],
            json!({ "ArnNotEquals": { "sagemaker:OutputKmsKey": [DATA_KEY] } })
        );
        assert_eq!(output["Action"], json!(OUTPUT_KMS_REQUIRED_ACTIONS));
        // A negated operator is true for an absent key: these statements are the presence
        // checks too, so the `Null` ones are left out.
        for sid in [
            SID_DENY_WITHOUT_VOLUME_KMS_KEY,
            SID_DENY_WITHOUT_OUTPUT_KMS_KEY,
        ] {
            assert!(!sids(&doc).contains(&sid), "{sid}");
        }
    }

    #[test]
    fn the_largest_environment_fits_a_managed_policy() {
        // Four zones, every guard on: IAM counts the document without whitespace.
        let scope = GuardrailScope {
            subnet_ids: (0..4)
                .map(|i| format!("subnet-0123456789abcdef{i}"))
                .collect(),
            security_group_ids: vec!["sg-0123456789abcdef0".into()],
            volume_kms_key_arns: vec![format!("{EBS_KEY}-0000-4000-8000-000000000000")],
            output_kms_key_arns: vec![format!("{DATA_KEY}-0000-4000-8000-000000000000")],
        };
        let doc = guardrail_policy(&all_on(), &scope).unwrap();
        let size = serde_json::to_string(&doc).unwrap().len();
        assert!(size <= 6144, "{size} characters");
    }

    #[test]
    fn without_the_environments_values_only_presence_is_checked() {
        let doc = guardrail_policy(&all_on(), &GuardrailScope::default()).unwrap();
        assert_well_formed(&doc);
        for sid in [
            SID_DENY_OTHER_VPC_SUBNETS,
            SID_DENY_OTHER_VPC_SECURITY_GROUPS,
            SID_DENY_OTHER_VOLUME_KMS_KEY,
            SID_DENY_OTHER_OUTPUT_KMS_KEY,
        ] {
            assert!(!sids(&doc).contains(&sid), "{sid}");
        }
        for sid in [
            SID_DENY_WITHOUT_VPC_SUBNETS,
            SID_DENY_WITHOUT_VPC_SECURITY_GROUPS,
            SID_DENY_WITHOUT_VOLUME_KMS_KEY,
            SID_DENY_WITHOUT_OUTPUT_KMS_KEY,
        ] {
            assert!(sids(&doc).contains(&sid), "{sid}");
        }
    }

    /// The condition keys a statement tests, without their `sagemaker:` prefix.
    fn condition_keys(s: &Value) -> Vec<String> {
        s["Condition"]
            .as_object()
            .into_iter()
            .flat_map(|c| c.values())
            .flat_map(|keys| keys.as_object().unwrap().keys())
            .map(|k| k.strip_prefix("sagemaker:").unwrap().to_string())
            .collect()
    }

    /// Sids of statements whose `Null` block tests more than one key: the combined-presence bug.
    fn combined_presence_checks(doc: &Value) -> Vec<String> {
        statements(doc)
            .iter()
            .filter(|s| {
                s["Condition"]["Null"]
                    .as_object()
                    .is_some_and(|n| n.len() > 1)
            })
            .map(|s| s["Sid"].to_string())
            .collect()
    }

    #[test]
    fn studio_domains_stay_vpc_only_and_jobs_iam_cannot_check_are_denied() {
        let doc = guardrail_policy(&GuardrailSpec::default(), &scope()).unwrap();
        let create = statement(&doc, SID_DENY_DOMAIN_PUBLIC_INTERNET);
        assert_eq!(create["Action"], "sagemaker:CreateDomain");
        assert_eq!(
            create["Condition"]["StringNotEquals"]["sagemaker:AppNetworkAccessType"],
            "VpcOnly"
        );
        let update = statement(&doc, SID_DENY_ENABLING_DOMAIN_PUBLIC_INTERNET);
        assert_eq!(update["Action"], "sagemaker:UpdateDomain");
        assert_eq!(
            update["Condition"]["StringEquals"]["sagemaker:AppNetworkAccessType"],
            "PublicInternetOnly"
        );
        let jobs = strings(&statement(&doc, SID_DENY_UNVERIFIABLE_JOBS)["Action"]);
        for a in [
            "sagemaker:CreateCompilationJob",
            "sagemaker:CreateEdgePackagingJob",
            "sagemaker:CreateOptimizationJob",
        ] {
            assert!(jobs.contains(&a), "{a}");
        }
        let volume = strings(&statement(&doc, SID_DENY_OTHER_VOLUME_KMS_KEY)["Action"]);
        assert!(volume.contains(&"sagemaker:CreateLabelingJob"));
        let output = strings(&statement(&doc, SID_DENY_OTHER_OUTPUT_KMS_KEY)["Action"]);
        assert!(output.contains(&"sagemaker:CreateLabelingJob"));
    }

    #[test]
    fn all_guards_on_gives_every_statement_once() {
        let doc = guardrail_policy(&all_on(), &scope()).unwrap();
        assert_well_formed(&doc);
        assert_eq!(
            sids(&doc),
            [
                SID_DENY_WITHOUT_VPC_SUBNETS,
                SID_DENY_WITHOUT_VPC_SECURITY_GROUPS,
                SID_DENY_OTHER_VPC_SUBNETS,
                SID_DENY_OTHER_VPC_SECURITY_GROUPS,
                SID_DENY_UNVERIFIABLE_JOBS,
                SID_DENY_DOMAIN_PUBLIC_INTERNET,
                SID_DENY_ENABLING_DOMAIN_PUBLIC_INTERNET,
                SID_DENY_OTHER_VOLUME_KMS_KEY,
                SID_DENY_OTHER_OUTPUT_KMS_KEY,
                SID_DENY_NOTEBOOK_ROOT_ACCESS,
                SID_DENY_ENABLING_NOTEBOOK_ROOT_ACCESS,
                SID_DENY_NOTEBOOK_DIRECT_INTERNET,
                SID_DENY_WITHOUT_NETWORK_ISOLATION,
                SID_DENY_WITHOUT_TRAFFIC_ENCRYPTION,
                SID_DENY_DISALLOWED_INSTANCE_TYPES,
                SID_DENY_APPS_ON_DISALLOWED_INSTANCE_TYPES,
            ]
        );
        for s in statements(&doc) {
            assert_eq!(s["Effect"], "Deny", "{}", s["Sid"]);
            assert_eq!(s["Resource"], "*", "{}", s["Sid"]);
        }
    }

    #[test]
    fn vpc_subnets_and_security_groups_are_checked_in_separate_statements() {
        let doc = guardrail_policy(&all_on(), &scope()).unwrap();
        let subnets = statement(&doc, SID_DENY_WITHOUT_VPC_SUBNETS);
        let groups = statement(&doc, SID_DENY_WITHOUT_VPC_SECURITY_GROUPS);
        assert_eq!(
            subnets["Condition"],
            json!({ "Null": { "sagemaker:VpcSubnets": "true" } })
        );
        assert_eq!(
            groups["Condition"],
            json!({ "Null": { "sagemaker:VpcSecurityGroupIds": "true" } })
        );
        assert_eq!(subnets["Action"], groups["Action"]);
        for a in [
            "sagemaker:CreateTrainingJob",
            "sagemaker:CreateProcessingJob",
            "sagemaker:CreateHyperParameterTuningJob",
            "sagemaker:CreateModel",
        ] {
            assert!(strings(&subnets["Action"]).contains(&a), "{a}");
        }
        assert!(combined_presence_checks(&doc).is_empty());
    }

    #[test]
    fn the_combined_presence_check_is_detected() {
        // The public sample's form: one Null block with both keys, denying only when both are
        // missing. The check above must be able to tell.
        let buggy = json!({ "Version": "2012-10-17", "Statement": [{
            "Sid": "DenyWithoutVpc",
            "Effect": "Deny",
            "Action": "sagemaker:CreateTrainingJob",
            "Resource": "*",
            "Condition": { "Null": {
                "sagemaker:VpcSubnets": "true",
                "sagemaker:VpcSecurityGroupIds": "true"
            } }
        }] });
        assert_eq!(combined_presence_checks(&buggy), ["\"DenyWithoutVpc\""]);
    }

    #[test]
    fn the_job_definition_pattern_matches_the_four_monitoring_definitions_only() {
        let matched: Vec<_> = KEYS_OF_ACTION
            .iter()
            .map(|(a, _)| *a)
            .filter(|a| action_matches(JOB_DEFINITIONS.strip_prefix("sagemaker:").unwrap(), a))
            .collect();
        assert_eq!(
            matched,
            [
                "CreateDataQualityJobDefinition",
                "CreateModelBiasJobDefinition",
                "CreateModelExplainabilityJobDefinition",
                "CreateModelQualityJobDefinition"
            ]
        );
        assert!(!action_matches("Create*JobDefinition", "CreateTrainingJob"));
    }

    #[test]
    fn every_guarded_action_carries_the_key_its_statement_tests() {
        let doc = guardrail_policy(&all_on(), &scope()).unwrap();
        for s in statements(&doc) {
            for action in strings(&s["Action"]) {
                let pattern = action.strip_prefix("sagemaker:").unwrap();
                let matched: Vec<_> = KEYS_OF_ACTION
                    .iter()
                    .filter(|(a, _)| action_matches(pattern, a))
                    .collect();
                assert!(
                    !matched.is_empty(),
                    "{pattern} matches nothing in the reference table"
                );
                for (name, keys) in matched {
                    for key in condition_keys(s) {
                        assert!(
                            keys.contains(&key.as_str()),
                            "{} {name} has no {key}",
                            s["Sid"]
                        );
                    }
                }
            }
        }
    }

    #[test]
    fn kms_keys_are_checked_separately() {
        let doc = guardrail_policy(&all_on(), &GuardrailScope::default()).unwrap();
        assert_eq!(
            statement(&doc, SID_DENY_WITHOUT_VOLUME_KMS_KEY)["Condition"],
            json!({ "Null": { "sagemaker:VolumeKmsKey": "true" } })
        );
        let output = statement(&doc, SID_DENY_WITHOUT_OUTPUT_KMS_KEY);
        assert_eq!(
            output["Condition"],
            json!({ "Null": { "sagemaker:OutputKmsKey": "true" } })
        );
        // Notebooks write no job output; requiring an output key would deny them always.
        assert!(!strings(&output["Action"]).contains(&"sagemaker:CreateNotebookInstance"));
    }

    #[test]
    fn notebooks_need_root_access_and_direct_internet_explicitly_disabled() {
        let doc = guardrail_policy(&all_on(), &scope()).unwrap();
        let create = statement(&doc, SID_DENY_NOTEBOOK_ROOT_ACCESS);
        assert_eq!(create["Action"], "sagemaker:CreateNotebookInstance");
        assert_eq!(
            create["Condition"],
            json!({ "StringNotEquals": { "sagemaker:RootAccess": "Disabled" } })
        );
        let update = statement(&doc, SID_DENY_ENABLING_NOTEBOOK_ROOT_ACCESS);
        assert_eq!(update["Action"], "sagemaker:UpdateNotebookInstance");
        assert_eq!(
            update["Condition"],
            json!({ "StringEquals": { "sagemaker:RootAccess": "Enabled" } })
        );
        let internet = statement(&doc, SID_DENY_NOTEBOOK_DIRECT_INTERNET);
        assert_eq!(internet["Action"], "sagemaker:CreateNotebookInstance");
        assert_eq!(
            internet["Condition"],
            json!({ "StringNotEquals": { "sagemaker:DirectInternetAccess": "Disabled" } })
        );
    }

    #[test]
    fn instance_types_outside_the_list_are_denied() {
        let doc = guardrail_policy(&all_on(), &scope()).unwrap();
        let compute = statement(&doc, SID_DENY_DISALLOWED_INSTANCE_TYPES);
        assert_eq!(
            compute["Condition"],
            json!({ "ForAnyValue:StringNotLike": {
                "sagemaker:InstanceTypes": ["ml.m5.*", "ml.t3.medium"]
            } })
        );
        let actions = strings(&compute["Action"]);
        for a in [
            "sagemaker:CreateTrainingJob",
            "sagemaker:CreateNotebookInstance",
            "sagemaker:UpdateNotebookInstance",
        ] {
            assert!(actions.contains(&a), "{a}");
        }
        let apps = statement(&doc, SID_DENY_APPS_ON_DISALLOWED_INSTANCE_TYPES);
        assert_eq!(apps["Action"], json!(["sagemaker:CreateApp"]));
        assert_eq!(
            apps["Condition"]["ForAnyValue:StringNotLike"]["sagemaker:InstanceTypes"],
            json!(["ml.m5.*", "ml.t3.medium", "system"])
        );
    }

    /// Switches one guard off.
    type TurnOff = fn(&mut GuardrailSpec);

    #[test]
    fn each_setting_off_removes_exactly_its_statements() {
        let full = guardrail_policy(&all_on(), &scope()).unwrap();
        let cases: [(TurnOff, &[&str]); 5] = [
            (
                |s| s.require_vpc = false,
                &[
                    SID_DENY_WITHOUT_VPC_SUBNETS,
                    SID_DENY_WITHOUT_VPC_SECURITY_GROUPS,
                    SID_DENY_OTHER_VPC_SUBNETS,
                    SID_DENY_OTHER_VPC_SECURITY_GROUPS,
                    SID_DENY_UNVERIFIABLE_JOBS,
                    SID_DENY_DOMAIN_PUBLIC_INTERNET,
                    SID_DENY_ENABLING_DOMAIN_PUBLIC_INTERNET,
                ],
            ),
            (
                |s| s.require_kms = false,
                &[SID_DENY_OTHER_VOLUME_KMS_KEY, SID_DENY_OTHER_OUTPUT_KMS_KEY],
            ),
            (
                |s| s.deny_root_access = false,
                &[
                    SID_DENY_NOTEBOOK_ROOT_ACCESS,
                    SID_DENY_ENABLING_NOTEBOOK_ROOT_ACCESS,
                ],
            ),
            (
                |s| s.deny_direct_internet = false,
                &[SID_DENY_NOTEBOOK_DIRECT_INTERNET],
            ),
            (
                |s| s.allowed_instance_types.clear(),
                &[
                    SID_DENY_DISALLOWED_INSTANCE_TYPES,
                    SID_DENY_APPS_ON_DISALLOWED_INSTANCE_TYPES,
                ],
            ),
        ];
        for (turn_off, removed) in cases {
            let mut settings = all_on();
            turn_off(&mut settings);
            let doc = guardrail_policy(&settings, &scope()).unwrap();
            assert_well_formed(&doc);
            let expected: Vec<&str> = sids(&full)
                .into_iter()
                .filter(|sid| !removed.contains(sid))
                .collect();
            assert_eq!(sids(&doc), expected);
            // The remaining statements are unchanged.
            for s in statements(&doc) {
                assert_eq!(s, statement(&full, s["Sid"].as_str().unwrap()));
            }
        }
    }

    #[test]
    fn every_setting_off_gives_no_policy() {
        assert_eq!(guardrail_policy(&all_off(), &scope()), None);
        let mut one = all_off();
        one.deny_direct_internet = true;
        let doc = guardrail_policy(&one, &scope()).unwrap();
        assert_eq!(sids(&doc), [SID_DENY_NOTEBOOK_DIRECT_INTERNET]);
    }
}
