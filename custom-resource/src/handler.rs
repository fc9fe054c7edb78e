//! One invocation: parse the event, run the operation under a watchdog, then answer
//! CloudFormation or hand the request to the next invocation.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use secure_mlops_core::aws::{AwsClients, ConnectionSettings};
use serde_json::Value;
use tokio::sync::OnceCell;
use tokio::time::Instant;

use crate::continuation::{Continuation, Invoker, LambdaInvoker};
use crate::request::{Request, RequestKind, CREATE_FAILED_ID, ENVIRONMENT_TYPE, PROJECTS_TYPE};
use crate::response::{Response, ResponseSender, Status};
use crate::store::{Record, SsmStore, StoreError, DEFAULT_PREFIX};
use crate::{environment, projects, properties};

/// CloudFormation's longest wait for a custom resource (and the default `ServiceTimeout`).
pub const CLOUDFORMATION_TIMEOUT: Duration = Duration::from_secs(3600);

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
        s
    }
}

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
}

/// AWS access, made on first use so a connection failure is answered like any other error.
pub(crate) struct Aws {
    pub(crate) clients: AwsClients,
    pub(crate) store: SsmStore,
}

impl Aws {
    /// Records the end of a run under `id`. A later request owning the resource now is the
    /// FAILED answer returned; any other failed write is only logged (`what` says what was
    /// done): the record keeps its in-progress mark, so the next operation adopts what exists.
    pub(crate) async fn record_end(&self, id: &str, record: &Record, what: &str) -> Option<Step> {
        match self.store.save_if_current(id, record).await {
            Ok(()) => None,
            Err(superseded @ StoreError::Superseded(_)) => {
                Some(Step::failed(id, superseded.to_string()))
            }
            Err(why) => {
                tracing::warn!(error = %why, "{what}, but the record could not be written");
                None
            }
        }
    }
}

/// What a run decided.
#[derive(Debug)]
pub(crate) enum Step {
    /// Answer now.
    Answer(Answer),
    /// Record the ledger was done; start the next invocation.
    Continue {
        /// The id to answer FAILED with if the continuation cannot start.
        physical_resource_id: String,
    },
}

/// The answer of a run.
#[derive(Debug)]
pub(crate) struct Answer {
    pub(crate) status: Status,
    pub(crate) physical_resource_id: String,
    pub(crate) reason: Option<String>,
    pub(crate) data: Vec<(String, String)>,
}

impl Step {
    pub(crate) fn success(id: impl Into<String>, data: Vec<(String, String)>) -> Step {
        Step::Answer(Answer {
            status: Status::Success,
            physical_resource_id: id.into(),
            reason: None,
            data,
        })
    }

    pub(crate) fn failed(id: impl Into<String>, reason: impl Into<String>) -> Step {
        Step::Answer(Answer {
            status: Status::Failed,
            physical_resource_id: id.into(),
            reason: Some(reason.into()),
            data: Vec::new(),
        })
    }
}

/// Everything a run needs about its request.
pub(crate) struct Ctx {
    pub(crate) request: Request,
    /// Invocations before this one.
    pub(crate) count: u32,
    /// When the engine must stop.
    pub(crate) work_deadline: Instant,
    /// True when no continuation may start any more (count or time used up).
    pub(crate) last_chance: bool,
    /// Why it is the last chance, for the reason.
    pub(crate) budget_note: String,
    /// The id decided so far, for an answer after a panic or the watchdog.
    pub(crate) claimed: Arc<Mutex<Option<String>>>,
}

impl Ctx {
    /// Records the id the resource has from now on.
    pub(crate) fn claim(&self, id: &str) {
        if let Ok(mut slot) = self.claimed.lock() {
            *slot = Some(id.to_string());
        }
    }

    /// The engine's deadline.
    pub(crate) fn deadline(&self) -> secure_mlops_core::wait::Deadline {
        secure_mlops_core::wait::Deadline::after(
            self.work_deadline.saturating_duration_since(Instant::now()),
        )
    }

    /// Continue when allowed, else FAILED with `reason` and what the budget says.
    pub(crate) fn continue_or_fail(&self, id: &str, reason: &str) -> Step {
        if self.last_chance {
            Step::failed(
                id,
                format!("{reason}. {}; what exists is recorded: update the stack to continue, or delete it to remove what was made", self.budget_note),
            )
        } else {
            Step::Continue {
                physical_resource_id: id.to_string(),
            }
        }
    }

    /// True for the first invocation of a request.
    pub(crate) fn is_first(&self) -> bool {
        self.count == 0
    }

    /// For a continuation: why to stop when a later request has taken the resource over (the
    /// record names another request) or deleted it (no record). `None` on a first invocation.
    pub(crate) fn superseded(&self, prior: Option<&Record>) -> Option<String> {
        if self.is_first() {
            return None;
        }
        match prior {
            Some(r) if r.request_id == self.request.request_id => None,
            Some(r) => Some(format!(
                "superseded: request {} has taken this resource over, so this one stops",
                r.request_id
            )),
            None => Some(
                "superseded: the resource's record is gone (a later request deleted it), so this one stops"
                    .to_string(),
            ),
        }
    }
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
                Ok(Arc::new(Aws { clients, store }))
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
        // The engine stops `margin` before the Lambda deadline; the watchdog half-way through
        // the margin at the latest, so recording and answering always have time.
        let margin = self.settings.margin.min(remaining / 3);
        let reserve = self.settings.answer_reserve.min(margin / 2);
        let answer_by = lambda_deadline.checked_sub(reserve).unwrap_or(now);

        let continuation = Continuation::take_from(&mut payload);
        let request = match Request::parse(&payload) {
            Ok(request) => request,
            Err(e) => {
                let why = e.to_string();
                tracing::error!(error = %why, "unusable event");
                return match Request::salvage(&payload) {
                    Some(request) => {
                        let step = if request.kind == RequestKind::Delete {
                            // Nothing this function made can be named by a broken event.
                            Step::success(
                                request.physical_resource_id.clone().unwrap_or_default(),
                                vec![],
                            )
                        } else {
                            Step::failed(CREATE_FAILED_ID, why)
                        };
                        self.finish(&request, step, &payload, &invocation, 0, 0, lambda_deadline)
                            .await
                    }
                    None => Outcome::Ignored { why },
                };
            }
        };

        let unix_now = started
            .duration_since(UNIX_EPOCH)
            .unwrap_or(Duration::ZERO)
            .as_secs();
        let first_started = continuation.map_or(unix_now, |c| c.started_at);
        let count = continuation.map_or(0, |c| c.count);
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

        // The whole request may run until CloudFormation's ServiceTimeout, less a margin.
        let service_timeout = properties::service_timeout(&request.properties)
            .map(Duration::from_secs)
            .unwrap_or(CLOUDFORMATION_TIMEOUT)
            .min(CLOUDFORMATION_TIMEOUT);
        let elapsed = Duration::from_secs(unix_now.saturating_sub(first_started));
        let budget_left = service_timeout
            .saturating_sub(self.settings.service_timeout_margin)
            .saturating_sub(elapsed);
        let lambda_work_end = lambda_deadline.checked_sub(margin).unwrap_or(now);
        let budget_end = now + budget_left;
        let work_deadline = lambda_work_end.min(budget_end);
        let (last_chance, budget_note) = if count >= self.settings.max_continuations {
            (
                true,
                format!(
                    "Not finished after {} invocation(s) (the limit)",
                    count.saturating_add(1)
                ),
            )
        } else if budget_end <= lambda_work_end {
            (
                true,
                format!(
                    "Not finished within the resource's ServiceTimeout ({} s) after {} invocation(s)",
                    service_timeout.as_secs(),
                    count.saturating_add(1)
                ),
            )
        } else {
            (false, String::new())
        };

        let claimed = Arc::new(Mutex::new(None));
        let ctx = Ctx {
            request: request.clone(),
            count,
            work_deadline,
            last_chance,
            budget_note,
            claimed: claimed.clone(),
        };
        let this = self.clone();
        let mut task = tokio::spawn(async move { this.run(ctx).await });
        let step = match tokio::time::timeout_at(answer_by, &mut task).await {
            Ok(Ok(step)) => step,
            Ok(Err(join)) => {
                let why = if join.is_panic() {
                    format!("internal error: {}", panic_text(join.into_panic()))
                } else {
                    "internal error: the operation was cancelled".to_string()
                };
                tracing::error!(error = %why, "the operation stopped");
                Step::failed(
                    fallback_id(&request, &claimed),
                    format!("{why}. What was made before is recorded or will be adopted by the next operation"),
                )
            }
            Err(_) => {
                task.abort();
                tracing::error!("the operation did not finish before the Lambda deadline");
                Step::failed(
                    fallback_id(&request, &claimed),
                    "the operation did not finish before the Lambda function's deadline and was stopped; raise the function's timeout. What was made is recorded or will be adopted by the next operation",
                )
            }
        };
        self.finish(
            &request,
            step,
            &payload,
            &invocation,
            count,
            first_started,
            lambda_deadline,
        )
        .await
    }

    /// Answers, or starts the continuation (answering FAILED when it cannot start).
    #[allow(clippy::too_many_arguments)]
    async fn finish(
        &self,
        request: &Request,
        step: Step,
        event: &Value,
        invocation: &Invocation,
        count: u32,
        first_started: u64,
        put_deadline: Instant,
    ) -> Outcome {
        let answer = match step {
            Step::Answer(answer) => answer,
            Step::Continue {
                physical_resource_id,
            } => {
                let next = Continuation {
                    count: count.saturating_add(1),
                    started_at: first_started,
                };
                match self
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
                    Err(e) => Answer {
                        status: Status::Failed,
                        physical_resource_id,
                        reason: Some(format!("the operation needs more time than one invocation, and the function could not invoke itself to continue ({e}); grant it lambda:InvokeFunction on itself. What exists is recorded")),
                        data: Vec::new(),
                    },
                }
            }
        };
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
        let known = [ENVIRONMENT_TYPE, PROJECTS_TYPE].contains(&request.resource_type.as_str());
        if !known {
            let why = format!(
                "resource type {:?} is not handled by this function: use {ENVIRONMENT_TYPE} or {PROJECTS_TYPE}",
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
        if request.resource_type == ENVIRONMENT_TYPE {
            environment::run(&aws, &ctx).await
        } else {
            projects::run(&aws, &ctx).await
        }
    }
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
