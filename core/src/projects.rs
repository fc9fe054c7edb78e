//! SageMaker Projects enablement: the operations behind `sagemaker_projects_enablement` and
//! `Custom::SageMakerProjectsEnablement`.
//!
//! Enabling Projects in an account and region takes four steps that users otherwise script by
//! hand: make sure the two service roles exist, enable SageMaker's Service Catalog portfolio,
//! wait until the imported "Amazon SageMaker" share is visible (it is accepted asynchronously),
//! and associate each Studio role with it. Every step is idempotent, so a run that was killed or
//! timed out is repaired by running again; what exists is reported even when a step fails.

use std::collections::BTreeSet;

use crate::aws::{AwsCallError, AwsClients};
use crate::children::{portfolio_principal, sagemaker_portfolio, service_role};
use crate::policy::projects_roles::{LAUNCH_ROLE, USE_ROLE};
use crate::spec::{ProjectsEnablementSpec, ValidationErrors};
use crate::wait::{poll_until, Deadline, Poll, WaitError};

/// What exists for an enablement: the resource's state as the front ends report it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectsEnablement {
    /// `<account>/<region>`.
    pub id: String,
    /// The id of the imported SageMaker portfolio, once its share is visible.
    pub portfolio_id: Option<String>,
    /// `Enabled` or `Disabled`.
    pub status: String,
    /// ARN of `AmazonSageMakerServiceCatalogProductsLaunchRole`.
    pub launch_role_arn: String,
    /// ARN of `AmazonSageMakerServiceCatalogProductsUseRole`.
    pub use_role_arn: String,
    /// The principals associated with the portfolio (those managed here, or all on import).
    pub principal_arns: BTreeSet<String>,
    /// Things the user should know that are not errors (e.g. a service role is missing).
    pub warnings: Vec<String>,
}

/// Why an enablement operation failed.
#[derive(Debug, thiserror::Error)]
pub enum ProjectsError {
    /// The spec is invalid; nothing was called.
    #[error("invalid projects enablement: {0}")]
    Invalid(#[from] ValidationErrors),
    /// An AWS call failed.
    #[error(transparent)]
    Aws(#[from] AwsCallError),
    /// The portfolio share did not become visible before the deadline.
    #[error("{0}; SageMaker accepts the share asynchronously, usually within a minute: apply again, or raise timeouts.create")]
    ShareNotVisible(WaitError<AwsCallError>),
    /// An import id that does not name this account and region.
    #[error("import id {given:?} does not match the provider's account and region {expected:?}: use \"<account-id>/<region>\"")]
    WrongImportId {
        /// The id given.
        given: String,
        /// `<account>/<region>` of the configured credentials.
        expected: String,
    },
}

/// A failed operation and what exists after it (the ledger), so the caller can record it.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct Failed {
    /// What exists now, if anything does.
    pub ledger: Option<ProjectsEnablement>,
    /// Why the operation stopped.
    #[source]
    pub error: ProjectsError,
}

impl From<ProjectsError> for Failed {
    fn from(error: ProjectsError) -> Self {
        Failed {
            ledger: None,
            error,
        }
    }
}

/// The id of the enablement in the caller's account and region.
pub fn enablement_id(clients: &AwsClients) -> String {
    format!("{}/{}", clients.account_id, clients.region)
}

/// Brings AWS to `spec`: service roles, portfolio enabled, share visible, principals associated;
/// principals in `previously_managed` but no longer in the spec are disassociated. Used for both
/// create (nothing managed yet) and update.
pub async fn apply(
    clients: &AwsClients,
    spec: &ProjectsEnablementSpec,
    previously_managed: &BTreeSet<String>,
    deadline: Deadline,
) -> Result<ProjectsEnablement, Failed> {
    spec.validate().map_err(ProjectsError::from)?;

    let mut state = ProjectsEnablement {
        id: enablement_id(clients),
        portfolio_id: None,
        status: sagemaker_portfolio::Status::Disabled.as_str().to_string(),
        launch_role_arn: LAUNCH_ROLE.arn(&clients.partition, &clients.account_id),
        use_role_arn: USE_ROLE.arn(&clients.partition, &clients.account_id),
        principal_arns: previously_managed.clone(),
        warnings: Vec::new(),
    };
    let fail = |state: &ProjectsEnablement, error: ProjectsError| Failed {
        ledger: Some(state.clone()),
        error,
    };

    if let Err(e) = service_roles(clients, spec.create_service_roles, &mut state).await {
        return Err(fail(&state, e.into()));
    }

    if let Err(e) = sagemaker_portfolio::enable(clients).await {
        return Err(fail(&state, e.into()));
    }
    state.status = sagemaker_portfolio::Status::Enabled.as_str().to_string();
    tracing::info!("sagemaker servicecatalog portfolio enabled; waiting for its share");

    let portfolio_id = match wait_for_share(clients, deadline).await {
        Ok(id) => id,
        Err(e) => return Err(fail(&state, e)),
    };
    state.portfolio_id = Some(portfolio_id.clone());

    for arn in spec.principal_arns.difference(previously_managed) {
        if let Err(e) = portfolio_principal::associate(clients, &portfolio_id, arn).await {
            return Err(fail(&state, e.into()));
        }
        tracing::info!(principal = %arn, portfolio = %portfolio_id, "principal associated");
        state.principal_arns.insert(arn.clone());
    }
    // Principals kept from before are associated again: cheap, idempotent, and it repairs an
    // association removed outside this tool since the last read.
    for arn in spec.principal_arns.intersection(previously_managed) {
        if let Err(e) = portfolio_principal::associate(clients, &portfolio_id, arn).await {
            return Err(fail(&state, e.into()));
        }
    }
    for arn in previously_managed.difference(&spec.principal_arns) {
        if let Err(e) = portfolio_principal::disassociate(clients, &portfolio_id, arn).await {
            return Err(fail(&state, e.into()));
        }
        tracing::info!(principal = %arn, portfolio = %portfolio_id, "principal disassociated");
        state.principal_arns.remove(arn);
    }
    Ok(state)
}

/// Reads what exists. `managed` limits the reported principals to those this resource manages
/// (others may be associated by other teams); `None` reports every IAM principal, for import.
/// Returns `None` when the portfolio is disabled: the enablement no longer exists.
pub async fn read(
    clients: &AwsClients,
    managed: Option<&BTreeSet<String>>,
    create_service_roles: bool,
) -> Result<Option<ProjectsEnablement>, ProjectsError> {
    if sagemaker_portfolio::status(clients).await? == sagemaker_portfolio::Status::Disabled {
        return Ok(None);
    }
    let mut state = ProjectsEnablement {
        id: enablement_id(clients),
        portfolio_id: None,
        status: sagemaker_portfolio::Status::Enabled.as_str().to_string(),
        launch_role_arn: LAUNCH_ROLE.arn(&clients.partition, &clients.account_id),
        use_role_arn: USE_ROLE.arn(&clients.partition, &clients.account_id),
        principal_arns: BTreeSet::new(),
        warnings: Vec::new(),
    };
    for (def, slot) in [
        (&LAUNCH_ROLE, &mut state.launch_role_arn),
        (&USE_ROLE, &mut state.use_role_arn),
    ] {
        match service_role::find(clients, def).await? {
            Some(arn) => *slot = arn,
            None => state
                .warnings
                .push(missing_role_warning(def.name, create_service_roles)),
        }
    }
    if let Some(portfolio_id) = sagemaker_portfolio::shared_portfolio_id(clients).await? {
        let associated = portfolio_principal::list(clients, &portfolio_id).await?;
        state.principal_arns = match managed {
            Some(managed) => associated.intersection(managed).cloned().collect(),
            None => associated,
        };
        state.portfolio_id = Some(portfolio_id);
    }
    Ok(Some(state))
}

/// Checks an import id against the configured account and region.
pub fn check_import_id(clients: &AwsClients, id: &str) -> Result<(), ProjectsError> {
    let expected = enablement_id(clients);
    if id == expected {
        Ok(())
    } else {
        Err(ProjectsError::WrongImportId {
            given: id.to_string(),
            expected,
        })
    }
}

/// Disassociates the principals this resource manages and, when asked, disables the portfolio.
/// The service roles stay: they are account-wide and other tools use them.
pub async fn delete(
    clients: &AwsClients,
    managed: &BTreeSet<String>,
    disable: bool,
) -> Result<(), ProjectsError> {
    if sagemaker_portfolio::status(clients).await? == sagemaker_portfolio::Status::Disabled {
        return Ok(());
    }
    if let Some(portfolio_id) = sagemaker_portfolio::shared_portfolio_id(clients).await? {
        for arn in managed {
            portfolio_principal::disassociate(clients, &portfolio_id, arn).await?;
            tracing::info!(principal = %arn, portfolio = %portfolio_id, "principal disassociated");
        }
    }
    if disable {
        sagemaker_portfolio::disable(clients).await?;
        tracing::info!("sagemaker servicecatalog portfolio disabled");
    }
    Ok(())
}

async fn service_roles(
    clients: &AwsClients,
    create: bool,
    state: &mut ProjectsEnablement,
) -> Result<(), AwsCallError> {
    for (def, slot) in [
        (&LAUNCH_ROLE, &mut state.launch_role_arn),
        (&USE_ROLE, &mut state.use_role_arn),
    ] {
        if create {
            let ensured = service_role::ensure(clients, def).await?;
            if ensured.created {
                tracing::info!(role = def.name, "service role created");
            }
            *slot = ensured.arn;
        } else {
            match service_role::find(clients, def).await? {
                Some(arn) => *slot = arn,
                None => state.warnings.push(missing_role_warning(def.name, false)),
            }
        }
    }
    Ok(())
}

fn missing_role_warning(name: &str, created_here: bool) -> String {
    if created_here {
        format!(
            "service role {name} was deleted outside this tool: SageMaker project templates cannot launch until it exists; replace this resource (terraform apply -replace) to create it again"
        )
    } else {
        format!(
            "service role {name} does not exist and create_service_roles is false: SageMaker project templates cannot launch until it exists"
        )
    }
}

async fn wait_for_share(clients: &AwsClients, deadline: Deadline) -> Result<String, ProjectsError> {
    poll_until("the Amazon SageMaker portfolio share", deadline, || async {
        Ok(
            match sagemaker_portfolio::shared_portfolio_id(clients).await? {
                Some(id) => Poll::Ready(id),
                None => Poll::Pending("share not yet in ListAcceptedPortfolioShares".to_string()),
            },
        )
    })
    .await
    .map_err(|e| match e {
        WaitError::Failed(aws) => ProjectsError::Aws(aws),
        timed_out => ProjectsError::ShareNotVisible(timed_out),
    })
}
