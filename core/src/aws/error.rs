//! One error type for a failed AWS call, whatever the service.

use std::fmt;

use aws_smithy_runtime_api::client::result::SdkError;
use aws_smithy_types::error::metadata::ProvideErrorMetadata;

/// What kind of failure a call met, so callers can decide without matching strings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The thing asked for does not exist (deleting it again is fine).
    NotFound,
    /// It exists already.
    AlreadyExists,
    /// Something still uses it (a delete must wait for, or remove, what depends on it).
    InUse,
    /// The caller lacks permission.
    AccessDenied,
    /// The service refused the input.
    InvalidInput,
    /// Throttling, a timeout, a connection problem or a 5xx: worth trying again.
    Transient,
    /// Anything else.
    Other,
}

/// A failed AWS call: which service and operation, AWS's error code and message.
#[derive(Debug, Clone, thiserror::Error)]
pub struct AwsCallError {
    /// The service (`servicecatalog`).
    pub service: &'static str,
    /// The operation (`AssociatePrincipalWithPortfolio`).
    pub operation: &'static str,
    /// AWS's error code (`ResourceNotFoundException`), or a transport description.
    pub code: String,
    /// AWS's message.
    pub message: String,
    /// The classification of `code`.
    pub kind: ErrorKind,
}

impl fmt::Display for AwsCallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} {} failed: {}",
            self.service, self.operation, self.code
        )?;
        if !self.message.is_empty() {
            write!(f, ": {}", self.message)?;
        }
        Ok(())
    }
}

impl AwsCallError {
    /// Decodes an SDK error. The message never contains request bodies or credentials: only
    /// AWS's error code and message, or the transport failure's description.
    pub fn from_sdk<E, R>(
        service: &'static str,
        operation: &'static str,
        err: SdkError<E, R>,
    ) -> Self
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug,
    {
        let (code, message, kind) = match &err {
            SdkError::ServiceError(service_err) => {
                let inner = service_err.err();
                let code = inner.code().unwrap_or("Unknown").to_string();
                let message = inner.message().unwrap_or_default().to_string();
                let kind = classify(&code);
                (code, message, kind)
            }
            SdkError::TimeoutError(_) => ("Timeout".into(), String::new(), ErrorKind::Transient),
            SdkError::DispatchFailure(d) => (
                "DispatchFailure".into(),
                describe_chain(&err).unwrap_or_else(|| format!("{d:?}")),
                ErrorKind::Transient,
            ),
            SdkError::ResponseError(_) => (
                "ResponseError".into(),
                describe_chain(&err).unwrap_or_default(),
                ErrorKind::Transient,
            ),
            _ => (
                "ConstructionFailure".into(),
                describe_chain(&err).unwrap_or_default(),
                ErrorKind::Other,
            ),
        };
        Self {
            service,
            operation,
            code,
            message,
            kind,
        }
    }

    /// The items of a paginated listing (`into_paginator().items().send().collect()`), or the
    /// first failed page's error.
    pub fn collect<T, E, R>(
        service: &'static str,
        operation: &'static str,
        items: Vec<Result<T, SdkError<E, R>>>,
    ) -> Result<Vec<T>, Self>
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
        R: fmt::Debug,
    {
        items
            .into_iter()
            .map(|item| item.map_err(|e| Self::from_sdk(service, operation, e)))
            .collect()
    }

    /// True when the thing did not exist.
    pub fn is_not_found(&self) -> bool {
        self.kind == ErrorKind::NotFound
    }

    /// True when something still uses the thing.
    pub fn is_in_use(&self) -> bool {
        self.kind == ErrorKind::InUse
    }
}

/// Not-found as an answer rather than a failure: a read of something that may be gone, a delete
/// of something that may be deleted already.
pub trait NotFoundIsNone<T> {
    /// `Ok(None)` when the call failed because the thing does not exist.
    fn or_gone(self) -> Result<Option<T>, AwsCallError>;
}

impl<T> NotFoundIsNone<T> for Result<T, AwsCallError> {
    fn or_gone(self) -> Result<Option<T>, AwsCallError> {
        match self {
            Ok(value) => Ok(Some(value)),
            Err(err) if err.is_not_found() => Ok(None),
            Err(err) => Err(err),
        }
    }
}

fn describe_chain(err: &dyn std::error::Error) -> Option<String> {
    let mut parts = Vec::new();
    let mut source = err.source();
    while let Some(e) = source {
        parts.push(e.to_string());
        source = e.source();
    }
    (!parts.is_empty()).then(|| parts.join(": "))
}

fn classify(code: &str) -> ErrorKind {
    match code {
        "ResourceNotFoundException"
        | "ResourceNotFound"
        | "NoSuchEntity"
        | "NoSuchBucket"
        | "NotFoundException"
        | "NotFound"
        // SQS: a queue that does not exist (its JSON and its query protocol's names).
        | "AWS.SimpleQueueService.NonExistentQueue"
        | "QueueDoesNotExist" => ErrorKind::NotFound,
        "ResourceInUse"
        | "DependencyViolation"
        | "InvalidGroup.InUse"
        | "InvalidIPAddress.InUse"
        | "DeleteConflict"
        | "FileSystemInUse" => ErrorKind::InUse,
        "EntityAlreadyExists"
        | "DuplicateResourceException"
        | "ResourceAlreadyExistsException"
        | "AlreadyExistsException" => ErrorKind::AlreadyExists,
        "AccessDenied" | "AccessDeniedException" | "UnauthorizedOperation" => {
            ErrorKind::AccessDenied
        }
        "InvalidParametersException"
        | "ValidationException"
        | "ValidationError"
        | "InvalidInput"
        | "MalformedPolicyDocument" => ErrorKind::InvalidInput,
        "Throttling"
        | "ThrottlingException"
        | "RequestLimitExceeded"
        | "ServiceUnavailable"
        | "InternalFailure"
        | "InternalError"
        | "InternalServerError" => ErrorKind::Transient,
        _ if code.ends_with(".NotFound") || code.starts_with("NoSuch") => ErrorKind::NotFound,
        _ => ErrorKind::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_classified() {
        assert_eq!(classify("ResourceNotFoundException"), ErrorKind::NotFound);
        assert_eq!(classify("InvalidVpcID.NotFound"), ErrorKind::NotFound);
        assert_eq!(classify("NoSuchEntity"), ErrorKind::NotFound);
        assert_eq!(classify("EntityAlreadyExists"), ErrorKind::AlreadyExists);
        assert_eq!(classify("ResourceInUse"), ErrorKind::InUse);
        assert_eq!(classify("InvalidGroup.InUse"), ErrorKind::InUse);
        assert_eq!(classify("ThrottlingException"), ErrorKind::Transient);
        assert_eq!(classify("DependencyViolation"), ErrorKind::InUse);
        assert_eq!(classify("ConflictException"), ErrorKind::Other);
    }

    #[test]
    fn display_names_service_operation_and_code() {
        let err = AwsCallError {
            service: "servicecatalog",
            operation: "AssociatePrincipalWithPortfolio",
            code: "ResourceNotFoundException".into(),
            message: "portfolio not found".into(),
            kind: ErrorKind::NotFound,
        };
        assert_eq!(
            err.to_string(),
            "servicecatalog AssociatePrincipalWithPortfolio failed: ResourceNotFoundException: portfolio not found"
        );
    }
}
