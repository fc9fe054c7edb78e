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

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use acceptance::{environment_role_arn, lambda_zip, repo_root, Emulator, ENVIRONMENT_KINDS};
use aws_sdk_cloudformation::types::{Capability, Parameter, StackStatus};
use aws_sdk_servicecatalog::types::{
    ProductType, ProvisioningArtifactProperties, ProvisioningArtifactType, ProvisioningParameter,
};

const BUCKET: &str = "secure-mlops-artifacts";
const PREFIX: &str = "secure-mlops/1.0.0";

/// What the function stack (cfn/custom-resource.yaml) makes.
const FUNCTION_KINDS: &[&str] = &["iam:role", "kms:key", "kms:alias", "logs:log_group"];

struct Clients {
    cfn: aws_sdk_cloudformation::Client,
    sc: aws_sdk_servicecatalog::Client,
}

fn params(pairs: &[(&str, &str)]) -> Vec<Parameter> {
    pairs
        .iter()
        .map(|(k, v)| {
            Parameter::builder()
                .parameter_key(*k)
                .parameter_value(*v)
                .build()
        })
        .collect()
}

fn template(path: &str) -> String {
    std::fs::read_to_string(repo_root().join("cfn").join(path)).unwrap()
}

impl Clients {
    /// Waits until the stack leaves `*_IN_PROGRESS`; panics unless it reaches `want`, with the
    /// stack's events. Returns its outputs.
    async fn wait(
        &self,
        stack: &str,
        want: StackStatus,
        limit: Duration,
    ) -> BTreeMap<String, String> {
        let until = Instant::now() + limit;
        loop {
            let described = self.cfn.describe_stacks().stack_name(stack).send().await;
            let found = match described {
                Ok(out) => out.stacks.unwrap_or_default().into_iter().next(),
                // A deleted stack is no longer described by name.
                Err(_) if want == StackStatus::DeleteComplete => return BTreeMap::new(),
                Err(e) => panic!("describe {stack}: {e:?}"),
            };
            let s = found.unwrap_or_else(|| panic!("{stack} not found"));
            let status = s.stack_status.clone().unwrap();
            if !status.as_str().ends_with("_IN_PROGRESS") {
                if status != want {
                    panic!(
                        "{stack}: {} ({:?}), wanted {}; events:\n{}",
                        status.as_str(),
                        s.stack_status_reason,
                        want.as_str(),
                        self.events(stack).await
                    );
                }
                return s
                    .outputs
                    .unwrap_or_default()
                    .into_iter()
                    .map(|o| (o.output_key.unwrap(), o.output_value.unwrap_or_default()))
                    .collect();
            }
            assert!(
                Instant::now() < until,
                "{stack} still {} after {limit:?}; events:\n{}",
                status.as_str(),
                self.events(stack).await
            );
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    async fn events(&self, stack: &str) -> String {
        match self
            .cfn
            .describe_stack_events()
            .stack_name(stack)
            .send()
            .await
        {
            Ok(out) => out
                .stack_events
                .unwrap_or_default()
                .iter()
                .map(|e| {
                    format!(
                        "  {} {} {}",
                        e.logical_resource_id.as_deref().unwrap_or("?"),
                        e.resource_status.as_ref().map_or("?", |s| s.as_str()),
                        e.resource_status_reason.as_deref().unwrap_or("")
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"),
            Err(e) => format!("  (no events: {e:?})"),
        }
    }

    async fn update(&self, stack: &str, body: &str, parameters: &[(&str, &str)]) {
        self.cfn
            .update_stack()
            .stack_name(stack)
            .template_body(body)
            .set_parameters(Some(params(parameters)))
            .send()
            .await
            .unwrap_or_else(|e| panic!("update {stack}: {e:?}"));
    }

    async fn create(&self, stack: &str, body: &str, parameters: &[(&str, &str)]) {
        self.cfn
            .create_stack()
            .stack_name(stack)
            .template_body(body)
            .set_parameters(Some(params(parameters)))
            .capabilities(Capability::CapabilityIam)
            .capabilities(Capability::CapabilityNamedIam)
            .send()
            .await
            .unwrap_or_else(|e| panic!("create {stack}: {e:?}"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn products_deploy_as_stacks_and_through_service_catalog() {
    let zip = lambda_zip();
    let emulator = Emulator::start();
    let sdk = emulator.sdk_config().await;
    let s3 = emulator.s3_client().await;
    let iam = aws_sdk_iam::Client::new(&sdk);
    let c = Clients {
        cfn: aws_sdk_cloudformation::Client::new(&sdk),
        sc: aws_sdk_servicecatalog::Client::new(&sdk),
    };

    // The platform team publishes: zip and product templates to S3, then the function stack.
    s3.create_bucket().bucket(BUCKET).send().await.unwrap();
    let put = |key: String, body: Vec<u8>| {
        s3.put_object()
            .bucket(BUCKET)
            .key(key)
            .body(body.into())
            .send()
    };
    put(
        format!("{PREFIX}/bootstrap.zip"),
        std::fs::read(&zip).unwrap(),
    )
    .await
    .unwrap();
    for product in ["projects-enablement.yaml", "secure-ds-environment.yaml"] {
        put(
            format!("{PREFIX}/products/{product}"),
            template(&format!("products/{product}")).into_bytes(),
        )
        .await
        .unwrap();
    }
    let before_function = emulator.counts(FUNCTION_KINDS);
    let started = Instant::now();
    c.create(
        "secure-mlops-custom-resource",
        &template("custom-resource.yaml"),
        &[
            ("CodeBucket", BUCKET),
            ("CodeKey", &format!("{PREFIX}/bootstrap.zip")),
        ],
    )
    .await;
    let function = c
        .wait(
            "secure-mlops-custom-resource",
            StackStatus::CreateComplete,
            Duration::from_secs(60),
        )
        .await;
    assert!(
        function["ServiceToken"].starts_with("arn:aws:lambda:"),
        "{function:?}"
    );
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
    let product = c
        .sc
        .create_product()
        .name("SageMaker Projects enablement")
        .owner("platform")
        .product_type(ProductType::CloudFormationTemplate)
        .provisioning_artifact_parameters(
            ProvisioningArtifactProperties::builder()
                .name("1.0.0")
                .r#type(ProvisioningArtifactType::CloudFormationTemplate)
                .info(
                    "LoadTemplateFromURL",
                    format!(
                        "https://{BUCKET}.s3.amazonaws.com/{PREFIX}/products/projects-enablement.yaml"
                    ),
                )
                .build(),
        )
        .idempotency_token("e2e-product")
        .send()
        .await
        .unwrap();
    let product_id = product
        .product_view_detail
        .and_then(|d| d.product_view_summary)
        .and_then(|s| s.product_id)
        .unwrap();
    let artifact_id = product
        .provisioning_artifact_detail
        .and_then(|a| a.id)
        .unwrap();
    // As cfn/service-catalog-portfolio.yaml sets it up: the portfolio, the product in it, a
    // launch constraint (the stack runs as that role), the administrators' role associated.
    let portfolio_id =
        c.sc.create_portfolio()
            .display_name("Data Science Environments")
            .provider_name("platform")
            .idempotency_token("e2e-portfolio")
            .send()
            .await
            .unwrap()
            .portfolio_detail
            .and_then(|p| p.id)
            .unwrap();
    c.sc.associate_product_with_portfolio()
        .product_id(&product_id)
        .portfolio_id(&portfolio_id)
        .send()
        .await
        .unwrap();
    let launch_role =
        create_role(&iam, "secure-mlops-launch", "servicecatalog.amazonaws.com").await;
    c.sc.create_constraint()
        .portfolio_id(&portfolio_id)
        .product_id(&product_id)
        .r#type("LAUNCH")
        .parameters(format!(r#"{{"RoleArn":"{launch_role}"}}"#))
        .idempotency_token("e2e-constraint")
        .send()
        .await
        .unwrap();
    let admin = create_role(&iam, "ds-admin", "ec2.amazonaws.com").await;
    c.sc.associate_principal_with_portfolio()
        .portfolio_id(&portfolio_id)
        .principal_arn(&admin)
        .principal_type(aws_sdk_servicecatalog::types::PrincipalType::Iam)
        .send()
        .await
        .unwrap();
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

/// A role `service` may assume; returns its ARN.
async fn create_role(iam: &aws_sdk_iam::Client, name: &str, service: &str) -> String {
    iam.create_role()
        .role_name(name)
        .assume_role_policy_document(format!(
            r#"{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Principal":{{"Service":"{service}"}},"Action":"sts:AssumeRole"}}]}}"#
        ))
        .send()
        .await
        .unwrap()
        .role
        .unwrap()
        .arn
}

/// Waits for a Service Catalog record to succeed; returns its outputs.
async fn wait_record(
    sc: &aws_sdk_servicecatalog::Client,
    record_id: &str,
) -> BTreeMap<String, String> {
    let until = Instant::now() + Duration::from_secs(120);
    loop {
        let out = sc.describe_record().id(record_id).send().await.unwrap();
        let detail = out.record_detail.unwrap();
        let status = detail.status.clone().unwrap();
        match status.as_str() {
            "SUCCEEDED" => {
                return out
                    .record_outputs
                    .unwrap_or_default()
                    .into_iter()
                    .map(|o| (o.output_key.unwrap(), o.output_value.unwrap_or_default()))
                    .collect()
            }
            "CREATED" | "IN_PROGRESS" | "IN_PROGRESS_IN_ERROR" => {}
            other => panic!("record {record_id}: {other}: {:?}", detail.record_errors),
        }
        assert!(
            Instant::now() < until,
            "record {record_id} still {status:?}"
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
}
