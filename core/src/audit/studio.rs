//! The checks on Studio: the domain's and user profiles' settings, spaces and apps. Pure, like
//! [`super::checks`]: the reads that feed them are the response handler's (one resource a
//! CloudTrail event names) and the audit's.

use super::checks::{list, Scope};
use super::{Finding, Severity};

/// What a Studio resource is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum StudioKind {
    /// The domain (its default settings).
    Domain,
    /// A user profile (its own settings).
    UserProfile,
    /// A space.
    Space,
    /// An app (JupyterLab, Code Editor, ...).
    App,
}

impl StudioKind {
    /// Words for messages.
    pub fn label(&self) -> &'static str {
        match self {
            StudioKind::Domain => "Studio domain",
            StudioKind::UserProfile => "user profile",
            StudioKind::Space => "space",
            StudioKind::App => "app",
        }
    }
}

/// One Studio resource as the checks see it: what SageMaker reports of it (`None`: not set).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StudioResource {
    /// Its kind.
    pub kind: StudioKind,
    /// Its ARN.
    pub arn: String,
    /// The domain only: whether its apps reach the internet through SageMaker's network
    /// (`PublicInternetOnly`) rather than the environment's VPC.
    pub public_internet: Option<bool>,
    /// The security groups its apps get (domain default, user profile override).
    pub security_groups: Option<Vec<String>>,
    /// The role its apps run as (domain default, user profile override).
    pub execution_role: Option<String>,
    /// The instance type an app runs on, or a space's default one.
    pub instance_type: Option<String>,
}

impl StudioResource {
    /// A resource of `kind` with nothing set.
    pub fn new(kind: StudioKind, arn: impl Into<String>) -> Self {
        StudioResource {
            kind,
            arn: arn.into(),
            public_internet: None,
            security_groups: None,
            execution_role: None,
            instance_type: None,
        }
    }
}

/// Control ids of the Studio checks. AWS Security Hub has no control on Studio domains'
/// network, roles or app instance types, so these are the project's own.
pub const CONTROL_VPC_ONLY: &str = "secure-mlops:studio-vpc-only";
/// See [`CONTROL_VPC_ONLY`].
pub const CONTROL_SECURITY_GROUPS: &str = "secure-mlops:studio-security-groups";
/// See [`CONTROL_VPC_ONLY`].
pub const CONTROL_EXECUTION_ROLE: &str = "secure-mlops:studio-execution-role";
/// See [`CONTROL_VPC_ONLY`].
pub const CONTROL_INSTANCE_TYPE: &str = "secure-mlops:studio-instance-type";

/// Every finding on `resource` against `scope`.
pub fn check_studio(resource: &StudioResource, scope: &Scope) -> Vec<Finding> {
    let what = resource.kind.label();
    let mut out = Vec::new();
    let mut finding = |control: &str, severity: Severity, message: String, remediation: &str| {
        out.push(Finding {
            control: control.to_string(),
            severity,
            resource_arn: resource.arn.clone(),
            message,
            remediation: remediation.to_string(),
        });
    };
    if resource.public_internet == Some(true) {
        finding(
            CONTROL_VPC_ONLY,
            Severity::High,
            format!("the {what}'s apps reach the internet directly (AppNetworkAccessType PublicInternetOnly), not through the environment's VPC"),
            "apply the environment again: it sets AppNetworkAccessType back to VpcOnly",
        );
    }
    if let Some(groups) = &resource.security_groups {
        let foreign: Vec<&String> = groups
            .iter()
            .filter(|g| !scope.security_group_ids.contains(*g))
            .collect();
        if !scope.security_group_ids.is_empty() && !foreign.is_empty() {
            finding(
                CONTROL_SECURITY_GROUPS,
                Severity::High,
                format!(
                    "the {what}'s apps get security groups other than the environment's SageMaker group: {}",
                    list(&foreign)
                ),
                "set its security groups back to the environment's SageMaker security group (apply the environment again for the domain and its profiles)",
            );
        }
    }
    if let Some(role) = &resource.execution_role {
        if !scope.role_arns.is_empty() && !scope.role_arns.contains(role) {
            finding(
                CONTROL_EXECUTION_ROLE,
                Severity::High,
                format!("the {what}'s apps run as {role}, not one of the environment's roles"),
                "set its execution role back to the environment's persona or execution role",
            );
        }
    }
    if let (Some(instance_type), Some(allowed)) =
        (&resource.instance_type, &scope.app_instance_types)
    {
        if !allowed.iter().any(|p| string_like(p, instance_type)) {
            finding(
                CONTROL_INSTANCE_TYPE,
                Severity::Medium,
                format!("the {what} runs on {instance_type}, outside the environment's allowed instance types"),
                "delete it and start it again on one of guardrails.allowed_instance_types",
            );
        }
    }
    out
}

/// IAM's `StringLike`: `*` matches any run of characters, `?` one character, case-sensitive.
pub fn string_like(pattern: &str, value: &str) -> bool {
    let (p, v): (Vec<char>, Vec<char>) = (pattern.chars().collect(), value.chars().collect());
    // Greedy matching with one backtrack point for the last `*`: linear in practice.
    let (mut i, mut j) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while j < v.len() {
        if i < p.len() && (p[i] == '?' || p[i] == v[j]) {
            i += 1;
            j += 1;
        } else if i < p.len() && p[i] == '*' {
            star = Some((i, j));
            i += 1;
        } else if let Some((si, sj)) = star {
            i = si + 1;
            j = sj + 1;
            star = Some((si, sj + 1));
        } else {
            return false;
        }
    }
    p[i..].iter().all(|c| *c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope() -> Scope {
        Scope {
            env_id: "team-a-dev".into(),
            security_group_ids: ["sg-sm".to_string()].into(),
            role_arns: ["arn:aws:iam::1:role/team-a-dev-data-scientist".to_string()].into(),
            app_instance_types: Some(["ml.t3.medium".to_string(), "ml.m5.*".to_string()].into()),
            ..Scope::default()
        }
    }

    fn controls(findings: &[Finding]) -> Vec<&str> {
        findings.iter().map(|f| f.control.as_str()).collect()
    }

    #[test]
    fn a_domain_as_the_environment_made_it_is_compliant() {
        let domain = StudioResource {
            public_internet: Some(false),
            security_groups: Some(vec!["sg-sm".into()]),
            execution_role: Some("arn:aws:iam::1:role/team-a-dev-data-scientist".into()),
            ..StudioResource::new(StudioKind::Domain, "arn:d")
        };
        assert!(check_studio(&domain, &scope()).is_empty());
    }

    #[test]
    fn public_internet_foreign_groups_and_roles_are_findings() {
        let domain = StudioResource {
            public_internet: Some(true),
            security_groups: Some(vec!["sg-sm".into(), "sg-open".into()]),
            execution_role: Some("arn:aws:iam::1:role/admin".into()),
            ..StudioResource::new(StudioKind::Domain, "arn:d")
        };
        let found = check_studio(&domain, &scope());
        assert_eq!(
            controls(&found),
            [
                CONTROL_VPC_ONLY,
                CONTROL_SECURITY_GROUPS,
                CONTROL_EXECUTION_ROLE
            ]
        );
        assert!(found[1].message.contains("sg-open") && !found[1].message.contains("sg-sm"));
    }

    #[test]
    fn app_instance_types_follow_the_guardrail_patterns() {
        let app = |t: &str| StudioResource {
            instance_type: Some(t.into()),
            ..StudioResource::new(StudioKind::App, "arn:a")
        };
        assert!(check_studio(&app("ml.m5.xlarge"), &scope()).is_empty());
        assert!(check_studio(&app("ml.t3.medium"), &scope()).is_empty());
        assert_eq!(
            controls(&check_studio(&app("ml.p4d.24xlarge"), &scope())),
            [CONTROL_INSTANCE_TYPE]
        );
        let unlimited = Scope {
            app_instance_types: None,
            ..scope()
        };
        assert!(check_studio(&app("ml.p4d.24xlarge"), &unlimited).is_empty());
    }

    #[test]
    fn string_like_is_iams() {
        assert!(string_like("ml.m5.*", "ml.m5.large"));
        assert!(string_like("ml.m5.*", "ml.m5."));
        assert!(!string_like("ml.m5.*", "ml.m50.large"));
        assert!(string_like("ml.?5.large", "ml.m5.large"));
        assert!(string_like("*", ""));
        assert!(string_like("a*b*c", "axxbyyc"));
        assert!(!string_like("a*b*c", "axxbyy"));
        assert!(!string_like("ML.M5.*", "ml.m5.large"));
    }
}
