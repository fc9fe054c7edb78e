//! Carries the ledger to the destroy half of a replacement.
//!
//! The destroy half of a replacement gets, as its private state, the private state planned for
//! the create half, which Terraform plans with a null prior. Two cases lose our ledger there:
//! an instance tainted by a failed create is planned as a create with no private state at all
//! (Terraform keeps it in the state but hands it only to the refresh), and tf-provider 0.2
//! drops the `PriorPrivate` that Terraform passes to the create half of a forced replacement.
//! Without the ledger the destroy half could not tell what to delete.
//!
//! The refresh (`read`) and the update plan leave the instance's ledger here under its
//! environment's id; a create planned for the same id in the same provider process (Terraform
//! refreshes and plans an instance in one walk) takes it and plans it as its private state. The
//! create itself ignores it; only the destroy half uses it. With `-refresh=false` a tainted
//! instance still has no ledger, and its destroy says so.

use std::collections::HashMap;
use std::sync::Mutex;

use secure_mlops_core::engine::Ledger;

/// Ledgers planned by updates, by environment id, until a create of the same id takes them.
#[derive(Default)]
pub(super) struct Handover {
    ledgers: Mutex<HashMap<String, Ledger>>,
}

impl Handover {
    /// Keeps `ledger` for a create of `environment_id` planned next in this process.
    pub(super) fn leave(&self, environment_id: String, ledger: Ledger) {
        self.lock().insert(environment_id, ledger);
    }

    /// The ledger an update of `environment_id` left, if any; it is taken, not copied.
    pub(super) fn take(&self, environment_id: &str) -> Option<Ledger> {
        self.lock().remove(environment_id)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Ledger>> {
        // A panic while holding the lock cannot leave the map half-changed (single inserts and
        // removes), so a poisoned lock is still usable.
        self.ledgers.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_ledger_left_by_an_update_is_taken_once_by_the_create_of_the_same_id() {
        let handover = Handover::default();
        handover.leave("team-dev".into(), Ledger::default());
        assert!(handover.take("team-prod").is_none());
        assert!(handover.take("team-dev").is_some());
        assert!(handover.take("team-dev").is_none());
    }
}
