//! Runs a [`Graph`](crate::graph::Graph) against AWS: independent children concurrently (bounded),
//! dependents as soon as their inputs exist, and a [`Ledger`] of what exists that survives a
//! failure half way.
//!
//! The executor is generic over a [`ChildDriver`], which knows how to ensure (adopt or create)
//! and delete one child kind; the executor owns ordering, concurrency, deadlines and the ledger.

mod executor;
mod ledger;

pub use executor::{
    apply, destroy, ChildDriver, ChildTiming, ExecError, ExecFailure, ExecOptions, ExecReport,
};
pub use ledger::{Ledger, Record};
