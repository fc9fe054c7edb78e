//! `Custom::SageMakerProjectsEnablement`: Create, Update and Delete on the engine's projects
//! operations. The record keeps the principals this resource associated.

use std::collections::BTreeSet;

use secure_mlops_core::projects::{self as core_projects, ProjectsEnablement, ProjectsError};
use secure_mlops_core::spec::ProjectsEnablementSpec;
use serde_json::Value;

use crate::operation::{Aws, Ctx, Step};
use crate::properties::{self, PropertyErrors};
use crate::request::{RequestKind, CREATE_FAILED_ID};
use crate::store::{Record, StoreError};

pub(crate) async fn run(aws: &Aws, ctx: &Ctx) -> Step {
    let id = core_projects::enablement_id(&aws.clients);
    match ctx.request.kind {
        RequestKind::Create => create(aws, ctx, &id).await,
        RequestKind::Update => update(aws, ctx, &id).await,
        RequestKind::Delete => delete(aws, ctx, &id).await,
    }
}

fn spec_of(props: &Value) -> Result<ProjectsEnablementSpec, String> {
    let spec = properties::projects_spec(props).map_err(|e| format!("Invalid properties: {e}"))?;
    spec.validate().map_err(|errors| {
        format!(
            "Invalid properties: {}",
            PropertyErrors::from_validation(&errors)
        )
    })?;
    Ok(spec)
}

/// The principals of properties that may not validate (old ones, a Delete's).
fn principals_of(props: &Value) -> BTreeSet<String> {
    properties::projects_spec(props)
        .map(|s| s.principal_arns)
        .unwrap_or_default()
}

enum Prior {
    Mine(Option<Record>),
    Other(Record),
}

async fn prior(aws: &Aws, ctx: &Ctx, id: &str) -> Result<Prior, String> {
    match aws.store.load(id).await {
        Ok(Some(r)) if !r.owned_by(&ctx.request.stack_id, &ctx.request.logical_resource_id) => {
            Ok(Prior::Other(r))
        }
        Ok(r) => Ok(Prior::Mine(r)),
        Err(e @ StoreError::Unreadable { .. }) => {
            tracing::warn!(error = %e, "record unreadable: working from the properties");
            Ok(Prior::Mine(None))
        }
        Err(e) => Err(e.to_string()),
    }
}

async fn create(aws: &Aws, ctx: &Ctx, id: &str) -> Step {
    let spec = match spec_of(&ctx.request.properties) {
        Ok(spec) => spec,
        Err(why) => return Step::failed(CREATE_FAILED_ID, why),
    };
    let prior = match prior(aws, ctx, id).await {
        Ok(Prior::Mine(r)) => r,
        Ok(Prior::Other(r)) => {
            return Step::failed(
                CREATE_FAILED_ID,
                format!(
                    "SageMaker Projects in {id} are already managed by {} in stack {}: one such resource per account and region",
                    r.logical_resource_id, r.stack_id
                ),
            )
        }
        Err(why) => return Step::failed(CREATE_FAILED_ID, why),
    };
    if let Some(why) = ctx.superseded(prior.as_ref()) {
        return Step::failed(id, why);
    }
    let fail_id = if prior.is_some() {
        id
    } else {
        CREATE_FAILED_ID
    };
    let previously = prior.map(|r| r.principals).unwrap_or_default();
    apply_run(aws, ctx, id, &spec, previously, fail_id).await
}

async fn update(aws: &Aws, ctx: &Ctx, id: &str) -> Step {
    let event_id = ctx.request.physical_resource_id.clone().unwrap_or_default();
    if event_id != id {
        // The Create never succeeded (or answered): this is the first real apply.
        return create(aws, ctx, id).await;
    }
    let spec = match spec_of(&ctx.request.properties) {
        Ok(spec) => spec,
        Err(why) => return Step::failed(&event_id, why),
    };
    let prior = match prior(aws, ctx, id).await {
        Ok(Prior::Mine(r)) => r,
        Ok(Prior::Other(r)) => {
            return Step::failed(
                &event_id,
                format!(
                "SageMaker Projects in {id} are managed by {} in stack {}, not by this resource",
                r.logical_resource_id, r.stack_id
            ),
            )
        }
        Err(why) => return Step::failed(&event_id, why),
    };
    if let Some(why) = ctx.superseded(prior.as_ref()) {
        return Step::failed(id, why);
    }
    let previously = match prior {
        Some(r) => r.principals,
        None => ctx
            .request
            .old_properties
            .as_ref()
            .map(principals_of)
            .unwrap_or_default(),
    };
    apply_run(aws, ctx, id, &spec, previously, id).await
}

async fn apply_run(
    aws: &Aws,
    ctx: &Ctx,
    id: &str,
    spec: &ProjectsEnablementSpec,
    previously: BTreeSet<String>,
    fail_id: &str,
) -> Step {
    // While the run goes on, any principal of either set may be associated.
    let mut rec = ctx.new_record(
        Default::default(),
        previously.union(&spec.principal_arns).cloned().collect(),
    );
    if let Err(e) = aws.store.save(id, &rec).await {
        return Step::failed(fail_id, format!("{e}; nothing was changed"));
    }
    ctx.claim(id);
    let deadline = ctx.deadline();
    match core_projects::apply(&aws.clients, spec, &previously, deadline).await {
        Ok(state) => {
            for w in &state.warnings {
                tracing::warn!(warning = %w, "projects enablement");
            }
            rec.in_progress = false;
            rec.principals = state.principal_arns.clone();
            if let Some(stop) = aws.record_end(id, &rec, "enabled").await {
                return stop;
            }
            Step::success(id, data(&state))
        }
        Err(failed) => {
            let timed_out =
                matches!(failed.error, ProjectsError::ShareNotVisible(_)) || deadline.passed();
            let reason = failed.error.to_string();
            if let Some(state) = &failed.ledger {
                rec.principals = state.principal_arns.clone();
            }
            rec.in_progress = false;
            if failed.ledger.is_none() && fail_id == CREATE_FAILED_ID {
                // Refused before any change.
                let _ = aws.store.delete(id).await;
                return Step::failed(CREATE_FAILED_ID, reason);
            }
            if let Some(stop) = aws.record_end(id, &rec, "ran").await {
                return stop;
            }
            if timed_out {
                ctx.continue_or_fail(id, &format!("Not finished: {reason}"))
            } else {
                Step::failed(id, reason)
            }
        }
    }
}

async fn delete(aws: &Aws, ctx: &Ctx, id: &str) -> Step {
    let event_id = ctx.request.physical_resource_id.clone().unwrap_or_default();
    let prior = match prior(aws, ctx, id).await {
        Ok(Prior::Mine(r)) => r,
        Ok(Prior::Other(r)) => {
            tracing::warn!(owner = %r.stack_id, "SageMaker Projects are managed by another resource: left alone");
            return Step::success(&event_id, vec![]);
        }
        Err(why) => return Step::failed(&event_id, why),
    };
    // An id this type never gives (CloudFormation's own, after a Create that never answered):
    // only a record of this resource says something was done.
    if event_id != id && prior.is_none() {
        return Step::success(&event_id, vec![]);
    }
    if !ctx.is_first() {
        match &prior {
            Some(r) if r.request_id != ctx.request.request_id => {
                return Step::failed(
                    &event_id,
                    format!(
                        "superseded: request {} has taken this resource over, so this one stops",
                        r.request_id
                    ),
                )
            }
            None => return Step::success(&event_id, vec![]),
            _ => {}
        }
    }
    let props = prior
        .as_ref()
        .map(|r| r.properties.clone())
        .unwrap_or_else(|| ctx.request.properties.clone());
    let disable = properties::projects_spec(&props)
        .or_else(|_| properties::projects_spec(&ctx.request.properties))
        .map(|s| s.disable_on_destroy)
        .unwrap_or(false);
    let managed = match &prior {
        Some(r) => r.principals.clone(),
        None => principals_of(&ctx.request.properties),
    };
    if let Some(mut rec) = prior {
        rec.request_id = ctx.request.request_id.clone();
        if let Err(e) = aws.store.save(id, &rec).await {
            return Step::failed(&event_id, e.to_string());
        }
    }
    let work = core_projects::delete(&aws.clients, &managed, disable);
    match tokio::time::timeout_at(ctx.work_deadline, work).await {
        Ok(Ok(())) => {
            if let Err(e) = aws.store.delete(id).await {
                tracing::warn!(error = %e, "could not remove the record");
            }
            Step::success(&event_id, vec![])
        }
        Ok(Err(e)) => Step::failed(&event_id, e.to_string()),
        Err(_) => ctx.continue_or_fail(&event_id, "Not finished disabling SageMaker Projects"),
    }
}

/// The `Data` of an enablement: `Id` (`<account>/<region>`), `PortfolioId`, `Status`,
/// `LaunchRoleArn`, `UseRoleArn`, `PrincipalArns` (comma-joined) and `Warnings` (`; `-joined,
/// usually empty).
pub fn data(state: &ProjectsEnablement) -> Vec<(String, String)> {
    vec![
        ("Id".into(), state.id.clone()),
        (
            "PortfolioId".into(),
            state.portfolio_id.clone().unwrap_or_default(),
        ),
        ("Status".into(), state.status.clone()),
        ("LaunchRoleArn".into(), state.launch_role_arn.clone()),
        ("UseRoleArn".into(), state.use_role_arn.clone()),
        (
            "PrincipalArns".into(),
            state
                .principal_arns
                .iter()
                .cloned()
                .collect::<Vec<_>>()
                .join(","),
        ),
        ("Warnings".into(), state.warnings.join("; ")),
    ]
}
