//! `sagemaker_security_response`: the responsive control, one per account and region.

use std::collections::BTreeMap;
use std::time::Duration;

use async_trait::async_trait;
use secure_mlops_core::security_response::{self, parts::code_sha256, SecurityResponse};
use secure_mlops_core::spec::{
    validate_key_arn, validate_response_name, ResponseMode, SecurityResponseSpec, ValidationErrors,
    RETENTION_DAYS,
};
use secure_mlops_core::wait::Deadline;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, NestedBlock, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use crate::diagnostics::add_validation_errors;
use crate::provider::SharedClients;
use crate::schema::{block, computed, map_of_strings, optional, optional_with_default, required};
use crate::timeouts::CreateDelete;

/// Default for `timeouts.create` (and updates).
const DEFAULT_CREATE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// Default for `timeouts.delete`.
const DEFAULT_DELETE_TIMEOUT: Duration = Duration::from_secs(10 * 60);
/// The default name.
const DEFAULT_NAME: &str = "secure-mlops-response";
/// The default log retention.
const DEFAULT_RETENTION: i64 = 365;

/// The resource's attributes, as Terraform sends and stores them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct State {
    id: Value<String>,
    name: Value<String>,
    mode: Value<String>,
    package_path: Value<String>,
    package_sha256: Value<String>,
    kms_key_arn: Value<String>,
    log_retention_days: Value<i64>,
    permissions_boundary_arn: Value<String>,
    tags: Value<BTreeMap<String, Value<String>>>,
    trail_name: Value<String>,
    function_arn: Value<String>,
    role_arn: Value<String>,
    rule_arn: Value<String>,
    topic_arn: Value<String>,
    dead_letter_queue_arn: Value<String>,
    dead_letter_queue_url: Value<String>,
    timeouts: Value<CreateDelete>,
}

/// The resource, holding the provider's shared clients.
pub(crate) struct SecurityResponseResource {
    clients: SharedClients,
}

impl SecurityResponseResource {
    pub(crate) fn new(clients: SharedClients) -> Self {
        Self { clients }
    }
}

const DESCRIPTION: &str = "The responsive security control, one per account and region: an EventBridge rule on the \
SageMaker API calls CloudTrail records (`CreateTrainingJob`, `CreateProcessingJob`, `CreateTransformJob`, \
`CreateHyperParameterTuningJob`, `CreateAutoMLJobV2`, `CreateNotebookInstance`, `CreateModel`, `CreateEndpointConfig`, \
`CreateApp`, `CreateSpace`, `UpdateDomain`, `UpdateUserProfile`, ...) targeting a Lambda function that runs the same \
`bootstrap` as the CloudFormation custom resource (`make lambda`).\n\n\
The function describes the resource a call made, finds its environment (by its role's `secure-mlops:environment` tag, \
else the caller's; a Studio resource by its domain's), checks it with the same rules as `data \"sagemaker_environment_audit\"`, \
and, when it is not compliant, acts by `mode`: `stop` stops the job or notebook instance, deletes the app, puts the \
domain's or user profile's network settings back; `notify` publishes the findings to an SNS topic encrypted with \
`kms_key_arn`; `both` does both. Every resource it acts on is tagged `secure-mlops:response` and every event leaves one \
structured log line. Its role may read, tag with that one key, stop only what carries the tag, and restore only the \
environment's own domain and profiles. Failed events are retried (the rule 24 times, the function twice) and then kept \
in the `<name>-dlq` queue for 14 days.\n\n\
A CloudTrail trail must log the region's management write events: plan and apply fail, saying what to create, when none does.\n\n\
Import with the name (`secure-mlops-response`): the mode, key and boundary are read back; `package_path`, \
`log_retention_days` and `tags` come from the configuration, and the next apply sets them.";

#[async_trait]
impl Resource for SecurityResponseResource {
    type State<'a> = Value<State>;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        let timeouts = CreateDelete::schema("10m", "10m");
        Some(Schema {
            version: 1,
            block: block(
                DESCRIPTION,
                vec![
                    ("id", computed(AttributeType::String, "The name.")),
                    ("name", optional_with_default(AttributeType::String, "Name of the function, its role (under `/secure-mlops-response/`), the rule and the topic; the queue is `<name>-dlq`. Default `secure-mlops-response`. Changing it replaces the resource.")),
                    ("mode", optional_with_default(AttributeType::String, "`stop` (default), `notify` or `both`.")),
                    ("package_path", required(AttributeType::String, "Path of the function package, `build/lambda/bootstrap.zip` as `make lambda` writes it. A new build is deployed when its hash changes.")),
                    ("package_sha256", computed(AttributeType::String, "Base64 SHA-256 of the deployed package, as Lambda reports it (`CodeSha256`).")),
                    ("kms_key_arn", optional(AttributeType::String, "The key notifications and the dead-letter queue are encrypted with: the environment's `data` key (`data_key_arn`). Required for `notify` and `both`; without it the queue uses SQS-managed encryption.")),
                    ("log_retention_days", optional_with_default(AttributeType::Number, "Retention of the function's log group. Default `365`.")),
                    ("permissions_boundary_arn", optional(AttributeType::String, "A managed policy set as the function role's permissions boundary, e.g. one made from `examples/iam/secure-mlops-response-boundary.json`; `examples/iam/terraform-deployer-security-response.json` lets a deployer create the role only with it, so what the deployer can give the function stays within it.")),
                    ("tags", optional(map_of_strings(), "Tags for every part, on top of the provider's `default_tags`.")),
                    ("trail_name", computed(AttributeType::String, "The CloudTrail trail that records the calls.")),
                    ("function_arn", computed(AttributeType::String, "The function.")),
                    ("role_arn", computed(AttributeType::String, "The function's role.")),
                    ("rule_arn", computed(AttributeType::String, "The EventBridge rule.")),
                    ("topic_arn", computed(AttributeType::String, "The SNS topic (modes `notify` and `both`); empty otherwise.")),
                    ("dead_letter_queue_arn", computed(AttributeType::String, "The dead-letter queue.")),
                    ("dead_letter_queue_url", computed(AttributeType::String, "Its URL.")),
                ],
                vec![("timeouts", NestedBlock::Group(timeouts))],
            ),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Value::Value(config) = &config {
            check(diags, config);
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(prior) = state else {
            return Some((Value::Null, private_state));
        };
        let clients = self.clients.get(diags)?;
        let name = prior
            .name
            .as_ref_option()
            .cloned()
            .unwrap_or_else(|| DEFAULT_NAME.into());
        match security_response::read(&clients, &name, Some(mode_of(&prior).notifies())).await {
            Ok(Some(found)) => Some((Value::Value(to_state(&found, &prior)), private_state)),
            Ok(None) => {
                tracing::info!(
                    name,
                    "a part of the security response is gone: it is planned again"
                );
                Some((Value::Null, private_state))
            }
            Err(err) => {
                diags.root_error("Cannot Read Security Response", err.to_string());
                None
            }
        }
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(mut planned) = proposed_state else {
            return Some((proposed_state, Value::Null));
        };
        if !check(diags, &planned) {
            return None;
        }
        fill_defaults(&mut planned);
        self.check_trail(diags).await?;
        planned.id = planned.name.clone();
        planned.package_sha256 = package_hash(diags, &planned)?;
        for computed in [
            &mut planned.trail_name,
            &mut planned.function_arn,
            &mut planned.role_arn,
            &mut planned.rule_arn,
            &mut planned.topic_arn,
            &mut planned.dead_letter_queue_arn,
            &mut planned.dead_letter_queue_url,
        ] {
            *computed = Value::Unknown;
        }
        Some((Value::Value(planned), Value::Null))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        proposed_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let Value::Value(mut planned) = proposed_state else {
            return Some((proposed_state, prior_private_state, vec![]));
        };
        if !check(diags, &planned) {
            return None;
        }
        fill_defaults(&mut planned);
        self.check_trail(diags).await?;
        planned.package_sha256 = package_hash(diags, &planned)?;
        let prior = prior_state.as_ref_option();
        let mut replace = vec![];
        if prior.is_some_and(|p| p.name != planned.name) {
            replace.push(AttributePath::new("name"));
            planned.id = planned.name.clone();
        }
        // The topic exists only in the notifying modes.
        if prior.is_some_and(|p| mode_of(p).notifies() != mode_of(&planned).notifies()) {
            planned.topic_arn = Value::Unknown;
        }
        Some((Value::Value(planned), prior_private_state, replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(prior_private_state)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(planned) = planned_state else {
            diags.root_error_short("create called without a planned state");
            return None;
        };
        self.apply(diags, &planned, planned_private_state).await
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        _prior_state: Self::State<'a>,
        planned_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(planned) = planned_state else {
            diags.root_error_short("update called without a planned state");
            return None;
        };
        self.apply(diags, &planned, planned_private_state).await
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let state = self.import_by_name(diags, id).await?;
        Some((state, Value::Null))
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        _planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let Value::Value(prior) = prior_state else {
            return Some(());
        };
        let clients = self.clients.get(diags)?;
        let timeout = timeout_of(diags, &prior, "delete", DEFAULT_DELETE_TIMEOUT)?;
        let name = prior
            .name
            .as_ref_option()
            .cloned()
            .unwrap_or_else(|| DEFAULT_NAME.into());
        match tokio::time::timeout(timeout, security_response::delete(&clients, &name)).await {
            Ok(Ok(())) => Some(()),
            Ok(Err(err)) => {
                diags.root_error("Cannot Delete Security Response", err.to_string());
                None
            }
            Err(_) => {
                diags.root_error(
                    "Timed Out Deleting Security Response",
                    format!("destroy did not finish within timeouts.delete ({timeout:?}); run destroy again: it continues where it stopped"),
                );
                None
            }
        }
    }
}

impl SecurityResponseResource {
    /// Import by name: what the function, topic and role say is read back; `package_path`,
    /// `log_retention_days` and `tags` come from the configuration on the next plan.
    async fn import_by_name(&self, diags: &mut Diagnostics, id: String) -> Option<Value<State>> {
        let mut errors = ValidationErrors::default();
        validate_response_name(&id, &mut errors);
        if !errors.0.is_empty() {
            diags.root_error(
                "Invalid Import Id",
                format!("{id:?}: the import id is the response's name, e.g. {DEFAULT_NAME}"),
            );
            return None;
        }
        let clients = self.clients.get(diags)?;
        match security_response::read(&clients, &id, None).await {
            Ok(Some(found)) => {
                let base = State {
                    mode: Value::Value(found.mode.clone().unwrap_or_else(|| "stop".into())),
                    kms_key_arn: found.kms_key_arn.clone().into(),
                    permissions_boundary_arn: found.permissions_boundary_arn.clone().into(),
                    log_retention_days: Value::Value(DEFAULT_RETENTION),
                    timeouts: Value::Value(CreateDelete::default()),
                    ..State::default()
                };
                Some(Value::Value(to_state(&found, &base)))
            }
            Ok(None) => {
                diags.root_error(
                    "Cannot Import Security Response",
                    format!("no complete security response named {id} here (function, role, rule and queue): apply the resource instead"),
                );
                None
            }
            Err(err) => {
                diags.root_error("Cannot Import Security Response", err.to_string());
                None
            }
        }
    }

    /// Fails the plan, saying what to do, when no trail records the calls. Skipped when the
    /// provider is not configured yet (its values are unknown at plan): apply checks again.
    async fn check_trail(&self, diags: &mut Diagnostics) -> Option<()> {
        let mut quiet = Diagnostics::default();
        let Some(clients) = self.clients.get(&mut quiet) else {
            return Some(());
        };
        match security_response::check_trail(&clients).await {
            Ok(trail) => {
                tracing::debug!(trail, "a trail records the calls");
                Some(())
            }
            Err(err) => {
                diags.root_error(
                    "No CloudTrail Trail Records SageMaker Calls",
                    err.to_string(),
                );
                None
            }
        }
    }

    async fn apply(
        &self,
        diags: &mut Diagnostics,
        planned: &State,
        private: ValueEmpty,
    ) -> Option<(Value<State>, ValueEmpty)> {
        let clients = self.clients.get(diags)?;
        let timeout = timeout_of(diags, planned, "create", DEFAULT_CREATE_TIMEOUT)?;
        let spec = spec_of(diags, planned)?;
        match security_response::apply(&clients, &spec, Deadline::after(timeout)).await {
            Ok(done) => Some((Value::Value(to_state(&done, planned)), private)),
            Err(failed) => {
                match &failed.error {
                    security_response::SecurityResponseError::Invalid(errors) => {
                        add_validation_errors(diags, errors)
                    }
                    security_response::SecurityResponseError::NoTrail(why) => {
                        diags.root_error("No CloudTrail Trail Records SageMaker Calls", why.clone())
                    }
                    other => diags.root_error("Cannot Apply Security Response", other.to_string()),
                }
                failed
                    .ledger
                    .map(|ledger| (Value::Value(to_state(&ledger, planned)), private))
            }
        }
    }
}

fn mode_of(state: &State) -> ResponseMode {
    state
        .mode
        .as_ref_option()
        .and_then(|m| ResponseMode::parse(m))
        .unwrap_or_default()
}

/// Validates what is known of a configuration; true when nothing is wrong.
fn check(diags: &mut Diagnostics, config: &State) -> bool {
    let mut errors = ValidationErrors::default();
    if let Value::Value(name) = &config.name {
        validate_response_name(name, &mut errors);
    }
    let mode = match &config.mode {
        Value::Value(text) => match ResponseMode::parse(text) {
            Some(mode) => Some(mode),
            None => {
                errors.push(
                    secure_mlops_core::spec::AttrPath::attr("mode"),
                    "Invalid Response Mode",
                    format!("{text:?} is not a mode: use \"stop\", \"notify\" or \"both\""),
                );
                None
            }
        },
        Value::Null => Some(ResponseMode::Stop),
        Value::Unknown => None,
    };
    match &config.kms_key_arn {
        Value::Value(arn) => validate_key_arn(arn, &mut errors),
        Value::Null if mode.is_some_and(|m| m.notifies()) => errors.push(
            secure_mlops_core::spec::AttrPath::attr("kms_key_arn"),
            "Missing Key",
            "mode notify and both publish findings to an SNS topic encrypted with a customer key: set kms_key_arn to the environment's data key (its data_key_arn output)",
        ),
        _ => {}
    }
    if let Value::Value(arn) = &config.permissions_boundary_arn {
        if let Err(why) = secure_mlops_core::spec::parse_iam_policy_arn(arn) {
            errors.push(
                secure_mlops_core::spec::AttrPath::attr("permissions_boundary_arn"),
                "Invalid Permissions Boundary",
                why,
            );
        }
    }
    if let Value::Value(days) = config.log_retention_days {
        if !i32::try_from(days).is_ok_and(|d| RETENTION_DAYS.contains(&d)) {
            errors.push(
                secure_mlops_core::spec::AttrPath::attr("log_retention_days"),
                "Invalid Retention",
                format!("{days} is not a retention CloudWatch Logs accepts: use one of {RETENTION_DAYS:?}"),
            );
        }
    }
    add_validation_errors(diags, &errors);
    let timeouts_ok = CreateDelete::check(diags, &config.timeouts);
    errors.0.is_empty() && timeouts_ok
}

fn fill_defaults(state: &mut State) {
    if state.name.is_null() {
        state.name = Value::Value(DEFAULT_NAME.into());
    }
    if state.mode.is_null() {
        state.mode = Value::Value(ResponseMode::Stop.as_str().into());
    }
    if state.log_retention_days.is_null() {
        state.log_retention_days = Value::Value(DEFAULT_RETENTION);
    }
}

/// The package's bytes, or an error on `package_path`.
fn read_package(diags: &mut Diagnostics, state: &State) -> Option<Option<Vec<u8>>> {
    let Value::Value(path) = &state.package_path else {
        return Some(None);
    };
    match std::fs::read(path) {
        Ok(bytes) => Some(Some(bytes)),
        Err(e) => {
            diags.error(
                "Cannot Read Package",
                format!("package_path: {path}: {e}; build it with `make lambda`"),
                AttributePath::new("package_path"),
            );
            None
        }
    }
}

/// The package's hash as Lambda reports it; unknown while the path is.
fn package_hash(diags: &mut Diagnostics, state: &State) -> Option<Value<String>> {
    Some(match read_package(diags, state)? {
        Some(bytes) => Value::Value(code_sha256(&bytes)),
        None => Value::Unknown,
    })
}

fn spec_of(diags: &mut Diagnostics, state: &State) -> Option<SecurityResponseSpec> {
    let package = read_package(diags, state)?.unwrap_or_default();
    Some(SecurityResponseSpec {
        name: state
            .name
            .as_ref_option()
            .cloned()
            .unwrap_or_else(|| DEFAULT_NAME.into()),
        mode: mode_of(state),
        package,
        kms_key_arn: state.kms_key_arn.as_ref_option().cloned(),
        log_retention_days: state
            .log_retention_days
            .as_ref_option()
            .and_then(|d| i32::try_from(*d).ok())
            .unwrap_or(365),
        permissions_boundary_arn: state.permissions_boundary_arn.as_ref_option().cloned(),
        tags: state
            .tags
            .as_ref_option()
            .map(|m| {
                m.iter()
                    .filter_map(|(k, v)| v.as_ref_option().map(|v| (k.clone(), v.clone())))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

fn timeout_of(
    diags: &mut Diagnostics,
    state: &State,
    which: &'static str,
    default: Duration,
) -> Option<Duration> {
    CreateDelete::limit(diags, &state.timeouts, which, default)
}

/// Core's view of what exists, as resource state; arguments are kept from `base`.
fn to_state(found: &SecurityResponse, base: &State) -> State {
    let text = |v: &Option<String>| Value::Value(v.clone().unwrap_or_default());
    State {
        id: Value::Value(found.name.clone()),
        name: Value::Value(found.name.clone()),
        trail_name: Value::Value(found.trail_name.clone()),
        package_sha256: text(&found.code_sha256),
        function_arn: text(&found.function_arn),
        role_arn: text(&found.role_arn),
        rule_arn: text(&found.rule_arn),
        topic_arn: text(&found.topic_arn),
        dead_letter_queue_arn: text(&found.queue_arn),
        dead_letter_queue_url: text(&found.queue_url),
        ..base.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> State {
        State {
            package_path: Value::Value("build/lambda/bootstrap.zip".into()),
            timeouts: Value::Value(CreateDelete::default()),
            ..Default::default()
        }
    }

    fn error_paths(diags: &Diagnostics) -> String {
        format!("{:?}", diags.errors)
    }

    #[test]
    fn the_defaults_are_valid_and_filled() {
        let mut diags = Diagnostics::default();
        let mut state = config();
        assert!(check(&mut diags, &state));
        fill_defaults(&mut state);
        assert_eq!(state.name, Value::Value(DEFAULT_NAME.into()));
        assert_eq!(state.mode, Value::Value("stop".into()));
        assert_eq!(state.log_retention_days, Value::Value(365));
    }

    #[test]
    fn notifying_without_a_key_and_bad_values_are_errors_on_their_attributes() {
        let mut diags = Diagnostics::default();
        let state = State {
            mode: Value::Value("both".into()),
            name: Value::Value("no spaces".into()),
            log_retention_days: Value::Value(2),
            ..config()
        };
        assert!(!check(&mut diags, &state));
        let text = error_paths(&diags);
        for attr in ["kms_key_arn", "name", "log_retention_days"] {
            assert!(text.contains(attr), "{attr}: {text}");
        }
        let mut diags = Diagnostics::default();
        let state = State {
            mode: Value::Value("kill".into()),
            ..config()
        };
        assert!(!check(&mut diags, &state));
        assert!(error_paths(&diags).contains("mode"));
    }

    #[test]
    fn a_missing_package_is_an_error_on_package_path() {
        let mut diags = Diagnostics::default();
        let state = State {
            package_path: Value::Value("/nonexistent/bootstrap.zip".into()),
            ..config()
        };
        assert!(package_hash(&mut diags, &state).is_none());
        assert!(error_paths(&diags).contains("package_path"));
        assert!(error_paths(&diags).contains("make lambda"));
    }
}
