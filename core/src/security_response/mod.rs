//! The responsive control's deployment: the operations behind `sagemaker_security_response`.
//!
//! One per account and region, named `name` (default `secure-mlops-response`):
//!
//! * an SQS dead-letter queue `<name>-dlq` (the data key, else SQS-managed encryption), which
//!   takes both what the rule could not deliver and what the function failed on after its
//!   retries;
//! * an SNS topic `<name>` encrypted with the data key, when the mode notifies;
//! * an IAM role under `/secure-mlops-response/` with [`crate::policy::security_response`]'s
//!   least-privilege policy, and the function's log group with its retention;
//! * the Lambda function `<name>`: the same `bootstrap` as the custom resource, which sees an
//!   EventBridge CloudTrail event and runs [`crate::response::respond`]; two async retries;
//! * the EventBridge rule `<name>` on the SageMaker calls, targeting the function (with its own
//!   retries and the dead-letter queue), and the function's permission for that rule only.
//!
//! A CloudTrail trail must record the region's management write events: [`trail`] checks it
//! at plan and apply. Every step is idempotent, so a failed or interrupted apply is finished by
//! the next one; what exists is reported even when a step fails.

pub mod parts;
pub mod trail;

use std::collections::BTreeMap;

use crate::aws::{AwsCallError, AwsClients};
use crate::ids::COMPONENT_TAG;
use crate::policy::security_response::ResponseFacts;
use crate::spec::{SecurityResponseSpec, ValidationErrors};
use crate::wait::Deadline;

/// What exists for a response: the resource's state as the front ends report it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SecurityResponse {
    /// Its name (the resource's id).
    pub name: String,
    /// The trail that records the calls.
    pub trail_name: String,
    /// The function.
    pub function_arn: Option<String>,
    /// The function's code hash (base64 SHA-256, as Lambda reports it).
    pub code_sha256: Option<String>,
    /// The function's role.
    pub role_arn: Option<String>,
    /// The rule.
    pub rule_arn: Option<String>,
    /// The topic, when the mode notifies.
    pub topic_arn: Option<String>,
    /// The dead-letter queue.
    pub queue_arn: Option<String>,
    /// Its URL.
    pub queue_url: Option<String>,
    /// The mode the function runs in (read back; `None` on apply, where the spec says it).
    pub mode: Option<String>,
    /// The topic's key (read back).
    pub kms_key_arn: Option<String>,
    /// The role's permissions boundary (read back).
    pub permissions_boundary_arn: Option<String>,
}

/// Why an operation failed.
#[derive(Debug, thiserror::Error)]
pub enum SecurityResponseError {
    /// The spec is invalid; nothing was called.
    #[error("invalid security response: {0}")]
    Invalid(#[from] ValidationErrors),
    /// No trail records the calls; nothing was made.
    #[error("{0}")]
    NoTrail(String),
    /// An AWS call failed.
    #[error(transparent)]
    Aws(#[from] AwsCallError),
    /// A step did not finish before the deadline.
    #[error("{0}; apply again: it continues where it stopped")]
    TimedOut(String),
}

/// A failed operation and what exists after it.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct Failed {
    /// What exists now.
    pub ledger: Option<SecurityResponse>,
    /// Why it stopped.
    #[source]
    pub error: SecurityResponseError,
}

/// The tag every child carries, besides the user's.
pub const COMPONENT: &str = "security-response";

/// The facts the policies name.
pub fn facts(clients: &AwsClients, name: &str, topic: bool, key: Option<&str>) -> ResponseFacts {
    ResponseFacts {
        partition: clients.partition.clone(),
        account_id: clients.account_id.clone(),
        region: clients.region.clone(),
        name: name.to_string(),
        topic_arn: topic.then(|| {
            format!(
                "arn:{}:sns:{}:{}:{name}",
                clients.partition, clients.region, clients.account_id
            )
        }),
        kms_key_arn: key.map(str::to_string),
    }
}

fn tags(clients: &AwsClients, spec: &SecurityResponseSpec) -> BTreeMap<String, String> {
    let mut tags = clients.default_tags.clone();
    tags.extend(spec.tags.clone());
    tags.insert(COMPONENT_TAG.to_string(), COMPONENT.to_string());
    tags
}

/// Fails with what to do when no trail records the calls.
pub async fn check_trail(clients: &AwsClients) -> Result<String, SecurityResponseError> {
    trail::trail_logging_writes(clients)
        .await?
        .map_err(SecurityResponseError::NoTrail)
}

/// Brings AWS to `spec` (create and update alike).
pub async fn apply(
    clients: &AwsClients,
    spec: &SecurityResponseSpec,
    deadline: Deadline,
) -> Result<SecurityResponse, Failed> {
    let early = |error: SecurityResponseError| Failed {
        ledger: None,
        error,
    };
    spec.validate().map_err(|e| early(e.into()))?;
    let trail_name = check_trail(clients).await.map_err(early)?;
    let mut state = SecurityResponse {
        name: spec.name.clone(),
        trail_name,
        ..SecurityResponse::default()
    };
    match converge(clients, spec, deadline, &mut state).await {
        Ok(()) => Ok(state),
        Err(error) => Err(Failed {
            ledger: Some(state),
            error,
        }),
    }
}

async fn converge(
    clients: &AwsClients,
    spec: &SecurityResponseSpec,
    deadline: Deadline,
    state: &mut SecurityResponse,
) -> Result<(), SecurityResponseError> {
    let tags = tags(clients, spec);
    let facts = facts(
        clients,
        &spec.name,
        spec.mode.notifies(),
        spec.kms_key_arn.as_deref(),
    );
    let (url, arn) = parts::ensure_queue(clients, &facts, &tags).await?;
    state.queue_url = Some(url);
    state.queue_arn = Some(arn);
    match &facts.topic_arn {
        Some(_) => state.topic_arn = Some(parts::ensure_topic(clients, &facts, &tags).await?),
        None => parts::delete_topic(clients, &facts).await?,
    }
    state.role_arn = Some(
        parts::ensure_role(
            clients,
            &facts,
            spec.permissions_boundary_arn.as_deref(),
            &tags,
        )
        .await?,
    );
    parts::ensure_log_group(clients, &facts, spec.log_retention_days, &tags).await?;
    let (function_arn, sha) = parts::ensure_function(
        clients,
        &facts,
        spec,
        state.role_arn.as_deref().unwrap_or_default(),
        &tags,
        deadline,
    )
    .await?;
    state.function_arn = Some(function_arn.clone());
    state.code_sha256 = Some(sha);
    state.rule_arn = Some(parts::ensure_rule(clients, &facts, &function_arn, &tags).await?);
    tracing::info!(name = %spec.name, mode = spec.mode.as_str(), "security response applied");
    Ok(())
}

/// Reads what exists; `None` when a part the response cannot work without is missing (the
/// function, its role, the rule or the queue; the topic when it notifies), so Terraform plans
/// it again and the apply adopts what is left. `notifies` is the configured mode's; `None`
/// (import) takes the mode the function runs in.
pub async fn read(
    clients: &AwsClients,
    name: &str,
    notifies: Option<bool>,
) -> Result<Option<SecurityResponse>, SecurityResponseError> {
    let Some(function) = parts::find_function(clients, name).await? else {
        return Ok(None);
    };
    let mode = function
        .mode
        .as_deref()
        .and_then(crate::spec::ResponseMode::parse);
    let notifies = notifies.unwrap_or_else(|| mode.is_some_and(|m| m.notifies()));
    let facts = facts(clients, name, notifies, None);
    let Some((role_arn, boundary)) = parts::find_role(clients, name).await? else {
        return Ok(None);
    };
    let Some(rule_arn) = parts::find_rule(clients, name, &function.arn).await? else {
        return Ok(None);
    };
    let Some((queue_url, queue_arn)) = parts::find_queue(clients, &facts).await? else {
        return Ok(None);
    };
    let (topic_arn, kms_key_arn) = match &facts.topic_arn {
        Some(arn) => match parts::find_topic(clients, arn).await? {
            Some((arn, key)) => (Some(arn), key),
            None => return Ok(None),
        },
        None => (None, None),
    };
    let trail_name = trail::trail_logging_writes(clients)
        .await?
        .unwrap_or_default();
    Ok(Some(SecurityResponse {
        name: name.to_string(),
        trail_name,
        function_arn: Some(function.arn),
        code_sha256: Some(function.code_sha256),
        role_arn: Some(role_arn),
        rule_arn: Some(rule_arn),
        topic_arn,
        queue_arn: Some(queue_arn),
        queue_url: Some(queue_url),
        mode: mode.map(|m| m.as_str().to_string()),
        kms_key_arn,
        permissions_boundary_arn: boundary,
    }))
}

/// Deletes every part: the rule first (no more events), then the function, its log group and
/// role, the topic and the queue. Parts already gone are skipped.
pub async fn delete(clients: &AwsClients, name: &str) -> Result<(), SecurityResponseError> {
    let facts = facts(clients, name, true, None);
    parts::delete_rule(clients, name).await?;
    parts::delete_function(clients, name).await?;
    parts::delete_log_group(clients, name).await?;
    parts::delete_role(clients, name).await?;
    parts::delete_topic(clients, &facts).await?;
    parts::delete_queue(clients, &facts).await?;
    tracing::info!(name, "security response deleted");
    Ok(())
}
