//! Building the AWS clients the engine uses.

use std::collections::BTreeMap;

use aws_config::retry::RetryConfig;
use aws_config::{sts::AssumeRoleProvider, BehaviorVersion, Region};
use aws_credential_types::provider::SharedCredentialsProvider;

use super::error::AwsCallError;

/// An IAM role to assume for every call, as the provider's `assume_role` block says.
#[derive(Clone, PartialEq, Eq)]
pub struct AssumeRole {
    /// The role to assume.
    pub role_arn: String,
    /// The session name; defaults to `secure-mlops`.
    pub session_name: Option<String>,
    /// The external id the role's trust policy requires, if any. Never logged.
    pub external_id: Option<String>,
}

// The external id can be a shared secret: debug output shows only whether there is one.
impl std::fmt::Debug for AssumeRole {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AssumeRole")
            .field("role_arn", &self.role_arn)
            .field("session_name", &self.session_name)
            .field(
                "external_id",
                &self.external_id.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Where and as whom to call AWS. Unset fields fall back to the standard AWS environment
/// (`AWS_REGION`, `AWS_PROFILE`, `AWS_ENDPOINT_URL`, the default credential chain).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConnectionSettings {
    /// The region to work in.
    pub region: Option<String>,
    /// A named profile from the shared config files.
    pub profile: Option<String>,
    /// One endpoint URL for every service (an emulator, LocalStack, a VPC endpoint proxy).
    pub endpoint: Option<String>,
    /// Endpoint URLs of single services, by the keys of [`SERVICES`] (`ec2`, `sagemaker`,
    /// ...); they win over `endpoint`. Services left out fall back to
    /// `AWS_ENDPOINT_URL_<SERVICE>` (see [`SERVICES`]), then to `endpoint`.
    pub service_endpoints: BTreeMap<String, String>,
    /// A role to assume.
    pub assume_role: Option<AssumeRole>,
    /// Tags added to every resource the engine creates.
    pub default_tags: BTreeMap<String, String>,
}

/// The services the engine calls: the key of each in [`ConnectionSettings::service_endpoints`]
/// (and the provider's `endpoints` block), and the suffix of its standard
/// `AWS_ENDPOINT_URL_<SERVICE>` environment variable.
pub const SERVICES: &[(&str, &str)] = &[
    ("cloudformation", "CLOUDFORMATION"),
    ("cloudtrail", "CLOUDTRAIL"),
    ("codeartifact", "CODEARTIFACT"),
    ("config", "CONFIG_SERVICE"),
    ("ec2", "EC2"),
    ("efs", "EFS"),
    ("events", "EVENTBRIDGE"),
    ("iam", "IAM"),
    ("kms", "KMS"),
    ("lambda", "LAMBDA"),
    ("logs", "CLOUDWATCH_LOGS"),
    ("s3", "S3"),
    ("sagemaker", "SAGEMAKER"),
    ("servicecatalog", "SERVICE_CATALOG"),
    ("sns", "SNS"),
    ("sqs", "SQS"),
    ("sts", "STS"),
];

/// The endpoint of `service` (a key of [`SERVICES`]): the one given in `given`, else the
/// service's `AWS_ENDPOINT_URL_<SERVICE>` environment variable.
pub fn service_endpoint(service: &str, given: &BTreeMap<String, String>) -> Option<String> {
    if let Some(url) = given.get(service).filter(|u| !u.is_empty()) {
        return Some(url.clone());
    }
    let (_, suffix) = SERVICES.iter().find(|(key, _)| *key == service)?;
    std::env::var(format!("AWS_ENDPOINT_URL_{suffix}"))
        .ok()
        .filter(|u| !u.is_empty())
}

/// How many times the engine's clients try one call (the first attempt included) before giving
/// up on a throttling error, a 5xx or a dropped connection: the SDK's standard retry mode
/// (exponential backoff with full jitter, 1 s base, 20 s cap), with more attempts than its
/// default of 3.
///
/// Why 8: an apply and a destroy of the quickstart with Studio make about 330 calls (180 + 150
/// measured, waits' polls included). If 15% of the attempts fail (the fault test,
/// tests/acceptance/engine_faults.rs: 10% throttling + 5% 5xx), a call fails all of 3 attempts
/// with probability 0.15^3 = 3.4e-3: about one call per apply and destroy, and each stops its
/// run (measured with 3: the first apply of seed 1 stopped twice and converged at the third
/// run). With 8 it is 0.15^8 = 2.6e-7 per call, 1e-4 per apply and destroy (measured: 5 seeds,
/// 0 stopped). The extra attempts cost
/// time only when a call keeps failing, and then AWS is asking for it. terraform-provider-aws
/// retries up to 25 times for the same reason. Adaptive mode was not chosen: it adds a
/// client-side rate limiter that slows every later call of the client after a throttle, which
/// for a run of many small independent calls costs more than a retry does.
pub const MAX_ATTEMPTS: u32 = 8;

/// Why clients could not be built.
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// No region in the settings nor in the environment.
    #[error(
        "no AWS region: set `region` in the provider block, or AWS_REGION / AWS_DEFAULT_REGION"
    )]
    NoRegion,
    /// The caller's identity could not be read (bad or missing credentials, wrong endpoint).
    #[error("could not read the caller identity: {0}")]
    Identity(#[source] AwsCallError),
}

/// The clients and the facts every operation needs (account, region, partition, tags).
#[derive(Debug, Clone)]
pub struct AwsClients {
    /// EC2 (VPCs, subnets, route tables, security groups, endpoints).
    pub ec2: aws_sdk_ec2::Client,
    /// SageMaker.
    pub sagemaker: aws_sdk_sagemaker::Client,
    /// Service Catalog.
    pub servicecatalog: aws_sdk_servicecatalog::Client,
    /// IAM.
    pub iam: aws_sdk_iam::Client,
    /// STS.
    pub sts: aws_sdk_sts::Client,
    /// KMS (the environment's keys).
    pub kms: aws_sdk_kms::Client,
    /// S3 (the environment's buckets).
    pub s3: aws_sdk_s3::Client,
    /// CloudWatch Logs (the flow-log group).
    pub logs: aws_sdk_cloudwatchlogs::Client,
    /// EFS (Studio's home file system, which SageMaker creates and teardown must clean up).
    pub efs: aws_sdk_efs::Client,
    /// CodeArtifact (the package repository).
    pub codeartifact: aws_sdk_codeartifact::Client,
    /// CloudFormation (the endpoint stacks a model-deploy project's pipeline made).
    pub cloudformation: aws_sdk_cloudformation::Client,
    /// AWS Config (the managed rules).
    pub config: aws_sdk_config::Client,
    /// CloudTrail (the security response's trail check).
    pub cloudtrail: aws_sdk_cloudtrail::Client,
    /// EventBridge (the security response's rule).
    pub events: aws_sdk_eventbridge::Client,
    /// Lambda (the security response's function).
    pub lambda: aws_sdk_lambda::Client,
    /// SNS (the security response's notifications).
    pub sns: aws_sdk_sns::Client,
    /// SQS (the security response's dead-letter queue).
    pub sqs: aws_sdk_sqs::Client,
    /// The ARN of the principal the engine runs as: the role ARN (not the session ARN) when the
    /// credentials are an assumed-role session, so key and bucket policies can name it.
    pub caller_arn: String,
    /// The region calls go to.
    pub region: String,
    /// The account the credentials belong to.
    pub account_id: String,
    /// The partition (`aws`, `aws-cn`, ...), from the caller's ARN.
    pub partition: String,
    /// Tags added to every resource the engine creates.
    pub default_tags: BTreeMap<String, String>,
}

impl AwsClients {
    /// Loads the AWS configuration, builds the clients and reads the caller identity once, so
    /// that bad credentials fail at configure time with a clear message.
    pub async fn connect(settings: &ConnectionSettings) -> Result<Self, ConnectError> {
        let mut loader = aws_config::defaults(BehaviorVersion::latest());
        if let Some(region) = &settings.region {
            loader = loader.region(Region::new(region.clone()));
        }
        if let Some(profile) = &settings.profile {
            loader = loader.profile_name(profile);
        }
        if let Some(endpoint) = &settings.endpoint {
            loader = loader.endpoint_url(endpoint);
        }
        let mut config = loader.load().await;
        let region = config
            .region()
            .map(|r| r.to_string())
            .ok_or(ConnectError::NoRegion)?;

        if let Some(assume) = &settings.assume_role {
            let mut builder = AssumeRoleProvider::builder(assume.role_arn.clone())
                .session_name(
                    assume
                        .session_name
                        .clone()
                        .unwrap_or_else(|| "secure-mlops".to_string()),
                )
                .region(Region::new(region.clone()));
            if let Some(external_id) = &assume.external_id {
                builder = builder.external_id(external_id.clone());
            }
            let provider = builder.configure(&config).build().await;
            config = config
                .into_builder()
                .credentials_provider(SharedCredentialsProvider::new(provider))
                .build();
        }

        // Emulators and proxies answer on one host name: virtual-hosted bucket addressing
        // (`<bucket>.localhost`) would not resolve there.
        let endpoints: BTreeMap<String, String> = SERVICES
            .iter()
            .filter_map(|(key, _)| {
                service_endpoint(key, &settings.service_endpoints).map(|u| (key.to_string(), u))
            })
            .collect();
        let path_style = settings.endpoint.is_some()
            || endpoints.contains_key("s3")
            || std::env::var_os("AWS_ENDPOINT_URL").is_some();
        Self::from_parts(
            &config,
            &endpoints,
            settings.default_tags.clone(),
            path_style,
        )
        .await
    }

    /// The clients for an AWS configuration already loaded (its region and credentials), with
    /// `default_tags` on every resource and path-style S3 addressing when `path_style`. Reads
    /// the caller identity once.
    pub async fn from_config(
        config: &aws_config::SdkConfig,
        default_tags: BTreeMap<String, String>,
        path_style: bool,
    ) -> Result<Self, ConnectError> {
        Self::from_parts(config, &BTreeMap::new(), default_tags, path_style).await
    }

    /// The clients for `config`, each service at its endpoint in `endpoints` when there is one.
    async fn from_parts(
        config: &aws_config::SdkConfig,
        endpoints: &BTreeMap<String, String>,
        default_tags: BTreeMap<String, String>,
        path_style: bool,
    ) -> Result<Self, ConnectError> {
        // The shared configuration with the engine's retry policy; each service's own endpoint
        // goes on that service's configuration, where it wins over `AWS_ENDPOINT_URL` (the SDK
        // reads that variable per service, over an endpoint set on the shared configuration).
        let base = config
            .to_builder()
            .retry_config(RetryConfig::standard().with_max_attempts(MAX_ATTEMPTS))
            .build();
        macro_rules! client {
            ($sdk:ident, $key:literal) => {{
                let mut builder = $sdk::config::Builder::from(&base);
                if let Some(url) = endpoints.get($key) {
                    builder = builder.endpoint_url(url);
                }
                builder
            }};
        }
        let region = config
            .region()
            .map(|r| r.to_string())
            .ok_or(ConnectError::NoRegion)?;
        let sts = aws_sdk_sts::Client::from_conf(client!(aws_sdk_sts, "sts").build());
        let identity = sts.get_caller_identity().send().await.map_err(|e| {
            ConnectError::Identity(AwsCallError::from_sdk("sts", "GetCallerIdentity", e))
        })?;
        let account_id = identity.account().unwrap_or_default().to_string();
        let partition = identity
            .arn()
            .and_then(|arn| arn.split(':').nth(1))
            .unwrap_or("aws")
            .to_string();

        let caller_arn = principal_arn(identity.arn().unwrap_or_default());
        let s3_config = client!(aws_sdk_s3, "s3")
            .force_path_style(path_style)
            .build();

        Ok(Self {
            kms: aws_sdk_kms::Client::from_conf(client!(aws_sdk_kms, "kms").build()),
            s3: aws_sdk_s3::Client::from_conf(s3_config),
            logs: aws_sdk_cloudwatchlogs::Client::from_conf(
                client!(aws_sdk_cloudwatchlogs, "logs").build(),
            ),
            efs: aws_sdk_efs::Client::from_conf(client!(aws_sdk_efs, "efs").build()),
            codeartifact: aws_sdk_codeartifact::Client::from_conf(
                client!(aws_sdk_codeartifact, "codeartifact").build(),
            ),
            cloudformation: aws_sdk_cloudformation::Client::from_conf(
                client!(aws_sdk_cloudformation, "cloudformation").build(),
            ),
            config: aws_sdk_config::Client::from_conf(client!(aws_sdk_config, "config").build()),
            cloudtrail: aws_sdk_cloudtrail::Client::from_conf(
                client!(aws_sdk_cloudtrail, "cloudtrail").build(),
            ),
            events: aws_sdk_eventbridge::Client::from_conf(
                client!(aws_sdk_eventbridge, "events").build(),
            ),
            lambda: aws_sdk_lambda::Client::from_conf(client!(aws_sdk_lambda, "lambda").build()),
            sns: aws_sdk_sns::Client::from_conf(client!(aws_sdk_sns, "sns").build()),
            sqs: aws_sdk_sqs::Client::from_conf(client!(aws_sdk_sqs, "sqs").build()),
            caller_arn,
            ec2: aws_sdk_ec2::Client::from_conf(client!(aws_sdk_ec2, "ec2").build()),
            sagemaker: aws_sdk_sagemaker::Client::from_conf(
                client!(aws_sdk_sagemaker, "sagemaker").build(),
            ),
            servicecatalog: aws_sdk_servicecatalog::Client::from_conf(
                client!(aws_sdk_servicecatalog, "servicecatalog").build(),
            ),
            iam: aws_sdk_iam::Client::from_conf(client!(aws_sdk_iam, "iam").build()),
            sts,
            region,
            account_id,
            partition,
            default_tags,
        })
    }
}

/// The IAM principal behind a caller ARN: `arn:aws:sts::1:assumed-role/<role>/<session>` becomes
/// `arn:aws:iam::1:role/<role>` (policies cannot name sessions); other ARNs are returned as they are.
/// Role paths are not in a session ARN, so a role with a path is named without it.
pub(crate) fn principal_arn(caller: &str) -> String {
    let parts: Vec<&str> = caller.splitn(6, ':').collect();
    if let [arn, partition, "sts", _, account, resource] = parts.as_slice() {
        if let Some(rest) = resource.strip_prefix("assumed-role/") {
            let role = rest.split('/').next().unwrap_or(rest);
            return format!("{arn}:{partition}:iam::{account}:role/{role}");
        }
    }
    caller.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assumed_role_sessions_are_named_by_their_role() {
        assert_eq!(
            principal_arn("arn:aws:sts::123456789012:assumed-role/deployer/tf-run"),
            "arn:aws:iam::123456789012:role/deployer"
        );
        assert_eq!(
            principal_arn("arn:aws:iam::123456789012:user/moto"),
            "arn:aws:iam::123456789012:user/moto"
        );
    }

    #[test]
    fn debug_output_never_shows_the_external_id() {
        let settings = ConnectionSettings {
            assume_role: Some(AssumeRole {
                role_arn: "arn:aws:iam::123456789012:role/deployer".into(),
                session_name: None,
                external_id: Some("s3cr3t-shared-id".into()),
            }),
            ..Default::default()
        };
        let text = format!("{settings:?}");
        assert!(!text.contains("s3cr3t"), "{text}");
        assert!(
            text.contains("<redacted>") && text.contains("deployer"),
            "{text}"
        );
    }
}
