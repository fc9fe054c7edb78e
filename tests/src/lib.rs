//! Acceptance harness: the real `terraform` CLI driving the real provider binary against an
//! emulator this harness starts on a free port.
//!
//! * [`provider_dir`] and [`bootstrap_binary`] find the workspace's builds of the provider and
//!   of the custom-resource Lambda, refusing stale ones.
//! * [`runtime_api::RuntimeApi`] serves the Lambda Runtime API to a `bootstrap` process.
//! * [`Emulator`] starts `scripts/emulator` on a free port and stops it on drop.
//! * [`Workdir`] is a Terraform working directory wired to both through `TF_CLI_CONFIG_FILE`
//!   (`dev_overrides`) and `AWS_ENDPOINT_URL`; its methods run `terraform` and return what it
//!   printed, so a test reads like the user story it checks.
//! * [`EngineFixture`] is the setup every engine test shares: an emulator of the test's own, the
//!   engine's clients for it (static credentials in the configuration, no environment
//!   variable) and one environment's owner, tags and facts; [`ok`], [`twice!`],
//!   [`assert_no_drift`] and [`assert_drift_names`] are the checks those tests repeat.

use std::collections::BTreeMap;
use std::fmt::{Debug, Display};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

pub mod localstack;
pub mod runtime_api;

/// The emulator's account id (moto's default).
pub const ACCOUNT_ID: &str = "123456789012";
/// The region tests work in.
pub const REGION: &str = "us-east-1";

/// Every kind of resource an environment creates, directly or through SageMaker; after a
/// destroy each must be back to its count before the environment.
pub const ENVIRONMENT_KINDS: &[&str] = &[
    "ec2:vpc",
    "ec2:subnet",
    "ec2:route_table",
    "ec2:security_group",
    "ec2:vpc_endpoint",
    "ec2:network_interface",
    "ec2:internet_gateway",
    "ec2:nat_gateway",
    "ec2:elastic_ip",
    "ec2:flow_log",
    "kms:key",
    "kms:alias",
    "s3:bucket",
    "logs:log_group",
    "iam:role",
    "iam:policy",
    "sagemaker:domain",
    "sagemaker:user_profile",
    "sagemaker:app",
    "sagemaker:studio_lifecycle_config",
    "sagemaker:image",
    "sagemaker:app_image_config",
    "efs:mount_target",
    "codeartifact:domain",
    "codeartifact:repository",
    "config:rule",
];

/// The repository's root directory.
///
/// From the `CARGO_MANIFEST_DIR` cargo (and nextest) set when running the tests, before the
/// one compiled in: clones sharing a target directory share this crate's build, so the
/// compiled-in path may be another clone's.
pub fn repo_root() -> PathBuf {
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")));
    manifest_dir
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| repo_root().join("target"))
}

/// The directory holding the provider binary, checked to be newer than its sources.
///
/// The harness does not build it: a `cargo build` from inside a test run resolves features
/// differently from the outer `cargo test` and rebuilds the AWS SDK. `make test` builds the
/// workspace first; when running tests by hand, run `cargo build --workspace --all-targets`.
/// `PROVIDER_DIR` names another directory holding `terraform-provider-sagemaker`, unchecked.
pub fn provider_dir() -> &'static Path {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    DIR.get_or_init(|| {
        // A copy of the provider elsewhere, unchecked: two checkouts sharing one target
        // directory overwrite each other's target/debug binaries.
        if let Some(dir) = std::env::var_os("PROVIDER_DIR").filter(|d| !d.is_empty()) {
            return PathBuf::from(dir);
        }
        let binary = built_binary("terraform-provider-sagemaker", &["provider", "core"]);
        binary.parent().map(Path::to_path_buf).unwrap_or_default()
    })
}

/// The custom-resource Lambda's `bootstrap` from the workspace's debug build, checked to be
/// newer than its sources (built by `make test`, as the provider is). `BOOTSTRAP_BIN` names
/// another build to run instead, unchecked (e.g. the release binary `make lambda` zips).
pub fn bootstrap_binary() -> PathBuf {
    match std::env::var_os("BOOTSTRAP_BIN") {
        Some(path) if !path.is_empty() => PathBuf::from(path),
        _ => built_binary("bootstrap", &["custom-resource", "core"]),
    }
}

/// `target/debug/<name>`, refused when missing or older than anything under `sources`.
fn built_binary(name: &str, sources: &[&str]) -> PathBuf {
    let binary = target_dir().join("debug").join(name);
    let built = std::fs::metadata(&binary)
        .and_then(|m| m.modified())
        .unwrap_or_else(|_| {
            panic!(
                "{} is missing: run `cargo build --workspace --all-targets` (make test does)",
                binary.display()
            )
        });
    let root = repo_root();
    for source in sources.iter().copied().chain(["Cargo.lock"]) {
        if let Some(newer) = newer_than(&root.join(source), built) {
            panic!(
                "{} is older than {}: run `cargo build --workspace --all-targets` (make test does)",
                binary.display(),
                newer.display()
            );
        }
    }
    binary
}

/// The first file under `path` modified after `time`.
fn newer_than(path: &Path, time: std::time::SystemTime) -> Option<PathBuf> {
    let meta = std::fs::metadata(path).ok()?;
    // A crate's examples are not part of the binaries built from it.
    if meta.is_dir() && path.file_name().is_some_and(|n| n == "examples") {
        return None;
    }
    if meta.is_dir() {
        std::fs::read_dir(path)
            .ok()?
            .filter_map(Result::ok)
            .find_map(|entry| newer_than(&entry.path(), time))
    } else if meta.modified().ok()? > time {
        Some(path.to_path_buf())
    } else {
        None
    }
}

/// A free TCP port on 127.0.0.1.
pub fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap_or_else(|e| panic!("no free port: {e}"));
    listener
        .local_addr()
        .unwrap_or_else(|e| panic!("no local address: {e}"))
        .port()
}

/// Registers a model version in `group` pending manual approval, as a project's SageMaker
/// Pipeline does (the built-in XGBoost image, CSV in and out); its ARN.
pub async fn register_model_version(sagemaker: &aws_sdk_sagemaker::Client, group: &str) -> String {
    use aws_sdk_sagemaker::types::{
        InferenceSpecification, ModelApprovalStatus, ModelPackageContainerDefinition,
    };
    sagemaker
        .create_model_package()
        .model_package_group_name(group)
        .model_approval_status(ModelApprovalStatus::PendingManualApproval)
        .inference_specification(
            InferenceSpecification::builder()
                .containers(
                    ModelPackageContainerDefinition::builder()
                        .image(format!(
                            "683313688378.dkr.ecr.{REGION}.amazonaws.com/sagemaker-xgboost:1.7-1"
                        ))
                        .build(),
                )
                .supported_content_types("text/csv")
                .supported_response_mime_types("text/csv")
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateModelPackage: {e:?}"))
        .model_package_arn()
        .unwrap_or_default()
        .to_string()
}

/// A `CreateTrainingJob` request as a data scientist's notebook sends one, run as `role`; with
/// `network` (subnet, security group) in a VPC, with `keys` (volume, output) encrypted.
pub fn training_job(
    sagemaker: &aws_sdk_sagemaker::Client,
    name: &str,
    role: &str,
    network: Option<(&str, &str)>,
    keys: Option<(&str, &str)>,
) -> aws_sdk_sagemaker::operation::create_training_job::builders::CreateTrainingJobFluentBuilder {
    use aws_sdk_sagemaker::types::*;
    let (volume_key, output_key) = keys.unzip();
    sagemaker
        .create_training_job()
        .training_job_name(name)
        .role_arn(role)
        .algorithm_specification(
            AlgorithmSpecification::builder()
                .training_image("123456789012.dkr.ecr.us-east-1.amazonaws.com/train:1")
                .training_input_mode(TrainingInputMode::File)
                .build(),
        )
        .output_data_config(
            OutputDataConfig::builder()
                .s3_output_path("s3://training-output/")
                .set_kms_key_id(output_key.map(str::to_string))
                .build(),
        )
        .resource_config(
            ResourceConfig::builder()
                .instance_type(TrainingInstanceType::MlM5Large)
                .instance_count(1)
                .volume_size_in_gb(10)
                .set_volume_kms_key_id(volume_key.map(str::to_string))
                .build(),
        )
        .set_vpc_config(network.map(|(subnet, group)| {
            VpcConfig::builder()
                .subnets(subnet)
                .security_group_ids(group)
                .build()
        }))
        .stopping_condition(
            StoppingCondition::builder()
                .max_runtime_in_seconds(3600)
                .build(),
        )
}

/// The zip `make test` packaged (scripts/lambda --debug), refused when older than the binary.
pub fn lambda_zip() -> PathBuf {
    let zip = repo_root().join("build/lambda/bootstrap.zip");
    let binary = bootstrap_binary();
    let modified = |p: &PathBuf| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    match (modified(&zip), modified(&binary)) {
        (Some(z), Some(b)) if z >= b => zip,
        _ => panic!(
            "{} is missing or older than {}: run `scripts/lambda --debug` (make test does)",
            zip.display(),
            binary.display()
        ),
    }
}

/// An emulator process of our own, stopped when dropped.
pub struct Emulator {
    port: u16,
    run_dir: tempfile::TempDir,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
}

impl Emulator {
    /// Starts a fresh emulator on a free port (installing it first if needed).
    pub fn start() -> Self {
        let port = free_port();
        let run_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temp dir: {e}"));
        let out = Self::script(port, run_dir.path(), &["start"]);
        assert!(
            out.status.success(),
            "emulator did not start:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let endpoint = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(
            endpoint.starts_with("http://127.0.0.1:"),
            "unexpected endpoint {endpoint:?}"
        );
        Emulator {
            port,
            run_dir,
            endpoint,
        }
    }

    fn script(port: u16, run_dir: &Path, args: &[&str]) -> Output {
        Command::new(repo_root().join("scripts/emulator"))
            .args(args)
            .env("EMULATOR_PORT", port.to_string())
            .env("EMULATOR_RUN_DIR", run_dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run scripts/emulator: {e}"))
    }

    /// Every resource the emulator holds, as `{"<service>:<kind>": [ids]}`.
    pub fn inventory(&self) -> serde_json::Value {
        let out = Self::script(self.port, self.run_dir.path(), &["inventory"]);
        assert!(
            out.status.success(),
            "inventory failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "inventory is not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// The ids of one kind in the inventory (empty when absent).
    pub fn inventory_of(&self, kind: &str) -> Vec<String> {
        self.inventory()
            .get(kind)
            .and_then(|v| v.as_array())
            .map(|ids| {
                ids.iter()
                    .filter_map(|id| id.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    }

    /// How many ids of each of `kinds` the emulator holds (0 for a kind it does not list).
    pub fn counts(&self, kinds: &[&str]) -> BTreeMap<String, usize> {
        let inventory = self.inventory();
        kinds
            .iter()
            .map(|kind| {
                let n = inventory
                    .get(*kind)
                    .and_then(|v| v.as_array())
                    .map_or(0, Vec::len);
                (kind.to_string(), n)
            })
            .collect()
    }

    /// Changes runtime settings (`{"request_delay_seconds": 0.05}`), see tests/emulator/README.md.
    pub fn set_config(&self, json: &str) {
        let out = Self::script(self.port, self.run_dir.path(), &["config", json]);
        assert!(
            out.status.success(),
            "config failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// AWS calls and injected faults since the start or the last [`Emulator::reset_stats`]
    /// (`GET /_emulator/stats`: `total_calls`, `calls`, `faults` {`throttle`, `5xx`},
    /// `faulted_calls`).
    pub fn stats(&self) -> serde_json::Value {
        let out = Self::script(self.port, self.run_dir.path(), &["stats"]);
        assert!(
            out.status.success(),
            "stats failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "stats are not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Starts the call and fault counts again.
    pub fn reset_stats(&self) {
        let out = Self::script(self.port, self.run_dir.path(), &["stats", "reset"]);
        assert!(
            out.status.success(),
            "stats reset failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    /// An AWS SDK configuration pointing at this emulator, for checks made "outside Terraform".
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                "testing",
                "testing",
                None,
                None,
                "acceptance",
            ))
            .load()
            .await
    }
}

impl Emulator {
    /// The SDK configuration of a session of `role_arn` (STS `AssumeRole` with the test
    /// credentials), as a Studio user's app or a pipeline runs: the emulator takes the caller
    /// from these credentials (whom Service Catalog lets launch what, CloudTrail's identity).
    pub async fn session_config(&self, role_arn: &str, session: &str) -> aws_config::SdkConfig {
        let sts = aws_sdk_sts::Client::new(&self.sdk_config().await);
        let assumed = sts
            .assume_role()
            .role_arn(role_arn)
            .role_session_name(session)
            .send()
            .await
            .unwrap_or_else(|e| panic!("AssumeRole {role_arn}: {e:?}"));
        let creds = assumed
            .credentials()
            .unwrap_or_else(|| panic!("AssumeRole {role_arn}: no credentials"));
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .region(aws_config::Region::new(REGION))
            .endpoint_url(&self.endpoint)
            .credentials_provider(aws_sdk_iam::config::Credentials::new(
                creds.access_key_id(),
                creds.secret_access_key(),
                Some(creds.session_token().to_string()),
                None,
                "assumed-role",
            ))
            .load()
            .await
    }
}

impl Emulator {
    /// The engine's clients for this emulator, as every engine test builds them: static test
    /// credentials in the configuration itself (no process-wide environment variable), so
    /// tests in one binary can run side by side.
    pub async fn clients(&self) -> secure_mlops_core::aws::AwsClients {
        let config = self.sdk_config().await;
        secure_mlops_core::aws::AwsClients::from_config(&config, Default::default(), true)
            .await
            .unwrap_or_else(|e| panic!("clients for the emulator: {e}"))
    }

    /// How many ids of each kind an environment makes the emulator holds
    /// ([`ENVIRONMENT_KINDS`]).
    pub fn environment_counts(&self) -> BTreeMap<String, usize> {
        self.counts(ENVIRONMENT_KINDS)
    }

    /// An S3 client for this emulator (path-style addressing, which it needs).
    pub async fn s3_client(&self) -> aws_sdk_s3::Client {
        let sdk = self.sdk_config().await;
        aws_sdk_s3::Client::from_conf(
            aws_sdk_s3::config::Builder::from(&sdk)
                .force_path_style(true)
                .build(),
        )
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        let _ = Self::script(self.port, self.run_dir.path(), &["stop"]);
    }
}

/// The setup every engine test shares: an emulator of its own, the engine's clients for it, and
/// the environment (`<name>-<stage>`) whose children the test ensures, with the user's tags.
/// Tests in one binary each start one and run side by side; the emulator stops on drop.
pub struct EngineFixture {
    /// The test's own emulator.
    pub emulator: Emulator,
    /// The engine's clients for it ([`Emulator::clients`]).
    pub clients: secure_mlops_core::aws::AwsClients,
    /// The environment's name, e.g. `team-a`.
    pub name: &'static str,
    /// The environment's stage, e.g. `dev`.
    pub stage: &'static str,
    /// `<name>-<stage>`, the environment id every child is tagged with.
    pub env_id: String,
    /// The tags the user asked for, passed to every ensure.
    pub tags: BTreeMap<String, String>,
}

impl EngineFixture {
    /// Starts an emulator and builds the engine's clients for environment `<name>-<stage>`
    /// tagged with `tags`.
    pub async fn start(name: &'static str, stage: &'static str, tags: &[(&str, &str)]) -> Self {
        let emulator = Emulator::start();
        let clients = emulator.clients().await;
        EngineFixture {
            emulator,
            clients,
            name,
            stage,
            env_id: format!("{name}-{stage}"),
            tags: tags
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        }
    }

    /// The owner of child `logical_id` of this environment.
    pub fn owner<'a>(
        &'a self,
        logical_id: &'a str,
    ) -> secure_mlops_core::children::ec2_tags::Owner<'a> {
        secure_mlops_core::children::ec2_tags::Owner {
            env_id: &self.env_id,
            logical_id,
        }
    }

    /// What the policies need to know about this environment and the emulator's account.
    pub fn facts(&self) -> secure_mlops_core::policy::environment::EnvironmentFacts {
        secure_mlops_core::policy::environment::EnvironmentFacts {
            partition: self.clients.partition.clone(),
            account_id: self.clients.account_id.clone(),
            region: self.clients.region.clone(),
            name: self.name.into(),
            stage: self.stage.into(),
            trusted_principal_arns: Vec::new(),
        }
    }

    /// How many ids of each of `kinds` the emulator holds ([`Emulator::counts`]).
    pub fn counts(&self, kinds: &[&str]) -> BTreeMap<String, usize> {
        self.emulator.counts(kinds)
    }
}

/// The value of `result`, or a test failure naming `what` with the error's message and details.
pub fn ok<T, E: Display + Debug>(what: &str, result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| panic!("{what}: {e}\n{e:?}"))
}

/// A CIDR block of the spec, from text a test knows to be valid.
pub fn cidr(text: &str) -> secure_mlops_core::spec::Cidr {
    text.parse()
        .unwrap_or_else(|e| panic!("{text} is not a CIDR: {e:?}"))
}

/// Asserts that a drift check of `what` found nothing.
pub fn assert_no_drift(what: &str, drift: &[String]) {
    assert!(drift.is_empty(), "{what} drifted: {drift:#?}");
}

/// Asserts that one message of `drift` names every one of `needles`.
pub fn assert_drift_names(what: &str, drift: &[String], needles: &[&str]) {
    assert!(
        drift.iter().any(|d| needles.iter().all(|n| d.contains(n))),
        "{what}: no drift message naming {needles:?} in {drift:#?}"
    );
}

/// Runs an ensure (a future-returning expression) twice and checks that the second adopted
/// what the first made (same physical id); yields the second record.
#[macro_export]
macro_rules! twice {
    ($what:expr, $call:expr) => {{
        let first = $call
            .await
            .unwrap_or_else(|e| panic!("{}: first ensure: {e}", $what));
        let second = $call
            .await
            .unwrap_or_else(|e| panic!("{}: second ensure: {e}", $what));
        assert_eq!(
            first.physical_id, second.physical_id,
            "{}: not adopted",
            $what
        );
        second
    }};
}

/// The outcome of one `terraform` run.
#[derive(Debug)]
pub struct Run {
    /// Exit code (-1 when killed by a signal).
    pub code: i32,
    /// Standard output.
    pub stdout: String,
    /// Standard error.
    pub stderr: String,
}

impl Run {
    /// Both streams, for assertions on messages.
    pub fn text(&self) -> String {
        format!("{}\n{}", self.stdout, self.stderr)
    }
}

/// A Terraform working directory wired to the provider build and an endpoint.
pub struct Workdir {
    dir: tempfile::TempDir,
    cli_config: PathBuf,
    endpoint: String,
    env: Vec<(String, String)>,
}

impl Workdir {
    /// A new, empty working directory whose AWS calls go to `endpoint`.
    pub fn new(endpoint: &str) -> Self {
        let dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temp dir: {e}"));
        let cli_config = dir.path().join("terraformrc");
        let overrides = format!(
            "provider_installation {{\n  dev_overrides {{\n    \"secure-mlops/sagemaker\" = \"{}\"\n  }}\n  direct {{}}\n}}\n",
            provider_dir().display()
        );
        std::fs::write(&cli_config, overrides)
            .unwrap_or_else(|e| panic!("cannot write CLI config: {e}"));
        Workdir {
            dir,
            cli_config,
            endpoint: endpoint.to_string(),
            env: Vec::new(),
        }
    }

    /// Sets an environment variable for every `terraform` run here (`TF_LOG`, which runs
    /// otherwise go without; credentials, which win over the test ones).
    pub fn with_env(mut self, key: &str, value: &str) -> Self {
        self.env.push((key.to_string(), value.to_string()));
        self
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes `main.tf`.
    pub fn write_config(&self, hcl: &str) {
        std::fs::write(self.path().join("main.tf"), hcl)
            .unwrap_or_else(|e| panic!("cannot write main.tf: {e}"));
    }

    /// Runs `terraform <args>` here.
    pub fn terraform(&self, args: &[&str]) -> Run {
        let out = self
            .command(args)
            .output()
            .unwrap_or_else(|e| panic!("cannot run terraform: {e}"));
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new("terraform");
        command
            .args(args)
            .current_dir(self.path())
            .env("TF_CLI_CONFIG_FILE", &self.cli_config)
            .env("TF_IN_AUTOMATION", "1")
            .env("TF_INPUT", "0")
            .env("CHECKPOINT_DISABLE", "1")
            .env("AWS_ENDPOINT_URL", &self.endpoint)
            .env("AWS_ACCESS_KEY_ID", "testing")
            .env("AWS_SECRET_ACCESS_KEY", "testing")
            .env("AWS_REGION", REGION)
            .env_remove("AWS_PROFILE")
            .env_remove("TF_LOG");
        command.envs(self.env.iter().map(|(k, v)| (k, v)));
        command
    }

    /// Starts `terraform <args>` here without waiting for it.
    pub fn spawn(&self, args: &[&str]) -> std::process::Child {
        self.command(args)
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run terraform: {e}"))
    }

    /// `terraform apply -auto-approve`, which must succeed.
    pub fn apply(&self) -> Run {
        let run = self.terraform(&["apply", "-auto-approve", "-no-color"]);
        assert_eq!(run.code, 0, "apply failed:\n{}", run.text());
        run
    }

    /// `terraform plan -detailed-exitcode`: 0 = no changes, 2 = changes, 1 = error.
    pub fn plan(&self) -> Run {
        self.terraform(&["plan", "-detailed-exitcode", "-no-color"])
    }

    /// Asserts that a plan shows no changes.
    pub fn assert_plan_empty(&self, when: &str) {
        let run = self.plan();
        assert_eq!(run.code, 0, "plan {when} was not empty:\n{}", run.text());
    }

    /// `terraform destroy -auto-approve`, which must succeed.
    pub fn destroy(&self) -> Run {
        let run = self.terraform(&["destroy", "-auto-approve", "-no-color"]);
        assert_eq!(run.code, 0, "destroy failed:\n{}", run.text());
        run
    }

    /// `terraform import <address> <id>`, which must succeed.
    pub fn import(&self, address: &str, id: &str) -> Run {
        let run = self.terraform(&["import", "-no-color", address, id]);
        assert_eq!(run.code, 0, "import failed:\n{}", run.text());
        run
    }

    /// The values of one resource in the state (`terraform show -json`).
    pub fn resource_values(&self, address: &str) -> serde_json::Value {
        let run = self.terraform(&["show", "-json"]);
        assert_eq!(run.code, 0, "show failed:\n{}", run.text());
        let state: serde_json::Value = serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("show -json is not JSON: {e}"));
        state["values"]["root_module"]["resources"]
            .as_array()
            .and_then(|resources| resources.iter().find(|r| r["address"] == address))
            .map(|r| r["values"].clone())
            .unwrap_or(serde_json::Value::Null)
    }

    /// The outputs (`terraform output -json`).
    pub fn outputs(&self) -> serde_json::Value {
        let run = self.terraform(&["output", "-json"]);
        assert_eq!(run.code, 0, "output failed:\n{}", run.text());
        serde_json::from_str(&run.stdout)
            .unwrap_or_else(|e| panic!("output -json is not JSON: {e}"))
    }
}

/// A role ARN in the emulator's account.
pub fn role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:role/{name}")
}

/// The ARN of a role an environment creates (under the path `/secure-mlops/`).
pub fn environment_role_arn(name: &str) -> String {
    format!("arn:aws:iam::{ACCOUNT_ID}:role/secure-mlops/{name}")
}

/// Kills (SIGKILL) every `terraform-provider-sagemaker` process descended from `pid`, as a
/// crash or an OOM kill would; returns how many. Only this test's processes are touched, so
/// tests running in parallel keep theirs.
pub fn kill_providers_under(pid: u32) -> usize {
    let mut killed = 0;
    let mut queue = vec![pid];
    while let Some(parent) = queue.pop() {
        for child in children_of(parent) {
            let comm = std::fs::read_to_string(format!("/proc/{child}/comm")).unwrap_or_default();
            // comm is cut to 15 characters.
            if comm.trim().starts_with("terraform-provi") {
                let status = Command::new("kill")
                    .args(["-KILL", &child.to_string()])
                    .status();
                if status.is_ok_and(|s| s.success()) {
                    killed += 1;
                }
            } else {
                queue.push(child);
            }
        }
    }
    killed
}

fn children_of(pid: u32) -> Vec<u32> {
    let Ok(tasks) = std::fs::read_dir(format!("/proc/{pid}/task")) else {
        return Vec::new();
    };
    tasks
        .filter_map(Result::ok)
        .filter_map(|task| std::fs::read_to_string(task.path().join("children")).ok())
        .flat_map(|text| {
            text.split_whitespace()
                .filter_map(|p| p.parse().ok())
                .collect::<Vec<u32>>()
        })
        .collect()
}

/// A policy document as IAM returns it (URL-encoded), decoded.
pub fn iam_document_text(text: &str) -> String {
    if text.trim_start().starts_with('{') {
        return text.to_string();
    }
    percent_encoding::percent_decode_str(text)
        .decode_utf8()
        .unwrap_or_else(|e| panic!("a policy document that is not UTF-8: {e}"))
        .into_owned()
}

/// A policy document as IAM returns it, parsed.
pub fn iam_document(text: &str) -> serde_json::Value {
    let decoded = iam_document_text(text);
    serde_json::from_str(&decoded).unwrap_or_else(|e| panic!("{e}: {decoded}"))
}
