//! The desired child resources of a deployment and their dependencies, as pure data.
//!
//! A spec becomes a [`Graph`]: one [`Node`] per AWS child, each with a stable logical id (which
//! also becomes its `secure-mlops:component` tag) and the ids it needs to exist first. The graph
//! knows nothing about AWS, so "with NAT off there is no internet gateway node" is a plain unit
//! test, and the executor can run any graph.

pub mod environment;

use std::collections::{BTreeMap, BTreeSet};

/// One desired child resource.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Node<K> {
    /// Stable logical id, unique in the graph (`vpc`, `subnet-private-a`, `endpoint-sts`).
    pub id: String,
    /// What to create: the child kind and its desired settings.
    pub kind: K,
    /// Logical ids that must exist before this one is created (and outlive it on delete).
    pub depends_on: Vec<String>,
}

/// Why a graph is malformed. These are programming errors in the spec-to-graph mapping, not
/// user errors; tests on every graph shape catch them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum GraphError {
    /// Two nodes share an id.
    #[error("duplicate logical id {0:?}")]
    DuplicateId(String),
    /// A node depends on an id that is not in the graph.
    #[error("{node:?} depends on {dependency:?}, which is not in the graph")]
    UnknownDependency {
        /// The node.
        node: String,
        /// The missing dependency.
        dependency: String,
    },
    /// Dependencies form a cycle through these ids.
    #[error("dependency cycle through {0:?}")]
    Cycle(Vec<String>),
}

/// A validated set of nodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Graph<K> {
    nodes: Vec<Node<K>>,
}

impl<K> Graph<K> {
    /// Validates `nodes`: unique ids, known dependencies, no cycle.
    pub fn new(nodes: Vec<Node<K>>) -> Result<Self, GraphError> {
        let mut ids = BTreeSet::new();
        for node in &nodes {
            if !ids.insert(node.id.as_str()) {
                return Err(GraphError::DuplicateId(node.id.clone()));
            }
        }
        for node in &nodes {
            if let Some(dependency) = node.depends_on.iter().find(|d| !ids.contains(d.as_str())) {
                return Err(GraphError::UnknownDependency {
                    node: node.id.clone(),
                    dependency: dependency.clone(),
                });
            }
        }
        let graph = Graph { nodes };
        let order = graph.creation_order();
        if order.len() != graph.nodes.len() {
            let placed: BTreeSet<&str> = order.iter().map(|n| n.id.as_str()).collect();
            let stuck = graph
                .nodes
                .iter()
                .filter(|n| !placed.contains(n.id.as_str()))
                .map(|n| n.id.clone())
                .collect();
            return Err(GraphError::Cycle(stuck));
        }
        Ok(graph)
    }

    /// Every node, in the order given.
    pub fn nodes(&self) -> &[Node<K>] {
        &self.nodes
    }

    /// The node with this id.
    pub fn get(&self, id: &str) -> Option<&Node<K>> {
        self.nodes.iter().find(|n| n.id == id)
    }

    /// True when a node has this id.
    pub fn contains(&self, id: &str) -> bool {
        self.get(id).is_some()
    }

    /// The ids of the nodes that depend directly on `id`.
    pub fn dependents_of(&self, id: &str) -> Vec<&str> {
        self.nodes
            .iter()
            .filter(|n| n.depends_on.iter().any(|d| d == id))
            .map(|n| n.id.as_str())
            .collect()
    }

    /// For each node, the longest chain of work from it to the end of the graph (itself and
    /// the longest of its dependents' chains), with each node's work given by `weight`. The
    /// largest rank is the critical path: no run can be shorter.
    pub fn critical_ranks(
        &self,
        weight: impl Fn(&Node<K>) -> std::time::Duration,
    ) -> BTreeMap<&str, std::time::Duration> {
        let mut ranks = BTreeMap::new();
        for node in self.creation_order().into_iter().rev() {
            let after = self
                .dependents_of(&node.id)
                .into_iter()
                .filter_map(|d| ranks.get(d).copied())
                .max()
                .unwrap_or_default();
            ranks.insert(node.id.as_str(), weight(node) + after);
        }
        ranks
    }

    /// A dependency-respecting order (dependencies first); stable for equal graphs. Nodes on a
    /// cycle are left out, which [`Graph::new`] reports.
    pub fn creation_order(&self) -> Vec<&Node<K>> {
        let mut remaining: BTreeMap<&str, usize> = self
            .nodes
            .iter()
            .map(|n| (n.id.as_str(), n.depends_on.len()))
            .collect();
        let mut order = Vec::with_capacity(self.nodes.len());
        loop {
            let ready: Vec<&Node<K>> = self
                .nodes
                .iter()
                .filter(|n| remaining.get(n.id.as_str()) == Some(&0))
                .collect();
            if ready.is_empty() {
                return order;
            }
            for node in ready {
                remaining.remove(node.id.as_str());
                for dependent in self.dependents_of(&node.id) {
                    if let Some(count) = remaining.get_mut(dependent) {
                        *count = count.saturating_sub(1);
                    }
                }
                order.push(node);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn node(id: &str, deps: &[&str]) -> Node<()> {
        Node {
            id: id.into(),
            kind: (),
            depends_on: deps.iter().map(|d| d.to_string()).collect(),
        }
    }

    #[test]
    fn dependencies_come_first() {
        let graph = Graph::new(vec![
            node("subnet-a", &["vpc"]),
            node("endpoint", &["subnet-a", "sg"]),
            node("vpc", &[]),
            node("sg", &["vpc"]),
        ])
        .unwrap();
        let order: Vec<&str> = graph
            .creation_order()
            .iter()
            .map(|n| n.id.as_str())
            .collect();
        let pos = |id: &str| order.iter().position(|o| *o == id).unwrap();
        assert!(pos("vpc") < pos("subnet-a"));
        assert!(pos("vpc") < pos("sg"));
        assert!(pos("subnet-a") < pos("endpoint") && pos("sg") < pos("endpoint"));
        assert_eq!(graph.dependents_of("vpc"), vec!["subnet-a", "sg"]);
    }

    #[test]
    fn the_critical_rank_is_the_longest_chain_of_work_from_a_node() {
        let graph = Graph::new(vec![
            node("vpc", &[]),
            node("subnet", &["vpc"]),
            node("endpoint", &["subnet"]),
            node("domain", &["subnet"]),
            node("profile", &["domain"]),
        ])
        .unwrap();
        let secs = |n: &Node<()>| {
            std::time::Duration::from_secs(match n.id.as_str() {
                "endpoint" => 180,
                "domain" => 390,
                "profile" => 60,
                _ => 1,
            })
        };
        let ranks = graph.critical_ranks(secs);
        assert_eq!(ranks["profile"].as_secs(), 60);
        assert_eq!(ranks["domain"].as_secs(), 450);
        assert_eq!(ranks["subnet"].as_secs(), 451);
        assert_eq!(ranks["vpc"].as_secs(), 452);
        assert_eq!(ranks["endpoint"].as_secs(), 180);
    }

    #[test]
    fn malformed_graphs_are_refused() {
        assert_eq!(
            Graph::new(vec![node("a", &[]), node("a", &[])]).unwrap_err(),
            GraphError::DuplicateId("a".into())
        );
        assert!(matches!(
            Graph::new(vec![node("a", &["b"])]).unwrap_err(),
            GraphError::UnknownDependency { .. }
        ));
        assert_eq!(
            Graph::new(vec![node("a", &["b"]), node("b", &["a"]), node("c", &[])]).unwrap_err(),
            GraphError::Cycle(vec!["a".into(), "b".into()])
        );
    }
}
