//! The contract between the handler and the operations ([`environment`](crate::environment),
//! [`projects`](crate::projects), [`mlops_templates`](crate::mlops_templates)): what a run gets ([`Aws`], [`Ctx`]) and what it decides
//! ([`Step`]). The handler builds the context and acts on the step; an operation never answers
//! CloudFormation or starts an invocation itself.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex};

use secure_mlops_core::aws::AwsClients;
use secure_mlops_core::children::error::ChildError;
use secure_mlops_core::engine::{ExecError, Ledger};
use secure_mlops_core::wait::WaitError;
use tokio::time::Instant;

use crate::request::Request;
use crate::response::Status;
use crate::store::{Record, SsmStore, StoreError};

/// AWS access, made on first use so a connection failure is answered like any other error.
pub(crate) struct Aws {
    pub(crate) clients: AwsClients,
    pub(crate) store: SsmStore,
    /// The permissions boundary for environments whose properties name none
    /// ([`Settings::permissions_boundary_arn`](crate::settings::Settings)).
    pub(crate) permissions_boundary_arn: Option<String>,
    /// Roles environments may bring without tagging them for the environment
    /// ([`Settings::existing_role_name_pattern`](crate::settings::Settings)).
    pub(crate) existing_role_name_pattern: Option<String>,
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

/// True when every child error is the deadline's doing (the engine stops children at its
/// deadline, and a waiter inside a child gives up at it): running again continues the work.
pub(crate) fn all_timed_out(errors: &[ExecError<ChildError>]) -> bool {
    !errors.is_empty()
        && errors.iter().all(|e| {
            matches!(
                e,
                ExecError::TimedOut { .. }
                    | ExecError::Child {
                        source: ChildError::Wait(WaitError::TimedOut { .. }),
                        ..
                    }
            )
        })
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

impl Answer {
    pub(crate) fn success(id: impl Into<String>, data: Vec<(String, String)>) -> Answer {
        Answer {
            status: Status::Success,
            physical_resource_id: id.into(),
            reason: None,
            data,
        }
    }

    pub(crate) fn failed(id: impl Into<String>, reason: impl Into<String>) -> Answer {
        Answer {
            status: Status::Failed,
            physical_resource_id: id.into(),
            reason: Some(reason.into()),
            data: Vec::new(),
        }
    }
}

impl Step {
    pub(crate) fn success(id: impl Into<String>, data: Vec<(String, String)>) -> Step {
        Step::Answer(Answer::success(id, data))
    }

    pub(crate) fn failed(id: impl Into<String>, reason: impl Into<String>) -> Step {
        Step::Answer(Answer::failed(id, reason))
    }
}

/// A value an operation goes on with, or the [`Step`] that ends it early (a refusal, a
/// superseded continuation, nothing to do), so its steps can use `?`.
pub(crate) type Early<T> = Result<T, Step>;

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

    /// A record of this request's resource, marked in progress, with the event's properties:
    /// an environment's `ledger` or the `principals` a projects enablement associated.
    pub(crate) fn new_record(&self, ledger: Ledger, principals: BTreeSet<String>) -> Record {
        Record {
            version: Record::VERSION,
            resource_type: self.request.resource_type.clone(),
            stack_id: self.request.stack_id.clone(),
            logical_resource_id: self.request.logical_resource_id.clone(),
            request_id: self.request.request_id.clone(),
            in_progress: true,
            properties: self.request.properties.clone(),
            ledger,
            principals,
        }
    }
}
