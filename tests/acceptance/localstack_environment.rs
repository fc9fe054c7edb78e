//! The environment resource through Terraform with EC2, IAM, KMS, S3, Logs and STS served by
//! LocalStack (an emulator nobody here wrote) and everything else by the project's emulator, as
//! the provider's `endpoints` block allows. Studio is off: LocalStack's free runtime has no
//! SageMaker, and the project's emulator's Studio would look for the VPC in its own EC2.
//!
//! What LocalStack does differently from AWS is in tests/README.md ("LocalStack vs AWS"); these
//! tests assert only what AWS would also do.

use acceptance::localstack::LocalStack;
use acceptance::{Emulator, Workdir, REGION};
use aws_sdk_ec2::types::Filter;

const SERVICES_ON_LOCALSTACK: &[&str] = &["ec2", "iam", "kms", "s3", "logs", "sts"];

fn config(localstack: &str, name: &str, network: &str) -> String {
    let endpoints: String = SERVICES_ON_LOCALSTACK
        .iter()
        .map(|s| format!("    {s} = \"{localstack}\"\n"))
        .collect();
    format!(
        r#"
terraform {{
  required_providers {{
    sagemaker = {{ source = "secure-mlops/sagemaker" }}
  }}
}}

provider "sagemaker" {{
  endpoints {{
{endpoints}  }}
}}

resource "sagemaker_secure_ds_environment" "team" {{
  name  = "{name}"
  stage = "dev"

  network {{
    availability_zones  = ["{REGION}a", "{REGION}b"]
    interface_endpoints = ["sts", "sagemaker.api", "logs"]
{network}
  }}

  storage {{
    force_destroy = true
  }}

  studio {{
    enabled = false
  }}
}}
"#
    )
}

/// What LocalStack still holds of environment `env_id` (tagged with it, or named after it).
async fn leftovers(localstack: &LocalStack, env_id: &str) -> Vec<String> {
    let sdk = localstack.sdk_config().await;
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let tag = Filter::builder()
        .name("tag:secure-mlops:environment")
        .values(env_id)
        .build();
    let mut left = Vec::new();
    let vpcs = ec2.describe_vpcs().filters(tag.clone()).send().await;
    for v in vpcs.map(|o| o.vpcs.unwrap_or_default()).unwrap_or_default() {
        left.push(format!("vpc {}", v.vpc_id.unwrap_or_default()));
    }
    let subnets = ec2.describe_subnets().filters(tag.clone()).send().await;
    for s in subnets
        .map(|o| o.subnets.unwrap_or_default())
        .unwrap_or_default()
    {
        left.push(format!("subnet {}", s.subnet_id.unwrap_or_default()));
    }
    let endpoints = ec2.describe_vpc_endpoints().filters(tag).send().await;
    for e in endpoints
        .map(|o| o.vpc_endpoints.unwrap_or_default())
        .unwrap_or_default()
    {
        let state = e.state.map(|s| s.as_str().to_string()).unwrap_or_default();
        if !matches!(state.as_str(), "deleted" | "deleting") {
            left.push(format!(
                "endpoint {}",
                e.vpc_endpoint_id.unwrap_or_default()
            ));
        }
    }
    let iam = aws_sdk_iam::Client::new(&sdk);
    let roles = iam.list_roles().send().await;
    for r in roles.map(|o| o.roles).unwrap_or_default() {
        if r.role_name.starts_with(&format!("{env_id}-")) {
            left.push(format!("role {}", r.role_name));
        }
    }
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    let buckets = s3.list_buckets().send().await;
    for b in buckets
        .map(|o| o.buckets.unwrap_or_default())
        .unwrap_or_default()
    {
        let name = b.name.unwrap_or_default();
        if name.starts_with(&format!("{env_id}-")) {
            left.push(format!("bucket {name}"));
        }
    }
    let kms = aws_sdk_kms::Client::new(&sdk);
    let aliases = kms.list_aliases().send().await;
    for a in aliases
        .map(|o| o.aliases.unwrap_or_default())
        .unwrap_or_default()
    {
        let name = a.alias_name.unwrap_or_default();
        if name.contains(env_id) {
            left.push(format!("key alias {name}"));
        }
    }
    left
}

/// Apply from nothing, an empty plan, a bucket policy removed out of band is seen and put back,
/// destroy leaves nothing of the environment in LocalStack.
#[tokio::test(flavor = "multi_thread")]
async fn the_quickstart_network_keys_buckets_and_roles_converge_on_localstack() {
    let emulator = Emulator::start();
    let localstack = LocalStack::start();
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&config(&localstack.endpoint, "lsqs", ""));
    work.apply();
    work.assert_plan_empty("after the first apply");

    let values = work.resource_values("sagemaker_secure_ds_environment.team");
    let vpc_id = values["vpc_id"].as_str().unwrap_or_default().to_string();
    assert!(vpc_id.starts_with("vpc-"), "{values}");
    let bucket = values["data_bucket_arn"]
        .as_str()
        .unwrap_or_default()
        .trim_start_matches("arn:aws:s3:::")
        .to_string();
    assert!(!bucket.is_empty(), "{values}");

    // The VPC is LocalStack's, not the project's emulator's.
    let sdk = localstack.sdk_config().await;
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let found = ec2
        .describe_vpcs()
        .vpc_ids(&vpc_id)
        .send()
        .await
        .map(|o| o.vpcs.unwrap_or_default().len())
        .unwrap_or(0);
    assert_eq!(found, 1, "{vpc_id} is not in LocalStack");

    // Out-of-band change on LocalStack: the plan names it, apply repairs it.
    let s3 = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::config::Builder::from(&sdk)
            .force_path_style(true)
            .build(),
    );
    s3.delete_bucket_policy()
        .bucket(&bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DeleteBucketPolicy on LocalStack: {e:?}"));
    let plan = work.plan();
    assert_eq!(plan.code, 2, "drift not seen:\n{}", plan.text());
    work.apply();
    work.assert_plan_empty("after repairing the bucket policy");

    work.destroy();
    let left = leftovers(&localstack, "lsqs-dev").await;
    assert!(left.is_empty(), "left in LocalStack: {left:?}");
}

/// A VPC and subnets the user made in LocalStack are used as they are and kept on destroy.
#[tokio::test(flavor = "multi_thread")]
async fn a_brought_vpc_on_localstack_is_used_and_kept() {
    let emulator = Emulator::start();
    let localstack = LocalStack::start();
    let sdk = localstack.sdk_config().await;
    let ec2 = aws_sdk_ec2::Client::new(&sdk);
    let vpc_id = ec2
        .create_vpc()
        .cidr_block("10.42.0.0/16")
        .send()
        .await
        .ok()
        .and_then(|o| o.vpc)
        .and_then(|v| v.vpc_id)
        .unwrap_or_else(|| panic!("CreateVpc on LocalStack failed"));
    let mut subnets = Vec::new();
    for (i, zone) in ["a", "b"].iter().enumerate() {
        let id = ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .cidr_block(format!("10.42.{i}.0/24"))
            .availability_zone(format!("{REGION}{zone}"))
            .send()
            .await
            .ok()
            .and_then(|o| o.subnet)
            .and_then(|s| s.subnet_id)
            .unwrap_or_else(|| panic!("CreateSubnet on LocalStack failed"));
        subnets.push(format!("\"{id}\""));
    }
    let network = format!(
        "    vpc_id = \"{vpc_id}\"\n    existing_private_subnet_ids = [{}]\n",
        subnets.join(", ")
    );
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&config(&localstack.endpoint, "lsbyo", &network));
    work.apply();
    work.assert_plan_empty("after the first apply");
    let values = work.resource_values("sagemaker_secure_ds_environment.team");
    assert_eq!(values["vpc_id"], vpc_id.as_str());
    work.destroy();
    let kept = ec2
        .describe_vpcs()
        .vpc_ids(&vpc_id)
        .send()
        .await
        .map(|o| o.vpcs.unwrap_or_default().len())
        .unwrap_or(0);
    assert_eq!(kept, 1, "the user's VPC was deleted");
    let left = leftovers(&localstack, "lsbyo-dev").await;
    assert!(left.is_empty(), "left in LocalStack: {left:?}");
}
