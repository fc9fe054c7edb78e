//! The CloudFormation front end of the secure SageMaker engine: a custom-resource Lambda
//! (`bootstrap`, `provided.al2023`) for `Custom::SecureDsEnvironment`,
//! `Custom::SageMakerProjectsEnablement` and `Custom::MlopsProjectTemplates`.
//!
//! The binary is a thin `lambda_runtime` loop around [`Handler::handle`]; everything else is
//! here so tests can run events in-process against the emulator.
//!
//! # Properties
//!
//! Property names are the Terraform arguments in PascalCase ([`properties`]): `Name`, `Stage`,
//! `Tags`, `Network.VpcCidr`, `Network.AvailabilityZones`, `Network.FlowLogs.Enabled`,
//! `Iam.ExecutionRoleArn`, `Storage.ForceDestroy`, `Guardrails.AllowedInstanceTypes`,
//! `Studio.UserProfiles` (a map of name to `{Persona}`), ...; `PrincipalArns`,
//! `CreateServiceRoles`, `DisableOnDestroy`. Scalars may be strings (`"true"`, `"14"`), as
//! CloudFormation sends them; lists may be a comma-separated string; the maps (`Tags`,
//! `Studio.UserProfiles`) may be lists of `"key=value"` strings, all that a product template's
//! `CommaDelimitedList` parameter can give; an empty string means "not set". Defaults are
//! Terraform's (Studio on, the region's first two zones). Unknown properties fail the event;
//! `ServiceToken` and `ServiceTimeout` are CloudFormation's. A bad property fails the event
//! with a `Reason` on its property path
//! (`Network.PrivateSubnetCidrs[1]: 10.1.0.0/19 is not inside the VPC CIDR 10.0.0.0/16 ...`).
//!
//! # Ids and lifecycle
//!
//! * `PhysicalResourceId` is `<Name>-<Stage>` for an environment, `<account>/<region>` for
//!   the projects enablement and `<EnvironmentId>/mlops-templates` for the MLOps project
//!   templates ([`mlops_templates`]): stable across updates.
//! * An Update with a new `Name` or `Stage` creates the new environment under the new id;
//!   CloudFormation then deletes the old id, whose record still says what to delete. An
//!   Update that changes the VPC layout (`Network.VpcId`, `VpcCidr`, `AvailabilityZones`,
//!   subnet CIDRs or ids, `ExistingS3EndpointId`) under the same `Name` and `Stage` fails
//!   without any change, like CloudFormation's own custom-named resources: the replacement
//!   would be created before the old environment is deleted and would collide with it (same
//!   tags, bucket and role names). Change `Name` or `Stage` as well to replace it.
//! * A Create that fails before any change answers the id [`request::CREATE_FAILED_ID`]; the
//!   rollback Delete for it succeeds without calling AWS. A Create that fails later answers
//!   its real id, so the rollback Delete removes what was made.
//! * The same event delivered twice is harmless: Create and Update re-run the idempotent
//!   engine from the recorded ledger; a second Delete finds no record and no trace of the
//!   environment and succeeds without change.
//! * Another stack (or another logical id) asking for an id already owned is refused.
//!
//! # The ledger between events
//!
//! CloudFormation keeps only the physical id, so the engine's ledger lives in SSM Parameter
//! Store under `/secure-mlops/<physical id>/ledger/NN` ([`store`]): chunked, since a Studio
//! environment's ledger exceeds one standard parameter. It is written, marked in progress,
//! before the first AWS change of a run and again at its end. A Delete then destroys what the
//! ledger lists; when the record is marked in progress (a crash), unreadable, or missing while
//! EC2 resources tagged with the environment or its buckets exist (the record was lost), the
//! Delete first adopts the environment's children by their tags and names
//! (`environment::apply` on the properties) and then destroys them. The function needs
//! `ssm:GetParametersByPath`, `ssm:PutParameter` and `ssm:DeleteParameters` on
//! `arn:aws:ssm:<region>:<account>:parameter/secure-mlops/*`.
//!
//! # Always answering
//!
//! Every event is answered: on success, bad input, AWS errors, a panic (the work runs in a
//! spawned task whose `JoinError` becomes FAILED), and before the Lambda deadline (a watchdog
//! stops the work 5 s before it and answers FAILED). The PUT is retried with backoff; the body
//! is cut to 4096 bytes (`Reason` first, then the least important `Data`); the response URL
//! is never logged, nor are properties or `Data` values.
//!
//! # Whom it answers
//!
//! The `ResponseURL` is checked before anything runs ([`response::ResponseUrl::check`]): it
//! must be HTTPS to CloudFormation's response bucket of a region,
//! `cloudformation-custom-resource-response-<region>.s3.amazonaws.com`,
//! `...s3.<region>.amazonaws.com` or `...s3-<region>.amazonaws.com` (`.amazonaws.com.cn` in
//! China), with no user information and no port but 443. Anything else is refused: the
//! request is not run, not answered (the answer would tell a stranger about the account), and
//! the invocation fails with a log line naming the request and the URL's host, never its
//! query. `SECURE_MLOPS_ALLOWED_RESPONSE_HOST` (comma-separated `host[:port]`) adds hosts
//! accepted over HTTP or HTTPS: the emulator's local CloudFormation and the tests set it to
//! their own address. Never set it in an AWS account.
//!
//! # Long operations: continuing in a new invocation
//!
//! A Studio environment can take longer than one invocation may run (15 minutes at most). The
//! engine gets a deadline of the invocation's remaining time less a margin (30 s). When it
//! stops at that deadline with work left:
//!
//! 1. the ledger is recorded (the engine returns it on failure as on success);
//! 2. the function invokes itself asynchronously (`lambda:InvokeFunction`, `InvocationType
//!    Event`, on its own ARN from the invocation context) with the original event plus
//!    `"SecureMlopsContinuation": {"Count": n, "StartedAt": <unix seconds of the first
//!    invocation>}` ([`continuation`]), and does not answer CloudFormation yet;
//! 3. the next invocation runs the same operation from the recorded ledger: the engine adopts
//!    what exists and carries on (every step is idempotent), and answers when done.
//!
//! The chain is capped: after `SECURE_MLOPS_MAX_CONTINUATIONS` (30) continuations, or when the
//! request's `ServiceTimeout` (default and maximum 3600 s) less 60 s would pass during the
//! next invocation, it answers FAILED instead of continuing, so CloudFormation never waits
//! past its own timeout and never hears nothing. A continuation whose resource was taken over
//! by a later request (CloudFormation gave up and sent a Delete) stops. The invoker is the
//! [`continuation::Invoker`] trait, so tests run continuations in-process.
//!
//! # Data (`Fn::GetAtt`)
//!
//! Flat string keys, always present: see [`environment::data`], [`projects::data`] and
//! [`mlops_templates::data`].

mod budget;
pub mod continuation;
pub mod environment;
pub mod handler;
pub mod mlops_templates;
mod operation;
pub mod projects;
pub mod properties;
pub mod request;
pub mod response;
pub mod security;
mod settings;
pub mod store;

pub use continuation::{Continuation, Invoker, LambdaInvoker, CONTINUATION_KEY};
pub use handler::{Handler, Invocation, Outcome, Settings};
pub use request::{CREATE_FAILED_ID, ENVIRONMENT_TYPE, PROJECTS_TYPE, TEMPLATES_TYPE};
pub use response::{AllowedResponseHosts, Status};
pub use security::{shape, EventShape};
