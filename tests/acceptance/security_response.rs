//! `sagemaker_security_response` with the real `terraform` CLI and provider against the emulator,
//! whose CloudTrail records SageMaker calls and whose EventBridge delivers them to the real
//! `bootstrap` (the packaged zip, run as a local process):
//!
//! * without a logging trail, the plan fails and says what to create;
//! * with one, a training job its execution role starts outside the environment's network is
//!   stopped within seconds, tagged `secure-mlops:response`, and reported on the topic; a
//!   compliant job runs on untouched;
//! * the same event delivered again changes nothing and notifies no one twice;
//! * the same function answers an audit request with the detective control's findings;
//! * the function's role is created under the permissions boundary given; the resource is
//!   imported by its name;
//! * a Studio domain opened to the internet is put back to `VpcOnly` and tagged, and an app
//!   started on an instance type outside the guardrails is deleted;
//! * destroy removes every part.

use std::time::{Duration, Instant};

use acceptance::{environment_role_arn, lambda_zip, Emulator, Workdir, REGION};
use serde_json::{json, Value};

const RESPONSE: &str = "sagemaker_security_response.this";
const ENVIRONMENT: &str = "sagemaker_secure_ds_environment.team";

/// What the response makes, as the emulator lists it.
const RESPONSE_KINDS: &[&str] = &["events:rule", "lambda:function", "sns:topic", "sqs:queue"];

fn config(zip: &str) -> String {
    config_with(zip, "enabled = false", "mode = \"both\"\n  kms_key_arn = sagemaker_secure_ds_environment.team.kms_key_arns[\"data\"]")
}

/// The environment's `studio` block body and the response's mode lines.
fn config_with(zip: &str, studio: &str, response: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    sagemaker = {{ source = "secure-mlops/sagemaker" }}
  }}
}}

provider "sagemaker" {{}}

resource "sagemaker_secure_ds_environment" "team" {{
  name  = "resp"
  stage = "dev"

  network {{
    availability_zones  = ["{REGION}a", "{REGION}b"]
    interface_endpoints = ["sts"]
  }}

  storage {{
    force_destroy = true
  }}

  guardrails {{
    allowed_instance_types = ["ml.m5.large", "ml.t3.medium"]
  }}

  studio {{
    {studio}
  }}
}}

resource "sagemaker_security_response" "this" {{
  package_path = "{zip}"
  {response}
}}

output "topic_arn" {{
  value = sagemaker_security_response.this.topic_arn
}}
"#
    )
}

fn strings(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .filter_map(|s| s.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// Polls `check` every 200 ms until it answers `Some`, or fails after `limit`.
async fn within<T, F, Fut>(what: &str, limit: Duration, mut check: F) -> (T, Duration)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Option<T>>,
{
    let started = Instant::now();
    loop {
        if let Some(v) = check().await {
            return (v, started.elapsed());
        }
        assert!(started.elapsed() < limit, "{what}: not within {limit:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Creates the org trail the response needs.
async fn org_trail(emulator: &Emulator, clients: &secure_mlops_core::aws::AwsClients) {
    let s3 = emulator.s3_client().await;
    // The tests' region is us-east-1, which takes no location constraint.
    s3.create_bucket()
        .bucket("org-trail")
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateBucket: {e:?}"));
    clients
        .cloudtrail
        .create_trail()
        .name("org")
        .s3_bucket_name("org-trail")
        .is_multi_region_trail(true)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateTrail: {e:?}"));
    clients
        .cloudtrail
        .start_logging()
        .name("org")
        .send()
        .await
        .unwrap_or_else(|e| panic!("StartLogging: {e:?}"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_job_outside_the_environment_is_stopped_tagged_and_reported_a_compliant_one_is_not() {
    let emulator = Emulator::start();
    let zip = lambda_zip();
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&config(&zip.display().to_string()));
    let clients = emulator.clients().await;

    // No trail: the plan stops before anything is made, and says what to do.
    let plan = work.terraform(&["plan", "-input=false", "-no-color"]);
    assert!(
        plan.code != 0,
        "a plan without a trail must fail: {}",
        plan.text()
    );
    assert!(
        plan.text()
            .contains("No CloudTrail Trail Records SageMaker Calls")
            && plan.text().contains("is_multi_region_trail"),
        "{}",
        plan.text()
    );

    org_trail(&emulator, &clients).await;

    work.apply();
    work.assert_plan_empty("after the first apply");
    let response = work.resource_values(RESPONSE);
    assert_eq!(response["trail_name"], "org");
    assert_eq!(response["mode"], "both");
    let topic = response["topic_arn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(topic.ends_with(":secure-mlops-response"), "{response}");
    assert!(
        response["role_arn"]
            .as_str()
            .is_some_and(|r| r.contains(":role/secure-mlops-response/")),
        "{response}"
    );

    // A reader of the findings: a queue subscribed to the topic.
    let inbox = clients
        .sqs
        .create_queue()
        .queue_name("inbox")
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateQueue: {e:?}"))
        .queue_url()
        .unwrap_or_default()
        .to_string();
    clients
        .sns
        .subscribe()
        .topic_arn(&topic)
        .protocol("sqs")
        .endpoint(format!("arn:aws:sqs:{REGION}:123456789012:inbox"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("Subscribe: {e:?}"));

    let env = work.resource_values(ENVIRONMENT);
    let subnets = strings(&env["private_subnet_ids"]);
    let group = env["sagemaker_security_group_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let ebs = env["kms_key_arns"]["ebs"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let data = env["kms_key_arns"]["data"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let role = environment_role_arn("resp-dev-execution");

    let ec2 = &clients.ec2;
    let vpc_id = ec2
        .create_vpc()
        .cidr_block("10.9.0.0/16")
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateVpc: {e:?}"))
        .vpc()
        .and_then(|v| v.vpc_id())
        .unwrap_or_default()
        .to_string();
    let outside_subnet = ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block("10.9.0.0/24")
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateSubnet: {e:?}"))
        .subnet()
        .and_then(|s| s.subnet_id())
        .unwrap_or_default()
        .to_string();

    let sagemaker = &clients.sagemaker;
    let rogue_arn = acceptance::training_job(
        sagemaker,
        "rogue",
        &role,
        Some((&outside_subnet, &group)),
        Some((&ebs, &data)),
    )
    .send()
    .await
    .unwrap_or_else(|e| panic!("CreateTrainingJob rogue: {e:?}"))
    .training_job_arn()
    .unwrap_or_default()
    .to_string();
    let tidy_arn = acceptance::training_job(
        sagemaker,
        "tidy",
        &role,
        Some((&subnets[0], &group)),
        Some((&ebs, &data)),
    )
    .send()
    .await
    .unwrap_or_else(|e| panic!("CreateTrainingJob tidy: {e:?}"))
    .training_job_arn()
    .unwrap_or_default()
    .to_string();

    let status = |name: &'static str| async move {
        sagemaker
            .describe_training_job()
            .training_job_name(name)
            .send()
            .await
            .ok()
            .and_then(|j| j.training_job_status().map(|s| s.as_str().to_string()))
            .unwrap_or_default()
    };
    let response_tag = |arn: String| async move {
        sagemaker
            .list_tags()
            .resource_arn(arn)
            .send()
            .await
            .ok()
            .and_then(|t| {
                t.tags()
                    .iter()
                    .find(|t| t.key() == Some("secure-mlops:response"))
                    .and_then(|t| t.value().map(str::to_string))
            })
    };
    let (_, took) = within("the rogue job stopped", Duration::from_secs(30), || async {
        matches!(status("rogue").await.as_str(), "Stopping" | "Stopped").then_some(())
    })
    .await;
    eprintln!("rogue job stopped {took:?} after its CreateTrainingJob");
    let (tag, _) = within("the rogue job tagged", Duration::from_secs(30), || async {
        response_tag(rogue_arn.clone())
            .await
            .filter(|t| t.contains("notified"))
    })
    .await;
    assert!(
        tag.starts_with("stopped+notified: ")
            && tag.contains("secure-mlops:compute-in-environment-vpc"),
        "{tag}"
    );

    let (message, _) = within(
        "the finding on the topic",
        Duration::from_secs(30),
        || async {
            let got = clients
                .sqs
                .receive_message()
                .queue_url(&inbox)
                .max_number_of_messages(10)
                .send()
                .await
                .ok()?;
            got.messages()
                .iter()
                .filter_map(|m| m.body())
                .find(|b| b.contains(&rogue_arn))
                .map(str::to_string)
        },
    )
    .await;
    assert!(message.contains(&outside_subnet), "{message}");

    // One structured (JSON) line in the function's log says what was done and why.
    let (line, _) = within(
        "the response's log line",
        Duration::from_secs(30),
        || async {
            let events = clients
                .logs
                .filter_log_events()
                .log_group_name("/aws/lambda/secure-mlops-response")
                .send()
                .await
                .ok()?;
            events
                .events()
                .iter()
                .filter_map(|e| e.message())
                .filter_map(|m| serde_json::from_str::<Value>(m).ok())
                .find(|v| {
                    v["fields"]["message"] == "security response"
                        && v["fields"]["resource_arn"] == rogue_arn.as_str()
                        && v["fields"]["result"] == "acted"
                })
        },
    )
    .await;
    assert_eq!(line["fields"]["environment"], "resp-dev", "{line}");
    assert!(
        line["fields"]["controls"]
            .as_str()
            .is_some_and(|c| c.contains("secure-mlops:compute-in-environment-vpc")),
        "{line}"
    );

    // The compliant job: given the same time, it runs on and carries no response tag.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert_eq!(status("tidy").await, "InProgress");
    assert_eq!(response_tag(tidy_arn.clone()).await, None);

    // The same event again (a redelivery): nothing is stopped or published twice.
    let event = json!({
        "version": "0",
        "id": "redelivered",
        "detail-type": "AWS API Call via CloudTrail",
        "source": "aws.sagemaker",
        "account": "123456789012",
        "region": REGION,
        "time": "2026-12-04T00:00:00Z",
        "resources": [],
        "detail": {
            "eventSource": "sagemaker.amazonaws.com",
            "eventName": "CreateTrainingJob",
            "eventID": "redelivered",
            "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::123456789012:user/test"},
            "requestParameters": {"trainingJobName": "rogue"},
            "responseElements": {"trainingJobArn": rogue_arn}
        }
    });
    let invoked = clients
        .lambda
        .invoke()
        .function_name("secure-mlops-response")
        .payload(aws_smithy_types::Blob::new(event.to_string()))
        .send()
        .await
        .unwrap_or_else(|e| panic!("Invoke: {e:?}"));
    assert_eq!(invoked.function_error(), None);
    let outcome: Value =
        serde_json::from_slice(invoked.payload().map(|p| p.as_ref()).unwrap_or_default())
            .unwrap_or_else(|e| panic!("the function's result is not JSON: {e}"));
    assert_eq!(outcome["compliant"], false, "{outcome}");
    assert_eq!(outcome["environment"], "resp-dev", "{outcome}");
    assert_eq!(outcome["actions"], json!([]), "{outcome}");

    // A job whose role claims an environment that does not exist cannot be judged: the function
    // fails, Lambda retries it twice, and the event lands in the dead-letter queue.
    let ghost_role = clients
        .iam
        .create_role()
        .role_name("ghost-role")
        .assume_role_policy_document(
            json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
                "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]})
            .to_string(),
        )
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("secure-mlops:environment")
                .value("ghost-dev")
                .build()
                .unwrap_or_else(|e| panic!("tag: {e}")),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateRole: {e:?}"))
        .role()
        .map(|r| r.arn().to_string())
        .unwrap_or_default();
    acceptance::training_job(sagemaker, "ghost-job", &ghost_role, None, None)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateTrainingJob ghost-job: {e:?}"));
    let dlq = response["dead_letter_queue_url"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let (dead_letter, took) = within(
        "the ghost event in the dead-letter queue",
        Duration::from_secs(60),
        || async {
            let got = clients
                .sqs
                .receive_message()
                .queue_url(&dlq)
                .max_number_of_messages(10)
                .message_attribute_names("All")
                .send()
                .await
                .ok()?;
            got.messages()
                .iter()
                .find(|m| m.body().is_some_and(|b| b.contains("ghost-job")))
                .cloned()
        },
    )
    .await;
    eprintln!("ghost event dead-lettered {took:?} after its CreateTrainingJob");
    let error = dead_letter
        .message_attributes()
        .and_then(|a| a.get("ErrorMessage"))
        .and_then(|v| v.string_value())
        .unwrap_or_default()
        .to_string();
    assert!(
        error.contains("ghost-dev"),
        "the error names the environment: {error}"
    );
    assert_eq!(
        status("ghost-job").await,
        "InProgress",
        "nothing was done to it"
    );

    // The same binary answers an audit request with the detective control's findings.
    let audited = clients
        .lambda
        .invoke()
        .function_name("secure-mlops-response")
        .payload(aws_smithy_types::Blob::new(
            json!({"SecureMlopsAudit": {"EnvironmentId": "resp-dev"}}).to_string(),
        ))
        .send()
        .await
        .unwrap_or_else(|e| panic!("Invoke (audit): {e:?}"));
    assert_eq!(audited.function_error(), None);
    let audit: Value =
        serde_json::from_slice(audited.payload().map(|p| p.as_ref()).unwrap_or_default())
            .unwrap_or_else(|e| panic!("the audit's result is not JSON: {e}"));
    assert_eq!(audit["compliant"], false, "{audit}");
    let listed: Vec<(&str, &str)> = audit["findings"]
        .as_array()
        .map(|f| {
            f.iter()
                .map(|f| {
                    (
                        f["control"].as_str().unwrap_or_default(),
                        f["resourceArn"].as_str().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(
        listed.contains(&(
            "secure-mlops:compute-in-environment-vpc",
            rogue_arn.as_str()
        )),
        "{audit}"
    );
    assert!(listed.iter().all(|(_, arn)| *arn != tidy_arn), "{audit}");

    // Destroy removes every part.
    work.destroy();
    let left = emulator.counts(RESPONSE_KINDS);
    assert_eq!(
        left.values().sum::<usize>(),
        1,
        "only the test's inbox queue is left: {left:?}"
    );
    assert!(emulator
        .inventory_of("iam:role")
        .iter()
        .all(|r| !r.contains("secure-mlops-response")));
}

#[tokio::test(flavor = "multi_thread")]
async fn studio_opened_to_the_internet_is_put_back_and_an_app_on_a_forbidden_type_is_deleted() {
    let emulator = Emulator::start();
    let zip = lambda_zip();
    let work = Workdir::new(&emulator.endpoint);
    let clients = emulator.clients().await;
    // The platform team's boundary for the function's role, made from the example.
    let example = std::fs::read_to_string(
        acceptance::repo_root().join("examples/iam/secure-mlops-response-boundary.json"),
    )
    .unwrap_or_else(|e| panic!("the example boundary: {e}"))
    .replace("111122223333", "123456789012");
    let boundary = clients
        .iam
        .create_policy()
        .policy_name("secure-mlops-response-boundary")
        .path("/secure-mlops/")
        .policy_document(example)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreatePolicy: {e:?}"))
        .policy()
        .and_then(|p| p.arn().map(str::to_string))
        .unwrap_or_default();
    work.write_config(&config_with(
        &zip.display().to_string(),
        "user_profile \"alice\" {\n      persona = \"data_scientist\"\n    }",
        &format!("mode = \"stop\"\n  permissions_boundary_arn = \"{boundary}\""),
    ));
    org_trail(&emulator, &clients).await;
    work.apply();
    work.assert_plan_empty("after the apply");
    let response = work.resource_values(RESPONSE);
    assert_eq!(
        response["topic_arn"], "",
        "stop mode makes no topic: {response}"
    );
    let role = clients
        .iam
        .get_role()
        .role_name("secure-mlops-response")
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetRole: {e:?}"));
    assert_eq!(
        role.role()
            .and_then(|r| r.permissions_boundary())
            .and_then(|b| b.permissions_boundary_arn()),
        Some(boundary.as_str()),
        "the function's role is created under the boundary"
    );
    // Forgotten by Terraform and imported by its name: the next apply only records what the
    // configuration holds (the package path), and the plan after it is empty.
    let forgot = work.terraform(&["state", "rm", RESPONSE]);
    assert_eq!(forgot.code, 0, "{}", forgot.text());
    work.import(RESPONSE, "secure-mlops-response");
    let imported = work.resource_values(RESPONSE);
    assert_eq!(imported["mode"], "stop", "{imported}");
    assert_eq!(
        imported["permissions_boundary_arn"],
        boundary.as_str(),
        "{imported}"
    );
    work.apply();
    work.assert_plan_empty("after the apply that follows the import");

    let env = work.resource_values(ENVIRONMENT);
    let domain_id = env["domain_id"].as_str().unwrap_or_default().to_string();
    let sagemaker = &clients.sagemaker;

    // An administrator opens the domain to the internet: it is put back to VpcOnly.
    sagemaker
        .update_domain()
        .domain_id(&domain_id)
        .app_network_access_type(aws_sdk_sagemaker::types::AppNetworkAccessType::PublicInternetOnly)
        .send()
        .await
        .unwrap_or_else(|e| panic!("UpdateDomain: {e:?}"));
    let (_, took) = within(
        "the domain back to VpcOnly",
        Duration::from_secs(30),
        || async {
            let d = sagemaker
                .describe_domain()
                .domain_id(&domain_id)
                .send()
                .await
                .ok()?;
            (d.app_network_access_type()
                == Some(&aws_sdk_sagemaker::types::AppNetworkAccessType::VpcOnly))
            .then_some(())
        },
    )
    .await;
    eprintln!("domain restored {took:?} after its UpdateDomain");
    let domain_arn = sagemaker
        .describe_domain()
        .domain_id(&domain_id)
        .send()
        .await
        .ok()
        .and_then(|d| d.domain_arn().map(str::to_string))
        .unwrap_or_default();
    let tags = sagemaker
        .list_tags()
        .resource_arn(&domain_arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ListTags: {e:?}"));
    let tag = tags
        .tags()
        .iter()
        .find(|t| t.key() == Some("secure-mlops:response"))
        .and_then(|t| t.value())
        .unwrap_or_default()
        .to_string();
    assert_eq!(tag, "restored: secure-mlops:studio-vpc-only");

    // alice's space, and an app in it on a type the guardrails do not allow: deleted.
    sagemaker
        .create_space()
        .domain_id(&domain_id)
        .space_name("alice-lab")
        .ownership_settings(
            aws_sdk_sagemaker::types::OwnershipSettings::builder()
                .owner_user_profile_name("alice")
                .build(),
        )
        .space_sharing_settings(
            aws_sdk_sagemaker::types::SpaceSharingSettings::builder()
                .sharing_type(aws_sdk_sagemaker::types::SharingType::Private)
                .build(),
        )
        .space_settings(
            aws_sdk_sagemaker::types::SpaceSettings::builder()
                .app_type(aws_sdk_sagemaker::types::AppType::JupyterLab)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateSpace: {e:?}"));
    within("the space in service", Duration::from_secs(30), || async {
        let s = sagemaker
            .describe_space()
            .domain_id(&domain_id)
            .space_name("alice-lab")
            .send()
            .await
            .ok()?;
        (s.status().map(|s| s.as_str()) == Some("InService")).then_some(())
    })
    .await;
    sagemaker
        .create_app()
        .domain_id(&domain_id)
        .space_name("alice-lab")
        .app_type(aws_sdk_sagemaker::types::AppType::JupyterLab)
        .app_name("default")
        .resource_spec(
            aws_sdk_sagemaker::types::ResourceSpec::builder()
                .instance_type(aws_sdk_sagemaker::types::AppInstanceType::MlP32Xlarge)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateApp: {e:?}"));
    let (_, took) = within("the app deleted", Duration::from_secs(60), || async {
        let a = sagemaker
            .describe_app()
            .domain_id(&domain_id)
            .space_name("alice-lab")
            .app_type(aws_sdk_sagemaker::types::AppType::JupyterLab)
            .app_name("default")
            .send()
            .await
            .ok()?;
        matches!(a.status().map(|s| s.as_str()), Some("Deleting" | "Deleted")).then_some(())
    })
    .await;
    eprintln!("app deleted {took:?} after its CreateApp");

    // Destroy removes the space and app SageMaker holds, and the response.
    work.destroy();
    assert_eq!(
        emulator.counts(RESPONSE_KINDS).values().sum::<usize>(),
        0,
        "destroy leaves nothing"
    );
}
