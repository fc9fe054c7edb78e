//! Values Terraform knows only at apply, used the way platform teams write them: several
//! environments from one `for_each` whose roles feed one projects enablement, zones and subnet
//! ids that come from other resources. The first plan must accept the configuration as it is
//! (two unknown set elements are two elements), the first apply must converge from nothing, and
//! the next plan must be empty.

use acceptance::{Emulator, Workdir, ACCOUNT_ID, ENVIRONMENT_KINDS as KINDS, REGION};

const HEADER: &str = r#"
terraform {
  required_providers {
    sagemaker = { source = "secure-mlops/sagemaker" }
  }
}

provider "sagemaker" {}
"#;

/// A small environment: two zones, one endpoint, no Studio, no flow logs (enough to have roles).
fn environment(name_expr: &str, network: &str) -> String {
    format!(
        r#"
  name  = {name_expr}
  stage = "dev"

  network {{
    {network}
    interface_endpoints = ["sts"]
    flow_logs {{
      enabled = false
    }}
  }}

  storage {{
    force_destroy = true
  }}

  studio {{
    enabled = false
  }}
"#
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn roles_of_environments_from_for_each_enable_projects_on_the_first_apply() {
    let emulator = Emulator::start();
    let before = emulator.counts(KINDS);
    let work = Workdir::new(&emulator.endpoint);
    let body = environment(
        "each.key",
        &format!(r#"availability_zones = ["{REGION}a", "{REGION}b"]"#),
    );
    work.write_config(&format!(
        r#"{HEADER}
resource "sagemaker_secure_ds_environment" "team" {{
  for_each = toset(["alpha", "beta"])
{body}
}}

resource "sagemaker_projects_enablement" "all" {{
  principal_arns = [for e in sagemaker_secure_ds_environment.team : e.role_arns["execution"]]
}}
"#
    ));

    let plan = work.plan();
    assert_eq!(
        plan.code,
        2,
        "the first plan, with two unknown principals, must succeed:\n{}",
        plan.text()
    );
    work.apply();
    work.assert_plan_empty("after the first apply");

    let values = work.resource_values("sagemaker_projects_enablement.all");
    let mut principals: Vec<String> = values["principal_arns"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    principals.sort();
    assert_eq!(
        principals,
        vec![
            format!("arn:aws:iam::{ACCOUNT_ID}:role/secure-mlops/alpha-dev-execution"),
            format!("arn:aws:iam::{ACCOUNT_ID}:role/secure-mlops/beta-dev-execution"),
        ]
    );

    work.destroy();
    // Only the two account-wide SageMaker Projects service roles stay, as documented.
    let mut expected = before;
    *expected.entry("iam:role".to_string()).or_default() += 2;
    assert_eq!(
        emulator.counts(KINDS),
        expected,
        "destroy must leave nothing behind but the projects service roles"
    );
    let roles = emulator.inventory_of("iam:role");
    assert!(
        roles
            .iter()
            .all(|r| r.contains(":role/service-role/AmazonSageMakerServiceCatalogProducts")),
        "{roles:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn zones_and_subnet_ids_known_only_at_apply_plan_and_converge() {
    let emulator = Emulator::start();
    let ec2 = aws_sdk_ec2::Client::new(&emulator.sdk_config().await);
    // The team's own VPC and subnets, made outside Terraform.
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.20.0.0/16")
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateVpc: {e:?}"));
    let vpc_id = vpc.vpc().and_then(|v| v.vpc_id()).unwrap_or_default();
    let mut subnet_ids = Vec::new();
    for (zone, cidr) in [("a", "10.20.0.0/20"), ("b", "10.20.16.0/20")] {
        let subnet = ec2
            .create_subnet()
            .vpc_id(vpc_id)
            .cidr_block(cidr)
            .availability_zone(format!("{REGION}{zone}"))
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateSubnet: {e:?}"));
        subnet_ids.push(
            subnet
                .subnet()
                .and_then(|s| s.subnet_id())
                .unwrap_or_default()
                .to_string(),
        );
    }
    let before = emulator.counts(KINDS);

    let work = Workdir::new(&emulator.endpoint);
    // One zone known, one from another resource: a list with an unknown element.
    let zoned = environment(
        "\"zoned\"",
        &format!(r#"availability_zones = [terraform_data.zone.output, "{REGION}b"]"#),
    );
    // Subnet ids all from another resource: a wholly unknown list.
    let byo = environment(
        "\"byo\"",
        &format!(
            r#"vpc_id = "{vpc_id}"
    existing_private_subnet_ids = terraform_data.subnets.output"#
        ),
    );
    let subnets: Vec<String> = subnet_ids.iter().map(|s| format!("\"{s}\"")).collect();
    work.write_config(&format!(
        r#"{HEADER}
resource "terraform_data" "zone" {{
  input = "{REGION}a"
}}

resource "terraform_data" "subnets" {{
  input = [{subnets}]
}}

resource "sagemaker_secure_ds_environment" "zoned" {{
{zoned}
}}

resource "sagemaker_secure_ds_environment" "byo" {{
{byo}
}}
"#,
        subnets = subnets.join(", ")
    ));

    let plan = work.plan();
    assert_eq!(
        plan.code,
        2,
        "plan with zones and subnets known only at apply must succeed:\n{}",
        plan.text()
    );
    work.apply();
    work.assert_plan_empty("after the first apply");
    let zoned = work.resource_values("sagemaker_secure_ds_environment.zoned");
    assert_eq!(
        zoned["network"]["availability_zones"],
        serde_json::json!([format!("{REGION}a"), format!("{REGION}b")])
    );
    let byo = work.resource_values("sagemaker_secure_ds_environment.byo");
    assert_eq!(byo["private_subnet_ids"], serde_json::json!(subnet_ids));

    work.destroy();
    assert_eq!(
        emulator.counts(KINDS),
        before,
        "destroy must leave nothing but what the team brought"
    );
}
