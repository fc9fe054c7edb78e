//! The engine's benchmarks against the emulator, printed as ratios and written as JSON
//! (`cargo run -p acceptance --example bench -- <out.json>`; `make bench` runs it).
//!
//! 1. Apply and destroy against the critical path, under the emulator's `aws` latency profile
//!    (AWS-like settle times, scaled): the quickstart with Studio and two profiles, and the same
//!    with NAT over three zones. The lower bound is the longest chain of settle times the graph
//!    forces, computed from the emulator's own profile; the ratio is wall / bound.
//! 2. A no-change `terraform plan` of 1 environment and of 20 (`for_each`), with AWS-like
//!    per-call latency: wall time, AWS calls per child on refresh, and the 20/1 ratio.
//! 3. The provider process: peak RSS during the 20-environment apply, and start to first
//!    response (the plugin handshake line).
//! 4. The audit (`data "sagemaker_environment_audit"`) of an environment whose execution role
//!    ran 500 training jobs: wall time with the emulator's own cost per call, and with AWS-like
//!    call latency (50-200 ms a call).
//!
//! 5. The security response's handler (`response::respond`, in process) on a CloudTrail event
//!    for a training job outside the environment's network, with AWS-like call latency: the
//!    time from the event reaching the function to the job stopped and tagged (the median and
//!    the slowest of 20), and 20 such events handled at once.
//!
//! Each number is a measurement, never a pass/fail: the goals are printed beside them.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use acceptance::{provider_dir, Emulator, Workdir, REGION};
use secure_mlops_core::audit;
use secure_mlops_core::engine::{ExecReport, Ledger};
use secure_mlops_core::environment;
use secure_mlops_core::graph::environment::{environment_graph, Child};
use secure_mlops_core::graph::{Graph, Node};
use secure_mlops_core::spec::{
    EnvironmentSpec, NetworkSpec, ProfilePersona, Stage, StorageSpec, UserProfileSpec,
};
use secure_mlops_core::wait::Deadline;
use serde_json::{json, Value};

/// Emulator seconds per AWS second for settle times, unless BENCH_LATENCY_SCALE says otherwise.
/// At 0.05 a Studio domain's 6.5 minutes take 19.5 s. A smaller scale shrinks AWS's time but not
/// the emulator's own cost per call (a few ms, ~1.3 s along the critical chain of ~20 calls), so
/// at 0.01 that fixed cost is over a quarter of the bound and the ratio measures the emulator;
/// on AWS a call costs 50-200 ms against minutes of settling.
const DEFAULT_SCALE: f64 = 0.05;

fn scale() -> f64 {
    std::env::var("BENCH_LATENCY_SCALE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(DEFAULT_SCALE)
}

fn spec(name: &str, nat: bool, zones: &[&str]) -> EnvironmentSpec {
    let mut spec = EnvironmentSpec::named(name, Stage::Dev);
    spec.network = NetworkSpec {
        availability_zones: Some(zones.iter().map(|z| format!("{REGION}{z}")).collect()),
        create_nat_gateways: nat,
        ..Default::default()
    };
    spec.storage = StorageSpec {
        force_destroy: true,
        ..Default::default()
    };
    spec.studio.enabled = true;
    for (user, persona) in [
        ("alice", ProfilePersona::DATA_SCIENTIST),
        ("bob", ProfilePersona::TEAM_ADMIN),
    ] {
        spec.studio.user_profiles.insert(
            user.into(),
            UserProfileSpec {
                persona,
                sso_user_name: None,
                idle_minutes: None,
                default_lifecycle_config: None,
            },
        );
    }
    spec
}

/// What the emulator's profile makes each kind wait, in emulator seconds.
fn settle(profile: &Value, key: &str) -> Duration {
    Duration::from_secs_f64(profile["settle_seconds"][key].as_f64().unwrap_or(0.0))
}

fn create_weight(profile: &Value, node: &Node<Child>) -> Duration {
    match &node.kind {
        Child::StudioDomain(_) => settle(profile, "sagemaker:domain:create"),
        Child::StudioUserProfile(_) => settle(profile, "sagemaker:user_profile:create"),
        Child::NatGateway(_) => settle(profile, "ec2:nat_gateway:create"),
        Child::InterfaceEndpoint(_) => settle(profile, "ec2:vpc_endpoint:create"),
        Child::Role(_) => settle(profile, "iam:role:propagation"),
        _ => Duration::ZERO,
    }
}

fn delete_weight(profile: &Value, node: &Node<Child>) -> Duration {
    match &node.kind {
        // Deleting a domain waits for it, then for its mount targets to go.
        Child::StudioDomain(_) => {
            settle(profile, "sagemaker:domain:delete") + settle(profile, "efs:mount_target:delete")
        }
        Child::StudioUserProfile(_) => settle(profile, "sagemaker:user_profile:delete"),
        Child::NatGateway(_) => settle(profile, "ec2:nat_gateway:delete"),
        Child::InterfaceEndpoint(_) => settle(profile, "ec2:vpc_endpoint:delete"),
        _ => Duration::ZERO,
    }
}

/// The longest chain and its length: ranks from `critical_ranks`, followed from the top.
fn critical_chain(
    graph: &Graph<Child>,
    weight: impl Fn(&Node<Child>) -> Duration,
) -> (Duration, Vec<String>) {
    let ranks = graph.critical_ranks(&weight);
    let top = ranks.iter().max_by_key(|(_, r)| **r);
    let Some((start, bound)) = top else {
        return (Duration::ZERO, Vec::new());
    };
    let mut chain = vec![start.to_string()];
    let mut at = *start;
    while let Some(next) = graph
        .dependents_of(at)
        .into_iter()
        .max_by_key(|d| ranks.get(d).copied().unwrap_or_default())
    {
        chain.push(next.to_string());
        at = next;
    }
    let chain = chain
        .into_iter()
        .filter(|id| graph.get(id).is_some_and(|n| !weight(n).is_zero()) || id == start)
        .collect();
    (*bound, chain)
}

/// The same graph with every edge reversed: deletion order.
fn reversed(graph: &Graph<Child>) -> Graph<Child> {
    let nodes = graph
        .nodes()
        .iter()
        .map(|n| Node {
            id: n.id.clone(),
            kind: n.kind.clone(),
            depends_on: graph
                .dependents_of(&n.id)
                .into_iter()
                .map(str::to_string)
                .collect(),
        })
        .collect();
    Graph::new(nodes).unwrap_or_else(|e| panic!("reversed graph: {e}"))
}

/// How long the domain waited, once its inputs existed, before it started.
fn domain_wait(graph: &Graph<Child>, report: &ExecReport) -> Duration {
    let at = |id: &str| report.timeline.iter().find(|t| t.id == id);
    let Some(domain) = at("studio-domain") else {
        return Duration::ZERO;
    };
    let ready = graph
        .get("studio-domain")
        .map(|n| {
            n.depends_on
                .iter()
                .filter_map(|d| at(d).map(|t| t.finished))
                .max()
                .unwrap_or_default()
        })
        .unwrap_or_default();
    domain.started.saturating_sub(ready)
}

async fn apply_vs_critical_path(name: &str, nat: bool, zones: &[&str]) -> Value {
    let emulator = Emulator::start();
    emulator.set_config(&format!(
        r#"{{"latency_profile": "aws", "latency_scale": {}}}"#,
        scale()
    ));
    let profile: Value = http_get(&format!("{}/_emulator/latency-profile", emulator.endpoint));
    let clients = emulator.clients().await;
    let spec = spec(name, nat, zones);
    let spec = environment::complete(&clients, &spec)
        .await
        .unwrap_or_else(|e| panic!("complete: {e}"));
    let graph = environment_graph(&spec).unwrap_or_else(|e| panic!("graph: {e}"));
    let deadline = Deadline::after(Duration::from_secs(600));
    let (ledger, report) = environment::apply(&clients, &spec, Ledger::default(), deadline)
        .await
        .unwrap_or_else(|e| panic!("apply: {e}"));
    let (bound, chain) = critical_chain(&graph, |n| create_weight(&profile, n));
    let waited = domain_wait(&graph, &report);
    let chain_timeline: Vec<Value> = chain
        .iter()
        .filter_map(|id| report.timeline.iter().find(|t| &t.id == id))
        .map(|t| json!({"id": t.id, "started_s": t.started.as_secs_f64(), "finished_s": t.finished.as_secs_f64()}))
        .collect();
    let destroyed = environment::destroy(&clients, &spec, ledger, deadline)
        .await
        .unwrap_or_else(|e| panic!("destroy: {e}"));
    let reverse = reversed(&graph);
    let (delete_bound, delete_chain) = critical_chain(&reverse, |n| delete_weight(&profile, n));
    json!({
        "scenario": name,
        "children": graph.nodes().len(),
        "apply_wall_s": report.wall.as_secs_f64(),
        "apply_critical_path_s": bound.as_secs_f64(),
        "apply_ratio": report.wall.as_secs_f64() / bound.as_secs_f64().max(1e-9),
        "apply_critical_chain": chain,
        "apply_critical_chain_timeline": chain_timeline,
        "apply_timeline": report.timeline.iter().map(|t| json!([t.id, t.started.as_secs_f64(), t.finished.as_secs_f64()])).collect::<Vec<_>>(),
        "domain_waited_for_a_slot_s": waited.as_secs_f64(),
        "destroy_wall_s": destroyed.report.wall.as_secs_f64(),
        "destroy_critical_path_s": delete_bound.as_secs_f64(),
        "destroy_ratio": destroyed.report.wall.as_secs_f64() / delete_bound.as_secs_f64().max(1e-9),
        "destroy_critical_chain": delete_chain,
        "destroy_timeline": destroyed.report.timeline.iter().map(|t| json!([t.id, t.started.as_secs_f64(), t.finished.as_secs_f64()])).collect::<Vec<_>>(),
    })
}

/// An environment without Studio (the audit and the response read its network, keys and roles;
/// Studio would only add settle time), applied: its id, private subnet, SageMaker security group
/// and execution role.
async fn bare_environment(
    clients: &secure_mlops_core::aws::AwsClients,
    name: &str,
) -> (String, String, String, String) {
    let mut spec = spec(name, false, &["a", "b"]);
    spec.studio.enabled = false;
    spec.studio.user_profiles.clear();
    spec.network.interface_endpoints = Some(["sts".to_string()].into());
    let spec = environment::complete(clients, &spec)
        .await
        .unwrap_or_else(|e| panic!("complete: {e}"));
    let deadline = Deadline::after(Duration::from_secs(600));
    let (ledger, _) = environment::apply(clients, &spec, Ledger::default(), deadline)
        .await
        .unwrap_or_else(|e| panic!("apply: {e}"));
    let env_id = spec.environment_id();
    let physical = |id: &str| {
        ledger
            .get(id)
            .map(|r| r.physical_id.clone())
            .unwrap_or_default()
    };
    let role = format!(
        "arn:aws:iam::{}:role/secure-mlops/{env_id}-execution",
        clients.account_id
    );
    (
        env_id,
        physical("subnet-private-0"),
        physical("security-group-sagemaker"),
        role,
    )
}

/// Jobs the audit benchmark makes.
const AUDIT_JOBS: usize = 500;

/// The audit of an environment whose execution role ran [`AUDIT_JOBS`] training jobs, half of
/// them outside its network.
async fn audit_scaling() -> Value {
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let (env_id, subnet, group, role) = bare_environment(&clients, "bench-audit").await;
    let job = |i: usize| {
        let inside = i.is_multiple_of(2);
        let subnet = if inside {
            subnet.as_str()
        } else {
            "subnet-0outside"
        };
        acceptance::training_job(
            &clients.sagemaker,
            &format!("job-{i:04}"),
            &role,
            Some((subnet, &group)),
            None,
        )
        .send()
    };
    for chunk in (0..AUDIT_JOBS).collect::<Vec<_>>().chunks(50) {
        for result in futures_util::future::join_all(chunk.iter().map(|i| job(*i))).await {
            result.unwrap_or_else(|e| panic!("CreateTrainingJob: {e:?}"));
        }
    }
    let started = Instant::now();
    let local = audit::audit(&clients, &env_id)
        .await
        .unwrap_or_else(|e| panic!("audit: {e}"));
    let local_s = started.elapsed().as_secs_f64();
    assert_eq!(local.workloads_checked, AUDIT_JOBS);
    // Every call 50-200 ms, as on AWS; settle times play no part in reads.
    emulator.set_config(
        r#"{"latency_profile": "aws", "latency_scale": 0.01, "call_latency_scale": 1.0}"#,
    );
    let started = Instant::now();
    let aws_like = audit::audit(&clients, &env_id)
        .await
        .unwrap_or_else(|e| panic!("audit: {e}"));
    let aws_like_s = started.elapsed().as_secs_f64();
    assert_eq!(aws_like.findings, local.findings);
    json!({
        "jobs": AUDIT_JOBS,
        "findings": local.findings.len(),
        "audit_s": local_s,
        "audit_aws_call_latency_s": aws_like_s,
    })
}

/// Events the response benchmark handles.
const RESPONSE_EVENTS: usize = 20;

/// The response handler's latency per event and its throughput, every AWS call 50-200 ms.
async fn response_latency() -> Value {
    use secure_mlops_core::response::{respond, ResponseSettings};
    use secure_mlops_core::spec::ResponseMode;
    let emulator = Emulator::start();
    let clients = emulator.clients().await;
    let (_, _, group, role) = bare_environment(&clients, "bench-resp").await;
    let names: Vec<String> = (0..2 * RESPONSE_EVENTS)
        .map(|i| format!("rogue-{i:03}"))
        .collect();
    for name in &names {
        acceptance::training_job(
            &clients.sagemaker,
            name,
            &role,
            Some(("subnet-0outside", &group)),
            None,
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateTrainingJob: {e:?}"));
    }
    let event = |name: &str| {
        json!({
            "version": "0", "id": name, "detail-type": "AWS API Call via CloudTrail",
            "source": "aws.sagemaker", "account": clients.account_id, "region": REGION,
            "detail": {
                "eventSource": "sagemaker.amazonaws.com", "eventName": "CreateTrainingJob",
                "eventID": name, "userIdentity": {"type": "Root"},
                "requestParameters": {"trainingJobName": name}
            }
        })
    };
    let settings = ResponseSettings {
        mode: ResponseMode::Stop,
        topic_arn: None,
    };
    emulator.set_config(
        r#"{"latency_profile": "aws", "latency_scale": 0.01, "call_latency_scale": 1.0}"#,
    );
    // One at a time: the latency of one event.
    let mut each = Vec::new();
    for name in &names[..RESPONSE_EVENTS] {
        let started = Instant::now();
        let outcome = respond(&clients, &event(name), &settings)
            .await
            .unwrap_or_else(|e| panic!("respond: {e}"));
        each.push(started.elapsed().as_secs_f64());
        assert_eq!(outcome.actions.len(), 1, "{outcome:?}");
    }
    each.sort_by(f64::total_cmp);
    // All at once, as concurrent Lambda invocations would run them.
    let started = Instant::now();
    let outcomes = futures_util::future::join_all(names[RESPONSE_EVENTS..].iter().map(|name| {
        let event = event(name);
        let (clients, settings) = (&clients, &settings);
        async move { respond(clients, &event, settings).await }
    }))
    .await;
    let together = started.elapsed().as_secs_f64();
    for outcome in outcomes {
        let outcome = outcome.unwrap_or_else(|e| panic!("respond: {e}"));
        assert_eq!(outcome.actions.len(), 1, "{outcome:?}");
    }
    json!({
        "events": RESPONSE_EVENTS,
        "event_to_stopped_s_median": each[each.len() / 2],
        "event_to_stopped_s_max": each[each.len() - 1],
        "events_at_once_s": together,
    })
}

fn http_get(url: &str) -> Value {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sys,urllib.request;print(urllib.request.urlopen(sys.argv[1]).read().decode())",
            url,
        ])
        .output()
        .unwrap_or_else(|e| panic!("python3: {e}"));
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{url}: {e}"))
}

fn http_post(url: &str) {
    let status = Command::new("python3")
        .args([
            "-c",
            "import sys,urllib.request;urllib.request.urlopen(urllib.request.Request(sys.argv[1],data=b'',method='POST')).read()",
            url,
        ])
        .status()
        .unwrap_or_else(|e| panic!("python3: {e}"));
    assert!(status.success(), "POST {url}");
}

/// Environments for the plan benchmark: small (no Studio, one endpoint) so 20 apply quickly;
/// refresh reads every child all the same.
fn environments_hcl(count: usize, prefix: &str) -> String {
    let names: Vec<String> = (0..count).map(|i| format!("\"{prefix}{i}\"")).collect();
    format!(
        r#"
terraform {{
  required_providers {{
    sagemaker = {{ source = "secure-mlops/sagemaker" }}
  }}
}}

provider "sagemaker" {{}}

resource "sagemaker_secure_ds_environment" "team" {{
  for_each = toset([{names}])
  name     = each.key
  stage    = "dev"
  network {{
    availability_zones  = ["{REGION}a", "{REGION}b"]
    interface_endpoints = ["sts", "sagemaker.api"]
  }}
  storage {{
    force_destroy = true
  }}
  studio {{
    enabled = false
  }}
}}
"#,
        names = names.join(", ")
    )
}

/// How many children one environment of `environments_hcl` has: the graph of the same spec.
fn plan_environment_children() -> usize {
    let mut spec = EnvironmentSpec::named("solo0", Stage::Dev);
    spec.network = NetworkSpec {
        availability_zones: Some(vec![format!("{REGION}a"), format!("{REGION}b")]),
        interface_endpoints: Some(["sts", "sagemaker.api"].map(String::from).into()),
        ..Default::default()
    };
    spec.studio.enabled = false;
    environment_graph(&spec)
        .unwrap_or_else(|e| panic!("graph: {e}"))
        .nodes()
        .len()
}

/// Samples the RSS of every provider process while `run` goes; returns the peak in MB.
fn peak_provider_rss(run: impl FnOnce()) -> f64 {
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = stop.clone();
    let sampler = std::thread::spawn(move || {
        let mut peak_kb = 0u64;
        while !flag.load(std::sync::atomic::Ordering::SeqCst) {
            for entry in std::fs::read_dir("/proc").into_iter().flatten().flatten() {
                let status = entry.path().join("status");
                let Ok(text) = std::fs::read_to_string(&status) else {
                    continue;
                };
                if !text.starts_with("Name:\tterraform-provi") {
                    continue;
                }
                for line in text.lines() {
                    if let Some(kb) = line
                        .strip_prefix("VmHWM:")
                        .or_else(|| line.strip_prefix("VmRSS:"))
                        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
                    {
                        peak_kb = peak_kb.max(kb);
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        peak_kb
    });
    run();
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    sampler.join().unwrap_or_default() as f64 / 1024.0
}

fn plan_scaling() -> Value {
    let emulator = Emulator::start();
    let one = Workdir::new(&emulator.endpoint);
    one.write_config(&environments_hcl(1, "solo"));
    let twenty = Workdir::new(&emulator.endpoint);
    twenty.write_config(&environments_hcl(20, "team"));
    let apply_started = Instant::now();
    let peak_rss = peak_provider_rss(|| {
        twenty.apply();
    });
    let apply_20 = apply_started.elapsed();
    one.apply();
    let children_per_env = plan_environment_children();

    // AWS-like per-call latency (50-200 ms), no settle times: what a refresh costs.
    emulator
        .set_config(r#"{"latency_profile": "aws", "latency_scale": 0, "call_latency_scale": 1}"#);
    let measure = |work: &Workdir, envs: usize| {
        http_post(&format!("{}/_emulator/stats/reset", emulator.endpoint));
        let started = Instant::now();
        work.assert_plan_empty("with nothing changed");
        let wall = started.elapsed();
        let stats = http_get(&format!("{}/_emulator/stats", emulator.endpoint));
        let calls = stats["total_calls"].as_f64().unwrap_or(0.0);
        (wall, calls / (envs * children_per_env) as f64, stats)
    };
    let (wall_1, per_child_1, _) = measure(&one, 1);
    let (wall_20, per_child_20, stats_20) = measure(&twenty, 20);
    emulator.set_config(r#"{"latency_profile": "none"}"#);
    twenty.destroy();
    one.destroy();
    json!({
        "plan_1_env_s": wall_1.as_secs_f64(),
        "plan_20_env_s": wall_20.as_secs_f64(),
        "plan_ratio_20_to_1": wall_20.as_secs_f64() / wall_1.as_secs_f64().max(1e-9),
        "calls_per_child_1": per_child_1,
        "calls_per_child_20": per_child_20,
        "children_per_environment": children_per_env,
        "calls_by_operation_20": stats_20["calls"],
        "apply_20_env_s": apply_20.as_secs_f64(),
        "provider_peak_rss_mb": peak_rss,
    })
}

/// From spawning the provider to its plugin handshake line on stdout.
fn provider_start() -> Value {
    let binary = provider_dir().join("terraform-provider-sagemaker");
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let mut child = Command::new(&binary)
            .env(
                "TF_PLUGIN_MAGIC_COOKIE",
                "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2",
            )
            .env("PLUGIN_PROTOCOL_VERSIONS", "6")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("provider: {e}"));
        let mut line = String::new();
        if let Some(out) = child.stdout.take() {
            let _ = BufReader::new(out).read_line(&mut line);
        }
        times.push(started.elapsed().as_secs_f64() * 1000.0);
        let _ = child.kill();
        let _ = child.wait();
        assert!(line.starts_with("1|6|"), "no handshake: {line:?}");
    }
    times.sort_by(f64::total_cmp);
    json!({ "provider_start_to_handshake_ms_median": times[times.len() / 2] })
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    // Poll pauses compressed as the emulator compresses AWS's time (wait::POLL_SCALE_VARIABLE).
    std::env::set_var("SECURE_MLOPS_POLL_SCALE", scale().to_string());
    let out = std::env::args().nth(1);
    let mut results = BTreeMap::new();
    results.insert(
        "cores",
        json!(std::thread::available_parallelism().map_or(0, |n| n.get())),
    );
    results.insert("latency_scale", json!(scale()));
    // An optional second argument runs one part: `apply` or `plan` (for working on one number).
    let only = std::env::args().nth(2).unwrap_or_default();
    if only.is_empty() || only == "apply" {
        let quickstart = apply_vs_critical_path("bench-qs", false, &["a", "b"]).await;
        results.insert("apply_quickstart_studio", quickstart);
        let nat = apply_vs_critical_path("bench-nat", true, &["a", "b", "c"]).await;
        results.insert("apply_nat_3az_studio", nat);
    }
    if only.is_empty() || only == "audit" {
        results.insert("audit", audit_scaling().await);
    }
    if only.is_empty() || only == "response" {
        results.insert("response", response_latency().await);
    }
    if only.is_empty() || only == "plan" {
        results.insert("plan", plan_scaling());
        results.insert("provider", provider_start());
    }
    let text = serde_json::to_string_pretty(&results).unwrap_or_default();
    match out {
        Some(path) => std::fs::write(&path, &text).unwrap_or_else(|e| panic!("{path}: {e}")),
        None => println!("{text}"),
    }
}
