//! The two account-wide roles SageMaker Projects launches its templates with.
//!
//! SageMaker's console creates them on first use; accounts set up by automation often lack them
//! and every project template then fails to launch. Their trust and permissions follow what
//! SageMaker creates: the launch role is assumed by Service Catalog, the use role by the services
//! the MLOps templates run (CodeBuild, CodePipeline, CloudFormation, Lambda, ...), each with the
//! AWS-managed policies SageMaker publishes for them.

/// Path both roles live under.
pub const SERVICE_ROLE_PATH: &str = "/service-role/";

/// One of the two roles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServiceRoleDefinition {
    /// The role name, fixed by SageMaker.
    pub name: &'static str,
    /// What it is for, stored as the role description.
    pub description: &'static str,
    /// Services allowed to assume it.
    pub trusted_services: &'static [&'static str],
    /// AWS-managed policies attached, as `<path><name>` under `arn:<partition>:iam::aws:policy`.
    pub managed_policies: &'static [&'static str],
}

/// The role Service Catalog assumes to launch SageMaker project templates.
pub const LAUNCH_ROLE: ServiceRoleDefinition = ServiceRoleDefinition {
    name: "AmazonSageMakerServiceCatalogProductsLaunchRole",
    description: "Assumed by Service Catalog to launch SageMaker project templates.",
    trusted_services: &["servicecatalog.amazonaws.com"],
    managed_policies: &["/AmazonSageMakerAdmin-ServiceCatalogProductsServiceRolePolicy"],
};

/// The role the resources of SageMaker project templates run as.
pub const USE_ROLE: ServiceRoleDefinition = ServiceRoleDefinition {
    name: "AmazonSageMakerServiceCatalogProductsUseRole",
    description: "Used by the resources SageMaker project templates create.",
    trusted_services: &[
        "apigateway.amazonaws.com",
        "cloudformation.amazonaws.com",
        "codebuild.amazonaws.com",
        "codepipeline.amazonaws.com",
        "events.amazonaws.com",
        "firehose.amazonaws.com",
        "glue.amazonaws.com",
        "lambda.amazonaws.com",
        "sagemaker.amazonaws.com",
        "states.amazonaws.com",
    ],
    managed_policies: &[
        "/service-role/AmazonSageMakerServiceCatalogProductsApiGatewayServiceRolePolicy",
        "/service-role/AmazonSageMakerServiceCatalogProductsCloudformationServiceRolePolicy",
        "/AmazonSageMakerServiceCatalogProductsCodeBuildServiceRolePolicy",
        "/service-role/AmazonSageMakerServiceCatalogProductsCodePipelineServiceRolePolicy",
        "/service-role/AmazonSageMakerServiceCatalogProductsEventsServiceRolePolicy",
        "/service-role/AmazonSageMakerServiceCatalogProductsFirehoseServiceRolePolicy",
        "/service-role/AmazonSageMakerServiceCatalogProductsGlueServiceRolePolicy",
        "/service-role/AmazonSageMakerServiceCatalogProductsLambdaServiceRolePolicy",
    ],
};

impl ServiceRoleDefinition {
    /// The role's ARN in `account_id`.
    pub fn arn(&self, partition: &str, account_id: &str) -> String {
        format!(
            "arn:{partition}:iam::{account_id}:role{SERVICE_ROLE_PATH}{}",
            self.name
        )
    }

    /// The ARNs of the managed policies to attach.
    pub fn managed_policy_arns(&self, partition: &str) -> Vec<String> {
        self.managed_policies
            .iter()
            .map(|p| format!("arn:{partition}:iam::aws:policy{p}"))
            .collect()
    }

    /// The trust policy document.
    pub fn trust_policy(&self) -> serde_json::Value {
        super::service_trust_policy(self.trusted_services)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn launch_role_is_assumed_by_service_catalog_only() {
        let doc = LAUNCH_ROLE.trust_policy();
        assert_eq!(
            doc["Statement"][0]["Principal"]["Service"],
            serde_json::json!(["servicecatalog.amazonaws.com"])
        );
        assert_eq!(
            LAUNCH_ROLE.arn("aws", "123456789012"),
            "arn:aws:iam::123456789012:role/service-role/AmazonSageMakerServiceCatalogProductsLaunchRole"
        );
    }

    #[test]
    fn use_role_trusts_the_template_services_and_gets_their_policies() {
        let services = USE_ROLE.trust_policy()["Statement"][0]["Principal"]["Service"].clone();
        for s in [
            "codebuild.amazonaws.com",
            "codepipeline.amazonaws.com",
            "cloudformation.amazonaws.com",
        ] {
            assert!(services.as_array().unwrap().iter().any(|v| v == s), "{s}");
        }
        let arns = USE_ROLE.managed_policy_arns("aws");
        assert!(arns.contains(&"arn:aws:iam::aws:policy/AmazonSageMakerServiceCatalogProductsCodeBuildServiceRolePolicy".to_string()));
        assert_eq!(arns.len(), USE_ROLE.managed_policies.len());
    }
}
