//! Principal associations of a Service Catalog portfolio: who may launch its products.

use std::collections::BTreeSet;

use aws_sdk_servicecatalog::types::PrincipalType;

use crate::aws::{AwsCallError, AwsClients};

/// Associates an IAM principal (idempotent on AWS: associating twice is accepted).
pub async fn associate(
    clients: &AwsClients,
    portfolio_id: &str,
    principal_arn: &str,
) -> Result<(), AwsCallError> {
    clients
        .servicecatalog
        .associate_principal_with_portfolio()
        .portfolio_id(portfolio_id)
        .principal_arn(principal_arn)
        .principal_type(PrincipalType::Iam)
        .send()
        .await
        .map_err(|e| {
            AwsCallError::from_sdk("servicecatalog", "AssociatePrincipalWithPortfolio", e)
        })?;
    Ok(())
}

/// Removes an association; one that does not exist counts as removed.
pub async fn disassociate(
    clients: &AwsClients,
    portfolio_id: &str,
    principal_arn: &str,
) -> Result<(), AwsCallError> {
    let result = clients
        .servicecatalog
        .disassociate_principal_from_portfolio()
        .portfolio_id(portfolio_id)
        .principal_arn(principal_arn)
        .principal_type(PrincipalType::Iam)
        .send()
        .await;
    match result {
        Ok(_) => Ok(()),
        Err(e) => {
            let err =
                AwsCallError::from_sdk("servicecatalog", "DisassociatePrincipalFromPortfolio", e);
            if err.is_not_found() {
                Ok(())
            } else {
                Err(err)
            }
        }
    }
}

/// Every IAM principal (not pattern) associated with the portfolio. Reads every page.
pub async fn list(
    clients: &AwsClients,
    portfolio_id: &str,
) -> Result<BTreeSet<String>, AwsCallError> {
    let mut principals = BTreeSet::new();
    let mut token: Option<String> = None;
    loop {
        let out = clients
            .servicecatalog
            .list_principals_for_portfolio()
            .portfolio_id(portfolio_id)
            .set_page_token(token.take())
            .send()
            .await
            .map_err(|e| {
                AwsCallError::from_sdk("servicecatalog", "ListPrincipalsForPortfolio", e)
            })?;
        principals.extend(
            out.principals()
                .iter()
                .filter(|p| p.principal_type() == Some(&PrincipalType::Iam))
                .filter_map(|p| p.principal_arn().map(str::to_string)),
        );
        match out.next_page_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Ok(principals),
        }
    }
}
