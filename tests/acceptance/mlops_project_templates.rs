//! `sagemaker_mlops_project_templates` with the real `terraform` CLI and provider against the
//! emulator: the environment's project templates published as Service Catalog products Studio
//! shows (tagged `sagemaker:studio-visibility`, in a portfolio shared with the people's roles,
//! launched through the MLOps launch role); a data scientist's session finds it and makes a
//! SageMaker project from it, whose CodeBuild runs in the environment's subnets and security
//! group with the data key and whose pipeline's artifacts are encrypted with that key; destroy deletes the project first and leaves nothing.
//! Invalid input fails at plan on its attribute, before anything is made.

use acceptance::{Emulator, Workdir, REGION};
use aws_sdk_sagemaker::types::ServiceCatalogProvisioningDetails;

const TEMPLATES: &str = "sagemaker_mlops_project_templates.team";
const ENVIRONMENT: &str = "sagemaker_secure_ds_environment.team";

fn config(templates: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    sagemaker = {{ source = "secure-mlops/sagemaker" }}
  }}
}}

provider "sagemaker" {{}}

resource "sagemaker_secure_ds_environment" "team" {{
  name  = "mlops"
  stage = "dev"

  network {{
    availability_zones  = ["{REGION}a", "{REGION}b"]
    interface_endpoints = ["sts"]
  }}

  storage {{
    force_destroy = true
  }}
}}

resource "sagemaker_mlops_project_templates" "team" {{
  environment_id = sagemaker_secure_ds_environment.team.id
{templates}
}}
"#
    )
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    value
        .as_array()
        .map(|l| {
            l.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread")]
async fn templates_studio_shows_make_projects_inside_the_environment_and_destroy_leaves_nothing() {
    let emulator = Emulator::start();
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&config(""));
    work.apply();
    work.assert_plan_empty("after the apply");

    let env = work.resource_values(ENVIRONMENT);
    let subnets = strings(&env["private_subnet_ids"]);
    let group = env["sagemaker_security_group_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let data_key = env["kms_key_arns"]["data"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let roles = &env["role_arns"];
    let templates = work.resource_values(TEMPLATES);
    let product_id = templates["product_ids"]["model-build-train"]
        .as_str()
        .unwrap_or_else(|| panic!("no product id: {templates}"))
        .to_string();
    let portfolio_id = templates["portfolio_id"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let bucket = templates["bucket_name"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let build_role = templates["build_role_arn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let launch_role = templates["launch_role_arn"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    assert!(
        build_role.ends_with("/secure-mlops/mlops-dev-mlops-build"),
        "{build_role}"
    );
    assert!(
        launch_role.ends_with("/secure-mlops/mlops-dev-mlops-launch"),
        "{launch_role}"
    );

    let sdk = emulator.sdk_config().await;
    let sc = aws_sdk_servicecatalog::Client::new(&sdk);
    let sagemaker = aws_sdk_sagemaker::Client::new(&sdk);
    let s3 = aws_sdk_s3::Client::new(&sdk);

    // Studio lists a product as a project template by this tag.
    let product = sc
        .describe_product_as_admin()
        .id(&product_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeProductAsAdmin: {e:?}"));
    assert!(
        product
            .tags()
            .iter()
            .any(|t| t.key() == "sagemaker:studio-visibility" && t.value() == "true"),
        "{:?}",
        product.tags()
    );
    // Shared with the environment's people, and launched as the MLOps launch role.
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
    let constraints = sc
        .list_constraints_for_portfolio()
        .portfolio_id(&portfolio_id)
        .product_id(&product_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert_eq!(constraints.constraint_details().len(), 1);
    let constraint = sc
        .describe_constraint()
        .id(constraints.constraint_details()[0]
            .constraint_id()
            .unwrap_or_default())
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    assert!(
        constraint
            .constraint_parameters()
            .unwrap_or_default()
            .contains(&launch_role),
        "{constraint:?}"
    );
    // The seed code is in the MLOps bucket, where the template's S3 source reads it.
    let seed = s3
        .head_object()
        .bucket(&bucket)
        .key("seed-code/model-build-train.zip")
        .send()
        .await
        .unwrap_or_else(|e| panic!("the seed code: {e:?}"));
    assert!(seed.content_length().unwrap_or_default() > 0);

    // A data scientist's project from the template.
    let artifacts = sc
        .list_provisioning_artifacts()
        .product_id(&product_id)
        .send()
        .await
        .unwrap_or_else(|e| panic!("{e:?}"));
    let artifact = artifacts
        .provisioning_artifact_details()
        .iter()
        .find(|a| a.active() == Some(true))
        .and_then(|a| a.id())
        .unwrap_or_else(|| panic!("no active version: {artifacts:?}"))
        .to_string();
    // The data scientist's session (as Studio's) finds the template and makes the project.
    let scientist = emulator
        .session_config(
            roles["data_scientist"].as_str().unwrap_or_default(),
            "alice",
        )
        .await;
    let found = aws_sdk_servicecatalog::Client::new(&scientist)
        .search_products()
        .send()
        .await
        .unwrap_or_else(|e| panic!("SearchProducts: {e:?}"));
    let mut found: Vec<&str> = found
        .product_view_summaries()
        .iter()
        .filter_map(|p| p.product_id())
        .collect();
    found.sort_unstable();
    // Both templates (the default), each a product Studio lists.
    let deploy_product = templates["product_ids"]["model-deploy"]
        .as_str()
        .unwrap_or_default();
    let mut published = vec![product_id.as_str(), deploy_product];
    published.sort_unstable();
    assert_eq!(found, published);
    let created = aws_sdk_sagemaker::Client::new(&scientist)
        .create_project()
        .project_name("churn")
        .service_catalog_provisioning_details(
            ServiceCatalogProvisioningDetails::builder()
                .product_id(&product_id)
                .provisioning_artifact_id(&artifact)
                .build(),
        )
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreateProject: {e:?}"));
    let project_id = created.project_id().unwrap_or_default().to_string();
    let started = std::time::Instant::now();
    loop {
        let project = sagemaker
            .describe_project()
            .project_name("churn")
            .send()
            .await
            .unwrap_or_else(|e| panic!("DescribeProject: {e:?}"));
        let status = project
            .project_status()
            .map(|s| s.as_str().to_string())
            .unwrap_or_default();
        if status == "CreateCompleted" {
            break;
        }
        assert!(
            !status.contains("Failed"),
            "the project failed: {:?}",
            project.service_catalog_provisioned_product_details()
        );
        assert!(
            started.elapsed() < std::time::Duration::from_secs(120),
            "the project is still {status}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    }

    // Its build runs inside the environment: subnets, security group, data key, build role.
    let codebuild = aws_sdk_codebuild::Client::new(&sdk);
    let build_name = format!("sagemaker-{project_id}-build");
    let builds = codebuild
        .batch_get_projects()
        .names(&build_name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("BatchGetProjects: {e:?}"));
    let build = builds
        .projects()
        .first()
        .unwrap_or_else(|| panic!("no CodeBuild project {build_name}: {builds:?}"));
    let vpc = build
        .vpc_config()
        .unwrap_or_else(|| panic!("no VPC config: {build:?}"));
    let mut build_subnets = vpc.subnets().to_vec();
    build_subnets.sort();
    let mut env_subnets = subnets.clone();
    env_subnets.sort();
    assert_eq!(build_subnets, env_subnets);
    assert_eq!(vpc.security_group_ids(), std::slice::from_ref(&group));
    assert_eq!(build.encryption_key(), Some(data_key.as_str()));
    assert_eq!(build.service_role(), Some(build_role.as_str()));
    // Its pipeline's artifacts are encrypted with the data key, in the MLOps bucket.
    let codepipeline = aws_sdk_codepipeline::Client::new(&sdk);
    let pipeline = codepipeline
        .get_pipeline()
        .name(format!("sagemaker-{project_id}-build-train"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetPipeline: {e:?}"));
    let store = pipeline
        .pipeline()
        .and_then(|p| p.artifact_store())
        .unwrap_or_else(|| panic!("no artifact store: {pipeline:?}"));
    assert_eq!(store.location(), bucket);
    assert_eq!(
        store.encryption_key().map(|k| k.id()),
        Some(data_key.as_str())
    );

    // What the project's build makes (its SageMaker Pipeline) and a model it registered.
    let group = format!("churn-{project_id}");
    sagemaker
        .create_pipeline()
        .pipeline_name(&group)
        .pipeline_definition(r#"{"Version": "2020-12-01", "Steps": []}"#)
        .role_arn(roles["execution"].as_str().unwrap_or_default())
        .client_request_token(format!("secure-mlops-test-create-{project_id}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreatePipeline: {e:?}"));
    let version = acceptance::register_model_version(&sagemaker, &group).await;

    // The templates' destroy would take the data scientist's project with them: while its group
    // holds a model version it refuses, and deletes nothing.
    let run = work.terraform(&["destroy", "-auto-approve", "-no-color"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let said = run.text().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        said.contains("project churn (made from this template) holds 1 model version(s)")
            && said.contains("nothing was deleted"),
        "{said}"
    );
    assert_eq!(emulator.inventory_of("sagemaker:project").len(), 1);
    assert_eq!(emulator.inventory_of("sagemaker:pipeline").len(), 1);
    sagemaker
        .delete_model_package()
        .model_package_name(&version)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DeleteModelPackage: {e:?}"));

    // Destroy deletes the project (and the SageMaker Pipeline its build made), then the
    // templates, then the environment: nothing is left.
    work.destroy();
    let left = emulator.counts(&[
        "sagemaker:project",
        "sagemaker:pipeline",
        "sagemaker:model_package_group",
        "codebuild:project",
        "codepipeline:pipeline",
        "servicecatalog:portfolio",
        "servicecatalog:product",
        "servicecatalog:constraint",
        "servicecatalog:provisioned_product",
        "cloudformation:stack",
        "s3:bucket",
        "iam:role",
    ]);
    assert_eq!(left.values().sum::<usize>(), 0, "{left:?}");
    let everything = emulator.environment_counts();
    assert_eq!(everything.values().sum::<usize>(), 0, "{everything:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_templates_fail_at_plan_on_their_attributes_and_make_nothing() {
    let emulator = Emulator::start();
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&config(
        r#"
  templates = ["model-build-train", "deploy-everything"]

  source {
    type           = "codeconnections"
    connection_arn = "arn:aws:codeconnections:ap-south-1:123456789012:connection/0a1b2c3d-aaaa-bbbb-cccc-0123456789ab"
    repository     = "my-org"
  }
"#,
    ));
    let run = work.plan();
    assert_eq!(run.code, 1, "{}", run.text());
    let text = run.text();
    for expected in [
        "Unknown Template",
        "Invalid Connection",
        "ap-south-1",
        "Invalid Repository",
    ] {
        assert!(text.contains(expected), "{expected}: {text}");
    }
    // A source without what it needs.
    work.write_config(&config(
        r#"
  source {
    type = "codecommit"
  }
"#,
    ));
    let run = work.plan();
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(run.text().contains("Missing Repository"), "{}", run.text());
    assert_eq!(emulator.environment_counts().values().sum::<usize>(), 0);
}
