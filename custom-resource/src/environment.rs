//! `Custom::SecureDsEnvironment`: Create, Update and Delete on the engine's environment
//! operations, with the ledger kept in the [`SsmStore`](crate::store::SsmStore).

use secure_mlops_core::engine::Ledger;
use secure_mlops_core::environment::{self as core_env, EnvironmentError, Failed, Outputs};
use secure_mlops_core::graph::environment::environment_graph;
use secure_mlops_core::ids::{KeyPurpose, Persona};
use secure_mlops_core::spec::{EnvironmentSpec, PathStep, Stage};
use secure_mlops_core::wait::Deadline;
use serde_json::Value;

use crate::operation::{all_timed_out, Aws, Ctx, Early, Step};
use crate::properties::{self, pascal_case, PropertyErrors};
use crate::request::{RequestKind, CREATE_FAILED_ID};
use crate::store::{Record, StoreError};

pub(crate) async fn run(aws: &Aws, ctx: &Ctx) -> Step {
    match ctx.request.kind {
        RequestKind::Create => create(aws, ctx).await,
        RequestKind::Update => update(aws, ctx).await,
        RequestKind::Delete => delete(aws, ctx).await,
    }
}

/// The spec of `props` completed as Terraform's plan completes it (the engine's `complete`:
/// defaults, zones, every check, those that need AWS included). The error is the `Reason`, with
/// every problem at once on its property path.
async fn resolve(aws: &Aws, props: &Value) -> Result<EnvironmentSpec, String> {
    let (mut spec, mut errors) = properties::read_environment(props);
    // The function's own boundary (the template creates it and allows roles only with it),
    // unless the properties name one.
    if spec.iam.permissions_boundary_arn.is_none() {
        spec.iam.permissions_boundary_arn = aws.permissions_boundary_arn.clone();
    }
    // What the stack's administrator lets any launcher bring; other roles need the tag.
    spec.iam.allowed_brought_roles = aws.existing_role_name_pattern.clone();
    if !errors.0.is_empty() {
        let mut more = secure_mlops_core::spec::ValidationErrors::default();
        spec.check(&mut more);
        errors.0.extend(PropertyErrors::from_validation(&more).0);
        return Err(format!("Invalid properties: {errors}"));
    }
    core_env::complete(&aws.clients, &spec)
        .await
        .map_err(|errors| {
            format!(
                "Invalid properties: {}",
                PropertyErrors::from_validation(&errors)
            )
        })
}

/// True for `<name>-<stage>`, the ids this type gives.
fn is_environment_id(id: &str) -> bool {
    id.rsplit_once('-')
        .is_some_and(|(name, stage)| !name.is_empty() && Stage::parse(stage).is_some())
}

/// The record under `id` for a Create (or a replacement) of it: refused when another resource
/// owns the id. `Err` is the reason; nothing has been changed.
async fn prior_for_create(aws: &Aws, ctx: &Ctx, id: &str) -> Result<Option<Record>, String> {
    match aws.store.load(id).await {
        Ok(Some(r)) if !r.owned_by(&ctx.request.stack_id, &ctx.request.logical_resource_id) => {
            Err(format!(
                "environment {id} already exists: it belongs to {} in stack {}. Choose another Name or Stage",
                r.logical_resource_id, r.stack_id
            ))
        }
        Ok(r) => Ok(r),
        Err(e @ StoreError::Unreadable { .. }) => Err(format!(
            "{e}. If no environment {id} exists, delete those parameters and retry"
        )),
        Err(e) => Err(e.to_string()),
    }
}

async fn create(aws: &Aws, ctx: &Ctx) -> Step {
    let spec = match resolve(aws, &ctx.request.properties).await {
        Ok(spec) => spec,
        Err(why) => return Step::failed(CREATE_FAILED_ID, why),
    };
    let id = spec.environment_id();
    let prior = match prior_for_create(aws, ctx, &id).await {
        Ok(prior) => prior,
        Err(why) => return Step::failed(CREATE_FAILED_ID, why),
    };
    if let Some(why) = ctx.superseded(prior.as_ref()) {
        return Step::failed(&id, why);
    }
    // A repeated Create (or a continuation) carries on from what is recorded.
    let fail_id = if prior.is_some() {
        id.clone()
    } else {
        CREATE_FAILED_ID.to_string()
    };
    let ledger = prior.map(|r| r.ledger).unwrap_or_default();
    apply_run(aws, ctx, &id, &spec, ledger, &fail_id, None).await
}

async fn update(aws: &Aws, ctx: &Ctx) -> Step {
    let old_id = ctx.request.physical_resource_id.clone().unwrap_or_default();
    if old_id == CREATE_FAILED_ID || old_id.is_empty() {
        return create(aws, ctx).await;
    }
    let spec = match resolve(aws, &ctx.request.properties).await {
        Ok(spec) => spec,
        Err(why) => return Step::failed(&old_id, why),
    };
    let id = spec.environment_id();
    if id != old_id {
        // A new Name or Stage: a new environment; CloudFormation deletes the old one after.
        let prior = match prior_for_create(aws, ctx, &id).await {
            Ok(prior) => prior,
            Err(why) => return Step::failed(&old_id, why),
        };
        if let Some(why) = ctx.superseded(prior.as_ref()) {
            return Step::failed(&id, why);
        }
        let fail_id = if prior.is_some() {
            id.clone()
        } else {
            old_id.clone()
        };
        let ledger = prior.map(|r| r.ledger).unwrap_or_default();
        tracing::info!(old = %old_id, new = %id, "replacement: a new environment under a new id");
        return apply_run(aws, ctx, &id, &spec, ledger, &fail_id, Some(&old_id)).await;
    }
    if let Some(old_props) = &ctx.request.old_properties {
        if let Ok(mut old) = properties::environment_spec(old_props) {
            if old.network.availability_zones.is_none() {
                // Both default to the region's first two zones.
                old.network
                    .availability_zones
                    .clone_from(&spec.network.availability_zones);
            }
            let changed = immutable_changes(&old, &spec);
            if !changed.is_empty() {
                return Step::failed(
                    &old_id,
                    format!(
                        "{} cannot change in place: the environment would be replaced, and CloudFormation creates a replacement before deleting the old one, which under the same Name and Stage would be the same environment. Change Name or Stage as well to replace it, or restore the previous values",
                        changed.join(", ")
                    ),
                );
            }
        }
    }
    let prior = match aws.store.load(&id).await {
        Ok(Some(r)) if !r.owned_by(&ctx.request.stack_id, &ctx.request.logical_resource_id) => {
            return Step::failed(
                &old_id,
                format!(
                    "environment {id} belongs to {} in stack {}, not to this resource",
                    r.logical_resource_id, r.stack_id
                ),
            )
        }
        Ok(r) => r,
        // Unreadable: an empty ledger makes the engine adopt every child by its tags and names.
        Err(e @ StoreError::Unreadable { .. }) => {
            tracing::warn!(error = %e, "record unreadable: adopting the environment's children");
            None
        }
        Err(e) => return Step::failed(&old_id, e.to_string()),
    };
    if let Some(why) = ctx.superseded(prior.as_ref()) {
        return Step::failed(&id, why);
    }
    let ledger = prior.map(|r| r.ledger).unwrap_or_default();
    apply_run(aws, ctx, &id, &spec, ledger, &old_id, None).await
}

/// The property paths whose change would replace the environment: the engine's
/// [`replacing_changes`](EnvironmentSpec::replacing_changes) (Terraform's `RequiresReplace`
/// set), except Name and Stage, which change the id.
pub fn immutable_changes(old: &EnvironmentSpec, new: &EnvironmentSpec) -> Vec<String> {
    new.replacing_changes(old)
        .iter()
        .filter(
            |path| !matches!(path.0.as_slice(), [PathStep::Attr(a)] if a == "name" || a == "stage"),
        )
        .map(properties::property_path)
        .collect()
}

/// True when the failure is the deadline's doing (the engine stops children at its deadline,
/// and a waiter inside a child gives up at it): running again continues the work.
fn ran_out_of_time(failed: &Failed, deadline: Deadline) -> bool {
    if deadline.passed() {
        return true;
    }
    matches!(&failed.error, EnvironmentError::Children(errors) if all_timed_out(errors))
}

/// Create and Update: record the run as in progress, run the engine to `spec` from `ledger`,
/// record the result, answer or continue. `fail_id` is answered when nothing could be done;
/// `replacing` is the old id during a replacement.
async fn apply_run(
    aws: &Aws,
    ctx: &Ctx,
    id: &str,
    spec: &EnvironmentSpec,
    ledger: Ledger,
    fail_id: &str,
    replacing: Option<&str>,
) -> Step {
    let mut record = ctx.new_record(ledger.clone(), Default::default());
    if let Err(e) = aws.store.save(id, &record).await {
        return Step::failed(fail_id, format!("{e}; nothing was changed"));
    }
    ctx.claim(id);
    let deadline = ctx.deadline();
    let graph = environment_graph(spec).ok();
    match core_env::apply(&aws.clients, spec, ledger, deadline).await {
        Ok((ledger, report)) => {
            tracing::info!(
                wall = ?report.wall,
                operations = report.operations,
                children = ledger.len(),
                "environment applied"
            );
            record.in_progress = false;
            record.ledger = ledger;
            if let Some(stop) = aws.record_end(id, &record, "applied").await {
                return stop;
            }
            let outputs = graph
                .as_ref()
                .map(|g| core_env::outputs(g, &record.ledger))
                .unwrap_or_default();
            Step::success(id, data(id, &outputs))
        }
        Err(failed) => {
            let timed_out = ran_out_of_time(&failed, deadline);
            let reason = failed.error.to_string();
            let left = failed.ledger.len();
            record.in_progress = false;
            record.ledger = failed.ledger;
            if let Some(stop) = aws.record_end(id, &record, "ran").await {
                return stop;
            }
            if timed_out {
                return ctx.continue_or_fail(id, &format!("Not finished: {reason}"));
            }
            if let Some(old_id) = replacing {
                // CloudFormation keeps the old environment; remove what the replacement made
                // so nothing is left that no resource owns.
                match core_env::destroy(&aws.clients, spec, record.ledger.clone(), ctx.deadline())
                    .await
                {
                    Ok(_) => {
                        if let Err(e) = aws.store.delete(id).await {
                            tracing::warn!(error = %e, "could not remove the replacement's record");
                        }
                        return Step::failed(
                            old_id,
                            format!("{reason}. The replacement's {left} child resource(s) were removed; the environment {old_id} is unchanged"),
                        );
                    }
                    Err(f) => {
                        record.ledger = f.ledger;
                        let _ = aws.store.save(id, &record).await;
                    }
                }
            }
            Step::failed(
                id,
                format!("{reason}. {left} child resource(s) exist and are recorded: fix the cause and update the stack to continue, or delete it to remove them"),
            )
        }
    }
}

/// Delete: find the environment's record, adopt its children first when the record may miss
/// some (marked in progress, unreadable, or lost while traces exist), then destroy what the
/// ledger lists. Answers with the event's id.
async fn delete(aws: &Aws, ctx: &Ctx) -> Step {
    let event_id = ctx.request.physical_resource_id.clone().unwrap_or_default();
    delete_steps(aws, ctx, &event_id)
        .await
        .unwrap_or_else(|early| early)
}

async fn delete_steps(aws: &Aws, ctx: &Ctx, event_id: &str) -> Early<Step> {
    let ours = is_environment_id(event_id);
    let id = id_to_delete(ctx, event_id, ours)?;
    let (prior, mut adopt) = prior_for_delete(aws, ctx, event_id, &id, ours).await?;
    let spec = spec_for_delete(aws, ctx, prior.as_ref(), &id).await;
    if prior.is_none() && !adopt {
        // No record: either nothing was ever made, or it is gone already (a repeated Delete),
        // or the record was lost. Only the last leaves traces; adopt and delete those.
        adopt = match &spec {
            Some(spec) => core_env::has_traces(&aws.clients, spec).await,
            None => false,
        };
        if !adopt {
            tracing::info!(%id, "nothing recorded and no trace of the environment: nothing to delete");
            return Ok(Step::success(event_id, vec![]));
        }
    }
    let spec = match spec {
        Some(spec) => spec,
        None if adopt && prior.as_ref().is_none_or(|r| r.ledger.is_empty()) => {
            return Ok(Step::failed(
                event_id,
                format!("environment {id} may hold children that are not recorded, and its properties are not usable to find them; fix the properties and delete again"),
            ))
        }
        None => {
            adopt = false;
            minimal_spec(&id)
        }
    };

    let mut record = prior.unwrap_or_else(|| ctx.new_record(Ledger::default(), Default::default()));
    record.request_id = ctx.request.request_id.clone();
    record.in_progress = record.in_progress || adopt;
    if let Err(e) = aws.store.save(&id, &record).await {
        return Ok(Step::failed(event_id, e.to_string()));
    }
    let target = Target {
        id: &id,
        event_id,
        deadline: ctx.deadline(),
    };
    if adopt {
        adopt_before_delete(aws, ctx, &spec, &mut record, &target).await?;
    }
    Ok(destroy_recorded(aws, ctx, &spec, record, &target).await)
}

/// The id whose record and children a Delete removes.
struct Target<'a> {
    /// The environment's id.
    id: &'a str,
    /// The id of the event, answered.
    event_id: &'a str,
    /// The engine's deadline, for adoption and destruction together.
    deadline: Deadline,
}

/// The id the environment to delete is under: the event's, or for an id this type never gives
/// (CloudFormation's own, after a Create that never answered) the one its properties name, if
/// the Create got that far. Nothing to do when they name none.
fn id_to_delete(ctx: &Ctx, event_id: &str, ours: bool) -> Early<String> {
    if ours {
        return Ok(event_id.to_string());
    }
    match properties::environment_spec(&ctx.request.properties) {
        Ok(spec) => Ok(spec.environment_id()),
        Err(_) => Err(Step::success(event_id, vec![])),
    }
}

/// The record of `id` and whether its children must be adopted before the delete (the record
/// is marked in progress, or unreadable). Another resource's environment is left alone, and a
/// continuation stops when a later request took the resource over or nothing is left to do.
async fn prior_for_delete(
    aws: &Aws,
    ctx: &Ctx,
    event_id: &str,
    id: &str,
    ours: bool,
) -> Early<(Option<Record>, bool)> {
    let (prior, adopt) = match aws.store.load(id).await {
        Ok(Some(r)) if !r.owned_by(&ctx.request.stack_id, &ctx.request.logical_resource_id) => {
            tracing::warn!(%id, owner = %r.stack_id, "the environment belongs to another resource: left alone");
            return Err(Step::success(event_id, vec![]));
        }
        Ok(Some(r)) => {
            let adopt = r.in_progress;
            (Some(r), adopt)
        }
        Ok(None) if !ours => return Err(Step::success(event_id, vec![])),
        Ok(None) => (None, false),
        Err(e @ StoreError::Unreadable { .. }) => {
            tracing::warn!(error = %e, "record unreadable: adopting the environment's children to delete them");
            (None, true)
        }
        Err(e) => return Err(Step::failed(event_id, e.to_string())),
    };
    if !ctx.is_first() {
        match &prior {
            Some(_) => {
                if let Some(why) = ctx.superseded(prior.as_ref()) {
                    return Err(Step::failed(event_id, why));
                }
            }
            None if !adopt => return Err(Step::success(event_id, vec![])),
            None => {}
        }
    }
    Ok((prior, adopt))
}

/// The spec to delete `id` with: from the properties last applied, else the event's (they are
/// the same unless an update failed); `None` when neither is usable for `id`.
async fn spec_for_delete(
    aws: &Aws,
    ctx: &Ctx,
    prior: Option<&Record>,
    id: &str,
) -> Option<EnvironmentSpec> {
    let stored = prior.map(|r| &r.properties);
    for props in stored
        .into_iter()
        .chain(std::iter::once(&ctx.request.properties))
    {
        match resolve(aws, props).await {
            Ok(spec) if spec.environment_id() == id => return Some(spec),
            Ok(_) => {}
            Err(why) => tracing::warn!(reason = %why, "properties unusable for this delete"),
        }
    }
    None
}

/// Adopts the environment's children by their tags and names into `record`, so the delete
/// also finds what the ledger missed. Out of time, it records what it found and continues.
async fn adopt_before_delete(
    aws: &Aws,
    ctx: &Ctx,
    spec: &EnvironmentSpec,
    record: &mut Record,
    target: &Target<'_>,
) -> Early<()> {
    tracing::info!(id = %target.id, "adopting the environment's children by their tags and names before deleting them");
    match core_env::apply(&aws.clients, spec, record.ledger.clone(), target.deadline).await {
        Ok((ledger, _)) => record.ledger = ledger,
        Err(failed) => {
            let timed_out = ran_out_of_time(&failed, target.deadline);
            record.ledger = failed.ledger;
            if timed_out {
                let _ = aws.store.save(target.id, record).await;
                return Err(ctx.continue_or_fail(
                    target.event_id,
                    "Not finished adopting the environment's children before deleting them",
                ));
            }
            tracing::warn!(error = %failed.error, "adoption incomplete: deleting what is known");
        }
    }
    record.in_progress = false;
    if let Err(e) = aws.store.save(target.id, record).await {
        tracing::warn!(error = %e, "could not record the adopted ledger");
    }
    Ok(())
}

/// Destroys what `record` lists and removes the record; what is left stays recorded for the
/// next Delete (or continuation).
async fn destroy_recorded(
    aws: &Aws,
    ctx: &Ctx,
    spec: &EnvironmentSpec,
    mut record: Record,
    target: &Target<'_>,
) -> Step {
    let (id, event_id) = (target.id, target.event_id);
    match core_env::destroy(&aws.clients, spec, record.ledger.clone(), target.deadline).await {
        Ok(destroyed) => {
            let report = destroyed.report;
            tracing::info!(wall = ?report.wall, operations = report.operations, "environment deleted");
            if let Some(efs) = destroyed.kept_file_system {
                tracing::info!(file_system = %efs, "Studio's home file system was kept (EfsRetention Retain); delete it when its data is no longer needed");
            }
            if let Err(e) = aws.store.delete(id).await {
                tracing::warn!(error = %e, "could not remove the record");
            }
            Step::success(event_id, vec![])
        }
        Err(failed) => {
            let timed_out = ran_out_of_time(&failed, target.deadline);
            let reason = failed.error.to_string();
            let left = failed.ledger.len();
            record.ledger = failed.ledger;
            if let Err(e) = aws.store.save(id, &record).await {
                tracing::warn!(error = %e, "could not record what is left");
            }
            if timed_out {
                ctx.continue_or_fail(event_id, &format!("Not finished deleting: {reason}"))
            } else {
                Step::failed(
                    event_id,
                    format!("{reason}. {left} child resource(s) remain and are recorded: fix the cause and delete again"),
                )
            }
        }
    }
}

/// A spec good enough to delete a recorded ledger when no properties are usable.
fn minimal_spec(id: &str) -> EnvironmentSpec {
    let (name, stage) = id.rsplit_once('-').unwrap_or((id, "dev"));
    EnvironmentSpec::named(name, Stage::parse(stage).unwrap_or(Stage::Dev))
}

/// The `Data` of an environment, most important first. Every key is always present (an empty
/// string when it does not apply), so `Fn::GetAtt` never fails on a key:
///
/// `EnvironmentId`, `VpcId`, `PrivateSubnetIds` and `PublicSubnetIds` (comma-joined, zone
/// order), `SageMakerSecurityGroupId`, `EndpointSecurityGroupId`, `S3EndpointId`,
/// `DataKmsKeyArn`, `EbsKmsKeyArn`, `StudioKmsKeyArn`, `DataBucketArn`, `DataBucketName`, `ModelBucketArn`,
/// `ModelBucketName`, `DataScientistRoleArn`, `TeamAdminRoleArn`, `ExecutionRoleArn`,
/// `ScLaunchRoleArn`, `DomainId`,
/// `DomainArn`, `DomainUrl`, `EfsId`, `PackageRepositoryUrl`, then `UserProfileArns.<name>` per profile and
/// `InterfaceEndpointIds` (comma-joined `service=vpce-id`), the first to go if the response
/// would exceed 4096 bytes.
pub fn data(id: &str, o: &Outputs) -> Vec<(String, String)> {
    let mut d: Vec<(String, String)> = vec![
        ("EnvironmentId".into(), id.to_string()),
        ("VpcId".into(), o.vpc_id.clone()),
        ("PrivateSubnetIds".into(), o.private_subnet_ids.join(",")),
        ("PublicSubnetIds".into(), o.public_subnet_ids.join(",")),
        (
            "SageMakerSecurityGroupId".into(),
            o.sagemaker_security_group_id.clone(),
        ),
        (
            "EndpointSecurityGroupId".into(),
            o.endpoint_security_group_id.clone(),
        ),
        ("S3EndpointId".into(), o.s3_endpoint_id.clone()),
    ];
    for purpose in KeyPurpose::ALL {
        d.push((
            format!("{}KmsKeyArn", pascal_case(purpose.key())),
            o.kms_key_arns
                .get(purpose.key())
                .cloned()
                .unwrap_or_default(),
        ));
    }
    let bucket = |arn: &str| arn.rsplit(':').next().unwrap_or_default().to_string();
    d.push(("DataBucketArn".into(), o.data_bucket_arn.clone()));
    d.push(("DataBucketName".into(), bucket(&o.data_bucket_arn)));
    d.push(("ModelBucketArn".into(), o.model_bucket_arn.clone()));
    d.push(("ModelBucketName".into(), bucket(&o.model_bucket_arn)));
    for persona in Persona::ALL {
        d.push((
            format!("{}RoleArn", pascal_case(persona.key())),
            o.role_arns.get(persona.key()).cloned().unwrap_or_default(),
        ));
    }
    d.push(("DomainId".into(), o.domain_id.clone().unwrap_or_default()));
    d.push(("DomainArn".into(), o.domain_arn.clone().unwrap_or_default()));
    d.push(("DomainUrl".into(), o.domain_url.clone().unwrap_or_default()));
    d.push(("EfsId".into(), o.efs_id.clone().unwrap_or_default()));
    d.push((
        "PackageRepositoryUrl".into(),
        o.package_repository_url.clone().unwrap_or_default(),
    ));
    for (name, arn) in &o.user_profile_arns {
        d.push((format!("UserProfileArns.{name}"), arn.clone()));
    }
    let endpoints: Vec<String> = o
        .interface_endpoint_ids
        .iter()
        .map(|(service, id)| format!("{service}={id}"))
        .collect();
    d.push(("InterfaceEndpointIds".into(), endpoints.join(",")));
    d
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn spec(network: Value) -> EnvironmentSpec {
        let mut s = properties::environment_spec(&json!({
            "Name": "team-a", "Stage": "dev", "Network": network
        }))
        .unwrap();
        if s.network.availability_zones.is_none() {
            s.network.availability_zones = Some(vec!["us-east-1a".into(), "us-east-1b".into()]);
        }
        s
    }

    #[test]
    fn the_vpc_layout_is_immutable_and_the_rest_is_not() {
        let base = spec(json!({}));
        assert!(immutable_changes(&base, &spec(json!({"VpcCidr": "10.0.0.0/16"}))).is_empty());
        assert!(immutable_changes(&base, &spec(json!({"CreateNatGateways": "true"}))).is_empty());
        assert!(immutable_changes(&base, &spec(json!({"InterfaceEndpoints": ["sts"]}))).is_empty());
        assert_eq!(
            immutable_changes(&base, &spec(json!({"VpcCidr": "10.9.0.0/16"}))),
            ["Network.VpcCidr", "Network.PrivateSubnetCidrs"]
        );
        assert_eq!(
            immutable_changes(
                &base,
                &spec(json!({"AvailabilityZones": ["us-east-1a", "us-east-1c"]}))
            ),
            ["Network.AvailabilityZones"]
        );
    }

    #[test]
    fn ids_this_type_gives_are_recognised() {
        assert!(is_environment_id("team-a-dev"));
        assert!(is_environment_id("x-prod"));
        assert!(!is_environment_id(CREATE_FAILED_ID));
        assert!(!is_environment_id("3f2b9a1c-1111-2222-3333-444455556666"));
    }

    #[test]
    fn data_keys_are_flat_strings_and_always_present() {
        let mut o = Outputs {
            vpc_id: "vpc-1".into(),
            private_subnet_ids: vec!["subnet-1".into(), "subnet-2".into()],
            data_bucket_arn: "arn:aws:s3:::team-a-dev-data".into(),
            ..Default::default()
        };
        o.kms_key_arns.insert("data".into(), "arn:k".into());
        o.role_arns.insert("sc_launch".into(), "arn:r".into());
        o.interface_endpoint_ids
            .insert("sts".into(), "vpce-1".into());
        o.interface_endpoint_ids
            .insert("kms".into(), "vpce-2".into());
        let d: std::collections::BTreeMap<_, _> = data("team-a-dev", &o).into_iter().collect();
        assert_eq!(d["PrivateSubnetIds"], "subnet-1,subnet-2");
        assert_eq!(d["PublicSubnetIds"], "");
        assert_eq!(d["DataKmsKeyArn"], "arn:k");
        assert_eq!(d["StudioKmsKeyArn"], "");
        assert_eq!(d["ScLaunchRoleArn"], "arn:r");
        assert_eq!(d["DataScientistRoleArn"], "");
        assert_eq!(d["DataBucketName"], "team-a-dev-data");
        assert_eq!(d["DomainId"], "");
        assert_eq!(d["InterfaceEndpointIds"], "kms=vpce-2,sts=vpce-1");
    }
}
