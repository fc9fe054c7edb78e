//! The team portfolio (`studio.team_portfolio`): the environment's own Service Catalog
//! portfolio, shared with its people's roles, holding the team products (`team_product`).
//!
//! Portfolio names need not be unique, so it is found again by its display name
//! (`<env id>-team`) and adopted only when its tags say it is this child; a deterministic
//! idempotency token makes a create retried after a crash answer the same portfolio. The
//! people's roles are associated on every run (AWS accepts an association twice); associations
//! others added are left alone.

use std::collections::BTreeMap;

use aws_sdk_servicecatalog::types::Tag;

use super::ec2_tags::Owner;
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use super::portfolio_principal;
use super::tags::{built, child_tags, owned_by};
use crate::aws::{AwsCallError, AwsClients, NotFoundIsNone};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::{LogicalId, Persona, RecordKind};

/// Record kind of the team portfolio.
pub const KIND: RecordKind = RecordKind::TeamPortfolio;
/// Record attribute: the principals the engine associated, comma-separated.
pub const PRINCIPALS_ATTRIBUTE: &str = "principals";
/// Who the portfolio says provides it.
const PROVIDER: &str = "secure-mlops";

/// What the portfolio should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredPortfolio {
    /// `<env id>-team` (`<env id>-mlops` for the MLOps project templates).
    pub display_name: String,
    /// What it holds, in its description.
    pub description: String,
    /// The people's role ARNs it is shared with.
    pub principals: Vec<String>,
    /// The record kind: the team portfolio's or the MLOps portfolio's.
    pub record_kind: RecordKind,
    /// What the user can do instead of renaming a portfolio that is in the way.
    pub opt_out: &'static str,
}

/// The portfolio's display name.
pub fn display_name(env_id: &str) -> String {
    format!("{env_id}-team")
}

pub(super) async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    desired: &DesiredPortfolio,
) -> Result<Record, ChildError> {
    let id = match find(clients, owner, desired).await? {
        Some((id, current)) => {
            let (add, remove) = tag_changes(&current, &child_tags(owner, tags));
            if !add.is_empty() || !remove.is_empty() {
                retag(clients, &id, add, remove, Retag::Portfolio).await?;
            }
            id
        }
        None => create(clients, owner, tags, desired).await?,
    };
    let existing = portfolio_principal::list(clients, &id).await?;
    for principal in &desired.principals {
        if !existing.contains(principal) {
            portfolio_principal::associate(clients, &id, principal).await?;
        }
    }
    Ok(Record {
        kind: desired.record_kind.clone(),
        arn: Some(catalog_arn(clients, "portfolio", &id)),
        physical_id: id,
        attributes: BTreeMap::from([(
            PRINCIPALS_ATTRIBUTE.to_string(),
            desired.principals.join(","),
        )]),
        depends_on: Vec::new(),
    })
}

/// What turns the tags a portfolio or product has into the child's: the tags to put (new keys
/// and changed values) and the keys to remove first (those that go, and those whose value
/// changes: `AddTags` of a key the resource has is not documented to replace its value).
/// AWS's own `aws:` keys are left alone.
pub(super) fn tag_changes(
    current: &BTreeMap<String, String>,
    desired: &BTreeMap<String, String>,
) -> (BTreeMap<String, String>, Vec<String>) {
    let add = desired
        .iter()
        .filter(|(k, v)| current.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let remove = current
        .iter()
        .filter(|(k, v)| desired.get(*k) != Some(*v) && !k.starts_with("aws:"))
        .map(|(k, _)| k.clone())
        .collect();
    (add, remove)
}

/// Which Service Catalog resource [`retag`] changes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Retag {
    /// `UpdatePortfolio`.
    Portfolio,
    /// `UpdateProduct`.
    Product,
}

/// Applies [`tag_changes`] to a portfolio or product: the keys to remove in a call of their own,
/// then the tags to add.
pub(super) async fn retag(
    clients: &AwsClients,
    id: &str,
    add: BTreeMap<String, String>,
    remove: Vec<String>,
    what: Retag,
) -> Result<(), AwsCallError> {
    let sc = &clients.servicecatalog;
    let tags: Vec<Tag> = add
        .iter()
        .map(|(k, v)| built("servicecatalog Tag", Tag::builder().key(k).value(v).build()))
        .collect();
    for (add, remove) in [(Vec::new(), remove), (tags, Vec::new())] {
        if add.is_empty() && remove.is_empty() {
            continue;
        }
        match what {
            Retag::Portfolio => sc
                .update_portfolio()
                .id(id)
                .set_add_tags(Some(add))
                .set_remove_tags(Some(remove))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsCallError::from_sdk("servicecatalog", "UpdatePortfolio", e))?,
            Retag::Product => sc
                .update_product()
                .id(id)
                .set_add_tags(Some(add))
                .set_remove_tags(Some(remove))
                .send()
                .await
                .map(|_| ())
                .map_err(|e| AwsCallError::from_sdk("servicecatalog", "UpdateProduct", e))?,
        }
    }
    Ok(())
}

/// The ARN of a portfolio or product (`kind`), as IAM names them.
pub(super) fn catalog_arn(clients: &AwsClients, kind: &str, id: &str) -> String {
    format!(
        "arn:{}:catalog:{}:{}:{kind}/{id}",
        clients.partition, clients.region, clients.account_id
    )
}

/// A child's tags as Service Catalog takes them.
pub(super) fn catalog_tags(owner: Owner<'_>, tags: &BTreeMap<String, String>) -> Vec<Tag> {
    child_tags(owner, tags)
        .into_iter()
        .map(|(k, v)| built("servicecatalog Tag", Tag::builder().key(k).value(v).build()))
        .collect()
}

/// The id of this child's portfolio, if one exists; a portfolio of that name that is not ours
/// is refused.
async fn find(
    clients: &AwsClients,
    owner: Owner<'_>,
    desired: &DesiredPortfolio,
) -> Result<Option<(String, BTreeMap<String, String>)>, ChildError> {
    let display_name = desired.display_name.as_str();
    let pages = clients
        .servicecatalog
        .list_portfolios()
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    let pages = AwsCallError::collect("servicecatalog", "ListPortfolios", pages)?;
    for portfolio in pages
        .iter()
        .flat_map(|p| p.portfolio_details())
        .filter(|p| p.display_name() == Some(display_name))
    {
        let Some(id) = portfolio.id() else { continue };
        let tags = tags_of(clients, id).await?;
        if owned_by(owner, &tags) {
            return Ok(Some((id.to_string(), tags)));
        }
        return Err(ChildError::Refused {
            child: owner.logical_id.to_string(),
            reason: format!(
                "a Service Catalog portfolio named {display_name} ({id}) already exists and is \
                 not tagged as this environment's {}; rename or delete it, or {}",
                owner.logical_id, desired.opt_out
            ),
        });
    }
    Ok(None)
}

async fn tags_of(clients: &AwsClients, id: &str) -> Result<BTreeMap<String, String>, AwsCallError> {
    let out = clients
        .servicecatalog
        .describe_portfolio()
        .id(id)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("servicecatalog", "DescribePortfolio", e))?;
    Ok(out
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect())
}

async fn create(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    desired: &DesiredPortfolio,
) -> Result<String, ChildError> {
    let tags = catalog_tags(owner, tags);
    let out = clients
        .servicecatalog
        .create_portfolio()
        .display_name(&desired.display_name)
        .provider_name(PROVIDER)
        .description(&desired.description)
        .set_tags(Some(tags))
        .idempotency_token(format!(
            "secure-mlops-{}-{}",
            owner.env_id, owner.logical_id
        ))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("servicecatalog", "CreatePortfolio", e))?;
    out.portfolio_detail()
        .and_then(|d| d.id())
        .map(str::to_string)
        .ok_or_else(|| ChildError::Refused {
            child: owner.logical_id.to_string(),
            reason: "CreatePortfolio answered no portfolio id".into(),
        })
}

pub(super) async fn drift(
    clients: &AwsClients,
    record: &Record,
    desired: &DesiredPortfolio,
) -> Result<Vec<String>, ChildError> {
    let id = record.physical_id.as_str();
    let label = record.kind.as_str();
    let found = clients
        .servicecatalog
        .describe_portfolio()
        .id(id)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("servicecatalog", "DescribePortfolio", e))
        .or_gone()?;
    if found.is_none() {
        return Ok(vec![format!(
            "{label} ({id}): the portfolio is gone; apply creates it again"
        )]);
    }
    let existing = portfolio_principal::list(clients, id).await?;
    Ok(desired
        .principals
        .iter()
        .filter(|p| !existing.contains(*p))
        .map(|p| format!("{label} ({id}): no longer shared with {p}; apply shares it again"))
        .collect())
}

/// Removes every principal association, then the portfolio (its products went first: they
/// depend on it). Not-found counts as deleted.
pub async fn delete(clients: &AwsClients, record: &Record) -> Result<(), ChildError> {
    let id = record.physical_id.as_str();
    let principals = match portfolio_principal::list(clients, id).await {
        Ok(found) => found,
        Err(e) if e.is_not_found() => return Ok(()),
        Err(e) => return Err(e.into()),
    };
    for principal in &principals {
        portfolio_principal::disassociate(clients, id, principal).await?;
    }
    clients
        .servicecatalog
        .delete_portfolio()
        .id(id)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsCallError::from_sdk("servicecatalog", "DeletePortfolio", e))
        .or_gone()?;
    Ok(())
}

impl ChildKind for kinds::TeamPortfolio {
    type Desired = DesiredPortfolio;

    fn desired(&self, cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<Self::Desired, ChildError> {
        let mut principals = vec![
            inputs.arn(&LogicalId::Role(Persona::DataScientist))?,
            inputs.arn(&LogicalId::Role(Persona::TeamAdmin))?,
        ];
        principals.sort();
        principals.dedup();
        Ok(DesiredPortfolio {
            display_name: display_name(&cx.env.env_id),
            description: format!(
                "Products the people of the secure data-science environment {} launch themselves",
                cx.env.env_id
            ),
            principals,
            record_kind: KIND,
            opt_out: "set studio.team_portfolio = false",
        })
    }

    async fn ensure(&self, cx: &Cx<'_>, desired: &Self::Desired) -> Result<Record, ChildError> {
        ensure(cx.clients, cx.owner(), cx.tags(), desired).await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        desired: &Self::Desired,
    ) -> Result<Vec<String>, ChildError> {
        drift(cx.clients, record, desired).await
    }

    fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tag_changes_put_new_and_changed_values_and_remove_the_rest_but_aws_keys() {
        let current = BTreeMap::from([
            ("keep".to_string(), "1".to_string()),
            ("change".to_string(), "old".to_string()),
            ("gone".to_string(), "x".to_string()),
            ("aws:cloudformation:stack-name".to_string(), "s".to_string()),
        ]);
        let desired = BTreeMap::from([
            ("keep".to_string(), "1".to_string()),
            ("change".to_string(), "new".to_string()),
            ("added".to_string(), "y".to_string()),
        ]);
        let (add, remove) = tag_changes(&current, &desired);
        assert_eq!(
            add,
            BTreeMap::from([
                ("added".to_string(), "y".to_string()),
                ("change".to_string(), "new".to_string())
            ])
        );
        assert_eq!(remove, ["change", "gone"]);
        assert_eq!(tag_changes(&desired, &desired), (BTreeMap::new(), vec![]));
    }
}
