//! A product of the team portfolio (`studio.team_portfolio`): a notebook instance inside the
//! environment, or a person's Studio user profile in its domain.
//!
//! Each product's template is `cfn/products/team/<product>.yaml` with the environment's values
//! written into the lines marked `# engine: <name>` ([`render`]), uploaded to the catalog bucket
//! under its content hash, and published as a provisioning artifact named `v-<hash>`. A changed
//! template (a new guardrail instance type, another subnet) publishes a new artifact and
//! deactivates and deprecates the older ones: what people launched keeps its version, new
//! launches get the new one. Each product is associated with the team portfolio and launched
//! through a LAUNCH constraint on the `sc_launch` role, so people need no SageMaker or IAM
//! rights of their own to launch it.
//!
//! Found again by name and tags (`SearchProductsAsAdmin`, then the product's tags), created with
//! a deterministic idempotency token. Deleting terminates first what people launched from the
//! product (a notebook instance in the environment's subnet would keep the subnet and its
//! security group alive), then removes the constraint, the association and the product.

use std::collections::{BTreeMap, BTreeSet};

use aws_sdk_servicecatalog::types::{
    AccessLevelFilter, AccessLevelFilterKey, ProductType, ProductViewFilterBy,
    ProvisionedProductViewFilterBy, ProvisioningArtifactGuidance, ProvisioningArtifactProperties,
    ProvisioningArtifactType,
};
use serde_json::json;
use sha2::{Digest, Sha256};

use super::catalog_bucket;
use super::ec2_tags::Owner;
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use super::tags::{child_tags, owned_by};
use super::team_portfolio::{catalog_arn, catalog_tags, retag, tag_changes, Retag};
use crate::aws::{AwsCallError, AwsClients, NotFoundIsNone};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::{KeyPurpose, LogicalId, Persona, RecordKind, TeamProductKind};
use crate::wait::{poll_until, Deadline, Poll};

/// Record kind of a team product.
pub const KIND: RecordKind = RecordKind::TeamProduct;
/// Record attribute: the portfolio the product is in.
pub const PORTFOLIO_ATTRIBUTE: &str = "portfolio_id";
/// Record attribute: the name of the product's current provisioning artifact (`v-<hash>`).
pub const VERSION_ATTRIBUTE: &str = "version";
/// The marker of a line whose value the engine writes.
const MARKER: &str = "# engine:";
/// The notebook's instance type when the guardrails name none.
const DEFAULT_INSTANCE_TYPE: &str = "ml.t3.medium";
/// Who the products say own them.
const OWNER: &str = "secure-mlops";

const NOTEBOOK_TEMPLATE: &str = include_str!("../../../cfn/products/team/notebook-instance.yaml");
const PROFILE_TEMPLATE: &str = include_str!("../../../cfn/products/team/studio-user-profile.yaml");

/// The template of `kind` as the repository holds it.
pub fn source_template(kind: TeamProductKind) -> &'static str {
    match kind {
        TeamProductKind::NotebookInstance => NOTEBOOK_TEMPLATE,
        TeamProductKind::StudioUserProfile => PROFILE_TEMPLATE,
    }
}

/// A template whose markers and values do not fit together (a bug in this module or in the
/// template, caught by the unit tests).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RenderError {
    /// A marked line names a value the engine does not give.
    #[error("line {line} of the template asks for {name:?}, which the engine does not give")]
    UnknownValue {
        /// 1-based line number.
        line: usize,
        /// The value's name.
        name: String,
    },
    /// A given value has no line.
    #[error("the template has no line for {0:?}")]
    Unused(String),
    /// A marked line is not `key: value`.
    #[error("line {0} of the template is marked but is not `key: value`")]
    NotAKeyValue(usize),
}

/// `template` with the value of every line marked `# engine: <name>` replaced by `values[name]`
/// (as a double-quoted YAML scalar, which JSON's string escapes are), the marker dropped. Every
/// value must be used and every marker known.
pub fn render(template: &str, values: &BTreeMap<&str, String>) -> Result<String, RenderError> {
    let mut used = BTreeSet::new();
    let mut out = String::with_capacity(template.len() + 256);
    for (i, line) in template.lines().enumerate() {
        // Comment lines are left alone, whatever they say.
        let marked = (!line.trim_start().starts_with('#'))
            .then(|| line.split_once(MARKER))
            .flatten();
        let Some((before, name)) = marked else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let name = name.trim();
        let value = values.get(name).ok_or_else(|| RenderError::UnknownValue {
            line: i + 1,
            name: name.to_string(),
        })?;
        let indent = before.len() - before.trim_start().len();
        let (key, _) = before
            .trim_start()
            .split_once(": ")
            .ok_or(RenderError::NotAKeyValue(i + 1))?;
        out.push_str(&before[..indent]);
        out.push_str(key);
        out.push_str(": ");
        out.push_str(&json!(value).to_string());
        out.push('\n');
        used.insert(name);
    }
    if let Some(unused) = values.keys().find(|k| !used.contains(*k)) {
        return Err(RenderError::Unused(unused.to_string()));
    }
    Ok(out)
}

/// The `AllowedPattern` of the instance type parameter: the guardrail's globs (`*` any run,
/// `?` one character, as IAM's `StringLike`) as one anchored regular expression; no globs: any
/// SageMaker instance type.
pub fn instance_type_pattern(globs: &[String]) -> String {
    if globs.is_empty() {
        return r"^ml\..+$".to_string();
    }
    let alternatives: Vec<String> = globs
        .iter()
        .map(|glob| {
            let mut re = String::new();
            for c in glob.chars() {
                match c {
                    '*' => re.push_str(".*"),
                    '?' => re.push('.'),
                    c if r"\.+()[]{}^$|".contains(c) => {
                        re.push('\\');
                        re.push(c);
                    }
                    c => re.push(c),
                }
            }
            re
        })
        .collect();
    format!("^({})$", alternatives.join("|"))
}

/// What one product should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredProduct {
    /// The child's logical id, in drift reports.
    pub label: String,
    /// `<env id>-<product>`.
    pub name: String,
    /// What the product makes, in its description.
    pub description: String,
    /// The repository file the template comes from, in each version's description.
    pub source_path: String,
    /// Tags besides the child's own (Studio's `sagemaker:studio-visibility`).
    pub extra_tags: BTreeMap<String, String>,
    /// What the user can do instead of renaming a product that is in the way.
    pub opt_out: &'static str,
    /// The rendered template.
    pub template: String,
    /// `v-<first 16 hex digits of the template's SHA-256>`.
    pub version: String,
    /// The catalog bucket.
    pub bucket: String,
    /// The template's key in it.
    pub key: String,
    /// The team portfolio's id.
    pub portfolio_id: String,
    /// The `sc_launch` role's ARN.
    pub launch_role_arn: String,
}

/// Where a product's template goes and what launches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    /// The bucket the template is uploaded to.
    pub bucket: String,
    /// The key prefix in it (`team-products/notebook-instance`).
    pub prefix: String,
    /// The portfolio's id.
    pub portfolio_id: String,
    /// The launch constraint's role ARN.
    pub launch_role_arn: String,
}

impl DesiredProduct {
    fn new(kind: TeamProductKind, env_id: &str, template: String, placement: Placement) -> Self {
        let description = match kind {
            TeamProductKind::NotebookInstance => format!(
                "A notebook instance inside {env_id}: private subnet, its security group and \
                 keys, no root and no direct internet access"
            ),
            TeamProductKind::StudioUserProfile => {
                format!("Adds a person to the Studio domain of {env_id} (for team administrators)")
            }
        };
        let mut product = Self::published(format!("{env_id}-{}", kind.key()), template, placement);
        product.label = LogicalId::TeamProduct(kind).to_string();
        product.description = description;
        product.source_path = format!("cfn/products/team/{}.yaml", kind.key());
        product
    }

    /// A product named `name` publishing `template` under `placement`: its version and key
    /// follow from the template's hash. The caller sets what describes it.
    pub(super) fn published(name: String, template: String, placement: Placement) -> Self {
        let hash = hex(&Sha256::digest(template.as_bytes()));
        let version = format!("v-{}", &hash[..16]);
        DesiredProduct {
            label: name.clone(),
            name,
            description: String::new(),
            source_path: String::new(),
            extra_tags: BTreeMap::new(),
            opt_out: "set studio.team_portfolio = false",
            key: format!("{}/{version}.yaml", placement.prefix),
            template,
            version,
            bucket: placement.bucket,
            portfolio_id: placement.portfolio_id,
            launch_role_arn: placement.launch_role_arn,
        }
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(super) async fn ensure(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    kind: RecordKind,
    desired: &DesiredProduct,
) -> Result<Record, ChildError> {
    let url =
        catalog_bucket::put_template(clients, &desired.bucket, &desired.key, &desired.template)
            .await?;
    let product_id = match find(clients, owner, desired).await? {
        Some((id, current)) => {
            let (add, remove) =
                tag_changes(&current, &child_tags(owner, &product_tags(tags, desired)));
            if !add.is_empty() || !remove.is_empty() {
                retag(clients, &id, add, remove, Retag::Product).await?;
            }
            id
        }
        None => create(clients, owner, tags, desired, &url).await?,
    };
    publish_version(clients, &product_id, desired, &url).await?;
    clients
        .servicecatalog
        .associate_product_with_portfolio()
        .product_id(&product_id)
        .portfolio_id(&desired.portfolio_id)
        .send()
        .await
        .map_err(|e| {
            AwsCallError::from_sdk("servicecatalog", "AssociateProductWithPortfolio", e)
        })?;
    ensure_launch_constraint(clients, &product_id, desired).await?;
    Ok(Record {
        kind,
        arn: Some(catalog_arn(clients, "product", &product_id)),
        physical_id: product_id,
        attributes: BTreeMap::from([
            (
                PORTFOLIO_ATTRIBUTE.to_string(),
                desired.portfolio_id.clone(),
            ),
            (VERSION_ATTRIBUTE.to_string(), desired.version.clone()),
        ]),
        depends_on: Vec::new(),
    })
}

/// The id of this child's product, if one exists; a product of that name that is not ours is
/// refused.
async fn find(
    clients: &AwsClients,
    owner: Owner<'_>,
    desired: &DesiredProduct,
) -> Result<Option<(String, BTreeMap<String, String>)>, ChildError> {
    let name = desired.name.as_str();
    let pages = clients
        .servicecatalog
        .search_products_as_admin()
        .filters(ProductViewFilterBy::FullTextSearch, vec![name.to_string()])
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    let pages = AwsCallError::collect("servicecatalog", "SearchProductsAsAdmin", pages)?;
    for detail in pages.iter().flat_map(|p| p.product_view_details()) {
        let Some(summary) = detail.product_view_summary() else {
            continue;
        };
        let (Some(id), Some(true)) = (summary.product_id(), summary.name().map(|n| n == name))
        else {
            continue;
        };
        let tags = tags_of(clients, id).await?;
        if owned_by(owner, &tags) {
            return Ok(Some((id.to_string(), tags)));
        }
        return Err(ChildError::Refused {
            child: owner.logical_id.to_string(),
            reason: format!(
                "a Service Catalog product named {name} ({id}) already exists and is not tagged \
                 as this environment's {}; rename or delete it, or {}",
                owner.logical_id, desired.opt_out
            ),
        });
    }
    Ok(None)
}

/// The spec's tags and the product's own (Studio's visibility tag for a project template).
fn product_tags(
    tags: &BTreeMap<String, String>,
    desired: &DesiredProduct,
) -> BTreeMap<String, String> {
    let mut all = tags.clone();
    all.extend(desired.extra_tags.clone());
    all
}

async fn tags_of(clients: &AwsClients, id: &str) -> Result<BTreeMap<String, String>, AwsCallError> {
    let out = clients
        .servicecatalog
        .describe_product_as_admin()
        .id(id)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("servicecatalog", "DescribeProductAsAdmin", e))?;
    Ok(out
        .tags()
        .iter()
        .map(|t| (t.key().to_string(), t.value().to_string()))
        .collect())
}

fn artifact(desired: &DesiredProduct, url: &str) -> ProvisioningArtifactProperties {
    ProvisioningArtifactProperties::builder()
        .name(&desired.version)
        .description(format!("{} for this environment", desired.source_path))
        .info("LoadTemplateFromURL", url)
        .r#type(ProvisioningArtifactType::CloudFormationTemplate)
        .build()
}

async fn create(
    clients: &AwsClients,
    owner: Owner<'_>,
    tags: &BTreeMap<String, String>,
    desired: &DesiredProduct,
    url: &str,
) -> Result<String, ChildError> {
    let tags = catalog_tags(owner, &product_tags(tags, desired));
    let description = desired.description.clone();
    let out = clients
        .servicecatalog
        .create_product()
        .name(&desired.name)
        .owner(OWNER)
        .description(description)
        .product_type(ProductType::CloudFormationTemplate)
        .provisioning_artifact_parameters(artifact(desired, url))
        .set_tags(Some(tags))
        .idempotency_token(format!(
            "secure-mlops-{}-{}",
            owner.env_id, owner.logical_id
        ))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("servicecatalog", "CreateProduct", e))?;
    out.product_view_detail()
        .and_then(|d| d.product_view_summary())
        .and_then(|s| s.product_id())
        .map(str::to_string)
        .ok_or_else(|| ChildError::Refused {
            child: owner.logical_id.to_string(),
            reason: "CreateProduct answered no product id".into(),
        })
}

/// Makes `desired.version` the product's one active artifact: published when missing, the
/// others deactivated and deprecated (provisioned products keep theirs).
async fn publish_version(
    clients: &AwsClients,
    product_id: &str,
    desired: &DesiredProduct,
    url: &str,
) -> Result<(), AwsCallError> {
    let sc = &clients.servicecatalog;
    let artifacts = sc
        .list_provisioning_artifacts()
        .product_id(product_id)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("servicecatalog", "ListProvisioningArtifacts", e))?;
    let details = artifacts.provisioning_artifact_details();
    if !details
        .iter()
        .any(|a| a.name() == Some(desired.version.as_str()))
    {
        sc.create_provisioning_artifact()
            .product_id(product_id)
            .parameters(artifact(desired, url))
            .idempotency_token(format!("{product_id}-{}", desired.version))
            .send()
            .await
            .map_err(|e| {
                AwsCallError::from_sdk("servicecatalog", "CreateProvisioningArtifact", e)
            })?;
    }
    for old in details {
        let (Some(id), Some(name)) = (old.id(), old.name()) else {
            continue;
        };
        if name == desired.version || old.active() == Some(false) {
            continue;
        }
        sc.update_provisioning_artifact()
            .product_id(product_id)
            .provisioning_artifact_id(id)
            .active(false)
            .guidance(ProvisioningArtifactGuidance::Deprecated)
            .send()
            .await
            .map_err(|e| {
                AwsCallError::from_sdk("servicecatalog", "UpdateProvisioningArtifact", e)
            })?;
    }
    Ok(())
}

/// The LAUNCH constraints of the product in the portfolio, with their role ARNs.
async fn launch_constraints(
    clients: &AwsClients,
    portfolio_id: &str,
    product_id: &str,
) -> Result<Vec<(String, Option<String>)>, AwsCallError> {
    let pages = clients
        .servicecatalog
        .list_constraints_for_portfolio()
        .portfolio_id(portfolio_id)
        .product_id(product_id)
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    let pages = AwsCallError::collect("servicecatalog", "ListConstraintsForPortfolio", pages)?;
    let mut out = Vec::new();
    for c in pages
        .iter()
        .flat_map(|p| p.constraint_details())
        .filter(|c| c.r#type() == Some("LAUNCH"))
    {
        let Some(id) = c.constraint_id() else {
            continue;
        };
        let detail = clients
            .servicecatalog
            .describe_constraint()
            .id(id)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("servicecatalog", "DescribeConstraint", e))?;
        let role = detail
            .constraint_parameters()
            .and_then(|p| serde_json::from_str::<serde_json::Value>(p).ok())
            .and_then(|p| p["RoleArn"].as_str().map(str::to_string));
        out.push((id.to_string(), role));
    }
    Ok(out)
}

async fn ensure_launch_constraint(
    clients: &AwsClients,
    product_id: &str,
    desired: &DesiredProduct,
) -> Result<(), AwsCallError> {
    let existing = launch_constraints(clients, &desired.portfolio_id, product_id).await?;
    let mut right = false;
    for (id, role) in existing {
        if role.as_deref() == Some(desired.launch_role_arn.as_str()) && !right {
            right = true;
            continue;
        }
        // Another role (the user brought one since), or a second constraint: only one may be.
        delete_constraint(clients, &id).await?;
    }
    if right {
        return Ok(());
    }
    clients
        .servicecatalog
        .create_constraint()
        .portfolio_id(&desired.portfolio_id)
        .product_id(product_id)
        .r#type("LAUNCH")
        .parameters(json!({ "RoleArn": desired.launch_role_arn }).to_string())
        .description("Launched as the environment's sc_launch role")
        .idempotency_token(format!("{product_id}-launch"))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("servicecatalog", "CreateConstraint", e))?;
    Ok(())
}

async fn delete_constraint(clients: &AwsClients, id: &str) -> Result<(), AwsCallError> {
    clients
        .servicecatalog
        .delete_constraint()
        .id(id)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsCallError::from_sdk("servicecatalog", "DeleteConstraint", e))
        .or_gone()?;
    Ok(())
}

pub(super) async fn drift(
    clients: &AwsClients,
    record: &Record,
    desired: &DesiredProduct,
) -> Result<Vec<String>, ChildError> {
    let id = record.physical_id.as_str();
    let label = desired.label.as_str();
    let sc = &clients.servicecatalog;
    let artifacts = match sc
        .list_provisioning_artifacts()
        .product_id(id)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("servicecatalog", "ListProvisioningArtifacts", e))
        .or_gone()?
    {
        Some(out) => out,
        None => {
            return Ok(vec![format!(
                "{label} ({id}): the product is gone; apply creates it again"
            )])
        }
    };
    let mut out = Vec::new();
    let current = artifacts
        .provisioning_artifact_details()
        .iter()
        .find(|a| a.name() == Some(desired.version.as_str()));
    match current {
        None => out.push(format!(
            "{label} ({id}): the template is not published as {} (the environment or the \
             guardrails changed); apply publishes it and deprecates the older version",
            desired.version
        )),
        Some(a) if a.active() == Some(false) => out.push(format!(
            "{label} ({id}): version {} was deactivated; apply activates it again",
            desired.version
        )),
        Some(_) => {}
    }
    let roles: Vec<Option<String>> = launch_constraints(clients, &desired.portfolio_id, id)
        .await?
        .into_iter()
        .map(|(_, role)| role)
        .collect();
    if roles != [Some(desired.launch_role_arn.clone())] {
        out.push(format!(
            "{label} ({id}): the launch constraint is not exactly one on {}; apply restores it",
            desired.launch_role_arn
        ));
    }
    Ok(out)
}

/// Terminates what people launched from the product, then removes its launch constraints, its
/// association and the product. Not-found counts as deleted.
pub async fn delete(
    clients: &AwsClients,
    record: &Record,
    deadline: Deadline,
) -> Result<(), ChildError> {
    let id = record.physical_id.as_str();
    terminate_launched(clients, id, deadline).await?;
    if let Some(portfolio_id) = record.attributes.get(PORTFOLIO_ATTRIBUTE) {
        match launch_constraints(clients, portfolio_id, id).await {
            Ok(constraints) => {
                for (constraint, _) in constraints {
                    delete_constraint(clients, &constraint).await?;
                }
            }
            Err(e) if e.is_not_found() => {}
            Err(e) => return Err(e.into()),
        }
        clients
            .servicecatalog
            .disassociate_product_from_portfolio()
            .product_id(id)
            .portfolio_id(portfolio_id)
            .send()
            .await
            .map(|_| ())
            .map_err(|e| {
                AwsCallError::from_sdk("servicecatalog", "DisassociateProductFromPortfolio", e)
            })
            .or_gone()?;
    }
    clients
        .servicecatalog
        .delete_product()
        .id(id)
        .send()
        .await
        .map(|_| ())
        .map_err(|e| AwsCallError::from_sdk("servicecatalog", "DeleteProduct", e))
        .or_gone()?;
    Ok(())
}

/// The provisioned products of `product_id` in the account, as (id, status, status message).
async fn launched(
    clients: &AwsClients,
    product_id: &str,
) -> Result<Vec<(String, String, String)>, AwsCallError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = clients
            .servicecatalog
            .search_provisioned_products()
            .access_level_filter(
                AccessLevelFilter::builder()
                    .key(AccessLevelFilterKey::Account)
                    .value("self")
                    .build(),
            )
            .filters(
                ProvisionedProductViewFilterBy::SearchQuery,
                vec![format!("productId:{product_id}")],
            )
            .set_page_token(token.take())
            .send()
            .await
            .map_err(|e| {
                AwsCallError::from_sdk("servicecatalog", "SearchProvisionedProducts", e)
            })?;
        for pp in page.provisioned_products() {
            if pp.product_id() != Some(product_id) {
                continue;
            }
            if let Some(id) = pp.id() {
                out.push((
                    id.to_string(),
                    pp.status()
                        .map(|s| s.as_str().to_string())
                        .unwrap_or_default(),
                    pp.status_message().unwrap_or_default().to_string(),
                ));
            }
        }
        match page.next_page_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Ok(out),
        }
    }
}

/// Terminates every provisioned product of `product_id` and waits until they are gone. One
/// whose termination failed is reported with AWS's message.
async fn terminate_launched(
    clients: &AwsClients,
    product_id: &str,
    deadline: Deadline,
) -> Result<(), ChildError> {
    // Which ones were asked to terminate: a failure is only final after our own request.
    let asked = std::sync::Mutex::new(BTreeSet::<String>::new());
    poll_until(
        &format!("what people launched from product {product_id} to be terminated"),
        deadline,
        || {
            let asked = &asked;
            async move {
                let found = launched(clients, product_id).await?;
                if found.is_empty() {
                    return Ok(Poll::Ready(()));
                }
                for (pp, status, message) in &found {
                    if status == "UNDER_CHANGE" {
                        continue;
                    }
                    let before = asked.lock().map(|a| a.contains(pp)).unwrap_or(false);
                    if before && (status == "ERROR" || status == "TAINTED") {
                        return Err(AwsCallError {
                            service: "servicecatalog",
                            operation: "TerminateProvisionedProduct",
                            code: status.clone(),
                            message: format!("provisioned product {pp}: {message}"),
                            kind: crate::aws::ErrorKind::Other,
                        });
                    }
                    clients
                        .servicecatalog
                        .terminate_provisioned_product()
                        .provisioned_product_id(pp)
                        .terminate_token(format!("secure-mlops-{pp}"))
                        .send()
                        .await
                        .map_err(|e| {
                            AwsCallError::from_sdk(
                                "servicecatalog",
                                "TerminateProvisionedProduct",
                                e,
                            )
                        })
                        .or_gone()?;
                    if let Ok(mut a) = asked.lock() {
                        a.insert(pp.clone());
                    }
                }
                Ok(Poll::Pending(format!("{} still provisioned", found.len())))
            }
        },
    )
    .await?;
    Ok(())
}

impl ChildKind for kinds::TeamProduct {
    type Desired = DesiredProduct;

    fn desired(&self, cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<Self::Desired, ChildError> {
        let env_id = cx.env.env_id.clone();
        let sg = inputs.physical_id(&LogicalId::SageMakerSecurityGroup)?;
        let mut values: BTreeMap<&str, String> =
            BTreeMap::from([("EnvironmentId", env_id.clone()), ("SecurityGroupId", sg)]);
        match self.kind {
            TeamProductKind::NotebookInstance => {
                let subnet = inputs
                    .dependency("a private subnet", |id| {
                        matches!(id, LogicalId::PrivateSubnet(_))
                    })?
                    .physical_id
                    .clone();
                let (domain, repository) = self.packages.clone().unwrap_or_default();
                values.extend([
                    ("SubnetId", subnet),
                    (
                        "ExecutionRoleArn",
                        inputs.arn(&LogicalId::Role(Persona::Execution))?,
                    ),
                    (
                        "EbsKmsKeyArn",
                        inputs.arn(&LogicalId::KmsKey(KeyPurpose::Ebs))?,
                    ),
                    ("PackageDomain", domain),
                    ("PackageRepository", repository),
                    (
                        "InstanceTypePattern",
                        instance_type_pattern(&self.allowed_instance_types),
                    ),
                    (
                        "InstanceTypeDefault",
                        self.allowed_instance_types
                            .iter()
                            .find(|t| !t.contains(['*', '?']))
                            .cloned()
                            .unwrap_or_else(|| DEFAULT_INSTANCE_TYPE.to_string()),
                    ),
                    (
                        "InstanceTypeDescription",
                        if self.allowed_instance_types.is_empty() {
                            "a SageMaker instance type (ml.*)".to_string()
                        } else {
                            format!(
                                "an instance type the environment allows: {}",
                                self.allowed_instance_types.join(", ")
                            )
                        },
                    ),
                ]);
            }
            TeamProductKind::StudioUserProfile => {
                values.extend([
                    ("DomainId", inputs.physical_id(&LogicalId::StudioDomain)?),
                    (
                        "DataScientistRoleArn",
                        inputs.arn(&LogicalId::Role(Persona::DataScientist))?,
                    ),
                    (
                        "TeamAdminRoleArn",
                        inputs.arn(&LogicalId::Role(Persona::TeamAdmin))?,
                    ),
                ]);
            }
        }
        let template =
            render(source_template(self.kind), &values).map_err(|e| cx.refused(e.to_string()))?;
        let placement = Placement {
            bucket: inputs.physical_id(&LogicalId::CatalogBucket)?,
            prefix: format!("team-products/{}", self.kind.key()),
            portfolio_id: inputs.physical_id(&LogicalId::TeamPortfolio)?,
            launch_role_arn: inputs.arn(&LogicalId::Role(Persona::ScLaunch))?,
        };
        Ok(DesiredProduct::new(self.kind, &env_id, template, placement))
    }

    async fn ensure(&self, cx: &Cx<'_>, desired: &Self::Desired) -> Result<Record, ChildError> {
        ensure(cx.clients, cx.owner(), cx.tags(), KIND, desired).await
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

    fn notebook_values() -> BTreeMap<&'static str, String> {
        BTreeMap::from([
            ("EnvironmentId", "team-a-dev".to_string()),
            ("SecurityGroupId", "sg-1".to_string()),
            ("SubnetId", "subnet-1".to_string()),
            ("ExecutionRoleArn", "arn:aws:iam::1:role/x".to_string()),
            ("EbsKmsKeyArn", "arn:aws:kms:eu-west-1:1:key/k".to_string()),
            ("PackageDomain", "team-a-dev".to_string()),
            ("PackageRepository", "pypi".to_string()),
            (
                "InstanceTypePattern",
                instance_type_pattern(&["ml.t3.*".into()]),
            ),
            ("InstanceTypeDefault", "ml.t3.medium".to_string()),
            ("InstanceTypeDescription", "ml.t3.* \"quoted\"".to_string()),
        ])
    }

    #[test]
    fn every_marked_line_gets_its_value_and_every_value_a_line() {
        let out = render(NOTEBOOK_TEMPLATE, &notebook_values()).unwrap();
        assert!(!out.contains(MARKER));
        assert!(out.contains("      SubnetId: \"subnet-1\"\n"), "{out}");
        assert!(
            out.contains(r#"AllowedPattern: "^(ml\\.t3\\..*)$""#),
            "{out}"
        );
        assert!(out.contains(r#"ConstraintDescription: "ml.t3.* \"quoted\"""#));
        // Unmarked lines are untouched.
        assert!(out.contains("      RootAccess: Disabled\n"));
        let mut missing = notebook_values();
        missing.remove("SubnetId");
        assert!(matches!(
            render(NOTEBOOK_TEMPLATE, &missing),
            Err(RenderError::UnknownValue { name, .. }) if name == "SubnetId"
        ));
        let mut extra = notebook_values();
        extra.insert("Nothing", "x".into());
        assert_eq!(
            render(NOTEBOOK_TEMPLATE, &extra),
            Err(RenderError::Unused("Nothing".into()))
        );
    }

    #[test]
    fn the_profile_template_takes_the_domain_and_both_roles() {
        let values = BTreeMap::from([
            ("EnvironmentId", "e".to_string()),
            ("SecurityGroupId", "sg".to_string()),
            ("DomainId", "d-1".to_string()),
            ("DataScientistRoleArn", "arn:ds".to_string()),
            ("TeamAdminRoleArn", "arn:ta".to_string()),
        ]);
        let out = render(PROFILE_TEMPLATE, &values).unwrap();
        assert!(out.contains("Arn: \"arn:ta\""));
        assert!(out.contains("DomainId: \"d-1\""));
    }

    #[test]
    fn instance_type_globs_become_one_anchored_pattern() {
        assert_eq!(instance_type_pattern(&[]), r"^ml\..+$");
        assert_eq!(
            instance_type_pattern(&[
                "ml.t3.medium".into(),
                "ml.m5.*".into(),
                "ml.g?.xlarge".into()
            ]),
            r"^(ml\.t3\.medium|ml\.m5\..*|ml\.g.\.xlarge)$"
        );
    }

    #[test]
    fn a_new_template_is_a_new_version_and_key() {
        let placement = Placement {
            bucket: "b".into(),
            prefix: "team-products/notebook-instance".into(),
            portfolio_id: "port-1".into(),
            launch_role_arn: "arn:r".into(),
        };
        let a = DesiredProduct::new(
            TeamProductKind::NotebookInstance,
            "team-a-dev",
            "one".into(),
            placement.clone(),
        );
        let b = DesiredProduct::new(
            TeamProductKind::NotebookInstance,
            "team-a-dev",
            "two".into(),
            placement,
        );
        assert_eq!(a.name, "team-a-dev-notebook-instance");
        assert_ne!(a.version, b.version);
        assert_eq!(a.version.len(), 18);
        assert_eq!(
            a.key,
            format!("team-products/notebook-instance/{}.yaml", a.version)
        );
    }
}
