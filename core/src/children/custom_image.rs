//! A Studio custom image: a SageMaker image (run as the execution role), a version of it for the
//! ECR image the user named, and the app image config that says how JupyterLab or Code Editor
//! runs it. The domain offers it to users through its default settings.
//!
//! All three are named `<env id>-<name>`, unique in the account and region, so they are found
//! again by name; the image is adopted only when its tags say it is this child. A new ECR image
//! is a new version of the same image (AWS keeps versions; the domain names the newest), made
//! with a client token derived from the image URI, so a run killed during the create makes one
//! version, not two.

use std::collections::BTreeMap;

use aws_sdk_sagemaker::operation::describe_app_image_config::DescribeAppImageConfigOutput;
use aws_sdk_sagemaker::operation::describe_image::DescribeImageOutput;
use aws_sdk_sagemaker::operation::describe_image_version::DescribeImageVersionOutput;
use aws_sdk_sagemaker::types::{
    CodeEditorAppImageConfig, FileSystemConfig, ImageStatus, ImageVersionStatus,
    JupyterLabAppImageConfig,
};

use super::ec2_tags::Owner;
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use super::sagemaker::{delete_once_unused, new_tags, sagemaker_tags};
use super::studio_settings::to_i32;
use super::tags::owned_by;
use crate::aws::{AwsCallError, AwsClients, NotFoundIsNone};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::{LogicalId, Persona, RecordKind};
use crate::spec::{Choice, StudioAppType};
use crate::wait::{poll_until, Deadline, Poll};

/// Record kind of a custom image.
pub const KIND: RecordKind = RecordKind::StudioCustomImage;
/// Record attribute: the app it runs as (`JupyterLab`, `CodeEditor`).
pub const APP_TYPE_ATTRIBUTE: &str = "app_type";
/// Record attribute: the image version the domain offers.
pub const VERSION_ATTRIBUTE: &str = "image_version";
/// Record attribute: the ECR image that version was made from.
pub const BASE_IMAGE_ATTRIBUTE: &str = "ecr_image_uri";

/// What the image should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageSettings {
    /// The role SageMaker pulls the image with: the execution role.
    pub role_arn: String,
}

/// Makes the image, its version for `image.ecr_image_uri` and its app image config exist, and
/// waits until the version is usable.
pub async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    image: &kinds::StudioCustomImage,
    settings: &ImageSettings,
    deadline: Deadline,
) -> Result<Record, ChildError> {
    let name = image.aws_name.as_str();
    let refused = |reason: String| ChildError::Refused {
        child: owner.logical_id.to_string(),
        reason,
    };
    if describe_image(clients, name).await?.is_none() {
        let made = clients
            .sagemaker
            .create_image()
            .image_name(name)
            .role_arn(&settings.role_arn)
            .set_tags(Some(new_tags(owner, tags)))
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "CreateImage", e));
        match made {
            Ok(_) => {}
            // Made meanwhile: whose it is is checked below.
            Err(err) if err.code == "ResourceInUse" => {}
            Err(err) => return Err(err.into()),
        }
    }
    let found = wait_image(clients, name, deadline).await?;
    let arn = found
        .image_arn()
        .ok_or(ChildError::IncompleteAnswer {
            operation: "DescribeImage",
            missing: "ImageArn",
        })?
        .to_string();
    if !owned_by(owner, &sagemaker_tags(clients, &arn).await?) {
        return Err(refused(format!(
            "a SageMaker image named {name} already exists and is not tagged as this \
             environment's {} (made outside the engine); delete it, or rename the custom_image \
             block, then apply again",
            owner.logical_id
        )));
    }
    if found.image_status() == Some(&ImageStatus::CreateFailed) {
        return Err(ChildError::Unusable {
            id: format!("image {name}"),
            state: "CREATE_FAILED".into(),
            reason: found
                .failure_reason()
                .unwrap_or("AWS gave no reason")
                .into(),
        });
    }

    let latest = describe_version(clients, name).await?;
    let current = latest.filter(|v| {
        v.base_image() == Some(image.ecr_image_uri.as_str())
            && v.image_version_status() != Some(&ImageVersionStatus::CreateFailed)
    });
    if current.is_none() {
        clients
            .sagemaker
            .create_image_version()
            .image_name(name)
            .base_image(&image.ecr_image_uri)
            .client_token(client_token(name, &image.ecr_image_uri))
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "CreateImageVersion", e))?;
    }
    let version = wait_version(clients, name, deadline).await?;
    if version.image_version_status() != Some(&ImageVersionStatus::Created) {
        return Err(ChildError::Unusable {
            id: format!("image {name} version for {}", image.ecr_image_uri),
            state: version
                .image_version_status()
                .map_or("unknown", |s| s.as_str())
                .to_string(),
            reason: version
                .failure_reason()
                .unwrap_or("AWS gave no reason (is the image in this account's ECR?)")
                .to_string(),
        });
    }
    let number = version.version().ok_or(ChildError::IncompleteAnswer {
        operation: "DescribeImageVersion",
        missing: "Version",
    })?;

    ensure_app_image_config(clients, owner, tags, image).await?;
    Ok(Record {
        kind: KIND,
        physical_id: name.to_string(),
        arn: Some(arn),
        attributes: BTreeMap::from([
            (
                APP_TYPE_ATTRIBUTE.to_string(),
                image.app_type.as_str().to_string(),
            ),
            (VERSION_ATTRIBUTE.to_string(), number.to_string()),
            (
                BASE_IMAGE_ATTRIBUTE.to_string(),
                image.ecr_image_uri.clone(),
            ),
        ]),
        depends_on: Vec::new(),
    })
}

/// What differs: the image, its version or its app image config deleted outside the engine,
/// another ECR image behind the newest version, another user or mount path in the config.
pub async fn drift(
    clients: &AwsClients,
    record: &Record,
    image: &kinds::StudioCustomImage,
) -> Result<Vec<String>, ChildError> {
    let name = record.physical_id.as_str();
    let label = format!("{KIND} ({name})");
    if describe_image(clients, name).await?.is_none() {
        return Ok(vec![format!(
            "{label}: deleted outside the engine; apply creates it again"
        )]);
    }
    let mut out = Vec::new();
    match describe_version(clients, name).await? {
        None => out.push(format!(
            "{label}: has no version; apply makes one from {}",
            image.ecr_image_uri
        )),
        Some(v) if v.base_image() != Some(image.ecr_image_uri.as_str()) => out.push(format!(
            "{label}: the newest version is of {}; apply makes one from {}",
            v.base_image().unwrap_or("nothing"),
            image.ecr_image_uri
        )),
        Some(_) => {}
    }
    match describe_app_image_config(clients, name).await? {
        None => out.push(format!(
            "{label}: its app image config was deleted outside the engine; apply creates it again"
        )),
        Some(config) => out.extend(
            config_differences(&config, image)
                .into_iter()
                .map(|d| format!("{label}: {d}")),
        ),
    }
    Ok(out)
}

/// Deletes the app image config, then the image with its versions, waiting while something
/// still names them. Not-found counts as deleted at every step.
pub async fn delete(
    clients: &AwsClients,
    record: &Record,
    deadline: Deadline,
) -> Result<(), ChildError> {
    let name = record.physical_id.as_str();
    delete_once_unused(&format!("app image config {name}"), deadline, || async {
        clients
            .sagemaker
            .delete_app_image_config()
            .app_image_config_name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DeleteAppImageConfig", e))
    })
    .await?;
    delete_once_unused(&format!("image {name}"), deadline, || async {
        clients
            .sagemaker
            .delete_image()
            .image_name(name)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DeleteImage", e))
    })
    .await?;
    poll_until(&format!("image {name} to be deleted"), deadline, || async {
        Ok::<_, AwsCallError>(match describe_image(clients, name).await? {
            None => Poll::Ready(()),
            Some(image) => Poll::Pending(format!(
                "status {}",
                image.image_status().map_or("unknown", |s| s.as_str())
            )),
        })
    })
    .await?;
    Ok(())
}

async fn ensure_app_image_config(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    image: &kinds::StudioCustomImage,
) -> Result<(), ChildError> {
    let name = image.aws_name.as_str();
    let file_system = FileSystemConfig::builder()
        .mount_path(&image.mount_path)
        .default_uid(to_i32(image.uid))
        .default_gid(to_i32(image.gid))
        .build();
    let lab = JupyterLabAppImageConfig::builder()
        .file_system_config(file_system.clone())
        .build();
    let editor = CodeEditorAppImageConfig::builder()
        .file_system_config(file_system)
        .build();
    let (lab, editor) = match image.app_type {
        StudioAppType::JupyterLab => (Some(lab), None),
        StudioAppType::CodeEditor => (None, Some(editor)),
    };
    match describe_app_image_config(clients, name).await? {
        None => {
            let made = clients
                .sagemaker
                .create_app_image_config()
                .app_image_config_name(name)
                .set_jupyter_lab_app_image_config(lab)
                .set_code_editor_app_image_config(editor)
                .set_tags(Some(new_tags(owner, tags)))
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "CreateAppImageConfig", e));
            match made {
                Ok(_) => Ok(()),
                // Made meanwhile by a concurrent run of ours: the image above was ours.
                Err(err) if err.code == "ResourceInUse" => Ok(()),
                Err(err) => Err(err.into()),
            }
        }
        Some(config) if !config_differences(&config, image).is_empty() => {
            clients
                .sagemaker
                .update_app_image_config()
                .app_image_config_name(name)
                .set_jupyter_lab_app_image_config(lab)
                .set_code_editor_app_image_config(editor)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("sagemaker", "UpdateAppImageConfig", e))?;
            Ok(())
        }
        Some(_) => Ok(()),
    }
}

/// The idempotency token of the version made from `uri`: the same for every retry of it.
fn client_token(name: &str, uri: &str) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for byte in name.bytes().chain([0u8]).chain(uri.bytes()) {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("secure-mlops-{hash:016x}")
}

/// How the app image config differs from `image`, in words.
fn config_differences(
    config: &DescribeAppImageConfigOutput,
    image: &kinds::StudioCustomImage,
) -> Vec<String> {
    let file_system = match image.app_type {
        StudioAppType::JupyterLab => config
            .jupyter_lab_app_image_config()
            .and_then(JupyterLabAppImageConfig::file_system_config),
        StudioAppType::CodeEditor => config
            .code_editor_app_image_config()
            .and_then(CodeEditorAppImageConfig::file_system_config),
    };
    let have = file_system.map(|f| {
        (
            f.mount_path().unwrap_or_default().to_string(),
            f.default_uid(),
            f.default_gid(),
        )
    });
    let want = (
        image.mount_path.clone(),
        Some(to_i32(image.uid)),
        Some(to_i32(image.gid)),
    );
    if have.as_ref() == Some(&want) {
        return Vec::new();
    }
    let shown = have.map_or(
        format!("has no {} settings", image.app_type.as_str()),
        |(path, uid, gid)| {
            format!(
                "runs as {}:{} with the home directory at {path}",
                uid.unwrap_or_default(),
                gid.unwrap_or_default()
            )
        },
    );
    vec![format!(
        "its app image config {shown}; apply sets {}:{} at {}",
        image.uid, image.gid, image.mount_path
    )]
}

async fn describe_image(
    clients: &AwsClients,
    name: &str,
) -> Result<Option<DescribeImageOutput>, AwsCallError> {
    let answer = clients
        .sagemaker
        .describe_image()
        .image_name(name)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeImage", e));
    answer.or_gone()
}

/// The newest version of the image, if it has one.
async fn describe_version(
    clients: &AwsClients,
    name: &str,
) -> Result<Option<DescribeImageVersionOutput>, AwsCallError> {
    let answer = clients
        .sagemaker
        .describe_image_version()
        .image_name(name)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeImageVersion", e));
    answer.or_gone()
}

async fn describe_app_image_config(
    clients: &AwsClients,
    name: &str,
) -> Result<Option<DescribeAppImageConfigOutput>, AwsCallError> {
    let answer = clients
        .sagemaker
        .describe_app_image_config()
        .app_image_config_name(name)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("sagemaker", "DescribeAppImageConfig", e));
    answer.or_gone()
}

/// Waits while the image is being created or updated.
async fn wait_image(
    clients: &AwsClients,
    name: &str,
    deadline: Deadline,
) -> Result<DescribeImageOutput, ChildError> {
    poll_until(&format!("image {name} to be created"), deadline, || async {
        Ok::<_, AwsCallError>(match describe_image(clients, name).await? {
            None => Poll::Pending("not visible yet".to_string()),
            Some(image) => match image.image_status() {
                Some(ImageStatus::Creating) | Some(ImageStatus::Updating) | None => {
                    Poll::Pending(format!(
                        "status {}",
                        image.image_status().map_or("unknown", |s| s.as_str())
                    ))
                }
                Some(_) => Poll::Ready(image),
            },
        })
    })
    .await
    .map_err(ChildError::from)
}

/// Waits while the newest version is being created, and returns it.
async fn wait_version(
    clients: &AwsClients,
    name: &str,
    deadline: Deadline,
) -> Result<DescribeImageVersionOutput, ChildError> {
    poll_until(
        &format!("image {name}'s version to be created"),
        deadline,
        || async {
            Ok::<_, AwsCallError>(match describe_version(clients, name).await? {
                None => Poll::Pending("not visible yet".to_string()),
                Some(v) => match v.image_version_status() {
                    Some(ImageVersionStatus::Creating) | None => Poll::Pending("CREATING".into()),
                    Some(_) => Poll::Ready(v),
                },
            })
        },
    )
    .await
    .map_err(ChildError::from)
}

// --- the contract ----------------------------------------------------------------------------

impl ChildKind for kinds::StudioCustomImage {
    type Desired = ImageSettings;

    /// Pulled with the execution role.
    fn desired(&self, _cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<ImageSettings, ChildError> {
        Ok(ImageSettings {
            role_arn: inputs.arn(&LogicalId::Role(Persona::Execution))?,
        })
    }

    async fn ensure(&self, cx: &Cx<'_>, settings: &ImageSettings) -> Result<Record, ChildError> {
        ensure(
            cx.clients,
            cx.owner(),
            cx.tags(),
            self,
            settings,
            cx.deadline,
        )
        .await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        _settings: &ImageSettings,
    ) -> Result<Vec<String>, ChildError> {
        drift(cx.clients, record, self).await
    }

    /// Never: another ECR image is a new version, another app type an updated app image
    /// config, both of the same image.
    fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_version_is_made_once_per_image_uri() {
        let uri = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/lab:1";
        assert_eq!(client_token("a", uri), client_token("a", uri));
        assert_ne!(
            client_token("a", uri),
            client_token("a", &uri.replace(":1", ":2"))
        );
        assert!(client_token("a", uri).len() <= 36, "SageMaker's limit");
    }
}
