//! The executor: ordering, bounded concurrency, deadlines and the ledger.

use std::collections::{BTreeMap, BTreeSet};
use std::future::Future;
use std::time::Duration;

use std::sync::Arc;

use futures_util::stream::{FuturesUnordered, StreamExt};
use tokio::time::Instant;

use super::ledger::{Ledger, Record};
use crate::graph::{Graph, Node};
use crate::wait::{counting_waits, human, in_child, Deadline, Waiters};

/// Knows how to ensure and delete the children of one deployment kind.
pub trait ChildDriver<K>: Sync {
    /// What a child operation fails with.
    type Error: std::error::Error + Send + Sync + 'static;

    /// Makes the child exist as `node` describes: look it up by tags or deterministic name and
    /// adopt it, else create it (with a client token where the API takes one); repair settings
    /// that drifted. `inputs` holds every child created so far (this node's dependencies among
    /// them). Must be idempotent: a crash at any point is repaired by calling it again.
    fn ensure<'a>(
        &'a self,
        node: &'a Node<K>,
        inputs: Ledger,
    ) -> impl Future<Output = Result<Record, Self::Error>> + Send + 'a;

    /// How long the child usually takes to create on AWS, waits included: the executor starts
    /// the children on the longest remaining chain first. Zero unless a driver knows better.
    fn expected_duration(&self, _node: &Node<K>) -> Duration {
        Duration::ZERO
    }

    /// The child's kind as progress logs name it (`vpc`, `studio-domain`); `child` unless a
    /// driver knows better.
    fn kind_name(&self, _node: &Node<K>) -> &'static str {
        "child"
    }

    /// How long deleting the recorded child usually takes on AWS, waits included: destroy
    /// starts the children heading the longest chains of deletions first. Zero unless a driver
    /// knows better.
    fn expected_delete_duration(&self, _record: &Record) -> Duration {
        Duration::ZERO
    }

    /// Deletes the child and waits until it is gone. Not-found counts as deleted.
    fn delete<'a>(
        &'a self,
        id: &'a str,
        record: &'a Record,
    ) -> impl Future<Output = Result<(), Self::Error>> + Send + 'a;
}

/// How to run.
#[derive(Debug, Clone, Copy)]
pub struct ExecOptions {
    /// Most children worked on at once (AWS throttles bursts; 1 means sequential).
    pub concurrency: usize,
    /// When the whole run must be over (Terraform `timeouts`, the Lambda's remaining time).
    pub deadline: Deadline,
}

/// What one child operation failed with.
#[derive(Debug, thiserror::Error)]
pub enum ExecError<E: std::error::Error + 'static> {
    /// The driver failed.
    #[error("{id}: {source}")]
    Child {
        /// The child's logical id.
        id: String,
        /// The driver's error.
        #[source]
        source: E,
    },
    /// The deadline passed while the child was being worked on.
    #[error(
        "{id}: not finished when the deadline passed (after {after:?}); run again to continue"
    )]
    TimedOut {
        /// The child's logical id.
        id: String,
        /// How long it ran.
        after: Duration,
    },
}

/// How a run went, for logs and benchmarks.
#[derive(Debug, Clone, Default)]
pub struct ExecReport {
    /// Wall time of the whole run.
    pub wall: Duration,
    /// Sum of the individual child operation times: compared with `wall` it shows what the
    /// concurrency bought.
    pub child_time_sum: Duration,
    /// Child operations run.
    pub operations: usize,
    /// When each child operation started and finished, since the run began, by logical id.
    pub timeline: Vec<ChildTiming>,
}

/// When one child operation ran, measured from the start of its run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChildTiming {
    /// The child's logical id.
    pub id: String,
    /// When it started.
    pub started: Duration,
    /// When it finished.
    pub finished: Duration,
}

/// A run that stopped on errors: what exists now, and why.
#[derive(Debug, thiserror::Error)]
#[error("{} child operation(s) failed: {}", errors.len(), errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
pub struct ExecFailure<E: std::error::Error + 'static> {
    /// Every child that exists after the run, including those created before the failure.
    pub ledger: Ledger,
    /// Every failure (others in flight were allowed to finish and are recorded).
    pub errors: Vec<ExecError<E>>,
    /// Timings up to the stop.
    pub report: ExecReport,
}

/// Ensures every node of `graph`, dependencies first, independent ones concurrently; then
/// deletes the children in `ledger` that are no longer in the graph (reverse dependency order).
/// On a failure no new child is started, those in flight finish and are recorded, and the
/// ledger is returned with the errors.
pub async fn apply<K, D>(
    graph: &Graph<K>,
    driver: &D,
    mut ledger: Ledger,
    options: ExecOptions,
) -> Result<(Ledger, ExecReport), ExecFailure<D::Error>>
where
    K: Sync,
    D: ChildDriver<K>,
{
    let started_at = Instant::now();
    let mut report = ExecReport::default();
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut started: BTreeSet<&str> = BTreeSet::new();
    let mut errors = Vec::new();
    let mut running = FuturesUnordered::new();
    let order = by_criticality(graph, driver);
    let limit = options.concurrency.max(1);
    let waiters = Arc::new(Waiters::default());

    loop {
        if errors.is_empty() {
            for node in &order {
                if !slot_free(&running, &waiters, limit) {
                    break;
                }
                let ready = !started.contains(node.id.as_str())
                    && node.depends_on.iter().all(|d| done.contains(d.as_str()));
                if ready {
                    started.insert(node.id.as_str());
                    let kind = driver.kind_name(node);
                    tracing::info!(child = %node.id, kind, "{} ({kind}): applying", node.id);
                    let work = in_child(&node.id, driver.ensure(node, ledger.clone()));
                    let work = counting_waits(waiters.clone(), work);
                    running.push(timed(node.id.as_str(), options.deadline, work));
                }
            }
        }
        let Some(finished) = next_finished(&mut running, &waiters).await else {
            continue;
        };
        let Some((id, elapsed, outcome)) = finished else {
            break;
        };
        let kind = graph.get(id).map_or("child", |node| driver.kind_name(node));
        let done_as = Done {
            id,
            kind,
            verb: "applied",
            elapsed,
        };
        if let Some(mut record) = settle(&mut report, &mut errors, done_as, outcome, started_at) {
            if let Some(node) = graph.get(id) {
                record.depends_on = node.depends_on.clone();
            }
            tracing::debug!(child = id, physical_id = %record.physical_id, ?elapsed, "child ensured");
            ledger.insert(id, record);
            done.insert(id);
        }
    }
    report.wall = started_at.elapsed();
    if !errors.is_empty() {
        return Err(ExecFailure {
            ledger,
            errors,
            report,
        });
    }

    let leftovers: Vec<String> = ledger
        .iter()
        .filter(|(id, _)| !graph.contains(id))
        .map(|(id, _)| id.clone())
        .collect();
    if leftovers.is_empty() {
        return Ok((ledger, report));
    }
    let mut gone = Ledger::default();
    for id in &leftovers {
        if let Some(record) = ledger.remove(id) {
            gone.insert(id.clone(), record);
        }
    }
    match destroy(driver, gone, options).await {
        Ok(delete_report) => {
            report.operations += delete_report.operations;
            report.child_time_sum += delete_report.child_time_sum;
            let offset = started_at.elapsed().saturating_sub(delete_report.wall);
            report
                .timeline
                .extend(delete_report.timeline.into_iter().map(|t| ChildTiming {
                    started: t.started + offset,
                    finished: t.finished + offset,
                    ..t
                }));
            report.wall = started_at.elapsed();
            Ok((ledger, report))
        }
        Err(failure) => {
            for (id, record) in failure.ledger.iter() {
                ledger.insert(id.clone(), record.clone());
            }
            report.wall = started_at.elapsed();
            Err(ExecFailure {
                ledger,
                errors: failure.errors,
                report,
            })
        }
    }
}

/// Deletes every child in `ledger`, dependents before what they depend on, independent ones
/// concurrently. Returns what is left on failure.
pub async fn destroy<K, D>(
    driver: &D,
    mut ledger: Ledger,
    options: ExecOptions,
) -> Result<ExecReport, ExecFailure<D::Error>>
where
    D: ChildDriver<K>,
{
    let started_at = Instant::now();
    let mut report = ExecReport::default();
    let mut errors = Vec::new();
    let snapshot = ledger.clone();
    let order = by_delete_criticality(&snapshot, driver);
    let mut started: BTreeSet<&str> = BTreeSet::new();
    let mut running = FuturesUnordered::new();
    let limit = options.concurrency.max(1);
    let waiters = Arc::new(Waiters::default());

    loop {
        if errors.is_empty() {
            for &(id, record) in &order {
                if !slot_free(&running, &waiters, limit) {
                    break;
                }
                // Deletable once nothing still recorded depends on it.
                let needed = ledger
                    .iter()
                    .any(|(other, r)| other != id && r.depends_on.iter().any(|d| d == id));
                if !needed && !started.contains(id.as_str()) {
                    started.insert(id.as_str());
                    let kind = &record.kind;
                    tracing::info!(child = %id, %kind, "{id} ({kind}): deleting");
                    let work = in_child(id, driver.delete(id, record));
                    let work = counting_waits(waiters.clone(), work);
                    running.push(timed(id.as_str(), options.deadline, work));
                }
            }
        }
        let Some(finished) = next_finished(&mut running, &waiters).await else {
            continue;
        };
        let Some((id, elapsed, outcome)) = finished else {
            break;
        };
        let kind = snapshot.get(id).map(|r| r.kind.to_string());
        let done_as = Done {
            id,
            kind: kind.as_deref().unwrap_or("child"),
            verb: "deleted",
            elapsed,
        };
        if settle(&mut report, &mut errors, done_as, outcome, started_at).is_some() {
            tracing::debug!(child = id, ?elapsed, "child deleted");
            ledger.remove(id);
        }
    }
    report.wall = started_at.elapsed();
    if errors.is_empty() {
        Ok(report)
    } else {
        Err(ExecFailure {
            ledger,
            errors,
            report,
        })
    }
}

/// The graph's nodes, those heading the longest chains of expected work first (ties in
/// creation order): when slots are scarce, the chain that decides the run's length goes first.
fn by_criticality<'g, K, D: ChildDriver<K>>(graph: &'g Graph<K>, driver: &D) -> Vec<&'g Node<K>> {
    let ranks = graph.critical_ranks(|node| driver.expected_duration(node));
    let mut order = graph.creation_order();
    // A stable sort keeps creation order among equals.
    order.sort_by_key(|node| std::cmp::Reverse(ranks.get(node.id.as_str()).copied()));
    order
}

/// The ledger's children, those heading the longest chains of expected deletion work first (a
/// child's chain: its own deletion, then the longest chain of what it depended on, which can
/// only go after it); ties in the ledger's order. A Studio domain's minutes of deletion then
/// start before a slot goes to a bucket.
fn by_delete_criticality<'l, K, D: ChildDriver<K>>(
    ledger: &'l Ledger,
    driver: &D,
) -> Vec<(&'l String, &'l Record)> {
    fn rank<'l, K, D: ChildDriver<K>>(
        id: &'l str,
        ledger: &'l Ledger,
        driver: &D,
        ranks: &mut BTreeMap<&'l str, Duration>,
        visiting: &mut BTreeSet<&'l str>,
    ) -> Duration {
        if let Some(rank) = ranks.get(id) {
            return *rank;
        }
        let Some(record) = ledger.get(id) else {
            return Duration::ZERO;
        };
        // A ledger written from a graph has no cycle; a hand-edited one must not loop forever.
        if !visiting.insert(id) {
            return Duration::ZERO;
        }
        let after = record
            .depends_on
            .iter()
            .map(|d| rank(d, ledger, driver, ranks, visiting))
            .max()
            .unwrap_or_default();
        let own = driver.expected_delete_duration(record) + after;
        ranks.insert(id, own);
        own
    }
    let mut ranks = BTreeMap::new();
    let mut visiting = BTreeSet::new();
    for (id, _) in ledger.iter() {
        rank(id, ledger, driver, &mut ranks, &mut visiting);
    }
    let mut order: Vec<(&String, &Record)> = ledger.iter().collect();
    // A stable sort keeps the ledger's order among equals.
    order.sort_by_key(|(id, _)| std::cmp::Reverse(ranks.get(id.as_str()).copied()));
    order
}

/// True while fewer than `limit` children are working (those waiting between polls do not
/// count).
fn slot_free<F>(running: &FuturesUnordered<F>, waiters: &Waiters, limit: usize) -> bool {
    running.len().saturating_sub(waiters.waiting()) < limit
}

/// The next child to finish (`Some(None)` when none is running), or `None` when a running child
/// started waiting first and a slot may be free.
async fn next_finished<F: Future>(
    running: &mut FuturesUnordered<F>,
    waiters: &Waiters,
) -> Option<Option<F::Output>> {
    if running.is_empty() {
        return Some(None);
    }
    tokio::select! {
        biased;
        finished = running.next() => Some(finished),
        () = waiters.changed() => None,
    }
}

/// One finished child operation, as the progress log names it.
struct Done<'a> {
    id: &'a str,
    kind: &'a str,
    /// `applied` or `deleted`.
    verb: &'a str,
    elapsed: Duration,
}

/// Accounts one finished child operation: its time in the report, its failure (or timeout) in
/// `errors`; the value on success. Logs how it ended (info; a failure at warn).
fn settle<T, E: std::error::Error + 'static>(
    report: &mut ExecReport,
    errors: &mut Vec<ExecError<E>>,
    done: Done<'_>,
    outcome: Option<Result<T, E>>,
    run_started: Instant,
) -> Option<T> {
    let Done {
        id,
        kind,
        verb,
        elapsed,
    } = done;
    let took = human(elapsed);
    report.operations += 1;
    report.child_time_sum += elapsed;
    let finished = run_started.elapsed();
    report.timeline.push(ChildTiming {
        id: id.to_string(),
        started: finished.saturating_sub(elapsed),
        finished,
    });
    match outcome {
        Some(Ok(value)) => {
            tracing::info!(child = id, kind, elapsed = %took, "{id} ({kind}): {verb} in {took}");
            Some(value)
        }
        Some(Err(source)) => {
            tracing::warn!(child = id, kind, elapsed = %took, error = %source, "{id} ({kind}): failed after {took}");
            errors.push(ExecError::Child {
                id: id.to_string(),
                source,
            });
            None
        }
        None => {
            tracing::warn!(child = id, kind, elapsed = %took, "{id} ({kind}): not finished when the deadline passed ({took})");
            errors.push(ExecError::TimedOut {
                id: id.to_string(),
                after: elapsed,
            });
            None
        }
    }
}

/// Runs `work` until the deadline; returns the id, the time taken and `None` on timeout.
async fn timed<'a, T>(
    id: &'a str,
    deadline: Deadline,
    work: impl Future<Output = T> + 'a,
) -> (&'a str, Duration, Option<T>) {
    let start = Instant::now();
    let outcome = tokio::time::timeout(deadline.remaining(), work).await.ok();
    (id, start.elapsed(), outcome)
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap, HashSet};
    use std::sync::Mutex;

    use super::*;
    use crate::graph::GraphError;

    #[derive(Debug, thiserror::Error)]
    #[error("injected failure")]
    struct Injected;

    /// A driver that takes a set time per child and remembers when each step started.
    #[derive(Default)]
    struct FakeDriver {
        took: HashMap<&'static str, u64>,
        fail: HashSet<&'static str>,
        started: Mutex<Vec<(String, Duration)>>,
        deleted: Mutex<Vec<String>>,
        origin: Option<Instant>,
        /// Children that wait for AWS (poll) instead of working for their time.
        waits: HashSet<&'static str>,
        /// Tell the executor each child's time, so it orders by critical path.
        prioritise: bool,
    }

    impl FakeDriver {
        fn new(took: &[(&'static str, u64)]) -> Self {
            FakeDriver {
                took: took.iter().copied().collect(),
                origin: Some(Instant::now()),
                ..Default::default()
            }
        }
        fn start_of(&self, id: &str) -> Duration {
            self.started
                .lock()
                .unwrap()
                .iter()
                .find(|(s, _)| s == id)
                .map(|(_, t)| *t)
                .unwrap()
        }
    }

    impl ChildDriver<()> for FakeDriver {
        type Error = Injected;

        async fn ensure(&self, node: &Node<()>, inputs: Ledger) -> Result<Record, Injected> {
            for dep in &node.depends_on {
                assert!(
                    inputs.get(dep).is_some(),
                    "{} started before {dep}",
                    node.id
                );
            }
            let at = self.origin.map(|o| o.elapsed()).unwrap_or_default();
            self.started.lock().unwrap().push((node.id.clone(), at));
            let secs = self.took.get(node.id.as_str()).copied().unwrap_or(1);
            if self.waits.contains(node.id.as_str()) {
                let until = Instant::now() + Duration::from_secs(secs);
                let deadline = Deadline::after(Duration::from_secs(3600));
                crate::wait::poll_until::<_, Injected, _, _>("settled", deadline, || async move {
                    Ok(if Instant::now() >= until {
                        crate::wait::Poll::Ready(())
                    } else {
                        crate::wait::Poll::Pending("settling".into())
                    })
                })
                .await
                .map_err(|_| Injected)?;
            } else {
                tokio::time::sleep(Duration::from_secs(secs)).await;
            }
            if self.fail.contains(node.id.as_str()) {
                return Err(Injected);
            }
            Ok(Record {
                kind: "fake".to_string().into(),
                physical_id: format!("phys-{}", node.id),
                arn: None,
                attributes: BTreeMap::new(),
                depends_on: vec![],
            })
        }

        fn expected_duration(&self, node: &Node<()>) -> Duration {
            let secs = self.took.get(node.id.as_str()).copied().unwrap_or(1);
            Duration::from_secs(if self.prioritise { secs } else { 0 })
        }

        fn expected_delete_duration(&self, record: &Record) -> Duration {
            let id = record.physical_id.trim_start_matches("phys-");
            self.expected_duration(&node(id, &[]))
        }

        async fn delete(&self, id: &str, _record: &Record) -> Result<(), Injected> {
            tokio::time::sleep(Duration::from_secs(1)).await;
            if self.fail.contains(id) {
                return Err(Injected);
            }
            self.deleted.lock().unwrap().push(id.to_string());
            Ok(())
        }
    }

    fn node(id: &str, deps: &[&str]) -> Node<()> {
        Node {
            id: id.into(),
            kind: (),
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
        }
    }

    fn graph(nodes: Vec<Node<()>>) -> Graph<()> {
        Graph::new(nodes).unwrap_or_else(|e: GraphError| panic!("{e}"))
    }

    fn options(concurrency: usize) -> ExecOptions {
        ExecOptions {
            concurrency,
            deadline: Deadline::after(Duration::from_secs(3600)),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn independent_children_run_concurrently_up_to_the_limit() {
        let g = graph(vec![
            node("a", &[]),
            node("b", &[]),
            node("c", &[]),
            node("d", &[]),
        ]);
        let driver = FakeDriver::new(&[("a", 10), ("b", 10), ("c", 10), ("d", 10)]);
        let (ledger, report) = apply(&g, &driver, Ledger::default(), options(4))
            .await
            .unwrap();
        assert_eq!(ledger.len(), 4);
        assert_eq!(report.wall, Duration::from_secs(10));
        assert_eq!(report.child_time_sum, Duration::from_secs(40));

        let driver = FakeDriver::new(&[("a", 10), ("b", 10), ("c", 10), ("d", 10)]);
        let (_, report) = apply(&g, &driver, Ledger::default(), options(2))
            .await
            .unwrap();
        assert_eq!(report.wall, Duration::from_secs(20));
    }

    #[tokio::test(start_paused = true)]
    async fn children_waiting_for_aws_hold_no_slot() {
        let g = graph(vec![
            node("endpoint-1", &[]),
            node("endpoint-2", &[]),
            node("endpoint-3", &[]),
            node("work", &[]),
        ]);
        let mut driver = FakeDriver::new(&[
            ("endpoint-1", 100),
            ("endpoint-2", 100),
            ("endpoint-3", 100),
            ("work", 10),
        ]);
        driver.waits = ["endpoint-1", "endpoint-2", "endpoint-3"].into();
        let (ledger, report) = apply(&g, &driver, Ledger::default(), options(1))
            .await
            .unwrap();
        assert_eq!(ledger.len(), 4);
        // One slot: sequential work would take 310 s. The waits overlap each other and the work.
        assert!(report.wall < Duration::from_secs(120), "{:?}", report.wall);
        assert!(driver.start_of("work") < Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn the_longest_chain_starts_first() {
        let g = graph(vec![
            node("short", &[]),
            node("head", &[]),
            node("tail", &["head"]),
        ]);
        let mut driver = FakeDriver::new(&[("short", 10), ("head", 1), ("tail", 30)]);
        driver.prioritise = true;
        let (_, report) = apply(&g, &driver, Ledger::default(), options(1))
            .await
            .unwrap();
        assert_eq!(driver.start_of("head"), Duration::ZERO);
        assert_eq!(driver.start_of("tail"), Duration::from_secs(1));
        assert_eq!(report.wall, Duration::from_secs(41));
    }

    #[tokio::test(start_paused = true)]
    async fn dependents_start_as_soon_as_their_own_inputs_exist() {
        let g = graph(vec![
            node("vpc", &[]),
            node("subnet", &["vpc"]),
            node("sg", &["vpc"]),
            node("endpoint-sg-only", &["sg"]),
        ]);
        let driver = FakeDriver::new(&[
            ("vpc", 1),
            ("subnet", 30),
            ("sg", 2),
            ("endpoint-sg-only", 1),
        ]);
        let (_, report) = apply(&g, &driver, Ledger::default(), options(8))
            .await
            .unwrap();
        assert_eq!(driver.start_of("subnet"), Duration::from_secs(1));
        assert_eq!(
            driver.start_of("endpoint-sg-only"),
            Duration::from_secs(3),
            "does not wait for the subnet"
        );
        assert_eq!(report.wall, Duration::from_secs(31));
    }

    #[tokio::test(start_paused = true)]
    async fn a_failure_keeps_what_exists_and_starts_nothing_new() {
        let g = graph(vec![
            node("a", &[]),
            node("b", &["a"]),
            node("slow", &[]),
            node("after-b", &["b"]),
        ]);
        let mut driver = FakeDriver::new(&[("a", 1), ("b", 1), ("slow", 10), ("after-b", 1)]);
        driver.fail.insert("b");
        let failure = apply(&g, &driver, Ledger::default(), options(8))
            .await
            .unwrap_err();
        assert_eq!(failure.errors.len(), 1);
        assert!(
            failure.to_string().contains("b: injected failure"),
            "{failure}"
        );
        // `slow` was in flight when `b` failed: it finished and is recorded, so nothing leaks.
        let recorded: Vec<&String> = failure.ledger.iter().map(|(id, _)| id).collect();
        assert_eq!(recorded, vec!["a", "slow"]);
        assert!(driver
            .started
            .lock()
            .unwrap()
            .iter()
            .all(|(id, _)| id != "after-b"));

        // Running again from the ledger converges.
        driver.fail.clear();
        let (ledger, _) = apply(&g, &driver, failure.ledger, options(8))
            .await
            .unwrap();
        assert_eq!(ledger.len(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn the_deadline_stops_a_child_and_names_it() {
        let g = graph(vec![node("domain", &[])]);
        let driver = FakeDriver::new(&[("domain", 100)]);
        let opts = ExecOptions {
            concurrency: 1,
            deadline: Deadline::after(Duration::from_secs(10)),
        };
        let failure = apply(&g, &driver, Ledger::default(), opts)
            .await
            .unwrap_err();
        assert!(matches!(&failure.errors[0], ExecError::TimedOut { id, .. } if id == "domain"));
    }

    #[tokio::test(start_paused = true)]
    async fn destroy_deletes_dependents_first_and_empties_the_ledger() {
        let g = graph(vec![
            node("vpc", &[]),
            node("subnet", &["vpc"]),
            node("endpoint", &["subnet"]),
            node("bucket", &[]),
        ]);
        let driver = FakeDriver::new(&[]);
        let (ledger, _) = apply(&g, &driver, Ledger::default(), options(8))
            .await
            .unwrap();
        destroy(&driver, ledger, options(8)).await.unwrap();
        let deleted = driver.deleted.lock().unwrap().clone();
        let pos = |id: &str| deleted.iter().position(|d| d == id).unwrap();
        assert!(
            pos("endpoint") < pos("subnet") && pos("subnet") < pos("vpc"),
            "{deleted:?}"
        );
        assert_eq!(deleted.len(), 4);
    }

    #[tokio::test(start_paused = true)]
    async fn destroy_starts_the_longest_chain_of_deletions_first() {
        let g = graph(vec![
            node("a-bucket", &[]),
            node("domain", &[]),
            node("profile", &["domain"]),
        ]);
        let mut driver = FakeDriver::new(&[("a-bucket", 1), ("domain", 300), ("profile", 60)]);
        let (ledger, _) = apply(&g, &driver, Ledger::default(), options(8))
            .await
            .unwrap();
        driver.prioritise = true;
        destroy(&driver, ledger, options(1)).await.unwrap();
        let deleted = driver.deleted.lock().unwrap().clone();
        // In the ledger's (alphabetical) order the bucket would take the one slot first.
        assert_eq!(deleted, vec!["profile", "domain", "a-bucket"]);
    }

    #[tokio::test(start_paused = true)]
    async fn children_that_left_the_graph_are_deleted_on_apply() {
        let before = graph(vec![node("vpc", &[]), node("endpoint-sts", &["vpc"])]);
        let after = graph(vec![node("vpc", &[])]);
        let driver = FakeDriver::new(&[]);
        let (ledger, _) = apply(&before, &driver, Ledger::default(), options(8))
            .await
            .unwrap();
        let (ledger, _) = apply(&after, &driver, ledger, options(8)).await.unwrap();
        assert!(ledger.get("endpoint-sts").is_none());
        assert_eq!(driver.deleted.lock().unwrap().clone(), vec!["endpoint-sts"]);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_delete_leaves_it_and_what_it_needs_in_the_ledger() {
        let g = graph(vec![node("vpc", &[]), node("subnet", &["vpc"])]);
        let mut driver = FakeDriver::new(&[]);
        let (ledger, _) = apply(&g, &driver, Ledger::default(), options(8))
            .await
            .unwrap();
        driver.fail.insert("subnet");
        let failure = destroy(&driver, ledger, options(8)).await.unwrap_err();
        assert!(failure.ledger.get("subnet").is_some());
        assert!(
            failure.ledger.get("vpc").is_some(),
            "the VPC is still needed by the subnet"
        );
    }
}
