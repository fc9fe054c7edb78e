//! What an environment reports: the front ends' computed attributes, read from the ledger.

use std::collections::BTreeMap;

use crate::children::{domain, package_repository};
use crate::engine::Ledger;
use crate::graph::environment::Child;
use crate::graph::Graph;
use crate::ids::{BucketPurpose, KeyPurpose, LogicalId, Persona};

/// The values an environment reports: the front ends' computed attributes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Outputs {
    /// The VPC (created or brought).
    pub vpc_id: String,
    /// Private subnets, by zone order.
    pub private_subnet_ids: Vec<String>,
    /// Public subnets (NAT only), by zone order.
    pub public_subnet_ids: Vec<String>,
    /// The SageMaker security group.
    pub sagemaker_security_group_id: String,
    /// The interface endpoints' security group.
    pub endpoint_security_group_id: String,
    /// The S3 gateway endpoint (created or brought).
    pub s3_endpoint_id: String,
    /// Interface endpoint ids by service name.
    pub interface_endpoint_ids: BTreeMap<String, String>,
    /// KMS key ARNs: `data`, `ebs`, `studio`.
    pub kms_key_arns: BTreeMap<String, String>,
    /// The data bucket's ARN.
    pub data_bucket_arn: String,
    /// The model bucket's ARN.
    pub model_bucket_arn: String,
    /// Role ARNs: `data_scientist`, `team_admin`, `execution`, `sc_launch`.
    pub role_arns: BTreeMap<String, String>,
    /// The Studio domain's id, when there is one.
    pub domain_id: Option<String>,
    /// Its ARN.
    pub domain_arn: Option<String>,
    /// Its URL.
    pub domain_url: Option<String>,
    /// Its home EFS file system (made by SageMaker).
    pub efs_id: Option<String>,
    /// User profile ARNs by name.
    pub user_profile_arns: BTreeMap<String, String>,
    /// The package repository's index URL (`pip`'s `index-url` without a token), when the
    /// environment has one.
    pub package_repository_url: Option<String>,
}

/// The outputs of `graph`'s children recorded in `ledger`.
pub fn outputs(graph: &Graph<Child>, ledger: &Ledger) -> Outputs {
    let record = |logical: LogicalId| ledger.get(&logical.to_string());
    let id_of = |logical: LogicalId| {
        record(logical)
            .map(|r| r.physical_id.clone())
            .unwrap_or_default()
    };
    let arn_of = |logical: LogicalId| {
        record(logical)
            .and_then(|r| r.arn.clone())
            .unwrap_or_default()
    };
    let indexed = |make: fn(usize) -> LogicalId| {
        (0..)
            .map(make)
            .map_while(|id| ledger.get(&id.to_string()).map(|r| r.physical_id.clone()))
            .collect::<Vec<_>>()
    };
    let interface_endpoint_ids = graph
        .nodes()
        .iter()
        .filter_map(|n| match &n.kind {
            Child::InterfaceEndpoint(e) => {
                Some((e.service.clone(), ledger.get(&n.id)?.physical_id.clone()))
            }
            _ => None,
        })
        .collect();
    let domain = record(LogicalId::StudioDomain);
    let user_profile_arns = graph
        .nodes()
        .iter()
        .filter_map(|n| match &n.kind {
            Child::StudioUserProfile(p) => Some((p.name.clone(), ledger.get(&n.id)?.arn.clone()?)),
            _ => None,
        })
        .collect();
    Outputs {
        domain_id: domain.map(|r| r.physical_id.clone()),
        domain_arn: domain.and_then(|r| r.arn.clone()),
        domain_url: domain.and_then(|r| r.attributes.get(domain::URL_ATTRIBUTE).cloned()),
        efs_id: domain.and_then(|r| r.attributes.get(domain::EFS_ATTRIBUTE).cloned()),
        user_profile_arns,
        package_repository_url: record(LogicalId::PackageRepository).and_then(|r| {
            r.attributes
                .get(package_repository::INDEX_URL_ATTRIBUTE)
                .cloned()
        }),
        vpc_id: id_of(LogicalId::Vpc),
        private_subnet_ids: indexed(LogicalId::PrivateSubnet),
        public_subnet_ids: indexed(LogicalId::PublicSubnet),
        sagemaker_security_group_id: id_of(LogicalId::SageMakerSecurityGroup),
        endpoint_security_group_id: id_of(LogicalId::EndpointSecurityGroup),
        s3_endpoint_id: id_of(LogicalId::S3Endpoint),
        interface_endpoint_ids,
        kms_key_arns: KeyPurpose::ALL
            .iter()
            .filter_map(|p| {
                let arn = arn_of(LogicalId::KmsKey(*p));
                (!arn.is_empty()).then(|| (p.key().to_string(), arn))
            })
            .collect(),
        data_bucket_arn: arn_of(LogicalId::Bucket(BucketPurpose::Data)),
        model_bucket_arn: arn_of(LogicalId::Bucket(BucketPurpose::Models)),
        role_arns: Persona::ALL
            .iter()
            .filter_map(|p| {
                let arn = arn_of(LogicalId::Role(*p));
                (!arn.is_empty()).then(|| (p.key().to_string(), arn))
            })
            .collect(),
    }
}
