//! `Custom::MlopsProjectTemplates`: Create, Update and Delete on the engine's MLOps templates
//! operations (`secure_mlops_core::mlops`), the same ones `sagemaker_mlops_project_templates`
//! runs, with the ledger kept in the [`SsmStore`](crate::store::SsmStore).
//!
//! The templates serve an environment made before them (by a stack, a Service Catalog product
//! or Terraform): the physical id is `<environment id>/mlops-templates`, one per environment,
//! since the children's names derive from the environment's id. An Update that names another
//! environment publishes its templates under the new id, and CloudFormation's cleanup then
//! deletes the old ones.

use secure_mlops_core::engine::Ledger;
use secure_mlops_core::ids::MlopsTemplateKind;
use secure_mlops_core::mlops::{self, Failed, MlopsError, MlopsOutputs};
use secure_mlops_core::spec::MlopsTemplatesSpec;
use secure_mlops_core::wait::Deadline;
use serde_json::Value;

use crate::operation::{all_timed_out, Aws, Ctx, Early, Step};
use crate::properties::{self, pascal_case, PropertyErrors};
use crate::request::{RequestKind, CREATE_FAILED_ID};
use crate::store::{Record, StoreError};

/// What the physical id adds to the environment's id.
const ID_SUFFIX: &str = "/mlops-templates";

pub(crate) async fn run(aws: &Aws, ctx: &Ctx) -> Step {
    match ctx.request.kind {
        RequestKind::Create => create(aws, ctx).await,
        RequestKind::Update => update(aws, ctx).await,
        RequestKind::Delete => delete(aws, ctx).await,
    }
}

/// The physical id of the templates of environment `env_id`.
pub fn templates_id(env_id: &str) -> String {
    format!("{env_id}{ID_SUFFIX}")
}

/// The environment of an id this type gives; `None` for any other id.
fn environment_of(id: &str) -> Option<&str> {
    id.strip_suffix(ID_SUFFIX).filter(|env| !env.is_empty())
}

/// The spec of `props`, every problem at once on its property path.
fn spec_of(aws: &Aws, props: &Value) -> Result<MlopsTemplatesSpec, String> {
    let spec =
        properties::mlops_templates_spec(props).map_err(|e| format!("Invalid properties: {e}"))?;
    spec.validate(&aws.clients.region).map_err(|errors| {
        format!(
            "Invalid properties: {}",
            PropertyErrors::from_validation(&errors)
        )
    })?;
    Ok(spec)
}

/// The record under `id`, refused (the reason) when another resource owns it. An unreadable
/// record reads as none: the engine then adopts the children by their names and tags.
async fn prior(aws: &Aws, ctx: &Ctx, id: &str) -> Result<Option<Record>, String> {
    match aws.store.load(id).await {
        Ok(Some(r)) if !r.owned_by(&ctx.request.stack_id, &ctx.request.logical_resource_id) => {
            Err(format!(
                "the MLOps project templates of environment {} are already managed by {} in stack {}: one such resource per environment",
                environment_of(id).unwrap_or(id),
                r.logical_resource_id,
                r.stack_id
            ))
        }
        Ok(r) => Ok(r),
        Err(e @ StoreError::Unreadable { .. }) => {
            tracing::warn!(error = %e, "record unreadable: adopting the templates' children");
            Ok(None)
        }
        Err(e) => Err(e.to_string()),
    }
}

async fn create(aws: &Aws, ctx: &Ctx) -> Step {
    let spec = match spec_of(aws, &ctx.request.properties) {
        Ok(spec) => spec,
        Err(why) => return Step::failed(CREATE_FAILED_ID, why),
    };
    let id = templates_id(&spec.environment_id);
    let prior = match prior(aws, ctx, &id).await {
        Ok(prior) => prior,
        Err(why) => return Step::failed(CREATE_FAILED_ID, why),
    };
    if let Some(why) = ctx.superseded(prior.as_ref()) {
        return Step::failed(&id, why);
    }
    // A repeated Create (or a continuation) carries on from what is recorded.
    let fail_id = match prior {
        Some(_) => id.clone(),
        None => CREATE_FAILED_ID.to_string(),
    };
    let ledger = prior.map(|r| r.ledger).unwrap_or_default();
    apply_run(aws, ctx, &id, &spec, ledger, &fail_id, None).await
}

async fn update(aws: &Aws, ctx: &Ctx) -> Step {
    let old_id = ctx.request.physical_resource_id.clone().unwrap_or_default();
    if environment_of(&old_id).is_none() {
        // The Create never succeeded (or answered): this is the first real apply.
        return create(aws, ctx).await;
    }
    let spec = match spec_of(aws, &ctx.request.properties) {
        Ok(spec) => spec,
        Err(why) => return Step::failed(&old_id, why),
    };
    let id = templates_id(&spec.environment_id);
    let prior = match prior(aws, ctx, &id).await {
        Ok(prior) => prior,
        Err(why) => return Step::failed(&old_id, why),
    };
    if let Some(why) = ctx.superseded(prior.as_ref()) {
        return Step::failed(&id, why);
    }
    let replacing = (id != old_id).then_some(old_id.as_str());
    let fail_id = match (&prior, replacing) {
        (None, Some(old)) => old.to_string(),
        _ => id.clone(),
    };
    if replacing.is_some() {
        tracing::info!(old = %old_id, new = %id, "another environment: its templates under a new id");
    }
    let ledger = prior.map(|r| r.ledger).unwrap_or_default();
    apply_run(aws, ctx, &id, &spec, ledger, &fail_id, replacing).await
}

/// True when the failure is the deadline's doing: running again continues the work.
fn ran_out_of_time(failed: &Failed, deadline: Deadline) -> bool {
    deadline.passed()
        || matches!(&failed.error, MlopsError::Children(errors) if all_timed_out(errors))
}

/// Create and Update: record the run as in progress, run the engine to `spec` from `ledger`,
/// record the result, answer or continue. `fail_id` is answered when nothing could be done;
/// `replacing` is the old id when the templates move to another environment.
async fn apply_run(
    aws: &Aws,
    ctx: &Ctx,
    id: &str,
    spec: &MlopsTemplatesSpec,
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
    match mlops::apply(&aws.clients, spec, ledger, deadline).await {
        Ok((ledger, report)) => {
            tracing::info!(wall = ?report.wall, operations = report.operations, children = ledger.len(), "MLOps project templates applied");
            record.in_progress = false;
            record.ledger = ledger;
            if let Some(stop) = aws.record_end(id, &record, "applied").await {
                return stop;
            }
            Step::success(id, data(id, &mlops::outputs(spec, &record.ledger)))
        }
        Err(failed) => {
            let timed_out = ran_out_of_time(&failed, deadline);
            let reason = failed.error.to_string();
            let left = failed.ledger.len();
            record.in_progress = false;
            record.ledger = failed.ledger;
            if left == 0 && fail_id != id {
                // Refused before any change (the environment is not there, say): no record.
                let _ = aws.store.delete(id).await;
                return Step::failed(fail_id, reason);
            }
            if let Some(stop) = aws.record_end(id, &record, "ran").await {
                return stop;
            }
            if timed_out {
                return ctx.continue_or_fail(id, &format!("Not finished: {reason}"));
            }
            if let Some(old_id) = replacing {
                // CloudFormation keeps the old templates; remove what the new ones made so
                // nothing is left that no resource owns.
                match mlops::destroy(&aws.clients, spec, record.ledger.clone(), ctx.deadline())
                    .await
                {
                    Ok(_) => {
                        let _ = aws.store.delete(id).await;
                        return Step::failed(
                            old_id,
                            format!("{reason}. The {left} child resource(s) made for it were removed; the templates {old_id} are unchanged"),
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

/// Delete: destroy what the record lists (the projects made from the templates go with them),
/// after adopting the children by their names when a run was cut short; then remove the record.
async fn delete(aws: &Aws, ctx: &Ctx) -> Step {
    let event_id = ctx.request.physical_resource_id.clone().unwrap_or_default();
    delete_steps(aws, ctx, &event_id)
        .await
        .unwrap_or_else(|early| early)
}

async fn delete_steps(aws: &Aws, ctx: &Ctx, event_id: &str) -> Early<Step> {
    // An id this type never gives (CloudFormation's own, after a Create that never answered):
    // the properties say which templates the Create would have recorded.
    let id = match environment_of(event_id) {
        Some(_) => event_id.to_string(),
        None => match properties::mlops_templates_spec(&ctx.request.properties) {
            Ok(spec) => templates_id(&spec.environment_id),
            Err(_) => return Ok(Step::success(event_id, vec![])),
        },
    };
    let (prior, unreadable) = match aws.store.load(&id).await {
        Ok(Some(r)) if !r.owned_by(&ctx.request.stack_id, &ctx.request.logical_resource_id) => {
            tracing::warn!(%id, owner = %r.stack_id, "the templates belong to another resource: left alone");
            return Ok(Step::success(event_id, vec![]));
        }
        Ok(r) => (r, false),
        Err(e @ StoreError::Unreadable { .. }) => {
            tracing::warn!(error = %e, "record unreadable: adopting the templates' children to delete them");
            (None, true)
        }
        Err(e) => return Ok(Step::failed(event_id, e.to_string())),
    };
    if prior.is_none() && !unreadable {
        // The record is written before any change: without it, nothing was made, or it is gone
        // already (a repeated Delete).
        tracing::info!(%id, "nothing recorded: nothing to delete");
        return Ok(Step::success(event_id, vec![]));
    }
    if let Some(why) = ctx.superseded(prior.as_ref()) {
        return Ok(Step::failed(event_id, why));
    }
    let props = prior
        .as_ref()
        .map(|r| r.properties.clone())
        .unwrap_or_else(|| ctx.request.properties.clone());
    let env_id = environment_of(&id).unwrap_or_default();
    let spec = properties::mlops_templates_spec(&props)
        .ok()
        .filter(|s| s.environment_id == env_id)
        .unwrap_or_else(|| MlopsTemplatesSpec::new(env_id));
    let mut record = prior.unwrap_or_else(|| ctx.new_record(Ledger::default(), Default::default()));
    let adopt = unreadable || record.in_progress;
    record.request_id = ctx.request.request_id.clone();
    record.in_progress = adopt;
    if let Err(e) = aws.store.save(&id, &record).await {
        return Ok(Step::failed(event_id, e.to_string()));
    }
    let deadline = ctx.deadline();
    if adopt {
        // A run was cut short: children it made may be missing from the ledger. The engine's
        // apply adopts them by their names and tags (and needs the environment; without it,
        // what is recorded is deleted).
        match mlops::apply(&aws.clients, &spec, record.ledger.clone(), deadline).await {
            Ok((ledger, _)) => record.ledger = ledger,
            Err(failed) => {
                let timed_out = ran_out_of_time(&failed, deadline);
                record.ledger = failed.ledger;
                if timed_out {
                    let _ = aws.store.save(&id, &record).await;
                    return Err(ctx.continue_or_fail(
                        event_id,
                        "Not finished adopting the templates' children before deleting them",
                    ));
                }
                tracing::warn!(error = %failed.error, "adoption incomplete: deleting what is recorded");
            }
        }
        record.in_progress = false;
        let _ = aws.store.save(&id, &record).await;
    }
    match mlops::destroy(&aws.clients, &spec, record.ledger.clone(), deadline).await {
        Ok(report) => {
            tracing::info!(wall = ?report.wall, operations = report.operations, "MLOps project templates deleted");
            if let Err(e) = aws.store.delete(&id).await {
                tracing::warn!(error = %e, "could not remove the record");
            }
            Ok(Step::success(event_id, vec![]))
        }
        Err(failed) => {
            let timed_out = ran_out_of_time(&failed, deadline);
            let reason = failed.error.to_string();
            let left = failed.ledger.len();
            record.ledger = failed.ledger;
            if let Err(e) = aws.store.save(&id, &record).await {
                tracing::warn!(error = %e, "could not record what is left");
            }
            Ok(if timed_out {
                ctx.continue_or_fail(event_id, &format!("Not finished deleting: {reason}"))
            } else {
                Step::failed(
                    event_id,
                    format!("{reason}. {left} child resource(s) remain and are recorded: fix the cause and delete again"),
                )
            })
        }
    }
}

/// The `Data` of the templates; every key always present: `Id`, `EnvironmentId`,
/// `BucketName`, `PortfolioId`, `BuildRoleArn`, `LaunchRoleArn`, `ProductIds` (comma-joined
/// `template=product id`), and `<Template>ProductId` for every template there is
/// (`ModelBuildTrainProductId`, `ModelDeployProductId`), empty when not published.
pub fn data(id: &str, o: &MlopsOutputs) -> Vec<(String, String)> {
    let mut d: Vec<(String, String)> = vec![
        ("Id".into(), id.to_string()),
        (
            "EnvironmentId".into(),
            environment_of(id).unwrap_or_default().to_string(),
        ),
        ("BucketName".into(), o.bucket_name.clone()),
        ("PortfolioId".into(), o.portfolio_id.clone()),
        ("BuildRoleArn".into(), o.build_role_arn.clone()),
        ("LaunchRoleArn".into(), o.launch_role_arn.clone()),
        (
            "ProductIds".into(),
            o.product_ids
                .iter()
                .map(|(t, p)| format!("{t}={p}"))
                .collect::<Vec<_>>()
                .join(","),
        ),
    ];
    for template in MlopsTemplateKind::ALL {
        d.push((
            format!(
                "{}ProductId",
                pascal_case(&template.key().replace('-', "_"))
            ),
            o.product_ids
                .get(template.key())
                .cloned()
                .unwrap_or_default(),
        ));
    }
    d
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_name_their_environment() {
        assert_eq!(templates_id("team-a-dev"), "team-a-dev/mlops-templates");
        assert_eq!(
            environment_of("team-a-dev/mlops-templates"),
            Some("team-a-dev")
        );
        assert_eq!(environment_of("/mlops-templates"), None);
        assert_eq!(environment_of(CREATE_FAILED_ID), None);
        assert_eq!(environment_of("team-a-dev"), None);
    }

    #[test]
    fn data_keys_are_flat_strings_and_always_present() {
        let mut o = MlopsOutputs {
            portfolio_id: "port-1".into(),
            ..Default::default()
        };
        let d: std::collections::BTreeMap<_, _> =
            data("e-dev/mlops-templates", &o).into_iter().collect();
        assert_eq!(d["EnvironmentId"], "e-dev");
        assert_eq!(d["ModelBuildTrainProductId"], "");
        assert_eq!(d["ProductIds"], "");
        o.product_ids
            .insert("model-build-train".into(), "prod-1".into());
        let d: std::collections::BTreeMap<_, _> =
            data("e-dev/mlops-templates", &o).into_iter().collect();
        assert_eq!(d["ModelBuildTrainProductId"], "prod-1");
        assert_eq!(d["ProductIds"], "model-build-train=prod-1");
        assert_eq!(d["PortfolioId"], "port-1");
    }
}
