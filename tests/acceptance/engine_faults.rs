//! The quickstart with Studio (two user profiles) applied and destroyed through the engine while
//! the emulator throttles 10% of the AWS calls and answers 5% with a 500 or 503 (seeded, see
//! tests/emulator/extensions/faults.py), as a busy AWS account does. For each of five seeds:
//! the apply converges (a first run may stop only because one call's retries were all faulted;
//! the next run, from the ledger it returned, must then converge), nothing is made twice, a
//! drift check finds nothing, and the destroy leaves the emulator's inventory as it was.
//!
//! One test per seed, each with its own emulator, so nextest runs them side by side. Each
//! prints the faults injected, the retries they caused (every faulted answer is retried by the
//! SDK unless it was a call's last attempt: those end the run, and are counted as exhausted),
//! the calls made and the wall time.

use std::collections::BTreeMap;
use std::future::Future;
use std::time::{Duration, Instant};

use acceptance::{Emulator, REGION};
use secure_mlops_core::environment::{self, EnvironmentError, Failed};
use secure_mlops_core::spec::{
    EfsRetention, EnvironmentSpec, NetworkSpec, ProfilePersona, Stage, StorageSpec, StudioSpec,
    UserProfileSpec,
};
use secure_mlops_core::wait::Deadline;
use serde_json::Value;

/// 10% throttled, 5% server errors.
const FAULTS: &str = "throttle:0.1,5xx:0.05";

/// How many more of each kind the quickstart with Studio and two profiles makes, no more, no
/// less: the "nothing made twice" check.
const GROWTH: &[(&str, usize)] = &[
    ("ec2:vpc", 1),
    ("ec2:subnet", 2),
    // The 17 default interface endpoints, the package repository's two, and S3's.
    ("ec2:vpc_endpoint", 20),
    ("ec2:flow_log", 1),
    ("kms:key", 3),
    ("kms:alias", 3),
    ("s3:bucket", 2),
    ("iam:role", 5),
    ("sagemaker:domain", 1),
    ("sagemaker:user_profile", 2),
    ("efs:mount_target", 2),
    ("codeartifact:domain", 1),
    ("codeartifact:repository", 1),
    ("sagemaker:studio_lifecycle_config", 2),
];

/// Error codes the emulator answers faults with (faults.py): a run may stop on one only when
/// the SDK's retries of one call were all faulted.
const FAULT_CODES: &[&str] = &[
    "RequestLimitExceeded",
    "Throttling",
    "SlowDown",
    "TooManyRequestsException",
    "InternalError",
    "InternalFailure",
    "ServiceUnavailable",
    "Unavailable",
];

fn spec() -> EnvironmentSpec {
    let profile = |persona| UserProfileSpec {
        persona,
        sso_user_name: None,
        idle_minutes: None,
        default_lifecycle_config: None,
    };
    EnvironmentSpec {
        name: "faulty".into(),
        stage: Stage::Dev,
        tags: BTreeMap::from([("team".to_string(), "faulty".to_string())]),
        network: NetworkSpec {
            availability_zones: Some(vec![format!("{REGION}a"), format!("{REGION}b")]),
            ..Default::default()
        },
        iam: Default::default(),
        storage: StorageSpec {
            force_destroy: true,
            ..Default::default()
        },
        guardrails: Default::default(),
        studio: StudioSpec {
            enabled: true,
            // The home file system goes with the domain: nothing may be left.
            efs_retention: EfsRetention::Delete,
            user_profiles: BTreeMap::from([
                ("alice".to_string(), profile(ProfilePersona::DATA_SCIENTIST)),
                ("bob".to_string(), profile(ProfilePersona::TEAM_ADMIN)),
            ]),
            ..Default::default()
        },
    }
}

fn deadline() -> Deadline {
    Deadline::after(Duration::from_secs(300))
}

/// What one phase (apply, drift or destroy, with its repeat runs) cost.
#[derive(Debug, Default)]
struct Phase {
    runs: usize,
    /// Calls whose every attempt was faulted (the errors that stopped a run).
    exhausted: usize,
    calls: u64,
    throttles: u64,
    server_errors: u64,
    wall: Duration,
}

impl Phase {
    fn faults(&self) -> u64 {
        self.throttles + self.server_errors
    }

    /// Faulted answers the SDK retried: all but the last attempts of exhausted calls.
    fn retries(&self) -> u64 {
        self.faults().saturating_sub(self.exhausted as u64)
    }

    fn line(&self, what: &str) -> String {
        format!(
            "{what}: {} run(s), {} call(s), {} fault(s) injected ({} throttle, {} 5xx), {} retried, {} exhausted, wall {:.1?}",
            self.runs,
            self.calls,
            self.faults(),
            self.throttles,
            self.server_errors,
            self.retries(),
            self.exhausted,
            self.wall
        )
    }
}

/// Runs `operation` (from the ledger the previous run returned) until it succeeds; a run may
/// fail only on a fault the SDK's retries did not get past, and at most twice.
async fn converge<T, F, Fut>(
    emulator: &Emulator,
    what: &str,
    ledger: secure_mlops_core::engine::Ledger,
    mut operation: F,
) -> (T, Phase)
where
    F: FnMut(secure_mlops_core::engine::Ledger) -> Fut,
    Fut: Future<Output = Result<T, Failed>>,
{
    emulator.reset_stats();
    let started = Instant::now();
    let mut phase = Phase::default();
    let mut ledger = ledger;
    let value = loop {
        phase.runs += 1;
        match operation(ledger).await {
            Ok(value) => break value,
            Err(failed) => {
                let text = failed.to_string();
                let errors = match &failed.error {
                    EnvironmentError::Children(errors) => errors.len(),
                    _ => 1,
                };
                assert!(
                    FAULT_CODES.iter().any(|code| text.contains(code)),
                    "{what} failed on something other than an injected fault: {text}\n{failed:?}"
                );
                assert!(
                    phase.runs < 3,
                    "{what} did not converge in {} runs: {text}",
                    phase.runs
                );
                eprintln!(
                    "{what}: run {} stopped, retries exhausted: {text}",
                    phase.runs
                );
                phase.exhausted += errors;
                ledger = failed.ledger;
            }
        }
    };
    phase.wall = started.elapsed();
    let stats = emulator.stats();
    let n = |v: &Value| v.as_u64().unwrap_or(0);
    phase.calls = n(&stats["total_calls"]);
    phase.throttles = n(&stats["faults"]["throttle"]);
    phase.server_errors = n(&stats["faults"]["5xx"]);
    (value, phase)
}

async fn apply_and_destroy_under_faults(seed: u64) {
    let emulator = Emulator::start();
    emulator.set_config(r#"{"studio_delay_seconds": 0.1}"#);
    let clients = emulator.clients().await;
    let before = emulator.inventory();
    let spec = spec();

    emulator.set_config(&format!(r#"{{"faults": "{FAULTS},seed={seed}"}}"#));
    let ((ledger, _), apply) = converge(&emulator, "apply", Default::default(), |ledger| {
        environment::apply(&clients, &spec, ledger, deadline())
    })
    .await;

    // Nothing made twice: exactly the quickstart's children.
    let after = emulator.inventory();
    let count = |inventory: &Value, kind: &str| inventory[kind].as_array().map_or(0, Vec::len);
    let grown: BTreeMap<&str, usize> = GROWTH
        .iter()
        .map(|(kind, _)| (*kind, count(&after, kind) - count(&before, kind)))
        .collect();
    let expected: BTreeMap<&str, usize> = GROWTH.iter().copied().collect();
    assert_eq!(grown, expected, "seed {seed}: not exactly one of each");

    // What was made matches the spec (read under faults too: a failed read is retried).
    let mut drift_runs = 0;
    let drift = loop {
        drift_runs += 1;
        match environment::drift(&clients, &spec, &ledger).await {
            Ok(drift) => break drift,
            Err(e) if drift_runs < 3 && FAULT_CODES.iter().any(|c| e.to_string().contains(c)) => {
                eprintln!("drift: run {drift_runs} stopped, retries exhausted: {e}");
            }
            Err(e) => panic!("seed {seed}: drift: {e}"),
        }
    };
    assert!(drift.is_empty(), "seed {seed}: drifted: {drift:#?}");

    let (_, destroy) = converge(&emulator, "destroy", ledger, |ledger| {
        environment::destroy(&clients, &spec, ledger, deadline())
    })
    .await;
    emulator.set_config(r#"{"faults": ""}"#);
    assert_eq!(
        emulator.inventory(),
        before,
        "seed {seed}: destroy left something behind"
    );
    eprintln!(
        "FAULTS seed {seed}: {}; {}; drift runs {drift_runs}",
        apply.line("apply"),
        destroy.line("destroy")
    );
}

macro_rules! seeds {
    ($($name:ident = $seed:expr;)*) => {$(
        #[tokio::test(flavor = "multi_thread")]
        async fn $name() {
            apply_and_destroy_under_faults($seed).await;
        }
    )*};
}

seeds! {
    quickstart_with_studio_converges_under_faults_seed_1 = 1;
    quickstart_with_studio_converges_under_faults_seed_2 = 2;
    quickstart_with_studio_converges_under_faults_seed_3 = 3;
    quickstart_with_studio_converges_under_faults_seed_4 = 4;
    quickstart_with_studio_converges_under_faults_seed_5 = 5;
}
