//! The error every child module returns.

use crate::aws::AwsCallError;
use crate::wait::WaitError;

/// Why a child could not be ensured, read or deleted.
#[derive(Debug, thiserror::Error)]
pub enum ChildError {
    /// An AWS call failed.
    #[error(transparent)]
    Aws(#[from] AwsCallError),
    /// A wait for AWS to reach a state did not end well.
    #[error(transparent)]
    Wait(#[from] WaitError<AwsCallError>),
    /// A child this one needs is not in the ledger (the graph lacks a dependency).
    #[error(
        "{child} needs {input}, which does not exist yet; it must be in the graph as a dependency"
    )]
    MissingInput {
        /// The child being ensured.
        child: String,
        /// The logical id or attribute it needs.
        input: String,
    },
    /// A resource the user brought does not exist.
    #[error("{child}: {id} does not exist in this account and region; check the id in the spec")]
    ExistingNotFound {
        /// The child's logical id.
        child: String,
        /// The id the user gave.
        id: String,
    },
    /// AWS answered without a field it always sends.
    #[error("{operation} answered without {missing}")]
    IncompleteAnswer {
        /// The operation.
        operation: &'static str,
        /// The missing field.
        missing: &'static str,
    },
    /// AWS refused to delete one item of a batch delete.
    #[error("{operation} refused to delete {id}: {code}: {message}")]
    DeleteRefused {
        /// The operation.
        operation: &'static str,
        /// The resource id.
        id: String,
        /// AWS's error code.
        code: String,
        /// AWS's message.
        message: String,
    },
    /// A resource ended in a state it cannot be used in.
    #[error("{id} is {state}: {reason}")]
    Unusable {
        /// The resource id.
        id: String,
        /// Its state.
        state: String,
        /// AWS's reason, if any.
        reason: String,
    },
    /// AWS holds something that stops the child from being made as specified (a bucket name
    /// taken by another account, a key pending deletion, a resource owned by something else).
    // The executor names the child in front of every error; the reason alone here.
    #[error("{reason}")]
    Refused {
        /// The child's logical id.
        child: String,
        /// What is in the way and what the user can do.
        reason: String,
    },
}
