//! The responsive control: what the `bootstrap` function does with a SageMaker API call that
//! CloudTrail recorded and EventBridge delivered (`sagemaker_security_response` deploys the rule
//! and the function).
//!
//! 1. [`event::parse`] reads which call, on what, by whom. Events that are not actionable (a
//!    failed call, another service) are answered `skipped`, not failed: a retry would not help.
//! 2. The resource is described (its settings as SageMaker holds them, never as the event says)
//!    and attributed to an environment: by its role's `secure-mlops:environment` tag (a
//!    transform job or endpoint configuration by its model's role), else by the caller's role;
//!    a Studio resource by its domain's tag. A resource of no environment is left alone.
//! 3. It is checked against the environment's scope with the audit's checks
//!    ([`crate::audit::check_workload`], [`crate::audit::studio::check_studio`]), plus: a
//!    workload run as a role that is not the environment's is a finding.
//! 4. A compliant resource is left alone. Otherwise it is tagged first
//!    (`secure-mlops:response = <what is done>: <controls>`: the function's role may stop or
//!    delete only what carries that tag), then, by mode, the job or notebook instance is
//!    stopped, the app deleted, the domain or user profile restored ([`act`]), the findings
//!    published to the topic (and the tag says `notified`); one structured line is logged.
//!
//! Every step is idempotent: a stopped job is not stopped again, a resource whose tag says it
//! was notified is not notified again, so EventBridge's and Lambda's redeliveries are harmless.
//! A failure (AWS refused, throttled) is returned as an error so Lambda retries the event and,
//! after its retries, sends it to the dead-letter queue.

pub mod act;
pub mod event;

use serde_json::{json, Value};

use crate::audit::describe::{describe, describe_studio, StudioSubject};
use crate::audit::studio::check_studio;
use crate::audit::{check_workload, reads, AuditError, Finding, Severity};
use crate::aws::{AwsCallError, AwsClients};
use crate::children::sagemaker::sagemaker_tags;
use crate::ids::ENVIRONMENT_TAG;
use crate::spec::ResponseMode;
use act::RESPONSE_TAG;
use event::Subject;

/// The environment variable holding the mode.
pub const MODE_VAR: &str = "SECURE_MLOPS_RESPONSE_MODE";
/// The environment variable holding the topic's ARN.
pub const TOPIC_VAR: &str = "SECURE_MLOPS_RESPONSE_TOPIC_ARN";

/// How the function was deployed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponseSettings {
    /// What to do.
    pub mode: ResponseMode,
    /// Where notifications go (modes `notify` and `both`).
    pub topic_arn: Option<String>,
}

impl ResponseSettings {
    /// From the function's environment ([`MODE_VAR`], [`TOPIC_VAR`]); an unset or unknown mode
    /// is `stop`, the safe default.
    pub fn from_env() -> Self {
        let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
        ResponseSettings {
            mode: var(MODE_VAR)
                .and_then(|m| ResponseMode::parse(&m))
                .unwrap_or_default(),
            topic_arn: var(TOPIC_VAR),
        }
    }
}

/// What the response did with one event: the function's result and its log line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outcome {
    /// CloudTrail's event id.
    pub event_id: String,
    /// The call.
    pub event_name: String,
    /// The resource, once described.
    pub resource_arn: String,
    /// Its environment, when it has one.
    pub environment: Option<String>,
    /// What is wrong with it.
    pub findings: Vec<Finding>,
    /// What was done, in words.
    pub actions: Vec<String>,
    /// Why nothing was looked at, when nothing was.
    pub skipped: Option<String>,
}

impl Outcome {
    /// The function's JSON result.
    pub fn to_json(&self) -> Value {
        json!({
            "eventId": self.event_id,
            "eventName": self.event_name,
            "resourceArn": self.resource_arn,
            "environment": self.environment,
            "compliant": self.findings.is_empty(),
            "findings": self.findings.iter().map(|f| json!({
                "control": f.control,
                "severity": f.severity.as_str(),
                "resourceArn": f.resource_arn,
                "message": f.message,
            })).collect::<Vec<_>>(),
            "actions": self.actions,
            "skipped": self.skipped,
        })
    }
}

/// Why a response failed (Lambda retries the event).
#[derive(Debug, thiserror::Error)]
pub enum ResponseError {
    /// An AWS call failed.
    #[error(transparent)]
    Aws(#[from] AwsCallError),
    /// The environment could not be read.
    #[error(transparent)]
    Audit(#[from] AuditError),
}

/// Control: a workload run as a role that is not one of its environment's.
pub const CONTROL_ENVIRONMENT_ROLE: &str = "secure-mlops:environment-role";

/// Handles one EventBridge event.
pub async fn respond(
    clients: &AwsClients,
    event: &Value,
    settings: &ResponseSettings,
) -> Result<Outcome, ResponseError> {
    let call = match event::parse(event) {
        Ok(call) => call,
        Err(why) => {
            tracing::info!(reason = %why, "security response: event skipped");
            return Ok(Outcome {
                skipped: Some(why.to_string()),
                ..Outcome::default()
            });
        }
    };
    let mut outcome = Outcome {
        event_id: call.event_id.clone(),
        event_name: call.event_name.clone(),
        ..Outcome::default()
    };
    let Some(judged) = judge(clients, &call).await? else {
        outcome.skipped = Some("the resource no longer exists".into());
        log(&outcome, "skipped");
        return Ok(outcome);
    };
    outcome.resource_arn = judged.arn.clone();
    let Some(env) = judged.environment.clone() else {
        outcome.skipped = Some("the resource is not an environment's".into());
        log(&outcome, "skipped");
        return Ok(outcome);
    };
    outcome.environment = Some(env.clone());
    // The environment's scope and the resource's tags, read together.
    let (found, mut tags) = futures_util::future::try_join(reads::scope(clients, &env), async {
        Ok::<_, AuditError>(sagemaker_tags(clients, &judged.arn).await?)
    })
    .await?;
    outcome.findings = judged.findings(&found.scope);
    if outcome.findings.is_empty() {
        log(&outcome, "compliant");
        return Ok(outcome);
    }

    let previous = tags.remove(RESPONSE_TAG).unwrap_or_default();
    let actions = act::plan(&call.subject, &outcome.findings, settings.mode);
    let notified_before = previous.contains("notified");
    // The tag goes on first: the function's role may stop or delete only what carries it.
    act::tag(
        clients,
        &judged.arn,
        &act::tag_value(&actions, &outcome.findings, notified_before),
    )
    .await?;
    for action in &actions {
        if let Some(done) = act::execute(clients, action, &found.scope).await? {
            outcome.actions.push(done);
        }
    }
    if settings.mode.notifies() && settings.topic_arn.is_some() && !notified_before {
        publish(clients, settings, &outcome).await?;
        outcome.actions.push("notified".into());
        act::tag(
            clients,
            &judged.arn,
            &act::tag_value(&actions, &outcome.findings, true),
        )
        .await?;
    }
    log(&outcome, if actions.is_empty() { "found" } else { "acted" });
    Ok(outcome)
}

/// The one structured line each event leaves in the function's log.
fn log(outcome: &Outcome, result: &str) {
    let controls: Vec<&str> = outcome
        .findings
        .iter()
        .map(|f| f.control.as_str())
        .collect();
    tracing::info!(
        event_id = %outcome.event_id,
        event_name = %outcome.event_name,
        resource_arn = %outcome.resource_arn,
        environment = outcome.environment.as_deref().unwrap_or(""),
        result,
        controls = %controls.join(" "),
        actions = %outcome.actions.join("; "),
        skipped = outcome.skipped.as_deref().unwrap_or(""),
        "security response"
    );
}

/// A described resource, its environment, and how to check it.
struct Judged {
    arn: String,
    environment: Option<String>,
    check: Check,
}

enum Check {
    Workload {
        workload: crate::audit::Workload,
        role_arn: Option<String>,
    },
    Studio(Vec<crate::audit::studio::StudioResource>),
}

impl Judged {
    fn findings(&self, scope: &crate::audit::Scope) -> Vec<Finding> {
        match &self.check {
            Check::Workload { workload, role_arn } => {
                let mut out = check_workload(workload, scope);
                if let Some(role) = role_arn {
                    if !scope.role_arns.contains(role) {
                        out.push(Finding {
                            control: CONTROL_ENVIRONMENT_ROLE.into(),
                            severity: Severity::High,
                            resource_arn: workload.arn.clone(),
                            message: format!(
                                "the {} runs as {role}, not one of the environment's roles",
                                workload.kind.label()
                            ),
                            remediation: "create it again with the environment's execution role"
                                .into(),
                        });
                    }
                }
                out
            }
            Check::Studio(resources) => resources
                .iter()
                .flat_map(|r| check_studio(r, scope))
                .collect(),
        }
    }
}

/// Describes what `call` made and finds its environment; `None` when it is gone.
async fn judge(
    clients: &AwsClients,
    call: &event::ApiCall,
) -> Result<Option<Judged>, ResponseError> {
    match &call.subject {
        Subject::Workload(kind, name) => {
            let Some(described) = describe(clients, *kind, name.clone()).await? else {
                return Ok(None);
            };
            // Transform jobs and endpoint configurations run as their model's role.
            let role = match &described.role_arn {
                Some(role) => Some(role.clone()),
                None => match described.model_names.first() {
                    Some(model) => {
                        describe(clients, crate::audit::WorkloadKind::Model, model.clone())
                            .await?
                            .and_then(|m| m.role_arn)
                    }
                    None => None,
                },
            };
            let mut environment = match &role {
                Some(role) => environment_of_role(clients, role).await?,
                None => None,
            };
            if environment.is_none() {
                if let Some(caller) = &call.caller_role_arn {
                    environment = environment_of_role(clients, caller).await?;
                }
            }
            Ok(Some(Judged {
                arn: described.workload.arn.clone(),
                environment,
                check: Check::Workload {
                    workload: described.workload,
                    role_arn: described.role_arn,
                },
            }))
        }
        Subject::Studio(subject) => {
            let Some(described) = describe_studio(clients, subject).await? else {
                return Ok(None);
            };
            let domain_arn = format!(
                "arn:{}:sagemaker:{}:{}:domain/{}",
                clients.partition,
                clients.region,
                clients.account_id,
                subject.domain_id()
            );
            let environment = sagemaker_tags(clients, &domain_arn)
                .await?
                .remove(ENVIRONMENT_TAG);
            let mut resources = vec![described.resource.clone()];
            // An app runs with its user profile's settings: a profile changed outside the
            // environment makes its apps non-compliant too.
            if let StudioSubject::App {
                domain_id,
                user_profile: Some(profile),
                ..
            } = subject
            {
                let owner = StudioSubject::UserProfile {
                    domain_id: domain_id.clone(),
                    name: profile.clone(),
                };
                if let Some(owner) = describe_studio(clients, &owner).await? {
                    let mut settings = owner.resource;
                    settings.arn = described.resource.arn.clone();
                    resources.push(settings);
                }
            }
            Ok(Some(Judged {
                arn: described.resource.arn,
                environment,
                check: Check::Studio(resources),
            }))
        }
    }
}

/// The environment a role (by ARN) belongs to, by its `secure-mlops:environment` tag; `None`
/// for a role of none (or one that does not exist).
async fn environment_of_role(
    clients: &AwsClients,
    role_arn: &str,
) -> Result<Option<String>, AwsCallError> {
    match role_arn.rsplit('/').next().filter(|n| !n.is_empty()) {
        Some(name) => crate::children::guardrail_policy::role_environment(clients, name).await,
        None => Ok(None),
    }
}

/// Publishes the findings to the topic. The message names resources and controls, nothing
/// from the request (no parameters, no environment variables of the job).
async fn publish(
    clients: &AwsClients,
    settings: &ResponseSettings,
    outcome: &Outcome,
) -> Result<(), AwsCallError> {
    let Some(topic) = &settings.topic_arn else {
        return Ok(());
    };
    let name = outcome
        .resource_arn
        .rsplit('/')
        .next()
        .unwrap_or(&outcome.resource_arn);
    let mut subject = format!(
        "secure-mlops: {} not compliant in {}",
        name,
        outcome.environment.as_deref().unwrap_or("?")
    );
    subject.truncate(100);
    clients
        .sns
        .publish()
        .topic_arn(topic)
        .subject(subject)
        .message(serde_json::to_string_pretty(&outcome.to_json()).unwrap_or_default())
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("sns", "Publish", e))?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_result_is_json_with_every_field() {
        let outcome = Outcome {
            event_id: "e".into(),
            event_name: "CreateTrainingJob".into(),
            resource_arn: "arn".into(),
            environment: Some("team-a-dev".into()),
            findings: vec![Finding {
                control: "SageMaker.2".into(),
                severity: Severity::High,
                resource_arn: "arn".into(),
                message: "m".into(),
                remediation: "r".into(),
            }],
            actions: vec!["stopped the training job j".into()],
            skipped: None,
        };
        let v = outcome.to_json();
        assert_eq!(v["compliant"], false);
        assert_eq!(v["findings"][0]["control"], "SageMaker.2");
        assert_eq!(v["actions"][0], "stopped the training job j");
        assert_eq!(v["environment"], "team-a-dev");
    }
}
