//! One invocation: parse the event, pick the operation, run it under a watchdog within the
//! invocation's time budget (`budget.rs`), then answer CloudFormation or hand the request to
//! the next invocation. What an operation gets and decides is in `operation.rs`.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secure_mlops_core::aws::{AwsClients, ConnectionSettings};
use serde_json::Value;
use tokio::sync::OnceCell;
use tokio::time::Instant;

pub use crate::budget::CLOUDFORMATION_TIMEOUT;
use crate::budget::{Budget, Clock};
use crate::continuation::{Continuation, Invoker, LambdaInvoker};
use crate::operation::{Answer, Aws, Ctx, Step};
use crate::request::{
    Request, RequestKind, CREATE_FAILED_ID, ENVIRONMENT_TYPE, PROJECTS_TYPE, TEMPLATES_TYPE,
};
use crate::response::{Response, ResponseSender, Status};
pub use crate::settings::Settings;
use crate::store::SsmStore;
use crate::{environment, mlops_templates, projects, properties};

/// The Lambda facts of one invocation.
#[derive(Debug, Clone)]
pub struct Invocation {
    /// When Lambda stops the invocation.
    pub deadline: SystemTime,
    /// The function's ARN, for the continuation.
    pub function_arn: String,
}

/// What an invocation did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// CloudFormation was answered.
    Answered {
        /// SUCCESS or FAILED.
        status: Status,
        /// The id answered.
        physical_resource_id: String,
        /// The reason, when FAILED.
        reason: Option<String>,
        /// The `Data` sent.
        data: Vec<(String, String)>,
        /// False when every PUT attempt failed.
        delivered: bool,
    },
    /// The request goes on in the next invocation (number `count`), started asynchronously.
    Continued {
        /// The continuation's number.
        count: u32,
    },
    /// The payload was not a custom-resource request and had no URL to answer.
    Ignored {
        /// Why.
        why: String,
    },
    /// The request's `ResponseURL` is not CloudFormation's (see [`crate::response::ResponseUrl::check`]):
    /// nothing was run and nothing answered, since the answer would go to someone else. The
    /// Lambda invocation fails with `why`, which never quotes the URL's query.
    Refused {
        /// Why (names the host at most).
        why: String,
    },
}

/// The custom-resource handler: one per process, shared by its invocations.
pub struct Handler {
    settings: Settings,
    invoker: Arc<dyn Invoker>,
    sender: ResponseSender,
    aws: OnceCell<Arc<Aws>>,
}

impl std::fmt::Debug for Handler {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Handler")
            .field("settings", &self.settings)
            .finish_non_exhaustive()
    }
}

/// The AWS SDK configuration for `settings` (region, profile, endpoint), as the core loads it.
pub async fn sdk_config(settings: &ConnectionSettings) -> aws_config::SdkConfig {
    let mut loader = aws_config::defaults(aws_config::BehaviorVersion::latest());
    if let Some(region) = &settings.region {
        loader = loader.region(aws_config::Region::new(region.clone()));
    }
    if let Some(profile) = &settings.profile {
        loader = loader.profile_name(profile);
    }
    if let Some(endpoint) = &settings.endpoint {
        loader = loader.endpoint_url(endpoint);
    }
    loader.load().await
}

impl Handler {
    /// A handler with `invoker` for continuations. Makes no call: AWS is reached on the first
    /// event.
    pub fn new(settings: Settings, invoker: Arc<dyn Invoker>) -> Self {
        Handler {
            settings,
            invoker,
            sender: ResponseSender::new(),
            aws: OnceCell::new(),
        }
    }

    /// The Lambda's handler: continuations through `lambda:InvokeFunction`.
    pub async fn for_lambda(settings: Settings) -> Self {
        let config = sdk_config(&settings.connection).await;
        let invoker = LambdaInvoker::new(aws_sdk_lambda::Client::new(&config));
        Self::new(settings, Arc::new(invoker))
    }

    /// The AWS connection, made on first use.
    pub(crate) async fn connected(&self) -> Result<Arc<Aws>, String> {
        self.aws().await
    }

    async fn aws(&self) -> Result<Arc<Aws>, String> {
        self.aws
            .get_or_try_init(|| async {
                let clients = AwsClients::connect(&self.settings.connection)
                    .await
                    .map_err(|e| format!("cannot connect to AWS: {e}"))?;
                let config = sdk_config(&self.settings.connection).await;
                let store = SsmStore::new(
                    aws_sdk_ssm::Client::new(&config),
                    self.settings.ledger_prefix.clone(),
                );
                tracing::info!(account = %clients.account_id, region = %clients.region, "connected to AWS");
                Ok(Arc::new(Aws {
                    clients,
                    store,
                    permissions_boundary_arn: self.settings.permissions_boundary_arn.clone(),
                    existing_role_name_pattern: self.settings.existing_role_name_pattern.clone(),
                }))
            })
            .await
            .cloned()
    }

    /// The record stored under a physical id (for tests and operators).
    pub async fn stored_record(&self, id: &str) -> Result<Option<crate::store::Record>, String> {
        let aws = self.aws().await?;
        aws.store.load(id).await.map_err(|e| e.to_string())
    }

    /// Handles one invocation's payload: answers CloudFormation (PUT to the response URL) or
    /// starts the next invocation. Never panics and never returns before one of the two is
    /// done (or every PUT attempt failed).
    pub async fn handle(self: &Arc<Self>, mut payload: Value, invocation: Invocation) -> Outcome {
        let started = SystemTime::now();
        let now = Instant::now();
        let remaining = invocation
            .deadline
            .duration_since(started)
            .unwrap_or(Duration::ZERO);
        let lambda_deadline = now + remaining;

        let continuation = Continuation::take_from(&mut payload);
        let request = match Request::parse(&payload) {
            Ok(request) => request,
            Err(e) => {
                return self
                    .answer_unusable(e.to_string(), &payload, lambda_deadline)
                    .await
            }
        };
        let unix_now = started
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs();
        if let Err(refused) = request
            .response_url
            .check(&self.settings.allowed_response_hosts)
        {
            return refuse(&request, refused);
        }
        let first_started = continuation.map_or(unix_now, |c| c.started_at);
        let count = continuation.map_or(0, |c| c.count);
        log_request(&request, count, remaining);

        let budget = Budget::of(
            &self.settings,
            Clock {
                remaining,
                elapsed: Duration::from_secs(unix_now.saturating_sub(first_started)),
                count,
                service_timeout: properties::service_timeout(&request.properties),
            },
        );
        let step = self.run_watched(&request, count, budget, now).await;
        let next = Continuation {
            count: count.saturating_add(1),
            started_at: first_started,
        };
        self.finish(&request, step, &payload, &invocation, next, lambda_deadline)
            .await
    }

    /// A payload that is not a usable request: answered FAILED when it says where to answer
    /// (SUCCESS for a Delete), ignored otherwise.
    async fn answer_unusable(
        &self,
        why: String,
        payload: &Value,
        put_deadline: Instant,
    ) -> Outcome {
        tracing::error!(error = %why, "unusable event");
        let Some(request) = Request::salvage(payload) else {
            return Outcome::Ignored { why };
        };
        if let Err(refused) = request
            .response_url
            .check(&self.settings.allowed_response_hosts)
        {
            return refuse(&request, refused);
        }
        let answer = if request.kind == RequestKind::Delete {
            // Nothing this function made can be named by a broken event.
            Answer::success(
                request.physical_resource_id.clone().unwrap_or_default(),
                vec![],
            )
        } else {
            Answer::failed(CREATE_FAILED_ID, why)
        };
        self.answer(&request, answer, put_deadline).await
    }

    /// Runs the operation in a task of its own, so a panic becomes a FAILED step, under a
    /// watchdog that stops it at the budget's `answer_by` and answers FAILED.
    async fn run_watched(
        self: &Arc<Self>,
        request: &Request,
        count: u32,
        budget: Budget,
        now: Instant,
    ) -> Step {
        let claimed = Arc::new(Mutex::new(None));
        let ctx = Ctx {
            request: request.clone(),
            count,
            work_deadline: now + budget.work,
            last_chance: budget.last_chance,
            budget_note: budget.note,
            claimed: claimed.clone(),
        };
        let this = self.clone();
        let mut task = tokio::spawn(async move { this.run(ctx).await });
        match tokio::time::timeout_at(now + budget.answer_by, &mut task).await {
            Ok(Ok(step)) => step,
            Ok(Err(join)) => {
                let why = if join.is_panic() {
                    format!("internal error: {}", panic_text(join.into_panic()))
                } else {
                    "internal error: the operation was cancelled".to_string()
                };
                tracing::error!(error = %why, "the operation stopped");
                Step::failed(
                    fallback_id(request, &claimed),
                    format!("{why}. What was made before is recorded or will be adopted by the next operation"),
                )
            }
            Err(_) => {
                task.abort();
                tracing::error!("the operation did not finish before the Lambda deadline");
                Step::failed(
                    fallback_id(request, &claimed),
                    "the operation did not finish before the Lambda function's deadline and was stopped; raise the function's timeout. What was made is recorded or will be adopted by the next operation",
                )
            }
        }
    }

    /// Answers, or starts the continuation `next` (answering FAILED when it cannot start).
    async fn finish(
        &self,
        request: &Request,
        step: Step,
        event: &Value,
        invocation: &Invocation,
        next: Continuation,
        put_deadline: Instant,
    ) -> Outcome {
        let answer = match step {
            Step::Answer(answer) => answer,
            Step::Continue {
                physical_resource_id,
            } => match self
                .invoker
                .invoke_async(&invocation.function_arn, next.payload(event))
                .await
            {
                Ok(()) => {
                    tracing::info!(
                        continuation = next.count,
                        "not finished yet: continuing in a new invocation"
                    );
                    return Outcome::Continued { count: next.count };
                }
                Err(e) => Answer::failed(
                    physical_resource_id,
                    format!("the operation needs more time than one invocation, and the function could not invoke itself to continue ({e}); grant it lambda:InvokeFunction on itself. What exists is recorded"),
                ),
            },
        };
        self.answer(request, answer, put_deadline).await
    }

    /// PUTs `answer` to the request's response URL.
    async fn answer(&self, request: &Request, answer: Answer, put_deadline: Instant) -> Outcome {
        let response = Response {
            status: answer.status,
            reason: answer.reason.clone(),
            physical_resource_id: answer.physical_resource_id.clone(),
            stack_id: request.stack_id.clone(),
            request_id: request.request_id.clone(),
            logical_resource_id: request.logical_resource_id.clone(),
            data: answer.data.clone(),
        };
        let (body, dropped) = response.body();
        if !dropped.is_empty() {
            tracing::warn!(
                ?dropped,
                "Data keys left out to keep the response under 4096 bytes"
            );
        }
        match answer.status {
            Status::Success => tracing::info!(
                physical_resource_id = %answer.physical_resource_id,
                data_keys = answer.data.len(),
                "answering SUCCESS"
            ),
            Status::Failed => tracing::warn!(
                physical_resource_id = %answer.physical_resource_id,
                reason = answer.reason.as_deref().unwrap_or(""),
                "answering FAILED"
            ),
        }
        // The PUT may use the time kept back for it, up to the Lambda deadline itself.
        let delivered = match self
            .sender
            .put(&request.response_url, &body, put_deadline)
            .await
        {
            Ok(()) => true,
            Err(e) => {
                tracing::error!(error = %e, "could not deliver the response to CloudFormation");
                false
            }
        };
        Outcome::Answered {
            status: answer.status,
            physical_resource_id: answer.physical_resource_id,
            reason: answer.reason,
            data: answer.data,
            delivered,
        }
    }

    /// The operation itself, dispatched on the resource type.
    async fn run(self: Arc<Self>, ctx: Ctx) -> Step {
        let request = &ctx.request;
        let event_id = request.physical_resource_id.clone().unwrap_or_default();
        #[cfg(test)]
        match request.resource_type.as_str() {
            "Custom::TestPanic" => panic!("injected for the test"),
            "Custom::TestHang" => tokio::time::sleep(Duration::from_secs(3600)).await,
            _ => {}
        }
        let known = [ENVIRONMENT_TYPE, PROJECTS_TYPE, TEMPLATES_TYPE]
            .contains(&request.resource_type.as_str());
        if !known {
            let why = format!(
                "resource type {:?} is not handled by this function: use {ENVIRONMENT_TYPE}, {PROJECTS_TYPE} or {TEMPLATES_TYPE}",
                request.resource_type
            );
            return match request.kind {
                RequestKind::Create => Step::failed(CREATE_FAILED_ID, why),
                RequestKind::Update => Step::failed(event_id, why),
                // Nothing can have been made for it.
                RequestKind::Delete => Step::success(event_id, vec![]),
            };
        }
        // The rollback Delete of a Create that changed nothing: no AWS call at all.
        if request.kind == RequestKind::Delete && event_id == CREATE_FAILED_ID {
            tracing::info!(
                "delete of a resource whose create failed before any change: nothing to do"
            );
            return Step::success(event_id, vec![]);
        }
        let aws = match self.aws().await {
            Ok(aws) => aws,
            Err(why) => {
                let id = match request.kind {
                    RequestKind::Create => CREATE_FAILED_ID.to_string(),
                    _ => event_id,
                };
                return Step::failed(id, why);
            }
        };
        match request.resource_type.as_str() {
            ENVIRONMENT_TYPE => environment::run(&aws, &ctx).await,
            TEMPLATES_TYPE => mlops_templates::run(&aws, &ctx).await,
            _ => projects::run(&aws, &ctx).await,
        }
    }
}

/// The request's facts in the log: never its properties or response URL.
fn log_request(request: &Request, count: u32, remaining: Duration) {
    tracing::info!(
        request_type = request.kind.as_str(),
        resource_type = %request.resource_type,
        logical_resource_id = %request.logical_resource_id,
        physical_resource_id = request.physical_resource_id.as_deref().unwrap_or(""),
        stack_id = %request.stack_id,
        request_id = %request.request_id,
        continuation = count,
        remaining_ms = remaining.as_millis() as u64,
        "custom resource request"
    );
}

/// A request whose response URL is not CloudFormation's: logged (the request's ids and the
/// reason, which names the host at most), not run, not answered.
fn refuse(request: &Request, refused: crate::response::RefusedUrl) -> Outcome {
    let why = refused.to_string();
    tracing::error!(
        request_type = request.kind.as_str(),
        resource_type = %request.resource_type,
        logical_resource_id = %request.logical_resource_id,
        stack_id = %request.stack_id,
        request_id = %request.request_id,
        error = %why,
        "refused the request: its response URL is not CloudFormation's; nothing was run or answered"
    );
    Outcome::Refused { why }
}

/// The id to answer with when the run itself could not say (panic, watchdog).
fn fallback_id(request: &Request, claimed: &Mutex<Option<String>>) -> String {
    let claimed = claimed.lock().ok().and_then(|c| c.clone());
    match (request.kind, claimed) {
        (RequestKind::Delete, _) => request.physical_resource_id.clone().unwrap_or_default(),
        (_, Some(id)) => id,
        (RequestKind::Create, None) => CREATE_FAILED_ID.to_string(),
        (RequestKind::Update, None) => request.physical_resource_id.clone().unwrap_or_default(),
    }
}

fn panic_text(payload: Box<dyn std::any::Any + Send>) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_string()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic".to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::response::AllowedResponseHosts;
    use serde_json::json;

    struct NoInvoker;

    impl Invoker for NoInvoker {
        fn invoke_async<'a>(
            &'a self,
            _function: &'a str,
            _payload: Value,
        ) -> crate::continuation::BoxFuture<'a, Result<(), String>> {
            Box::pin(async { Err("no".to_string()) })
        }
    }

    fn handler() -> Arc<Handler> {
        let settings = Settings {
            connection: ConnectionSettings {
                region: Some("us-east-1".into()),
                endpoint: Some("http://127.0.0.1:9".into()),
                ..Default::default()
            },
            allowed_response_hosts: AllowedResponseHosts::parse("127.0.0.1:9"),
            ..Settings::default()
        };
        Arc::new(Handler::new(settings, Arc::new(NoInvoker)))
    }

    fn event(resource_type: &str) -> Value {
        json!({
            "RequestType": "Create",
            "ResponseURL": "http://127.0.0.1:9/nowhere",
            "StackId": "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1",
            "RequestId": "r-1",
            "LogicalResourceId": "X",
            "ResourceType": resource_type,
            "ResourceProperties": {}
        })
    }

    fn invocation(millis: u64) -> Invocation {
        Invocation {
            deadline: SystemTime::now() + Duration::from_millis(millis),
            function_arn: "arn:aws:lambda:us-east-1:123456789012:function:f".into(),
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_panic_is_answered_failed() {
        let outcome = handler()
            .handle(event("Custom::TestPanic"), invocation(3000))
            .await;
        let Outcome::Answered {
            status,
            reason,
            physical_resource_id,
            ..
        } = outcome
        else {
            panic!("{outcome:?}")
        };
        assert_eq!(status, Status::Failed);
        assert_eq!(physical_resource_id, CREATE_FAILED_ID);
        assert!(
            reason
                .unwrap_or_default()
                .contains("internal error: injected"),
            "reason"
        );
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_request_with_a_foreign_response_url_is_refused_before_any_work() {
        for url in [
            "https://evil.com/x?X-Amz-Signature=secret",
            "http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x?X-Amz-Signature=secret",
            "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com@evil.com/?X-Amz-Signature=secret",
        ] {
            // A panic in the run would be answered FAILED: a refusal never gets there.
            let mut e = event("Custom::TestPanic");
            e["ResponseURL"] = json!(url);
            let outcome = handler().handle(e, invocation(3000)).await;
            let Outcome::Refused { why } = outcome else {
                panic!("{url}: {outcome:?}")
            };
            assert!(!why.contains("secret"), "{why}");
            // A malformed event is not answered at a foreign URL either.
            let broken = json!({"RequestType": "Create", "ResponseURL": url});
            let outcome = handler().handle(broken, invocation(3000)).await;
            assert!(matches!(outcome, Outcome::Refused { .. }), "{outcome:?}");
        }
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn work_still_running_near_the_deadline_is_stopped_and_answered() {
        let started = std::time::Instant::now();
        let outcome = handler()
            .handle(event("Custom::TestHang"), invocation(3000))
            .await;
        assert!(started.elapsed() < Duration::from_millis(3000));
        let Outcome::Answered { status, reason, .. } = outcome else {
            panic!("{outcome:?}")
        };
        assert_eq!(status, Status::Failed);
        assert!(reason
            .unwrap_or_default()
            .contains("did not finish before the Lambda function's deadline"));
    }
}
