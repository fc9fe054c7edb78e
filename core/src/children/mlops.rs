//! The children of the MLOps project templates (`sagemaker_mlops_project_templates`): the MLOps
//! bucket, each template's seed code in it, the build and launch roles, the portfolio Studio
//! shows and one product per template.
//!
//! They are children of the environment (its tag, its names), made by their own resource after
//! it: what they use of the environment (subnets, security group, keys, roles, model bucket) was
//! found by its tags and names before their graph was made, and is in their nodes. The bucket,
//! portfolio and products are made as the team portfolio's are (`catalog_bucket`,
//! `team_portfolio`, `team_product`): adopted by name only when tagged as the child, templates
//! published as content-hash versions, launched through a LAUNCH constraint.

use std::collections::BTreeMap;
use std::io::Write as _;

use aws_sdk_s3::primitives::ByteStream;
use sha2::{Digest, Sha256};

use super::catalog_bucket::{self, DesiredCatalogBucket};
use super::error::ChildError;
use super::kind::{ChildKind, Cx, Inputs};
use super::role::{self, RoleDefinition, PERMISSIONS_POLICY_NAME};
use super::team_portfolio::{self, DesiredPortfolio};
use super::team_product::{self, render, DesiredProduct, Placement};
use crate::aws::{AwsCallError, AwsClients, NotFoundIsNone};
use crate::engine::Record;
use crate::graph::environment as kinds;
use crate::ids::{LogicalId, MlopsRoleKind, MlopsTemplateKind, RecordKind};
use crate::mlops::project;
use crate::policy::environment::catalog_bucket_policy;
use crate::policy::environment::mlops::{
    mlops_bucket_name, mlops_permissions_policy, mlops_role_name, mlops_trust_policy,
    MlopsRoleInput,
};
use crate::policy::environment::packages::PackageRepositoryNames;
use crate::wait::{poll_until, Deadline, Poll};

mod embedded {
    //! The seed code, embedded by `core/build.rs`.
    include!(concat!(env!("OUT_DIR"), "/seed_code.rs"));
}

/// The tag that makes Studio list a Service Catalog product as a project template.
pub const STUDIO_VISIBILITY_TAG: (&str, &str) = ("sagemaker:studio-visibility", "true");
/// Record attribute: the seed zip's SHA-256 (also its object metadata).
pub const SHA256_ATTRIBUTE: &str = "sha256";
/// Record attribute: the bucket an object is in.
pub const BUCKET_ATTRIBUTE: &str = "bucket";
/// The object metadata key holding the seed zip's SHA-256.
const SHA256_METADATA: &str = "sha256";

const MODEL_BUILD_TRAIN_TEMPLATE: &str = include_str!("../../../cfn/mlops/model-build-train.yaml");
const MODEL_DEPLOY_TEMPLATE: &str = include_str!("../../../cfn/mlops/model-deploy.yaml");

/// The template of `kind` as the repository holds it.
pub fn source_template(kind: MlopsTemplateKind) -> &'static str {
    match kind {
        MlopsTemplateKind::ModelBuildTrain => MODEL_BUILD_TRAIN_TEMPLATE,
        MlopsTemplateKind::ModelDeploy => MODEL_DEPLOY_TEMPLATE,
    }
}

/// The seed code files of `kind`: paths relative to `mlops/seed-code/<dir>/`, sorted, and
/// their contents.
pub fn seed_files(kind: MlopsTemplateKind) -> &'static [(&'static str, &'static [u8])] {
    match kind {
        MlopsTemplateKind::ModelBuildTrain => embedded::MODEL_BUILD_TRAIN,
        MlopsTemplateKind::ModelDeploy => embedded::MODEL_DEPLOY,
    }
}

/// Where a template's seed zip is in the MLOps bucket (the template's `SourceObjectKey`
/// default).
pub fn seed_key(kind: MlopsTemplateKind) -> String {
    format!("seed-code/{}.zip", kind.key())
}

/// `files` as a zip, byte for byte the same for the same files (fixed times, given order), so
/// its hash says whether the seed changed.
pub fn seed_zip(files: &[(&str, &[u8])]) -> Result<Vec<u8>, zip::result::ZipError> {
    let mut writer = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Stored)
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for (path, body) in files {
        writer.start_file(*path, options)?;
        writer.write_all(body)?;
    }
    Ok(writer.finish()?.into_inner())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

impl ChildKind for kinds::MlopsBucket {
    type Desired = DesiredCatalogBucket;

    fn desired(&self, cx: &Cx<'_>, _inputs: &Inputs<'_>) -> Result<Self::Desired, ChildError> {
        let name = mlops_bucket_name(&cx.env.facts);
        Ok(DesiredCatalogBucket {
            policy: catalog_bucket_policy(&cx.env.facts, &name),
            name,
            versioned: true,
            record_kind: RecordKind::MlopsBucket,
        })
    }

    async fn ensure(&self, cx: &Cx<'_>, desired: &Self::Desired) -> Result<Record, ChildError> {
        catalog_bucket::ensure(cx.clients, cx.owner(), cx.tags(), desired).await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        desired: &Self::Desired,
    ) -> Result<Vec<String>, ChildError> {
        catalog_bucket::drift(cx.clients, record, desired).await
    }

    fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
        false
    }
}

/// What a seed zip object should be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DesiredSeedCode {
    /// The MLOps bucket.
    pub bucket: String,
    /// `seed-code/<template>.zip`.
    pub key: String,
    /// The zip.
    pub body: Vec<u8>,
    /// Its SHA-256, hex.
    pub sha256: String,
}

/// The seed zip's SHA-256 as its object metadata says, `None` when there is no object.
async fn uploaded_hash(
    clients: &AwsClients,
    bucket: &str,
    key: &str,
) -> Result<Option<String>, AwsCallError> {
    let head = clients
        .s3
        .head_object()
        .bucket(bucket)
        .key(key)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("s3", "HeadObject", e))
        .or_gone()?;
    Ok(head.map(|h| {
        h.metadata()
            .and_then(|m| m.get(SHA256_METADATA))
            .cloned()
            .unwrap_or_default()
    }))
}

fn seed_record(desired: &DesiredSeedCode, partition: &str) -> Record {
    Record {
        kind: RecordKind::MlopsSeedCode,
        physical_id: desired.key.clone(),
        arn: Some(format!(
            "arn:{partition}:s3:::{}/{}",
            desired.bucket, desired.key
        )),
        attributes: BTreeMap::from([
            (BUCKET_ATTRIBUTE.to_string(), desired.bucket.clone()),
            (SHA256_ATTRIBUTE.to_string(), desired.sha256.clone()),
        ]),
        depends_on: Vec::new(),
    }
}

/// Deletes every version of the seed zip (the bucket is versioned); a bucket or object already
/// gone counts as deleted.
pub async fn delete_seed_code(clients: &AwsClients, record: &Record) -> Result<(), ChildError> {
    let Some(bucket) = record.attributes.get(BUCKET_ATTRIBUTE) else {
        return Ok(());
    };
    let key = record.physical_id.as_str();
    let listed = clients
        .s3
        .list_object_versions()
        .bucket(bucket)
        .prefix(key)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("s3", "ListObjectVersions", e))
        .or_gone()?;
    let Some(listed) = listed else {
        return Ok(());
    };
    let versions = listed.versions().iter().map(|v| (v.key(), v.version_id()));
    let markers = listed
        .delete_markers()
        .iter()
        .map(|m| (m.key(), m.version_id()));
    for (found, version) in versions.chain(markers) {
        if found != Some(key) {
            continue;
        }
        clients
            .s3
            .delete_object()
            .bucket(bucket)
            .key(key)
            .set_version_id(version.map(str::to_string))
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("s3", "DeleteObject", e))
            .or_gone()?;
    }
    Ok(())
}

impl ChildKind for kinds::MlopsSeedCode {
    type Desired = DesiredSeedCode;

    fn desired(&self, cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<Self::Desired, ChildError> {
        let body = seed_zip(seed_files(self.template))
            .map_err(|e| cx.refused(format!("zipping the seed code: {e}")))?;
        Ok(DesiredSeedCode {
            bucket: inputs.physical_id(&LogicalId::MlopsBucket)?,
            key: seed_key(self.template),
            sha256: hex(&Sha256::digest(&body)),
            body,
        })
    }

    /// Uploads the zip unless the object there already has its hash: every upload is a new
    /// version, which starts the pipelines that build from it.
    async fn ensure(&self, cx: &Cx<'_>, desired: &Self::Desired) -> Result<Record, ChildError> {
        let current = uploaded_hash(cx.clients, &desired.bucket, &desired.key).await?;
        if current.as_deref() != Some(desired.sha256.as_str()) {
            cx.clients
                .s3
                .put_object()
                .bucket(&desired.bucket)
                .key(&desired.key)
                .body(ByteStream::from(desired.body.clone()))
                .content_type("application/zip")
                .metadata(SHA256_METADATA, &desired.sha256)
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("s3", "PutObject", e))?;
        }
        Ok(seed_record(desired, &cx.clients.partition))
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        _record: &Record,
        desired: &Self::Desired,
    ) -> Result<Vec<String>, ChildError> {
        let at = format!("s3://{}/{}", desired.bucket, desired.key);
        Ok(
            match uploaded_hash(cx.clients, &desired.bucket, &desired.key).await? {
                None => vec![format!(
                    "{} ({at}): the seed code is gone; apply uploads it again",
                    cx.id
                )],
                Some(hash) if hash != desired.sha256 => vec![format!(
                    "{} ({at}): the seed code is not this version's; apply uploads it again",
                    cx.id
                )],
                Some(_) => Vec::new(),
            },
        )
    }

    fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
        false
    }
}

fn role_input(kind: &kinds::MlopsRole) -> MlopsRoleInput {
    let env = &kind.environment;
    MlopsRoleInput {
        subnet_ids: env.subnet_ids.clone(),
        data_key_arn: env.data_key_arn.clone(),
        ebs_key_arn: env.ebs_key_arn.clone(),
        models_bucket: env.models_bucket.clone(),
        execution_role_arn: env.execution_role_arn.clone(),
        packages: env
            .packages
            .clone()
            .map(|(domain, repository)| PackageRepositoryNames { domain, repository }),
        source: kind.source.clone(),
    }
}

impl ChildKind for kinds::MlopsRole {
    type Desired = RoleDefinition;

    fn desired(&self, cx: &Cx<'_>, _inputs: &Inputs<'_>) -> Result<Self::Desired, ChildError> {
        let facts = &cx.env.facts;
        let env_id = &cx.env.env_id;
        Ok(RoleDefinition {
            name: mlops_role_name(env_id, self.kind),
            description: format!(
                "secure-mlops environment {env_id}: MLOps {} role",
                self.kind.key()
            ),
            trust: mlops_trust_policy(facts, self.kind),
            policy_name: PERMISSIONS_POLICY_NAME,
            permissions: mlops_permissions_policy(facts, self.kind, &role_input(self)),
            boundary: cx.env.permissions_boundary_arn.clone(),
        })
    }

    async fn ensure(&self, cx: &Cx<'_>, desired: &Self::Desired) -> Result<Record, ChildError> {
        let arn = role::ensure_defined(cx.clients, cx.owner(), cx.tags(), desired).await?;
        Ok(Record {
            kind: RecordKind::MlopsRole,
            physical_id: desired.name.clone(),
            arn: Some(arn),
            attributes: BTreeMap::new(),
            depends_on: Vec::new(),
        })
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        desired: &Self::Desired,
    ) -> Result<Vec<String>, ChildError> {
        role::drift_defined(cx.clients, &record.physical_id, desired).await
    }

    fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
        false
    }
}

impl ChildKind for kinds::MlopsPortfolio {
    type Desired = DesiredPortfolio;

    fn desired(&self, cx: &Cx<'_>, _inputs: &Inputs<'_>) -> Result<Self::Desired, ChildError> {
        let mut principals = self.principals.clone();
        principals.sort();
        principals.dedup();
        Ok(DesiredPortfolio {
            display_name: format!("{}-mlops", cx.env.env_id),
            description: format!(
                "SageMaker project templates of the secure data-science environment {}",
                cx.env.env_id
            ),
            principals,
            record_kind: RecordKind::MlopsPortfolio,
            opt_out: "destroy the sagemaker_mlops_project_templates of this environment",
        })
    }

    async fn ensure(&self, cx: &Cx<'_>, desired: &Self::Desired) -> Result<Record, ChildError> {
        team_portfolio::ensure(cx.clients, cx.owner(), cx.tags(), desired).await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        desired: &Self::Desired,
    ) -> Result<Vec<String>, ChildError> {
        team_portfolio::drift(cx.clients, record, desired).await
    }

    fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
        false
    }
}

/// The MLOps roles a template names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateRoles {
    /// What the project's CodePipeline and CodeBuild run as.
    pub build: String,
    /// What EventBridge starts the deploy pipeline as.
    pub events: String,
    /// What CloudFormation deploys the endpoints as.
    pub deploy: String,
}

/// The values the engine writes into `kind`'s template.
pub fn template_values(
    kind: &kinds::MlopsTemplate,
    env_id: &str,
    mlops_bucket: &str,
    roles: &TemplateRoles,
) -> BTreeMap<&'static str, String> {
    let env = &kind.environment;
    let (domain, repository) = env.packages.clone().unwrap_or_default();
    let mut values = BTreeMap::from([
        ("EnvironmentId", env_id.to_string()),
        ("SubnetIds", env.subnet_ids.join(",")),
        ("SecurityGroupId", env.security_group_id.clone()),
        ("VpcId", env.vpc_id.clone()),
        ("DataKmsKeyArn", env.data_key_arn.clone()),
        ("EbsKmsKeyArn", env.ebs_key_arn.clone()),
        ("MlopsBucket", mlops_bucket.to_string()),
        ("ModelsBucket", env.models_bucket.clone()),
        ("BuildRoleArn", roles.build.clone()),
        ("PipelineRoleArn", env.execution_role_arn.clone()),
        ("SourceType", kind.source.kind.as_str().to_string()),
        (
            "ConnectionArn",
            kind.source.connection_arn.clone().unwrap_or_default(),
        ),
        (
            "Repository",
            kind.source.repository.clone().unwrap_or_default(),
        ),
        ("Branch", kind.source.branch.clone()),
        ("PackageDomain", domain),
        ("PackageRepository", repository),
        ("SeedObjectKey", seed_key(kind.template)),
    ]);
    if kind.template == MlopsTemplateKind::ModelDeploy {
        values.insert("EventsRoleArn", roles.events.clone());
        values.insert("DeployRoleArn", roles.deploy.clone());
    }
    values
}

impl ChildKind for kinds::MlopsTemplate {
    type Desired = DesiredProduct;

    fn desired(&self, cx: &Cx<'_>, inputs: &Inputs<'_>) -> Result<Self::Desired, ChildError> {
        let env_id = &cx.env.env_id;
        let bucket = inputs.physical_id(&LogicalId::MlopsBucket)?;
        let role = |kind| inputs.arn(&LogicalId::MlopsRole(kind));
        let roles = TemplateRoles {
            build: role(MlopsRoleKind::Build)?,
            events: role(MlopsRoleKind::Events)?,
            deploy: role(MlopsRoleKind::Deploy)?,
        };
        let values = template_values(self, env_id, &bucket, &roles);
        let template = render(source_template(self.template), &values)
            .map_err(|e| cx.refused(e.to_string()))?;
        let placement = Placement {
            bucket,
            prefix: format!("templates/{}", self.template.key()),
            portfolio_id: inputs.physical_id(&LogicalId::MlopsPortfolio)?,
            launch_role_arn: inputs.arn(&LogicalId::MlopsRole(MlopsRoleKind::Launch))?,
        };
        let mut product = DesiredProduct::published(
            format!("{env_id}-{}", self.template.key()),
            template,
            placement,
        );
        product.label = cx.id.to_string();
        product.description = match self.template {
            MlopsTemplateKind::ModelBuildTrain => format!(
                "Model build and train in {env_id}: CodePipeline and CodeBuild inside the \
                 environment's VPC run a SageMaker Pipeline that registers models pending approval"
            ),
            MlopsTemplateKind::ModelDeploy => format!(
                "Model deploy in {env_id}: an approved model version is deployed to a staging \
                 endpoint in the environment's VPC, tested, and after a person's approval to \
                 production, with the ebs and data keys"
            ),
        };
        product.source_path = format!("cfn/mlops/{}.yaml", self.template.key());
        product.extra_tags = BTreeMap::from([(
            STUDIO_VISIBILITY_TAG.0.to_string(),
            STUDIO_VISIBILITY_TAG.1.to_string(),
        )]);
        product.opt_out = "remove the template from sagemaker_mlops_project_templates";
        Ok(product)
    }

    async fn ensure(&self, cx: &Cx<'_>, desired: &Self::Desired) -> Result<Record, ChildError> {
        team_product::ensure(
            cx.clients,
            cx.owner(),
            cx.tags(),
            RecordKind::MlopsTemplate,
            desired,
        )
        .await
    }

    async fn drift(
        &self,
        cx: &Cx<'_>,
        record: &Record,
        desired: &Self::Desired,
    ) -> Result<Vec<String>, ChildError> {
        team_product::drift(cx.clients, record, desired).await
    }

    fn is_stale(&self, _cx: &Cx<'_>, _record: &Record) -> bool {
        false
    }
}

/// The SageMaker projects made from the product `product_id`.
async fn projects_of(clients: &AwsClients, product_id: &str) -> Result<Vec<String>, AwsCallError> {
    let pages = clients
        .sagemaker
        .list_projects()
        .into_paginator()
        .send()
        .collect::<Vec<_>>()
        .await;
    let pages = AwsCallError::collect("sagemaker", "ListProjects", pages)?;
    let mut out = Vec::new();
    for name in pages
        .iter()
        .flat_map(|p| p.project_summary_list())
        .filter_map(|p| p.project_name())
    {
        // A project listed a moment ago may be gone now (another template's delete runs at
        // the same time): SageMaker then answers a ValidationException, which `describe`
        // reads as gone.
        let project = project::describe(clients, name).await?;
        let made_from = project.as_ref().map(|p| p.product_id.as_str());
        if made_from == Some(product_id) {
            out.push(name.to_string());
        }
    }
    Ok(out)
}

/// Deletes the SageMaker projects made from the template (first what their pipelines made
/// outside their stacks: endpoint stacks, SageMaker Pipelines; then each project, which takes
/// its provisioned product and stack with it), waits for them to go, then deletes the product
/// as the team products are deleted (what was launched outside a project, the constraint, the
/// association, the product). Refuses before deleting anything when a project's model package
/// group holds versions.
pub async fn delete_template(
    clients: &AwsClients,
    record: &Record,
    deadline: Deadline,
) -> Result<(), ChildError> {
    let product_id = record.physical_id.as_str();
    let projects = projects_of(clients, product_id).await?;
    // Read every project first: one whose model package group holds versions would fail its
    // stack's delete half way (SageMaker keeps such a group), so nothing is deleted then.
    let mut found = Vec::new();
    for name in &projects {
        if let Some(project) = project::read(clients, name).await? {
            let versions = project::held_versions(clients, &project).await?;
            if !versions.is_empty() {
                return Err(ChildError::Refused {
                    child: record.physical_id.clone(),
                    reason: format!(
                        "project {name} (made from this template) holds {} model version(s) in \
                         its model package group; nothing was deleted: destroy the project with \
                         force_destroy = true, or delete the versions, first",
                        versions.len()
                    ),
                });
            }
            found.push(project);
        }
    }
    for project in &found {
        // What the project's pipelines made outside its stack: the endpoints a deploy project's
        // pipeline deployed, the SageMaker Pipeline a build project's build made.
        project::delete_leftovers(clients, project, deadline)
            .await
            .map_err(|e| match e {
                project::ProjectError::Aws(e) => ChildError::Aws(e),
                project::ProjectError::Wait(e) => ChildError::Wait(e),
                other => ChildError::Refused {
                    child: record.physical_id.clone(),
                    reason: other.to_string(),
                },
            })?;
    }
    for name in &projects {
        clients
            .sagemaker
            .delete_project()
            .project_name(name)
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "DeleteProject", e))
            .or_gone()?;
    }
    if !projects.is_empty() {
        poll_until(
            &format!("the SageMaker projects made from product {product_id} to be deleted"),
            deadline,
            || async {
                let left = projects_of(clients, product_id).await?;
                Ok::<_, AwsCallError>(if left.is_empty() {
                    Poll::Ready(())
                } else {
                    Poll::Pending(format!("still there: {}", left.join(", ")))
                })
            },
        )
        .await?;
    }
    team_product::delete(clients, record, deadline).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::environment::MlopsEnvironment;
    use crate::spec::{SourceKind, SourceSpec};

    fn template(source: SourceSpec) -> kinds::MlopsTemplate {
        kinds::MlopsTemplate {
            template: MlopsTemplateKind::ModelBuildTrain,
            environment: MlopsEnvironment {
                vpc_id: "vpc-1".into(),
                subnet_ids: vec!["subnet-a".into(), "subnet-b".into()],
                security_group_id: "sg-1".into(),
                data_key_arn: "arn:aws:kms:eu-west-1:123456789012:key/data".into(),
                ebs_key_arn: "arn:aws:kms:eu-west-1:123456789012:key/ebs".into(),
                models_bucket: "team-a-dev-models".into(),
                execution_role_arn:
                    "arn:aws:iam::123456789012:role/secure-mlops/team-a-dev-execution".into(),
                people_role_arns: Vec::new(),
                packages: Some(("team-a-dev".into(), "pypi".into())),
            },
            source,
        }
    }

    fn roles() -> TemplateRoles {
        TemplateRoles {
            build: "arn:build".into(),
            events: "arn:events".into(),
            deploy: "arn:deploy".into(),
        }
    }

    #[test]
    fn the_deploy_template_names_the_events_and_deploy_roles_and_its_own_seed() {
        let mut kind = template(SourceSpec::default());
        kind.template = MlopsTemplateKind::ModelDeploy;
        let values = template_values(&kind, "team-a-dev", "mlops-bucket", &roles());
        let rendered = render(source_template(kind.template), &values).unwrap();
        for expected in [
            "EventsRoleArn: \"arn:events\"",
            "DeployRoleArn: \"arn:deploy\"",
            "BuildRoleArn: \"arn:build\"",
            "EbsKmsKeyArn: \"arn:aws:kms:eu-west-1:123456789012:key/ebs\"",
            "Default: \"seed-code/model-deploy.zip\"",
        ] {
            assert!(rendered.contains(expected), "{expected} not in\n{rendered}");
        }
        assert!(!rendered.contains("# engine:"));
        let files = seed_files(MlopsTemplateKind::ModelDeploy);
        for needed in [
            "buildspec.yml",
            "buildspec-test.yml",
            "endpoint.yaml",
            "stages.json",
        ] {
            assert!(files.iter().any(|(p, _)| *p == needed), "{needed}");
        }
    }

    #[test]
    fn every_marked_line_of_the_template_gets_its_value() {
        let kind = template(SourceSpec::default());
        let values = template_values(&kind, "team-a-dev", "mlops-bucket", &roles());
        let rendered = render(source_template(kind.template), &values).unwrap();
        for expected in [
            "SubnetIds: \"subnet-a,subnet-b\"",
            "SecurityGroupId: \"sg-1\"",
            "DataKmsKeyArn: \"arn:aws:kms:eu-west-1:123456789012:key/data\"",
            "BuildRoleArn: \"arn:build\"",
            "SourceType: \"s3\"",
            "PackageDomain: \"team-a-dev\"",
            "Default: \"seed-code/model-build-train.zip\"",
        ] {
            assert!(rendered.contains(expected), "{expected} not in\n{rendered}");
        }
        assert!(!rendered.contains("# engine:"));
    }

    #[test]
    fn a_connection_source_is_written_in() {
        let kind = template(SourceSpec {
            kind: SourceKind::CodeConnections,
            connection_arn: Some(
                "arn:aws:codeconnections:eu-west-1:123456789012:connection/x".into(),
            ),
            repository: Some("org/repo".into()),
            branch: "release".into(),
        });
        let values = template_values(&kind, "team-a-dev", "b", &roles());
        let rendered = render(source_template(kind.template), &values).unwrap();
        assert!(rendered.contains("SourceType: \"codeconnections\""));
        assert!(rendered.contains("Repository: \"org/repo\""));
        assert!(rendered.contains("Branch: \"release\""));
    }

    #[test]
    fn the_seed_zip_is_the_same_for_the_same_files_and_holds_every_file() {
        let files = seed_files(MlopsTemplateKind::ModelBuildTrain);
        assert!(
            files.iter().any(|(p, _)| *p == "buildspec.yml"),
            "the seed code has a buildspec.yml: {:?}",
            files.iter().map(|f| f.0).collect::<Vec<_>>()
        );
        let a = seed_zip(files).unwrap();
        let b = seed_zip(files).unwrap();
        assert_eq!(a, b);
        let archive = zip::ZipArchive::new(std::io::Cursor::new(a)).unwrap();
        assert_eq!(archive.len(), files.len());
        let changed: Vec<(&str, &[u8])> = vec![("buildspec.yml", b"other".as_slice())];
        assert_ne!(seed_zip(&changed).unwrap(), seed_zip(files).unwrap());
    }

    #[test]
    fn no_cache_or_bytecode_is_shipped() {
        for (path, _) in seed_files(MlopsTemplateKind::ModelBuildTrain) {
            assert!(
                !path.contains("__pycache__") && !path.ends_with(".pyc"),
                "{path}"
            );
        }
    }
}
