//! What cannot change in place: both front ends ask here, so Terraform's "forces replacement"
//! and the custom resource's refusal always name the same attributes.

use super::super::AttrPath;
use super::EnvironmentSpec;

impl EnvironmentSpec {
    /// The attribute paths whose change from `old` to `self` replaces the environment: its id
    /// (`name`, `stage`) and the VPC layout (the VPC, its CIDR, the zones, the private subnets,
    /// the public subnets' CIDRs while NAT stays on, a brought S3 endpoint). Both specs must be
    /// completed ([`complete`](crate::environment::complete)), so defaults compare as the values
    /// they stand for. Everything else changes in place.
    pub fn replacing_changes(&self, old: &EnvironmentSpec) -> Vec<AttrPath> {
        let net = |name: &str| AttrPath::attr("network").then(name);
        let (a, b) = (&old.network, &self.network);
        let (ra, rb) = (old.resolved_subnets(), self.resolved_subnets());
        let mut changed = Vec::new();
        if old.name != self.name {
            changed.push(AttrPath::attr("name"));
        }
        if old.stage != self.stage {
            changed.push(AttrPath::attr("stage"));
        }
        if a.vpc_id != b.vpc_id {
            changed.push(net("vpc_id"));
        }
        if ra.vpc_cidr != rb.vpc_cidr {
            changed.push(net("vpc_cidr"));
        }
        // With existing subnets the subnets are the layout; their zones follow them.
        let existing =
            a.existing_private_subnet_ids.is_some() || b.existing_private_subnet_ids.is_some();
        if !existing && a.zones() != b.zones() {
            changed.push(net("availability_zones"));
        }
        if a.existing_private_subnet_ids != b.existing_private_subnet_ids {
            changed.push(net("existing_private_subnet_ids"));
        } else if ra.private != rb.private {
            changed.push(net("private_subnet_cidrs"));
        }
        // Public subnets come and go with NAT in place; a new layout for existing ones replaces.
        if !ra.public.is_empty() && !rb.public.is_empty() && ra.public != rb.public {
            changed.push(net("public_subnet_cidrs"));
        }
        if a.existing_s3_endpoint_id != b.existing_s3_endpoint_id {
            changed.push(net("existing_s3_endpoint_id"));
        }
        changed
    }
}
