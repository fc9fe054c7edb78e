//! The provisioning engine behind both front ends.
//!
//! The Terraform provider (`provider/`) and the CloudFormation custom resource
//! (`custom-resource/`) decode their wire formats into the specs in [`spec`], call the operations
//! here, and map results and errors back. Nothing in this crate knows about msgpack, gRPC or
//! CloudFormation events.
//!
//! * [`ids`]: tag keys, personas, purposes, logical ids and record kinds: how children are named.
//! * [`spec`]: typed input and its validation (every problem at once, on attribute paths).
//! * [`aws`]: client construction from one [`aws::ConnectionSettings`] and AWS error decoding.
//! * [`children`]: one module per AWS child kind the engine manages.
//! * [`policy`]: the IAM policy documents the engine writes.
//! * [`wait`]: polling with backoff to a caller's deadline.
//! * [`graph`]: desired children and their dependencies, as pure data.
//! * [`engine`]: runs a graph (bounded concurrency, deadlines) and keeps the ledger of what exists.
//! * [`environment`]: team environments (network, keys, buckets, roles, guardrails, flow logs).
//! * [`projects`]: SageMaker Projects enablement (portfolio, share, principals, service roles).

pub mod audit;
pub mod aws;
pub mod children;
pub mod engine;
pub mod environment;
pub mod graph;
pub mod ids;
pub mod mlops;
pub mod policy;
pub mod projects;
pub mod response;
pub mod security_response;
pub mod spec;
pub mod wait;
