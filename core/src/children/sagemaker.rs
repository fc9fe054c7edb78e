//! Helpers every SageMaker child uses: tags in and out, how a delete call's answer
//! reads, and ids from ARNs.

use std::collections::BTreeMap;

use aws_sdk_sagemaker::types::Tag;

use super::ec2_tags::Owner;
use super::tags::child_tags;
use crate::aws::{AwsCallError, AwsClients, NotFoundIsNone};
use crate::wait::{poll_until, Deadline, Poll, WaitError};

/// How long a role may take, after `CreateRole`, before SageMaker can assume it. IAM is
/// eventually consistent: seconds usually, rarely a minute or two.
pub(crate) const ROLE_PROPAGATION_BUDGET: std::time::Duration =
    std::time::Duration::from_secs(3 * 60);

/// True when SageMaker refused a call because it could not assume a role (yet): its
/// `ValidationException` says the role "could not be assumed" / "unable to assume".
pub(crate) fn role_not_yet_assumable(err: &AwsCallError) -> bool {
    let message = err.message.to_ascii_lowercase();
    err.code == "ValidationException"
        && (message.contains("could not be assumed")
            || message.contains("unable to assume")
            || message.contains("cannot be assumed"))
}

/// Runs a SageMaker create `call` again while it fails only because a role it names has not
/// propagated through IAM yet, for [`ROLE_PROPAGATION_BUDGET`] at most (and never past
/// `deadline`). Any other answer ends it.
pub(crate) async fn while_role_propagates<T, F, Fut>(
    what: &str,
    deadline: Deadline,
    mut call: F,
) -> Result<Result<T, AwsCallError>, WaitError<AwsCallError>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<T, AwsCallError>>,
{
    let budget = Deadline::after(ROLE_PROPAGATION_BUDGET).min(deadline);
    poll_until(what, budget, || {
        let attempt = call();
        async move {
            Ok(match attempt.await {
                Err(err) if role_not_yet_assumable(&err) => Poll::Pending(err.to_string()),
                answer => Poll::Ready(answer),
            })
        }
    })
    .await
}

/// A SageMaker delete call's answer, for [`poll_until`]: done once accepted or when the thing
/// is gone already; pending while AWS refuses with `ResourceInUse` (apps and spaces still
/// finishing their own deletes count against a profile or a domain for a while).
pub(crate) fn delete_accepted(answer: Result<(), AwsCallError>) -> Result<Poll<()>, AwsCallError> {
    match answer {
        Ok(()) => Ok(Poll::Ready(())),
        Err(err) if err.is_not_found() => Ok(Poll::Ready(())),
        Err(err) if err.is_in_use() => Ok(Poll::Pending(err.to_string())),
        Err(err) => Err(err),
    }
}

/// Calls a SageMaker delete until AWS accepts it or the thing is gone, waiting (until
/// `deadline`) while something still uses it: a domain switching away from a configuration,
/// a space made with an image.
pub(crate) async fn delete_once_unused<F, Fut>(
    what: &str,
    deadline: Deadline,
    mut call: F,
) -> Result<(), WaitError<AwsCallError>>
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = Result<(), AwsCallError>>,
{
    poll_until(&format!("{what} to be no longer in use"), deadline, || {
        let attempt = call();
        async move { delete_accepted(attempt.await) }
    })
    .await
}

/// The tags of a SageMaker resource, as a map.
pub(crate) async fn sagemaker_tags(
    clients: &AwsClients,
    arn: &str,
) -> Result<BTreeMap<String, String>, AwsCallError> {
    let mut tags = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        let out = clients
            .sagemaker
            .list_tags()
            .resource_arn(arn)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| AwsCallError::from_sdk("sagemaker", "ListTags", e))?;
        for t in out.tags() {
            if let Some(key) = t.key() {
                tags.insert(key.to_string(), t.value().unwrap_or_default().to_string());
            }
        }
        match out.next_token() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Ok(tags),
        }
    }
}

/// The tags a new SageMaker resource gets (see [`child_tags`]).
pub(crate) fn new_tags(owner: Owner<'_>, extra: &BTreeMap<String, String>) -> Vec<Tag> {
    child_tags(owner, extra)
        .into_iter()
        .map(|(k, v)| Tag::builder().key(k).value(v).build())
        .collect()
}

/// The domain id at the end of a domain ARN (`arn:aws:sagemaker:<region>:<account>:domain/<id>`).
pub fn domain_id_of(domain_arn: &str) -> Option<&str> {
    let resource = domain_arn.splitn(6, ':').nth(5)?;
    resource.strip_prefix("domain/").filter(|id| !id.is_empty())
}

/// The items of a SageMaker listing, or none when what they belong to is gone.
pub(crate) fn none_when_gone<T, E, R>(
    operation: &'static str,
    items: Result<Vec<T>, aws_smithy_runtime_api::client::result::SdkError<E, R>>,
) -> Result<Vec<T>, AwsCallError>
where
    E: aws_smithy_types::error::metadata::ProvideErrorMetadata + std::error::Error + 'static,
    R: std::fmt::Debug,
{
    let items = items.map_err(|e| AwsCallError::from_sdk("sagemaker", operation, e));
    Ok(items.or_gone()?.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_role_sagemaker_cannot_assume_yet_is_told_from_other_refusals() {
        let err = |code: &str, message: &str| AwsCallError {
            service: "sagemaker",
            operation: "CreateDomain",
            code: code.into(),
            message: message.into(),
            kind: crate::aws::ErrorKind::InvalidInput,
        };
        assert!(role_not_yet_assumable(&err(
            "ValidationException",
            "Role arn:aws:iam::1:role/x could not be assumed. Please ensure the role exists and has a trust policy"
        )));
        assert!(!role_not_yet_assumable(&err(
            "ValidationException",
            "1 validation error detected"
        )));
        assert!(!role_not_yet_assumable(&err(
            "AccessDeniedException",
            "could not be assumed"
        )));
    }

    const ARN: &str = "arn:aws:sagemaker:eu-west-1:123456789012:domain/d-abc123";

    #[test]
    fn domain_ids_come_from_the_arn() {
        assert_eq!(domain_id_of(ARN), Some("d-abc123"));
        assert_eq!(
            domain_id_of("arn:aws:sagemaker:eu-west-1:1:user-profile/d-abc123/alice"),
            None
        );
        assert_eq!(domain_id_of("d-abc123"), None);
        assert_eq!(domain_id_of("arn:aws:sagemaker:eu-west-1:1:domain/"), None);
    }
}
