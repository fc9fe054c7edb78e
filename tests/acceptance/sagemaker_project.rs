//! `sagemaker_project` with the real `terraform` CLI and provider against the emulator: a project
//! made from the environment's model-build-train template waits for its template and reports
//! its outputs; its parameters and description change in place; destroy refuses a project whose
//! model package group holds versions (nothing deleted), and with `force_destroy` deletes the
//! versions, the SageMaker Pipeline its build made and the data under its locations, then the
//! project: nothing is left. A project applied as a role the templates' portfolio is not shared
//! with is refused at apply with what to add. Invalid input fails at plan on its attribute.

use acceptance::{environment_role_arn, Emulator, Workdir, REGION};

const PROJECT: &str = "sagemaker_project.churn";

fn config(project: &str) -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    sagemaker = {{ source = "secure-mlops/sagemaker" }}
  }}
}}

provider "sagemaker" {{}}

resource "sagemaker_secure_ds_environment" "team" {{
  name  = "proj"
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
}}

resource "sagemaker_project" "churn" {{
  name       = "churn"
  product_id = sagemaker_mlops_project_templates.team.product_ids["model-build-train"]
{project}
}}
"#
    )
}

/// A project applied with credentials the templates' portfolio is not shared with: the
/// environment's execution role (not one of its people, not in additional_principal_arns).
const OUTSIDER: &str = r#"
provider "sagemaker" {
  alias = "outsider"
  assume_role {
    role_arn = sagemaker_secure_ds_environment.team.role_arns["execution"]
  }
}

resource "sagemaker_project" "sideways" {
  provider   = sagemaker.outsider
  name       = "sideways"
  product_id = sagemaker_mlops_project_templates.team.product_ids["model-build-train"]
}
"#;

/// A second project, removed again before its build ever ran.
const FRESH: &str = r#"
resource "sagemaker_project" "fresh" {
  name       = "fresh"
  product_id = sagemaker_mlops_project_templates.team.product_ids["model-build-train"]
}
"#;

fn text(value: &serde_json::Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_project_is_made_changed_in_place_and_destroyed_with_what_its_pipelines_left() {
    let emulator = Emulator::start();
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&config("  tags = { team = \"churn\" }"));
    work.apply();
    work.assert_plan_empty("after the apply");

    // A project is launched for its caller: one applied as a role the portfolio is not shared
    // with is refused at apply, saying what to add, and leaves nothing to record.
    work.write_config(&format!(
        "{}{OUTSIDER}",
        config("  tags = { team = \"churn\" }")
    ));
    let run = work.terraform(&["apply", "-auto-approve", "-no-color"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let said = run.text().replace('\n', " ");
    for expected in [
        "cannot launch product",
        "additional_principal_arns",
        "sideways",
    ] {
        assert!(said.contains(expected), "{expected}: {said}");
    }
    work.write_config(&config("  tags = { team = \"churn\" }"));
    work.assert_plan_empty("after the refused project left the configuration");

    // A project whose build never ran has no SageMaker Pipeline yet: it is removed all the same.
    work.write_config(&format!(
        "{}{FRESH}",
        config("  tags = { team = \"churn\" }")
    ));
    work.apply();
    work.write_config(&config("  tags = { team = \"churn\" }"));
    let run = work.apply();
    assert!(
        run.stdout.contains("0 changed, 1 destroyed"),
        "{}",
        run.stdout
    );

    let project = work.resource_values(PROJECT);
    let project_id = text(&project["project_id"]);
    assert!(project_id.starts_with("p-"), "{project}");
    assert_eq!(text(&project["status"]), "CreateCompleted");
    assert!(!text(&project["provisioning_artifact_id"]).is_empty());
    let outputs = &project["outputs"];
    let group = text(&outputs["ModelPackageGroupName"]);
    let pipeline_name = text(&outputs["SageMakerPipelineName"]);
    assert_eq!(group, format!("churn-{project_id}"));
    assert_eq!(pipeline_name, group);
    let source = text(&outputs["SourceLocation"]);
    let templates = work.resource_values("sagemaker_mlops_project_templates.team");
    let mlops_bucket = text(&templates["bucket_name"]);
    assert_eq!(source, format!("s3://{mlops_bucket}/projects/churn/"));

    let sdk = emulator.sdk_config().await;
    let sagemaker = aws_sdk_sagemaker::Client::new(&sdk);
    let s3 = aws_sdk_s3::Client::new(&sdk);
    let tags = sagemaker
        .list_tags()
        .resource_arn(text(&project["arn"]))
        .send()
        .await
        .unwrap_or_else(|e| panic!("ListTags: {e:?}"));
    assert!(
        tags.tags()
            .iter()
            .any(|t| t.key() == Some("team") && t.value() == Some("churn")),
        "{tags:?}"
    );

    // The data scientist brings code of their own: the project builds it from now on.
    s3.put_object()
        .bucket(&mlops_bucket)
        .key("projects/churn/code.zip")
        .body(b"PK\x05\x06".to_vec().into())
        .send()
        .await
        .unwrap_or_else(|e| panic!("PutObject: {e:?}"));
    work.write_config(&config(
        r#"  description = "churn model"
  parameters  = { SourceObjectKey = "projects/churn/code.zip" }
  tags        = { team = "churn" }"#,
    ));
    let run = work.apply();
    assert!(
        run.stdout.contains("1 changed, 0 destroyed"),
        "{}",
        run.stdout
    );
    work.assert_plan_empty("after the update");
    let updated = work.resource_values(PROJECT);
    assert_eq!(text(&updated["project_id"]), project_id, "not in place");
    assert_eq!(text(&updated["status"]), "UpdateCompleted");
    let described = sagemaker
        .describe_project()
        .project_name("churn")
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeProject: {e:?}"));
    assert_eq!(described.project_description(), Some("churn model"));
    let given: Vec<(String, String)> = described
        .service_catalog_provisioning_details()
        .map(|d| {
            d.provisioning_parameters()
                .iter()
                .map(|p| {
                    (
                        p.key().unwrap_or_default().to_string(),
                        p.value().unwrap_or_default().to_string(),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    assert!(
        given.contains(&(
            "SourceObjectKey".to_string(),
            "projects/churn/code.zip".to_string()
        )),
        "{given:?}"
    );

    // What the project's build would make: its SageMaker Pipeline and a registered model.
    let definition = serde_json::json!({"Version": "2020-12-01", "Steps": []}).to_string();
    sagemaker
        .create_pipeline()
        .pipeline_name(&pipeline_name)
        .pipeline_definition(definition)
        .role_arn(environment_role_arn("proj-dev-execution"))
        .client_request_token(format!("secure-mlops-test-create-{project_id}"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("CreatePipeline: {e:?}"));
    let version_arn = acceptance::register_model_version(&sagemaker, &group).await;

    // Destroy refuses while the group holds a version, and deletes nothing.
    let run = work.terraform(&["destroy", "-auto-approve", "-no-color"]);
    assert_eq!(run.code, 1, "{}", run.text());
    let said = run.text().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        said.contains("holds 1 model version(s); nothing was deleted: set force_destroy = true"),
        "{said}"
    );
    assert_eq!(emulator.inventory_of("sagemaker:project").len(), 1);
    assert_eq!(emulator.inventory_of("sagemaker:pipeline").len(), 1);
    assert_eq!(emulator.inventory_of("sagemaker:model_package").len(), 1);

    // With force_destroy, it all goes.
    work.write_config(&config(
        r#"  description   = "churn model"
  parameters    = { SourceObjectKey = "projects/churn/code.zip" }
  tags          = { team = "churn" }
  force_destroy = true"#,
    ));
    work.apply();
    let run = work.terraform(&["destroy", "-auto-approve", "-no-color", "-target", PROJECT]);
    assert_eq!(run.code, 0, "{}", run.text());
    let kept = s3
        .list_objects_v2()
        .bucket(&mlops_bucket)
        .prefix("projects/churn/")
        .send()
        .await
        .unwrap_or_else(|e| panic!("ListObjectsV2: {e:?}"));
    assert_eq!(kept.key_count(), Some(0), "{kept:?}");
    for kind in [
        "sagemaker:project",
        "sagemaker:pipeline",
        "sagemaker:model_package",
    ] {
        assert_eq!(emulator.inventory_of(kind), Vec::<String>::new(), "{kind}");
    }
    // The seed code of both templates, next to it, is the templates': kept until they go.
    let seed = s3
        .list_objects_v2()
        .bucket(&mlops_bucket)
        .prefix("seed-code/")
        .send()
        .await
        .unwrap_or_else(|e| panic!("ListObjectsV2: {e:?}"));
    assert_eq!(seed.key_count(), Some(2), "{seed:?}");
    work.destroy();
    let left = emulator.counts(&[
        "sagemaker:project",
        "sagemaker:pipeline",
        "sagemaker:model_package",
        "sagemaker:model_package_group",
        "codebuild:project",
        "codepipeline:pipeline",
        "servicecatalog:provisioned_product",
        "cloudformation:stack",
        "s3:bucket",
    ]);
    assert_eq!(left.values().sum::<usize>(), 0, "{left:?} ({version_arn})");
    let everything = emulator.environment_counts();
    assert_eq!(everything.values().sum::<usize>(), 0, "{everything:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn invalid_projects_fail_at_plan_on_their_attributes_and_make_nothing() {
    let emulator = Emulator::start();
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&config(
        r#"  parameters = { SageMakerProjectName = "other" }
  tags       = { "sagemaker:project-name" = "other" }"#,
    ));
    let run = work.plan();
    assert_eq!(run.code, 1, "{}", run.text());
    for expected in ["Reserved Parameter", "Reserved Tag", "SageMakerProjectName"] {
        assert!(run.text().contains(expected), "{expected}: {}", run.text());
    }
    let bad_name = config("").replace("name       = \"churn\"", "name       = \"churn_model\"");
    work.write_config(&bad_name);
    let run = work.plan();
    assert_eq!(run.code, 1, "{}", run.text());
    assert!(
        run.text().contains("Invalid Project Name"),
        "{}",
        run.text()
    );
    assert_eq!(emulator.environment_counts().values().sum::<usize>(), 0);
}
