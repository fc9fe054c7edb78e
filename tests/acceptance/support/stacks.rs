//! Deploying the product templates as a platform team and an administrator would: the zip and
//! templates in S3, the function stack, product stacks, and Service Catalog products launched
//! through a launch constraint. Shared by the tests that run the real function in the emulator.

// Each test uses a part of it.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use acceptance::{lambda_zip, repo_root, Emulator};
use aws_sdk_cloudformation::types::{Capability, Parameter, StackStatus};
use aws_sdk_servicecatalog::types::{
    PrincipalType, ProductType, ProvisioningArtifactProperties, ProvisioningArtifactType,
};

pub(crate) const BUCKET: &str = "secure-mlops-artifacts";
pub(crate) const PREFIX: &str = "secure-mlops/1.0.0";

/// What the function stack (cfn/custom-resource.yaml) makes.
pub(crate) const FUNCTION_KINDS: &[&str] = &["iam:role", "kms:key", "kms:alias", "logs:log_group"];

pub(crate) struct Clients {
    pub(crate) cfn: aws_sdk_cloudformation::Client,
    pub(crate) sc: aws_sdk_servicecatalog::Client,
    pub(crate) s3: aws_sdk_s3::Client,
    pub(crate) iam: aws_sdk_iam::Client,
}

pub(crate) fn params(pairs: &[(&str, &str)]) -> Vec<Parameter> {
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

pub(crate) fn template(path: &str) -> String {
    std::fs::read_to_string(repo_root().join("cfn").join(path)).unwrap()
}

impl Clients {
    /// Waits until the stack leaves `*_IN_PROGRESS`; panics unless it reaches `want`, with the
    /// stack's events. Returns its outputs.
    pub(crate) async fn wait(
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

    pub(crate) async fn events(&self, stack: &str) -> String {
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

    pub(crate) async fn update(&self, stack: &str, body: &str, parameters: &[(&str, &str)]) {
        self.cfn
            .update_stack()
            .stack_name(stack)
            .template_body(body)
            .set_parameters(Some(params(parameters)))
            .send()
            .await
            .unwrap_or_else(|e| panic!("update {stack}: {e:?}"));
    }

    pub(crate) async fn create(&self, stack: &str, body: &str, parameters: &[(&str, &str)]) {
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

impl Clients {
    /// Clients of the emulator's services.
    pub(crate) async fn of(emulator: &Emulator) -> Self {
        let sdk = emulator.sdk_config().await;
        Clients {
            cfn: aws_sdk_cloudformation::Client::new(&sdk),
            sc: aws_sdk_servicecatalog::Client::new(&sdk),
            s3: emulator.s3_client().await,
            iam: aws_sdk_iam::Client::new(&sdk),
        }
    }

    /// The platform team's upload: the Lambda zip and every product template under
    /// `s3://BUCKET/PREFIX/`.
    pub(crate) async fn upload(&self) {
        let zip = lambda_zip();
        self.s3.create_bucket().bucket(BUCKET).send().await.unwrap();
        let put = |key: String, body: Vec<u8>| {
            self.s3
                .put_object()
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
        let products = repo_root().join("cfn").join("products");
        for entry in std::fs::read_dir(products).unwrap() {
            let name = entry.unwrap().file_name().into_string().unwrap();
            if name.ends_with(".yaml") {
                put(
                    format!("{PREFIX}/products/{name}"),
                    template(&format!("products/{name}")).into_bytes(),
                )
                .await
                .unwrap();
            }
        }
    }

    /// The function stack (`cfn/custom-resource.yaml`) from the uploaded zip; its outputs.
    pub(crate) async fn deploy_function(&self) -> BTreeMap<String, String> {
        self.create(
            "secure-mlops-custom-resource",
            &template("custom-resource.yaml"),
            &[
                ("CodeBucket", BUCKET),
                ("CodeKey", &format!("{PREFIX}/bootstrap.zip")),
            ],
        )
        .await;
        let function = self
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
        function
    }

    /// As `cfn/service-catalog-portfolio.yaml` sets a product up: made from the uploaded
    /// `products/<file>`, in a portfolio of its own, with a launch constraint on a launch role
    /// (the stack runs as it) and `administrator` associated. Returns the product's id and its
    /// version's.
    pub(crate) async fn publish_product(
        &self,
        name: &str,
        file: &str,
        administrator: &str,
    ) -> (String, String) {
        let token = file.trim_end_matches(".yaml");
        let product = self
            .sc
            .create_product()
            .name(name)
            .owner("platform")
            .product_type(ProductType::CloudFormationTemplate)
            .provisioning_artifact_parameters(
                ProvisioningArtifactProperties::builder()
                    .name("1.0.0")
                    .r#type(ProvisioningArtifactType::CloudFormationTemplate)
                    .info(
                        "LoadTemplateFromURL",
                        format!("https://{BUCKET}.s3.amazonaws.com/{PREFIX}/products/{file}"),
                    )
                    .build(),
            )
            .idempotency_token(format!("{token}-product"))
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
        let portfolio_id = self
            .sc
            .create_portfolio()
            .display_name("Data Science Environments")
            .provider_name("platform")
            .idempotency_token(format!("{token}-portfolio"))
            .send()
            .await
            .unwrap()
            .portfolio_detail
            .and_then(|p| p.id)
            .unwrap();
        self.sc
            .associate_product_with_portfolio()
            .product_id(&product_id)
            .portfolio_id(&portfolio_id)
            .send()
            .await
            .unwrap();
        let launch_role = create_role(
            &self.iam,
            &format!("{token}-launch"),
            "servicecatalog.amazonaws.com",
        )
        .await;
        self.sc
            .create_constraint()
            .portfolio_id(&portfolio_id)
            .product_id(&product_id)
            .r#type("LAUNCH")
            .parameters(format!(r#"{{"RoleArn":"{launch_role}"}}"#))
            .idempotency_token(format!("{token}-constraint"))
            .send()
            .await
            .unwrap();
        self.sc
            .associate_principal_with_portfolio()
            .portfolio_id(&portfolio_id)
            .principal_arn(administrator)
            .principal_type(PrincipalType::Iam)
            .send()
            .await
            .unwrap();
        (product_id, artifact_id)
    }
}

/// A role `service` may assume; returns its ARN.
pub(crate) async fn create_role(iam: &aws_sdk_iam::Client, name: &str, service: &str) -> String {
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
pub(crate) async fn wait_record(
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
