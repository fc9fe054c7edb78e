//! The SageMaker Service Catalog portfolio: SageMaker's per-account, per-region switch that
//! shares the "Amazon SageMaker" portfolio of MLOps project templates into the account.
//!
//! Enabling is asynchronous: the imported share shows up in `ListAcceptedPortfolioShares`
//! (type `AWS_SERVICECATALOG`) some time after the call returns.

use aws_sdk_sagemaker::types::SagemakerServicecatalogStatus;
use aws_sdk_servicecatalog::types::PortfolioShareType;

use crate::aws::{AwsCallError, AwsClients};

/// The provider name of the portfolio SageMaker shares.
pub const SAGEMAKER_PROVIDER_NAME: &str = "Amazon SageMaker";

/// Whether the portfolio is enabled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Enabled.
    Enabled,
    /// Disabled (the default).
    Disabled,
}

impl Status {
    /// AWS's spelling.
    pub fn as_str(&self) -> &'static str {
        match self {
            Status::Enabled => "Enabled",
            Status::Disabled => "Disabled",
        }
    }
}

/// Reads the status.
pub async fn status(clients: &AwsClients) -> Result<Status, AwsCallError> {
    let out = clients
        .sagemaker
        .get_sagemaker_servicecatalog_portfolio_status()
        .send()
        .await
        .map_err(|e| {
            AwsCallError::from_sdk("sagemaker", "GetSagemakerServicecatalogPortfolioStatus", e)
        })?;
    Ok(match out.status() {
        Some(SagemakerServicecatalogStatus::Enabled) => Status::Enabled,
        _ => Status::Disabled,
    })
}

/// Enables the portfolio (a no-op when enabled).
pub async fn enable(clients: &AwsClients) -> Result<(), AwsCallError> {
    clients
        .sagemaker
        .enable_sagemaker_servicecatalog_portfolio()
        .send()
        .await
        .map_err(|e| {
            AwsCallError::from_sdk("sagemaker", "EnableSagemakerServicecatalogPortfolio", e)
        })?;
    Ok(())
}

/// Disables the portfolio.
pub async fn disable(clients: &AwsClients) -> Result<(), AwsCallError> {
    clients
        .sagemaker
        .disable_sagemaker_servicecatalog_portfolio()
        .send()
        .await
        .map_err(|e| {
            AwsCallError::from_sdk("sagemaker", "DisableSagemakerServicecatalogPortfolio", e)
        })?;
    Ok(())
}

/// The id of the imported SageMaker portfolio, if its share is visible yet. Reads every page.
pub async fn shared_portfolio_id(clients: &AwsClients) -> Result<Option<String>, AwsCallError> {
    let mut token: Option<String> = None;
    loop {
        let out = clients
            .servicecatalog
            .list_accepted_portfolio_shares()
            .portfolio_share_type(PortfolioShareType::AwsServicecatalog)
            .set_page_token(token.take())
            .send()
            .await
            .map_err(|e| {
                AwsCallError::from_sdk("servicecatalog", "ListAcceptedPortfolioShares", e)
            })?;
        if let Some(found) = out
            .portfolio_details()
            .iter()
            .find(|p| p.provider_name() == Some(SAGEMAKER_PROVIDER_NAME))
        {
            return Ok(found.id().map(str::to_string));
        }
        match out.next_page_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Ok(None),
        }
    }
}
