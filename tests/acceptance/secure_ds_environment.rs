//! `sagemaker_secure_ds_environment` from a platform engineer's point of view, with the real
//! `terraform` CLI and provider against the emulator: apply, empty re-plan, import, in-place
//! updates, drift made outside Terraform and its repair, destroy with nothing left behind; a
//! bring-your-own VPC that survives destroy; a provider killed mid-apply; invalid input refused
//! at plan on the right attribute.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use acceptance::{
    kill_providers_under, Emulator, Workdir, ACCOUNT_ID, ENVIRONMENT_KINDS as KINDS, REGION,
};
use serde_json::Value;

const ADDRESS: &str = "sagemaker_secure_ds_environment.team";

/// What the configuration varies between steps.
#[derive(Clone)]
struct Options {
    name: &'static str,
    endpoints: Option<Vec<&'static str>>,
    flow_logs: bool,
    vpc_cidr: Option<&'static str>,
    /// Studio user profiles: (name, persona).
    profiles: Vec<(&'static str, &'static str)>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            name: "fraud",
            endpoints: None,
            flow_logs: true,
            vpc_cidr: None,
            profiles: vec![("alice", "data_scientist"), ("bob", "team_admin")],
        }
    }
}

fn config(o: &Options) -> String {
    let endpoints = o
        .endpoints
        .as_ref()
        .map(|list| {
            let quoted: Vec<String> = list.iter().map(|s| format!("\"{s}\"")).collect();
            format!("interface_endpoints = [{}]", quoted.join(", "))
        })
        .unwrap_or_default();
    let cidr = o
        .vpc_cidr
        .map(|c| format!("vpc_cidr = \"{c}\""))
        .unwrap_or_default();
    let profiles: String = o
        .profiles
        .iter()
        .map(|(name, persona)| {
            format!("    user_profile \"{name}\" {{\n      persona = \"{persona}\"\n    }}\n")
        })
        .collect();
    format!(
        r#"
terraform {{
  required_providers {{
    sagemaker = {{ source = "secure-mlops/sagemaker" }}
  }}
}}

provider "sagemaker" {{
  default_tags = {{ owner = "ml-platform" }}
}}

resource "sagemaker_secure_ds_environment" "team" {{
  name  = "{name}"
  stage = "dev"
  tags  = {{ cost-center = "cc-1" }}

  network {{
    availability_zones = ["{REGION}a", "{REGION}b"]
    {cidr}
    {endpoints}
    flow_logs {{
      enabled = {flow}
    }}
  }}

  storage {{
    force_destroy = true
  }}

  studio {{
{profiles}  }}

  timeouts {{
    create = "5m"
    update = "5m"
    delete = "5m"
  }}
}}

output "vpc_id" {{
  value = sagemaker_secure_ds_environment.team.vpc_id
}}
"#,
        name = o.name,
        flow = o.flow_logs,
    )
}

fn counts(emulator: &Emulator) -> BTreeMap<String, usize> {
    emulator.counts(KINDS)
}

/// The user profile names in the state.
fn profile_names(values: &Value) -> Vec<String> {
    values["user_profile_arns"]
        .as_object()
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

/// Polls `done` for up to 30 s (the emulator's Studio statuses change after a delay).
fn wait_until(done: impl Fn() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(30);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting");
        std::thread::sleep(Duration::from_millis(50));
    }
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

/// The default interface endpoints plus one.
fn default_endpoints_and(extra: &'static str) -> Vec<&'static str> {
    let mut list: Vec<&'static str> = secure_mlops_core::spec::DEFAULT_INTERFACE_ENDPOINTS.to_vec();
    list.push(extra);
    list
}

async fn ec2(emulator: &Emulator) -> aws_sdk_ec2::Client {
    aws_sdk_ec2::Client::new(&emulator.sdk_config().await)
}

async fn s3(emulator: &Emulator) -> aws_sdk_s3::Client {
    emulator.s3_client().await
}

async fn bucket_policy(emulator: &Emulator, bucket: &str) -> Value {
    let out = s3(emulator)
        .await
        .get_bucket_policy()
        .bucket(bucket)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetBucketPolicy {bucket}: {e:?}"));
    serde_json::from_str(out.policy().unwrap_or("{}")).unwrap_or(Value::Null)
}

fn sids(policy: &Value) -> Vec<String> {
    policy["Statement"]
        .as_array()
        .map(|s| {
            s.iter()
                .filter_map(|st| st["Sid"].as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// The id of the VPC's default security group and how many rules it holds, both ways.
async fn default_group(emulator: &Emulator, vpc_id: &str) -> (String, usize) {
    let out = ec2(emulator)
        .await
        .describe_security_groups()
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("vpc-id")
                .values(vpc_id)
                .build(),
        )
        .filters(
            aws_sdk_ec2::types::Filter::builder()
                .name("group-name")
                .values("default")
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeSecurityGroups: {e:?}"));
    let group = &out.security_groups()[0];
    (
        group.group_id().unwrap_or_default().to_string(),
        group.ip_permissions().len() + group.ip_permissions_egress().len(),
    )
}

async fn open_ingress(emulator: &Emulator, group_id: &str) -> usize {
    let out = ec2(emulator)
        .await
        .describe_security_groups()
        .group_ids(group_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeSecurityGroups: {e:?}"));
    out.security_groups()
        .iter()
        .flat_map(|g| g.ip_permissions())
        .flat_map(|p| p.ip_ranges())
        .filter(|r| r.cidr_ip() == Some("0.0.0.0/0"))
        .count()
}

#[tokio::test(flavor = "multi_thread")]
async fn quickstart_lifecycle_apply_import_update_drift_destroy() {
    let emulator = Emulator::start();
    let before = counts(&emulator);
    let work = Workdir::new(&emulator.endpoint);
    let mut options = Options::default();
    work.write_config(&config(&options));

    // Apply, then a plan is empty.
    let started = Instant::now();
    work.apply();
    eprintln!("terraform apply (quickstart): {:?}", started.elapsed());
    work.assert_plan_empty("after the first apply");
    let values = work.resource_values(ADDRESS);
    let applied = counts(&emulator);
    eprintln!("after apply: {applied:?}");
    assert_eq!(values["id"], "fraud-dev");
    assert_eq!(applied["ec2:vpc"], before["ec2:vpc"] + 1);
    assert_eq!(
        applied["ec2:internet_gateway"],
        before["ec2:internet_gateway"]
    );
    assert_eq!(applied["ec2:nat_gateway"], 0);
    assert_eq!(strings(&values["private_subnet_ids"]).len(), 2);
    assert_eq!(strings(&values["public_subnet_ids"]).len(), 0);
    assert_eq!(
        values["interface_endpoint_ids"]
            .as_object()
            .map(|m| m.len()),
        // The defaults and the package repository's two.
        Some(19)
    );
    assert_eq!(
        applied["ec2:vpc_endpoint"],
        before["ec2:vpc_endpoint"] + 19 + 1
    );
    assert_eq!(values["kms_key_arns"].as_object().map(|m| m.len()), Some(3));
    assert_eq!(values["role_arns"].as_object().map(|m| m.len()), Some(4));
    assert_eq!(
        values["role_arns"]["execution"],
        format!("arn:aws:iam::{ACCOUNT_ID}:role/secure-mlops/fraud-dev-execution")
    );
    let data_bucket = format!("fraud-dev-{REGION}-{ACCOUNT_ID}-data");
    assert_eq!(
        values["data_bucket_arn"],
        format!("arn:aws:s3:::{data_bucket}")
    );
    assert_eq!(strings(&values["drifted_settings"]), Vec::<String>::new());
    // The plan showed the defaults, and they are in the state.
    assert_eq!(values["network"]["vpc_cidr"], "10.0.0.0/16");
    assert_eq!(values["network"]["flow_logs"]["traffic_type"], "REJECT");
    assert_eq!(values["guardrails"]["require_kms"], true);
    // Studio: a VPC-only domain with two profiles, and the file system SageMaker made for it.
    let domain_id = values["domain_id"].as_str().unwrap_or_default().to_string();
    assert!(domain_id.starts_with("d-"), "{domain_id}");
    assert_eq!(applied["sagemaker:domain"], before["sagemaker:domain"] + 1);
    assert_eq!(
        applied["sagemaker:user_profile"],
        before["sagemaker:user_profile"] + 2
    );
    assert!(
        values["efs_id"]
            .as_str()
            .is_some_and(|id| id.starts_with("fs-")),
        "{values}"
    );
    assert_eq!(profile_names(&values), ["alice", "bob"]);
    // The package repository: a CodeArtifact domain named as the environment, its `pypi`
    // repository, and the setup JupyterLab and Code Editor run by default.
    assert_eq!(
        values["package_repository_url"],
        format!(
            "https://fraud-dev-{ACCOUNT_ID}.d.codeartifact.{REGION}.amazonaws.com/pypi/pypi/simple/"
        )
    );
    assert_eq!(
        applied["codeartifact:domain"],
        before["codeartifact:domain"] + 1
    );
    assert_eq!(
        applied["codeartifact:repository"],
        before["codeartifact:repository"] + 1
    );
    assert_eq!(
        applied["sagemaker:studio_lifecycle_config"],
        before["sagemaker:studio_lifecycle_config"] + 2
    );
    let vpc_id = values["vpc_id"].as_str().unwrap_or_default().to_string();
    let endpoint_sg = values["endpoint_security_group_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(vpc_id.starts_with("vpc-"), "{vpc_id}");
    assert_eq!(open_ingress(&emulator, &endpoint_sg).await, 0);
    // The VPC's default group is empty (Security Hub EC2.2).
    let (default_sg, rules) = default_group(&emulator, &vpc_id).await;
    assert_eq!(rules, 0, "the default security group keeps rules");
    let policy = bucket_policy(&emulator, &data_bucket).await;
    assert!(
        sids(&policy).contains(&"DenyInsecureTransport".to_string()),
        "{policy}"
    );

    // Import into an empty state: the apply that follows adopts every child, creating none.
    let run = work.terraform(&["state", "rm", "-no-color", ADDRESS]);
    assert_eq!(run.code, 0, "{}", run.text());
    // An id nothing exists for is refused, as for any resource: no state, nothing to adopt.
    let run = work.terraform(&["import", "-no-color", ADDRESS, "fraud-prod"]);
    assert_ne!(run.code, 0, "{}", run.text());
    assert!(
        run.text().contains("non-existent remote object"),
        "{}",
        run.text()
    );
    work.import(ADDRESS, "fraud-dev");
    let run = work.plan();
    assert_eq!(
        run.code,
        2,
        "after import the adopting apply is planned:\n{}",
        run.text()
    );
    assert!(
        !run.stdout.contains("must be replaced"),
        "import must not lead to a replacement:\n{}",
        run.stdout
    );
    work.apply();
    assert_eq!(
        counts(&emulator),
        applied,
        "the apply after import created or deleted something"
    );
    let values = work.resource_values(ADDRESS);
    assert_eq!(values["vpc_id"], vpc_id.as_str());
    work.assert_plan_empty("after import and apply");

    // Update in place: one more interface endpoint.
    options.endpoints = Some(default_endpoints_and("elasticfilesystem"));
    work.write_config(&config(&options));
    let run = work.plan();
    assert_eq!(run.code, 2, "{}", run.text());
    assert!(run.stdout.contains("updated in-place"), "{}", run.stdout);
    assert!(!run.stdout.contains("must be replaced"), "{}", run.stdout);
    work.apply();
    work.assert_plan_empty("after adding an endpoint");
    assert_eq!(
        counts(&emulator)["ec2:vpc_endpoint"],
        applied["ec2:vpc_endpoint"] + 1
    );
    let values = work.resource_values(ADDRESS);
    assert!(values["interface_endpoint_ids"]["elasticfilesystem"]
        .as_str()
        .is_some_and(|id| id.starts_with("vpce-")));

    // Update in place: flow logs off removes the flow log, its group and its role.
    options.flow_logs = false;
    work.write_config(&config(&options));
    let run = work.plan();
    assert!(run.stdout.contains("updated in-place"), "{}", run.text());
    work.apply();
    work.assert_plan_empty("after turning flow logs off");
    let now = counts(&emulator);
    assert_eq!(now["ec2:flow_log"], before["ec2:flow_log"]);
    assert_eq!(now["logs:log_group"], before["logs:log_group"]);
    assert_eq!(now["iam:role"], applied["iam:role"] - 1);

    // User profiles are named blocks: adding one and removing another touches only those two.
    options.profiles = vec![("alice", "data_scientist"), ("carol", "data_scientist")];
    work.write_config(&config(&options));
    let run = work.plan();
    assert!(run.stdout.contains("updated in-place"), "{}", run.text());
    assert!(!run.stdout.contains("must be replaced"), "{}", run.stdout);
    work.apply();
    work.assert_plan_empty("after changing the user profiles");
    let values = work.resource_values(ADDRESS);
    assert_eq!(profile_names(&values), ["alice", "carol"]);
    assert_eq!(values["domain_id"], domain_id.as_str(), "the domain stays");

    // A new VPC CIDR is a replacement, and the plan says so.
    let mut replaced = options.clone();
    replaced.vpc_cidr = Some("10.9.0.0/16");
    work.write_config(&config(&replaced));
    let run = work.plan();
    assert!(run.stdout.contains("must be replaced"), "{}", run.text());
    work.write_config(&config(&options));

    // Drift made outside Terraform: the TLS statement removed from the data bucket policy, and
    // HTTPS opened to the world on the endpoint group. Refresh reports both; apply repairs them.
    let mut policy = bucket_policy(&emulator, &data_bucket).await;
    if let Some(statements) = policy["Statement"].as_array_mut() {
        statements.retain(|s| s["Sid"] != "DenyInsecureTransport");
    }
    s3(&emulator)
        .await
        .put_bucket_policy()
        .bucket(&data_bucket)
        .policy(policy.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutBucketPolicy: {e:?}"));
    ec2(&emulator)
        .await
        .authorize_security_group_ingress()
        .group_id(&endpoint_sg)
        .ip_protocol("tcp")
        .from_port(443)
        .to_port(443)
        .cidr_ip("0.0.0.0/0")
        .send()
        .await
        .unwrap_or_else(|e| panic!("AuthorizeSecurityGroupIngress: {e:?}"));
    ec2(&emulator)
        .await
        .authorize_security_group_egress()
        .group_id(&default_sg)
        .ip_permissions(
            aws_sdk_ec2::types::IpPermission::builder()
                .ip_protocol("-1")
                .ip_ranges(
                    aws_sdk_ec2::types::IpRange::builder()
                        .cidr_ip("0.0.0.0/0")
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("AuthorizeSecurityGroupEgress: {e:?}"));
    // And on Studio: the domain opened to the internet, a user profile deleted.
    let sagemaker = aws_sdk_sagemaker::Client::new(&emulator.sdk_config().await);
    sagemaker
        .update_domain()
        .domain_id(&domain_id)
        .app_network_access_type(aws_sdk_sagemaker::types::AppNetworkAccessType::PublicInternetOnly)
        .send()
        .await
        .unwrap_or_else(|e| panic!("UpdateDomain: {e:?}"));
    sagemaker
        .delete_user_profile()
        .domain_id(&domain_id)
        .user_profile_name("alice")
        .send()
        .await
        .unwrap_or_else(|e| panic!("DeleteUserProfile: {e:?}"));
    wait_until(|| emulator.inventory_of("sagemaker:user_profile").len() == 1);
    let run = work.plan();
    assert_eq!(run.code, 2, "drift must show in the plan:\n{}", run.text());
    assert!(run.stdout.contains("drifted_settings"), "{}", run.stdout);
    assert!(run.stdout.contains("studio-domain"), "{}", run.stdout);
    assert!(run.stdout.contains("studio-user-alice"), "{}", run.stdout);
    assert!(run.stdout.contains("bucket-data"), "{}", run.stdout);
    assert!(
        run.stdout.contains("security-group-endpoints"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("default security group"),
        "{}",
        run.stdout
    );
    work.apply();
    work.assert_plan_empty("after repairing drift");
    assert_eq!(open_ingress(&emulator, &endpoint_sg).await, 0);
    assert_eq!(default_group(&emulator, &vpc_id).await.1, 0);
    assert!(sids(&bucket_policy(&emulator, &data_bucket).await)
        .contains(&"DenyInsecureTransport".to_string()));

    let domain = sagemaker
        .describe_domain()
        .domain_id(&domain_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeDomain: {e:?}"));
    assert_eq!(
        domain.app_network_access_type(),
        Some(&aws_sdk_sagemaker::types::AppNetworkAccessType::VpcOnly)
    );
    assert_eq!(
        counts(&emulator)["sagemaker:user_profile"],
        2,
        "alice is back"
    );

    // Destroy: nothing left but the users' home file system, kept (efs_retention = Retain) and
    // reported.
    let efs_before = emulator.inventory_of("efs:file_system").len();
    let run = work.destroy();
    assert_eq!(counts(&emulator), before, "destroy left something behind");
    assert_eq!(emulator.inventory_of("efs:file_system").len(), efs_before);
    assert!(
        run.text().contains("Studio Home File System Kept"),
        "{}",
        run.text()
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn bring_your_own_vpc_is_used_and_survives_destroy() {
    let emulator = Emulator::start();
    let ec2 = ec2(&emulator).await;
    let vpc = ec2
        .create_vpc()
        .cidr_block("10.20.0.0/16")
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateVpc: {e:?}"));
    let vpc_id = vpc
        .vpc()
        .and_then(|v| v.vpc_id())
        .unwrap_or_default()
        .to_string();
    for attribute in [true, false] {
        let on = aws_sdk_ec2::types::AttributeBooleanValue::builder()
            .value(true)
            .build();
        let call = ec2.modify_vpc_attribute().vpc_id(&vpc_id);
        let call = if attribute {
            call.enable_dns_support(on)
        } else {
            call.enable_dns_hostnames(on)
        };
        call.send()
            .await
            .unwrap_or_else(|e| panic!("ModifyVpcAttribute: {e:?}"));
    }
    let mut subnets = Vec::new();
    for (zone, cidr) in [("a", "10.20.1.0/24"), ("b", "10.20.2.0/24")] {
        let out = ec2
            .create_subnet()
            .vpc_id(&vpc_id)
            .availability_zone(format!("{REGION}{zone}"))
            .cidr_block(cidr)
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateSubnet: {e:?}"));
        subnets.push(
            out.subnet()
                .and_then(|s| s.subnet_id())
                .unwrap_or_default()
                .to_string(),
        );
    }
    let table = ec2
        .create_route_table()
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateRouteTable: {e:?}"));
    let table_id = table
        .route_table()
        .and_then(|t| t.route_table_id())
        .unwrap_or_default()
        .to_string();
    let endpoint = ec2
        .create_vpc_endpoint()
        .vpc_id(&vpc_id)
        .service_name(format!("com.amazonaws.{REGION}.s3"))
        .route_table_ids(&table_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateVpcEndpoint: {e:?}"));
    let endpoint_id = endpoint
        .vpc_endpoint()
        .and_then(|e| e.vpc_endpoint_id())
        .unwrap_or_default()
        .to_string();
    let theirs = counts(&emulator);

    let hcl = format!(
        r#"
terraform {{
  required_providers {{
    sagemaker = {{ source = "secure-mlops/sagemaker" }}
  }}
}}

provider "sagemaker" {{}}

resource "sagemaker_secure_ds_environment" "team" {{
  name  = "risk"
  stage = "test"
  network {{
    vpc_id                      = "{vpc_id}"
    availability_zones          = ["{REGION}a", "{REGION}b"]
    existing_private_subnet_ids = ["{s0}", "{s1}"]
    existing_s3_endpoint_id     = "{endpoint_id}"
    interface_endpoints         = ["sagemaker.api", "sts"]
    create_nat_gateways         = {nat}
  }}
  storage {{
    force_destroy = true
  }}
}}
"#,
        s0 = subnets[0],
        s1 = subnets[1],
        nat = "{nat}",
    );
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&hcl.replace("{nat}", "false"));
    // An S3 endpoint open to every bucket (AWS's default policy) is refused at plan, saying
    // why, on its attribute, before anything is made.
    let untouched = counts(&emulator);
    let refused = work.terraform(&["apply", "-auto-approve", "-input=false", "-no-color"]);
    assert_ne!(refused.code, 0, "an open S3 endpoint was accepted");
    let text = refused.text();
    assert!(
        text.contains(&endpoint_id)
            && text.contains("every bucket")
            && text.contains("Brought S3 Endpoint Not Usable"),
        "{text}"
    );
    assert_eq!(
        counts(&emulator),
        untouched,
        "a refused plan made something"
    );
    // Limited to the environment's buckets (what a network team would do), it is used.
    let limited = serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": ["arn:aws:s3:::risk-test-*", "arn:aws:s3:::risk-test-*/*"]
        }]
    });
    ec2.modify_vpc_endpoint()
        .vpc_endpoint_id(&endpoint_id)
        .policy_document(limited.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("ModifyVpcEndpoint: {e:?}"));
    work.apply();
    work.assert_plan_empty("after applying into an existing VPC");
    let values = work.resource_values(ADDRESS);
    assert_eq!(values["vpc_id"], vpc_id.as_str());
    assert_eq!(strings(&values["private_subnet_ids"]), subnets);
    assert_eq!(values["s3_endpoint_id"], endpoint_id.as_str());
    let applied = counts(&emulator);
    assert_eq!(applied["ec2:vpc"], theirs["ec2:vpc"], "no VPC is created");
    assert_eq!(
        applied["ec2:subnet"], theirs["ec2:subnet"],
        "no subnet is created"
    );
    // The endpoints asked for (sts, S3 is theirs) and the package repository's two.
    assert_eq!(applied["ec2:vpc_endpoint"], theirs["ec2:vpc_endpoint"] + 4);

    // Import, then the adopting apply: nothing created twice, the user's VPC still theirs.
    let run = work.terraform(&["state", "rm", "-no-color", ADDRESS]);
    assert_eq!(run.code, 0, "{}", run.text());
    work.import(ADDRESS, "risk-test");
    let run = work.plan();
    assert!(!run.stdout.contains("must be replaced"), "{}", run.text());
    work.apply();
    assert_eq!(
        counts(&emulator),
        applied,
        "the apply after import changed what exists"
    );
    work.assert_plan_empty("after import and apply into an existing VPC");

    // Update in place: one more endpoint in the user's subnets.
    work.write_config(&hcl.replace("{nat}", "false").replace(
        r#"["sagemaker.api", "sts"]"#,
        r#"["sagemaker.api", "sts", "logs"]"#,
    ));
    let run = work.plan();
    assert!(run.stdout.contains("updated in-place"), "{}", run.text());
    work.apply();
    work.assert_plan_empty("after adding an endpoint to an existing VPC");
    assert_eq!(
        counts(&emulator)["ec2:vpc_endpoint"],
        applied["ec2:vpc_endpoint"] + 1
    );

    work.destroy();
    assert_eq!(
        counts(&emulator),
        theirs,
        "destroy must leave exactly what the user brought"
    );
    let described = ec2
        .describe_subnets()
        .subnet_ids(&subnets[0])
        .subnet_ids(&subnets[1])
        .send()
        .await
        .unwrap_or_else(|e| panic!("the user's subnets are gone: {e:?}"));
    assert_eq!(described.subnets().len(), 2);

    // NAT into a VPC that already has an internet gateway: refused at plan, saying what to do.
    let igw = ec2
        .create_internet_gateway()
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateInternetGateway: {e:?}"));
    let igw_id = igw
        .internet_gateway()
        .and_then(|g| g.internet_gateway_id())
        .unwrap_or_default()
        .to_string();
    ec2.attach_internet_gateway()
        .internet_gateway_id(&igw_id)
        .vpc_id(&vpc_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("AttachInternetGateway: {e:?}"));
    // With NAT the public subnets are sliced from the VPC's CIDR.
    work.write_config(&hcl.replace("{nat}", "true\n    vpc_cidr = \"10.20.0.0/16\""));
    let run = work.plan();
    assert_eq!(run.code, 1, "{}", run.text());
    let text = run.text();
    assert!(text.contains("network.create_nat_gateways"), "{text}");
    assert!(text.contains(&igw_id), "{text}");
}

/// A small, fixed pseudo-random sequence (xorshift64*), so kill points follow from a seed.
struct Seeded(u64);

impl Seeded {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number in `1..=max`.
    fn pick(&mut self, max: usize) -> usize {
        1 + usize::try_from(self.next() % max.max(1) as u64).unwrap_or(0)
    }
}

/// The VPC id the state holds (outputs of what exists, also after a failed create).
fn state_vpc_id(work: &Workdir) -> String {
    work.resource_values(ADDRESS)["vpc_id"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

/// A create that fails half way leaves the instance tainted with the ledger of what it made.
/// The next apply replaces it: the destroy half deletes exactly that (the VPC is new), then the
/// create makes everything. Untainted instead, the next apply continues from it (same VPC).
/// An argument that forces replacement (`vpc_cidr`) deletes the old environment the same way,
/// and destroy then leaves nothing.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_create_is_replaced_or_continued_and_a_replacement_deletes_the_old_environment() {
    let emulator = Emulator::start();
    let before = counts(&emulator);
    let s3 = s3(&emulator).await;
    let blocker = format!("taint-dev-{REGION}-{ACCOUNT_ID}-data");
    let options = Options {
        name: "taint",
        endpoints: Some(vec!["sts"]),
        ..Default::default()
    };
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&config(&options));
    // An untagged bucket of the data bucket's name stops the create half way.
    let fail_half_way = || async {
        s3.create_bucket()
            .bucket(&blocker)
            .send()
            .await
            .unwrap_or_else(|e| panic!("CreateBucket: {e:?}"));
        let failed = work.terraform(&["apply", "-auto-approve", "-no-color"]);
        assert_ne!(failed.code, 0, "apply succeeded:\n{}", failed.text());
        assert!(
            failed.text().contains("not tagged as this environment's")
                && failed.text().contains("untaint"),
            "{}",
            failed.text()
        );
        // The blocker itself is one of the buckets counted.
        assert!(created_since(&emulator, &before) > 5, "little was made");
        let vpc = state_vpc_id(&work);
        assert!(vpc.starts_with("vpc-"), "no VPC in the tainted state");
        s3.delete_bucket()
            .bucket(&blocker)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DeleteBucket: {e:?}"));
        vpc
    };

    let tainted_vpc = fail_half_way().await;
    let plan = work.plan();
    assert_eq!(plan.code, 2, "{}", plan.text());
    assert!(
        plan.text().contains("is tainted, so must be replaced"),
        "{}",
        plan.text()
    );
    work.apply();
    let full = counts(&emulator);
    assert_ne!(state_vpc_id(&work), tainted_vpc, "the tainted VPC was kept");
    assert!(
        emulator
            .inventory_of("ec2:vpc")
            .iter()
            .all(|v| v != &tainted_vpc),
        "the tainted environment's VPC is still there"
    );
    work.assert_plan_empty("after the replacement");

    // Untainted, the next apply continues: what the failed create made is kept.
    work.destroy();
    assert_eq!(counts(&emulator), before, "destroy left something behind");
    let kept_vpc = fail_half_way().await;
    let untaint = work.terraform(&["untaint", "-no-color", ADDRESS]);
    assert_eq!(untaint.code, 0, "{}", untaint.text());
    work.apply();
    assert_eq!(
        state_vpc_id(&work),
        kept_vpc,
        "the untainted VPC was replaced"
    );
    assert_eq!(counts(&emulator), full, "not the same environment");
    work.assert_plan_empty("after continuing");

    // A forced replacement deletes the old environment before making the new one.
    work.write_config(&config(&Options {
        vpc_cidr: Some("10.20.0.0/16"),
        ..options
    }));
    let plan = work.plan();
    assert!(plan.text().contains("must be replaced"), "{}", plan.text());
    work.apply();
    assert_ne!(state_vpc_id(&work), kept_vpc, "vpc_cidr did not replace");
    assert_eq!(
        counts(&emulator),
        full,
        "the replaced environment left something"
    );
    work.destroy();
    assert_eq!(counts(&emulator), before, "destroy left something behind");
}

/// The environment's guardrail policy: its ARN and the Sids of its default version.
async fn guardrail_sids(emulator: &Emulator, env_id: &str) -> (String, Vec<String>) {
    let iam = aws_sdk_iam::Client::new(&emulator.sdk_config().await);
    let arn = format!("arn:aws:iam::{ACCOUNT_ID}:policy/secure-mlops/{env_id}-guardrails");
    let policy = iam
        .get_policy()
        .policy_arn(&arn)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetPolicy {arn}: {e:?}"));
    let version = policy
        .policy()
        .and_then(|p| p.default_version_id())
        .unwrap_or_default()
        .to_string();
    let doc = iam
        .get_policy_version()
        .policy_arn(&arn)
        .version_id(version)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetPolicyVersion: {e:?}"));
    let text = doc
        .policy_version()
        .and_then(|v| v.document())
        .unwrap_or_default();
    (arn, sids(&acceptance::iam_document(text)))
}

/// A guardrail option turned on is an in-place update of the existing environment: the plan
/// says so (no replacement), the same managed policy gets a new version with the new deny, the
/// VPC stays, and the next plan is empty.
#[tokio::test(flavor = "multi_thread")]
async fn a_guardrail_option_changes_the_policy_in_place() {
    let emulator = Emulator::start();
    let options = Options {
        name: "inplace",
        endpoints: Some(vec!["sts"]),
        profiles: vec![],
        ..Default::default()
    };
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&config(&options));
    work.apply();
    let vpc = state_vpc_id(&work);
    let (arn, before) = guardrail_sids(&emulator, "inplace-dev").await;
    let isolation = "DenyContainersWithoutNetworkIsolation";
    assert!(!before.iter().any(|s| s == isolation), "{before:?}");

    work.write_config(&config(&options).replace(
        "  storage {\n",
        "  guardrails {\n    require_network_isolation = true\n  }\n\n  storage {\n",
    ));
    let plan = work.plan();
    assert_eq!(plan.code, 2, "{}", plan.text());
    let text = plan.text();
    assert!(text.contains("will be updated in-place"), "{text}");
    assert!(text.contains("require_network_isolation"), "{text}");
    assert!(!text.contains("must be replaced"), "{text}");
    work.apply();
    let (same_arn, after) = guardrail_sids(&emulator, "inplace-dev").await;
    assert_eq!(same_arn, arn);
    assert!(after.iter().any(|s| s == isolation), "{after:?}");
    assert_eq!(state_vpc_id(&work), vpc, "the environment was replaced");
    work.assert_plan_empty("after turning isolation on");
    work.destroy();
}

/// The domain's idle timeout (JupyterLab) and Docker access, and a profile's idle timeout.
async fn studio_platform(
    sagemaker: &aws_sdk_sagemaker::Client,
    domain_id: &str,
    profile: &str,
) -> (Option<i32>, Option<i32>, String, Option<i32>) {
    let domain = sagemaker
        .describe_domain()
        .domain_id(domain_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeDomain: {e:?}"));
    let idle = |s: Option<&aws_sdk_sagemaker::types::JupyterLabAppSettings>| {
        s.and_then(|s| s.app_lifecycle_management())
            .and_then(|l| l.idle_settings())
            .and_then(|i| i.idle_timeout_in_minutes())
    };
    let user = idle(
        domain
            .default_user_settings()
            .and_then(|u| u.jupyter_lab_app_settings()),
    );
    let space = idle(
        domain
            .default_space_settings()
            .and_then(|u| u.jupyter_lab_app_settings()),
    );
    let docker = domain
        .domain_settings()
        .and_then(|d| d.docker_settings())
        .and_then(|d| d.enable_docker_access())
        .map_or("unset", |a| a.as_str())
        .to_string();
    let profile = sagemaker
        .describe_user_profile()
        .domain_id(domain_id)
        .user_profile_name(profile)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeUserProfile: {e:?}"));
    let own = idle(
        profile
            .user_settings()
            .and_then(|u| u.jupyter_lab_app_settings()),
    );
    (user, space, docker, own)
}

/// Studio's platform settings: the defaults are on the domain (idle shutdown after 60 minutes
/// for users and spaces, Docker off, tags propagated, Canvas hidden) and its home file system
/// carries the environment's tags; changing the idle timeouts is an in-place update of the
/// domain and a profile; idle shutdown stretched and Docker switched on outside Terraform show
/// as drift and apply puts them back.
#[tokio::test(flavor = "multi_thread")]
async fn studio_platform_settings_change_in_place_and_drift_is_repaired() {
    let emulator = Emulator::start();
    let before = counts(&emulator);
    let options = Options {
        name: "platform",
        endpoints: Some(vec!["sts"]),
        profiles: vec![("alice", "data_scientist")],
        ..Default::default()
    };
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&config(&options));
    work.apply();
    let values = work.resource_values(ADDRESS);
    assert_eq!(values["studio"]["idle_shutdown"]["idle_minutes"], 60);
    assert_eq!(values["studio"]["docker_access"], "DISABLED");
    assert_eq!(
        strings(&values["studio"]["hidden_apps"]),
        ["Canvas", "RStudioServerPro"]
    );
    let domain_id = values["domain_id"].as_str().unwrap_or_default().to_string();
    let vpc = state_vpc_id(&work);
    let sagemaker = aws_sdk_sagemaker::Client::new(&emulator.sdk_config().await);
    assert_eq!(
        studio_platform(&sagemaker, &domain_id, "alice").await,
        (Some(60), Some(60), "DISABLED".to_string(), Some(60))
    );
    let domain = sagemaker
        .describe_domain()
        .domain_id(&domain_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeDomain: {e:?}"));
    assert_eq!(
        domain.tag_propagation().map(|t| t.as_str()),
        Some("ENABLED")
    );
    let efs_id = domain.home_efs_file_system_id().unwrap_or_default();
    let efs = aws_sdk_efs::Client::new(&emulator.sdk_config().await);
    let file_systems = efs
        .describe_file_systems()
        .file_system_id(efs_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeFileSystems: {e:?}"));
    let tags: BTreeMap<String, String> = file_systems
        .file_systems()
        .iter()
        .flat_map(|f| f.tags())
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect();
    assert_eq!(
        tags.get("secure-mlops:environment").map(String::as_str),
        Some("platform-dev"),
        "{tags:?}"
    );
    assert_eq!(tags.get("cost-center").map(String::as_str), Some("cc-1"));

    // Longer timeouts, one of them for alice only: in place.
    let changed = config(&options)
        .replace(
            "  studio {\n",
            "  studio {\n    idle_shutdown {\n      idle_minutes = 120\n    }\n",
        )
        .replace(
            "      persona = \"data_scientist\"\n",
            "      persona = \"data_scientist\"\n      idle_minutes = 240\n",
        );
    work.write_config(&changed);
    let plan = work.plan();
    assert_eq!(plan.code, 2, "{}", plan.text());
    let text = plan.text();
    assert!(text.contains("will be updated in-place"), "{text}");
    assert!(!text.contains("must be replaced"), "{text}");
    work.apply();
    assert_eq!(
        studio_platform(&sagemaker, &domain_id, "alice").await,
        (Some(120), Some(120), "DISABLED".to_string(), Some(240))
    );
    assert_eq!(state_vpc_id(&work), vpc, "the environment was replaced");
    work.assert_plan_empty("after changing the idle timeouts");

    // Outside Terraform: a year of idleness for everyone, and Docker on.
    sagemaker
        .update_domain()
        .domain_id(&domain_id)
        .default_user_settings(
            aws_sdk_sagemaker::types::UserSettings::builder()
                .jupyter_lab_app_settings(
                    aws_sdk_sagemaker::types::JupyterLabAppSettings::builder()
                        .app_lifecycle_management(
                            aws_sdk_sagemaker::types::AppLifecycleManagement::builder()
                                .idle_settings(
                                    aws_sdk_sagemaker::types::IdleSettings::builder()
                                        .lifecycle_management(
                                            aws_sdk_sagemaker::types::LifecycleManagement::Enabled,
                                        )
                                        .idle_timeout_in_minutes(525_600)
                                        .max_idle_timeout_in_minutes(525_600)
                                        .build(),
                                )
                                .build(),
                        )
                        .build(),
                )
                .build(),
        )
        .domain_settings_for_update(
            aws_sdk_sagemaker::types::DomainSettingsForUpdate::builder()
                .docker_settings(
                    aws_sdk_sagemaker::types::DockerSettings::builder()
                        .enable_docker_access(aws_sdk_sagemaker::types::FeatureStatus::Enabled)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("UpdateDomain: {e:?}"));
    let run = work.plan();
    assert_eq!(run.code, 2, "drift must show in the plan:\n{}", run.text());
    assert!(
        run.stdout
            .contains("JupyterLab idle shutdown is 525600 minutes"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("Docker access is ENABLED"),
        "{}",
        run.stdout
    );
    work.apply();
    work.assert_plan_empty("after repairing the platform settings");
    assert_eq!(
        studio_platform(&sagemaker, &domain_id, "alice").await,
        (Some(120), Some(120), "DISABLED".to_string(), Some(240))
    );
    work.destroy();
    let after = counts(&emulator);
    for kind in ["sagemaker:domain", "sagemaker:user_profile", "ec2:vpc"] {
        assert_eq!(after[kind], before[kind], "{kind} left behind");
    }
}

/// The JupyterLab lifecycle configurations the domain offers users, and its default.
async fn domain_lifecycle_configs(
    sagemaker: &aws_sdk_sagemaker::Client,
    domain_id: &str,
) -> (Vec<String>, Option<String>) {
    let domain = sagemaker
        .describe_domain()
        .domain_id(domain_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeDomain: {e:?}"));
    let lab = domain
        .default_user_settings()
        .and_then(|u| u.jupyter_lab_app_settings());
    (
        lab.map(|l| l.lifecycle_config_arns().to_vec())
            .unwrap_or_default(),
        lab.and_then(|l| l.default_resource_spec())
            .and_then(|r| r.lifecycle_config_arn())
            .map(str::to_string),
    )
}

/// A lifecycle configuration is made before the domain and offered as its default; a new
/// script is an in-place update that makes a new configuration, switches the domain to it and
/// deletes the old one (AWS cannot change a configuration, nor delete one a domain names);
/// destroy deletes it after the domain.
#[tokio::test(flavor = "multi_thread")]
async fn a_new_lifecycle_script_is_a_new_configuration_the_domain_switches_to() {
    let emulator = Emulator::start();
    let before = counts(&emulator);
    let options = Options {
        name: "lcc",
        endpoints: Some(vec!["sts"]),
        profiles: vec![("alice", "data_scientist")],
        ..Default::default()
    };
    // A JupyterLab default for everyone, and a Code Editor one only alice runs by default.
    let with_script = |script: &str| {
        let configs = format!(
            "  studio {{\n    packages {{\n      enabled = false\n    }}\n    lifecycle_config \"pip\" {{\n      app_type = \"JupyterLab\"\n      default  = true\n      content  = <<-EOT\n        #!/bin/bash\n        {script}\n      EOT\n    }}\n    lifecycle_config \"editor\" {{\n      app_type = \"CodeEditor\"\n      content  = \"#!/bin/bash\\necho editor\\n\"\n    }}\n"
        );
        config(&options).replace("  studio {\n", &configs).replace(
            "      persona = \"data_scientist\"\n",
            "      persona = \"data_scientist\"\n      default_lifecycle_config = \"editor\"\n",
        )
    };
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&with_script("pip config set global.timeout 60"));
    work.apply();
    // The two above (the package repository is off here: its setup would be offered too).
    let mut configs = emulator.inventory_of("sagemaker:studio_lifecycle_config");
    assert_eq!(configs.len(), 2, "{configs:?}");
    let editor = configs
        .iter()
        .position(|c| c.contains("lcc-dev-editor-"))
        .map(|i| configs.remove(i))
        .unwrap_or_else(|| panic!("no editor configuration in {configs:?}"));
    let first = configs[0].clone();
    assert!(first.contains("lcc-dev-pip-"), "{first}");
    let domain_id = work.resource_values(ADDRESS)["domain_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let sagemaker = aws_sdk_sagemaker::Client::new(&emulator.sdk_config().await);
    let (arns, default) = domain_lifecycle_configs(&sagemaker, &domain_id).await;
    assert_eq!(arns.len(), 1, "{arns:?}");
    assert!(arns[0].ends_with(&first), "{arns:?} names {first}");
    assert_eq!(default.as_deref(), Some(arns[0].as_str()));
    let alice = sagemaker
        .describe_user_profile()
        .domain_id(&domain_id)
        .user_profile_name("alice")
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeUserProfile: {e:?}"));
    let alice_default = alice
        .user_settings()
        .and_then(|u| u.code_editor_app_settings())
        .and_then(|c| c.default_resource_spec())
        .and_then(|r| r.lifecycle_config_arn())
        .unwrap_or_default()
        .to_string();
    assert!(
        alice_default.ends_with(&editor),
        "{alice_default} is not {editor}"
    );
    work.assert_plan_empty("after creating the lifecycle configuration");

    work.write_config(&with_script("pip config set global.timeout 120"));
    let plan = work.plan();
    assert_eq!(plan.code, 2, "{}", plan.text());
    assert!(
        plan.text().contains("will be updated in-place"),
        "{}",
        plan.text()
    );
    assert!(!plan.text().contains("must be replaced"), "{}", plan.text());
    work.apply();
    let configs: Vec<String> = emulator
        .inventory_of("sagemaker:studio_lifecycle_config")
        .into_iter()
        .filter(|c| *c != editor)
        .collect();
    assert_eq!(
        configs.len(),
        1,
        "the old configuration is left: {configs:?}"
    );
    assert_ne!(
        configs[0], first,
        "the script did not change the configuration"
    );
    let (arns, default) = domain_lifecycle_configs(&sagemaker, &domain_id).await;
    assert!(
        arns.len() == 1 && arns[0].ends_with(&configs[0]),
        "{arns:?}"
    );
    assert_eq!(default.as_deref(), Some(arns[0].as_str()));
    work.assert_plan_empty("after the new script");

    // Both defaults dropped: the JupyterLab one with its block, alice's own by leaving it out.
    // The domain and the profile must stop naming them (SageMaker keeps a default an update
    // leaves out), or the dropped configuration could not be deleted.
    let without =
        with_script("unused").replace("      default_lifecycle_config = \"editor\"\n", "");
    let start = without.find("    lifecycle_config \"pip\"").unwrap_or(0);
    let end = without[start..]
        .find("    lifecycle_config \"editor\"")
        .unwrap_or(0)
        + start;
    work.write_config(&format!("{}{}", &without[..start], &without[end..]));
    work.apply();
    assert_eq!(
        emulator.inventory_of("sagemaker:studio_lifecycle_config"),
        std::slice::from_ref(&editor)
    );
    let (arns, default) = domain_lifecycle_configs(&sagemaker, &domain_id).await;
    assert!(arns.is_empty(), "{arns:?}");
    assert!(
        default.as_deref().is_none_or(|d| d == "None"),
        "{default:?}"
    );
    work.assert_plan_empty("after dropping the defaults");

    work.destroy();
    let after = counts(&emulator);
    for kind in [
        "sagemaker:studio_lifecycle_config",
        "sagemaker:domain",
        "ec2:vpc",
    ] {
        assert_eq!(after[kind], before[kind], "{kind} left behind");
    }
}

/// Pushes an image manifest to the emulator's ECR as `docker push` would (through boto3 in the
/// emulator's virtualenv: the tests have no ECR client of their own), and returns its URI.
fn push_ecr_image(emulator: &Emulator, repository: &str, tag: &str) -> String {
    let python = acceptance::repo_root().join("tests/emulator/.venv/bin/python");
    let script = format!(
        r#"
import boto3, json
ecr = boto3.client("ecr", endpoint_url="{endpoint}", region_name="{REGION}",
                   aws_access_key_id="test", aws_secret_access_key="test")
try:
    ecr.create_repository(repositoryName="{repository}")
except ecr.exceptions.RepositoryAlreadyExistsException:
    pass
manifest = {{"schemaVersion": 2,
            "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
            "config": {{"mediaType": "application/vnd.docker.container.image.v1+json",
                        "size": 7, "digest": "sha256:" + "{tag}".encode().hex().ljust(64, "0")}},
            "layers": []}}
ecr.put_image(repositoryName="{repository}", imageManifest=json.dumps(manifest), imageTag="{tag}")
"#,
        endpoint = emulator.endpoint
    );
    let status = std::process::Command::new(&python)
        .arg("-c")
        .arg(script)
        .status()
        .unwrap_or_else(|e| panic!("{}: {e}", python.display()));
    assert!(status.success(), "pushing {repository}:{tag} failed");
    format!("{ACCOUNT_ID}.dkr.ecr.{REGION}.amazonaws.com/{repository}:{tag}")
}

/// The custom images (name, version) the domain offers for JupyterLab.
async fn domain_custom_images(
    sagemaker: &aws_sdk_sagemaker::Client,
    domain_id: &str,
) -> Vec<(String, i32)> {
    let domain = sagemaker
        .describe_domain()
        .domain_id(domain_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeDomain: {e:?}"));
    domain
        .default_user_settings()
        .and_then(|u| u.jupyter_lab_app_settings())
        .map(|l| {
            l.custom_images()
                .iter()
                .map(|i| {
                    (
                        i.image_name().unwrap_or_default().to_string(),
                        i.image_version_number().unwrap_or_default(),
                    )
                })
                .collect()
        })
        .unwrap_or_default()
}

/// A custom image from this account's ECR: the image, its version and its app image config are
/// made before the domain, which offers the version to JupyterLab users; a new ECR tag is a new
/// version of the same image, in place; destroy leaves no image or config. An image of another
/// account is refused at plan.
#[tokio::test(flavor = "multi_thread")]
async fn a_custom_image_is_offered_and_a_new_tag_is_a_new_version() {
    let emulator = Emulator::start();
    let before = counts(&emulator);
    let options = Options {
        name: "img",
        endpoints: Some(vec!["sts"]),
        profiles: vec![],
        ..Default::default()
    };
    let with_image = |uri: &str| {
        config(&options).replace(
            "  studio {\n",
            &format!(
                "  studio {{\n    custom_image \"lab\" {{\n      ecr_image_uri = \"{uri}\"\n      app_type      = \"JupyterLab\"\n    }}\n"
            ),
        )
    };
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&with_image(&format!(
        "999999999999.dkr.ecr.{REGION}.amazonaws.com/lab:1"
    )));
    let refused = work.plan();
    assert_eq!(refused.code, 1, "{}", refused.text());
    assert!(
        refused.text().contains("Image Of Another Account")
            && refused.text().contains("ecr_image_uri"),
        "{}",
        refused.text()
    );

    let first = push_ecr_image(&emulator, "team/lab", "v1");
    work.write_config(&with_image(&first));
    work.apply();
    let domain_id = work.resource_values(ADDRESS)["domain_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let sagemaker = aws_sdk_sagemaker::Client::new(&emulator.sdk_config().await);
    assert_eq!(
        domain_custom_images(&sagemaker, &domain_id).await,
        [("img-dev-lab".to_string(), 1)]
    );
    let config = sagemaker
        .describe_app_image_config()
        .app_image_config_name("img-dev-lab")
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeAppImageConfig: {e:?}"));
    let fs = config
        .jupyter_lab_app_image_config()
        .and_then(|c| c.file_system_config());
    assert_eq!(fs.and_then(|f| f.default_uid()), Some(1000), "{config:?}");
    work.assert_plan_empty("after creating the image");

    let second = push_ecr_image(&emulator, "team/lab", "v2");
    work.write_config(&with_image(&second));
    let plan = work.plan();
    assert_eq!(plan.code, 2, "{}", plan.text());
    assert!(!plan.text().contains("must be replaced"), "{}", plan.text());
    work.apply();
    assert_eq!(
        domain_custom_images(&sagemaker, &domain_id).await,
        [("img-dev-lab".to_string(), 2)]
    );
    work.assert_plan_empty("after the new tag");

    work.destroy();
    let after = counts(&emulator);
    for kind in [
        "sagemaker:image",
        "sagemaker:app_image_config",
        "sagemaker:domain",
        "ec2:vpc",
    ] {
        assert_eq!(after[kind], before[kind], "{kind} left behind");
    }
}

/// A role brought into an environment must be tagged for it: untagged, the plan fails on the
/// attribute and nothing is made; tagged by whoever governs it, the plan goes through.
#[tokio::test(flavor = "multi_thread")]
async fn a_brought_role_must_be_tagged_for_the_environment() {
    let emulator = Emulator::start();
    let before = counts(&emulator);
    let iam = aws_sdk_iam::Client::new(&emulator.sdk_config().await);
    let trust = serde_json::json!({"Version": "2012-10-17", "Statement": [{"Effect": "Allow",
        "Principal": {"Service": "sagemaker.amazonaws.com"}, "Action": "sts:AssumeRole"}]});
    let arn = iam
        .create_role()
        .role_name("tf-brought-exec")
        .assume_role_policy_document(trust.to_string())
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateRole: {e:?}"))
        .role()
        .map(|r| r.arn().to_string())
        .unwrap_or_default();
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(
        &config(&Options {
            name: "brought",
            endpoints: Some(vec!["sts"]),
            ..Default::default()
        })
        .replace(
            "  storage {\n",
            &format!("  iam {{\n    execution_role_arn = \"{arn}\"\n  }}\n\n  storage {{\n"),
        ),
    );
    let refused = work.terraform(&["apply", "-auto-approve", "-no-color"]);
    assert_ne!(refused.code, 0, "{}", refused.text());
    let text = refused.text();
    assert!(
        text.contains("Brought Role Not Approved") && text.contains("brought-dev"),
        "{text}"
    );
    assert!(
        text.contains("execution_role_arn"),
        "no attribute path: {text}"
    );
    assert_eq!(counts(&emulator)["iam:role"], before["iam:role"] + 1);
    assert_eq!(created_since(&emulator, &before), 1, "something was made");

    iam.tag_role()
        .role_name("tf-brought-exec")
        .tags(
            aws_sdk_iam::types::Tag::builder()
                .key("secure-mlops:environment")
                .value("brought-dev")
                .build()
                .unwrap_or_else(|e| panic!("{e}")),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("TagRole: {e:?}"));
    let plan = work.plan();
    assert_eq!(plan.code, 2, "the tagged role is refused:\n{}", plan.text());
}

/// How many of `KINDS` the emulator holds beyond `before`, summed.
fn created_since(emulator: &Emulator, before: &BTreeMap<String, usize>) -> usize {
    counts(emulator)
        .iter()
        .map(|(k, n)| n.saturating_sub(before[k]))
        .sum()
}

/// Runs `terraform <args>` and kills its provider as soon as `reached` says so; the run must
/// then fail. Returns false when the run ended before the kill point (it must then succeed).
fn kill_when(work: &Workdir, args: &[&str], reached: impl Fn() -> bool) -> bool {
    let mut run = work.spawn(args);
    loop {
        if let Some(status) = run.try_wait().unwrap_or_else(|e| panic!("wait: {e}")) {
            if !status.success() {
                let out = run
                    .wait_with_output()
                    .unwrap_or_else(|e| panic!("output: {e}"));
                panic!(
                    "{args:?} failed before the kill point:\n{}\n{}",
                    String::from_utf8_lossy(&out.stdout),
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            return false;
        }
        if reached() {
            let killed = kill_providers_under(run.id());
            let status = run.wait().unwrap_or_else(|e| panic!("wait: {e}"));
            // No provider at that instant (between Terraform's phases), or only one that had
            // finished its work: the run went on to the end and must have succeeded.
            if killed == 0 || status.success() {
                assert!(status.success(), "{args:?} failed without being killed");
                return false;
            }
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Kill points per sweep: 3 waves of 4 killed applies, 2 waves of 4 killed destroys (20 in all).
const APPLY_WAVES: usize = 3;
const DESTROY_WAVES: usize = 2;
const KILLS_PER_WAVE: usize = 4;

/// A crash sweep's emulator, working directory and seeded kill points.
struct Sweep {
    emulator: Emulator,
    before: BTreeMap<String, usize>,
    work: Workdir,
    rng: Seeded,
    tried: Vec<String>,
    /// How many resources of the kinds counted a full apply makes (42 measured; measured again
    /// at each full apply).
    total: usize,
}

const APPLY: [&str; 3] = ["apply", "-auto-approve", "-no-color"];
const DESTROY: [&str; 3] = ["destroy", "-auto-approve", "-no-color"];

impl Sweep {
    /// `CRASH_SEED` picks other points (`salt` keeps the two sweeps' points apart); the seed in
    /// use is printed so a failure can be replayed.
    fn start(salt: u64) -> Self {
        let seed: u64 = std::env::var("CRASH_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or(20261128);
        eprintln!("CRASH_SEED={seed}");
        let emulator = Emulator::start();
        let before = counts(&emulator);
        let work = Workdir::new(&emulator.endpoint);
        work.write_config(&config(&Options {
            name: "crash",
            endpoints: Some(vec!["sts", "sagemaker.api", "studio"]),
            ..Default::default()
        }));
        Sweep {
            emulator,
            before,
            work,
            rng: Seeded(seed.wrapping_add(salt).max(1)),
            tried: Vec::new(),
            total: 42,
        }
    }

    /// Every AWS answer slowed down, so kills land inside the runs (or not).
    fn slow(&self, on: bool) {
        let delay = if on { 0.03 } else { 0.0 };
        self.emulator
            .set_config(&format!(r#"{{"request_delay_seconds": {delay}}}"#));
    }

    fn created(&self) -> usize {
        created_since(&self.emulator, &self.before)
    }

    /// A wave's kill points: `KILLS_PER_WAVE` seeded resource counts in `1..total`, ascending.
    fn points(&mut self) -> Vec<usize> {
        let below = self.total.saturating_sub(1).max(1);
        let mut points: Vec<usize> = (0..KILLS_PER_WAVE).map(|_| self.rng.pick(below)).collect();
        points.sort_unstable();
        points
    }

    /// An apply killed once `point` resources exist (once one more than now, if as many exist
    /// already: a kill before it creates anything).
    fn killed_apply(&mut self, point: usize) {
        let now = self.created();
        let point = point.max(now + 1);
        let (emulator, before) = (&self.emulator, &self.before);
        let killed = kill_when(&self.work, &APPLY, || {
            created_since(emulator, before) >= point
        });
        eprintln!("apply killed once {point} resources existed (from {now}): {killed}");
        self.tried.push(format!("apply@{point}:{killed}"));
    }

    /// A destroy killed once `left` resources are left (one fewer than now, if fewer are left
    /// already).
    fn killed_destroy(&mut self, left: usize) {
        let now = self.created();
        let left = left.min(now.saturating_sub(1));
        let (emulator, before) = (&self.emulator, &self.before);
        let killed = kill_when(&self.work, &DESTROY, || {
            created_since(emulator, before) <= left
        });
        eprintln!("destroy killed with {left} resources left (from {now}): {killed}");
        self.tried.push(format!("destroy@{left}:{killed}"));
    }

    /// A complete apply, which must converge: no duplicate VPC, key, bucket, role, domain or
    /// profile; an empty plan after it.
    fn full_apply(&mut self) {
        self.work.apply();
        let full = counts(&self.emulator);
        let grew = |kind: &str| full[kind] - self.before[kind];
        let tried = &self.tried;
        for (kind, n) in [
            ("ec2:vpc", 1),
            ("kms:key", 3),
            ("kms:alias", 3),
            ("s3:bucket", 2),
            ("iam:role", 5),
            ("ec2:subnet", 2),
            // sts, sagemaker.api, studio, S3, and the package repository's two.
            ("ec2:vpc_endpoint", 6),
            ("ec2:flow_log", 1),
            ("sagemaker:domain", 1),
            ("sagemaker:user_profile", 2),
            ("efs:mount_target", 2),
        ] {
            assert_eq!(grew(kind), n, "{kind} after {tried:?}: {full:?}");
        }
        self.work.assert_plan_empty("after the repairing apply");
        self.total = self.created();
    }

    /// A complete destroy, which must leave nothing.
    fn full_destroy(&self) {
        self.work.destroy();
        assert_eq!(
            counts(&self.emulator),
            self.before,
            "left behind after {:?}",
            self.tried
        );
    }
}

/// Kills the provider at 12 seeded points of applies of an environment with Studio (3 waves
/// from nothing, each point later in the apply than the resources that already exist); each
/// next run converges: no duplicate VPC, key, bucket, role, domain or profile, nothing orphaned
/// after each wave's destroy.
#[tokio::test(flavor = "multi_thread")]
async fn a_provider_killed_at_seeded_points_of_applies_is_repaired_by_the_next_run() {
    let started = Instant::now();
    let mut sweep = Sweep::start(0);
    for _ in 0..APPLY_WAVES {
        sweep.slow(true);
        for point in sweep.points() {
            sweep.killed_apply(point);
        }
        sweep.slow(false);
        sweep.full_apply();
        sweep.full_destroy();
    }
    eprintln!(
        "apply kill points tried: {:?} in {:.0?}",
        sweep.tried,
        started.elapsed()
    );
}

/// Kills the provider at 8 seeded points of destroys of an environment with Studio (2 waves
/// from a full apply, each point with fewer resources left than the last); the next destroy
/// leaves nothing, and the environment can be applied again in between.
#[tokio::test(flavor = "multi_thread")]
async fn a_provider_killed_at_seeded_points_of_destroys_is_repaired_by_the_next_run() {
    let started = Instant::now();
    let mut sweep = Sweep::start(1);
    for _ in 0..DESTROY_WAVES {
        sweep.full_apply();
        sweep.slow(true);
        for left in sweep.points().into_iter().rev() {
            sweep.killed_destroy(left);
        }
        sweep.slow(false);
        sweep.full_destroy();
    }
    eprintln!(
        "destroy kill points tried: {:?} in {:.0?}",
        sweep.tried,
        started.elapsed()
    );
}

/// The lines of a `TF_LOG` output at `[INFO]` that contain `needle`.
fn info_lines<'a>(log: &'a str, needle: &str) -> Vec<&'a str> {
    log.lines()
        .filter(|l| l.contains("[INFO]") && l.contains(needle))
        .collect()
}

/// With `TF_LOG=INFO`, Terraform's log shows each child's start and finish (logical id, kind,
/// time taken) and the waits of the long ones, on apply and on destroy; no secret in it.
#[test]
fn tf_log_info_shows_each_child_starting_and_finishing() {
    let emulator = Emulator::start();
    let before = counts(&emulator);
    let secret = "Sekr3tAccessKeyThatMustNeverBeLogged0";
    let work = Workdir::new(&emulator.endpoint)
        .with_env("TF_LOG", "INFO")
        .with_env("AWS_SECRET_ACCESS_KEY", secret);
    work.write_config(&config(&Options {
        name: "logs",
        endpoints: Some(vec!["sts"]),
        ..Default::default()
    }));
    let apply = work.apply();
    let destroy = work.destroy();
    for (run, verb) in [(&apply, "applied"), (&destroy, "deleted")] {
        let log = &run.stderr;
        let starting = if verb == "applied" {
            "applying"
        } else {
            "deleting"
        };
        for (child, kind) in [("vpc", "vpc"), ("studio-domain", "studio-domain")] {
            for step in [
                format!("{child} ({kind}): {starting}"),
                format!("{child} ({kind}): {verb} in "),
            ] {
                let lines = info_lines(log, &step);
                assert_eq!(lines.len(), 1, "no single INFO line {step:?} in:\n{log}");
                assert!(lines[0].contains(&format!("child={child}")), "{}", lines[0]);
            }
        }
        assert!(!log.contains("[DEBUG]"), "TF_LOG=INFO shows no debug line");
        for leak in [
            secret,
            "X-Amz-Signature",
            "X-Amz-Credential",
            "X-Amz-Security-Token",
            "Signature=",
        ] {
            assert!(!log.contains(leak), "{leak} in the log:\n{log}");
        }
    }
    let waits = info_lines(&apply.stderr, "studio-domain: waiting for ");
    assert!(
        !waits.is_empty(),
        "no wait of the domain in:\n{}",
        apply.stderr
    );
    for line in info_lines(&apply.stderr, "): applied in ").iter().take(3) {
        eprintln!("{line}");
    }
    eprintln!("{}", waits[0]);
    assert_eq!(counts(&emulator), before);
}

/// One invalid configuration: resource name, the body, and the attribute path the error names.
const INVALID: &[(&str, &str, &str)] = &[
    ("bad_name", r#"name = "Team_A""#, "name"),
    ("long_name", r#"name = "a-very-long-team-name-xy""#, "name"),
    (
        "bad_cidr",
        r#"network { vpc_cidr = "10.0.0.0/33" }"#,
        "network.vpc_cidr",
    ),
    (
        "subnet_outside",
        r#"network { private_subnet_cidrs = ["10.1.0.0/24", "10.0.1.0/24"] }"#,
        "network.private_subnet_cidrs[0]",
    ),
    (
        "overlap",
        r#"network { private_subnet_cidrs = ["10.0.0.0/24", "10.0.0.128/25"] }"#,
        "network.private_subnet_cidrs[1]",
    ),
    (
        "same_zone",
        r#"network { availability_zones = ["us-east-1a", "us-east-1a"] }"#,
        "network.availability_zones",
    ),
    (
        "five_zones",
        r#"network { availability_zones = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e"] }"#,
        "network.availability_zones",
    ),
    (
        "count_mismatch",
        r#"network { private_subnet_cidrs = ["10.0.0.0/24"] }"#,
        "network.private_subnet_cidrs",
    ),
    (
        "idle_too_short",
        "studio {\n    idle_shutdown { idle_minutes = 30 }\n  }",
        "studio.idle_shutdown.idle_minutes",
    ),
    (
        "unknown_app",
        r#"studio { hidden_apps = ["Notebook"] }"#,
        "studio.hidden_apps",
    ),
    (
        "bad_docker",
        r#"studio { docker_access = "yes" }"#,
        "studio.docker_access",
    ),
    (
        "long_script",
        "studio {\n    lifecycle_config \"x\" {\n      app_type = \"JupyterLab\"\n      content = format(\"%013000d\", 0)\n    }\n  }",
        "studio.lifecycle_config[\"x\"].content",
    ),
    (
        "bad_app_type",
        "studio {\n    lifecycle_config \"x\" {\n      app_type = \"RStudio\"\n      content = \"echo\"\n    }\n  }",
        "studio.lifecycle_config[\"x\"].app_type",
    ),
    (
        "public_without_nat",
        r#"network { public_subnet_cidrs = ["10.0.128.0/24", "10.0.129.0/24"] }"#,
        "network.public_subnet_cidrs",
    ),
    (
        "both_subnet_kinds",
        r#"network {
    vpc_id = "vpc-0123456789abcdef0"
    existing_private_subnet_ids = ["subnet-0123456789abcdef0", "subnet-0123456789abcdef1"]
    private_subnet_cidrs = ["10.0.0.0/24", "10.0.1.0/24"]
  }"#,
        "network.private_subnet_cidrs",
    ),
    (
        "traffic_type",
        r#"network {
    flow_logs {
      traffic_type = "SOME"
    }
  }"#,
        "network.flow_logs.traffic_type",
    ),
    (
        "retention",
        r#"network {
    flow_logs {
      retention_days = 10
    }
  }"#,
        "network.flow_logs.retention_days",
    ),
    (
        "bucket_name",
        r#"storage { data_bucket_name = "My_Bucket" }"#,
        "storage.data_bucket_name",
    ),
    (
        "role_arn",
        r#"iam { execution_role_arn = "arn:aws:iam::123456789012:user/bob" }"#,
        "iam.execution_role_arn",
    ),
    (
        "reserved_tag",
        r#"tags = { "secure-mlops:component" = "x" }"#,
        "tags",
    ),
    (
        "empty_zones",
        r#"network { availability_zones = [] }"#,
        "network.availability_zones",
    ),
    (
        "unknown_service",
        r#"network { interface_endpoints = ["sts", "not-a-service"] }"#,
        "network.interface_endpoints",
    ),
    (
        "service_not_in_zone",
        r#"network {
    availability_zones  = ["us-east-1a", "us-east-1c"]
    interface_endpoints = ["sts", "bedrock-runtime"]
  }"#,
        "network.interface_endpoints",
    ),
    (
        "sso_user_without_sso",
        r#"studio {
    user_profile "alice" {
      persona       = "data_scientist"
      sso_user_name = "alice@example.com"
    }
  }"#,
        "studio.user_profile[\"alice\"].sso_user_name",
    ),
    (
        "sso_profile_without_user",
        r#"studio {
    auth_mode = "SSO"
    user_profile "alice" { persona = "data_scientist" }
  }"#,
        "studio.user_profile[\"alice\"].sso_user_name",
    ),
    (
        "sign_in_from_everywhere",
        r#"studio {
    access { allowed_source_cidrs = ["0.0.0.0/0"] }
  }"#,
        "studio.access.allowed_source_cidrs",
    ),
    (
        "vpc_sign_in_without_api_endpoint",
        r#"network { interface_endpoints = ["sts"] }
  studio {
    access { source_vpc_endpoint_only = true }
  }"#,
        "studio.access.source_vpc_endpoint_only",
    ),
    (
        "trusted_wildcard",
        r#"iam { trusted_principal_arns = ["arn:aws:iam::123456789012:role/*"] }"#,
        "iam.trusted_principal_arns",
    ),
];

#[test]
fn invalid_input_fails_at_plan_on_its_attribute_and_creates_nothing() {
    let emulator = Emulator::start();
    let before = counts(&emulator);
    let mut hcl = String::from(
        r#"
terraform {
  required_providers {
    sagemaker = { source = "secure-mlops/sagemaker" }
  }
}

provider "sagemaker" {}
"#,
    );
    let cases = INVALID;
    assert!(cases.len() >= 12, "the issue asks for at least 12 cases");
    for (name, body, _) in cases {
        let (name_line, stage_line) = match *name {
            "bad_name" | "long_name" => ("", "stage = \"dev\""),
            _ => ("name = \"ok\"", "stage = \"dev\""),
        };
        hcl.push_str(&format!(
            "\nresource \"sagemaker_secure_ds_environment\" \"{name}\" {{\n  {name_line}\n  {stage_line}\n  {body}\n}}\n"
        ));
    }
    // A bad stage is one more resource.
    hcl.push_str("\nresource \"sagemaker_secure_ds_environment\" \"bad_stage\" {\n  name = \"ok\"\n  stage = \"qa\"\n}\n");

    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&hcl);
    let run = work.plan();
    assert_eq!(
        run.code,
        1,
        "invalid input must fail the plan:\n{}",
        run.text()
    );
    let text = run.text();
    let errors: Vec<&str> = text.split("Error: ").skip(1).collect();
    for (name, _, path) in cases {
        let block = format!("with sagemaker_secure_ds_environment.{name},");
        let mine: Vec<&&str> = errors.iter().filter(|e| e.contains(&block)).collect();
        assert!(!mine.is_empty(), "no error for {name}:\n{text}");
        assert!(
            mine.iter()
                .any(|e| e.contains(&format!("{path}:")) || e.contains(&format!("{path}["))),
            "no error for {name} names {path}:\n{mine:#?}"
        );
    }
    assert!(
        text.contains("with sagemaker_secure_ds_environment.bad_stage,"),
        "{text}"
    );
    assert_eq!(
        counts(&emulator),
        before,
        "an invalid plan called AWS to create something"
    );

    // A bad timeout is refused at validation, before any plan.
    work.write_config(
        r#"
terraform {
  required_providers {
    sagemaker = { source = "secure-mlops/sagemaker" }
  }
}
provider "sagemaker" {}
resource "sagemaker_secure_ds_environment" "t" {
  name  = "ok"
  stage = "dev"
  timeouts {
    create = "ten minutes"
  }
}
"#,
    );
    let run = work.plan();
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(run.text().contains("timeouts.create"), "{}", run.text());
}

#[test]
fn the_examples_are_valid_configurations() {
    let root = acceptance::repo_root().join("examples/terraform");
    for example in ["quickstart", "byo-vpc", "mlops"] {
        let work = Workdir::new("http://127.0.0.1:9");
        for entry in std::fs::read_dir(root.join(example))
            .unwrap_or_else(|e| panic!("{example}: {e}"))
            .filter_map(Result::ok)
            .filter(|e| e.path().extension().is_some_and(|x| x == "tf"))
        {
            std::fs::copy(entry.path(), work.path().join(entry.file_name()))
                .unwrap_or_else(|e| panic!("copy: {e}"));
        }
        let run = work.terraform(&["validate", "-no-color"]);
        assert_eq!(run.code, 0, "{example} is not valid:\n{}", run.text());
    }
}

/// The package repository's external connections (`public:pypi`).
async fn external_connections(
    codeartifact: &aws_sdk_codeartifact::Client,
    domain: &str,
) -> Vec<String> {
    let repo = codeartifact
        .describe_repository()
        .domain(domain)
        .repository("pypi")
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeRepository: {e:?}"));
    repo.repository()
        .map(|r| {
            r.external_connections()
                .iter()
                .filter_map(|c| c.external_connection_name().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

/// `studio.packages` (on by default): a CodeArtifact domain under the data key with a policy
/// refusing other accounts, a repository reading through to PyPI, its two endpoints, and the
/// setup Studio's apps run by default; drift on the connection and the policy is repaired;
/// switching it off removes all of it in place.
#[tokio::test(flavor = "multi_thread")]
async fn the_package_repository_is_made_repaired_and_removed_in_place() {
    let emulator = Emulator::start();
    let before = counts(&emulator);
    let options = Options {
        name: "pkgs",
        endpoints: Some(vec!["sts"]),
        profiles: vec![("alice", "data_scientist")],
        ..Default::default()
    };
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&config(&options));
    work.apply();
    work.assert_plan_empty("after the first apply");
    let values = work.resource_values(ADDRESS);
    assert_eq!(values["studio"]["packages"]["enabled"], true);
    assert_eq!(values["studio"]["packages"]["upstream"], "pypi");
    let endpoints = values["interface_endpoint_ids"]
        .as_object()
        .map(|m| m.keys().cloned().collect::<Vec<_>>())
        .unwrap_or_default();
    assert_eq!(
        endpoints,
        ["codeartifact.api", "codeartifact.repositories", "sts"],
        "the repository's endpoints come with it"
    );
    let codeartifact = aws_sdk_codeartifact::Client::new(&emulator.sdk_config().await);
    let domain = codeartifact
        .describe_domain()
        .domain("pkgs-dev")
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeDomain: {e:?}"));
    assert_eq!(
        domain.domain().and_then(|d| d.encryption_key()),
        values["kms_key_arns"]["data"].as_str(),
        "the domain is encrypted with the data key"
    );
    let policy = |text: Option<&str>| -> Value {
        serde_json::from_str(text.unwrap_or("{}")).unwrap_or(Value::Null)
    };
    let domain_policy = codeartifact
        .get_domain_permissions_policy()
        .domain("pkgs-dev")
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetDomainPermissionsPolicy: {e:?}"));
    let document = policy(domain_policy.policy().and_then(|p| p.document()));
    assert_eq!(sids(&document), ["DenyOtherAccounts"], "{document}");
    assert_eq!(
        external_connections(&codeartifact, "pkgs-dev").await,
        ["public:pypi"]
    );
    // Studio's JupyterLab runs the setup by default: it asks for this repository's address.
    let sagemaker = aws_sdk_sagemaker::Client::new(&emulator.sdk_config().await);
    let domain_id = values["domain_id"].as_str().unwrap_or_default().to_string();
    let (offered, default) = domain_lifecycle_configs(&sagemaker, &domain_id).await;
    let default = default.unwrap_or_default();
    assert!(
        default.contains("pkgs-dev-packages-jupyterlab-"),
        "{default}"
    );
    assert!(offered.contains(&default), "{offered:?}");
    let name = default.rsplit('/').next().unwrap_or_default();
    let setup = sagemaker
        .describe_studio_lifecycle_config()
        .studio_lifecycle_config_name(name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeStudioLifecycleConfig: {e:?}"));
    let script = aws_smithy_types::base64::decode(
        setup.studio_lifecycle_config_content().unwrap_or_default(),
    )
    .map(|b| String::from_utf8_lossy(&b).to_string())
    .unwrap_or_default();
    assert!(
        script.contains("get-repository-endpoint --domain pkgs-dev --repository pypi"),
        "{script}"
    );

    // Outside Terraform: the repository loses its upstream and the domain its policy.
    codeartifact
        .disassociate_external_connection()
        .domain("pkgs-dev")
        .repository("pypi")
        .external_connection("public:pypi")
        .send()
        .await
        .unwrap_or_else(|e| panic!("DisassociateExternalConnection: {e:?}"));
    codeartifact
        .delete_domain_permissions_policy()
        .domain("pkgs-dev")
        .send()
        .await
        .unwrap_or_else(|e| panic!("DeleteDomainPermissionsPolicy: {e:?}"));
    let run = work.plan();
    assert_eq!(run.code, 2, "drift must show in the plan:\n{}", run.text());
    for expected in [
        "external connection is none, not public:pypi",
        "domain policy",
    ] {
        assert!(run.stdout.contains(expected), "{expected}:\n{}", run.stdout);
    }
    work.apply();
    work.assert_plan_empty("after repairing the package repository");
    assert_eq!(
        external_connections(&codeartifact, "pkgs-dev").await,
        ["public:pypi"]
    );

    // Switched off: the repository, its domain, endpoints and setup go, in place.
    let vpc = state_vpc_id(&work);
    let off = config(&options).replace(
        "  studio {\n",
        "  studio {\n    packages {\n      enabled = false\n    }\n",
    );
    work.write_config(&off);
    let plan = work.plan();
    assert_eq!(plan.code, 2, "{}", plan.text());
    assert!(!plan.text().contains("must be replaced"), "{}", plan.text());
    work.apply();
    work.assert_plan_empty("after switching packages off");
    assert_eq!(state_vpc_id(&work), vpc, "the environment was replaced");
    let values = work.resource_values(ADDRESS);
    assert_eq!(values["package_repository_url"], Value::Null);
    let now = counts(&emulator);
    for kind in [
        "codeartifact:domain",
        "codeartifact:repository",
        "sagemaker:studio_lifecycle_config",
    ] {
        assert_eq!(now[kind], before[kind], "{kind} left after switching off");
    }
    assert_eq!(
        values["interface_endpoint_ids"]
            .as_object()
            .map(|m| m.keys().cloned().collect::<Vec<_>>()),
        Some(vec!["sts".to_string()])
    );
    work.destroy();
    assert_eq!(counts(&emulator), before, "destroy left something");
}
