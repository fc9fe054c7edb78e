//! `data "sagemaker_environment_audit"` with the real `terraform` CLI and provider against the
//! emulator: a freshly applied environment has no finding; a training job its execution role
//! runs outside its network and a notebook with root and direct internet access are listed with
//! their controls, a compliant job is not, and so is a Studio profile given a foreign security
//! group; a bad or unknown environment id fails on its path.

use acceptance::{environment_role_arn, Emulator, Workdir, REGION};
use serde_json::Value;

const ADDRESS: &str = "sagemaker_secure_ds_environment.team";

fn config(with_audit: bool) -> String {
    let audit = if with_audit {
        r#"
data "sagemaker_environment_audit" "team" {
  environment_id = sagemaker_secure_ds_environment.team.id
}

output "compliant" {
  value = data.sagemaker_environment_audit.team.compliant
}

output "findings" {
  value = data.sagemaker_environment_audit.team.findings
}

output "workloads_checked" {
  value = data.sagemaker_environment_audit.team.workloads_checked
}
"#
    } else {
        ""
    };
    format!(
        r#"
terraform {{
  required_providers {{
    sagemaker = {{ source = "secure-mlops/sagemaker" }}
  }}
}}

provider "sagemaker" {{}}

resource "sagemaker_secure_ds_environment" "team" {{
  name  = "audit"
  stage = "dev"

  network {{
    availability_zones  = ["{REGION}a", "{REGION}b"]
    interface_endpoints = ["sts"]
  }}

  storage {{
    force_destroy = true
  }}

  studio {{
    user_profile "alice" {{
      persona = "data_scientist"
    }}
  }}
}}
{audit}"#
    )
}

/// `(control, resource_arn)` of every finding in the outputs.
fn findings(outputs: &Value) -> Vec<(String, String)> {
    outputs["findings"]["value"]
        .as_array()
        .map(|list| {
            list.iter()
                .map(|f| {
                    (
                        f["control"].as_str().unwrap_or_default().to_string(),
                        f["resource_arn"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
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

#[tokio::test(flavor = "multi_thread")]
async fn the_audit_lists_what_runs_outside_the_environment_and_nothing_else() {
    let emulator = Emulator::start();
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&config(true));
    work.apply();
    let outputs = work.outputs();
    assert_eq!(findings(&outputs), [], "a fresh environment: {outputs}");
    assert_eq!(outputs["compliant"]["value"], true);
    // The Studio domain and alice's profile.
    assert_eq!(outputs["workloads_checked"]["value"], 2);

    let values = work.resource_values(ADDRESS);
    let subnets = strings(&values["private_subnet_ids"]);
    let group = values["sagemaker_security_group_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let ebs = values["kms_key_arns"]["ebs"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let data = values["kms_key_arns"]["data"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let role = environment_role_arn("audit-dev-execution");
    let sdk = emulator.sdk_config().await;

    // A network of someone else's in the same account.
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.9.0.0/16")
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateVpc: {e:?}"));
    let vpc_id = vpc
        .vpc()
        .and_then(|v| v.vpc_id())
        .unwrap_or_default()
        .to_string();
    let subnet = ec2
        .create_subnet()
        .vpc_id(&vpc_id)
        .cidr_block("10.9.0.0/24")
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateSubnet: {e:?}"));
    let outside_subnet = subnet
        .subnet()
        .and_then(|s| s.subnet_id())
        .unwrap_or_default()
        .to_string();
    let outside_group = ec2
        .create_security_group()
        .vpc_id(&vpc_id)
        .group_name("open")
        .description("open")
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateSecurityGroup: {e:?}"))
        .group_id()
        .unwrap_or_default()
        .to_string();

    let sagemaker = aws_sdk_sagemaker::Client::new(&sdk);
    let rogue = acceptance::training_job(
        &sagemaker,
        "rogue",
        &role,
        Some((&outside_subnet, &outside_group)),
        Some((&ebs, &data)),
    )
    .send()
    .await
    .unwrap_or_else(|e| panic!("CreateTrainingJob rogue: {e:?}"));
    let rogue_arn = rogue.training_job_arn().unwrap_or_default().to_string();
    acceptance::training_job(
        &sagemaker,
        "tidy",
        &role,
        Some((&subnets[0], &group)),
        Some((&ebs, &data)),
    )
    .send()
    .await
    .unwrap_or_else(|e| panic!("CreateTrainingJob tidy: {e:?}"));
    let notebook = sagemaker
        .create_notebook_instance()
        .notebook_instance_name("wide-open")
        .instance_type(aws_sdk_sagemaker::types::InstanceType::MlT3Medium)
        .role_arn(&role)
        .root_access(aws_sdk_sagemaker::types::RootAccess::Enabled)
        .direct_internet_access(aws_sdk_sagemaker::types::DirectInternetAccess::Enabled)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateNotebookInstance: {e:?}"));
    let notebook_arn = notebook
        .notebook_instance_arn()
        .unwrap_or_default()
        .to_string();

    // A profile given a security group of someone else's network, outside the environment.
    let domain_id = values["domain_id"].as_str().unwrap_or_default().to_string();
    let alice_arn = values["user_profile_arns"]["alice"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    sagemaker
        .update_user_profile()
        .domain_id(&domain_id)
        .user_profile_name("alice")
        .user_settings(
            aws_sdk_sagemaker::types::UserSettings::builder()
                .security_groups(&outside_group)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("UpdateUserProfile: {e:?}"));

    // The data source is read again by the next run: a refresh-only one, since an apply would
    // first put alice's profile back (the engine repairs it).
    let refreshed = work.terraform(&["apply", "-refresh-only", "-auto-approve", "-input=false"]);
    assert_eq!(refreshed.code, 0, "{}", refreshed.text());
    let outputs = work.outputs();
    assert_eq!(outputs["compliant"]["value"], false);
    assert_eq!(outputs["workloads_checked"]["value"], 5);
    let found = findings(&outputs);
    let expected: Vec<(String, String)> = [
        ("SageMaker.2", &notebook_arn),
        (
            "Config:sagemaker-notebook-instance-kms-key-configured",
            &notebook_arn,
        ),
        ("SageMaker.3", &notebook_arn),
        ("SageMaker.1", &notebook_arn),
        ("secure-mlops:compute-in-environment-vpc", &rogue_arn),
        ("secure-mlops:compute-in-environment-vpc", &rogue_arn),
        ("secure-mlops:studio-security-groups", &alice_arn),
    ]
    .into_iter()
    .map(|(c, a)| (c.to_string(), a.to_string()))
    .collect();
    let mut sorted_found = found.clone();
    sorted_found.sort();
    let mut sorted_expected = expected;
    sorted_expected.sort();
    assert_eq!(sorted_found, sorted_expected, "{outputs}");
    assert!(
        found.iter().all(|(_, arn)| !arn.ends_with("/tidy")),
        "the compliant job is not listed: {found:?}"
    );
    let text = outputs["findings"].to_string();
    assert!(text.contains(&outside_subnet), "{text}");
    assert!(text.contains(&outside_group), "{text}");

    // `make audit ENV=audit-dev` (scripts/audit) prints the same findings and exits 2.
    let script = std::process::Command::new(acceptance::repo_root().join("scripts/audit"))
        .arg("audit-dev")
        .env("AUDIT_PROVIDER_DIR", acceptance::provider_dir())
        .env("AWS_ENDPOINT_URL", &emulator.endpoint)
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", REGION)
        .env_remove("AWS_PROFILE")
        .output()
        .unwrap_or_else(|e| panic!("scripts/audit: {e}"));
    let printed = String::from_utf8_lossy(&script.stdout);
    let said = String::from_utf8_lossy(&script.stderr);
    assert_eq!(script.status.code(), Some(2), "{printed}\n{said}");
    for control in [
        "SageMaker.1",
        "SageMaker.3",
        "secure-mlops:compute-in-environment-vpc",
    ] {
        assert!(printed.contains(control), "{control}: {printed}");
    }
    assert!(
        said.contains("7 finding(s), 5 workload(s) checked, not compliant"),
        "{said}"
    );

    // The environment goes; the audit with it (the data source is dropped first).
    work.write_config(&config(false));
    work.destroy();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bad_or_unknown_environment_id_fails_on_its_attribute() {
    let emulator = Emulator::start();
    let work = Workdir::new(&emulator.endpoint);
    let source = |id: &str| {
        format!(
            r#"
terraform {{
  required_providers {{
    sagemaker = {{ source = "secure-mlops/sagemaker" }}
  }}
}}

provider "sagemaker" {{}}

data "sagemaker_environment_audit" "team" {{
  environment_id = "{id}"
}}
"#
        )
    };
    work.write_config(&source("no-stage-here"));
    let run = work.plan();
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.text().contains("Invalid Environment Id"),
        "{}",
        run.text()
    );
    assert!(run.text().contains("environment_id"), "{}", run.text());
    work.write_config(&source("ghost-dev"));
    let run = work.plan();
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.text().contains("Environment Not Found"),
        "{}",
        run.text()
    );
    assert!(run.text().contains("ghost-dev"), "{}", run.text());
}

fn rules_config(guardrails: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    sagemaker = {{ source = "secure-mlops/sagemaker" }}
  }}
}}

provider "sagemaker" {{}}

resource "sagemaker_secure_ds_environment" "team" {{
  name  = "rules"
  stage = "dev"

  network {{
    availability_zones  = ["{REGION}a", "{REGION}b"]
    interface_endpoints = ["sts"]
  }}

  storage {{
    force_destroy = true
  }}

  guardrails {{
    managed_config_rules = true
{guardrails}  }}

  studio {{
    enabled = false
  }}
}}
"#
    )
}

/// The names of the rules AWS Config holds.
async fn rule_names(config: &aws_sdk_config::Client) -> Vec<String> {
    let out = config
        .describe_config_rules()
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeConfigRules: {e:?}"));
    let mut names: Vec<String> = out
        .config_rules()
        .iter()
        .filter_map(|r| r.config_rule_name().map(str::to_string))
        .collect();
    names.sort();
    names
}

/// `guardrails.managed_config_rules`: refused at plan where AWS Config records nothing; with a
/// recorder, the rules are put, one deleted outside is drift and put again, the isolation rule
/// follows the guardrail in place, and destroy deletes them all.
#[tokio::test(flavor = "multi_thread")]
async fn managed_config_rules_need_a_recorder_and_follow_the_guardrails() {
    let emulator = Emulator::start();
    let before = emulator.environment_counts();
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&rules_config(""));
    let run = work.plan();
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.text().contains("No AWS Config Recorder"),
        "{}",
        run.text()
    );
    assert!(
        run.text().contains("guardrails.managed_config_rules"),
        "{}",
        run.text()
    );
    let config = aws_sdk_config::Client::new(&emulator.sdk_config().await);
    assert_eq!(rule_names(&config).await, Vec::<String>::new());

    config
        .put_configuration_recorder()
        .configuration_recorder(
            aws_sdk_config::types::ConfigurationRecorder::builder()
                .name("default")
                .role_arn("arn:aws:iam::123456789012:role/config")
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutConfigurationRecorder: {e:?}"));
    work.apply();
    work.assert_plan_empty("after putting the rules");
    let names = rule_names(&config).await;
    assert_eq!(names.len(), 9, "{names:?}");
    assert!(names
        .iter()
        .all(|n| n.starts_with("secure-mlops-rules-dev-")));
    let rules = config
        .describe_config_rules()
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeConfigRules: {e:?}"));
    let subnets = strings(&work.resource_values(ADDRESS)["private_subnet_ids"]);
    let inside_vpc = rules
        .config_rules()
        .iter()
        .find(|r| {
            r.config_rule_name()
                == Some("secure-mlops-rules-dev-sagemaker-notebook-instance-inside-vpc")
        })
        .unwrap_or_else(|| panic!("no inside-vpc rule"));
    assert_eq!(
        inside_vpc.input_parameters(),
        Some(format!(r#"{{"SubnetIds":"{}"}}"#, subnets.join(",")).as_str())
    );

    // Outside Terraform: a rule is deleted.
    config
        .delete_config_rule()
        .config_rule_name("secure-mlops-rules-dev-vpc-flow-logs-enabled")
        .send()
        .await
        .unwrap_or_else(|e| panic!("DeleteConfigRule: {e:?}"));
    let run = work.plan();
    assert_eq!(run.code, 2, "drift must show:\n{}", run.text());
    assert!(
        run.stdout
            .contains("secure-mlops-rules-dev-vpc-flow-logs-enabled deleted outside the engine"),
        "{}",
        run.stdout
    );
    work.apply();
    work.assert_plan_empty("after repairing the rules");
    assert_eq!(rule_names(&config).await.len(), 9);

    // The guardrail asks for isolation: its rule joins, in place.
    work.write_config(&rules_config("    require_network_isolation = true\n"));
    work.apply();
    let names = rule_names(&config).await;
    assert_eq!(names.len(), 10, "{names:?}");
    assert!(names.contains(&"secure-mlops-rules-dev-sagemaker-model-isolation-enabled".to_string()));
    work.write_config(&rules_config(""));
    work.apply();
    assert_eq!(rule_names(&config).await.len(), 9);
    work.assert_plan_empty("after dropping the isolation rule");

    work.destroy();
    assert_eq!(
        emulator.environment_counts(),
        before,
        "destroy left something"
    );
}
