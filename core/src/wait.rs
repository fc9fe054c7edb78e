//! Waiting for AWS to reach a state: backoff, a deadline from the caller, and the reason.
//!
//! Deadlines come from the caller (Terraform's `timeouts`, the Lambda's remaining time), never
//! from constants in here; the constants only shape how often we ask.

use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use tokio::sync::Notify;
use tokio::time::Instant;

/// First pause between two polls.
pub const FIRST_POLL_INTERVAL: Duration = Duration::from_millis(250);
/// Longest pause between two polls.
pub const MAX_POLL_INTERVAL: Duration = Duration::from_secs(10);
/// Growth of the pause after each poll.
pub const BACKOFF_FACTOR: f64 = 1.6;
/// Shortest time between two progress lines (info) of one wait: the first poll that finds the
/// thing pending logs one, then at most one per interval, so a Studio domain's minutes show in
/// Terraform's `TF_LOG=INFO` output without a line per poll.
pub const WAIT_LOG_INTERVAL: Duration = Duration::from_secs(30);
/// Environment variable scaling every pause between polls (default 1). For emulators that
/// compress AWS's time (the project's emulator's latency profile at scale 0.01 makes a 6-minute
/// domain take 4 s): with unscaled pauses a wait would overshoot by up to a pause, which is
/// nothing on AWS and a quarter of the wait there.
pub const POLL_SCALE_VARIABLE: &str = "SECURE_MLOPS_POLL_SCALE";

/// The pause scale, read once.
fn poll_scale() -> f64 {
    static SCALE: OnceLock<f64> = OnceLock::new();
    *SCALE.get_or_init(|| {
        std::env::var(POLL_SCALE_VARIABLE)
            .ok()
            .and_then(|v| v.parse::<f64>().ok())
            .filter(|s| s.is_finite() && *s > 0.0)
            .unwrap_or(1.0)
    })
}

/// How many of the executor's children are waiting (between polls) rather than working. A
/// child waiting for AWS to settle holds no concurrency slot: the executor starts another child
/// in its place, so minutes of waiting on endpoints never delay the work of a longer chain.
#[derive(Debug, Default)]
pub struct Waiters {
    waiting: AtomicUsize,
    changed: Notify,
}

impl Waiters {
    /// Children waiting now.
    pub fn waiting(&self) -> usize {
        self.waiting.load(Ordering::SeqCst)
    }

    /// Resolves when a child starts waiting (a slot may have come free).
    pub async fn changed(&self) {
        self.changed.notified().await;
    }
}

tokio::task_local! {
    static WAITERS: Arc<Waiters>;
    static CHILD: Arc<str>;
}

/// Runs `work` as the work of child `id` (its logical id): the progress lines of its waits
/// name it.
pub async fn in_child<F: Future>(id: &str, work: F) -> F::Output {
    CHILD.scope(Arc::from(id), work).await
}

/// A duration as progress lines show it: `0.4s`, `12.5s`, `2m10s`, `1h05m`.
pub fn human(d: Duration) -> String {
    let secs = d.as_secs();
    if secs < 60 {
        format!("{:.1}s", d.as_secs_f64())
    } else if secs < 3600 {
        format!("{}m{:02}s", secs / 60, secs % 60)
    } else {
        format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60)
    }
}

/// When a wait last wrote a progress line: due at the first pending poll, then once per
/// [`WAIT_LOG_INTERVAL`].
#[derive(Debug, Default)]
struct WaitLog {
    last: Option<Instant>,
}

impl WaitLog {
    fn due(&mut self, now: Instant) -> bool {
        let due = self
            .last
            .is_none_or(|last| now.saturating_duration_since(last) >= WAIT_LOG_INTERVAL);
        if due {
            self.last = Some(now);
        }
        due
    }
}

/// Runs `work` counted in `waiters` while it sleeps between polls.
pub async fn counting_waits<F: Future>(waiters: Arc<Waiters>, work: F) -> F::Output {
    WAITERS.scope(waiters, work).await
}

/// Sleeps for `pause`, counted as waiting when inside [`counting_waits`].
async fn idle(pause: Duration) {
    let waiters = WAITERS.try_with(Arc::clone).ok();
    if let Some(w) = &waiters {
        w.waiting.fetch_add(1, Ordering::SeqCst);
        w.changed.notify_one();
    }
    tokio::time::sleep(pause).await;
    if let Some(w) = &waiters {
        w.waiting.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A point in time an operation must finish by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Deadline(Instant);

impl Deadline {
    /// `budget` from now.
    pub fn after(budget: Duration) -> Self {
        Self(Instant::now() + budget)
    }

    /// Time left, zero when passed.
    pub fn remaining(&self) -> Duration {
        self.0.saturating_duration_since(Instant::now())
    }

    /// True once the deadline has passed.
    pub fn passed(&self) -> bool {
        self.remaining().is_zero()
    }
}

/// One poll's verdict.
#[derive(Debug)]
pub enum Poll<T> {
    /// The wait is over.
    Ready(T),
    /// Not yet; the text says what was seen (kept for the timeout message).
    Pending(String),
}

/// Why a wait ended without success.
#[derive(Debug, thiserror::Error)]
pub enum WaitError<E: std::error::Error + 'static> {
    /// The deadline passed; `last_seen` is what the last poll reported.
    #[error("timed out after {waited:?} waiting for {what} (last seen: {last_seen})")]
    TimedOut {
        /// What was awaited.
        what: String,
        /// How long we waited.
        waited: Duration,
        /// The last pending description.
        last_seen: String,
    },
    /// A poll failed.
    #[error("{0}")]
    Failed(#[source] E),
}

/// Polls `poll` with exponential backoff until it is ready, it fails, or `deadline` passes.
pub async fn poll_until<T, E, F, Fut>(
    what: &str,
    deadline: Deadline,
    mut poll: F,
) -> Result<T, WaitError<E>>
where
    E: std::error::Error + 'static,
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Poll<T>, E>>,
{
    let started = Instant::now();
    let scale = poll_scale();
    let mut interval = FIRST_POLL_INTERVAL.mul_f64(scale);
    let mut progress = WaitLog::default();
    loop {
        let last_seen = match poll().await.map_err(WaitError::Failed)? {
            Poll::Ready(value) => return Ok(value),
            Poll::Pending(seen) => seen,
        };
        let remaining = deadline.remaining();
        if remaining.is_zero() {
            return Err(WaitError::TimedOut {
                what: what.to_string(),
                waited: started.elapsed(),
                last_seen,
            });
        }
        if progress.due(Instant::now()) {
            let waited = human(started.elapsed());
            match CHILD.try_with(Arc::clone) {
                Ok(child) => tracing::info!(child = %child, what, %last_seen, %waited,
                    "{child}: waiting for {what} ({waited})"),
                Err(_) => {
                    tracing::info!(what, %last_seen, %waited, "waiting for {what} ({waited})")
                }
            }
        }
        tracing::debug!(what, %last_seen, ?interval, "waiting");
        idle(interval.min(remaining)).await;
        interval = interval
            .mul_f64(BACKOFF_FACTOR)
            .min(MAX_POLL_INTERVAL.mul_f64(scale));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("boom")]
    struct Boom;

    #[test]
    fn durations_read_as_people_write_them() {
        assert_eq!(human(Duration::from_millis(400)), "0.4s");
        assert_eq!(human(Duration::from_secs(130)), "2m10s");
        assert_eq!(human(Duration::from_secs(3900)), "1h05m");
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_logs_its_progress_at_most_once_per_interval() {
        let mut log = WaitLog::default();
        let start = Instant::now();
        let polls: Vec<bool> = (0..=120)
            .map(|s| log.due(start + Duration::from_secs(s)))
            .collect();
        let logged: Vec<usize> = (0..polls.len()).filter(|&s| polls[s]).collect();
        assert_eq!(logged, vec![0, 30, 60, 90, 120]);
    }

    #[tokio::test(start_paused = true)]
    async fn returns_when_ready() {
        let mut calls = 0;
        let value =
            poll_until::<_, Boom, _, _>("thing", Deadline::after(Duration::from_secs(60)), || {
                calls += 1;
                let ready = calls == 3;
                async move {
                    Ok(if ready {
                        Poll::Ready(7)
                    } else {
                        Poll::Pending("not yet".into())
                    })
                }
            })
            .await
            .unwrap();
        assert_eq!(value, 7);
        assert_eq!(calls, 3);
    }

    #[tokio::test(start_paused = true)]
    async fn times_out_with_the_last_state_seen() {
        let err = poll_until::<(), Boom, _, _>(
            "the share",
            Deadline::after(Duration::from_secs(5)),
            || async { Ok(Poll::Pending("status Pending".into())) },
        )
        .await
        .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("the share"), "{text}");
        assert!(text.contains("status Pending"), "{text}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_poll_ends_the_wait() {
        let err =
            poll_until::<(), Boom, _, _>("x", Deadline::after(Duration::from_secs(5)), || async {
                Err(Boom)
            })
            .await
            .unwrap_err();
        assert!(matches!(err, WaitError::Failed(_)));
    }
}
