//! The audit's checks: pure functions from what AWS reports about one workload, and what the
//! environment allows, to findings. No AWS here, so every rule is unit-tested on its own.

use std::collections::BTreeSet;

use super::{Finding, Severity};

/// What the environment allows its workloads, read from its children (see `reads`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// The environment id (`<name>-<stage>`).
    pub env_id: String,
    /// Its private subnets.
    pub subnet_ids: BTreeSet<String>,
    /// Its SageMaker security group (and any other group its children made for compute).
    pub security_group_ids: BTreeSet<String>,
    /// Every way of naming the `ebs` key (ARN, id, alias, alias ARN): volumes of compute.
    pub volume_keys: BTreeSet<String>,
    /// Every way of naming the `data` key: job outputs, endpoint data.
    pub output_keys: BTreeSet<String>,
    /// The guardrails require network isolation of containers.
    pub require_network_isolation: bool,
    /// The guardrails require encrypted traffic between training containers.
    pub require_inter_container_encryption: bool,
    /// The instance types Studio apps may run on (IAM `StringLike` patterns, `ml.m5.*`), when
    /// the guardrails limit them.
    pub app_instance_types: Option<BTreeSet<String>>,
    /// The roles whose workloads are the environment's (persona and execution roles).
    pub role_arns: BTreeSet<String>,
}

/// What a workload is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum WorkloadKind {
    /// A training job.
    TrainingJob,
    /// A processing job.
    ProcessingJob,
    /// A batch transform job.
    TransformJob,
    /// A hyperparameter tuning job (its training job definition).
    TuningJob,
    /// An AutoML (V2) job.
    AutoMlJob,
    /// A notebook instance.
    NotebookInstance,
    /// A model.
    Model,
    /// An endpoint configuration.
    EndpointConfig,
}

impl WorkloadKind {
    /// Words for messages.
    pub fn label(&self) -> &'static str {
        match self {
            WorkloadKind::TrainingJob => "training job",
            WorkloadKind::ProcessingJob => "processing job",
            WorkloadKind::TransformJob => "transform job",
            WorkloadKind::TuningJob => "tuning job",
            WorkloadKind::AutoMlJob => "AutoML job",
            WorkloadKind::NotebookInstance => "notebook instance",
            WorkloadKind::Model => "model",
            WorkloadKind::EndpointConfig => "endpoint configuration",
        }
    }

    fn is_job(&self) -> bool {
        matches!(
            self,
            WorkloadKind::TrainingJob
                | WorkloadKind::ProcessingJob
                | WorkloadKind::TransformJob
                | WorkloadKind::TuningJob
                | WorkloadKind::AutoMlJob
        )
    }
}

/// A setting a kind may not have: `NotApplicable`, or what the workload set (`None`: left out).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Setting<T> {
    /// The kind has no such setting.
    #[default]
    NotApplicable,
    /// The value the workload was created with, `None` when it was left out.
    Set(Option<T>),
}

/// One workload as the audit sees it, made from its Describe call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Workload {
    /// Its kind.
    pub kind: WorkloadKind,
    /// Its ARN.
    pub arn: String,
    /// Its subnets and security groups; `Set(None)`: not in a VPC.
    pub network: Setting<(Vec<String>, Vec<String>)>,
    /// The key of its volumes.
    pub volume_key: Setting<String>,
    /// The key of its output (job results, endpoint data).
    pub output_key: Setting<String>,
    /// Whether its containers run without network access.
    pub network_isolation: Setting<bool>,
    /// Whether traffic between its containers is encrypted.
    pub inter_container_encryption: Setting<bool>,
    /// Whether users get root on it (notebooks).
    pub root_access: Setting<bool>,
    /// Whether it reaches the internet directly (notebooks).
    pub direct_internet: Setting<bool>,
}

impl Workload {
    /// A workload of `kind` with every setting not applicable.
    pub fn new(kind: WorkloadKind, arn: impl Into<String>) -> Self {
        Workload {
            kind,
            arn: arn.into(),
            network: Setting::NotApplicable,
            volume_key: Setting::NotApplicable,
            output_key: Setting::NotApplicable,
            network_isolation: Setting::NotApplicable,
            inter_container_encryption: Setting::NotApplicable,
            root_access: Setting::NotApplicable,
            direct_internet: Setting::NotApplicable,
        }
    }
}

/// The control a rule reports under: AWS Security Hub's where one exists, else the AWS Config
/// managed rule's, else the project's own (`secure-mlops:`).
fn network_control(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::NotebookInstance => "SageMaker.2",
        WorkloadKind::Model => "Config:sagemaker-model-in-vpc",
        _ => "secure-mlops:compute-in-environment-vpc",
    }
}

fn volume_key_control(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::NotebookInstance => "Config:sagemaker-notebook-instance-kms-key-configured",
        WorkloadKind::EndpointConfig => {
            "Config:sagemaker-endpoint-configuration-kms-key-configured"
        }
        _ => "secure-mlops:volume-key",
    }
}

fn isolation_control(kind: WorkloadKind) -> &'static str {
    match kind {
        WorkloadKind::Model => "SageMaker.5",
        _ => "secure-mlops:network-isolation",
    }
}

/// What to do about a workload made outside the environment's network or keys.
const RECREATE: &str = "stop or delete it and create it again with the environment's private \
    subnets, its SageMaker security group and its keys (the environment's outputs), as its \
    guardrails require of the environment's roles";

/// Every finding on `workload` against `scope`.
pub fn check_workload(workload: &Workload, scope: &Scope) -> Vec<Finding> {
    let mut out = Vec::new();
    let what = workload.kind.label();
    let mut finding = |control: &str, severity: Severity, message: String, remediation: &str| {
        out.push(Finding {
            control: control.to_string(),
            severity,
            resource_arn: workload.arn.clone(),
            message,
            remediation: remediation.to_string(),
        });
    };
    let recreate = RECREATE;
    if let Setting::Set(network) = &workload.network {
        let control = network_control(workload.kind);
        match network {
            None => finding(
                control,
                Severity::High,
                format!("the {what} runs outside any VPC: its traffic does not pass the environment's endpoints"),
                recreate,
            ),
            Some((subnets, groups)) => {
                let outside: Vec<&String> = subnets
                    .iter()
                    .filter(|s| !scope.subnet_ids.contains(*s))
                    .collect();
                if !scope.subnet_ids.is_empty() && (!outside.is_empty() || subnets.is_empty()) {
                    finding(
                        control,
                        Severity::High,
                        format!(
                            "the {what} runs in subnets outside the environment's private subnets: {}",
                            list(&outside)
                        ),
                        recreate,
                    );
                }
                let foreign: Vec<&String> = groups
                    .iter()
                    .filter(|g| !scope.security_group_ids.contains(*g))
                    .collect();
                if !scope.security_group_ids.is_empty() && (!foreign.is_empty() || groups.is_empty())
                {
                    finding(
                        control,
                        Severity::High,
                        format!(
                            "the {what} uses security groups other than the environment's SageMaker group: {}",
                            list(&foreign)
                        ),
                        recreate,
                    );
                }
            }
        }
    }
    if let Setting::Set(key) = &workload.volume_key {
        let control = volume_key_control(workload.kind);
        match key {
            None => finding(
                control,
                Severity::Medium,
                format!("the {what}'s volumes are not encrypted with a customer key"),
                recreate,
            ),
            Some(k) if !scope.volume_keys.is_empty() && !scope.volume_keys.contains(k) => finding(
                control,
                Severity::Medium,
                format!(
                    "the {what}'s volumes are encrypted with {k}, not the environment's ebs key"
                ),
                recreate,
            ),
            Some(_) => {}
        }
    }
    if let Setting::Set(key) = &workload.output_key {
        let control = if workload.kind == WorkloadKind::EndpointConfig {
            volume_key_control(workload.kind)
        } else {
            "secure-mlops:output-key"
        };
        match key {
            None if workload.kind.is_job() => finding(
                control,
                Severity::Medium,
                format!("the {what}'s output is not encrypted with a customer key"),
                recreate,
            ),
            Some(k) if !scope.output_keys.is_empty() && !scope.output_keys.contains(k) => finding(
                control,
                Severity::Medium,
                format!(
                    "the {what}'s output is encrypted with {k}, not the environment's data key"
                ),
                recreate,
            ),
            _ => {}
        }
    }
    if let Setting::Set(isolated) = workload.network_isolation {
        if scope.require_network_isolation && isolated != Some(true) {
            finding(
                isolation_control(workload.kind),
                Severity::Medium,
                format!("the {what}'s containers are not network isolated, which the environment's guardrails require"),
                "create it again with EnableNetworkIsolation = true",
            );
        }
    }
    if let Setting::Set(encrypted) = workload.inter_container_encryption {
        if scope.require_inter_container_encryption && encrypted != Some(true) {
            finding(
                "secure-mlops:inter-container-encryption",
                Severity::Medium,
                format!("traffic between the {what}'s containers is not encrypted, which the environment's guardrails require"),
                "create it again with EnableInterContainerTrafficEncryption = true",
            );
        }
    }
    if let Setting::Set(Some(true)) = workload.root_access {
        finding(
            "SageMaker.3",
            Severity::High,
            format!("users have root access on the {what}"),
            "stop it, update it with RootAccess = Disabled, and start it again",
        );
    }
    if let Setting::Set(direct) = workload.direct_internet {
        if direct != Some(false) {
            finding(
                "SageMaker.1",
                Severity::High,
                format!("the {what} has direct internet access"),
                "delete it and create it again in the environment's private subnet with DirectInternetAccess = Disabled",
            );
        }
    }
    out
}

pub(super) fn list(items: &[&String]) -> String {
    if items.is_empty() {
        "none given".to_string()
    } else {
        items
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            env_id: "team-a-dev".into(),
            subnet_ids: ["subnet-a".to_string(), "subnet-b".to_string()].into(),
            security_group_ids: ["sg-sm".to_string()].into(),
            volume_keys: ["arn:aws:kms:eu-west-1:1:key/ebs".to_string()].into(),
            output_keys: ["arn:aws:kms:eu-west-1:1:key/data".to_string()].into(),
            require_network_isolation: false,
            require_inter_container_encryption: false,
            app_instance_types: None,
            role_arns: BTreeSet::new(),
        }
    }

    fn compliant_training_job() -> Workload {
        Workload {
            network: Setting::Set(Some((vec!["subnet-a".into()], vec!["sg-sm".into()]))),
            volume_key: Setting::Set(Some("arn:aws:kms:eu-west-1:1:key/ebs".into())),
            output_key: Setting::Set(Some("arn:aws:kms:eu-west-1:1:key/data".into())),
            network_isolation: Setting::Set(Some(false)),
            inter_container_encryption: Setting::Set(None),
            ..Workload::new(
                WorkloadKind::TrainingJob,
                "arn:aws:sagemaker:eu-west-1:1:training-job/ok",
            )
        }
    }

    fn controls(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.control.as_str()).collect()
    }

    #[test]
    fn a_job_in_the_environment_with_its_keys_passes() {
        assert_eq!(check_workload(&compliant_training_job(), &scope()), []);
    }

    #[test]
    fn a_job_outside_the_environment_is_found_with_its_subnets_and_groups() {
        let job = Workload {
            network: Setting::Set(Some((vec!["subnet-x".into()], vec!["sg-open".into()]))),
            ..compliant_training_job()
        };
        let found = check_workload(&job, &scope());
        assert_eq!(
            controls(&found),
            [
                "secure-mlops:compute-in-environment-vpc",
                "secure-mlops:compute-in-environment-vpc"
            ]
        );
        assert!(
            found[0].message.contains("subnet-x"),
            "{}",
            found[0].message
        );
        assert!(found[1].message.contains("sg-open"), "{}", found[1].message);
        let no_vpc = Workload {
            network: Setting::Set(None),
            ..compliant_training_job()
        };
        assert!(check_workload(&no_vpc, &scope())[0]
            .message
            .contains("outside any VPC"));
    }

    #[test]
    fn keys_other_than_the_environments_or_none_are_found() {
        let job = Workload {
            volume_key: Setting::Set(None),
            output_key: Setting::Set(Some("arn:aws:kms:eu-west-1:1:key/other".into())),
            ..compliant_training_job()
        };
        assert_eq!(
            controls(&check_workload(&job, &scope())),
            ["secure-mlops:volume-key", "secure-mlops:output-key"]
        );
    }

    #[test]
    fn isolation_and_encryption_are_found_only_where_the_guardrails_ask() {
        let job = compliant_training_job();
        let strict = Scope {
            require_network_isolation: true,
            require_inter_container_encryption: true,
            ..scope()
        };
        assert_eq!(
            controls(&check_workload(&job, &strict)),
            [
                "secure-mlops:network-isolation",
                "secure-mlops:inter-container-encryption"
            ]
        );
        let model = Workload {
            network_isolation: Setting::Set(Some(false)),
            ..Workload::new(WorkloadKind::Model, "arn:model")
        };
        assert_eq!(controls(&check_workload(&model, &strict)), ["SageMaker.5"]);
        assert_eq!(check_workload(&model, &scope()), []);
    }

    #[test]
    fn notebooks_map_to_security_hubs_controls() {
        let notebook = Workload {
            network: Setting::Set(None),
            volume_key: Setting::Set(None),
            root_access: Setting::Set(Some(true)),
            direct_internet: Setting::Set(Some(true)),
            ..Workload::new(WorkloadKind::NotebookInstance, "arn:nb")
        };
        assert_eq!(
            controls(&check_workload(&notebook, &scope())),
            [
                "SageMaker.2",
                "Config:sagemaker-notebook-instance-kms-key-configured",
                "SageMaker.3",
                "SageMaker.1"
            ]
        );
        let locked = Workload {
            network: Setting::Set(Some((vec!["subnet-b".into()], vec!["sg-sm".into()]))),
            volume_key: Setting::Set(Some("arn:aws:kms:eu-west-1:1:key/ebs".into())),
            root_access: Setting::Set(Some(false)),
            direct_internet: Setting::Set(Some(false)),
            ..Workload::new(WorkloadKind::NotebookInstance, "arn:nb")
        };
        assert_eq!(check_workload(&locked, &scope()), []);
    }
}
