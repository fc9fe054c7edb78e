//! Account-wide IAM service roles (the SageMaker Projects launch and use roles).

use aws_sdk_iam::types::Tag;

use crate::aws::{AwsCallError, AwsClients};
use crate::policy::projects_roles::{ServiceRoleDefinition, SERVICE_ROLE_PATH};

use crate::ids::COMPONENT_TAG;

/// Value of [`COMPONENT_TAG`] on service roles this engine created.
pub const SERVICE_ROLE_COMPONENT: &str = "sagemaker-projects-service-role";

/// What [`ensure`] found or did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnsuredRole {
    /// The role's ARN.
    pub arn: String,
    /// True when this call created it.
    pub created: bool,
}

/// The role's ARN if it exists.
pub async fn find(
    clients: &AwsClients,
    def: &ServiceRoleDefinition,
) -> Result<Option<String>, AwsCallError> {
    match clients.iam.get_role().role_name(def.name).send().await {
        Ok(out) => Ok(out.role().map(|r| r.arn().to_string())),
        Err(e) => {
            let err = AwsCallError::from_sdk("iam", "GetRole", e);
            if err.is_not_found() {
                Ok(None)
            } else {
                Err(err)
            }
        }
    }
}

/// Makes sure the role exists. A role someone else made is used as it is; a role this engine
/// made (tagged so) gets its managed policies attached again, which repairs a run that was
/// killed between creating the role and attaching them.
pub async fn ensure(
    clients: &AwsClients,
    def: &ServiceRoleDefinition,
) -> Result<EnsuredRole, AwsCallError> {
    let (arn, created) = match find(clients, def).await? {
        Some(arn) => (arn, false),
        None => (create(clients, def).await?, true),
    };
    if created || is_ours(clients, def).await? {
        for policy_arn in def.managed_policy_arns(&clients.partition) {
            clients
                .iam
                .attach_role_policy()
                .role_name(def.name)
                .policy_arn(&policy_arn)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("iam", "AttachRolePolicy", e))?;
        }
    }
    Ok(EnsuredRole { arn, created })
}

async fn create(clients: &AwsClients, def: &ServiceRoleDefinition) -> Result<String, AwsCallError> {
    let mut tags = vec![tag(COMPONENT_TAG, SERVICE_ROLE_COMPONENT)];
    for (k, v) in &clients.default_tags {
        if k != COMPONENT_TAG {
            tags.push(tag(k, v));
        }
    }
    let result = clients
        .iam
        .create_role()
        .role_name(def.name)
        .path(SERVICE_ROLE_PATH)
        .description(def.description)
        .assume_role_policy_document(def.trust_policy().to_string())
        .set_tags(Some(tags))
        .send()
        .await;
    match result {
        Ok(out) => Ok(out
            .role()
            .map(|r| r.arn().to_string())
            .unwrap_or_else(|| def.arn(&clients.partition, &clients.account_id))),
        Err(e) => {
            let err = AwsCallError::from_sdk("iam", "CreateRole", e);
            // Someone created it between our look-up and our create: use theirs.
            if err.kind == crate::aws::ErrorKind::AlreadyExists {
                Ok(def.arn(&clients.partition, &clients.account_id))
            } else {
                Err(err)
            }
        }
    }
}

async fn is_ours(clients: &AwsClients, def: &ServiceRoleDefinition) -> Result<bool, AwsCallError> {
    let out = clients
        .iam
        .list_role_tags()
        .role_name(def.name)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("iam", "ListRoleTags", e))?;
    Ok(out
        .tags()
        .iter()
        .any(|t| t.key() == COMPONENT_TAG && t.value() == SERVICE_ROLE_COMPONENT))
}

fn tag(key: &str, value: &str) -> Tag {
    Tag::builder()
        .key(key)
        .value(value)
        .build()
        // Both required fields are set just above, so the builder cannot fail.
        .unwrap_or_else(|_| unreachable!("tag key and value are set"))
}
