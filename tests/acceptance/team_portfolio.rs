//! `studio.team_portfolio` with the real `terraform` CLI and provider against the emulator:
//! the environment's own Service Catalog portfolio, shared with its people's roles, holding a
//! notebook instance product and a Studio user profile product launched as its `sc_launch` role.
//! A launched notebook sits in the environment (subnet, group, keys, root and direct internet
//! off, IMDSv2, its lifecycle configuration) and passes the audit; a forbidden instance type is
//! refused by the product itself; a profile launched by a team admin is in the domain, tagged
//! for sign-in; a guardrail change publishes a new version and deprecates the old one; destroy
//! terminates what people launched and leaves nothing.

use std::time::{Duration, Instant};

use acceptance::{Emulator, Workdir, REGION};
use aws_sdk_servicecatalog::types::ProvisioningParameter;
use serde_json::Value;

const ADDRESS: &str = "sagemaker_secure_ds_environment.team";

fn config(instance_types: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    sagemaker = {{ source = "secure-mlops/sagemaker" }}
  }}
}}

provider "sagemaker" {{}}

resource "sagemaker_secure_ds_environment" "team" {{
  name  = "catalog"
  stage = "dev"

  network {{
    availability_zones  = ["{REGION}a", "{REGION}b"]
    interface_endpoints = ["sts"]
  }}

  storage {{
    force_destroy = true
  }}

  guardrails {{
    allowed_instance_types = [{instance_types}]
  }}

  studio {{
    team_portfolio = true
  }}
}}

data "sagemaker_environment_audit" "team" {{
  environment_id = sagemaker_secure_ds_environment.team.id
}}

output "compliant" {{
  value = data.sagemaker_environment_audit.team.compliant
}}

output "findings" {{
  value = data.sagemaker_environment_audit.team.findings
}}

output "workloads_checked" {{
  value = data.sagemaker_environment_audit.team.workloads_checked
}}
"#
    )
}

fn parameter(key: &str, value: &str) -> ProvisioningParameter {
    ProvisioningParameter::builder()
        .key(key)
        .value(value)
        .build()
}

/// Waits for a Service Catalog record to finish; answers its status and errors.
async fn record_outcome(sc: &aws_sdk_servicecatalog::Client, record_id: &str) -> (String, String) {
    let started = Instant::now();
    loop {
        let out = sc
            .describe_record()
            .id(record_id)
            .send()
            .await
            .unwrap_or_else(|e| panic!("DescribeRecord: {e:?}"));
        let detail = out
            .record_detail()
            .cloned()
            .unwrap_or_else(|| panic!("no record"));
        let status = detail
            .status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        if !status.starts_with("IN_PROGRESS") && !status.is_empty() && status != "CREATED" {
            let errors = detail
                .record_errors()
                .iter()
                .map(|e| e.description().unwrap_or_default().to_string())
                .collect::<Vec<_>>()
                .join("; ");
            return (status, errors);
        }
        assert!(
            started.elapsed() < Duration::from_secs(120),
            "record {record_id} still {status}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_team_portfolio_launches_what_the_environment_allows_and_destroy_takes_it_all() {
    let emulator = Emulator::start();
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&config(r#""ml.t3.medium""#));
    work.apply();
    work.assert_plan_empty("after the apply");
    let values = work.resource_values(ADDRESS);
    let subnets: Vec<String> = values["private_subnet_ids"]
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    let group = values["sagemaker_security_group_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let ebs = values["kms_key_arns"]["ebs"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let roles = &values["role_arns"];
    let domain_id = values["domain_id"].as_str().unwrap_or_default().to_string();

    let sdk = emulator.sdk_config().await;
    let sc = aws_sdk_servicecatalog::Client::new(&sdk);
    let sagemaker = aws_sdk_sagemaker::Client::new(&sdk);

    // The portfolio, shared with the people's roles (and no one else).
    let portfolios = sc
        .list_portfolios()
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let portfolio = portfolios
        .portfolio_details()
        .iter()
        .find(|p| p.display_name() == Some("catalog-dev-team"))
        .unwrap_or_else(|| panic!("no team portfolio: {portfolios:?}"));
    let portfolio_id = portfolio.id().unwrap_or_default().to_string();
    let principals = sc
        .list_principals_for_portfolio()
        .portfolio_id(&portfolio_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let mut shared: Vec<String> = principals
        .principals()
        .iter()
        .filter_map(|p| p.principal_arn().map(str::to_string))
        .collect();
    shared.sort();
    let mut people = vec![
        roles["data_scientist"]
            .as_str()
            .unwrap_or_default()
            .to_string(),
        roles["team_admin"].as_str().unwrap_or_default().to_string(),
    ];
    people.sort();
    assert_eq!(shared, people);

    // Its two products, each with one launch constraint on the sc_launch role.
    let products = sc
        .search_products_as_admin()
        .portfolio_id(&portfolio_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("SearchProductsAsAdmin: {e:?}"));
    let product_id = |name: &str| {
        products
            .product_view_details()
            .iter()
            .filter_map(|d| d.product_view_summary())
            .find(|s| s.name() == Some(name))
            .and_then(|s| s.product_id())
            .unwrap_or_else(|| panic!("no product {name}: {products:?}"))
            .to_string()
    };
    let notebook_product = product_id("catalog-dev-notebook-instance");
    let profile_product = product_id("catalog-dev-studio-user-profile");
    for product in [&notebook_product, &profile_product] {
        let constraints = sc
            .list_constraints_for_portfolio()
            .portfolio_id(&portfolio_id)
            .product_id(product)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        let launch: Vec<_> = constraints
            .constraint_details()
            .iter()
            .filter(|c| c.r#type() == Some("LAUNCH"))
            .collect();
        assert_eq!(launch.len(), 1, "{constraints:?}");
        let detail = sc
            .describe_constraint()
            .id(launch[0].constraint_id().unwrap_or_default())
            .send()
            .await
            .unwrap_or_else(|e| panic!("{e:?}"));
        assert!(
            detail
                .constraint_parameters()
                .unwrap_or_default()
                .contains(roles["sc_launch"].as_str().unwrap_or("?")),
            "{detail:?}"
        );
    }

    // A data scientist launches a notebook: it is the environment's.
    let launched = sc
        .provision_product()
        .product_id(&notebook_product)
        .provisioned_product_name("alice-notebook")
        .provisioning_parameters(parameter("NotebookInstanceName", "alice-notebook"))
        .provisioning_parameters(parameter("InstanceType", "ml.t3.medium"))
        .provision_token("alice-notebook-1")
        .send()
        .await
        .unwrap_or_else(|e| panic!("ProvisionProduct: {e:?}"));
    let record = launched
        .record_detail()
        .and_then(|r| r.record_id())
        .unwrap_or_default();
    let (status, errors) = record_outcome(&sc, record).await;
    assert_eq!(status, "SUCCEEDED", "{errors}");
    let notebook = sagemaker
        .describe_notebook_instance()
        .notebook_instance_name("alice-notebook")
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeNotebookInstance: {e:?}"));
    assert_eq!(notebook.subnet_id(), Some(subnets[0].as_str()));
    assert_eq!(notebook.security_groups(), std::slice::from_ref(&group));
    assert_eq!(notebook.kms_key_id(), Some(ebs.as_str()));
    assert_eq!(notebook.role_arn(), roles["execution"].as_str());
    assert_eq!(notebook.root_access().map(|r| r.as_str()), Some("Disabled"));
    assert_eq!(
        notebook.direct_internet_access().map(|d| d.as_str()),
        Some("Disabled")
    );
    assert_eq!(
        notebook.notebook_instance_lifecycle_config_name(),
        Some("alice-notebook-secure")
    );

    // A forbidden instance type is refused by the product, before anything is made.
    let refused = sc
        .provision_product()
        .product_id(&notebook_product)
        .provisioned_product_name("big-notebook")
        .provisioning_parameters(parameter("NotebookInstanceName", "big-notebook"))
        .provisioning_parameters(parameter("InstanceType", "ml.p3.16xlarge"))
        .send()
        .await;
    let err = refused.expect_err("a forbidden instance type launches nothing");
    let text = format!("{err:?}");
    assert!(text.contains("InstanceType"), "{text}");
    assert!(
        text.contains("ml.t3.medium"),
        "the allowed types are named: {text}"
    );
    assert!(sagemaker
        .describe_notebook_instance()
        .notebook_instance_name("big-notebook")
        .send()
        .await
        .is_err());

    // A team admin adds carol to the domain.
    let added = sc
        .provision_product()
        .product_id(&profile_product)
        .provisioned_product_name("carol-profile")
        .provisioning_parameters(parameter("UserProfileName", "carol"))
        .provisioning_parameters(parameter("Persona", "data-scientist"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("ProvisionProduct profile: {e:?}"));
    let record = added
        .record_detail()
        .and_then(|r| r.record_id())
        .unwrap_or_default();
    let (status, errors) = record_outcome(&sc, record).await;
    assert_eq!(status, "SUCCEEDED", "{errors}");
    let carol = sagemaker
        .describe_user_profile()
        .domain_id(&domain_id)
        .user_profile_name("carol")
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeUserProfile: {e:?}"));
    let settings = carol
        .user_settings()
        .cloned()
        .unwrap_or_else(|| panic!("no settings"));
    assert_eq!(settings.execution_role(), roles["data_scientist"].as_str());
    assert_eq!(settings.security_groups(), std::slice::from_ref(&group));
    let tags = sagemaker
        .list_tags()
        .resource_arn(carol.user_profile_arn().unwrap_or_default())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let tag = |key: &str| {
        tags.tags()
            .iter()
            .find(|t| t.key() == Some(key))
            .and_then(|t| t.value().map(str::to_string))
    };
    assert_eq!(tag("secure-mlops:user").as_deref(), Some("carol"));
    assert_eq!(
        tag("secure-mlops:environment").as_deref(),
        Some("catalog-dev")
    );

    // What was launched passes the audit: no finding, the notebook and carol's profile checked.
    let refreshed = work.terraform(&["apply", "-refresh-only", "-auto-approve", "-input=false"]);
    assert_eq!(refreshed.code, 0, "{}", refreshed.text());
    let outputs: Value = work.outputs();
    assert_eq!(
        outputs["findings"]["value"],
        serde_json::json!([]),
        "{outputs}"
    );
    assert_eq!(outputs["compliant"]["value"], true);
    assert_eq!(
        outputs["workloads_checked"]["value"], 3,
        "domain, carol, notebook: {outputs}"
    );
    work.assert_plan_empty("after people launched products");

    // The guardrails allow one more type: a new version of the notebook product, the old one
    // deprecated; alice's notebook keeps its version.
    work.write_config(&config(r#""ml.t3.medium", "ml.m5.xlarge""#));
    work.apply();
    work.assert_plan_empty("after the new version");
    let artifacts = sc
        .list_provisioning_artifacts()
        .product_id(&notebook_product)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let details = artifacts.provisioning_artifact_details();
    assert_eq!(details.len(), 2, "{details:?}");
    let active: Vec<_> = details
        .iter()
        .filter(|a| a.active() == Some(true))
        .collect();
    assert_eq!(active.len(), 1, "{details:?}");
    let old = details
        .iter()
        .find(|a| a.active() == Some(false))
        .unwrap_or_else(|| panic!("{details:?}"));
    assert_eq!(old.guidance().map(|g| g.as_str()), Some("DEPRECATED"));
    let bigger = sc
        .provision_product()
        .product_id(&notebook_product)
        .provisioning_artifact_id(active[0].id().unwrap_or_default())
        .provisioned_product_name("bob-notebook")
        .provisioning_parameters(parameter("NotebookInstanceName", "bob-notebook"))
        .provisioning_parameters(parameter("InstanceType", "ml.m5.xlarge"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("ProvisionProduct with the new version: {e:?}"));
    let record = bigger
        .record_detail()
        .and_then(|r| r.record_id())
        .unwrap_or_default();
    assert_eq!(record_outcome(&sc, record).await.0, "SUCCEEDED");

    // Destroy terminates what people launched, then the products, portfolio and bucket.
    work.destroy();
    let left = emulator.counts(&[
        "servicecatalog:portfolio",
        "servicecatalog:product",
        "servicecatalog:constraint",
        "servicecatalog:provisioned_product",
        "cloudformation:stack",
        "sagemaker:notebook_instance",
        "sagemaker:notebook_instance_lifecycle_config",
        "sagemaker:user_profile",
        "s3:bucket",
    ]);
    assert_eq!(left.values().sum::<usize>(), 0, "{left:?}");
    let everything = emulator.environment_counts();
    assert_eq!(everything.values().sum::<usize>(), 0, "{everything:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_team_portfolio_without_studio_fails_at_plan_on_its_attribute() {
    let emulator = Emulator::start();
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&config(r#""ml.t3.medium""#).replace(
        "team_portfolio = true",
        "enabled = false\n    team_portfolio = true",
    ));
    let run = work.plan();
    assert_eq!(run.code, 1, "{}", run.text());
    let text = run.text();
    assert!(text.contains("studio.team_portfolio"), "{text}");
    assert!(text.contains("Team Portfolio Without Studio"), "{text}");
    // Nothing was made.
    assert_eq!(emulator.environment_counts().values().sum::<usize>(), 0);
}
