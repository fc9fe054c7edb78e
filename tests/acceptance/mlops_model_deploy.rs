//! The model-deploy template with the real `terraform` CLI and provider against the emulator: a
//! model-build-train project and a model-deploy project deploying from its model package group
//! (a deploy project without that group, or with a parameter the template lacks, fails at plan).
//! The deploy project's builds run in the environment's subnets with the data key, its pipeline
//! deploys with CloudFormation as the MLOps deploy role, and its rule starts it as the events
//! role; a version pending approval starts nothing, its approval starts the pipeline (trigger
//! CloudWatchEvent). The endpoint stack the pipeline's staging action makes (the seed code's
//! endpoint.yaml, as the deploy role) has the ebs key on its volume, the data key on its
//! captured data and the environment's subnets; destroying the projects deletes that stack
//! first, and destroy leaves nothing.

use acceptance::{Emulator, Workdir, REGION};

#[path = "support/endpoint_stack.rs"]
mod endpoint_stack;
use endpoint_stack::EndpointEnvironment;

const DEPLOY: &str = "sagemaker_project.deploy";

fn config() -> String {
    format!(
        r#"
terraform {{
  required_providers {{
    sagemaker = {{ source = "secure-mlops/sagemaker" }}
  }}
}}

provider "sagemaker" {{}}

resource "sagemaker_secure_ds_environment" "team" {{
  name  = "deploy"
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

resource "sagemaker_project" "build" {{
  name          = "churn"
  product_id    = sagemaker_mlops_project_templates.team.product_ids["model-build-train"]
  force_destroy = true
}}

resource "sagemaker_project" "deploy" {{
  name          = "churn-deploy"
  product_id    = sagemaker_mlops_project_templates.team.product_ids["model-deploy"]
  parameters    = {{ SourceModelPackageGroupName = sagemaker_project.build.outputs["ModelPackageGroupName"] }}
  force_destroy = true
}}
"#
    )
}

fn text(value: &serde_json::Value) -> String {
    value.as_str().unwrap_or_default().to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_approved_model_starts_the_deploy_pipeline_and_destroy_takes_its_endpoints() {
    let emulator = Emulator::start();
    let work = Workdir::new(&emulator.endpoint);
    work.write_config(&config());
    work.apply();
    work.assert_plan_empty("after the apply");

    // A deploy project is checked against its template at plan: the group to deploy from has
    // no default, and a parameter the template does not have is named.
    work.write_config(&format!(
        "{}{}",
        config(),
        r#"
resource "sagemaker_project" "nogroup" {
  name       = "nogroup"
  product_id = sagemaker_mlops_project_templates.team.product_ids["model-deploy"]
  parameters = { SourceGroup = "churn" }
}
"#
    ));
    let run = work.plan();
    assert_eq!(run.code, 1, "{}", run.text());
    let said = run.text().split_whitespace().collect::<Vec<_>>().join(" ");
    for expected in [
        "Unknown Template Parameter",
        "the template has no parameter SourceGroup",
        "Missing Template Parameter",
        "parameters[\"SourceModelPackageGroupName\"]",
    ] {
        assert!(said.contains(expected), "{expected}: {said}");
    }
    work.write_config(&config());

    let env = work.resource_values("sagemaker_secure_ds_environment.team");
    let subnets: Vec<String> = env["private_subnet_ids"]
        .as_array()
        .map(|l| l.iter().map(text).collect())
        .unwrap_or_default();
    let group = text(&env["sagemaker_security_group_id"]);
    let (data_key, ebs_key) = (
        text(&env["kms_key_arns"]["data"]),
        text(&env["kms_key_arns"]["ebs"]),
    );
    let execution = text(&env["role_arns"]["execution"]);
    let build = work.resource_values("sagemaker_project.build");
    let source_group = text(&build["outputs"]["ModelPackageGroupName"]);
    let deploy = work.resource_values(DEPLOY);
    let pid = text(&deploy["project_id"]);
    let outputs = &deploy["outputs"];
    let pipeline_name = text(&outputs["DeployPipelineName"]);
    assert_eq!(pipeline_name, format!("sagemaker-{pid}-deploy"));
    let deploy_role = format!(
        "arn:aws:iam::{}:role/secure-mlops/deploy-dev-mlops-deploy",
        acceptance::ACCOUNT_ID
    );
    let events_role = deploy_role.replace("-mlops-deploy", "-mlops-events");

    let sdk = emulator.sdk_config().await;
    let codebuild = aws_sdk_codebuild::Client::new(&sdk);
    let codepipeline = aws_sdk_codepipeline::Client::new(&sdk);
    let events = aws_sdk_eventbridge::Client::new(&sdk);
    let sagemaker = aws_sdk_sagemaker::Client::new(&sdk);
    let cfn = aws_sdk_cloudformation::Client::new(&sdk);

    // Both builds run inside the environment, with its data key.
    let projects = codebuild
        .batch_get_projects()
        .names(format!("sagemaker-{pid}-deploy-build"))
        .names(format!("sagemaker-{pid}-deploy-test"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("BatchGetProjects: {e:?}"));
    assert_eq!(projects.projects().len(), 2, "{projects:?}");
    for p in projects.projects() {
        let vpc = p.vpc_config().expect("in a VPC");
        let mut got: Vec<String> = vpc.subnets().to_vec();
        got.sort();
        let mut want = subnets.clone();
        want.sort();
        assert_eq!(got, want, "{p:?}");
        assert_eq!(vpc.security_group_ids(), std::slice::from_ref(&group));
        assert_eq!(p.encryption_key(), Some(data_key.as_str()));
    }
    // Staging, then a person's approval, then production; CloudFormation as the deploy role.
    let pipeline = codepipeline
        .get_pipeline()
        .name(&pipeline_name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("GetPipeline: {e:?}"));
    let stages = pipeline.pipeline().map(|p| p.stages()).unwrap_or_default();
    let names: Vec<&str> = stages.iter().map(|s| s.name()).collect();
    assert_eq!(
        names,
        ["Source", "Build", "DeployStaging", "DeployProduction"]
    );
    let actions: Vec<_> = stages.iter().flat_map(|s| s.actions()).collect();
    let deploys: Vec<_> = actions
        .iter()
        .filter(|a| a.action_type_id().map(|t| t.provider()) == Some("CloudFormation"))
        .collect();
    assert_eq!(deploys.len(), 2);
    for action in &deploys {
        let config = action.configuration().expect("configured");
        assert_eq!(config["RoleArn"], deploy_role);
        assert!(config["StackName"].starts_with(&format!("sagemaker-{pid}-deploy-")));
    }
    assert!(
        actions.iter().position(|a| a.name() == "ApproveProduction")
            < actions
                .iter()
                .position(|a| a.name() == "DeployProductionEndpoint"),
        "production waits for the approval"
    );
    let rule = text(&outputs["RuleName"]);
    let targets = events
        .list_targets_by_rule()
        .rule(&rule)
        .send()
        .await
        .unwrap_or_else(|e| panic!("ListTargetsByRule: {e:?}"));
    let target = &targets.targets()[0];
    assert!(target.arn().ends_with(&format!(":{pipeline_name}")));
    assert_eq!(target.role_arn(), Some(events_role.as_str()));

    // A version pending approval starts nothing; its approval starts the deploy pipeline.
    let executions = || async {
        codepipeline
            .list_pipeline_executions()
            .pipeline_name(&pipeline_name)
            .send()
            .await
            .unwrap_or_else(|e| panic!("ListPipelineExecutions: {e:?}"))
            .pipeline_execution_summaries()
            .to_vec()
    };
    let version_arn = acceptance::register_model_version(&sagemaker, &source_group).await;
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(executions().await.is_empty(), "started before an approval");
    sagemaker
        .update_model_package()
        .model_package_arn(&version_arn)
        .model_approval_status(aws_sdk_sagemaker::types::ModelApprovalStatus::Approved)
        .send()
        .await
        .unwrap_or_else(|e| panic!("UpdateModelPackage: {e:?}"));
    let mut started = Vec::new();
    for _ in 0..50 {
        started = executions().await;
        if !started.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(started.len(), 1, "the approval started no deployment");
    let trigger = started[0].trigger().expect("a trigger");
    assert_eq!(
        trigger.trigger_type().map(|t| t.as_str()),
        Some("CloudWatchEvent")
    );

    // What the pipeline's staging action deploys (the emulator runs no action): the seed code's
    // endpoint template with the parameters its build writes, as the deploy role.
    let stack = text(&outputs["StagingStackName"]);
    let endpoint_name = text(&outputs["StagingEndpointName"]);
    let capture = format!("{}data-capture/staging", text(&outputs["ArtifactLocation"]));
    let endpoint_env = EndpointEnvironment {
        subnets: &subnets,
        security_group: &group,
        execution_role: &execution,
        ebs_key: &ebs_key,
        data_key: &data_key,
        deploy_role: &deploy_role,
    };
    let status = endpoint_stack::deploy(
        &cfn,
        &endpoint_env,
        (&stack, "staging"),
        &pid,
        &version_arn,
        &capture,
    )
    .await;
    assert_eq!(status, "CREATE_COMPLETE");
    let endpoint = sagemaker
        .describe_endpoint()
        .endpoint_name(&endpoint_name)
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeEndpoint: {e:?}"));
    let config = sagemaker
        .describe_endpoint_config()
        .endpoint_config_name(endpoint.endpoint_config_name().unwrap_or_default())
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeEndpointConfig: {e:?}"));
    assert_eq!(config.kms_key_id(), Some(ebs_key.as_str()));
    let capture = config.data_capture_config().expect("data capture");
    assert_eq!(capture.kms_key_id(), Some(data_key.as_str()));
    assert!(capture
        .destination_s3_uri()
        .is_some_and(|uri| uri.starts_with("s3://deploy-dev-")
            && uri.ends_with(&format!("churn-deploy-{pid}/data-capture/staging"))));
    let model = sagemaker
        .describe_model()
        .model_name(format!("sagemaker-{pid}-staging-v1"))
        .send()
        .await
        .unwrap_or_else(|e| panic!("DescribeModel: {e:?}"));
    assert_eq!(model.enable_network_isolation(), Some(true));
    assert_eq!(
        model.vpc_config().map(|v| v.security_group_ids().to_vec()),
        Some(vec![group.clone()])
    );

    // Destroying the deploy project deletes the endpoint stack its pipeline made, then itself.
    let run = work.terraform(&["destroy", "-auto-approve", "-no-color", "-target", DEPLOY]);
    assert_eq!(run.code, 0, "{}", run.text());
    for kind in [
        "sagemaker:endpoint",
        "sagemaker:endpoint_config",
        "sagemaker:model",
        "events:rule",
    ] {
        assert_eq!(emulator.inventory_of(kind), Vec::<String>::new(), "{kind}");
    }
    work.destroy();
    let left = emulator.counts(&[
        "sagemaker:project",
        "sagemaker:model_package",
        "sagemaker:model_package_group",
        "codebuild:project",
        "codepipeline:pipeline",
        "servicecatalog:provisioned_product",
        "cloudformation:stack",
        "events:rule",
        "s3:bucket",
    ]);
    assert_eq!(left.values().sum::<usize>(), 0, "{left:?}");
    let everything = emulator.environment_counts();
    assert_eq!(everything.values().sum::<usize>(), 0, "{everything:?}");
}
