//! A Studio lifecycle configuration: a script JupyterLab or Code Editor runs when it starts
//! (set up `pip`, install the team's tools), attached to the domain's default settings.
//!
//! AWS cannot change a configuration, so the name carries a hash of the script
//! (`<env id>-<name>-<version>`, see [`LifecycleConfigSpec::aws_name`]): a new script is a new
//! child, created before the domain switches to it, and the old one is deleted after the domain
//! no longer names it (it has left the graph, and children that left are deleted last). A name is
//! unique in the account and region, so a configuration of that name is adopted only when its
//! tags say it is this child; the tags go into the create call itself.
//!
//! [`LifecycleConfigSpec::aws_name`]: crate::spec::LifecycleConfigSpec::aws_name

use std::collections::BTreeMap;

use aws_sdk_sagemaker::operation::describe_studio_lifecycle_config::DescribeStudioLifecycleConfigOutput;
use aws_sdk_sagemaker::types::StudioLifecycleConfigAppType;

use super::ec2_tags::Owner;
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use super::sagemaker::{delete_once_unused, new_tags, sagemaker_tags};
use super::tags::owned_by;
use crate::aws::{AwsCallError, AwsClients, NotFoundIsNone};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::RecordKind;
use crate::spec::{Choice, StudioAppType};
use crate::wait::Deadline;

/// Record kind of a lifecycle configuration.
pub const KIND: RecordKind = RecordKind::StudioLifecycleConfig;
/// Record attribute: the app it runs in (`JupyterLab`, `CodeEditor`).
pub const APP_TYPE_ATTRIBUTE: &str = "app_type";
/// Record attribute: `true` when apps run it unless the user picks another.
pub const DEFAULT_ATTRIBUTE: &str = "default";

/// Adopts the configuration named `config.aws_name` (only if tagged as this child, with the same
/// script) or creates it.
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    config: &kinds::StudioLifecycleConfig,
) -> Result<Record, ChildError> {
    let name = config.aws_name.as_str();
    let found = match describe(clients, name).await? {
        Some(found) => found,
        None => match create(clients, owner, tags, config).await {
            Ok(()) => describe(clients, name)
                .await?
                .ok_or(ChildError::IncompleteAnswer {
                    operation: "DescribeStudioLifecycleConfig",
                    missing: "the configuration just created",
                })?,
            // Made meanwhile (a concurrent run, or someone else): adopt it only if it is ours.
            Err(err) if err.code == "ResourceInUse" => describe(clients, name)
                .await?
                .ok_or_else(|| ChildError::from(err))?,
            Err(err) => return Err(err.into()),
        },
    };
    let arn = found
        .studio_lifecycle_config_arn()
        .ok_or(ChildError::IncompleteAnswer {
            operation: "DescribeStudioLifecycleConfig",
            missing: "StudioLifecycleConfigArn",
        })?
        .to_string();
    let refused = |reason: String| ChildError::Refused {
        child: owner.logical_id.to_string(),
        reason,
    };
    if !owned_by(owner, &sagemaker_tags(clients, &arn).await?) {
        return Err(refused(format!(
            "a Studio lifecycle configuration named {name} already exists and is not tagged as \
             this environment's {} (made outside the engine); delete it, or rename the \
             lifecycle_config block, then apply again",
            owner.logical_id
        )));
    }
    let differences = differences(&found, config);
    if !differences.is_empty() {
        return Err(refused(format!(
            "Studio lifecycle configuration {name} {}; AWS cannot change a configuration: \
             delete it, then apply again",
            differences.join("; ")
        )));
    }
    Ok(record(name, &arn, config))
}

/// What differs from `config`: the configuration deleted outside the engine, or not the script
/// or app type it should have.
pub async fn drift(
    clients: &AwsClients,
    record: &Record,
    config: &kinds::StudioLifecycleConfig,
) -> Result<Vec<String>, ChildError> {
    let label = format!("{KIND} ({})", record.physical_id);
    Ok(match describe(clients, &record.physical_id).await? {
        None => vec![format!(
            "{label}: deleted outside the engine; apply creates it again"
        )],
        Some(found) => differences(&found, config)
            .into_iter()
            .map(|d| format!("{label}: {d}"))
            .collect(),
    })
}

/// Deletes the configuration, waiting while something still names it (a domain that is
/// switching to its successor, a space a user made with it). Not-found counts as deleted.
pub async fn delete(
    clients: &AwsClients,
    record: &Record,
    deadline: Deadline,
) -> Result<(), ChildError> {
    let name = record.physical_id.as_str();
    delete_once_unused(
        &format!("lifecycle configuration {name}"),
        deadline,
        || async {
            clients
                .sagemaker
                .delete_studio_lifecycle_config()
                .studio_lifecycle_config_name(name)
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "DeleteStudioLifecycleConfig", e))
        },
    )
    .await?;
    Ok(())
}

async fn create(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    config: &kinds::StudioLifecycleConfig,
) -> Result<(), AwsCallError> {
    clients
        .sagemaker
        .create_studio_lifecycle_config()
        .studio_lifecycle_config_name(&config.aws_name)
        .studio_lifecycle_config_content(aws_smithy_types::base64::encode(&config.content))
        .studio_lifecycle_config_app_type(app_type(config.app_type))
        .set_tags(Some(new_tags(owner, tags)))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsCallError::from_sdk("sagemaker", "CreateStudioLifecycleConfig", e))
}

/// The configuration, or `None` when AWS does not know it.
async fn describe(
    clients: &AwsClients,
    name: &str,
) -> Result<Option<DescribeStudioLifecycleConfigOutput>, AwsCallError> {
    clients
        .sagemaker
        .describe_studio_lifecycle_config()
        .studio_lifecycle_config_name(name)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeStudioLifecycleConfig", e))
        .or_gone()
}

fn app_type(app: StudioAppType) -> StudioLifecycleConfigAppType {
    StudioLifecycleConfigAppType::from(app.as_str())
}

/// What differs between the configuration AWS has and `config`, in words.
fn differences(
    found: &DescribeStudioLifecycleConfigOutput,
    config: &kinds::StudioLifecycleConfig,
) -> Vec<String> {
    let mut out = Vec::new();
    let have = found
        .studio_lifecycle_config_app_type()
        .map_or("unset", |a| a.as_str());
    if have != config.app_type.as_str() {
        out.push(format!("runs in {have}, not {}", config.app_type.as_str()));
    }
    let script = found
        .studio_lifecycle_config_content()
        .and_then(|c| aws_smithy_types::base64::decode(c).ok());
    if script.as_deref() != Some(config.content.as_bytes()) {
        out.push("has another script".to_string());
    }
    out
}

fn record(name: &str, arn: &str, config: &kinds::StudioLifecycleConfig) -> Record {
    Record {
        kind: KIND,
        physical_id: name.to_string(),
        arn: Some(arn.to_string()),
        attributes: BTreeMap::from([
            (
                APP_TYPE_ATTRIBUTE.to_string(),
                config.app_type.as_str().to_string(),
            ),
            (DEFAULT_ATTRIBUTE.to_string(), config.default.to_string()),
        ]),
        depends_on: Vec::new(),
    }
}

// --- the contract ----------------------------------------------------------------------------

impl ChildKind for kinds::StudioLifecycleConfig {
    type Desired = ();

    fn desired(&self, _cx: &Cx<'_>, _inputs: &Inputs<'_>) -> Result<(), ChildError> {
        Ok(())
    }

    async fn ensure(&self, cx: &Cx<'_>, _desired: &()) -> Result<Record, ChildError> {
        ensure(cx.clients, cx.owner(), cx.tags(), self).await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        _desired: &(),
    ) -> Result<Vec<String>, ChildError> {
        drift(cx.clients, record, self).await
    }

    /// The name holds the script's hash: another script is another child, never this one.
    fn is_stale(&self, _cx: &Cx<'_>, record: &Record) -> bool {
        record.physical_id != self.aws_name
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> kinds::StudioLifecycleConfig {
        kinds::StudioLifecycleConfig {
            aws_name: "team-a-dev-pip-1a2b3c4d".into(),
            app_type: StudioAppType::JupyterLab,
            content: "#!/bin/bash\npip config set global.index-url https://example\n".into(),
            default: true,
        }
    }

    #[test]
    fn the_script_is_compared_decoded() {
        let c = config();
        let same = DescribeStudioLifecycleConfigOutput::builder()
            .studio_lifecycle_config_app_type(StudioLifecycleConfigAppType::JupyterLab)
            .studio_lifecycle_config_content(aws_smithy_types::base64::encode(&c.content))
            .build();
        assert!(differences(&same, &c).is_empty());
        let other = DescribeStudioLifecycleConfigOutput::builder()
            .studio_lifecycle_config_app_type(StudioLifecycleConfigAppType::CodeEditor)
            .studio_lifecycle_config_content(aws_smithy_types::base64::encode("echo hi"))
            .build();
        assert_eq!(
            differences(&other, &c),
            ["runs in CodeEditor, not JupyterLab", "has another script"]
        );
    }
}
