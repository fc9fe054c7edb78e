//! MLOps project templates: the operations behind `sagemaker_mlops_project_templates` and
//! `Custom::MlopsProjectTemplates`.
//!
//! The templates serve an environment made by another resource. [`discover`] finds what they use
//! of it by its tags and names (subnets, SageMaker security group, keys, roles, model bucket,
//! package repository, permissions boundary) and refuses clearly when it is not there; the graph
//! ([`templates_graph`]) is then made of the MLOps children with those values in their nodes, and
//! run by the same executor and driver as the environment's children, with the same ledger.

pub mod project;

use crate::audit::AuditError;
use crate::aws::{AwsCallError, AwsClients, NotFoundIsNone};
use crate::children::driver::EnvironmentDriver;
use crate::children::ec2_tags::filter;
use crate::children::error::ChildError;
use crate::children::kind::{BucketNames, EnvironmentContext};
use crate::engine::{self, ExecError, ExecFailure, ExecOptions, ExecReport, Ledger};
use crate::environment::{Drift, CONCURRENCY};
use crate::graph::environment::{
    Child, MlopsBucket, MlopsEnvironment, MlopsPortfolio, MlopsRole, MlopsSeedCode, MlopsTemplate,
};
use crate::graph::{Graph, GraphError, Node};
use crate::ids::{
    BucketPurpose, KeyPurpose, LogicalId, MlopsRoleKind, Persona, COMPONENT_TAG, ENVIRONMENT_TAG,
};
use crate::policy::environment::roles::{environment_role_arn, persona_role_name};
use crate::policy::environment::EnvironmentFacts;
use crate::spec::{
    Choice, EfsRetention, GuardrailSpec, MlopsTemplatesSpec, PackageUpstream, PackagesSpec,
    ValidationErrors,
};
use crate::wait::Deadline;

/// Why an MLOps templates operation failed.
#[derive(Debug, thiserror::Error)]
pub enum MlopsError {
    /// The spec is invalid; nothing was called.
    #[error("invalid MLOps project templates: {0}")]
    Invalid(#[from] ValidationErrors),
    /// The environment is not there, or not whole.
    #[error("environment {env_id}: {detail}")]
    Environment {
        /// The environment id.
        env_id: String,
        /// What is missing and what to do.
        detail: String,
    },
    /// Reading the environment failed.
    #[error("reading the environment: {0}")]
    Read(#[from] AwsCallError),
    /// The spec maps to a malformed graph: a bug, reported rather than run.
    #[error("internal error building the MLOps graph: {0}")]
    Graph(#[from] GraphError),
    /// Child operations failed.
    #[error("{}", .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Children(Vec<ExecError<ChildError>>),
    /// Reading a child failed.
    #[error("reading {child}: {source}")]
    ReadChild {
        /// The child's logical id.
        child: String,
        /// Why.
        #[source]
        source: ChildError,
    },
}

/// A failed operation and what exists after it.
#[derive(Debug, thiserror::Error)]
#[error("{error}")]
pub struct Failed {
    /// Every child that exists now.
    pub ledger: Ledger,
    /// Why the operation stopped.
    #[source]
    pub error: MlopsError,
}

impl From<ExecFailure<ChildError>> for Failed {
    fn from(failure: ExecFailure<ChildError>) -> Self {
        Failed {
            ledger: failure.ledger,
            error: MlopsError::Children(failure.errors),
        }
    }
}

/// The facts of the environment `spec` names, in this account and region.
pub fn facts(clients: &AwsClients, spec: &MlopsTemplatesSpec) -> EnvironmentFacts {
    let (name, stage) = spec
        .environment_id
        .rsplit_once('-')
        .unwrap_or((spec.environment_id.as_str(), ""));
    EnvironmentFacts {
        partition: clients.partition.clone(),
        account_id: clients.account_id.clone(),
        region: clients.region.clone(),
        name: name.to_string(),
        stage: stage.to_string(),
        trusted_principal_arns: Vec::new(),
    }
}

/// The model bucket's name: the spec's, or the environment's default.
pub fn models_bucket(clients: &AwsClients, spec: &MlopsTemplatesSpec) -> String {
    spec.models_bucket_name.clone().unwrap_or_else(|| {
        format!(
            "{}-{}-{}-{}",
            spec.environment_id,
            clients.region,
            clients.account_id,
            BucketPurpose::Models.key()
        )
    })
}

/// What the templates use of the environment, and the permissions boundary its roles carry (the
/// MLOps roles carry the same one).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Discovered {
    /// The environment's parts.
    pub environment: MlopsEnvironment,
    /// Its roles' permissions boundary.
    pub permissions_boundary_arn: Option<String>,
}

/// Finds the environment `spec` names: its SageMaker security group and private subnets by their
/// tags, its keys by their aliases, its roles by their names, its model bucket and package
/// repository by theirs. Each missing part is refused with what to do.
pub async fn discover(
    clients: &AwsClients,
    spec: &MlopsTemplatesSpec,
) -> Result<Discovered, MlopsError> {
    let env_id = spec.environment_id.as_str();
    let missing = |detail: String| MlopsError::Environment {
        env_id: env_id.to_string(),
        detail,
    };
    let ec2 = &clients.ec2;
    let groups = ec2
        .describe_security_groups()
        .filters(filter(&format!("tag:{ENVIRONMENT_TAG}"), env_id))
        .filters(filter(
            &format!("tag:{COMPONENT_TAG}"),
            &LogicalId::SageMakerSecurityGroup.to_string(),
        ))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeSecurityGroups", e))?;
    let group = groups.security_groups().first().ok_or_else(|| {
        missing(
            "no SageMaker security group is tagged for it in this account and region: \
             create the environment first (environment_id = its id output)"
                .to_string(),
        )
    })?;
    let subnets = ec2
        .describe_subnets()
        .filters(filter(&format!("tag:{ENVIRONMENT_TAG}"), env_id))
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeSubnets", e))?;
    let mut private: Vec<(usize, String)> = subnets
        .subnets()
        .iter()
        .filter_map(|s| {
            let component = s
                .tags()
                .iter()
                .find(|t| t.key() == Some(COMPONENT_TAG))
                .and_then(|t| t.value())?;
            match component.parse() {
                Ok(LogicalId::PrivateSubnet(i)) => Some((i, s.subnet_id()?.to_string())),
                _ => None,
            }
        })
        .collect();
    private.sort();
    if private.is_empty() {
        return Err(missing(
            "no private subnet is tagged for it: CodeBuild and the pipelines' jobs run in them"
                .to_string(),
        ));
    }
    let found = crate::audit::reads::scope(clients, env_id)
        .await
        .map_err(|e| match e {
            AuditError::NotFound(_) => missing("not found by its tags".to_string()),
            AuditError::Aws(e) => MlopsError::Read(e),
        })?;
    let key = |purpose: KeyPurpose| {
        found
            .key_arns
            .iter()
            .find(|(p, _)| *p == purpose)
            .map(|(_, arn)| arn.clone())
            .ok_or_else(|| {
                missing(format!(
                    "its {} key (alias/secure-mlops/{env_id}/{}) is not there",
                    purpose.key(),
                    purpose.key()
                ))
            })
    };
    let (data_key_arn, ebs_key_arn) = (key(KeyPurpose::Data)?, key(KeyPurpose::Ebs)?);
    let role = |persona: Persona| persona_role_name(env_id, persona);
    let execution = crate::children::role::get_role(clients, &role(Persona::Execution))
        .await
        .map_err(|e| missing(format!("reading its execution role: {e}")))?
        .ok_or_else(|| {
            missing(format!(
                "its execution role {} is not there: the MLOps templates need the roles the \
                 environment creates (an environment given roles of its own through iam.*_role_arn \
                 is not supported yet)",
                role(Persona::Execution)
            ))
        })?;
    let permissions_boundary_arn = execution
        .permissions_boundary()
        .and_then(|b| b.permissions_boundary_arn())
        .map(str::to_string);
    let models_bucket = models_bucket(clients, spec);
    clients
        .s3
        .head_bucket()
        .bucket(&models_bucket)
        .send()
        .await
        .map_err(|e| AwsCallError::from_sdk("s3", "HeadBucket", e))
        .or_gone()?
        .ok_or_else(|| {
            missing(format!(
                "its model bucket {models_bucket} is not there: when the environment names its \
                 own (storage.model_bucket_name), set models_bucket_name to it"
            ))
        })?;
    let domain = PackagesSpec::domain_name(env_id);
    let mut packages = None;
    for upstream in <PackageUpstream as Choice>::ALL {
        let found = clients
            .codeartifact
            .describe_repository()
            .domain(&domain)
            .repository(upstream.as_str())
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("codeartifact", "DescribeRepository", e))
            .or_gone()?;
        if found.is_some() {
            packages = Some((domain.clone(), upstream.as_str().to_string()));
            break;
        }
    }
    let people_role_arns = Persona::PEOPLE
        .iter()
        .map(|p| environment_role_arn(&clients.partition, &clients.account_id, &role(*p)))
        .collect();
    Ok(Discovered {
        environment: MlopsEnvironment {
            vpc_id: group.vpc_id().unwrap_or_default().to_string(),
            subnet_ids: private.into_iter().map(|(_, id)| id).collect(),
            security_group_id: group.group_id().unwrap_or_default().to_string(),
            data_key_arn,
            ebs_key_arn,
            models_bucket,
            execution_role_arn: execution.arn().to_string(),
            people_role_arns,
            packages,
        },
        permissions_boundary_arn,
    })
}

/// The graph of `spec`'s children, with what [`discover`] found.
pub fn templates_graph(
    spec: &MlopsTemplatesSpec,
    environment: &MlopsEnvironment,
) -> Result<Graph<Child>, GraphError> {
    let mut nodes = Vec::new();
    let mut add = |id: LogicalId, kind: Child, deps: Vec<LogicalId>| {
        nodes.push(Node {
            id: id.to_string(),
            kind,
            depends_on: deps.iter().map(ToString::to_string).collect(),
        });
    };
    add(
        LogicalId::MlopsBucket,
        Child::MlopsBucket(MlopsBucket),
        vec![],
    );
    for kind in MlopsRoleKind::ALL {
        add(
            LogicalId::MlopsRole(kind),
            Child::MlopsRole(MlopsRole {
                kind,
                environment: environment.clone(),
                source: spec.source.clone(),
            }),
            vec![],
        );
    }
    add(
        LogicalId::MlopsPortfolio,
        Child::MlopsPortfolio(MlopsPortfolio {
            principals: environment
                .people_role_arns
                .iter()
                .chain(&spec.additional_principal_arns)
                .cloned()
                .collect(),
        }),
        vec![],
    );
    for template in &spec.templates {
        add(
            LogicalId::MlopsSeedCode(*template),
            Child::MlopsSeedCode(MlopsSeedCode {
                template: *template,
            }),
            vec![LogicalId::MlopsBucket],
        );
        add(
            LogicalId::MlopsTemplate(*template),
            Child::MlopsTemplate(MlopsTemplate {
                template: *template,
                environment: environment.clone(),
                source: spec.source.clone(),
            }),
            vec![
                LogicalId::MlopsBucket,
                LogicalId::MlopsSeedCode(*template),
                LogicalId::MlopsPortfolio,
                LogicalId::MlopsRole(MlopsRoleKind::Build),
                LogicalId::MlopsRole(MlopsRoleKind::Launch),
                LogicalId::MlopsRole(MlopsRoleKind::Events),
                LogicalId::MlopsRole(MlopsRoleKind::Deploy),
            ],
        );
    }
    Graph::new(nodes)
}

/// What the templates' children are, read from the ledger: the values both front ends output
/// (Terraform's computed attributes, the custom resource's `Data`). A child not in the ledger
/// gives an empty value.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MlopsOutputs {
    /// The MLOps bucket (seed code, pipeline artifacts).
    pub bucket_name: String,
    /// The Service Catalog portfolio Studio shows.
    pub portfolio_id: String,
    /// What the projects' CodePipeline and CodeBuild run as.
    pub build_role_arn: String,
    /// The templates' launch-constraint role.
    pub launch_role_arn: String,
    /// The product of each published template, by template name.
    pub product_ids: std::collections::BTreeMap<String, String>,
}

/// The outputs of `spec`'s children in `ledger`.
pub fn outputs(spec: &MlopsTemplatesSpec, ledger: &Ledger) -> MlopsOutputs {
    let physical = |id: LogicalId| {
        ledger
            .get(&id.to_string())
            .map(|r| r.physical_id.clone())
            .unwrap_or_default()
    };
    let arn = |id: LogicalId| {
        ledger
            .get(&id.to_string())
            .and_then(|r| r.arn.clone())
            .unwrap_or_default()
    };
    MlopsOutputs {
        bucket_name: physical(LogicalId::MlopsBucket),
        portfolio_id: physical(LogicalId::MlopsPortfolio),
        build_role_arn: arn(LogicalId::MlopsRole(MlopsRoleKind::Build)),
        launch_role_arn: arn(LogicalId::MlopsRole(MlopsRoleKind::Launch)),
        product_ids: spec
            .templates
            .iter()
            .filter_map(|t| {
                ledger
                    .get(&LogicalId::MlopsTemplate(*t).to_string())
                    .map(|r| (t.key().to_string(), r.physical_id.clone()))
            })
            .collect(),
    }
}

/// The driver for `spec`'s children.
fn driver(
    clients: &AwsClients,
    spec: &MlopsTemplatesSpec,
    boundary: Option<String>,
    deadline: Deadline,
) -> EnvironmentDriver {
    let mut tags = clients.default_tags.clone();
    tags.extend(spec.tags.clone());
    let models = models_bucket(clients, spec);
    let env = EnvironmentContext {
        env_id: spec.environment_id.clone(),
        facts: facts(clients, spec),
        tags,
        bucket_names: BucketNames {
            data: String::new(),
            models,
        },
        guardrails: GuardrailSpec::default(),
        force_destroy: false,
        efs_retention: EfsRetention::default(),
        permissions_boundary_arn: boundary,
        reads: Default::default(),
    };
    EnvironmentDriver {
        clients: clients.clone(),
        env,
        deadline,
    }
}

fn options(deadline: Deadline) -> ExecOptions {
    ExecOptions {
        concurrency: CONCURRENCY,
        deadline,
    }
}

/// Publishes `spec`'s templates, starting from `ledger` (empty for a create, or after a lost
/// state: the children are then adopted by their names and tags).
pub async fn apply(
    clients: &AwsClients,
    spec: &MlopsTemplatesSpec,
    ledger: Ledger,
    deadline: Deadline,
) -> Result<(Ledger, ExecReport), Failed> {
    let before = |ledger: Ledger, error: MlopsError| Failed { ledger, error };
    if let Err(e) = spec.validate(&clients.region) {
        return Err(before(ledger, e.into()));
    }
    let found = match discover(clients, spec).await {
        Ok(found) => found,
        Err(e) => return Err(before(ledger, e)),
    };
    let graph = match templates_graph(spec, &found.environment) {
        Ok(graph) => graph,
        Err(e) => return Err(before(ledger, e.into())),
    };
    let driver = driver(clients, spec, found.permissions_boundary_arn, deadline);
    Ok(engine::apply(&graph, &driver, ledger, options(deadline)).await?)
}

/// What drifted from `spec` among the children in `ledger`. Makes no change.
pub async fn drift(
    clients: &AwsClients,
    spec: &MlopsTemplatesSpec,
    ledger: &Ledger,
) -> Result<Vec<Drift>, MlopsError> {
    spec.validate(&clients.region)?;
    let found = discover(clients, spec).await?;
    let graph = templates_graph(spec, &found.environment)?;
    let driver = driver(
        clients,
        spec,
        found.permissions_boundary_arn,
        Deadline::after(std::time::Duration::from_secs(600)),
    );
    let mut all = Vec::new();
    for node in graph.creation_order() {
        let Some(record) = ledger.get(&node.id) else {
            all.push(Drift {
                child: node.id.clone(),
                detail: "does not exist; apply creates it".to_string(),
            });
            continue;
        };
        let details =
            driver
                .drift(node, record, ledger)
                .await
                .map_err(|source| MlopsError::ReadChild {
                    child: node.id.clone(),
                    source,
                })?;
        all.extend(details.into_iter().map(|detail| Drift {
            child: node.id.clone(),
            detail,
        }));
    }
    Ok(all)
}

/// Deletes every child in `ledger`, dependents first: the projects made from each template go
/// with it, the bucket with its objects (seed code and pipeline artifacts, which the projects
/// that wrote them no longer need). The environment is not needed: a destroy after it is gone
/// still cleans up.
pub async fn destroy(
    clients: &AwsClients,
    spec: &MlopsTemplatesSpec,
    ledger: Ledger,
    deadline: Deadline,
) -> Result<ExecReport, Failed> {
    let driver = driver(clients, spec, None, deadline);
    Ok(engine::destroy(&driver, ledger, options(deadline)).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::MlopsTemplateKind;

    #[test]
    fn each_template_waits_for_its_seed_code_portfolio_and_every_role() {
        let spec = MlopsTemplatesSpec::new("team-a-dev");
        let graph = templates_graph(&spec, &MlopsEnvironment::default()).unwrap();
        let template = graph
            .get(&LogicalId::MlopsTemplate(MlopsTemplateKind::ModelBuildTrain).to_string())
            .unwrap();
        let mut deps = template.depends_on.clone();
        deps.sort();
        assert_eq!(
            deps,
            [
                "mlops-bucket",
                "mlops-portfolio",
                "mlops-role-build",
                "mlops-role-deploy",
                "mlops-role-events",
                "mlops-role-launch",
                "mlops-seed-code-model-build-train"
            ]
        );
        // The bucket, four roles, the portfolio, and seed code and a product per template.
        assert_eq!(graph.nodes().len(), 10);
    }

    #[test]
    fn the_portfolio_is_shared_with_the_people() {
        let spec = MlopsTemplatesSpec::new("team-a-dev");
        let environment = MlopsEnvironment {
            people_role_arns: vec!["arn:ds".into(), "arn:ta".into()],
            ..MlopsEnvironment::default()
        };
        let graph = templates_graph(&spec, &environment).unwrap();
        let Child::MlopsPortfolio(portfolio) = &graph.get("mlops-portfolio").unwrap().kind else {
            panic!("the portfolio node is a portfolio");
        };
        assert_eq!(portfolio.principals, ["arn:ds", "arn:ta"]);
    }
}
