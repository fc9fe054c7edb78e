//! End to end in the emulator, as a platform team and an administrator would do it on AWS:
//! the packaged zip (`build/lambda/bootstrap.zip`) and the templates in `cfn/` are uploaded to
//! S3, `cfn/custom-resource.yaml` deploys the function (the emulator runs a `provided.al2023`
//! function's `bootstrap` as a local process), and the product templates deploy as stacks whose
//! custom resources that function serves: an environment with Studio and a user profile (created,
//! updated in place, replaced by a new Stage with the old one deleted in CloudFormation's
//! cleanup, deleted with nothing left behind) and projects enablement, which is then
//! also launched through Service Catalog `ProvisionProduct` (ending with the same outputs),
//! updated with `UpdateProvisionedProduct` and terminated. Deleting the function stack at the
//! end takes its role, key and log group with it.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used)]

use std::time::{Duration, Instant};

use acceptance::{environment_role_arn, Emulator, ENVIRONMENT_KINDS};
use aws_sdk_cloudformation::types::StackStatus;
use aws_sdk_servicecatalog::types::ProvisioningParameter;

#[path = "support/stacks.rs"]
mod stacks;
use stacks::{create_role, template, wait_record, Clients, FUNCTION_KINDS};

#[tokio::test(flavor = "multi_thread")]
async fn products_deploy_as_stacks_and_through_service_catalog() {
    let emulator = Emulator::start();
    let c = Clients::of(&emulator).await;
    let iam = c.iam.clone();

    // The platform team publishes: zip and product templates to S3, then the function stack.
    c.upload().await;
    let before_function = emulator.counts(FUNCTION_KINDS);
    let started = Instant::now();
    c.deploy_function().await;
    eprintln!("function stack: {:?}", started.elapsed());
    // The function stack's own role and key are not the environment's.
    let baseline = emulator.counts(ENVIRONMENT_KINDS);

    // An environment with Studio and one user profile, as a product stack.
    let started = Instant::now();
    c.create(
        "team-e2e-dev",
        &template("products/secure-ds-environment.yaml"),
        &[
            ("Name", "e2e"),
            ("Stage", "dev"),
            ("Tags", "cost-center=42"),
            ("UserProfiles", "alice=data_scientist"),
            ("TeamPortfolio", "true"),
        ],
    )
    .await;
    let env = c
        .wait(
            "team-e2e-dev",
            StackStatus::CreateComplete,
            Duration::from_secs(300),
        )
        .await;
    eprintln!("environment stack: {:?}", started.elapsed());
    assert_eq!(env["EnvironmentId"], "e2e-dev");
    assert!(env["VpcId"].starts_with("vpc-"), "{env:?}");
    assert!(env["DomainId"].starts_with("d-"), "{env:?}");
    assert!(env["DataKmsKeyArn"].starts_with("arn:aws:kms:"), "{env:?}");
    assert_eq!(
        env["ExecutionRoleArn"],
        environment_role_arn("e2e-dev-execution")
    );
    assert_eq!(emulator.inventory_of("sagemaker:user_profile").len(), 1);
    // The team portfolio (TeamPortfolio), as from Terraform: its two products and their
    // launch constraints.
    let catalog = [
        "servicecatalog:portfolio",
        "servicecatalog:product",
        "servicecatalog:constraint",
    ];
    let made = emulator.counts(&catalog);
    assert_eq!(
        [catalog[0], catalog[1], catalog[2]].map(|k| made[k]),
        [1, 2, 2],
        "{made:?}"
    );
    let vpcs = emulator.inventory_of("ec2:vpc");
    assert!(vpcs.contains(&env["VpcId"]), "{vpcs:?}");

    // An in-place update (a tag): the same environment, UPDATE_COMPLETE.
    c.update(
        "team-e2e-dev",
        &template("products/secure-ds-environment.yaml"),
        &[
            ("Name", "e2e"),
            ("Stage", "dev"),
            ("Tags", "cost-center=43"),
            ("UserProfiles", "alice=data_scientist"),
            ("TeamPortfolio", "true"),
        ],
    )
    .await;
    let updated = c
        .wait(
            "team-e2e-dev",
            StackStatus::UpdateComplete,
            Duration::from_secs(300),
        )
        .await;
    assert_eq!(updated["VpcId"], env["VpcId"]);
    assert_eq!(updated["DomainId"], env["DomainId"]);

    // A new Stage is a new environment: CloudFormation gets a new physical id and, in its
    // cleanup phase, deletes the old one. One environment remains.
    let one_environment = emulator.counts(ENVIRONMENT_KINDS);
    c.update(
        "team-e2e-dev",
        &template("products/secure-ds-environment.yaml"),
        &[
            ("Name", "e2e"),
            ("Stage", "test"),
            ("Tags", "cost-center=43"),
            ("UserProfiles", "alice=data_scientist"),
            ("TeamPortfolio", "true"),
        ],
    )
    .await;
    let replaced = c
        .wait(
            "team-e2e-dev",
            StackStatus::UpdateComplete,
            Duration::from_secs(300),
        )
        .await;
    assert_eq!(replaced["EnvironmentId"], "e2e-test");
    assert_ne!(replaced["VpcId"], env["VpcId"]);
    assert_eq!(
        replaced["ExecutionRoleArn"],
        environment_role_arn("e2e-test-execution")
    );
    assert!(!emulator.inventory_of("ec2:vpc").contains(&env["VpcId"]));
    assert_eq!(emulator.counts(ENVIRONMENT_KINDS), one_environment);

    // Deleting the stack deletes the environment: every kind back to the baseline.
    c.cfn
        .delete_stack()
        .stack_name("team-e2e-dev")
        .send()
        .await
        .unwrap();
    c.wait(
        "team-e2e-dev",
        StackStatus::DeleteComplete,
        Duration::from_secs(300),
    )
    .await;
    assert_eq!(emulator.counts(ENVIRONMENT_KINDS), baseline);
    assert_eq!(emulator.counts(&catalog).values().sum::<usize>(), 0);

    // Projects enablement as a stack.
    let alice = create_role(&iam, "alice-studio", "sagemaker.amazonaws.com").await;
    c.create(
        "projects",
        &template("products/projects-enablement.yaml"),
        &[("PrincipalArns", &alice)],
    )
    .await;
    let projects = c
        .wait(
            "projects",
            StackStatus::CreateComplete,
            Duration::from_secs(120),
        )
        .await;
    assert!(projects["PortfolioId"].starts_with("port-"), "{projects:?}");
    c.cfn
        .delete_stack()
        .stack_name("projects")
        .send()
        .await
        .unwrap();
    c.wait(
        "projects",
        StackStatus::DeleteComplete,
        Duration::from_secs(120),
    )
    .await;

    // The same product through Service Catalog: a product from the S3 template, provisioned by
    // an administrator, ends with the same outputs; terminating deletes its stack.
    // As cfn/service-catalog-portfolio.yaml sets it up: the portfolio, the product in it, a
    // launch constraint (the stack runs as that role), the administrators' role associated.
    let admin = create_role(&iam, "ds-admin", "ec2.amazonaws.com").await;
    let (product_id, artifact_id) = c
        .publish_product(
            "SageMaker Projects enablement",
            "projects-enablement.yaml",
            &admin,
        )
        .await;
    let provisioned =
        c.sc.provision_product()
            .product_id(&product_id)
            .provisioning_artifact_id(&artifact_id)
            .provisioned_product_name("projects-enablement")
            .provision_token("e2e-provision")
            .provisioning_parameters(
                ProvisioningParameter::builder()
                    .key("PrincipalArns")
                    .value(&alice)
                    .build(),
            )
            .send()
            .await
            .unwrap();
    let record_id = provisioned.record_detail.and_then(|r| r.record_id).unwrap();
    let outputs = wait_record(&c.sc, &record_id).await;
    for key in [
        "PortfolioId",
        "LaunchRoleArn",
        "UseRoleArn",
        "Status",
        "EnablementId",
    ] {
        assert_eq!(outputs.get(key), projects.get(key), "{key}: {outputs:?}");
    }
    // The administrator updates it (by names, as the README's CLI does): a second principal,
    // associated in place.
    let bob = create_role(&iam, "bob-studio", "sagemaker.amazonaws.com").await;
    let updated =
        c.sc.update_provisioned_product()
            .provisioned_product_name("projects-enablement")
            .product_name("SageMaker Projects enablement")
            .provisioning_artifact_name("1.0.0")
            .provisioning_parameters(
                aws_sdk_servicecatalog::types::UpdateProvisioningParameter::builder()
                    .key("PrincipalArns")
                    .value(format!("{alice},{bob}"))
                    .build(),
            )
            .update_token("e2e-update")
            .send()
            .await
            .unwrap();
    let record_id = updated.record_detail.and_then(|r| r.record_id).unwrap();
    let after = wait_record(&c.sc, &record_id).await;
    assert_eq!(after.get("EnablementId"), outputs.get("EnablementId"));
    let principals =
        c.sc.list_principals_for_portfolio()
            .portfolio_id(&outputs["PortfolioId"])
            .send()
            .await
            .unwrap();
    let associated: Vec<&str> = principals
        .principals()
        .iter()
        .filter_map(|p| p.principal_arn())
        .collect();
    assert!(
        associated.contains(&alice.as_str()) && associated.contains(&bob.as_str()),
        "{associated:?}"
    );
    let terminated =
        c.sc.terminate_provisioned_product()
            .provisioned_product_name("projects-enablement")
            .terminate_token("e2e-terminate")
            .send()
            .await
            .unwrap();
    let record_id = terminated.record_detail.and_then(|r| r.record_id).unwrap();
    wait_record(&c.sc, &record_id).await;
    let left = c.cfn.list_stacks().send().await.unwrap();
    let live: Vec<String> = left
        .stack_summaries
        .unwrap_or_default()
        .into_iter()
        .filter(|s| s.stack_status != Some(StackStatus::DeleteComplete))
        .filter_map(|s| s.stack_name)
        .collect();
    assert_eq!(live, ["secure-mlops-custom-resource"], "{live:?}");

    // The platform team retires the function: its stack takes its key, role and log group.
    c.cfn
        .delete_stack()
        .stack_name("secure-mlops-custom-resource")
        .send()
        .await
        .unwrap();
    c.wait(
        "secure-mlops-custom-resource",
        StackStatus::DeleteComplete,
        Duration::from_secs(60),
    )
    .await;
    let mut after = emulator.counts(FUNCTION_KINDS);
    // Roles this test made on its own (alice, bob, the launch and administrator roles) and the
    // two SageMaker Projects service roles, which projects enablement keeps by design.
    after.entry("iam:role".into()).and_modify(|n| *n -= 6);
    assert_eq!(after, before_function);
}
