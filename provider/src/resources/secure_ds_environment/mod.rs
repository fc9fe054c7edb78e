//! `sagemaker_secure_ds_environment`: a team's locked-down network, keys, buckets, roles,
//! guardrails and flow logs, on the engine's [`environment`] operations.
//!
//! The engine's ledger (what exists, by logical id) is the resource's private state: Terraform
//! keeps it with the instance, hands it back on every call, and stores it even when an apply
//! fails half way. A create that fails half way leaves the instance tainted: the next apply
//! replaces it (deletes what the ledger lists, then creates), or, once untainted, continues from
//! it. A replacement's destroy gets the ledger through [`handover`].

mod handover;
mod schema;
mod state;

use std::time::Duration;

use async_trait::async_trait;
use secure_mlops_core::children::driver::bucket_names;
use secure_mlops_core::engine::Ledger;
use secure_mlops_core::environment::{self, EnvironmentError, Failed};
use secure_mlops_core::graph::environment::environment_graph;
use secure_mlops_core::spec::{AttrPath, EnvironmentSpec, Stage, ValidationErrors};
use secure_mlops_core::wait::Deadline;
use tf_provider::schema::Schema;
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use self::handover::Handover;
use self::state::{
    drift_list, fill_defaults, mark_defaults_unknown, reset_unset, set_outputs, to_spec,
    unknown_outputs, unknown_studio_outputs, NotYetKnown, State,
};
use crate::diagnostics::{add_validation_errors, attribute_path};
use crate::provider::SharedClients;
use crate::timeouts::{check_durations, timeout_or_default};

/// Default for each of `timeouts.create`, `update` and `delete`.
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(60 * 60);

/// What `drifted_settings` says of an environment imported but not applied since.
const NOT_ADOPTED: &str = "imported: the next apply adopts the environment's children by their tags (nothing is created twice)";

/// The resource, holding the provider's shared clients.
pub(crate) struct SecureDsEnvironmentResource {
    clients: SharedClients,
    handover: Handover,
}

impl SecureDsEnvironmentResource {
    pub(crate) fn new(clients: SharedClients) -> Self {
        Self {
            clients,
            handover: Handover::default(),
        }
    }
}

#[async_trait]
impl Resource for SecureDsEnvironmentResource {
    type State<'a> = Value<State>;
    type PrivateState<'a> = Option<Ledger>;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        Some(schema::schema())
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        // Only what needs neither AWS nor defaults; the rest is checked at plan, with the
        // defaults filled in, before any change.
        if let Value::Value(config) = &config {
            check_timeouts(diags, config);
        }
        Some(())
    }

    async fn read<'a>(
        &self,
        diags: &mut Diagnostics,
        state: Self::State<'a>,
        private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(mut prior) = state else {
            return Some((Value::Null, private_state));
        };
        let clients = self.clients.get(diags)?;
        let Some(ledger) = &private_state else {
            // Imported, not yet adopted: nothing is recorded. Without any trace of the
            // environment it does not exist, and Terraform says so for an import ("Cannot
            // import non-existent remote object") instead of planning to adopt nothing.
            if let (Value::Value(name), Some(stage)) = (
                &prior.name,
                prior.stage.as_ref_option().and_then(|s| Stage::parse(s)),
            ) {
                let spec = EnvironmentSpec::named(name, stage);
                if !environment::has_traces(&clients, &spec).await {
                    return Some((Value::Null, private_state));
                }
            }
            prior.drifted_settings = drift_list(&[NOT_ADOPTED.to_string()]);
            return Some((Value::Value(prior), private_state));
        };
        let spec = match to_spec(&prior).into_spec() {
            Ok(spec) => spec,
            Err(NotYetKnown(path)) => {
                diags.root_error(
                    "Cannot Read Secure DS Environment",
                    format!("the state holds an unknown value at {path}; this is a provider bug"),
                );
                return Some((Value::Value(prior), private_state));
            }
        };
        // A tainted instance is planned as a create with no private state; the ledger reaches
        // its destroy only through the handover.
        self.handover.leave(spec.environment_id(), ledger.clone());
        match environment::drift(&clients, &spec, ledger).await {
            Ok(found) => {
                for d in &found {
                    tracing::info!(child = %d.child, detail = %d.detail, "drift");
                }
                let lines: Vec<String> = found.iter().map(ToString::to_string).collect();
                prior.drifted_settings = drift_list(&lines);
                if let Ok(graph) = environment_graph(&spec) {
                    set_outputs(
                        &mut prior,
                        &spec.environment_id(),
                        &environment::outputs(&graph, ledger),
                    );
                }
            }
            Err(err) => diags.root_error("Cannot Read Secure DS Environment", err.to_string()),
        }
        Some((Value::Value(prior), private_state))
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(mut planned) = proposed_state else {
            return Some((proposed_state, None));
        };
        self.plan_arguments(diags, &mut planned).await?;
        unknown_outputs(&mut planned);
        planned.drifted_settings = drift_list(&[]);
        // The create half of a replacement: the ledger of the environment it replaces, for the
        // destroy half (see `handover`).
        let ledger = environment_id(&planned).and_then(|id| self.handover.take(&id));
        Some((Value::Value(planned), ledger))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        proposed_state: Self::State<'a>,
        config_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let Value::Value(mut planned) = proposed_state else {
            return Some((proposed_state, prior_private_state, vec![]));
        };
        if let Value::Value(config) = &config_state {
            reset_unset(&mut planned, config);
        }
        self.plan_arguments(diags, &mut planned).await?;
        // Imported and not applied since: the arguments are not known from AWS, so their
        // change from null is adoption, not replacement.
        let replace = match (&prior_state, &prior_private_state) {
            (Value::Value(prior), Some(ledger)) => {
                warn_domain_replacement(diags, prior, &planned);
                let replace = replacements(prior, &planned);
                if replace.is_empty() && is_complete(prior, ledger) {
                    unknown_where_changed(prior, &mut planned);
                } else {
                    unknown_outputs(&mut planned);
                }
                replace
            }
            // Imported: nothing is known until the adopting apply.
            _ => {
                unknown_outputs(&mut planned);
                Vec::new()
            }
        };
        planned.drifted_settings = drift_list(&[]);
        // Tainted or replaced, Terraform plans the create half next, with a null prior.
        if let (Some(id), Some(ledger)) = (environment_id(&planned), &prior_private_state) {
            self.handover.leave(id, ledger.clone());
        }
        Some((Value::Value(planned), prior_private_state, replace))
    }

    async fn plan_destroy<'a>(
        &self,
        _diags: &mut Diagnostics,
        _prior_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<Self::PrivateState<'a>> {
        Some(prior_private_state)
    }

    async fn create<'a>(
        &self,
        diags: &mut Diagnostics,
        planned_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        _planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(planned) = planned_state else {
            diags.root_error_short("create called without a planned state");
            return None;
        };
        self.apply(diags, planned, Ledger::default(), "create")
            .await
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        _prior_state: Self::State<'a>,
        planned_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(planned) = planned_state else {
            diags.root_error_short("update called without a planned state");
            return None;
        };
        // No ledger after an import: an empty one makes the engine adopt every child by tags.
        let ledger = planned_private_state.unwrap_or_default();
        self.apply(diags, planned, ledger, "update").await
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let Value::Value(prior) = prior_state else {
            return Some(());
        };
        let Some(ledger) = planned_private_state else {
            diags.root_error(
                "Cannot Destroy an Environment Not Applied Since Import",
                "the provider does not know this environment's children yet: run `terraform apply` once (it adopts them, creating nothing twice), then destroy. (A tainted environment planned with `-refresh=false` also comes here: plan it again with refresh, or `terraform untaint` it.)",
            );
            return None;
        };
        let clients = self.clients.get(diags)?;
        let timeout = timeout_of(diags, &prior, "delete")?;
        let spec = match to_spec(&prior).into_spec() {
            Ok(spec) => spec,
            Err(NotYetKnown(path)) => {
                diags.root_error_short(format!("the state holds an unknown value at {path}"));
                return None;
            }
        };
        match environment::destroy(&clients, &spec, ledger, Deadline::after(timeout)).await {
            Ok(destroyed) => {
                let report = destroyed.report;
                if let Some(efs) = destroyed.kept_file_system {
                    diags.root_warning(
                        "Studio Home File System Kept",
                        format!("efs_retention = Retain: EFS file system {efs} with the users' home directories was kept; its mount targets and NFS security groups were removed. Delete it with `aws efs delete-file-system --file-system-id {efs}` when the data is no longer needed."),
                    );
                }
                tracing::info!(wall = ?report.wall, child_time_sum = ?report.child_time_sum, operations = report.operations, "environment destroyed");
                Some(())
            }
            Err(failed) => {
                add_failure(
                    diags,
                    "Cannot Destroy Secure DS Environment",
                    &failed,
                    "delete",
                );
                // Terraform keeps the prior state (and so the prior ledger) when destroy fails;
                // the children already deleted count as not-found on the next destroy.
                None
            }
        }
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Some((name, stage)) = id.rsplit_once('-') else {
            diags.root_error(
                "Invalid Import Id",
                format!(
                    "{id:?} is not an environment id: use \"<name>-<stage>\", e.g. \"team-a-dev\""
                ),
            );
            return None;
        };
        let mut errors = ValidationErrors::default();
        if secure_mlops_core::spec::Stage::parse(stage).is_none() {
            errors.push(
                AttrPath::attr("stage"),
                "Invalid Import Id",
                format!("{id:?} does not end with a stage (-dev, -test or -prod)"),
            );
        }
        if !errors.0.is_empty() {
            add_validation_errors(diags, &errors);
            return None;
        }
        let state = State {
            id: Value::Value(id.clone()),
            name: Value::Value(name.to_string()),
            stage: Value::Value(stage.to_string()),
            drifted_settings: drift_list(&[NOT_ADOPTED.to_string()]),
            ..Default::default()
        };
        Some((Value::Value(state), None))
    }
}

impl SecureDsEnvironmentResource {
    /// Validates and completes the planned arguments with the engine's
    /// [`complete`](environment::complete): every default (zones read from AWS), every check,
    /// those that need AWS included. With values not known yet, checks what is known and plans
    /// the defaults unknown. `None` when there are errors.
    async fn plan_arguments(&self, diags: &mut Diagnostics, planned: &mut State) -> Option<()> {
        if !check_timeouts(diags, planned) {
            return None;
        }
        let converted = to_spec(planned);
        let problems = converted.problems();
        if !problems.0.is_empty() {
            add_validation_errors(diags, &problems);
            return None;
        }
        if !converted.is_known() {
            // Judged in full at apply, when Terraform knows it; nothing else can be filled safely.
            tracing::debug!(unknown = ?converted.unknown, "not yet known at plan: checks that need it deferred to apply");
            mark_defaults_unknown(planned);
            return Some(());
        }
        let clients = self.clients.get(diags)?;
        match environment::complete(&clients, &converted.spec).await {
            Ok(spec) => {
                fill_defaults(planned, &spec, bucket_names(&spec, &clients).all());
                Some(())
            }
            Err(errors) => {
                add_validation_errors(diags, &errors);
                None
            }
        }
    }

    /// Create and update: run the engine from `ledger` to the planned arguments. On failure the
    /// state returned holds the outputs of what exists and the private state its ledger.
    async fn apply(
        &self,
        diags: &mut Diagnostics,
        mut planned: State,
        ledger: Ledger,
        operation: &'static str,
    ) -> Option<(Value<State>, Option<Ledger>)> {
        let clients = self.clients.get(diags)?;
        let timeout = timeout_of(diags, &planned, operation)?;
        // Values unknown at plan are known now: validate and fill what plan could not (on a
        // state plan completed, this only checks it again).
        let spec = match self
            .plan_arguments(diags, &mut planned)
            .await
            .map(|()| to_spec(&planned).into_spec())
        {
            Some(Ok(spec)) => spec,
            Some(Err(NotYetKnown(path))) => {
                diags.root_error_short(format!("{path} is still unknown at apply"));
                return None;
            }
            None => return None,
        };
        let graph = environment_graph(&spec).ok();
        match environment::apply(&clients, &spec, ledger, Deadline::after(timeout)).await {
            Ok((ledger, report)) => {
                tracing::info!(
                    wall = ?report.wall,
                    child_time_sum = ?report.child_time_sum,
                    operations = report.operations,
                    children = ledger.len(),
                    "environment applied"
                );
                if let Some(graph) = &graph {
                    set_outputs(
                        &mut planned,
                        &spec.environment_id(),
                        &environment::outputs(graph, &ledger),
                    );
                }
                planned.drifted_settings = drift_list(&[]);
                Some((Value::Value(planned), Some(ledger)))
            }
            Err(failed) => {
                add_failure(
                    diags,
                    "Cannot Apply Secure DS Environment",
                    &failed,
                    operation,
                );
                if failed.ledger.is_empty() && operation == "create" {
                    return None;
                }
                if let Some(graph) = &graph {
                    set_outputs(
                        &mut planned,
                        &spec.environment_id(),
                        &environment::outputs(graph, &failed.ledger),
                    );
                }
                planned.drifted_settings = drift_list(&[]);
                Some((Value::Value(planned), Some(failed.ledger)))
            }
        }
    }
}

/// Attributes whose change replaces the environment: the engine's
/// [`replacing_changes`](EnvironmentSpec::replacing_changes) between the two completed specs.
/// A layout argument not known yet counts as changed (it will differ from the state's value).
fn replacements(prior: &State, planned: &State) -> Vec<AttributePath> {
    let old = to_spec(prior).into_spec();
    let new = to_spec(planned);
    if let (Ok(old), true) = (&old, new.is_known()) {
        return new
            .spec
            .replacing_changes(old)
            .iter()
            .map(attribute_path)
            .collect();
    }
    const LAYOUT: [&str; 9] = [
        "name",
        "stage",
        "network.vpc_id",
        "network.vpc_cidr",
        "network.availability_zones",
        "network.private_subnet_cidrs",
        "network.existing_private_subnet_ids",
        "network.public_subnet_cidrs",
        "network.existing_s3_endpoint_id",
    ];
    LAYOUT
        .iter()
        .filter(|attr| new.unknown.iter().any(|u| u.starts_with(*attr)))
        .map(|attr| {
            let mut path = AttributePath::root();
            for step in attr.split('.') {
                path.add_attribute(step.to_string());
            }
            path
        })
        .collect()
}

/// Keeps the prior computed values (the proposed state carries them) except where an argument
/// they derive from changed: those become unknown, so the plan says "known after apply" only
/// where something will really change.
fn unknown_where_changed(prior: &State, planned: &mut State) {
    let net = |s: &State| s.network.as_ref_option().cloned().unwrap_or_default();
    let (a, b) = (net(prior), net(planned));
    if a.interface_endpoints != b.interface_endpoints {
        planned.interface_endpoint_ids = Value::Unknown;
    }
    if a.create_nat_gateways != b.create_nat_gateways
        || a.public_subnet_cidrs != b.public_subnet_cidrs
    {
        planned.public_subnet_ids = Value::Unknown;
    }
    if prior.iam != planned.iam {
        planned.role_arns = Value::Unknown;
    }
    let studio = |s: &State| s.studio.as_ref_option().cloned().unwrap_or_default();
    let (pa, pb) = (studio(prior), studio(planned));
    if pa.enabled != pb.enabled || pa.domain_name != pb.domain_name || pa.auth_mode != pb.auth_mode
    {
        unknown_studio_outputs(planned);
    } else if pa.user_profile != pb.user_profile {
        planned.user_profile_arns = Value::Unknown;
    }
    // The package repository brings its own endpoints (and only with Studio).
    if pa.enabled != pb.enabled || pa.packages != pb.packages {
        planned.interface_endpoint_ids = Value::Unknown;
        planned.package_repository_url = Value::Unknown;
    }
    let storage = |s: &State| s.storage.as_ref_option().cloned().unwrap_or_default();
    let (sa, sb) = (storage(prior), storage(planned));
    if sa.data_bucket_name != sb.data_bucket_name {
        planned.data_bucket_arn = Value::Unknown;
    }
    if sa.model_bucket_name != sb.model_bucket_name {
        planned.model_bucket_arn = Value::Unknown;
    }
}

/// Says in the plan when the Studio domain itself will be deleted and made again (AWS cannot
/// rename it or change its auth mode), with what that means for the users' files.
fn warn_domain_replacement(diags: &mut Diagnostics, prior: &State, planned: &State) {
    let (Some(a), Some(b)) = (prior.studio.as_ref_option(), planned.studio.as_ref_option()) else {
        return;
    };
    let on = |v: &Value<bool>| v.as_ref_option().copied().unwrap_or(false);
    if !(on(&a.enabled) && on(&b.enabled)) {
        return;
    }
    for (name, before, after) in [
        ("domain_name", &a.domain_name, &b.domain_name),
        ("auth_mode", &a.auth_mode, &b.auth_mode),
    ] {
        if before != after && !after.is_unknown() {
            let retention = b
                .efs_retention
                .as_ref_option()
                .map_or("Retain", String::as_str);
            diags.warning(
                "Studio Domain Will Be Replaced",
                format!("studio.{name} cannot change in place: apply deletes the domain and its user profiles and creates them again. With efs_retention = {retention} the users' home file system is {}.", if retention == "Delete" { "deleted" } else { "kept, and the new domain gets a new one" }),
                AttributePath::new("studio").attribute(name),
            );
        }
    }
}

/// True when `ledger` records every child of the environment `prior` describes. A failed
/// create leaves an incomplete one (and outputs to match); the apply that continues from it
/// (after `terraform untaint`) fills in outputs the plan must leave unknown.
fn is_complete(prior: &State, ledger: &Ledger) -> bool {
    let Ok(spec) = to_spec(prior).into_spec() else {
        return false;
    };
    environment_graph(&spec)
        .map(|graph| graph.nodes().iter().all(|n| ledger.get(&n.id).is_some()))
        .unwrap_or(false)
}

/// The id of the environment `state` plans, when its name and stage are known.
fn environment_id(state: &State) -> Option<String> {
    match (
        &state.name,
        state.stage.as_ref_option().and_then(|s| Stage::parse(s)),
    ) {
        (Value::Value(name), Some(stage)) => {
            Some(EnvironmentSpec::named(name, stage).environment_id())
        }
        _ => None,
    }
}

/// Reports a failed run: every child error on its own line, and what the user can do. A
/// failed create leaves the instance tainted, which Terraform replaces on the next apply.
fn add_failure(diags: &mut Diagnostics, summary: &'static str, failed: &Failed, operation: &str) {
    let next = match operation {
        "create" => "the resource is now tainted: the next apply deletes them and creates the environment again; run `terraform untaint` on it first to continue from them instead. `terraform destroy` removes them.",
        "delete" => "destroy again to continue.",
        _ => "apply again to continue, or destroy to remove them.",
    };
    match &failed.error {
        EnvironmentError::Invalid(errors) => add_validation_errors(diags, errors),
        EnvironmentError::Children(errors) => {
            for e in errors {
                diags.root_error(
                    summary,
                    format!(
                        "{e}\n\n{} child resource(s) exist and are recorded; {next}",
                        failed.ledger.len()
                    ),
                );
            }
        }
        other => diags.root_error(summary, other.to_string()),
    }
}

/// Checks the `timeouts` block; true when every value given is a duration.
fn check_timeouts(diags: &mut Diagnostics, state: &State) -> bool {
    match &state.timeouts {
        Value::Value(t) => check_durations(
            diags,
            [
                ("create", &t.create),
                ("update", &t.update),
                ("delete", &t.delete),
            ],
        ),
        _ => true,
    }
}

fn timeout_of(diags: &mut Diagnostics, state: &State, which: &'static str) -> Option<Duration> {
    let text = state.timeouts.as_ref_option().and_then(|t| match which {
        "create" => t.create.as_ref_option(),
        "update" => t.update.as_ref_option(),
        _ => t.delete.as_ref_option(),
    });
    timeout_or_default(diags, text, which, DEFAULT_TIMEOUT)
}
