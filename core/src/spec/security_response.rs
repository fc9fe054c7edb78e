//! Input for the responsive control (`sagemaker_security_response`).

use std::collections::BTreeMap;

use super::choice::Choice;
use super::{AttrPath, ValidationErrors};

/// What the response does about a non-compliant resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ResponseMode {
    /// Stop the job or notebook instance, delete the app, restore the domain setting.
    #[default]
    Stop,
    /// Publish a notification, change nothing.
    Notify,
    /// Both.
    Both,
}

impl Choice for ResponseMode {
    const ALL: &'static [Self] = &[ResponseMode::Stop, ResponseMode::Notify, ResponseMode::Both];
    const SUMMARY: &'static str = "Invalid Response Mode";

    fn as_str(&self) -> &'static str {
        match self {
            ResponseMode::Stop => "stop",
            ResponseMode::Notify => "notify",
            ResponseMode::Both => "both",
        }
    }

    fn problem(text: &str) -> String {
        format!("{text:?} is not a mode: use \"stop\", \"notify\" or \"both\"")
    }
}

impl ResponseMode {
    /// Parses `stop`, `notify` or `both`.
    pub fn parse(text: &str) -> Option<Self> {
        <Self as Choice>::parse(text)
    }

    /// The word.
    pub fn as_str(&self) -> &'static str {
        <Self as Choice>::as_str(self)
    }

    /// Whether it stops, deletes or restores.
    pub fn stops(&self) -> bool {
        matches!(self, ResponseMode::Stop | ResponseMode::Both)
    }

    /// Whether it publishes a notification.
    pub fn notifies(&self) -> bool {
        matches!(self, ResponseMode::Notify | ResponseMode::Both)
    }
}

/// The longest name: the function, role, rule, topic and queue (`<name>-dlq`) are named after it,
/// and IAM role names stop at 64 characters.
pub const MAX_RESPONSE_NAME_LEN: usize = 56;

/// What a user asks for: one response per account and region.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityResponseSpec {
    /// Name of the function, its role, the rule, the topic and the queue.
    pub name: String,
    /// What to do.
    pub mode: ResponseMode,
    /// The `bootstrap` zip (`make lambda`).
    pub package: Vec<u8>,
    /// The key notifications and the dead-letter queue are encrypted with (the environment's
    /// `data` key).
    pub kms_key_arn: Option<String>,
    /// How long the function's log is kept.
    pub log_retention_days: i32,
    /// The permissions boundary of the function's role (a deployer allowed to create roles only
    /// under it cannot give the function more than it allows).
    pub permissions_boundary_arn: Option<String>,
    /// Tags on every child.
    pub tags: BTreeMap<String, String>,
}

/// CloudWatch Logs' accepted retention values.
pub const RETENTION_DAYS: &[i32] = &[
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922,
    3288, 3653,
];

impl SecurityResponseSpec {
    /// Every problem, each on its attribute path.
    pub fn validate(&self) -> Result<(), ValidationErrors> {
        let mut errors = ValidationErrors::default();
        validate_name(&self.name, &mut errors);
        if self.mode.notifies() && self.kms_key_arn.is_none() {
            errors.push(
                AttrPath::attr("kms_key_arn"),
                "Missing Key",
                format!(
                    "mode {:?} publishes findings to an SNS topic encrypted with a customer key: set kms_key_arn to the environment's data key (its data_key_arn output)",
                    self.mode.as_str()
                ),
            );
        }
        if let Some(arn) = &self.kms_key_arn {
            validate_key_arn(arn, &mut errors);
        }
        if !RETENTION_DAYS.contains(&self.log_retention_days) {
            errors.push(
                AttrPath::attr("log_retention_days"),
                "Invalid Retention",
                format!(
                    "{} is not a retention CloudWatch Logs accepts: use one of {RETENTION_DAYS:?}",
                    self.log_retention_days
                ),
            );
        }
        if let Some(arn) = &self.permissions_boundary_arn {
            if let Err(why) = super::parse_iam_policy_arn(arn) {
                errors.push(
                    AttrPath::attr("permissions_boundary_arn"),
                    "Invalid Permissions Boundary",
                    why,
                );
            }
        }
        if self.package.is_empty() {
            errors.push(
                AttrPath::attr("package"),
                "Empty Package",
                "the function package is empty: build it with `make lambda`",
            );
        }
        errors.into_result()
    }
}

/// Checks the name: letters, digits, `-` and `_`, at most [`MAX_RESPONSE_NAME_LEN`].
pub fn validate_name(name: &str, errors: &mut ValidationErrors) {
    let ok_chars = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if name.is_empty() || name.len() > MAX_RESPONSE_NAME_LEN || !ok_chars {
        errors.push(
            AttrPath::attr("name"),
            "Invalid Name",
            format!("{name:?}: use 1 to {MAX_RESPONSE_NAME_LEN} letters, digits, '-' or '_' (it names a Lambda function, an IAM role, an EventBridge rule, an SNS topic and an SQS queue)"),
        );
    }
}

/// Checks a KMS key ARN (`arn:<partition>:kms:<region>:<account>:key/<id>`).
pub fn validate_key_arn(arn: &str, errors: &mut ValidationErrors) {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    let ok = matches!(parts.as_slice(), ["arn", _, "kms", region, account, resource]
        if super::is_region_name(region)
            && account.len() == 12
            && account.bytes().all(|b| b.is_ascii_digit())
            && resource.strip_prefix("key/").is_some_and(|id| !id.is_empty()));
    if !ok {
        errors.push(
            AttrPath::attr("kms_key_arn"),
            "Invalid Key ARN",
            format!("{arn:?} is not a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>)"),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> SecurityResponseSpec {
        SecurityResponseSpec {
            name: "secure-mlops-response".into(),
            mode: ResponseMode::Stop,
            package: vec![1],
            kms_key_arn: None,
            log_retention_days: 365,
            permissions_boundary_arn: None,
            tags: BTreeMap::new(),
        }
    }

    fn paths(spec: &SecurityResponseSpec) -> Vec<String> {
        spec.validate()
            .err()
            .map(|e| e.0.iter().map(|e| e.path.to_string()).collect())
            .unwrap_or_default()
    }

    #[test]
    fn the_defaults_are_valid() {
        assert!(spec().validate().is_ok());
    }

    #[test]
    fn notifying_needs_a_customer_key() {
        let mut s = spec();
        s.mode = ResponseMode::Both;
        assert_eq!(paths(&s), ["kms_key_arn"]);
        s.kms_key_arn = Some("arn:aws:kms:eu-west-1:123456789012:key/abc".into());
        assert!(s.validate().is_ok());
        s.kms_key_arn = Some("alias/data".into());
        assert_eq!(paths(&s), ["kms_key_arn"]);
    }

    #[test]
    fn every_problem_is_reported_on_its_path() {
        let mut s = spec();
        s.name = "bad name!".into();
        s.log_retention_days = 2;
        s.package.clear();
        s.permissions_boundary_arn = Some("arn:aws:iam::123456789012:role/not-a-policy".into());
        assert_eq!(
            paths(&s),
            [
                "name",
                "log_retention_days",
                "permissions_boundary_arn",
                "package"
            ]
        );
        s.name = "x".repeat(MAX_RESPONSE_NAME_LEN + 1);
        assert!(paths(&s).contains(&"name".to_string()));
    }

    #[test]
    fn modes_parse_and_say_what_they_do() {
        assert_eq!(ResponseMode::parse("both"), Some(ResponseMode::Both));
        assert_eq!(ResponseMode::parse("kill"), None);
        assert!(ResponseMode::Stop.stops() && !ResponseMode::Stop.notifies());
        assert!(!ResponseMode::Notify.stops() && ResponseMode::Notify.notifies());
    }
}
