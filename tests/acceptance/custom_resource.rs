//! The CloudFormation custom resource's handler, in-process, against the emulator: event
//! fixtures for both types through Create, Update and Delete, a replacement and the Delete of
//! the old id, the Delete after a failed Create (which must not touch AWS), repeated delivery,
//! bad properties answered FAILED on their PascalCase path, a long Create continued in new
//! invocations, and nothing left behind. Responses go to a small local HTTP server that records
//! every PUT, as CloudFormation's pre-signed S3 URL would receive them.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use acceptance::{environment_role_arn, role_arn, Emulator, ACCOUNT_ID, ENVIRONMENT_KINDS, REGION};
use secure_mlops_core::aws::ConnectionSettings;
use secure_mlops_custom_resource::continuation::BoxFuture;
use secure_mlops_custom_resource::{
    AllowedResponseHosts, Handler, Invocation, Invoker, Outcome, Settings, Status,
    CREATE_FAILED_ID, PROJECTS_TYPE, TEMPLATES_TYPE,
};
use serde_json::{json, Value};

#[path = "support/cfn_event.rs"]
mod cfn_event;
use cfn_event::{EventBuilder, FUNCTION_ARN, STACK_ID};

/// One recorded PUT.
#[derive(Debug, Clone)]
struct Put {
    path: String,
    content_type: Option<String>,
    body: Value,
    size: usize,
}

/// A local stand-in for the pre-signed S3 URL: records each PUT; paths starting with
/// `/flaky/` answer 500 to their first attempt.
struct ResponseServer {
    base: String,
    puts: Arc<Mutex<Vec<Put>>>,
    attempts: Arc<Mutex<BTreeMap<String, usize>>>,
}

impl ResponseServer {
    fn start() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let puts = Arc::new(Mutex::new(Vec::new()));
        let attempts = Arc::new(Mutex::new(BTreeMap::new()));
        let (p, a) = (puts.clone(), attempts.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (p, a) = (p.clone(), a.clone());
                std::thread::spawn(move || serve(stream, &p, &a));
            }
        });
        ResponseServer {
            base,
            puts,
            attempts,
        }
    }

    /// `127.0.0.1:<port>`: the host the handler is allowed to answer besides CloudFormation's.
    fn authority(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// A fresh response URL, with a query like a pre-signed URL's.
    fn url(&self, name: &str) -> String {
        format!(
            "{}/{name}?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Signature=not-for-logs",
            self.base
        )
    }

    /// The PUTs recorded for `name`.
    fn puts_for(&self, name: &str) -> Vec<Put> {
        let path = format!("/{name}");
        self.puts
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.path == path)
            .cloned()
            .collect()
    }

    fn attempts_for(&self, name: &str) -> usize {
        *self
            .attempts
            .lock()
            .unwrap()
            .get(&format!("/{name}"))
            .unwrap_or(&0)
    }
}

fn serve(
    stream: std::net::TcpStream,
    puts: &Mutex<Vec<Put>>,
    attempts: &Mutex<BTreeMap<String, usize>>,
) {
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 {
            return;
        }
        let target = line.split_whitespace().nth(1).unwrap_or("").to_string();
        let path = target.split('?').next().unwrap_or("").to_string();
        let (mut length, mut content_type) = (0usize, None);
        loop {
            let mut header = String::new();
            if reader.read_line(&mut header).unwrap_or(0) == 0 {
                return;
            }
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((k, v)) = header.split_once(':') {
                match k.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = v.trim().parse().unwrap_or(0),
                    "content-type" => content_type = Some(v.trim().to_string()),
                    _ => {}
                }
            }
        }
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let attempt = {
            let mut a = attempts.lock().unwrap();
            let n = a.entry(path.clone()).or_insert(0);
            *n += 1;
            *n
        };
        let status = if path.starts_with("/flaky/") && attempt == 1 {
            "500 Internal Server Error"
        } else {
            puts.lock().unwrap().push(Put {
                path: path.clone(),
                content_type,
                size: body.len(),
                body: serde_json::from_slice(&body).unwrap_or(Value::Null),
            });
            "200 OK"
        };
        let answer = format!("HTTP/1.1 {status}\r\nContent-Length: 0\r\n\r\n");
        if writer.write_all(answer.as_bytes()).is_err() {
            return;
        }
    }
}

/// Records continuation payloads instead of invoking Lambda; the test runs them.
#[derive(Default)]
struct FakeInvoker {
    payloads: Mutex<Vec<(String, Value)>>,
}

impl Invoker for FakeInvoker {
    fn invoke_async<'a>(
        &'a self,
        function: &'a str,
        payload: Value,
    ) -> BoxFuture<'a, Result<(), String>> {
        Box::pin(async move {
            self.payloads
                .lock()
                .unwrap()
                .push((function.to_string(), payload));
            Ok(())
        })
    }
}

fn invocation(seconds: u64) -> Invocation {
    Invocation {
        deadline: SystemTime::now() + Duration::from_secs(seconds),
        function_arn: FUNCTION_ARN.to_string(),
    }
}

struct Answer {
    status: Status,
    id: String,
    reason: String,
    data: BTreeMap<String, String>,
}

fn answered(outcome: &Outcome) -> Answer {
    match outcome {
        Outcome::Answered {
            status,
            physical_resource_id,
            reason,
            data,
            delivered,
        } => {
            assert!(delivered, "the response was not delivered: {outcome:?}");
            Answer {
                status: *status,
                id: physical_resource_id.clone(),
                reason: reason.clone().unwrap_or_default(),
                data: data.iter().cloned().collect(),
            }
        }
        other => panic!("expected an answer, got {other:?}"),
    }
}

struct Fixture {
    emulator: Emulator,
    server: ResponseServer,
    handler: Arc<Handler>,
    invoker: Arc<FakeInvoker>,
    next: Mutex<u32>,
}

impl Fixture {
    fn request_name(&self, prefix: &str) -> (String, String) {
        let mut n = self.next.lock().unwrap();
        *n += 1;
        let request_id = format!("{prefix}-{n:03}-7c1e-4a0b-9b51");
        (request_id.clone(), format!("r/{request_id}"))
    }

    /// The rollback Delete CloudFormation sends after a Create answered with the create-failed
    /// id, run by `offline` (whose AWS is unreachable): it must succeed without an AWS call.
    async fn rollback_delete(
        &self,
        offline: &Arc<Handler>,
        resource_type: &str,
        logical_id: &str,
        properties: Value,
        prefix: &str,
    ) -> Answer {
        let (rid, name) = self.request_name(prefix);
        let outcome = offline
            .handle(
                EventBuilder::delete(resource_type)
                    .logical_id(logical_id)
                    .request(&rid, &self.server.url(&name))
                    .physical_id(CREATE_FAILED_ID)
                    .properties(properties)
                    .build(),
                invocation(60),
            )
            .await;
        answered(&outcome)
    }

    /// Runs `event` to its answer, executing continuations as Lambda would; returns the
    /// answer and how many continuations it took. The PUT recorded must match the answer.
    async fn run(&self, event: Value, first_invocation_seconds: u64, name: &str) -> (Answer, u32) {
        let mut outcome = self
            .handler
            .handle(event, invocation(first_invocation_seconds))
            .await;
        let mut continuations = 0;
        while let Outcome::Continued { count } = outcome {
            continuations = count;
            let (function, payload) = self.invoker.payloads.lock().unwrap().pop().unwrap();
            assert_eq!(function, FUNCTION_ARN);
            assert_eq!(
                payload["SecureMlopsContinuation"]["Count"], count,
                "{payload}"
            );
            outcome = self.handler.handle(payload, invocation(300)).await;
        }
        let answer = answered(&outcome);
        let puts = self.server.puts_for(name);
        assert_eq!(puts.len(), 1, "one PUT per answered request: {puts:?}");
        let put = &puts[0];
        assert!(put.size <= 4096, "body of {} bytes", put.size);
        assert_eq!(put.content_type.as_deref(), Some(""), "signed without one");
        let status = match answer.status {
            Status::Success => "SUCCESS",
            Status::Failed => "FAILED",
        };
        assert_eq!(put.body["Status"], status, "{}", put.body);
        assert_eq!(put.body["PhysicalResourceId"], answer.id.as_str());
        assert_eq!(put.body["StackId"], STACK_ID);
        for (k, v) in &answer.data {
            assert_eq!(put.body["Data"][k], v.as_str(), "Data.{k}");
        }
        (answer, continuations)
    }
}

fn counts(emulator: &Emulator) -> BTreeMap<String, usize> {
    // What environments make, and what projects enablement makes.
    let kinds: Vec<&str> = ENVIRONMENT_KINDS
        .iter()
        .copied()
        .chain([
            "servicecatalog:principal_association",
            "sagemaker:servicecatalog_portfolio",
        ])
        .collect();
    emulator.counts(&kinds)
}

#[tokio::test(flavor = "multi_thread")]
async fn custom_resource_events_for_both_types_against_the_emulator() {
    // A single-test binary: nothing else reads the environment concurrently.
    std::env::set_var("AWS_ACCESS_KEY_ID", "testing");
    std::env::set_var("AWS_SECRET_ACCESS_KEY", "testing");
    let emulator = Emulator::start();
    let server = ResponseServer::start();
    let settings = Settings {
        connection: ConnectionSettings {
            region: Some(REGION.into()),
            endpoint: Some(emulator.endpoint.clone()),
            ..Default::default()
        },
        // The local stand-in for CloudFormation's response bucket, as the emulator's
        // CloudFormation sets SECURE_MLOPS_ALLOWED_RESPONSE_HOST for its Lambda.
        allowed_response_hosts: AllowedResponseHosts::parse(server.authority()),
        // Small margins, so a short first invocation makes the engine stop and continue.
        margin: Duration::from_secs(3),
        answer_reserve: Duration::from_secs(2),
        ..Settings::default()
    };
    let invoker = Arc::new(FakeInvoker::default());
    let handler = Arc::new(Handler::new(settings.clone(), invoker.clone()));
    // A handler whose AWS is unreachable: whatever it answers SUCCESS to touched no AWS API.
    let offline = Arc::new(Handler::new(
        Settings {
            connection: ConnectionSettings {
                region: Some(REGION.into()),
                endpoint: Some("http://127.0.0.1:9".into()),
                ..Default::default()
            },
            ..settings.clone()
        },
        invoker.clone(),
    ));
    let f = Fixture {
        emulator,
        server,
        handler,
        invoker,
        next: Mutex::new(0),
    };
    let before = counts(&f.emulator);

    // A handler allowed no continuation at all.
    let capped = Arc::new(Handler::new(
        Settings {
            max_continuations: 0,
            ..settings.clone()
        },
        f.invoker.clone(),
    ));
    unusable_events(&f, &offline).await;
    templates_refused(&f, &offline).await;
    projects_lifecycle(&f, &offline, &capped).await;
    // Projects' two service roles are account-wide and stay by design; nothing else does.
    let mut after_projects = counts(&f.emulator);
    assert_eq!(after_projects["iam:role"], before["iam:role"] + 2);
    after_projects.insert("iam:role".into(), before["iam:role"]);
    assert_eq!(
        after_projects, before,
        "the projects Delete left something behind"
    );
    let after_projects = counts(&f.emulator);

    brought_roles(&f, &settings).await;
    environment_lifecycle(&f, &offline).await;

    assert_eq!(
        counts(&f.emulator),
        after_projects,
        "something was left behind"
    );
    for id in [
        "crteam-dev",
        "crteam2-dev",
        &format!("{ACCOUNT_ID}/{REGION}"),
    ] {
        assert!(
            f.handler.stored_record(id).await.unwrap().is_none(),
            "the record of {id} is left"
        );
    }
}

async fn projects_lifecycle(f: &Fixture, offline: &Arc<Handler>, capped: &Arc<Handler>) {
    const TYPE: &str = "Custom::SageMakerProjectsEnablement";
    let id = format!("{ACCOUNT_ID}/{REGION}");
    let (alice, bob) = (role_arn("alice-studio"), role_arn("bob-studio"));

    // A bad principal: FAILED on PrincipalArns with the create-failed id, nothing changed.
    let (rid, name) = f.request_name("pbad");
    let props = json!({"PrincipalArns": ["arn:aws:iam::123456789012:user/alice"], "CreateServiceRoles": "true"});
    let (a, _) = f
        .run(
            EventBuilder::create(TYPE)
                .logical_id("Projects")
                .request(&rid, &f.server.url(&name))
                .properties(props.clone())
                .build(),
            60,
            &name,
        )
        .await;
    assert_eq!(a.status, Status::Failed);
    assert_eq!(a.id, CREATE_FAILED_ID);
    assert!(a.reason.contains("PrincipalArns: "), "{}", a.reason);
    assert!(f
        .emulator
        .inventory_of("sagemaker:servicecatalog_portfolio")
        .is_empty());
    // Its rollback Delete succeeds without any AWS call (AWS is unreachable for `offline`).
    let a = f
        .rollback_delete(offline, TYPE, "Projects", props, "pbad-del")
        .await;
    assert_eq!(a.status, Status::Success);

    // Not finished in one short invocation, and no continuation allowed: FAILED in time,
    // with the real id (the portfolio was enabled), and its Delete cleans up.
    f.emulator.set_config(r#"{"sc_share_delay_seconds": 8}"#);
    let slow = json!({"PrincipalArns": [alice], "DisableOnDestroy": "true"});
    let (rid, name) = f.request_name("pcapped");
    let started = Instant::now();
    let outcome = capped
        .handle(
            EventBuilder::create(TYPE)
                .logical_id("Projects")
                .request(&rid, &f.server.url(&name))
                .properties(slow.clone())
                .build(),
            invocation(6),
        )
        .await;
    f.emulator.set_config(r#"{"sc_share_delay_seconds": 1}"#);
    let a = answered(&outcome);
    assert!(
        started.elapsed() < Duration::from_secs(6),
        "answered before the deadline"
    );
    assert_eq!((a.status, a.id.as_str()), (Status::Failed, id.as_str()));
    assert!(
        a.reason
            .contains("Not finished after 1 invocation(s) (the limit)"),
        "{}",
        a.reason
    );
    let (rid, name) = f.request_name("pcapped-del");
    let (d, _) = f
        .run(
            EventBuilder::delete(TYPE)
                .logical_id("Projects")
                .request(&rid, &f.server.url(&name))
                .physical_id(&id)
                .properties(slow)
                .build(),
            60,
            &name,
        )
        .await;
    assert_eq!(
        (d.status, d.id.as_str()),
        (Status::Success, id.as_str()),
        "{}",
        d.reason
    );
    assert!(f
        .emulator
        .inventory_of("sagemaker:servicecatalog_portfolio")
        .is_empty());

    // Create; the first PUT attempt meets a 500 and is retried.
    let props = json!({"PrincipalArns": [alice], "DisableOnDestroy": "true"});
    let (rid, name) = f.request_name("pcreate");
    let name = format!("flaky/{name}");
    let create = EventBuilder::create(TYPE)
        .logical_id("Projects")
        .request(&rid, &f.server.url(&name))
        .properties(props.clone())
        .build();
    let (a, _) = f.run(create.clone(), 120, &name).await;
    assert_eq!(a.status, Status::Success, "{}", a.reason);
    assert_eq!(
        f.server.attempts_for(&name),
        2,
        "the failed PUT was retried"
    );
    assert_eq!(a.id, id);
    assert!(a.data["PortfolioId"].starts_with("port-"), "{:?}", a.data);
    assert_eq!(a.data["Status"], "Enabled");
    assert_eq!(a.data["PrincipalArns"], alice);
    assert!(a.data["LaunchRoleArn"].ends_with("AmazonSageMakerServiceCatalogProductsLaunchRole"));
    let associations = f
        .emulator
        .inventory_of("servicecatalog:principal_association");
    assert_eq!(associations.len(), 1, "{associations:?}");

    // The same event delivered again: the same answer, nothing new.
    let outcome = f.handler.handle(create, invocation(120)).await;
    let again = answered(&outcome);
    assert_eq!(
        (again.status, again.id.as_str()),
        (Status::Success, id.as_str())
    );
    assert_eq!(again.data, a.data);
    assert_eq!(
        f.emulator
            .inventory_of("servicecatalog:principal_association"),
        associations
    );

    // Update: bob added in place.
    let new_props = json!({"PrincipalArns": [alice, bob], "DisableOnDestroy": "true"});
    let (rid, name) = f.request_name("pupdate");
    let (a, _) = f
        .run(
            EventBuilder::update(TYPE)
                .logical_id("Projects")
                .request(&rid, &f.server.url(&name))
                .physical_id(&id)
                .properties(new_props.clone())
                .old_properties(props)
                .build(),
            120,
            &name,
        )
        .await;
    assert_eq!(
        (a.status, a.id.as_str()),
        (Status::Success, id.as_str()),
        "{}",
        a.reason
    );
    assert_eq!(a.data["PrincipalArns"], format!("{alice},{bob}"));
    assert_eq!(
        f.emulator
            .inventory_of("servicecatalog:principal_association")
            .len(),
        2
    );

    // Another stack's Create of the same account and region is refused without a change.
    let (rid, name) = f.request_name("pother");
    let other = EventBuilder::create(TYPE)
        .logical_id("Projects")
        .stack_id(&STACK_ID.replace("ds-team", "other-team"))
        .request(&rid, &f.server.url(&name))
        .properties(new_props.clone())
        .build();
    let outcome = f.handler.handle(other, invocation(60)).await;
    let refused = answered(&outcome);
    assert_eq!(
        (refused.status, refused.id.as_str()),
        (Status::Failed, CREATE_FAILED_ID)
    );
    assert!(
        refused.reason.contains("already managed by Projects"),
        "{}",
        refused.reason
    );

    // Delete: the associations go, and with DisableOnDestroy the portfolio is disabled.
    let (rid, name) = f.request_name("pdelete");
    let delete = EventBuilder::delete(TYPE)
        .logical_id("Projects")
        .request(&rid, &f.server.url(&name))
        .physical_id(&id)
        .properties(new_props)
        .build();
    let (a, _) = f.run(delete.clone(), 120, &name).await;
    assert_eq!(
        (a.status, a.id.as_str()),
        (Status::Success, id.as_str()),
        "{}",
        a.reason
    );
    assert!(f
        .emulator
        .inventory_of("servicecatalog:principal_association")
        .is_empty());
    assert!(f
        .emulator
        .inventory_of("sagemaker:servicecatalog_portfolio")
        .is_empty());
    // Delivered twice: still SUCCESS, nothing to do.
    let outcome = f.handler.handle(delete, invocation(60)).await;
    assert_eq!(answered(&outcome).status, Status::Success);
}

/// Events that cannot be served are still answered, without any AWS call.
async fn unusable_events(f: &Fixture, offline: &Arc<Handler>) {
    let (rid, name) = f.request_name("unknown-type");
    let outcome = offline
        .handle(
            EventBuilder::create("Custom::Nope")
                .logical_id("X")
                .request(&rid, &f.server.url(&name))
                .build(),
            invocation(60),
        )
        .await;
    let a = answered(&outcome);
    assert_eq!(
        (a.status, a.id.as_str()),
        (Status::Failed, CREATE_FAILED_ID)
    );
    assert!(
        a.reason.contains("Custom::SecureDsEnvironment"),
        "{}",
        a.reason
    );

    let (_, name) = f.request_name("malformed");
    let malformed = json!({
        "RequestType": "Create",
        "ResponseURL": f.server.url(&name),
        "StackId": STACK_ID,
        "LogicalResourceId": "X"
    });
    let outcome = offline.handle(malformed, invocation(60)).await;
    let a = answered(&outcome);
    assert_eq!(a.status, Status::Failed);
    assert!(a.reason.contains("RequestId"), "{}", a.reason);
    assert_eq!(f.server.puts_for(&name).len(), 1);

    let outcome = offline
        .handle(json!({"hello": "world"}), invocation(60))
        .await;
    assert!(matches!(outcome, Outcome::Ignored { .. }), "{outcome:?}");

    // A ResponseURL that is not CloudFormation's (nor the allowed local host): nothing runs,
    // nothing is answered, the reason never quotes the signature.
    let (rid, name) = f.request_name("foreign-url");
    let foreign = f.server.url(&name).replace("127.0.0.1", "localhost");
    let outcome = offline
        .handle(
            EventBuilder::create(PROJECTS_TYPE)
                .request(&rid, &foreign)
                .properties(json!({"PrincipalArns": []}))
                .build(),
            invocation(60),
        )
        .await;
    let Outcome::Refused { why } = outcome else {
        panic!("a foreign ResponseURL must be refused: {outcome:?}")
    };
    assert!(!why.contains("not-for-logs"), "{why}");
    assert!(f.server.puts_for(&name).is_empty(), "nothing was answered");
}

/// MLOps project templates refused before any change: a property on its path, then an
/// environment that is not there. Neither leaves a record, and the rollback Delete of the
/// failed Create calls no AWS API (the offline handler answers it).
async fn templates_refused(f: &Fixture, offline: &Arc<Handler>) {
    let (rid, name) = f.request_name("templates-bad-source");
    let (a, _) = f
        .run(
            EventBuilder::create(TEMPLATES_TYPE)
                .logical_id("Templates")
                .request(&rid, &f.server.url(&name))
                .properties(json!({"EnvironmentId": "nope-dev", "Source": {"Type": "github"}}))
                .build(),
            60,
            &name,
        )
        .await;
    assert_eq!(
        (a.status, a.id.as_str()),
        (Status::Failed, CREATE_FAILED_ID)
    );
    assert!(a.reason.contains("Source.Type"), "{}", a.reason);

    let (rid, name) = f.request_name("templates-no-environment");
    let props = json!({"EnvironmentId": "nope-dev"});
    let (a, _) = f
        .run(
            EventBuilder::create(TEMPLATES_TYPE)
                .logical_id("Templates")
                .request(&rid, &f.server.url(&name))
                .properties(props.clone())
                .build(),
            60,
            &name,
        )
        .await;
    assert_eq!(
        (a.status, a.id.as_str()),
        (Status::Failed, CREATE_FAILED_ID)
    );
    assert!(
        a.reason.contains("environment nope-dev")
            && a.reason.contains("create the environment first"),
        "{}",
        a.reason
    );
    assert!(f
        .handler
        .stored_record("nope-dev/mlops-templates")
        .await
        .unwrap()
        .is_none());

    let a = f
        .rollback_delete(
            offline,
            TEMPLATES_TYPE,
            "Templates",
            props,
            "templates-rollback",
        )
        .await;
    assert_eq!(
        (a.status, a.id.as_str()),
        (Status::Success, CREATE_FAILED_ID)
    );
}

/// A role brought for an environment must be tagged for it, or within the pattern the stack's
/// administrator allowed (`ExistingRoleNamePattern`): otherwise the Create fails on the
/// property before anything is made. Within the pattern, the environment is made with it and
/// deleted without touching it.
async fn brought_roles(f: &Fixture, settings: &Settings) {
    const TYPE: &str = "Custom::SecureDsEnvironment";
    let iam = aws_sdk_iam::Client::new(&f.emulator.sdk_config().await);
    let trust = json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let role = iam
        .create_role()
        .role_name("ds-brought-exec")
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateRole: {e:?}"));
    let arn = role.role().map(|r| r.arn().to_string()).unwrap_or_default();
    let start = counts(&f.emulator);
    let mut props = environment_props("crbrought", &[]);
    props["Iam"] = json!({"ExecutionRoleArn": arn});
    // No domain: its kept home file system would count against the later lifecycle.
    props["Studio"] = json!({"Enabled": "false"});
    let create = |rid: &str, url: &str| {
        EventBuilder::create(TYPE)
            .logical_id("Brought")
            .request(rid, url)
            .properties(props.clone())
            .build()
    };

    let (rid, name) = f.request_name("ebrought");
    let (a, _) = f.run(create(&rid, &f.server.url(&name)), 60, &name).await;
    assert_eq!(
        (a.status, a.id.as_str()),
        (Status::Failed, CREATE_FAILED_ID)
    );
    assert!(
        a.reason.contains("Iam.ExecutionRoleArn")
            && a.reason
                .contains("is not tagged secure-mlops:environment = crbrought-dev"),
        "{}",
        a.reason
    );
    assert_eq!(counts(&f.emulator), start, "a refused role made something");

    // Allowed by the administrator's pattern: used as it is, and left alone by the Delete.
    let allowed = Arc::new(Handler::new(
        Settings {
            existing_role_name_pattern: Some("ds-brought-*".into()),
            ..settings.clone()
        },
        f.invoker.clone(),
    ));
    let (rid, name) = f.request_name("ebrought-ok");
    let outcome = allowed
        .handle(create(&rid, &f.server.url(&name)), invocation(300))
        .await;
    let a = answered(&outcome);
    assert_eq!(a.status, Status::Success, "{}", a.reason);
    assert_eq!(a.data["ExecutionRoleArn"], arn);
    let (rid, name) = f.request_name("ebrought-del");
    let outcome = allowed
        .handle(
            EventBuilder::delete(TYPE)
                .logical_id("Brought")
                .request(&rid, &f.server.url(&name))
                .physical_id(&a.id)
                .properties(props.clone())
                .build(),
            invocation(300),
        )
        .await;
    assert_eq!(answered(&outcome).status, Status::Success);
    assert_eq!(
        counts(&f.emulator),
        start,
        "the Delete left something behind"
    );
    iam.delete_role()
        .role_name("ds-brought-exec")
        .send()
        .await
        .unwrap_or_else(|e| panic!("the brought role is gone: {e:?}"));
}

fn environment_props(name: &str, profiles: &[(&str, &str)]) -> Value {
    let profiles: serde_json::Map<String, Value> = profiles
        .iter()
        .map(|(n, p)| (n.to_string(), json!({"Persona": p})))
        .collect();
    json!({
        "Name": name,
        "Stage": "dev",
        "Tags": {"cost-center": "cc-1"},
        "Network": {
            "InterfaceEndpoints": ["sts", "sagemaker.api", "sagemaker.runtime", "studio"],
            "FlowLogs": {"Enabled": "true", "RetentionDays": "14"}
        },
        "Storage": {"ForceDestroy": "true"},
        "Guardrails": {"AllowedInstanceTypes": ["ml.t3.medium", "ml.m5.xlarge"]},
        "Studio": {"UserProfiles": profiles}
    })
}

async fn environment_lifecycle(f: &Fixture, offline: &Arc<Handler>) {
    const TYPE: &str = "Custom::SecureDsEnvironment";
    let start = counts(&f.emulator);

    // Bad properties: every problem on its PascalCase path, the create-failed id, no change.
    let mut bad = environment_props("crteam", &[("alice", "data_scientist")]);
    bad["Network"]["AvailabilityZones"] = json!([format!("{REGION}a"), format!("{REGION}b")]);
    bad["Network"]["PrivateSubnetCidrs"] = json!(["10.0.0.0/19", "10.1.0.0/19"]);
    bad["Storage"]["ForceDestroy"] = json!("yes");
    bad["Network"]["VpcCIDR"] = json!("10.0.0.0/16");
    let (rid, name) = f.request_name("ebad");
    let (a, _) = f
        .run(
            EventBuilder::create(TYPE)
                .logical_id("Env")
                .request(&rid, &f.server.url(&name))
                .properties(bad.clone())
                .build(),
            60,
            &name,
        )
        .await;
    assert_eq!(
        (a.status, a.id.as_str()),
        (Status::Failed, CREATE_FAILED_ID)
    );
    assert!(
        a.reason
            .contains("Storage.ForceDestroy: \"yes\" is not a boolean"),
        "{}",
        a.reason
    );
    assert!(
        a.reason
            .contains("Network.VpcCIDR: unknown property; did you mean VpcCidr?"),
        "{}",
        a.reason
    );
    let mut typo_fixed = bad.clone();
    typo_fixed["Storage"]["ForceDestroy"] = json!("true");
    typo_fixed["Network"]
        .as_object_mut()
        .unwrap()
        .remove("VpcCIDR");
    let (rid, name) = f.request_name("ebad2");
    let (a, _) = f
        .run(
            EventBuilder::create(TYPE)
                .logical_id("Env")
                .request(&rid, &f.server.url(&name))
                .properties(typo_fixed)
                .build(),
            60,
            &name,
        )
        .await;
    assert_eq!(
        (a.status, a.id.as_str()),
        (Status::Failed, CREATE_FAILED_ID)
    );
    assert!(
        a.reason.contains(
            "Network.PrivateSubnetCidrs[1]: 10.1.0.0/19 is not inside the VPC CIDR 10.0.0.0/16"
        ),
        "{}",
        a.reason
    );
    assert!(!a.reason.contains("private_subnet_cidrs"), "{}", a.reason);
    assert_eq!(
        counts(&f.emulator),
        start,
        "a refused Create changed something"
    );
    // The rollback Delete succeeds without touching AWS.
    let a = f
        .rollback_delete(offline, TYPE, "Env", bad, "ebad-del")
        .await;
    assert_eq!(a.status, Status::Success);

    // Create, with Studio slow enough that the first (short) invocation cannot finish: the
    // handler records the ledger and continues in new invocations.
    f.emulator.set_config(r#"{"studio_delay_seconds": 4}"#);
    let props = environment_props("crteam", &[("alice", "data_scientist")]);
    let (rid, name) = f.request_name("ecreate");
    let create = EventBuilder::create(TYPE)
        .logical_id("Env")
        .request(&rid, &f.server.url(&name))
        .properties(props.clone())
        .build();
    let started = Instant::now();
    let (a, continuations) = f.run(create.clone(), 9, &name).await;
    eprintln!(
        "Create: {:?}, {continuations} continuation(s)",
        started.elapsed()
    );
    f.emulator.set_config(r#"{"studio_delay_seconds": 0.3}"#);
    assert_eq!(
        (a.status, a.id.as_str()),
        (Status::Success, "crteam-dev"),
        "{}",
        a.reason
    );
    assert!(
        continuations >= 1,
        "the short first invocation should have continued"
    );
    let d = &a.data;
    assert!(d["VpcId"].starts_with("vpc-"), "{d:?}");
    assert_eq!(d["PrivateSubnetIds"].split(',').count(), 2, "{d:?}");
    assert!(d["PrivateSubnetIds"]
        .split(',')
        .all(|s| s.starts_with("subnet-")));
    assert_eq!(d["PublicSubnetIds"], "");
    assert!(d["DataKmsKeyArn"].starts_with("arn:aws:kms:"), "{d:?}");
    assert!(d["StudioKmsKeyArn"].starts_with("arn:aws:kms:"), "{d:?}");
    assert_eq!(
        d["ExecutionRoleArn"],
        environment_role_arn("crteam-dev-execution")
    );
    assert_eq!(
        d["DataBucketName"],
        format!("crteam-dev-{REGION}-{ACCOUNT_ID}-data")
    );
    assert!(d["DomainId"].starts_with("d-"), "{d:?}");
    assert!(d["EfsId"].starts_with("fs-"), "{d:?}");
    assert!(
        d["UserProfileArns.alice"].contains(":user-profile/"),
        "{d:?}"
    );
    // The four given, and the package repository's two.
    assert_eq!(d["InterfaceEndpointIds"].split(',').count(), 6, "{d:?}");
    assert_eq!(
        d["PackageRepositoryUrl"],
        format!(
            "https://crteam-dev-{ACCOUNT_ID}.d.codeartifact.{REGION}.amazonaws.com/pypi/pypi/simple/"
        )
    );
    let record = f
        .handler
        .stored_record("crteam-dev")
        .await
        .unwrap()
        .unwrap();
    assert!(!record.in_progress);
    assert!(record.ledger.len() > 20, "{}", record.ledger.len());
    let created = counts(&f.emulator);
    assert_eq!(created["ec2:vpc"], start["ec2:vpc"] + 1);
    assert_eq!(created["sagemaker:domain"], start["sagemaker:domain"] + 1);

    // The same Create delivered again: the same answer, nothing new.
    let outcome = f.handler.handle(create, invocation(300)).await;
    let again = answered(&outcome);
    assert_eq!(
        (again.status, again.id.as_str()),
        (Status::Success, "crteam-dev"),
        "{}",
        again.reason
    );
    assert_eq!(again.data, a.data);
    assert_eq!(
        counts(&f.emulator),
        created,
        "a repeated Create changed something"
    );

    // Update in place: a second user profile; the domain stays.
    let updated = environment_props(
        "crteam",
        &[("alice", "data_scientist"), ("bob", "team_admin")],
    );
    let (rid, name) = f.request_name("eupdate");
    let (u, _) = f
        .run(
            EventBuilder::update(TYPE)
                .logical_id("Env")
                .request(&rid, &f.server.url(&name))
                .physical_id("crteam-dev")
                .properties(updated.clone())
                .old_properties(props.clone())
                .build(),
            300,
            &name,
        )
        .await;
    assert_eq!(
        (u.status, u.id.as_str()),
        (Status::Success, "crteam-dev"),
        "{}",
        u.reason
    );
    assert_eq!(u.data["DomainId"], a.data["DomainId"]);
    assert_eq!(u.data["VpcId"], a.data["VpcId"]);
    assert!(
        u.data["UserProfileArns.bob"].contains(":user-profile/"),
        "{:?}",
        u.data
    );

    // A new VPC CIDR under the same Name and Stage: refused, nothing changed.
    let mut new_cidr = updated.clone();
    new_cidr["Network"]["VpcCidr"] = json!("10.9.0.0/16");
    let (rid, name) = f.request_name("eimmutable");
    let before_refusal = counts(&f.emulator);
    let (r, _) = f
        .run(
            EventBuilder::update(TYPE)
                .logical_id("Env")
                .request(&rid, &f.server.url(&name))
                .physical_id("crteam-dev")
                .properties(new_cidr.clone())
                .old_properties(updated.clone())
                .build(),
            300,
            &name,
        )
        .await;
    assert_eq!((r.status, r.id.as_str()), (Status::Failed, "crteam-dev"));
    assert!(
        r.reason
            .starts_with("Network.VpcCidr, Network.PrivateSubnetCidrs cannot change in place"),
        "{}",
        r.reason
    );
    assert_eq!(counts(&f.emulator), before_refusal);

    // With a new Name as well: a replacement under a new id...
    let mut replacement = new_cidr.clone();
    replacement["Name"] = json!("crteam2");
    let (rid, name) = f.request_name("ereplace");
    let (n, _) = f
        .run(
            EventBuilder::update(TYPE)
                .logical_id("Env")
                .request(&rid, &f.server.url(&name))
                .physical_id("crteam-dev")
                .properties(replacement.clone())
                .old_properties(updated.clone())
                .build(),
            300,
            &name,
        )
        .await;
    assert_eq!(
        (n.status, n.id.as_str()),
        (Status::Success, "crteam2-dev"),
        "{}",
        n.reason
    );
    assert_ne!(n.data["VpcId"], a.data["VpcId"]);
    assert_eq!(counts(&f.emulator)["ec2:vpc"], start["ec2:vpc"] + 2);

    // ...and CloudFormation's Delete of the old id, with the old properties, removes the old one.
    let (rid, name) = f.request_name("edelete-old");
    let delete_old = EventBuilder::delete(TYPE)
        .logical_id("Env")
        .request(&rid, &f.server.url(&name))
        .physical_id("crteam-dev")
        .properties(updated)
        .build();
    let (d, _) = f.run(delete_old.clone(), 300, &name).await;
    assert_eq!(
        (d.status, d.id.as_str()),
        (Status::Success, "crteam-dev"),
        "{}",
        d.reason
    );
    let after_old = counts(&f.emulator);
    assert_eq!(after_old["ec2:vpc"], start["ec2:vpc"] + 1);
    assert_eq!(after_old["sagemaker:domain"], start["sagemaker:domain"] + 1);
    // Delivered twice: nothing recorded and no trace left, so nothing is done (not even a
    // create-and-delete by adoption, which would leave one more home file system).
    let efs_after_old = f.emulator.inventory_of("efs:file_system");
    let outcome = f.handler.handle(delete_old, invocation(300)).await;
    assert_eq!(answered(&outcome).status, Status::Success);
    assert_eq!(
        counts(&f.emulator),
        after_old,
        "a repeated Delete changed something"
    );
    assert_eq!(f.emulator.inventory_of("efs:file_system"), efs_after_old);

    // The final Delete: nothing left but the two Studio home file systems (Retain).
    let efs_before = f.emulator.inventory_of("efs:file_system").len();
    let (rid, name) = f.request_name("edelete");
    let (d, _) = f
        .run(
            EventBuilder::delete(TYPE)
                .logical_id("Env")
                .request(&rid, &f.server.url(&name))
                .physical_id("crteam2-dev")
                .properties(replacement)
                .build(),
            300,
            &name,
        )
        .await;
    assert_eq!(
        (d.status, d.id.as_str()),
        (Status::Success, "crteam2-dev"),
        "{}",
        d.reason
    );
    assert_eq!(
        counts(&f.emulator),
        start,
        "the Deletes left something behind"
    );
    assert_eq!(f.emulator.inventory_of("efs:file_system").len(), efs_before);
    assert_eq!(efs_before, 2, "each domain's home file system is kept");
}
