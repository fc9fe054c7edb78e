//! The MLOps project templates from Service Catalog, end to end in the emulator with the real
//! function (`cfn/custom-resource.yaml` running the packaged `bootstrap`): an environment as a
//! product stack, then the "MLOps project templates" product (`cfn/products/mlops-project-templates.yaml`)
//! launched by an administrator through `ProvisionProduct`. Its outputs name the same things the
//! Terraform resource does: products Studio shows (the visibility tag), a portfolio shared with
//! the environment's people, the MLOps launch role as their launch constraint. A data
//! scientist's session finds the template (SearchProducts) and makes a project from it, which
//! builds inside the environment (subnets, security group, data key), and a deploy project from
//! the model-deploy template whose pipeline an approval in the first project's group starts; a
//! role the portfolio is not shared with finds nothing and is refused. A tag changes in place. An
//! update with a source lacking its repository fails on its property path and changes nothing;
//! terminating deletes both projects (and the endpoint stack the deploy project's pipeline
//! made) and every part of the templates, and the environment's
//! stack then leaves nothing.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use acceptance::Emulator;
use aws_sdk_cloudformation::types::StackStatus;
use aws_sdk_sagemaker::types::ServiceCatalogProvisioningDetails;
use aws_sdk_servicecatalog::types::{ProvisioningParameter, UpdateProvisioningParameter};

#[path = "support/endpoint_stack.rs"]
mod endpoint_stack;
#[path = "support/stacks.rs"]
mod stacks;
use endpoint_stack::EndpointEnvironment;
use stacks::{create_role, template, wait_record, Clients};

const PRODUCT: &str = "MLOps project templates";

/// What the templates and a project made from them leave while they exist.
const MLOPS_KINDS: &[&str] = &[
    "sagemaker:project",
    "sagemaker:model_package_group",
    "codebuild:project",
    "codepipeline:pipeline",
    "servicecatalog:portfolio",
    "servicecatalog:product",
    "servicecatalog:constraint",
];

/// Waits for a Service Catalog record to end; its status and error messages.
async fn record_end(sc: &aws_sdk_servicecatalog::Client, record_id: &str) -> (String, String) {
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        let out = sc.describe_record().id(record_id).send().await.unwrap();
        let detail = out.record_detail.unwrap();
        let status = detail.status.clone().unwrap().as_str().to_string();
        if !matches!(
            status.as_str(),
            "CREATED" | "IN_PROGRESS" | "IN_PROGRESS_IN_ERROR"
        ) {
            let errors = detail
                .record_errors
                .unwrap_or_default()
                .iter()
                .filter_map(|e| e.description.clone())
                .collect::<Vec<_>>()
                .join("; ");
            return (status, errors);
        }
        assert!(Instant::now() < until, "record {record_id} still {status}");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}

/// `UpdateProvisionedProduct` of the templates with `EnvironmentId` and `parameters`; the record.
async fn update_templates(
    c: &Clients,
    (product_id, artifact_id): (&str, &str),
    environment_id: &str,
    parameters: &[(&str, &str)],
    token: &str,
) -> String {
    let mut request =
        c.sc.update_provisioned_product()
            .provisioned_product_name("mlsc-dev-mlops")
            .product_id(product_id)
            .provisioning_artifact_id(artifact_id)
            .provisioning_parameters(
                UpdateProvisioningParameter::builder()
                    .key("EnvironmentId")
                    .value(environment_id)
                    .build(),
            )
            .update_token(token);
    for (key, value) in parameters {
        request = request.provisioning_parameters(
            UpdateProvisioningParameter::builder()
                .key(*key)
                .value(*value)
                .build(),
        );
    }
    let updated = request.send().await.unwrap();
    updated.record_detail.and_then(|r| r.record_id).unwrap()
}

/// The products a session finds with SearchProducts, as Studio lists project templates.
async fn visible(config: &aws_config::SdkConfig) -> Vec<String> {
    aws_sdk_servicecatalog::Client::new(config)
        .search_products()
        .send()
        .await
        .unwrap()
        .product_view_summaries()
        .iter()
        .filter_map(|p| p.product_id().map(str::to_string))
        .collect()
}

/// The active version of `product` (the one a project made now takes).
async fn active_version(sc: &aws_sdk_servicecatalog::Client, product: &str) -> String {
    sc.list_provisioning_artifacts()
        .product_id(product)
        .send()
        .await
        .unwrap()
        .provisioning_artifact_details()
        .iter()
        .find(|a| a.active() == Some(true))
        .and_then(|a| a.id().map(str::to_string))
        .unwrap()
}

/// Waits for the project `name` to be created; fails on a failed one.
async fn created(sagemaker: &aws_sdk_sagemaker::Client, name: &str) {
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        let project = sagemaker
            .describe_project()
            .project_name(name)
            .send()
            .await
            .unwrap();
        let status = project.project_status().map(|s| s.as_str()).unwrap_or("");
        if status == "CreateCompleted" {
            return;
        }
        assert!(
            !status.contains("Failed"),
            "the project failed: {project:?}"
        );
        assert!(Instant::now() < until, "the project is still {status}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn templates_launched_from_service_catalog_serve_studio_and_terminate_completely() {
    let emulator = Emulator::start();
    let c = Clients::of(&emulator).await;
    c.upload().await;
    c.deploy_function().await;
    let baseline = emulator.environment_counts();

    // The environment, as a product stack (Studio is not needed by the templates).
    let started = Instant::now();
    c.create(
        "team-mlsc-dev",
        &template("products/secure-ds-environment.yaml"),
        &[
            ("Name", "mlsc"),
            ("Stage", "dev"),
            ("StudioEnabled", "false"),
            ("ForceDestroy", "true"),
        ],
    )
    .await;
    let env = c
        .wait(
            "team-mlsc-dev",
            StackStatus::CreateComplete,
            Duration::from_secs(300),
        )
        .await;
    eprintln!("environment stack: {:?}", started.elapsed());

    // An administrator launches the templates for it.
    let admin = create_role(&c.iam, "ds-admin", "ec2.amazonaws.com").await;
    let (product_id, artifact_id) = c
        .publish_product(PRODUCT, "mlops-project-templates.yaml", &admin)
        .await;
    let started = Instant::now();
    let provisioned =
        c.sc.provision_product()
            .product_id(&product_id)
            .provisioning_artifact_id(&artifact_id)
            .provisioned_product_name("mlsc-dev-mlops")
            .provision_token("mlsc-provision")
            .provisioning_parameters(
                ProvisioningParameter::builder()
                    .key("EnvironmentId")
                    .value(&env["EnvironmentId"])
                    .build(),
            )
            .send()
            .await
            .unwrap();
    let record_id = provisioned.record_detail.and_then(|r| r.record_id).unwrap();
    let out = wait_record(&c.sc, &record_id).await;
    eprintln!("templates product: {:?}", started.elapsed());
    assert_eq!(out["TemplatesId"], "mlsc-dev/mlops-templates", "{out:?}");
    assert!(
        out["BuildRoleArn"].ends_with("/secure-mlops/mlsc-dev-mlops-build"),
        "{out:?}"
    );
    assert!(
        out["LaunchRoleArn"].ends_with("/secure-mlops/mlsc-dev-mlops-launch"),
        "{out:?}"
    );
    let template_product = out["ModelBuildTrainProductId"].clone();
    let portfolio_id = out["PortfolioId"].clone();
    assert!(
        !template_product.is_empty() && !portfolio_id.is_empty(),
        "{out:?}"
    );

    // What Studio needs, as from Terraform: the visibility tag, the people, the launch role.
    let product =
        c.sc.describe_product_as_admin()
            .id(&template_product)
            .send()
            .await
            .unwrap();
    assert!(
        product
            .tags()
            .iter()
            .any(|t| t.key() == "sagemaker:studio-visibility" && t.value() == "true"),
        "{:?}",
        product.tags()
    );
    let principals =
        c.sc.list_principals_for_portfolio()
            .portfolio_id(&portfolio_id)
            .send()
            .await
            .unwrap();
    let mut shared: Vec<&str> = principals
        .principals()
        .iter()
        .filter_map(|p| p.principal_arn())
        .collect();
    shared.sort_unstable();
    let mut people = vec![
        env["DataScientistRoleArn"].as_str(),
        env["TeamAdminRoleArn"].as_str(),
    ];
    people.sort_unstable();
    assert_eq!(shared, people);
    let constraints =
        c.sc.list_constraints_for_portfolio()
            .portfolio_id(&portfolio_id)
            .product_id(&template_product)
            .send()
            .await
            .unwrap();
    let constraint =
        c.sc.describe_constraint()
            .id(constraints.constraint_details()[0].constraint_id().unwrap())
            .send()
            .await
            .unwrap();
    assert!(
        constraint
            .constraint_parameters()
            .unwrap_or_default()
            .contains(&out["LaunchRoleArn"]),
        "{constraint:?}"
    );

    // Studio lists, for a person, the products their role reaches: the data scientist's session
    // finds the template; the execution role's (not one of the people) finds nothing and may not
    // make a project from it.
    let sdk = emulator.sdk_config().await;
    let sagemaker = aws_sdk_sagemaker::Client::new(&sdk);
    let scientist = emulator
        .session_config(&env["DataScientistRoleArn"], "alice")
        .await;
    let outsider = emulator
        .session_config(&env["ExecutionRoleArn"], "job")
        .await;
    // Both templates (the default): the build one this test makes a project from, and deploy.
    let mut published = vec![
        template_product.clone(),
        out["ModelDeployProductId"].clone(),
    ];
    published.sort();
    let mut seen = visible(&scientist).await;
    seen.sort();
    assert_eq!(seen, published);
    assert_eq!(visible(&outsider).await, Vec::<String>::new());
    let version = active_version(&c.sc, &template_product).await;
    let details = ServiceCatalogProvisioningDetails::builder()
        .product_id(&template_product)
        .provisioning_artifact_id(&version)
        .build();
    let refused = aws_sdk_sagemaker::Client::new(&outsider)
        .create_project()
        .project_name("sideways")
        .service_catalog_provisioning_details(details.clone())
        .send()
        .await
        .expect_err("a role the portfolio is not shared with makes no project");
    assert!(
        format!("{refused:?}").contains("not associated"),
        "{refused:?}"
    );

    // A data scientist's project: its build runs in the environment's network with its key.
    let project_id = aws_sdk_sagemaker::Client::new(&scientist)
        .create_project()
        .project_name("churn")
        .service_catalog_provisioning_details(details)
        .send()
        .await
        .unwrap()
        .project_id()
        .unwrap()
        .to_string();
    created(&sagemaker, "churn").await;
    let codebuild = aws_sdk_codebuild::Client::new(&sdk);
    let builds = codebuild
        .batch_get_projects()
        .names(format!("sagemaker-{project_id}-build"))
        .send()
        .await
        .unwrap();
    let build = &builds.projects()[0];
    let vpc = build.vpc_config().unwrap();
    let mut subnets = vpc.subnets().to_vec();
    subnets.sort();
    let mut env_subnets: Vec<String> = env["PrivateSubnetIds"]
        .split(',')
        .map(str::to_string)
        .collect();
    env_subnets.sort();
    assert_eq!(subnets, env_subnets);
    assert_eq!(
        vpc.security_group_ids(),
        [env["SageMakerSecurityGroupId"].clone()]
    );
    assert_eq!(build.encryption_key(), Some(env["DataKmsKeyArn"].as_str()));
    assert_eq!(build.service_role(), Some(out["BuildRoleArn"].as_str()));

    // The data scientist's deploy project for that model: an approval starts its pipeline.
    let deploy_product = out["ModelDeployProductId"].clone();
    let deploy_version = active_version(&c.sc, &deploy_product).await;
    let group = format!("churn-{project_id}");
    let deploy_id = aws_sdk_sagemaker::Client::new(&scientist)
        .create_project()
        .project_name("churn-deploy")
        .service_catalog_provisioning_details(
            ServiceCatalogProvisioningDetails::builder()
                .product_id(&deploy_product)
                .provisioning_artifact_id(&deploy_version)
                .provisioning_parameters(
                    aws_sdk_sagemaker::types::ProvisioningParameter::builder()
                        .key("SourceModelPackageGroupName")
                        .value(&group)
                        .build(),
                )
                .build(),
        )
        .send()
        .await
        .unwrap()
        .project_id()
        .unwrap()
        .to_string();
    created(&sagemaker, "churn-deploy").await;
    let model = acceptance::register_model_version(&sagemaker, &group).await;
    sagemaker
        .update_model_package()
        .model_package_arn(&model)
        .model_approval_status(aws_sdk_sagemaker::types::ModelApprovalStatus::Approved)
        .send()
        .await
        .unwrap();
    let codepipeline = aws_sdk_codepipeline::Client::new(&sdk);
    let until = Instant::now() + Duration::from_secs(10);
    let runs = loop {
        let runs = codepipeline
            .list_pipeline_executions()
            .pipeline_name(format!("sagemaker-{deploy_id}-deploy"))
            .send()
            .await
            .unwrap()
            .pipeline_execution_summaries()
            .to_vec();
        if !runs.is_empty() || Instant::now() > until {
            break runs;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(runs.len(), 1, "the approval started no deployment");
    assert_eq!(
        runs[0]
            .trigger()
            .and_then(|t| t.trigger_type())
            .map(|t| t.as_str()),
        Some("CloudWatchEvent")
    );
    // What the deploy pipeline's staging action makes: an endpoint stack outside the project's
    // own stack, which the templates' terminate deletes with the project.
    let subnets: Vec<String> = env["PrivateSubnetIds"]
        .split(',')
        .map(str::to_string)
        .collect();
    let deploy_role = out["BuildRoleArn"].replace("-mlops-build", "-mlops-deploy");
    let endpoint_env = EndpointEnvironment {
        subnets: &subnets,
        security_group: &env["SageMakerSecurityGroupId"],
        execution_role: &env["ExecutionRoleArn"],
        ebs_key: &env["EbsKmsKeyArn"],
        data_key: &env["DataKmsKeyArn"],
        deploy_role: &deploy_role,
    };
    let status = endpoint_stack::deploy(
        &c.cfn,
        &endpoint_env,
        (&format!("sagemaker-{deploy_id}-deploy-staging"), "staging"),
        &deploy_id,
        &model,
        "s3://captures/staging",
    )
    .await;
    assert_eq!(status, "CREATE_COMPLETE");
    assert_eq!(emulator.inventory_of("sagemaker:endpoint").len(), 1);
    // The group's versions are the data scientist's to remove before the templates go (the
    // templates' terminate deletes the projects, and SageMaker keeps a group holding versions).
    sagemaker
        .delete_model_package()
        .model_package_name(&model)
        .send()
        .await
        .unwrap();

    // An in-place update (a tag for every part): the same templates, products and project.
    let record_id = update_templates(
        &c,
        (&product_id, &artifact_id),
        &env["EnvironmentId"],
        &[("Tags", "cost-center=42")],
        "mlsc-tags",
    )
    .await;
    let after = wait_record(&c.sc, &record_id).await;
    assert_eq!(after, out);
    let tagging =
        c.s3.get_bucket_tagging()
            .bucket(&out["BucketName"])
            .send()
            .await
            .unwrap();
    assert!(
        tagging
            .tag_set()
            .iter()
            .any(|t| t.key() == "cost-center" && t.value() == "42"),
        "{:?}",
        tagging.tag_set()
    );
    let portfolio_tags =
        c.sc.describe_portfolio()
            .id(&portfolio_id)
            .send()
            .await
            .unwrap();
    let product_tags =
        c.sc.describe_product_as_admin()
            .id(&template_product)
            .send()
            .await
            .unwrap();
    for tags in [portfolio_tags.tags(), product_tags.tags()] {
        assert!(
            tags.iter()
                .any(|t| t.key() == "cost-center" && t.value() == "42"),
            "{tags:?}"
        );
    }
    // Studio's visibility tag stays on the template's product.
    assert!(product_tags
        .tags()
        .iter()
        .any(|t| t.key() == "sagemaker:studio-visibility" && t.value() == "true"));

    // A repository source without its repository: the update fails on the property's path,
    // and CloudFormation's rollback leaves the templates as they were.
    let made = emulator.counts(MLOPS_KINDS);
    let record_id = update_templates(
        &c,
        (&product_id, &artifact_id),
        &env["EnvironmentId"],
        &[("SourceType", "codecommit")],
        "mlsc-update",
    )
    .await;
    let (status, errors) = record_end(&c.sc, &record_id).await;
    assert_eq!(status, "FAILED", "{errors}");
    assert!(errors.contains("Source.Repository"), "{errors}");
    assert_eq!(emulator.counts(MLOPS_KINDS), made);

    // Terminating deletes the project made from the template, then every part of the templates.
    let terminated =
        c.sc.terminate_provisioned_product()
            .provisioned_product_name("mlsc-dev-mlops")
            .terminate_token("mlsc-terminate")
            .send()
            .await
            .unwrap();
    let record_id = terminated.record_detail.and_then(|r| r.record_id).unwrap();
    let (status, errors) = record_end(&c.sc, &record_id).await;
    assert_eq!(status, "SUCCEEDED", "{errors}");
    let left: BTreeMap<String, usize> = emulator
        .counts(MLOPS_KINDS)
        .into_iter()
        .filter(|(kind, n)| *n > 0 && !kind.starts_with("servicecatalog:"))
        .collect();
    assert_eq!(left, BTreeMap::new());
    for kind in [
        "sagemaker:endpoint",
        "sagemaker:endpoint_config",
        "sagemaker:model",
    ] {
        assert_eq!(emulator.inventory_of(kind), Vec::<String>::new(), "{kind}");
    }
    // Only the administrators' product and its portfolio and constraint remain in the catalog.
    let catalog = emulator.counts(&[
        "servicecatalog:portfolio",
        "servicecatalog:product",
        "servicecatalog:constraint",
    ]);
    assert_eq!(catalog.values().copied().collect::<Vec<_>>(), [1, 1, 1]);
    assert!(emulator
        .inventory_of("s3:bucket")
        .iter()
        .all(|b| !b.ends_with("-mlops")));

    // The environment goes, and nothing of it or the templates is left.
    c.cfn
        .delete_stack()
        .stack_name("team-mlsc-dev")
        .send()
        .await
        .unwrap();
    c.wait(
        "team-mlsc-dev",
        StackStatus::DeleteComplete,
        Duration::from_secs(300),
    )
    .await;
    let mut after = emulator.environment_counts();
    // The administrator's and the product's launch role, which this test made.
    after.entry("iam:role".into()).and_modify(|n| *n -= 2);
    assert_eq!(after, baseline);
}
