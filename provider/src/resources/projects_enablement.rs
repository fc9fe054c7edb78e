//! `sagemaker_projects_enablement`: SageMaker Projects enabled in an account and region, with
//! the Studio roles that may launch project templates.

use std::collections::BTreeSet;
use std::time::Duration;

use async_trait::async_trait;
use secure_mlops_core::projects::{self, ProjectsEnablement};
use secure_mlops_core::spec::{validate_principal_arns, ProjectsEnablementSpec, ValidationErrors};
use secure_mlops_core::wait::Deadline;
use serde::{Deserialize, Serialize};
use tf_provider::schema::{AttributeType, NestedBlock, Schema};
use tf_provider::value::{Value, ValueEmpty};
use tf_provider::{AttributePath, Diagnostics, Resource};

use crate::diagnostics::add_validation_errors;
use crate::provider::SharedClients;
use crate::schema::{
    block, computed, optional_with_default, required, set_of_strings, SetOfStrings,
};
use crate::timeouts::CreateDelete;

/// Default for `timeouts.create` (and updates): enabling is quick, the share's acceptance is not
/// always.
const DEFAULT_CREATE_TIMEOUT: Duration = Duration::from_secs(20 * 60);
/// Default for `timeouts.delete`.
const DEFAULT_DELETE_TIMEOUT: Duration = Duration::from_secs(20 * 60);

/// The resource's attributes, as Terraform sends and stores them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct State {
    id: Value<String>,
    principal_arns: SetOfStrings,
    create_service_roles: Value<bool>,
    disable_on_destroy: Value<bool>,
    portfolio_id: Value<String>,
    status: Value<String>,
    launch_role_arn: Value<String>,
    use_role_arn: Value<String>,
    timeouts: Value<CreateDelete>,
}

/// The resource, holding the provider's shared clients.
pub(crate) struct ProjectsEnablementResource {
    clients: SharedClients,
}

impl ProjectsEnablementResource {
    pub(crate) fn new(clients: SharedClients) -> Self {
        Self { clients }
    }
}

const DESCRIPTION: &str = "Enables SageMaker Projects (the MLOps project templates) in the provider's account and region, \
and lets the given IAM roles launch them.\n\n\
Create makes sure the two account-wide service roles exist (`AmazonSageMakerServiceCatalogProductsLaunchRole` and \
`AmazonSageMakerServiceCatalogProductsUseRole`), enables SageMaker's Service Catalog portfolio, waits until AWS has \
accepted the imported \"Amazon SageMaker\" portfolio share, and associates each principal with it. \
Destroy disassociates those principals and, only with `disable_on_destroy = true`, disables the portfolio. \
**Destroy never deletes the service roles**: they are account-wide and other project templates and tools use them.\n\n\
One instance per account and region. Import with the id `<account-id>/<region>`; the `timeouts` block is \
configuration, not something AWS holds, so it is not imported.";

#[async_trait]
impl Resource for ProjectsEnablementResource {
    type State<'a> = Value<State>;
    type PrivateState<'a> = ValueEmpty;
    type ProviderMetaState<'a> = ValueEmpty;

    fn schema(&self, _diags: &mut Diagnostics) -> Option<Schema> {
        let timeouts = CreateDelete::schema("20m", "20m");
        Some(Schema {
            version: 1,
            block: block(
                DESCRIPTION,
                vec![
                    ("id", computed(AttributeType::String, "`<account-id>/<region>`.")),
                    (
                        "principal_arns",
                        required(
                            set_of_strings(),
                            "IAM role ARNs (Studio execution roles, persona roles) allowed to launch SageMaker project templates. \
                             Changing the set adds and removes associations in place. Roles associated by others are left alone.",
                        ),
                    ),
                    (
                        "create_service_roles",
                        optional_with_default(
                            AttributeType::Bool,
                            "Create `AmazonSageMakerServiceCatalogProductsLaunchRole` and `AmazonSageMakerServiceCatalogProductsUseRole` \
                             under `/service-role/` when they are missing. Default `true`. Roles that exist are used as they are. \
                             Destroy leaves them in place.",
                        ),
                    ),
                    (
                        "disable_on_destroy",
                        optional_with_default(
                            AttributeType::Bool,
                            "Disable the SageMaker Service Catalog portfolio on destroy. Default `false`, because other teams \
                             in the account may use SageMaker Projects.",
                        ),
                    ),
                    ("portfolio_id", computed(AttributeType::String, "Id of the imported \"Amazon SageMaker\" Service Catalog portfolio.")),
                    ("status", computed(AttributeType::String, "Status of SageMaker's Service Catalog portfolio: `Enabled`.")),
                    ("launch_role_arn", computed(AttributeType::String, "ARN of `AmazonSageMakerServiceCatalogProductsLaunchRole`.")),
                    ("use_role_arn", computed(AttributeType::String, "ARN of `AmazonSageMakerServiceCatalogProductsUseRole`.")),
                ],
                vec![("timeouts", NestedBlock::Group(timeouts))],
            ),
        })
    }

    async fn validate<'a>(&self, diags: &mut Diagnostics, config: Self::State<'a>) -> Option<()> {
        if let Value::Value(config) = &config {
            check(diags, config);
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
        let Value::Value(prior) = state else {
            return Some((Value::Null, private_state));
        };
        let clients = self.clients.get(diags)?;
        let managed = known_strings(&prior.principal_arns);
        let create_roles = prior
            .create_service_roles
            .as_ref_option()
            .copied()
            .unwrap_or(true);
        match projects::read(&clients, Some(&managed), create_roles).await {
            Ok(Some(found)) => {
                report_warnings(diags, &found);
                Some((Value::Value(to_state(&found, &prior)), private_state))
            }
            Ok(None) => {
                tracing::info!("sagemaker projects portfolio is disabled: the enablement is gone");
                Some((Value::Null, private_state))
            }
            Err(err) => {
                diags.root_error("Cannot Read SageMaker Projects Enablement", err.to_string());
                None
            }
        }
    }

    async fn plan_create<'a>(
        &self,
        diags: &mut Diagnostics,
        proposed_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(mut planned) = proposed_state else {
            return Some((proposed_state, Value::Null));
        };
        if !check(diags, &planned) {
            return None;
        }
        fill_defaults(&mut planned);
        planned.id = Value::Unknown;
        planned.portfolio_id = Value::Unknown;
        planned.status = Value::Unknown;
        planned.launch_role_arn = Value::Unknown;
        planned.use_role_arn = Value::Unknown;
        Some((Value::Value(planned), Value::Null))
    }

    async fn plan_update<'a>(
        &self,
        diags: &mut Diagnostics,
        _prior_state: Self::State<'a>,
        proposed_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        prior_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>, Vec<AttributePath>)> {
        let Value::Value(mut planned) = proposed_state else {
            return Some((proposed_state, prior_private_state, vec![]));
        };
        if !check(diags, &planned) {
            return None;
        }
        // Every argument changes in place; computed values keep their state values (the
        // proposed state carries them), so plans stay quiet.
        fill_defaults(&mut planned);
        Some((Value::Value(planned), prior_private_state, vec![]))
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
        planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(planned) = planned_state else {
            diags.root_error_short("create called without a planned state");
            return None;
        };
        self.apply(diags, &planned, &BTreeSet::new(), planned_private_state)
            .await
    }

    async fn update<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        planned_state: Self::State<'a>,
        _config_state: Self::State<'a>,
        planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let Value::Value(planned) = planned_state else {
            diags.root_error_short("update called without a planned state");
            return None;
        };
        let managed = prior_state
            .as_ref_option()
            .map(|prior| known_strings(&prior.principal_arns))
            .unwrap_or_default();
        self.apply(diags, &planned, &managed, planned_private_state)
            .await
    }

    async fn destroy<'a>(
        &self,
        diags: &mut Diagnostics,
        prior_state: Self::State<'a>,
        _planned_private_state: Self::PrivateState<'a>,
        _provider_meta_state: Self::ProviderMetaState<'a>,
    ) -> Option<()> {
        let Value::Value(prior) = prior_state else {
            return Some(());
        };
        let clients = self.clients.get(diags)?;
        let timeout = timeout_of(diags, &prior, "delete", DEFAULT_DELETE_TIMEOUT)?;
        let managed = known_strings(&prior.principal_arns);
        let disable = prior
            .disable_on_destroy
            .as_ref_option()
            .copied()
            .unwrap_or(false);
        let work = projects::delete(&clients, &managed, disable);
        match tokio::time::timeout(timeout, work).await {
            Ok(Ok(())) => Some(()),
            Ok(Err(err)) => {
                diags.root_error(
                    "Cannot Delete SageMaker Projects Enablement",
                    err.to_string(),
                );
                None
            }
            Err(_) => {
                diags.root_error(
                    "Timed Out Deleting SageMaker Projects Enablement",
                    format!("destroy did not finish within timeouts.delete ({timeout:?}); run destroy again: it continues where it stopped"),
                );
                None
            }
        }
    }

    async fn import<'a>(
        &self,
        diags: &mut Diagnostics,
        id: String,
    ) -> Option<(Self::State<'a>, Self::PrivateState<'a>)> {
        let clients = self.clients.get(diags)?;
        if let Err(err) = projects::check_import_id(&clients, &id) {
            diags.root_error("Invalid Import Id", err.to_string());
            return None;
        }
        match projects::read(&clients, None, true).await {
            Ok(Some(found)) => {
                let defaults = State {
                    create_service_roles: Value::Value(true),
                    disable_on_destroy: Value::Value(false),
                    timeouts: Value::Value(CreateDelete::default()),
                    ..Default::default()
                };
                Some((Value::Value(to_state(&found, &defaults)), Value::Null))
            }
            Ok(None) => {
                diags.root_error(
                    "Cannot Import SageMaker Projects Enablement",
                    format!("SageMaker Projects are not enabled in {id}: there is nothing to import; apply the resource instead"),
                );
                None
            }
            Err(err) => {
                diags.root_error(
                    "Cannot Import SageMaker Projects Enablement",
                    err.to_string(),
                );
                None
            }
        }
    }
}

impl ProjectsEnablementResource {
    /// Create and update: converge on the planned principals. On failure the state returned
    /// holds what exists, so Terraform records it (tainted) and the next apply continues.
    async fn apply(
        &self,
        diags: &mut Diagnostics,
        planned: &State,
        previously_managed: &BTreeSet<String>,
        private: ValueEmpty,
    ) -> Option<(Value<State>, ValueEmpty)> {
        let clients = self.clients.get(diags)?;
        let timeout = timeout_of(diags, planned, "create", DEFAULT_CREATE_TIMEOUT)?;
        let spec = spec_of(planned);
        match projects::apply(
            &clients,
            &spec,
            previously_managed,
            Deadline::after(timeout),
        )
        .await
        {
            Ok(done) => {
                report_warnings(diags, &done);
                Some((Value::Value(to_state(&done, planned)), private))
            }
            Err(failed) => {
                if let projects::ProjectsError::Invalid(errors) = &failed.error {
                    add_validation_errors(diags, errors);
                } else {
                    diags.root_error("Cannot Enable SageMaker Projects", failed.error.to_string());
                }
                failed
                    .ledger
                    .map(|ledger| (Value::Value(to_state(&ledger, planned)), private))
            }
        }
    }
}

/// Validates what is known of a configuration; true when nothing is wrong.
fn check(diags: &mut Diagnostics, config: &State) -> bool {
    let mut errors = ValidationErrors::default();
    if let Value::Value(arns) = &config.principal_arns {
        validate_principal_arns(
            arns.iter()
                .filter_map(|v| v.as_ref_option().map(String::as_str)),
            &mut errors,
        );
    }
    add_validation_errors(diags, &errors);
    let timeouts_ok = CreateDelete::check(diags, &config.timeouts);
    errors.0.is_empty() && timeouts_ok
}

fn fill_defaults(state: &mut State) {
    if state.create_service_roles.is_null() {
        state.create_service_roles = Value::Value(true);
    }
    if state.disable_on_destroy.is_null() {
        state.disable_on_destroy = Value::Value(false);
    }
}

fn timeout_of(
    diags: &mut Diagnostics,
    state: &State,
    which: &'static str,
    default: Duration,
) -> Option<Duration> {
    CreateDelete::limit(diags, &state.timeouts, which, default)
}

fn known_strings(set: &SetOfStrings) -> BTreeSet<String> {
    set.as_ref_option()
        .map(|s| {
            s.iter()
                .filter_map(|v| v.as_ref_option().cloned())
                .collect()
        })
        .unwrap_or_default()
}

fn spec_of(state: &State) -> ProjectsEnablementSpec {
    ProjectsEnablementSpec {
        principal_arns: known_strings(&state.principal_arns),
        create_service_roles: state
            .create_service_roles
            .as_ref_option()
            .copied()
            .unwrap_or(true),
        disable_on_destroy: state
            .disable_on_destroy
            .as_ref_option()
            .copied()
            .unwrap_or(false),
    }
}

/// Core's view of what exists, as resource state; arguments the core does not report are kept
/// from `base` (the planned or prior state).
fn to_state(found: &ProjectsEnablement, base: &State) -> State {
    State {
        id: Value::Value(found.id.clone()),
        principal_arns: Value::Value(
            found
                .principal_arns
                .iter()
                .cloned()
                .map(Value::Value)
                .collect(),
        ),
        create_service_roles: base.create_service_roles,
        disable_on_destroy: base.disable_on_destroy,
        portfolio_id: found.portfolio_id.clone().into(),
        status: Value::Value(found.status.clone()),
        launch_role_arn: Value::Value(found.launch_role_arn.clone()),
        use_role_arn: Value::Value(found.use_role_arn.clone()),
        timeouts: base.timeouts.clone(),
    }
}

fn report_warnings(diags: &mut Diagnostics, found: &ProjectsEnablement) {
    for warning in &found.warnings {
        diags.root_warning("SageMaker Projects Service Role", warning.clone());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config(arns: &[&str]) -> State {
        State {
            principal_arns: Value::Value(
                arns.iter().map(|a| Value::Value(a.to_string())).collect(),
            ),
            timeouts: Value::Value(CreateDelete::default()),
            ..Default::default()
        }
    }

    #[test]
    fn bad_principals_are_errors_on_principal_arns() {
        let mut diags = Diagnostics::default();
        assert!(!check(
            &mut diags,
            &config(&["arn:aws:iam::123456789012:user/bob"])
        ));
        assert_eq!(diags.errors.len(), 1);
        assert!(format!("{:?}", diags.errors[0]).contains("principal_arns"));
    }

    #[test]
    fn unknown_principals_are_not_judged() {
        let mut state = config(&["arn:aws:iam::123456789012:role/a"]);
        if let Value::Value(set) = &mut state.principal_arns {
            set.push(Value::Unknown);
        }
        let mut diags = Diagnostics::default();
        assert!(check(&mut diags, &state));
    }

    #[test]
    fn bad_timeouts_are_errors_on_their_attribute() {
        let mut state = config(&[]);
        state.timeouts = Value::Value(CreateDelete {
            create: Value::Value("ten minutes".into()),
            delete: Value::Null,
        });
        let mut diags = Diagnostics::default();
        assert!(!check(&mut diags, &state));
        assert!(format!("{:?}", diags.errors[0]).contains("timeouts.create"));
    }

    #[test]
    fn defaults_fill_only_nulls() {
        let mut state = config(&[]);
        state.disable_on_destroy = Value::Value(true);
        fill_defaults(&mut state);
        assert_eq!(state.create_service_roles, Value::Value(true));
        assert_eq!(state.disable_on_destroy, Value::Value(true));
    }
}
