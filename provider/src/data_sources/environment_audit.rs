//! `data "sagemaker_environment_audit"`: the live posture of one environment and of the
//! SageMaker workloads its roles run, as findings (see `secure_mlops_core::audit`).

use std::collections::HashMap;

use async_trait::async_trait;
use secure_mlops_core::audit::{self, AuditError};
use secure_mlops_core::spec::Stage;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, DataSource, Diagnostics};

use crate::provider::SharedClients;
use crate::schema::{block, computed, required};

/// One finding, as the `findings` list holds it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct FindingState {
    control: Value<String>,
    severity: Value<String>,
    resource_arn: Value<String>,
    message: Value<String>,
    remediation: Value<String>,
}

/// The data source's attributes.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct State {
    id: Value<String>,
    environment_id: Value<String>,
    findings: Value<Vec<Value<FindingState>>>,
    compliant: Value<bool>,
    workloads_checked: Value<i64>,
}

/// The data source, holding the provider's shared clients.
pub(crate) struct EnvironmentAuditDataSource {
    clients: SharedClients,
}

impl EnvironmentAuditDataSource {
    pub(crate) fn new(clients: SharedClients) -> Self {
        Self { clients }
    }
}

const DESCRIPTION: &str = "Audits one `sagemaker_secure_ds_environment` and the SageMaker workloads its roles run, \
reading only (the detective control).\n\n\
The environment is found by its tag (`secure-mlops:environment = <environment_id>`): its SageMaker security group, \
private subnets, `data`/`ebs`/`studio` keys (by alias), Studio domain, roles and guardrail policy. Findings about \
the environment itself: the VPC's default security group holds rules (Security Hub `EC2.2`), the VPC has no flow log \
(`EC2.6`), a key does not rotate (`KMS.4`). Findings about workloads (training, processing, transform, tuning and \
AutoML jobs, notebook instances, models, endpoint configurations run as one of the environment's roles or using one \
of its models): outside the environment's subnets or security group, or outside any VPC (notebooks `SageMaker.2`, \
models `Config:sagemaker-model-in-vpc`, others `secure-mlops:compute-in-environment-vpc`); volumes or output without \
the environment's `ebs`/`data` key (notebooks `Config:sagemaker-notebook-instance-kms-key-configured`, endpoint \
configurations `Config:sagemaker-endpoint-configuration-kms-key-configured`, others `secure-mlops:volume-key` / \
`secure-mlops:output-key`); without network isolation (models `SageMaker.5`) or inter-container encryption when the \
environment's guardrails require them; notebooks with root access (`SageMaker.3`) or direct internet access \
(`SageMaker.1`). Findings about Studio (its domain, user profiles, spaces and running apps; AWS has no control \
for these, so the ids are the project's): apps reaching the internet outside the VPC \
(`secure-mlops:studio-vpc-only`), security groups other than the environment's (`secure-mlops:studio-security-groups`), \
an execution role not the environment's (`secure-mlops:studio-execution-role`), an app or space default on an \
instance type outside `guardrails.allowed_instance_types` (`secure-mlops:studio-instance-type`). \
`workloads_checked` counts the Studio resources too. Lists are paginated and Describe calls run 16 at a time.";

#[async_trait]
impl DataSource for EnvironmentAuditDataSource {
    type State<'a> = Value<State>;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        let finding = AttributeType::Object(HashMap::from(
            [
                "control",
                "severity",
                "resource_arn",
                "message",
                "remediation",
            ]
            .map(|k| (k.to_string(), AttributeType::String)),
        ));
        Some(Schema {
            version: 1,
            block: block(
                DESCRIPTION,
                vec![
                    ("id", computed(AttributeType::String, "The environment id.")),
                    ("environment_id", required(AttributeType::String, "The environment to audit, `<name>-<stage>` (the resource's `id`).")),
                    ("findings", computed(AttributeType::List(Box::new(finding)), "What is out of line, the environment's own settings first: `control` (Security Hub's id such as `SageMaker.1`, `Config:<managed rule>`, or `secure-mlops:<name>`), `severity` (`LOW`, `MEDIUM`, `HIGH`, `CRITICAL`), `resource_arn`, `message`, `remediation`.")),
                    ("compliant", computed(AttributeType::Bool, "True when there is no finding.")),
                    ("workloads_checked", computed(AttributeType::Number, "How many workloads of the environment were checked.")),
                ],
                vec![],
            ),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Value::Value(state) = &config {
            if let Value::Value(id) = &state.environment_id {
                check_id(diags, id);
            }
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        config: Self::State<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<Self::State<'a>> {
        let Value::Value(mut state) = config else {
            return Some(config);
        };
        let Value::Value(env_id) = state.environment_id.clone() else {
            return Some(Value::Value(state));
        };
        if !check_id(diags, &env_id) {
            return None;
        }
        let clients = self.clients.get(diags)?;
        match audit::audit(&clients, &env_id).await {
            Ok(result) => {
                tracing::info!(
                    environment = %env_id,
                    findings = result.findings.len(),
                    workloads = result.workloads_checked,
                    "audited"
                );
                state.id = Value::Value(env_id);
                state.compliant = Value::Value(result.compliant());
                state.workloads_checked =
                    Value::Value(i64::try_from(result.workloads_checked).unwrap_or(i64::MAX));
                state.findings = Value::Value(
                    result
                        .findings
                        .into_iter()
                        .map(|f| {
                            Value::Value(FindingState {
                                control: Value::Value(f.control),
                                severity: Value::Value(f.severity.as_str().to_string()),
                                resource_arn: Value::Value(f.resource_arn),
                                message: Value::Value(f.message),
                                remediation: Value::Value(f.remediation),
                            })
                        })
                        .collect(),
                );
                Some(Value::Value(state))
            }
            Err(err @ AuditError::NotFound(_)) => {
                diags.error(
                    "Environment Not Found",
                    err.to_string(),
                    AttributePath::new("environment_id"),
                );
                None
            }
            Err(err) => {
                diags.root_error("Cannot Audit Environment", err.to_string());
                None
            }
        }
    }
}

/// True when `id` is `<name>-<stage>`; else an error on `environment_id`.
fn check_id(diags: &mut Diagnostics, id: &str) -> bool {
    let ok = id
        .rsplit_once('-')
        .is_some_and(|(name, stage)| !name.is_empty() && Stage::parse(stage).is_some());
    if !ok {
        diags.error(
            "Invalid Environment Id",
            format!("environment_id: {id:?} is not an environment id such as \"team-a-dev\" (<name>-<stage>)"),
            AttributePath::new("environment_id"),
        );
    }
    ok
}
