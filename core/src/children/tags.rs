//! Helpers shared by the non-EC2 child modules (IAM, KMS, S3): ownership tags as plain maps,
//! reading IAM's policy documents, and describing how a policy read back differs from the
//! desired one.
//!
//! These services take tags as key/value pairs of their own types; the modules convert from the
//! map [`child_tags`] returns and back into a map for [`owned_by`].

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::ec2_tags::Owner;
use crate::ids::{COMPONENT_TAG, ENVIRONMENT_TAG};
use crate::policy::environment::normalize_policy;

/// The tags a child gets: `extra` (the spec's and the provider's default tags), then `Name`
/// (`<env id>-<logical id>`) unless `extra` has one, then the two ownership tags, which `extra`
/// cannot override. The same rule as [`Owner::tags`] for EC2.
pub fn child_tags(owner: Owner<'_>, extra: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut all = extra.clone();
    all.entry("Name".to_string())
        .or_insert_with(|| owner.name());
    all.insert(ENVIRONMENT_TAG.to_string(), owner.env_id.to_string());
    all.insert(COMPONENT_TAG.to_string(), owner.logical_id.to_string());
    all
}

/// True when `tags` mark a resource as the child `owner`.
pub fn owned_by(owner: Owner<'_>, tags: &BTreeMap<String, String>) -> bool {
    tags.get(ENVIRONMENT_TAG).map(String::as_str) == Some(owner.env_id)
        && tags.get(COMPONENT_TAG).map(String::as_str) == Some(owner.logical_id)
}

/// How drift messages name a resource: `<component> (<id>)` when its tags say which component
/// it is, else `<what> <id>`.
pub(crate) fn subject(what: &str, id: &str, tags: &BTreeMap<String, String>) -> String {
    match tags.get(COMPONENT_TAG) {
        Some(component) => format!("{component} ({id})"),
        None => format!("{what} {id}"),
    }
}

/// A policy document as IAM returns it: URL-encoded JSON text (IAM encodes the documents of
/// `GetRole`, `GetRolePolicy` and `GetPolicyVersion`). Plain JSON text is accepted too. Text that
/// is not JSON either way comes back as a JSON string, which compares unequal to any document.
pub(crate) fn iam_document(text: &str) -> Value {
    if let Ok(doc) = serde_json::from_str::<Value>(text) {
        return doc;
    }
    let decoded = percent_decode(text);
    serde_json::from_str::<Value>(&decoded).unwrap_or(Value::String(decoded))
}

/// RFC 3986 percent-decoding. `+` stays `+`: IAM encodes spaces as `%20`, and a `+` in a policy
/// (an ARN, a condition value) is literal.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                // Two hex digits make at most 0xff, so the narrowing cannot lose anything.
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// What differs between a `desired` policy and the `actual` one read back, statement by
/// statement, in words (`statement DenyInsecureTransport is missing`). Empty when the two are
/// equivalent. Statements with a `Sid` are matched by it; those without one are compared as a
/// multiset and reported together.
pub(crate) fn policy_differences(desired: &Value, actual: &Value) -> Vec<String> {
    let desired = normalize_policy(desired);
    let actual = normalize_policy(actual);
    if desired == actual {
        return Vec::new();
    }
    let (Some(want), Some(have)) = (statements_of(&desired), statements_of(&actual)) else {
        return vec!["the document is not a policy with statements".to_string()];
    };
    let by_sid = |list: &[Value]| -> (BTreeMap<String, Value>, Vec<String>) {
        let mut named = BTreeMap::new();
        let mut anonymous = Vec::new();
        for s in list {
            match s
                .get("Sid")
                .and_then(Value::as_str)
                .filter(|s| !s.is_empty())
            {
                Some(sid) => {
                    named.insert(sid.to_string(), s.clone());
                }
                None => anonymous.push(s.to_string()),
            }
        }
        anonymous.sort();
        (named, anonymous)
    };
    let (want_named, want_anonymous) = by_sid(&want);
    let (have_named, have_anonymous) = by_sid(&have);
    let mut out = Vec::new();
    let sids: BTreeSet<&String> = want_named.keys().chain(have_named.keys()).collect();
    for sid in sids {
        match (want_named.get(sid), have_named.get(sid)) {
            (Some(_), None) => out.push(format!("statement {sid} is missing")),
            (None, Some(_)) => out.push(format!("statement {sid} is not in the desired policy")),
            (Some(w), Some(h)) if w != h => out.push(format!("statement {sid} differs")),
            _ => {}
        }
    }
    if want_anonymous != have_anonymous {
        out.push(format!(
            "statements without a Sid differ ({} desired, {} found)",
            want_anonymous.len(),
            have_anonymous.len()
        ));
    }
    if out.is_empty() {
        // Same statements; something outside them (Version, Id) differs.
        out.push("the document differs outside its statements".to_string());
    }
    out
}

fn statements_of(doc: &Value) -> Option<Vec<Value>> {
    match doc.get("Statement")? {
        Value::Array(items) => Some(items.clone()),
        single => Some(vec![single.clone()]),
    }
}

/// Builds an SDK value whose builder only fails when a required field is unset.
///
/// Every caller sets all required fields just before, so the error branch cannot be reached; it
/// names the type should a future SDK add a required field.
pub(crate) fn built<T, E: std::fmt::Debug>(what: &str, result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| unreachable!("{what}: a required field is unset: {e:?}"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn owner() -> Owner<'static> {
        Owner {
            env_id: "team-a-dev",
            logical_id: "bucket-data",
        }
    }

    #[test]
    fn ownership_tags_win_over_extra_and_name_defaults() {
        let extra: BTreeMap<String, String> = [
            ("team".to_string(), "a".to_string()),
            (ENVIRONMENT_TAG.to_string(), "other-env".to_string()),
            (COMPONENT_TAG.to_string(), "other".to_string()),
        ]
        .into();
        let tags = child_tags(owner(), &extra);
        assert_eq!(tags["team"], "a");
        assert_eq!(tags["Name"], "team-a-dev-bucket-data");
        assert_eq!(tags[ENVIRONMENT_TAG], "team-a-dev");
        assert_eq!(tags[COMPONENT_TAG], "bucket-data");
        assert!(owned_by(owner(), &tags));

        let named: BTreeMap<String, String> = [("Name".to_string(), "mine".to_string())].into();
        assert_eq!(child_tags(owner(), &named)["Name"], "mine");
    }

    #[test]
    fn ownership_needs_both_tags_to_match() {
        let tags = child_tags(owner(), &BTreeMap::new());
        let other_component = Owner {
            env_id: "team-a-dev",
            logical_id: "bucket-models",
        };
        let other_env = Owner {
            env_id: "team-a-prod",
            logical_id: "bucket-data",
        };
        assert!(!owned_by(other_component, &tags));
        assert!(!owned_by(other_env, &tags));
        let mut partial = tags.clone();
        partial.remove(COMPONENT_TAG);
        assert!(!owned_by(owner(), &partial));
        assert!(!owned_by(owner(), &BTreeMap::new()));
    }

    #[test]
    fn subjects_use_the_component_when_tagged() {
        let tags = child_tags(owner(), &BTreeMap::new());
        assert_eq!(subject("bucket", "x", &tags), "bucket-data (x)");
        assert_eq!(subject("bucket", "x", &BTreeMap::new()), "bucket x");
    }

    #[test]
    fn iam_documents_are_url_decoded() {
        let doc = json!({
            "Version": "2012-10-17",
            "Statement": [{ "Sid": "A b", "Effect": "Allow", "Action": "s3:GetObject",
                            "Resource": "arn:aws:s3:::b+c/*" }]
        });
        let text = doc.to_string();
        let encoded: String = text
            .bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() || b"-_.~+".contains(&b) {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect();
        assert_eq!(iam_document(&encoded), doc);
        assert_eq!(iam_document(&text), doc);
        assert_eq!(
            iam_document("%7Bnot json"),
            Value::String("{not json".into())
        );
        // A stray `%` at the end is kept as it is.
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("a%"), "a%");
        assert_eq!(percent_decode("%C3%A9"), "é");
    }

    #[test]
    fn differences_name_statements() {
        let desired = json!({
            "Version": "2012-10-17",
            "Statement": [
                { "Sid": "DenyInsecureTransport", "Effect": "Deny", "Principal": "*",
                  "Action": "s3:*", "Resource": "arn:aws:s3:::b" },
                { "Sid": "Other", "Effect": "Deny", "Principal": "*",
                  "Action": "s3:GetObject", "Resource": "arn:aws:s3:::b/*" }
            ]
        });
        assert!(policy_differences(&desired, &desired).is_empty());
        let text = Value::String(desired.to_string());
        assert!(policy_differences(&desired, &text).is_empty());

        let mut actual = desired.clone();
        actual["Statement"].as_array_mut().unwrap().remove(0);
        actual["Statement"][0]["Action"] = json!("s3:PutObject");
        actual["Statement"]
            .as_array_mut()
            .unwrap()
            .push(json!({ "Sid": "Extra", "Effect": "Allow", "Principal": "*",
                          "Action": "s3:GetObject", "Resource": "*" }));
        assert_eq!(
            policy_differences(&desired, &actual),
            [
                "statement DenyInsecureTransport is missing",
                "statement Extra is not in the desired policy",
                "statement Other differs",
            ]
        );

        let mut anonymous = desired.clone();
        anonymous["Statement"].as_array_mut().unwrap().push(
            json!({ "Effect": "Allow", "Principal": "*", "Action": "s3:GetObject",
                          "Resource": "*" }),
        );
        assert_eq!(
            policy_differences(&desired, &anonymous),
            ["statements without a Sid differ (0 desired, 1 found)"]
        );
        assert_eq!(
            policy_differences(&desired, &json!("garbage")),
            ["the document is not a policy with statements"]
        );
    }
}
