//! The real `bootstrap` binary as a process, fed by a local Lambda Runtime API (the harness's
//! [`RuntimeApi`]), answering CloudFormation at an emulator S3 pre-signed URL as a real stack's
//! `ResponseURL` is. Five events through one warm process: a projects Create (SUCCESS with
//! its Data), an environment Create with a bad property (FAILED on its path, nothing created),
//! the projects Delete, and an environment with Studio created and deleted. The process's
//! output must never hold the response URL's signature. Prints the cold start (process start
//! to first poll, and to the first answer) and the process's peak memory.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use acceptance::runtime_api::RuntimeApi;
use acceptance::{bootstrap_binary, Emulator, ACCOUNT_ID, REGION};
use aws_sdk_s3::presigning::PresigningConfig;
use serde_json::{json, Value};

#[path = "support/cfn_event.rs"]
mod cfn_event;
use cfn_event::{EventBuilder, FUNCTION_ARN};

const STACK_ID: &str =
    "arn:aws:cloudformation:us-east-1:123456789012:stack/ds-team/0f1e2d3c-aaaa-bbbb-cccc-000000000002";
const BUCKET: &str = "cfn-responses";

struct Responses {
    s3: aws_sdk_s3::Client,
}

impl Responses {
    /// A pre-signed PUT URL for `key`, as CloudFormation gives each event.
    async fn url(&self, key: &str) -> String {
        self.s3
            .put_object()
            .bucket(BUCKET)
            .key(key)
            .presigned(PresigningConfig::expires_in(Duration::from_secs(3600)).unwrap())
            .await
            .unwrap()
            .uri()
            .to_string()
    }

    /// What the function PUT at `key`.
    async fn read(&self, key: &str) -> Value {
        let object = self
            .s3
            .get_object()
            .bucket(BUCKET)
            .key(key)
            .send()
            .await
            .unwrap_or_else(|e| panic!("no response at {key}: {e:?}"));
        let bytes = object.body.collect().await.unwrap().into_bytes();
        serde_json::from_slice(&bytes).unwrap()
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_bootstrap_process_answers_cloudformation_through_the_runtime_api() {
    let emulator = Emulator::start();
    let s3 = emulator.s3_client().await;
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
    let responses = Responses { s3 };

    let api = RuntimeApi::start(FUNCTION_ARN);
    let logs = tempfile::NamedTempFile::new().unwrap();
    let started = Instant::now();
    let mut process = Command::new(bootstrap_binary())
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("AWS_LAMBDA_RUNTIME_API", &api.address)
        .env("AWS_LAMBDA_FUNCTION_NAME", "secure-mlops-cr")
        .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "512")
        .env("AWS_LAMBDA_LOG_GROUP_NAME", "/aws/lambda/secure-mlops-cr")
        .env("AWS_LAMBDA_LOG_STREAM_NAME", "test")
        .env("AWS_REGION", REGION)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_ENDPOINT_URL", &emulator.endpoint)
        // The pre-signed URLs below are the emulator's S3, not CloudFormation's buckets.
        .env(
            "SECURE_MLOPS_ALLOWED_RESPONSE_HOST",
            emulator
                .endpoint
                .trim_start_matches("http://")
                .trim_end_matches('/'),
        )
        .stdout(logs.reopen().unwrap())
        .stderr(logs.reopen().unwrap())
        .stdin(Stdio::null())
        .spawn()
        .unwrap();

    // 1. Projects Create: SUCCESS, the account/region id, the Terraform resource's values.
    let url = responses.url("create").await;
    let create = EventBuilder::create("Custom::SageMakerProjectsEnablement")
        .stack_id(STACK_ID)
        .request("req-create", &url)
        .properties(json!({"PrincipalArns": [], "CreateServiceRoles": "true"}))
        .build();
    let id = api.invoke(create, Duration::from_secs(120));
    let done = api.wait_for(&id, Duration::from_secs(120));
    let first_poll = api.first_poll();
    let Some(done) = done else {
        let _ = process.kill();
        panic!(
            "no answer from the bootstrap in 120 s (init error: {:?}); its output:\n{}",
            api.init_error(),
            std::fs::read_to_string(logs.path()).unwrap_or_default()
        );
    };
    assert!(done.ok, "the invocation failed: {}", done.body);
    let poll_ms = first_poll.map(|t| (t - started).as_millis());
    eprintln!(
        "bootstrap cold start: first poll {poll_ms:?} ms after spawn; first answer (projects Create) {} ms",
        (done.at - started).as_millis()
    );
    let answer = responses.read("create").await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert_eq!(
        answer["PhysicalResourceId"],
        format!("{ACCOUNT_ID}/{REGION}")
    );
    assert_eq!(answer["RequestId"], "req-create");
    assert_eq!(answer["StackId"], STACK_ID);
    assert_eq!(answer["LogicalResourceId"], "Resource");
    assert!(
        answer["Data"]["PortfolioId"]
            .as_str()
            .is_some_and(|p| p.starts_with("port-")),
        "{answer}"
    );
    assert_eq!(
        emulator
            .inventory_of("sagemaker:servicecatalog_portfolio")
            .len(),
        1
    );

    // 2. A bad property: FAILED, the path in the Reason, nothing created; the process lives on.
    let url = responses.url("bad").await;
    let bad = EventBuilder::create("Custom::SecureDsEnvironment")
        .stack_id(STACK_ID)
        .request("req-bad", &url)
        .properties(
            json!({"Name": "team-a", "Stage": "dev", "Network": {"VpcCidr": "10.0.0.0/33"}}),
        )
        .build();
    let id = api.invoke(bad, Duration::from_secs(60));
    let done = api.wait_for(&id, Duration::from_secs(60)).unwrap();
    assert!(done.ok, "{}", done.body);
    let answer = responses.read("bad").await;
    assert_eq!(answer["Status"], "FAILED", "{answer}");
    assert!(
        answer["Reason"]
            .as_str()
            .is_some_and(|r| r.contains("Network.VpcCidr")),
        "{answer}"
    );
    assert!(
        emulator.inventory_of("ec2:vpc").len() <= 1,
        "only the default VPC"
    );

    // 3. The Delete of the Create's id: SUCCESS (projects stay enabled: DisableOnDestroy false).
    let url = responses.url("delete").await;
    let delete = EventBuilder::delete("Custom::SageMakerProjectsEnablement")
        .stack_id(STACK_ID)
        .request("req-delete", &url)
        .physical_id(&format!("{ACCOUNT_ID}/{REGION}"))
        .properties(json!({"PrincipalArns": [], "CreateServiceRoles": "true"}))
        .build();
    let id = api.invoke(delete, Duration::from_secs(60));
    let done = api.wait_for(&id, Duration::from_secs(60)).unwrap();
    assert!(done.ok, "{}", done.body);
    let answer = responses.read("delete").await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert_eq!(
        answer["PhysicalResourceId"],
        format!("{ACCOUNT_ID}/{REGION}")
    );

    // 4. An environment with Studio and a user profile, created and deleted by the process:
    // the heaviest event, and the one that sizes the function's memory.
    let props = json!({
        "Name": "proc", "Stage": "dev",
        "Studio": {"UserProfiles": ["alice=data_scientist"]}
    });
    let url = responses.url("env-create").await;
    let create = EventBuilder::create("Custom::SecureDsEnvironment")
        .stack_id(STACK_ID)
        .request("req-env", &url)
        .properties(props.clone())
        .build();
    let id = api.invoke(create, Duration::from_secs(300));
    let done = api.wait_for(&id, Duration::from_secs(300)).unwrap();
    assert!(done.ok, "{}", done.body);
    let answer = responses.read("env-create").await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert_eq!(answer["PhysicalResourceId"], "proc-dev");
    assert!(
        answer["Data"]["DomainId"]
            .as_str()
            .is_some_and(|d| d.starts_with("d-")),
        "{answer}"
    );
    let url = responses.url("env-delete").await;
    let delete = EventBuilder::delete("Custom::SecureDsEnvironment")
        .stack_id(STACK_ID)
        .request("req-env-delete", &url)
        .physical_id("proc-dev")
        .properties(props)
        .build();
    let id = api.invoke(delete, Duration::from_secs(300));
    let done = api.wait_for(&id, Duration::from_secs(300)).unwrap();
    assert!(done.ok, "{}", done.body);
    let answer = responses.read("env-delete").await;
    assert_eq!(answer["Status"], "SUCCESS", "{answer}");
    assert!(emulator.inventory_of("sagemaker:domain").is_empty());

    // The high-water mark of its memory, against the 512 MB cfn/custom-resource.yaml gives it.
    let status = std::fs::read_to_string(format!("/proc/{}/status", process.id())).unwrap();
    let peak_kb: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    eprintln!(
        "bootstrap peak RSS: {:.1} MB, ratio to the function's 512 MB: {:.3}",
        peak_kb as f64 / 1024.0,
        peak_kb as f64 / (512.0 * 1024.0)
    );
    assert!(peak_kb < 512 * 1024, "{peak_kb} kB");

    let _ = process.kill();
    let _ = process.wait();
    let output = std::fs::read_to_string(logs.path()).unwrap();
    assert!(
        !output.contains("X-Amz-Signature") && !output.contains(BUCKET),
        "the response URL reached the logs:\n{output}"
    );
    assert!(api.init_error().is_none(), "{:?}", api.init_error());
}
