//! What SageMaker Studio leaves behind, and what stands in the way of deleting a domain or a user
//! profile.
//!
//! `CreateDomain` makes, on its own, an EFS file system for the users' home directories (tagged
//! [`MANAGED_BY_TAG`] = the domain ARN), one mount target per domain subnet (each with a network
//! interface in the subnet) and two security groups, `security-group-for-inbound-nfs-<domain id>`
//! and `security-group-for-outbound-nfs-<domain id>`, tagged the same way, whose NFS rules (TCP
//! 2049) reference each other. `DeleteDomain` leaves both groups behind, and with the default
//! retention also the file system and its mount targets. Their interfaces keep the subnets, and
//! the groups keep the VPC, from being deleted. [`after_domain_deleted`] removes them.
//!
//! Apps and spaces, which must go before the domain, are in [`super::studio_apps`].

use std::collections::BTreeSet;

use aws_sdk_ec2::types::{Filter, IpPermission, SecurityGroup, UserIdGroupPair};
use aws_sdk_efs::types::{FileSystemDescription, LifeCycleState};

use super::ec2_tags::{filter, filter_values};
use super::error::ChildError;
use super::sagemaker::domain_id_of;
use crate::aws::{AwsCallError, AwsClients};
use crate::spec::EfsRetention;
use crate::wait::{poll_until, Deadline, Poll};

/// The tag SageMaker puts on the file system and the security groups it makes for a domain; its
/// value is the domain's ARN.
pub const MANAGED_BY_TAG: &str = "ManagedByAmazonSageMakerResource";
/// Name prefix of the group SageMaker puts on the mount targets (NFS in from the other group).
pub const INBOUND_NFS_GROUP_PREFIX: &str = "security-group-for-inbound-nfs-";
/// Name prefix of the group SageMaker puts on the apps' interfaces (NFS out to the other group).
pub const OUTBOUND_NFS_GROUP_PREFIX: &str = "security-group-for-outbound-nfs-";

/// Removes what SageMaker made for the deleted domain `domain_arn` in `vpc_id`: the mount targets
/// of its home file system (found by tag, plus `efs_id`) and their network interfaces, the two NFS
/// security groups, and with [`EfsRetention::Delete`] the file system itself. Every step counts
/// not-found as done, so running it again after a kill finishes the job.
///
/// Returns the id of a file system kept ([`EfsRetention::Retain`]), so the caller can tell the
/// user where the home directories still are.
pub async fn after_domain_deleted(
    clients: &AwsClients,
    domain_arn: &str,
    vpc_id: &str,
    efs_id: Option<&str>,
    retention: EfsRetention,
    deadline: Deadline,
) -> Result<Option<String>, ChildError> {
    let file_systems = studio_file_systems(clients, domain_arn, efs_id).await?;
    let mut interfaces = BTreeSet::new();
    for fs in &file_systems {
        interfaces.extend(delete_mount_targets(clients, fs, deadline).await?);
    }
    wait_interfaces_gone(
        clients,
        "the mount targets' network interfaces to be deleted",
        vec![filter_values("network-interface-id", &interfaces)],
        deadline,
    )
    .await?;

    let groups = studio_groups(clients, domain_arn, vpc_id).await?;
    let group_ids: Vec<String> = groups
        .iter()
        .filter_map(|g| g.group_id().map(str::to_string))
        .collect();
    if !group_ids.is_empty() {
        // Interfaces of apps and of mount targets deleted by an earlier run may still hold a
        // group; AWS refuses to delete a group in use.
        wait_interfaces_gone(
            clients,
            "network interfaces using Studio's NFS security groups to be deleted",
            vec![filter_values("group-id", &group_ids)],
            deadline,
        )
        .await?;
    }
    for group in &groups {
        revoke_references(clients, group, &group_ids).await?;
    }
    for id in &group_ids {
        delete_group(clients, id, deadline).await?;
    }

    match retention {
        EfsRetention::Retain => {
            if file_systems.len() > 1 {
                tracing::warn!(domain = domain_arn, file_systems = ?file_systems, "Studio left more than one home file system; keeping all");
            }
            Ok(file_systems.into_iter().next())
        }
        EfsRetention::Delete => {
            for fs in &file_systems {
                delete_file_system(clients, fs, deadline).await?;
            }
            Ok(None)
        }
    }
}

/// True when a security group named `name` with `tags` (key, value) is one of the NFS groups
/// SageMaker made for the domain `domain_arn`: tagged with its ARN, or named after its id.
pub fn is_studio_nfs_group<'a>(
    name: &str,
    tags: impl IntoIterator<Item = (&'a str, &'a str)>,
    domain_arn: &str,
) -> bool {
    if tags
        .into_iter()
        .any(|(k, v)| k == MANAGED_BY_TAG && v == domain_arn)
    {
        return true;
    }
    domain_id_of(domain_arn).is_some_and(|id| {
        [INBOUND_NFS_GROUP_PREFIX, OUTBOUND_NFS_GROUP_PREFIX]
            .iter()
            .any(|prefix| name.strip_prefix(prefix) == Some(id))
    })
}

/// The parts of `permissions` that reference one of `groups` other than `own` (the group holding
/// them), one permission per protocol and port range, with only those group pairs: exactly what
/// to revoke so that no group of the set is referenced by another. CIDR sources stay.
pub fn references_to_others(
    permissions: &[IpPermission],
    own: &str,
    groups: &[String],
) -> Vec<IpPermission> {
    permissions
        .iter()
        .filter_map(|p| {
            let pairs: Vec<UserIdGroupPair> = p
                .user_id_group_pairs()
                .iter()
                .filter(|pair| {
                    pair.group_id()
                        .is_some_and(|id| id != own && groups.iter().any(|g| g == id))
                })
                .map(|pair| {
                    UserIdGroupPair::builder()
                        .set_group_id(pair.group_id().map(str::to_string))
                        .build()
                })
                .collect();
            if pairs.is_empty() {
                return None;
            }
            Some(
                IpPermission::builder()
                    .set_ip_protocol(p.ip_protocol().map(str::to_string))
                    .set_from_port(p.from_port())
                    .set_to_port(p.to_port())
                    .set_user_id_group_pairs(Some(pairs))
                    .build(),
            )
        })
        .collect()
}

/// EFS names its not-found errors after the thing (`FileSystemNotFound`, `MountTargetNotFound`).
pub(crate) fn efs_gone(err: &AwsCallError) -> bool {
    err.is_not_found() || err.code.ends_with("NotFound")
}

/// The ids of the file systems SageMaker made for the domain: tagged with its ARN, plus
/// `efs_id` (the one the domain reported) while it exists.
async fn studio_file_systems(
    clients: &AwsClients,
    domain_arn: &str,
    efs_id: Option<&str>,
) -> Result<Vec<String>, AwsCallError> {
    let tagged = |fs: &FileSystemDescription| {
        fs.tags()
            .iter()
            .any(|t| t.key() == MANAGED_BY_TAG && t.value() == domain_arn)
    };
    let mut found = Vec::new();
    let mut marker: Option<String> = None;
    loop {
        let out = clients
            .efs
            .describe_file_systems()
            .set_marker(marker.take())
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("efs", "DescribeFileSystems", e))?;
        for fs in out.file_systems() {
            let id = fs.file_system_id();
            let wanted = tagged(fs) || efs_id == Some(id);
            if wanted && *fs.life_cycle_state() != LifeCycleState::Deleted {
                found.push(id.to_string());
            }
        }
        match out.next_marker() {
            Some(next) if !next.is_empty() => marker = Some(next.to_string()),
            _ => break,
        }
    }
    found.sort();
    found.dedup();
    Ok(found)
}

/// Deletes the file system's mount targets and waits until EFS no longer lists them. Returns the
/// ids of their network interfaces, which AWS removes a little later.
async fn delete_mount_targets(
    clients: &AwsClients,
    fs_id: &str,
    deadline: Deadline,
) -> Result<BTreeSet<String>, ChildError> {
    // Filled while polling; a Mutex because the poll's futures borrow it in turn and must stay
    // Send. It is never held across an await.
    let interfaces = std::sync::Mutex::new(BTreeSet::new());
    poll_until(
        &format!("the mount targets of {fs_id} to be deleted"),
        deadline,
        || {
            let interfaces = &interfaces;
            async move {
                let out = match clients
                    .efs
                    .describe_mount_targets()
                    .file_system_id(fs_id)
                    .send()
                    .await
                {
                    Ok(out) => out,
                    Err(e) => {
                        let err = AwsCallError::from_sdk("efs", "DescribeMountTargets", e);
                        return if efs_gone(&err) {
                            Ok(Poll::Ready(()))
                        } else {
                            Err(err)
                        };
                    }
                };
                let mut left = Vec::new();
                for mt in out.mount_targets() {
                    if *mt.life_cycle_state() == LifeCycleState::Deleted {
                        continue;
                    }
                    if let Some(eni) = mt.network_interface_id() {
                        if let Ok(mut seen) = interfaces.lock() {
                            seen.insert(eni.to_string());
                        }
                    }
                    if *mt.life_cycle_state() != LifeCycleState::Deleting {
                        if let Err(e) = clients
                            .efs
                            .delete_mount_target()
                            .mount_target_id(mt.mount_target_id())
                            .send()
                            .await
                        {
                            let err = AwsCallError::from_sdk("efs", "DeleteMountTarget", e);
                            if !efs_gone(&err) {
                                return Err(err);
                            }
                        }
                    }
                    left.push(format!(
                        "{} ({})",
                        mt.mount_target_id(),
                        mt.life_cycle_state().as_str()
                    ));
                }
                Ok(if left.is_empty() {
                    Poll::Ready(())
                } else {
                    Poll::Pending(left.join(", "))
                })
            }
        },
    )
    .await?;
    // A poisoned lock still holds every id inserted before the panic that poisoned it.
    Ok(interfaces
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner))
}

/// Waits until no network interface matches `filters` (nothing to wait for when a filter has no
/// values).
async fn wait_interfaces_gone(
    clients: &AwsClients,
    what: &str,
    filters: Vec<Filter>,
    deadline: Deadline,
) -> Result<(), ChildError> {
    if filters.iter().any(|f| f.values().is_empty()) {
        return Ok(());
    }
    poll_until(what, deadline, || {
        let filters = filters.clone();
        async move {
            let out = clients
                .ec2
                .describe_network_interfaces()
                .set_filters(Some(filters))
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeNetworkInterfaces", e))?;
            let left: Vec<String> = out
                .network_interfaces()
                .iter()
                .map(|n| {
                    format!(
                        "{} ({})",
                        n.network_interface_id().unwrap_or("?"),
                        n.status().map_or("?", |s| s.as_str())
                    )
                })
                .collect();
            Ok(if left.is_empty() {
                Poll::Ready(())
            } else {
                Poll::Pending(left.join(", "))
            })
        }
    })
    .await?;
    Ok(())
}

/// The NFS groups SageMaker made for the domain: tagged with its ARN anywhere, or named after its
/// id in `vpc_id` (empty: tags only).
async fn studio_groups(
    clients: &AwsClients,
    domain_arn: &str,
    vpc_id: &str,
) -> Result<Vec<SecurityGroup>, AwsCallError> {
    let mut queries = vec![vec![filter(&format!("tag:{MANAGED_BY_TAG}"), domain_arn)]];
    if let Some(id) = domain_id_of(domain_arn) {
        if !vpc_id.is_empty() {
            queries.push(vec![
                filter("vpc-id", vpc_id),
                Filter::builder()
                    .name("group-name")
                    .values(format!("{INBOUND_NFS_GROUP_PREFIX}{id}"))
                    .values(format!("{OUTBOUND_NFS_GROUP_PREFIX}{id}"))
                    .build(),
            ]);
        }
    }
    let mut groups: Vec<SecurityGroup> = Vec::new();
    for filters in queries {
        let mut token: Option<String> = None;
        loop {
            let out = clients
                .ec2
                .describe_security_groups()
                .set_filters(Some(filters.clone()))
                .set_next_token(token.take())
                .send()
                .await
                .map_err(|e| AwsCallError::from_sdk("ec2", "DescribeSecurityGroups", e))?;
            for g in out.security_groups() {
                let tags = g.tags().iter().filter_map(|t| Some((t.key()?, t.value()?)));
                // Checked again here: not every emulator honours every filter.
                let ours =
                    is_studio_nfs_group(g.group_name().unwrap_or_default(), tags, domain_arn)
                        && (vpc_id.is_empty()
                            || g.vpc_id() == Some(vpc_id)
                            || g.vpc_id().is_none());
                let seen = groups.iter().any(|s| s.group_id() == g.group_id());
                if ours && !seen && g.group_id().is_some() {
                    groups.push(g.clone());
                }
            }
            match out.next_token() {
                Some(next) if !next.is_empty() => token = Some(next.to_string()),
                _ => break,
            }
        }
    }
    Ok(groups)
}

/// Revokes the group's ingress and egress rules that reference another of `groups`: AWS refuses
/// to delete a group another group's rule references.
async fn revoke_references(
    clients: &AwsClients,
    group: &SecurityGroup,
    groups: &[String],
) -> Result<(), AwsCallError> {
    let Some(id) = group.group_id() else {
        return Ok(());
    };
    let ingress = references_to_others(group.ip_permissions(), id, groups);
    if !ingress.is_empty() {
        if let Err(e) = clients
            .ec2
            .revoke_security_group_ingress()
            .group_id(id)
            .set_ip_permissions(Some(ingress))
            .send()
            .await
        {
            let err = AwsCallError::from_sdk("ec2", "RevokeSecurityGroupIngress", e);
            if !err.is_not_found() {
                return Err(err);
            }
        }
    }
    let egress = references_to_others(group.ip_permissions_egress(), id, groups);
    if !egress.is_empty() {
        if let Err(e) = clients
            .ec2
            .revoke_security_group_egress()
            .group_id(id)
            .set_ip_permissions(Some(egress))
            .send()
            .await
        {
            let err = AwsCallError::from_sdk("ec2", "RevokeSecurityGroupEgress", e);
            if !err.is_not_found() {
                return Err(err);
            }
        }
    }
    Ok(())
}

/// Deletes a group, retrying while AWS still sees interfaces or rules using it.
async fn delete_group(
    clients: &AwsClients,
    group_id: &str,
    deadline: Deadline,
) -> Result<(), ChildError> {
    poll_until(
        &format!("security group {group_id} to be deletable"),
        deadline,
        || async {
            match clients
                .ec2
                .delete_security_group()
                .group_id(group_id)
                .send()
                .await
            {
                Ok(_) => Ok(Poll::Ready(())),
                Err(e) => {
                    let err = AwsCallError::from_sdk("ec2", "DeleteSecurityGroup", e);
                    if err.is_not_found() {
                        Ok(Poll::Ready(()))
                    } else if err.code == "DependencyViolation" || err.code == "InvalidGroup.InUse"
                    {
                        Ok(Poll::Pending(err.to_string()))
                    } else {
                        Err(err)
                    }
                }
            }
        },
    )
    .await?;
    Ok(())
}

/// Deletes the file system (retrying while EFS still counts mount targets) and waits until it
/// is gone.
async fn delete_file_system(
    clients: &AwsClients,
    fs_id: &str,
    deadline: Deadline,
) -> Result<(), ChildError> {
    poll_until(
        &format!("file system {fs_id} to be deleted"),
        deadline,
        || async {
            let out = match clients
                .efs
                .describe_file_systems()
                .file_system_id(fs_id)
                .send()
                .await
            {
                Ok(out) => out,
                Err(e) => {
                    let err = AwsCallError::from_sdk("efs", "DescribeFileSystems", e);
                    return if efs_gone(&err) {
                        Ok(Poll::Ready(()))
                    } else {
                        Err(err)
                    };
                }
            };
            let Some(fs) = out.file_systems().first() else {
                return Ok(Poll::Ready(()));
            };
            match fs.life_cycle_state() {
                LifeCycleState::Deleted => return Ok(Poll::Ready(())),
                LifeCycleState::Deleting => {}
                _ => {
                    if let Err(e) = clients
                        .efs
                        .delete_file_system()
                        .file_system_id(fs_id)
                        .send()
                        .await
                    {
                        let err = AwsCallError::from_sdk("efs", "DeleteFileSystem", e);
                        if efs_gone(&err) {
                            return Ok(Poll::Ready(()));
                        }
                        // FileSystemInUse: mount targets EFS has not finished deleting.
                        if err.code != "FileSystemInUse" {
                            return Err(err);
                        }
                    }
                }
            }
            Ok(Poll::Pending(format!(
                "{fs_id} is {}",
                fs.life_cycle_state().as_str()
            )))
        },
    )
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_ec2::types::IpRange;

    const ARN: &str = "arn:aws:sagemaker:eu-west-1:123456789012:domain/d-abc123";

    #[test]
    fn nfs_groups_match_by_tag_or_by_name() {
        let none: [(&str, &str); 0] = [];
        assert!(is_studio_nfs_group(
            "security-group-for-inbound-nfs-d-abc123",
            none,
            ARN
        ));
        assert!(is_studio_nfs_group(
            "security-group-for-outbound-nfs-d-abc123",
            none,
            ARN
        ));
        // Another domain's groups, and look-alike names, are not this domain's.
        assert!(!is_studio_nfs_group(
            "security-group-for-inbound-nfs-d-abc1234",
            none,
            ARN
        ));
        assert!(!is_studio_nfs_group("team-a-dev-sagemaker", none, ARN));
        assert!(is_studio_nfs_group(
            "renamed",
            [("Name", "x"), (MANAGED_BY_TAG, ARN)],
            ARN
        ));
        assert!(!is_studio_nfs_group(
            "renamed",
            [(
                MANAGED_BY_TAG,
                "arn:aws:sagemaker:eu-west-1:123456789012:domain/d-other"
            )],
            ARN
        ));
    }

    fn nfs_from(groups: &[&str]) -> IpPermission {
        let mut p = IpPermission::builder()
            .ip_protocol("tcp")
            .from_port(2049)
            .to_port(2049);
        for g in groups {
            p = p.user_id_group_pairs(UserIdGroupPair::builder().group_id(*g).build());
        }
        p.build()
    }

    #[test]
    fn only_references_to_the_other_nfs_group_are_revoked() {
        let pair = vec!["sg-in".to_string(), "sg-out".to_string()];
        let permissions = vec![
            nfs_from(&["sg-out", "sg-user"]),
            nfs_from(&["sg-in"]),
            IpPermission::builder()
                .ip_protocol("-1")
                .ip_ranges(IpRange::builder().cidr_ip("0.0.0.0/0").build())
                .build(),
        ];
        let revoke = references_to_others(&permissions, "sg-in", &pair);
        assert_eq!(revoke.len(), 1, "{revoke:?}");
        let ids: Vec<_> = revoke[0]
            .user_id_group_pairs()
            .iter()
            .filter_map(|p| p.group_id())
            .collect();
        assert_eq!(ids, ["sg-out"]);
        assert_eq!(revoke[0].ip_protocol(), Some("tcp"));
        assert_eq!(
            (revoke[0].from_port(), revoke[0].to_port()),
            (Some(2049), Some(2049))
        );
        assert!(revoke[0].ip_ranges().is_empty());

        // The outbound group's egress to the inbound group is revoked from its side.
        let egress = references_to_others(&[nfs_from(&["sg-in"])], "sg-out", &pair);
        assert_eq!(egress.len(), 1);
        assert!(references_to_others(&[nfs_from(&["sg-user"])], "sg-out", &pair).is_empty());
    }
}
