//! LocalStack, a second AWS emulator nobody here wrote, started and stopped through
//! `scripts/localstack` (its pinned runtime on Python 3.13, no Docker) on a free port with a
//! run directory of its own, so tests run side by side. It serves EC2, IAM, KMS, S3, Logs and
//! STS; SageMaker, Service Catalog and EFS stay on the project's emulator (LocalStack's free
//! runtime answers 501 for them).

use std::path::Path;
use std::process::{Command, Output};

use crate::{free_port, repo_root, REGION};

/// A running LocalStack; stopped on drop.
pub struct LocalStack {
    port: u16,
    run_dir: tempfile::TempDir,
    /// `http://127.0.0.1:<port>`.
    pub endpoint: String,
}

impl LocalStack {
    /// Starts LocalStack on a free port (installing it first if needed).
    pub fn start() -> Self {
        let port = free_port();
        let run_dir = tempfile::tempdir().unwrap_or_else(|e| panic!("no temp dir: {e}"));
        let out = Self::script(port, run_dir.path(), &["start"]);
        assert!(
            out.status.success(),
            "LocalStack did not start:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let endpoint = String::from_utf8_lossy(&out.stdout).trim().to_string();
        assert!(
            endpoint.starts_with("http://127.0.0.1:"),
            "unexpected LocalStack endpoint {endpoint:?}"
        );
        LocalStack {
            port,
            run_dir,
            endpoint,
        }
    }

    fn script(port: u16, run_dir: &Path, args: &[&str]) -> Output {
        Command::new(repo_root().join("scripts/localstack"))
            .args(args)
            .env("LOCALSTACK_PORT", port.to_string())
            .env("LOCALSTACK_RUN_DIR", run_dir)
            .output()
            .unwrap_or_else(|e| panic!("cannot run scripts/localstack: {e}"))
    }

    /// The SDK configuration for LocalStack (test credentials, the tests' region).
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

impl Drop for LocalStack {
    fn drop(&mut self) {
        let _ = Self::script(self.port, self.run_dir.path(), &["stop"]);
    }
}
