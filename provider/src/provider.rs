//! The provider block: how to reach AWS, shared by every resource of one provider instance.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};

use async_trait::async_trait;
use secure_mlops_core::aws::{AssumeRole, AwsClients, ConnectionSettings, SERVICES};
use secure_mlops_core::spec::{is_region_name, parse_iam_role_arn};
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, NestedBlock, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, DynamicDataSource, DynamicResource, Provider};

use crate::data_sources::environment_audit::EnvironmentAuditDataSource;
use crate::resources::mlops_project_templates::MlopsProjectTemplatesResource;
use crate::resources::project::ProjectResource;
use crate::resources::projects_enablement::ProjectsEnablementResource;
use crate::resources::secure_ds_environment::SecureDsEnvironmentResource;
use crate::resources::security_response::SecurityResponseResource;
use crate::schema::{block, map_of_strings, optional};

/// The `assume_role` block.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct AssumeRoleConfig {
    role_arn: Value<String>,
    session_name: Value<String>,
    external_id: Value<String>,
}

/// The `endpoints` block: one URL per service, as terraform-provider-aws's block.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct EndpointsConfig {
    ec2: Value<String>,
    efs: Value<String>,
    iam: Value<String>,
    kms: Value<String>,
    logs: Value<String>,
    s3: Value<String>,
    sagemaker: Value<String>,
    servicecatalog: Value<String>,
    sts: Value<String>,
}

impl EndpointsConfig {
    /// Each service's value, by its key in [`SERVICES`].
    fn by_service(&self) -> [(&'static str, &Value<String>); 9] {
        [
            ("ec2", &self.ec2),
            ("efs", &self.efs),
            ("iam", &self.iam),
            ("kms", &self.kms),
            ("logs", &self.logs),
            ("s3", &self.s3),
            ("sagemaker", &self.sagemaker),
            ("servicecatalog", &self.servicecatalog),
            ("sts", &self.sts),
        ]
    }
}

/// The provider block's values.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub(crate) struct ProviderConfig {
    region: Value<String>,
    profile: Value<String>,
    endpoint: Value<String>,
    endpoints: Value<EndpointsConfig>,
    assume_role: Value<AssumeRoleConfig>,
    default_tags: Value<BTreeMap<String, Value<String>>>,
}

/// The clients of a configured provider, shared with its resources. Terraform configures a
/// provider process once, after the resources are registered, hence the late initialisation.
#[derive(Debug, Clone, Default)]
pub(crate) struct SharedClients(Arc<RwLock<Option<Arc<AwsClients>>>>);

impl SharedClients {
    /// The clients, or an error diagnostic when the provider was not configured.
    pub(crate) fn get(&self, diags: &mut Diagnostics) -> Option<Arc<AwsClients>> {
        let clients = self.0.read().ok().and_then(|guard| guard.clone());
        if clients.is_none() {
            diags.root_error(
                "Provider Not Configured",
                "the sagemaker provider has no AWS connection yet: this happens when its configuration depends on values unknown until apply; make the provider block's values known at plan time",
            );
        }
        clients
    }

    fn set(&self, clients: AwsClients) {
        if let Ok(mut guard) = self.0.write() {
            *guard = Some(Arc::new(clients));
        }
    }
}

/// The `sagemaker` provider.
#[derive(Debug, Default)]
pub(crate) struct SageMakerProvider {
    clients: SharedClients,
}

#[async_trait]
impl Provider for SageMakerProvider {
    type Config<'a> = ProviderConfig;
    type MetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        let assume_role = block(
            "An IAM role to assume for every AWS call (for example a deployment role in the team's account).",
            vec![
                ("role_arn", optional(AttributeType::String, "ARN of the role to assume. Required when the block is written.")),
                ("session_name", optional(AttributeType::String, "Session name for the assumed role. Defaults to `secure-mlops`.")),
                ("external_id", optional(AttributeType::String, "External id the role's trust policy requires, if any. Never logged.")),
            ],
            vec![],
        );
        let endpoints = block(
            "Endpoint URLs of single services (LocalStack for some, an emulator for others, VPC endpoint or proxy URLs). Each wins over `endpoint` for its service; a service left out uses `AWS_ENDPOINT_URL_<SERVICE>` when set (`AWS_ENDPOINT_URL_EC2`, `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`, `AWS_ENDPOINT_URL_SERVICE_CATALOG`, ...), else `endpoint`.",
            SERVICES
                .iter()
                .map(|(key, _)| (*key, optional(AttributeType::String, "Endpoint URL of this service.")))
                .collect(),
            vec![],
        );
        Some(Schema {
            version: 1,
            block: block(
                "Provisions secure Amazon SageMaker Studio environments and MLOps enablement. \
                 Credentials come from the standard AWS chain (environment, shared files, SSO, instance or container roles).",
                vec![
                    ("region", optional(AttributeType::String, "AWS region to work in. Defaults to `AWS_REGION` or `AWS_DEFAULT_REGION`.")),
                    ("profile", optional(AttributeType::String, "Named profile from the shared AWS config and credentials files. Defaults to `AWS_PROFILE`.")),
                    ("endpoint", optional(AttributeType::String, "One endpoint URL for every AWS service (an emulator, LocalStack, or a proxy). Defaults to `AWS_ENDPOINT_URL` when set, else AWS's public endpoints.")),
                    ("default_tags", optional(map_of_strings(), "Tags added to every AWS resource the provider creates.")),
                ],
                vec![
                    ("assume_role", NestedBlock::Group(assume_role)),
                    ("endpoints", NestedBlock::Group(endpoints)),
                ],
            ),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::Config<'a>) -> Option<()> {
        check_config(diags, &config);
        Some(())
    }

    async fn configure<'a>(
        &self,
        diags: &mut Diagnostics,
        terraform_version: String,
        config: Self::Config<'a>,
    ) -> Option<()> {
        if !check_config(diags, &config) {
            return None;
        }
        let settings = settings(&config);
        tracing::debug!(
            %terraform_version,
            region = ?settings.region,
            endpoint = ?settings.endpoint,
            assume_role = settings.assume_role.as_ref().map(|a| a.role_arn.as_str()),
            "configuring provider"
        );
        match AwsClients::connect(&settings).await {
            Ok(clients) => {
                tracing::info!(account = %clients.account_id, region = %clients.region, "connected to AWS");
                self.clients.set(clients);
                Some(())
            }
            Err(err) => {
                let attribute = match err {
                    secure_mlops_core::aws::ConnectError::NoRegion => AttributePath::new("region"),
                    _ => AttributePath::root(),
                };
                diags.error("Cannot Connect To AWS", err.to_string(), attribute);
                None
            }
        }
    }

    fn get_resources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicResource>>> {
        let mut resources: HashMap<String, Box<dyn DynamicResource>> = HashMap::new();
        resources.insert(
            "projects_enablement".to_string(),
            Box::new(ProjectsEnablementResource::new(self.clients.clone())),
        );
        resources.insert(
            "mlops_project_templates".to_string(),
            Box::new(MlopsProjectTemplatesResource::new(self.clients.clone())),
        );
        resources.insert(
            "project".to_string(),
            Box::new(ProjectResource::new(self.clients.clone())),
        );
        resources.insert(
            "security_response".to_string(),
            Box::new(SecurityResponseResource::new(self.clients.clone())),
        );
        resources.insert(
            "secure_ds_environment".to_string(),
            Box::new(SecureDsEnvironmentResource::new(self.clients.clone())),
        );
        Some(resources)
    }

    fn get_data_sources(
        &self,
        _diags: &mut Diagnostics,
    ) -> Option<HashMap<String, Box<dyn DynamicDataSource>>> {
        let mut sources: HashMap<String, Box<dyn DynamicDataSource>> = HashMap::new();
        sources.insert(
            "environment_audit".to_string(),
            Box::new(EnvironmentAuditDataSource::new(self.clients.clone())),
        );
        Some(sources)
    }
}

/// Checks the known values of the provider block; true when nothing is wrong.
fn check_config(diags: &mut Diagnostics, config: &ProviderConfig) -> bool {
    let before = diags.errors.len();
    if let Value::Value(region) = &config.region {
        if !is_region_name(region) {
            diags.error(
                "Invalid Region",
                format!("region: {region:?} is not an AWS region name such as \"eu-west-1\""),
                AttributePath::new("region"),
            );
        }
    }
    check_url(
        diags,
        "endpoint",
        AttributePath::new("endpoint"),
        &config.endpoint,
    );
    if let Value::Value(endpoints) = &config.endpoints {
        for (service, value) in endpoints.by_service() {
            let path = AttributePath::new("endpoints").attribute(service);
            check_url(diags, &format!("endpoints.{service}"), path, value);
        }
    }
    if let Value::Value(assume) = &config.assume_role {
        let path = AttributePath::new("assume_role");
        match &assume.role_arn {
            Value::Value(arn) => {
                if let Err(why) = parse_iam_role_arn(arn) {
                    diags.error(
                        "Invalid Role ARN",
                        format!("assume_role.role_arn: {why}"),
                        path.clone().attribute("role_arn"),
                    );
                }
            }
            Value::Null if assume.session_name.is_value() || assume.external_id.is_value() => {
                diags.error(
                    "Missing Role ARN",
                    "assume_role.role_arn: the assume_role block needs role_arn",
                    path.clone().attribute("role_arn"),
                );
            }
            _ => {}
        }
        if let Value::Value(name) = &assume.session_name {
            let ok = (2..=64).contains(&name.len())
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+=,.@-_".contains(&b));
            if !ok {
                diags.error(
                    "Invalid Session Name",
                    format!("assume_role.session_name: {name:?} must be 2-64 letters, digits or +=,.@-_"),
                    path.clone().attribute("session_name"),
                );
            }
        }
        if let Value::Value(external_id) = &assume.external_id {
            // The value itself is not repeated: it may be a shared secret.
            if !(2..=1224).contains(&external_id.len()) {
                diags.error(
                    "Invalid External Id",
                    "assume_role.external_id: must be 2-1224 characters long",
                    path.attribute("external_id"),
                );
            }
        }
    }
    diags.errors.len() == before
}

/// An endpoint URL must be http(s).
fn check_url(diags: &mut Diagnostics, name: &str, path: AttributePath, value: &Value<String>) {
    if let Value::Value(url) = value {
        if !(url.starts_with("http://") || url.starts_with("https://")) || url.len() < 10 {
            diags.error(
                "Invalid Endpoint",
                format!("{name}: {url:?} is not an http(s) URL such as \"http://127.0.0.1:4566\""),
                path,
            );
        }
    }
}

fn settings(config: &ProviderConfig) -> ConnectionSettings {
    let known = |v: &Value<String>| v.as_ref_option().cloned();
    let assume_role = config.assume_role.as_ref_option().and_then(|a| {
        known(&a.role_arn).map(|role_arn| AssumeRole {
            role_arn,
            session_name: known(&a.session_name),
            external_id: known(&a.external_id),
        })
    });
    ConnectionSettings {
        region: known(&config.region),
        profile: known(&config.profile),
        endpoint: known(&config.endpoint),
        service_endpoints: config
            .endpoints
            .as_ref_option()
            .map(|e| {
                e.by_service()
                    .into_iter()
                    .filter_map(|(service, v)| known(v).map(|url| (service.to_string(), url)))
                    .collect()
            })
            .unwrap_or_default(),
        assume_role,
        default_tags: config
            .default_tags
            .as_ref_option()
            .map(|tags| {
                tags.iter()
                    .filter_map(|(k, v)| v.as_ref_option().map(|v| (k.clone(), v.clone())))
                    .collect()
            })
            .unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn region_names() {
        for ok in [
            "us-east-1",
            "eu-central-2",
            "us-gov-west-1",
            "ap-southeast-4",
        ] {
            assert!(is_region_name(ok), "{ok}");
        }
        for bad in [
            "",
            "us-east",
            "US-EAST-1",
            "useast1",
            "us-east-1a",
            "-east-1",
        ] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }

    #[test]
    fn invalid_values_are_diagnostics_on_their_attribute() {
        let config = ProviderConfig {
            region: Value::Value("moon-1".into()),
            endpoint: Value::Value("localhost:4566".into()),
            endpoints: Value::Value(EndpointsConfig {
                sts: Value::Value("ftp://x".into()),
                ..Default::default()
            }),
            assume_role: Value::Value(AssumeRoleConfig {
                role_arn: Value::Value("arn:aws:iam::123456789012:user/bob".into()),
                session_name: Value::Null,
                external_id: Value::Value("x".into()),
            }),
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        assert!(!check_config(&mut diags, &config));
        assert_eq!(diags.errors.len(), 5);
        let text = format!("{:?}", diags.errors);
        assert!(text.contains("endpoints.sts"), "{text}");
        assert!(text.contains("assume_role.role_arn"), "{text}");
        assert!(
            !text.contains("\"x\""),
            "the external id must not be echoed: {text}"
        );
    }

    #[test]
    fn unknown_values_are_not_judged() {
        let config = ProviderConfig {
            region: Value::Unknown,
            endpoint: Value::Unknown,
            ..Default::default()
        };
        let mut diags = Diagnostics::default();
        assert!(check_config(&mut diags, &config));
    }
}
