//! The detective control: the live posture of one environment and of the SageMaker workloads
//! its roles run, as findings (`data "sagemaker_environment_audit"`).
//!
//! The audit reads, never changes. It finds the environment by its tag and names (its private
//! subnets, SageMaker security group, keys, roles and guardrail policy: [`reads::scope`]), lists
//! every training, processing, transform, tuning and AutoML job, notebook instance, model and
//! endpoint configuration of the account and region, keeps those run as one of the
//! environment's roles (or, for transform jobs and endpoint configurations, using one of its
//! models), and checks each against the scope ([`checks::check_workload`]); so are its Studio
//! domain, user profiles, spaces and running apps ([`studio::check_studio`]). Each finding names
//! the AWS Security Hub control it corresponds to (`SageMaker.1`), else the AWS Config managed
//! rule (`Config:sagemaker-model-in-vpc`), else the project's own (`secure-mlops:...`); the
//! environment's own settings are checked the same way (`EC2.2`, `EC2.6`, `KMS.4`).

pub mod checks;
pub mod describe;
pub mod reads;
pub mod studio;
pub mod workloads;

pub use checks::{check_workload, Scope, Setting, Workload, WorkloadKind};

use crate::aws::{AwsCallError, AwsClients};

/// How serious a finding is (Security Hub's labels).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Security Hub's word for it.
    pub fn as_str(&self) -> &'static str {
        match self {
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }
}

/// One thing out of line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The control: Security Hub's id, `Config:<rule>` or `secure-mlops:<name>`.
    pub control: String,
    /// How serious.
    pub severity: Severity,
    /// What it is about.
    pub resource_arn: String,
    /// What is wrong, in words.
    pub message: String,
    /// What to do.
    pub remediation: String,
}

/// An audit's result.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Audit {
    /// What was found, environment first, then workloads by kind and ARN.
    pub findings: Vec<Finding>,
    /// How many workloads of the environment were checked.
    pub workloads_checked: usize,
}

impl Audit {
    /// True when nothing was found.
    pub fn compliant(&self) -> bool {
        self.findings.is_empty()
    }
}

/// Why an audit could not finish.
#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    /// Nothing of the environment exists.
    #[error("no environment {0} in this account and region: nothing is tagged secure-mlops:environment = {0}")]
    NotFound(String),
    /// An AWS read failed.
    #[error(transparent)]
    Aws(#[from] AwsCallError),
}

/// Audits the environment `env_id` (`<name>-<stage>`) and its workloads.
pub async fn audit(clients: &AwsClients, env_id: &str) -> Result<Audit, AuditError> {
    let found = reads::scope(clients, env_id).await?;
    let mut findings = reads::environment_findings(clients, &found).await?;
    let (workloads, studio) = futures_util::future::try_join(
        workloads::workloads(clients, &found),
        workloads::studio(clients, &found),
    )
    .await?;
    let mut workload_findings: Vec<Finding> = workloads
        .iter()
        .flat_map(|w| check_workload(w, &found.scope))
        .chain(
            studio
                .iter()
                .flat_map(|s| studio::check_studio(&s.resource, &found.scope)),
        )
        .collect();
    workload_findings.sort_by(|a, b| {
        (a.resource_arn.as_str(), a.control.as_str())
            .cmp(&(b.resource_arn.as_str(), b.control.as_str()))
    });
    findings.extend(workload_findings);
    Ok(Audit {
        findings,
        workloads_checked: workloads.len() + studio.len(),
    })
}
