//! AWS client construction and error decoding.
//!
//! Clients are built once per provider process (or Lambda invocation) from one
//! [`ConnectionSettings`] and shared; the same settings serve the emulator, LocalStack or a real
//! account, because the endpoint comes from `endpoint` or the standard `AWS_ENDPOINT_URL`.

mod clients;
mod error;

pub use clients::{
    service_endpoint, AssumeRole, AwsClients, ConnectError, ConnectionSettings, MAX_ATTEMPTS,
    SERVICES,
};
pub use error::{AwsCallError, ErrorKind, NotFoundIsNone};
