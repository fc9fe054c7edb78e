//! The security response's AWS parts, each made, adopted, found and deleted idempotently.

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use aws_sdk_eventbridge::types::{
    DeadLetterConfig as RuleDeadLetters, RetryPolicy, RuleState, Tag as EventsTag, Target,
};
use aws_sdk_lambda::primitives::Blob;
use aws_sdk_lambda::types::{
    Architecture, DeadLetterConfig, Environment, FunctionCode, LogFormat, LoggingConfig, Runtime,
};
use aws_sdk_sqs::types::QueueAttributeName;
use sha2::{Digest, Sha256};

use crate::aws::{AwsCallError, AwsClients, NotFoundIsNone};
use crate::children::tags::built;
use crate::policy::security_response::{
    event_pattern, function_policy, function_trust_policy, queue_policy, ResponseFacts, ROLE_PATH,
};
use crate::response::{MODE_VAR, TOPIC_VAR};
use crate::spec::SecurityResponseSpec;
use crate::wait::Deadline;

/// The rule's target id.
pub const TARGET_ID: &str = "response";
/// The function's permission statement for the rule.
pub const PERMISSION_ID: &str = "secure-mlops-response-rule";
/// The role's inline policy.
pub const POLICY_NAME: &str = "response";
/// How long the function may run: a stop waits up to two minutes for a starting notebook.
pub const FUNCTION_TIMEOUT_SECONDS: i32 = 300;
/// Async retries of a failed invocation before it goes to the dead-letter queue.
pub const FUNCTION_RETRIES: i32 = 2;
/// Delivery retries of the rule before an event goes to the dead-letter queue.
pub const RULE_RETRIES: i32 = 24;
/// How old an event may get while being retried.
pub const MAX_EVENT_AGE_SECONDS: i32 = 3600;
/// Fourteen days: SQS's longest retention, time to read what failed.
const QUEUE_RETENTION_SECONDS: &str = "1209600";

/// Lambda's code hash: base64 of the zip's SHA-256.
pub fn code_sha256(package: &[u8]) -> String {
    aws_smithy_types::base64::encode(Sha256::digest(package))
}

fn queue_name(facts: &ResponseFacts) -> String {
    format!("{}-dlq", facts.name)
}

fn queue_attributes(facts: &ResponseFacts) -> HashMap<QueueAttributeName, String> {
    let mut attributes = HashMap::from([
        (
            QueueAttributeName::MessageRetentionPeriod,
            QUEUE_RETENTION_SECONDS.to_string(),
        ),
        (QueueAttributeName::Policy, queue_policy(facts).to_string()),
    ]);
    match &facts.kms_key_arn {
        Some(key) => attributes.insert(QueueAttributeName::KmsMasterKeyId, key.clone()),
        None => attributes.insert(QueueAttributeName::SqsManagedSseEnabled, "true".into()),
    };
    attributes
}

/// The dead-letter queue: its URL and ARN.
pub async fn ensure_queue(
    clients: &AwsClients,
    facts: &ResponseFacts,
    tags: &BTreeMap<String, String>,
) -> Result<(String, String), AwsCallError> {
    let url = match find_queue(clients, facts).await? {
        Some((url, _)) => {
            clients
                .sqs
                .set_queue_attributes()
                .queue_url(&url)
                .set_attributes(Some(queue_attributes(facts)))
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sqs", "SetQueueAttributes", e))?;
            clients
                .sqs
                .tag_queue()
                .queue_url(&url)
                .set_tags(Some(tags.clone().into_iter().collect()))
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sqs", "TagQueue", e))?;
            url
        }
        None => clients
            .sqs
            .create_queue()
            .queue_name(queue_name(facts))
            .set_attributes(Some(queue_attributes(facts)))
            .set_tags(Some(tags.clone().into_iter().collect()))
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sqs", "CreateQueue", e))?
            .queue_url()
            .unwrap_or_default()
            .to_string(),
    };
    Ok((url, facts.queue_arn()))
}

/// The queue's URL and ARN, if it exists.
pub async fn find_queue(
    clients: &AwsClients,
    facts: &ResponseFacts,
) -> Result<Option<(String, String)>, AwsCallError> {
    let found = clients
        .sqs
        .get_queue_url()
        .queue_name(queue_name(facts))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("sqs", "GetQueueUrl", e))
        .or_gone()?;
    Ok(found.and_then(|f| f.queue_url().map(|u| (u.to_string(), facts.queue_arn()))))
}

/// Deletes the queue, if it exists.
pub async fn delete_queue(clients: &AwsClients, facts: &ResponseFacts) -> Result<(), AwsCallError> {
    if let Some((url, _)) = find_queue(clients, facts).await? {
        clients
            .sqs
            .delete_queue()
            .queue_url(url)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sqs", "DeleteQueue", e))
            .or_gone()?;
    }
    Ok(())
}

/// The topic, encrypted with the key: its ARN.
pub async fn ensure_topic(
    clients: &AwsClients,
    facts: &ResponseFacts,
    tags: &BTreeMap<String, String>,
) -> Result<String, AwsCallError> {
    // CreateTopic answers the existing topic's ARN for the same name; attributes and tags are
    // set apart so an existing topic with other values is updated rather than refused.
    let arn = clients
        .sns
        .create_topic()
        .name(&facts.name)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("sns", "CreateTopic", e))?
        .topic_arn()
        .unwrap_or_default()
        .to_string();
    if let Some(key) = &facts.kms_key_arn {
        clients
            .sns
            .set_topic_attributes()
            .topic_arn(&arn)
            .attribute_name("KmsMasterKeyId")
            .attribute_value(key)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sns", "SetTopicAttributes", e))?;
    }
    let sns_tags = tags
        .iter()
        .map(|(k, v)| {
            built(
                "sns Tag",
                aws_sdk_sns::types::Tag::builder().key(k).value(v).build(),
            )
        })
        .collect();
    clients
        .sns
        .tag_resource()
        .resource_arn(&arn)
        .set_tags(Some(sns_tags))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("sns", "TagResource", e))?;
    Ok(arn)
}

/// The topic's ARN and key, if it exists.
pub async fn find_topic(
    clients: &AwsClients,
    arn: &str,
) -> Result<Option<(String, Option<String>)>, AwsCallError> {
    Ok(clients
        .sns
        .get_topic_attributes()
        .topic_arn(arn)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("sns", "GetTopicAttributes", e))
        .or_gone()?
        .map(|t| {
            let key = t
                .attributes()
                .and_then(|a| a.get("KmsMasterKeyId"))
                .filter(|k| !k.is_empty())
                .cloned();
            (arn.to_string(), key)
        }))
}

/// Deletes the topic named after the response, if it exists (DeleteTopic is idempotent).
pub async fn delete_topic(clients: &AwsClients, facts: &ResponseFacts) -> Result<(), AwsCallError> {
    let arn = format!(
        "arn:{}:sns:{}:{}:{}",
        facts.partition, facts.region, facts.account_id, facts.name
    );
    clients
        .sns
        .delete_topic()
        .topic_arn(arn)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("sns", "DeleteTopic", e))
        .or_gone()?;
    Ok(())
}

/// The function's role, with its inline policy: its ARN.
pub async fn ensure_role(
    clients: &AwsClients,
    facts: &ResponseFacts,
    boundary: Option<&str>,
    tags: &BTreeMap<String, String>,
) -> Result<String, AwsCallError> {
    let iam = &clients.iam;
    let trust = function_trust_policy(facts).to_string();
    let arn = match find_role(clients, &facts.name).await?.map(|(arn, _)| arn) {
        Some(arn) => {
            iam.update_assume_role_policy()
                .role_name(&facts.name)
                .policy_document(&trust)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("iam", "UpdateAssumeRolePolicy", e))?;
            // A boundary given later (or changed) goes on the role in place; one removed from
            // the configuration stays, as IAM keeps it: taking it off is an administrator's act.
            if let Some(boundary) = boundary {
                iam.put_role_permissions_boundary()
                    .role_name(&facts.name)
                    .permissions_boundary(boundary)
                    .send()
                    .await
                    .map_err(|e| AwsCallError::from_sdk("iam", "PutRolePermissionsBoundary", e))?;
            }
            arn
        }
        None => {
            let iam_tags = tags
                .iter()
                .map(|(k, v)| {
                    built(
                        "iam Tag",
                        aws_sdk_iam::types::Tag::builder().key(k).value(v).build(),
                    )
                })
                .collect();
            iam.create_role()
                .role_name(&facts.name)
                .path(ROLE_PATH)
                .assume_role_policy_document(&trust)
                .set_permissions_boundary(boundary.map(str::to_string))
                .description("secure-mlops security response: stops, deletes and reports non-compliant SageMaker resources")
                .set_tags(Some(iam_tags))
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("iam", "CreateRole", e))?
                .role()
                .map(|r| r.arn().to_string())
                .unwrap_or_default()
        }
    };
    iam.put_role_policy()
        .role_name(&facts.name)
        .policy_name(POLICY_NAME)
        .policy_document(function_policy(facts).to_string())
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("iam", "PutRolePolicy", e))?;
    Ok(arn)
}

/// The role's ARN and permissions boundary, if it exists.
pub async fn find_role(
    clients: &AwsClients,
    name: &str,
) -> Result<Option<(String, Option<String>)>, AwsCallError> {
    Ok(clients
        .iam
        .get_role()
        .role_name(name)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("iam", "GetRole", e))
        .or_gone()?
        .and_then(|r| {
            r.role().map(|r| {
                let boundary = r
                    .permissions_boundary()
                    .and_then(|b| b.permissions_boundary_arn())
                    .map(str::to_string);
                (r.arn().to_string(), boundary)
            })
        }))
}

/// Deletes the role and its inline policy, if they exist.
pub async fn delete_role(clients: &AwsClients, name: &str) -> Result<(), AwsCallError> {
    clients
        .iam
        .delete_role_policy()
        .role_name(name)
        .policy_name(POLICY_NAME)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("iam", "DeleteRolePolicy", e))
        .or_gone()?;
    clients
        .iam
        .delete_role()
        .role_name(name)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("iam", "DeleteRole", e))
        .or_gone()?;
    Ok(())
}

fn log_group_name(name: &str) -> String {
    format!("/aws/lambda/{name}")
}

/// The function's log group with its retention (made before the function, so Lambda never
/// makes one without it).
pub async fn ensure_log_group(
    clients: &AwsClients,
    facts: &ResponseFacts,
    retention_days: i32,
    tags: &BTreeMap<String, String>,
) -> Result<(), AwsCallError> {
    let group = log_group_name(&facts.name);
    let created = clients
        .logs
        .create_log_group()
        .log_group_name(&group)
        .set_tags(Some(tags.clone().into_iter().collect()))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("logs", "CreateLogGroup", e));
    match created {
        Err(e) if e.kind != crate::aws::ErrorKind::AlreadyExists => return Err(e),
        _ => {}
    }
    clients
        .logs
        .put_retention_policy()
        .log_group_name(&group)
        .retention_in_days(retention_days)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("logs", "PutRetentionPolicy", e))?;
    Ok(())
}

/// Deletes the log group, if it exists.
pub async fn delete_log_group(clients: &AwsClients, name: &str) -> Result<(), AwsCallError> {
    clients
        .logs
        .delete_log_group()
        .log_group_name(log_group_name(name))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("logs", "DeleteLogGroup", e))
        .or_gone()?;
    Ok(())
}

fn environment(facts: &ResponseFacts, spec: &SecurityResponseSpec) -> Environment {
    let mut variables = HashMap::from([(MODE_VAR.to_string(), spec.mode.as_str().to_string())]);
    if let Some(topic) = &facts.topic_arn {
        variables.insert(TOPIC_VAR.to_string(), topic.clone());
    }
    Environment::builder()
        .set_variables(Some(variables))
        .build()
}

/// Lambda refuses a role it cannot assume yet (IAM is eventually consistent) with this message.
fn role_not_ready(err: &AwsCallError) -> bool {
    err.code == "InvalidParameterValueException" && err.message.contains("cannot be assumed")
}

/// Lambda refuses a change while the previous one is still being applied.
fn update_in_progress(err: &AwsCallError) -> bool {
    err.code == "ResourceConflictException"
}

/// Retries `call` while it fails with `retry_on`, until `deadline`.
async fn retrying<T, F, Fut>(
    what: &str,
    deadline: Deadline,
    retry_on: fn(&AwsCallError) -> bool,
    mut call: F,
) -> Result<T, crate::security_response::SecurityResponseError>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AwsCallError>>,
{
    let mut wait = Duration::from_millis(500);
    loop {
        match call().await {
            Ok(v) => return Ok(v),
            Err(e) if retry_on(&e) && deadline.remaining() > wait => {
                tracing::debug!(what, error = %e, "retrying");
                tokio::time::sleep(wait).await;
                wait = (wait * 2).min(Duration::from_secs(10));
            }
            Err(e) if retry_on(&e) => {
                return Err(crate::security_response::SecurityResponseError::TimedOut(
                    format!("{what}: {e}"),
                ))
            }
            Err(e) => return Err(e.into()),
        }
    }
}

/// The function, its async retry settings and the rule's permission: its ARN and code hash.
pub async fn ensure_function(
    clients: &AwsClients,
    facts: &ResponseFacts,
    spec: &SecurityResponseSpec,
    role_arn: &str,
    tags: &BTreeMap<String, String>,
    deadline: Deadline,
) -> Result<(String, String), crate::security_response::SecurityResponseError> {
    let lambda = &clients.lambda;
    let name = &facts.name;
    let sha = code_sha256(&spec.package);
    let dead_letters = DeadLetterConfig::builder()
        .target_arn(facts.queue_arn())
        .build();
    let logging = LoggingConfig::builder().log_format(LogFormat::Json).build();
    let (dead_letters, logging) = (&dead_letters, &logging);
    let arn = match find_function(clients, name)
        .await?
        .map(|f| (f.arn, f.code_sha256))
    {
        None => {
            retrying("creating the function", deadline, role_not_ready, || async move {
                lambda
                    .create_function()
                    .function_name(name)
                    .runtime(Runtime::Providedal2023)
                    .handler("bootstrap")
                    .architectures(Architecture::X8664)
                    .role(role_arn)
                    .code(
                        FunctionCode::builder()
                            .zip_file(Blob::new(spec.package.clone()))
                            .build(),
                    )
                    .timeout(FUNCTION_TIMEOUT_SECONDS)
                    .memory_size(256)
                    .environment(environment(facts, spec))
                    .dead_letter_config(dead_letters.clone())
                    .logging_config(logging.clone())
                    .description("secure-mlops security response (the custom-resource bootstrap, response handler)")
                    .set_tags(Some(tags.clone().into_iter().collect()))
                    .send()
.await
.map_err(|e| AwsCallError::from_sdk("lambda", "CreateFunction", e))
            })
            .await?
            .function_arn()
            .unwrap_or_default()
            .to_string()
        }
        Some((arn, current_sha)) => {
            if current_sha != sha {
                retrying("updating the function's code", deadline, update_in_progress, || async move {
                    lambda
                        .update_function_code()
                        .function_name(name)
                        .zip_file(Blob::new(spec.package.clone()))
                        .send()
.await
.map_err(|e| AwsCallError::from_sdk("lambda", "UpdateFunctionCode", e))
                })
                .await?;
            }
            retrying(
                "updating the function's configuration",
                deadline,
                |e| update_in_progress(e) || role_not_ready(e),
                || async move {
                    lambda
                        .update_function_configuration()
                        .function_name(name)
                        .role(role_arn)
                        .timeout(FUNCTION_TIMEOUT_SECONDS)
                        .environment(environment(facts, spec))
                        .dead_letter_config(dead_letters.clone())
                        .logging_config(logging.clone())
                        .send()
.await
.map_err(|e| AwsCallError::from_sdk("lambda", "UpdateFunctionConfiguration", e))
                },
            )
            .await?;
            arn
        }
    };
    retrying(
        "setting the function's retries",
        deadline,
        update_in_progress,
        || async move {
            lambda
                .put_function_event_invoke_config()
                .function_name(name)
                .maximum_retry_attempts(FUNCTION_RETRIES)
                .maximum_event_age_in_seconds(MAX_EVENT_AGE_SECONDS)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("lambda", "PutFunctionEventInvokeConfig", e))
        },
    )
    .await?;
    Ok((arn, sha))
}

/// The function as Lambda reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundFunction {
    /// Its ARN.
    pub arn: String,
    /// Its code hash.
    pub code_sha256: String,
    /// The mode its environment says (`stop`, `notify`, `both`), if it says one.
    pub mode: Option<String>,
}

/// The function, if it exists.
pub async fn find_function(
    clients: &AwsClients,
    name: &str,
) -> Result<Option<FoundFunction>, AwsCallError> {
    let found = clients
        .lambda
        .get_function()
        .function_name(name)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("lambda", "GetFunction", e))
        .or_gone()?;
    Ok(found.and_then(|f| {
        f.configuration().map(|c| FoundFunction {
            arn: c.function_arn().unwrap_or_default().to_string(),
            code_sha256: c.code_sha256().unwrap_or_default().to_string(),
            mode: c
                .environment()
                .and_then(|e| e.variables())
                .and_then(|v| v.get(MODE_VAR))
                .cloned(),
        })
    }))
}

/// Deletes the function (its retry settings and permission go with it), if it exists.
pub async fn delete_function(clients: &AwsClients, name: &str) -> Result<(), AwsCallError> {
    clients
        .lambda
        .delete_function()
        .function_name(name)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("lambda", "DeleteFunction", e))
        .or_gone()?;
    Ok(())
}

/// The rule, its target (the function, with retries and the dead-letter queue) and the
/// function's permission for it: the rule's ARN.
pub async fn ensure_rule(
    clients: &AwsClients,
    facts: &ResponseFacts,
    function_arn: &str,
    tags: &BTreeMap<String, String>,
) -> Result<String, AwsCallError> {
    let events_tags = tags
        .iter()
        .map(|(k, v)| built("events Tag", EventsTag::builder().key(k).value(v).build()))
        .collect();
    let rule_arn = clients
        .events
        .put_rule()
        .name(&facts.name)
        .event_pattern(event_pattern().to_string())
        .state(RuleState::Enabled)
        .description(
            "SageMaker API calls recorded by CloudTrail, for the secure-mlops security response",
        )
        .set_tags(Some(events_tags))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("events", "PutRule", e))?
        .rule_arn()
        .unwrap_or_default()
        .to_string();
    let permitted = clients
        .lambda
        .add_permission()
        .function_name(&facts.name)
        .statement_id(PERMISSION_ID)
        .action("lambda:InvokeFunction")
        .principal("events.amazonaws.com")
        .source_arn(&rule_arn)
        .source_account(&facts.account_id)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("lambda", "AddPermission", e));
    match permitted {
        // The statement exists from an earlier apply: its source is the same rule ARN.
        Err(e) if e.code != "ResourceConflictException" => return Err(e),
        _ => {}
    }
    let target = built(
        "events Target",
        Target::builder()
            .id(TARGET_ID)
            .arn(function_arn)
            .retry_policy(
                RetryPolicy::builder()
                    .maximum_retry_attempts(RULE_RETRIES)
                    .maximum_event_age_in_seconds(MAX_EVENT_AGE_SECONDS)
                    .build(),
            )
            .dead_letter_config(RuleDeadLetters::builder().arn(facts.queue_arn()).build())
            .build(),
    );
    let out = clients
        .events
        .put_targets()
        .rule(&facts.name)
        .targets(target)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("events", "PutTargets", e))?;
    if out.failed_entry_count() > 0 {
        let why = out
            .failed_entries()
            .iter()
            .map(|f| {
                format!(
                    "{}: {}",
                    f.error_code().unwrap_or_default(),
                    f.error_message().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>()
            .join("; ");
        return Err(AwsCallError {
            service: "events",
            operation: "PutTargets",
            code: "FailedEntry".into(),
            message: why,
            kind: crate::aws::ErrorKind::Other,
        });
    }
    Ok(rule_arn)
}

/// The rule's ARN, if it exists and still targets the function.
pub async fn find_rule(
    clients: &AwsClients,
    name: &str,
    function_arn: &str,
) -> Result<Option<String>, AwsCallError> {
    let Some(rule) = clients
        .events
        .describe_rule()
        .name(name)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("events", "DescribeRule", e))
        .or_gone()?
    else {
        return Ok(None);
    };
    let targets = clients
        .events
        .list_targets_by_rule()
        .rule(name)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("events", "ListTargetsByRule", e))?;
    let enabled = rule.state() == Some(&RuleState::Enabled);
    let targeted = targets.targets().iter().any(|t| t.arn() == function_arn);
    Ok((enabled && targeted).then(|| rule.arn().unwrap_or_default().to_string()))
}

/// Removes the target and deletes the rule, if it exists.
pub async fn delete_rule(clients: &AwsClients, name: &str) -> Result<(), AwsCallError> {
    let removed = clients
        .events
        .remove_targets()
        .rule(name)
        .ids(TARGET_ID)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("events", "RemoveTargets", e))
        .or_gone()?;
    if removed.is_none() {
        return Ok(());
    }
    clients
        .events
        .delete_rule()
        .name(name)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("events", "DeleteRule", e))
        .or_gone()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_code_hash_is_lambdas() {
        // printf 'hello' | openssl dgst -sha256 -binary | base64
        assert_eq!(
            code_sha256(b"hello"),
            "LPJNul+wow4m6DsqxbninhsWHlwfp0JecwQzYpOLmCQ="
        );
    }
}
