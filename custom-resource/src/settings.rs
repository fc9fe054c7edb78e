//! How the handler runs: its margins, limits and where it keeps its records.

use std::time::Duration;

use secure_mlops_core::aws::ConnectionSettings;

use crate::response::AllowedResponseHosts;
use crate::store::DEFAULT_PREFIX;

/// The variable naming hosts a response may go to besides CloudFormation's response buckets.
const ALLOWED_RESPONSE_HOST_VAR: &str = "SECURE_MLOPS_ALLOWED_RESPONSE_HOST";

/// The variable naming the permissions boundary of the roles environments create, when the
/// properties give none (`cfn/custom-resource.yaml` sets it to the boundary it creates).
pub(crate) const PERMISSIONS_BOUNDARY_VAR: &str = "SECURE_MLOPS_PERMISSIONS_BOUNDARY_ARN";

/// The variable naming the roles (IAM name pattern) environments may bring without tagging them
/// for the environment (`cfn/custom-resource.yaml` sets it from `ExistingRoleNamePattern`).
pub(crate) const EXISTING_ROLE_NAME_PATTERN_VAR: &str = "SECURE_MLOPS_EXISTING_ROLE_NAME_PATTERN";

/// How the handler runs. [`Settings::from_env`] reads the Lambda's environment.
#[derive(Debug, Clone)]
pub struct Settings {
    /// How to reach AWS (empty: the standard environment, `AWS_ENDPOINT_URL` included).
    pub connection: ConnectionSettings,
    /// SSM parameter prefix of the records (`SECURE_MLOPS_LEDGER_PREFIX`, default
    /// `/secure-mlops`).
    pub ledger_prefix: String,
    /// Time kept back from the Lambda deadline to record the ledger, re-invoke and answer
    /// (`SECURE_MLOPS_DEADLINE_MARGIN_SECONDS`, default 30 s; at most a third of the time an
    /// invocation has).
    pub margin: Duration,
    /// When the work still runs this long before the Lambda deadline, it is stopped and
    /// FAILED is answered (default 5 s; at most half the margin).
    pub answer_reserve: Duration,
    /// Most invocations after the first one for one request
    /// (`SECURE_MLOPS_MAX_CONTINUATIONS`, default 30).
    pub max_continuations: u32,
    /// Time kept back from the request's `ServiceTimeout` (default one hour) for the final
    /// answer: past it, no continuation starts and FAILED is answered (default 60 s).
    pub service_timeout_margin: Duration,
    /// Hosts (`host` or `host:port`, comma-separated) a `ResponseURL` may name besides
    /// CloudFormation's response buckets, over HTTP or HTTPS
    /// (`SECURE_MLOPS_ALLOWED_RESPONSE_HOST`, default none). Only for an emulator's local
    /// CloudFormation: never set it in an AWS account.
    pub allowed_response_hosts: AllowedResponseHosts,
    /// The permissions boundary of the roles an environment creates when its `Iam` properties
    /// name none (`SECURE_MLOPS_PERMISSIONS_BOUNDARY_ARN`, default none: the environment then
    /// creates its own boundary policy).
    pub permissions_boundary_arn: Option<String>,
    /// Roles (path and name pattern, `*` and `?`) an environment may bring without carrying
    /// the tag `secure-mlops:environment = <id>` (`SECURE_MLOPS_EXISTING_ROLE_NAME_PATTERN`,
    /// default none: every brought role must be tagged).
    pub existing_role_name_pattern: Option<String>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            connection: ConnectionSettings::default(),
            ledger_prefix: DEFAULT_PREFIX.to_string(),
            margin: Duration::from_secs(30),
            answer_reserve: Duration::from_secs(5),
            max_continuations: 30,
            service_timeout_margin: Duration::from_secs(60),
            allowed_response_hosts: AllowedResponseHosts::none(),
            permissions_boundary_arn: None,
            existing_role_name_pattern: None,
        }
    }
}

impl Settings {
    /// Defaults, overridden by the `SECURE_MLOPS_*` environment variables.
    pub fn from_env() -> Self {
        let mut s = Settings::default();
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        if let Some(prefix) = var("SECURE_MLOPS_LEDGER_PREFIX") {
            s.ledger_prefix = prefix;
        }
        if let Some(secs) = var("SECURE_MLOPS_DEADLINE_MARGIN_SECONDS").and_then(|v| v.parse().ok())
        {
            s.margin = Duration::from_secs(secs);
        }
        if let Some(n) = var("SECURE_MLOPS_MAX_CONTINUATIONS").and_then(|v| v.parse().ok()) {
            s.max_continuations = n;
        }
        if let Some(hosts) = var(ALLOWED_RESPONSE_HOST_VAR) {
            s.allowed_response_hosts = AllowedResponseHosts::parse(&hosts);
        }
        s.permissions_boundary_arn = var(PERMISSIONS_BOUNDARY_VAR);
        s.existing_role_name_pattern = var(EXISTING_ROLE_NAME_PATTERN_VAR);
        s
    }
}
