//! Studio apps and spaces. The engine does not create them, users do; but they block
//! `DeleteUserProfile` and `DeleteDomain`, so [`delete_apps_and_spaces`] clears them first.

use std::collections::BTreeSet;

use aws_sdk_sagemaker::types::{AppDetails, AppStatus, SpaceDetails, SpaceStatus};

use super::error::ChildError;
use super::sagemaker::none_when_gone;
use crate::aws::{AwsCallError, AwsClients};
use crate::wait::{poll_until, Deadline, Poll};

/// Which apps and spaces [`delete_apps_and_spaces`] clears.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Scope<'a> {
    /// Every app and space of the domain.
    Domain,
    /// The apps of one user profile and the spaces it owns (with their apps).
    UserProfile(&'a str),
}

/// Deletes the apps and spaces in `scope` and waits until they are gone. An app that failed is
/// asked to go too but not waited for: it holds nothing, and AWS does not count it as running.
pub(crate) async fn delete_apps_and_spaces(
    clients: &AwsClients,
    domain_id: &str,
    scope: Scope<'_>,
    deadline: Deadline,
) -> Result<(), ChildError> {
    let in_scope = |space: &SpaceDetails| match scope {
        Scope::Domain => true,
        Scope::UserProfile(name) => {
            space
                .ownership_settings_summary()
                .and_then(|o| o.owner_user_profile_name())
                == Some(name)
        }
    };
    let spaces: BTreeSet<String> = list_spaces(clients, domain_id)
        .await?
        .iter()
        .filter(|s| in_scope(s))
        .filter_map(|s| s.space_name().map(str::to_string))
        .collect();
    delete_apps(clients, domain_id, scope, &spaces, deadline).await?;
    if spaces.is_empty() {
        return Ok(());
    }
    delete_spaces(clients, domain_id, &spaces, deadline).await
}

/// Deletes the apps in `scope` (a profile's own, and those in its `spaces`) and waits until
/// they are gone.
async fn delete_apps(
    clients: &AwsClients,
    domain_id: &str,
    scope: Scope<'_>,
    spaces: &BTreeSet<String>,
    deadline: Deadline,
) -> Result<(), ChildError> {
    let app_in_scope = |app: &AppDetails| match scope {
        Scope::Domain => true,
        Scope::UserProfile(name) => {
            app.user_profile_name() == Some(name)
                || app.space_name().is_some_and(|s| spaces.contains(s))
        }
    };
    let what = match scope {
        Scope::Domain => format!("the apps of domain {domain_id} to be deleted"),
        Scope::UserProfile(name) => format!("the apps of user profile {name} to be deleted"),
    };
    poll_until(&what, deadline, || async {
        let mut running = Vec::new();
        for app in list_apps(clients, domain_id).await? {
            if !app_in_scope(&app) {
                continue;
            }
            let label = format!(
                "{} {} ({})",
                app.app_type().map_or("app", |t| t.as_str()),
                app.app_name().unwrap_or("?"),
                app.status().map_or("?", |s| s.as_str())
            );
            match app.status() {
                Some(AppStatus::InService) => {
                    delete_app(clients, domain_id, &app).await?;
                    running.push(label);
                }
                Some(AppStatus::Failed) => {
                    // Best effort: a failed app blocks nothing, and AWS may refuse to delete it.
                    if let Err(e) = delete_app(clients, domain_id, &app).await {
                        tracing::debug!(error = %e, app = %label, "could not delete a failed app");
                    }
                }
                Some(AppStatus::Deleted) => {}
                _ => running.push(label),
            }
        }
        Ok::<_, AwsCallError>(if running.is_empty() {
            Poll::Ready(())
        } else {
            Poll::Pending(running.join(", "))
        })
    })
    .await?;
    Ok(())
}

/// Deletes `spaces` and waits until they are gone; one SageMaker could not delete stops the wait
/// with what to do.
async fn delete_spaces(
    clients: &AwsClients,
    domain_id: &str,
    spaces: &BTreeSet<String>,
    deadline: Deadline,
) -> Result<(), ChildError> {
    let outcome = poll_until(
        &format!("spaces of domain {domain_id} to be deleted"),
        deadline,
        || async {
            let mut left = Vec::new();
            for space in list_spaces(clients, domain_id).await? {
                let Some(name) = space.space_name() else {
                    continue;
                };
                if !spaces.contains(name) {
                    continue;
                }
                match space.status() {
                    Some(SpaceStatus::DeleteFailed) => {
                        return Ok(Poll::Ready(Err(ChildError::Unusable {
                            id: format!("space {name} of domain {domain_id}"),
                            state: "DeleteFailed".to_string(),
                            reason: "SageMaker could not delete it; delete it in the console \
                                     or with `aws sagemaker delete-space`, then run again"
                                .to_string(),
                        })))
                    }
                    Some(SpaceStatus::Deleting) => {}
                    _ => delete_space(clients, domain_id, name).await?,
                }
                left.push(format!(
                    "{name} ({})",
                    space.status().map_or("?", |s| s.as_str())
                ));
            }
            Ok::<_, AwsCallError>(if left.is_empty() {
                Poll::Ready(Ok(()))
            } else {
                Poll::Pending(left.join(", "))
            })
        },
    )
    .await?;
    outcome
}

async fn delete_app(
    clients: &AwsClients,
    domain_id: &str,
    app: &AppDetails,
) -> Result<(), AwsCallError> {
    let mut call = clients
        .sagemaker
        .delete_app()
        .domain_id(domain_id)
        .set_user_profile_name(app.user_profile_name().map(str::to_string))
        .set_space_name(app.space_name().map(str::to_string))
        .set_app_type(app.app_type().cloned())
        .set_app_name(app.app_name().map(str::to_string));
    // An app belongs to a profile or to a space; DeleteApp takes exactly one of them.
    if app.space_name().is_some() {
        call = call.set_user_profile_name(None);
    }
    match call.send().await {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = AwsCallError::from_sdk("sagemaker", "DeleteApp", e);
            // Gone, or already being deleted (AWS answers ResourceInUse then).
            if err.is_not_found() || err.code == "ResourceInUse" {
                Ok(())
            } else {
                Err(err)
            }
        }
    }
}

async fn delete_space(
    clients: &AwsClients,
    domain_id: &str,
    name: &str,
) -> Result<(), AwsCallError> {
    match clients
        .sagemaker
        .delete_space()
        .domain_id(domain_id)
        .space_name(name)
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let err = AwsCallError::from_sdk("sagemaker", "DeleteSpace", e);
            // ResourceInUse: its apps are still going; the wait asks again.
            if err.is_not_found() || err.code == "ResourceInUse" {
                Ok(())
            } else {
                Err(err)
            }
        }
    }
}

/// Every app of the domain, of every profile and space (Deleted ones included while AWS lists
/// them). A domain that is gone has none.
pub(crate) async fn list_apps(
    clients: &AwsClients,
    domain_id: &str,
) -> Result<Vec<AppDetails>, AwsCallError> {
    let items = clients
        .sagemaker
        .list_apps()
        .domain_id_equals(domain_id)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await;
    none_when_gone("ListApps", items)
}

/// Every space of the domain; none when the domain is gone.
async fn list_spaces(
    clients: &AwsClients,
    domain_id: &str,
) -> Result<Vec<SpaceDetails>, AwsCallError> {
    let items = clients
        .sagemaker
        .list_spaces()
        .domain_id_equals(domain_id)
        .into_paginator()
        .items()
        .send()
        .collect::<Result<Vec<_>, _>>()
        .await;
    none_when_gone("ListSpaces", items)
}
