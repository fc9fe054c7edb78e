//! Semantic comparison of policy documents, for drift detection.
//!
//! IAM, S3 and KMS hand a policy back in their own layout: statements and list elements reordered,
//! a one-element list as a bare string, `"*"` principals spelled either way, different
//! whitespace. None of that is drift; a removed statement, a changed effect or condition value is.
//! [`normalize_policy`] brings a document into one canonical form, so equal forms mean the same
//! permissions and a plain `==` does the comparison.
//!
//! Only rewrites that cannot change meaning are made. In particular, condition keys and values,
//! resources and principals keep their case (some are case-sensitive); actions are lowercased,
//! since IAM matches them case-insensitively. A document IAM returns URL-encoded must be decoded
//! by the caller first.

use serde_json::{Map, Value};

/// Elements holding a string or a list of strings whose order does not matter.
const LIST_ELEMENTS: &[&str] = &["Resource", "NotResource"];
/// Elements holding actions: like [`LIST_ELEMENTS`], and matched case-insensitively by IAM.
const ACTION_ELEMENTS: &[&str] = &["Action", "NotAction"];
/// Elements holding principals.
const PRINCIPAL_ELEMENTS: &[&str] = &["Principal", "NotPrincipal"];

/// The canonical form of a policy document.
///
/// * A document given as JSON text (a `Value::String`) is parsed first; text that is not a JSON
///   object is returned as it is.
/// * `Statement` becomes a list (a lone statement object is allowed by IAM), sorted by `Sid` and
///   then by content, so statements with a Sid match by Sid and those without compare as a
///   multiset.
/// * `Action`/`NotAction` become sorted, deduplicated lists of lowercased strings;
///   `Resource`/`NotResource` sorted, deduplicated lists.
/// * `Principal: "*"` becomes `{"AWS": ["*"]}`, and every principal type a sorted list.
/// * Every condition value becomes a sorted, deduplicated list of strings (`true` and `"true"`
///   are the same to IAM).
/// * Objects are rebuilt with sorted keys, so the form's serialisation is canonical too.
/// * `Version` is dropped when the document uses no policy variable (`${...}`): the two versions
///   read such a document identically, and LocalStack drops the element of the endpoint policies
///   it stores, which would otherwise be drift forever. With a variable the version decides
///   whether `${aws:username}` is a variable or literal text, so it is kept.
pub fn normalize_policy(v: &Value) -> Value {
    match v {
        Value::String(text) => match serde_json::from_str::<Value>(text) {
            Ok(parsed @ Value::Object(_)) => normalize_document(&parsed),
            _ => v.clone(),
        },
        Value::Object(_) => normalize_document(v),
        other => canonical(other),
    }
}

/// Whether two policy documents grant and deny the same, up to layout (see [`normalize_policy`]).
pub fn policies_equivalent(a: &Value, b: &Value) -> bool {
    normalize_policy(a) == normalize_policy(b)
}

fn normalize_document(doc: &Value) -> Value {
    let Value::Object(fields) = doc else {
        return canonical(doc);
    };
    let version_matters = doc.to_string().contains("${");
    let fields = fields
        .iter()
        .filter(|(k, _)| version_matters || k.as_str() != "Version");
    sorted_object(fields.map(|(k, v)| {
        let v = if k == "Statement" {
            normalize_statements(v)
        } else {
            canonical(v)
        };
        (k.clone(), v)
    }))
}

fn normalize_statements(v: &Value) -> Value {
    let items = match v {
        Value::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    let mut statements: Vec<(String, String, Value)> = items
        .into_iter()
        .map(|s| {
            let n = normalize_statement(s);
            let sid = n
                .get("Sid")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_string();
            (sid, n.to_string(), n)
        })
        .collect();
    statements.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    Value::Array(statements.into_iter().map(|(_, _, s)| s).collect())
}

fn normalize_statement(s: &Value) -> Value {
    let Value::Object(fields) = s else {
        return canonical(s);
    };
    sorted_object(fields.iter().map(|(k, v)| {
        let key = k.as_str();
        let v = if ACTION_ELEMENTS.contains(&key) {
            string_set(v, true)
        } else if LIST_ELEMENTS.contains(&key) {
            string_set(v, false)
        } else if PRINCIPAL_ELEMENTS.contains(&key) {
            normalize_principal(v)
        } else if key == "Condition" {
            normalize_condition(v)
        } else {
            canonical(v)
        };
        (k.clone(), v)
    }))
}

/// `"*"` and `{"AWS": "*"}` both mean everyone; each principal type's value becomes a set.
fn normalize_principal(v: &Value) -> Value {
    match v {
        Value::String(s) if s == "*" => sorted_object([("AWS".to_string(), string_set(v, false))]),
        Value::Object(types) => sorted_object(
            types
                .iter()
                .map(|(t, ids)| (t.clone(), string_set(ids, false))),
        ),
        other => canonical(other),
    }
}

/// `{operator: {key: value-or-values}}`, each value list becoming a set of strings.
fn normalize_condition(v: &Value) -> Value {
    let Value::Object(operators) = v else {
        return canonical(v);
    };
    sorted_object(operators.iter().map(|(op, keys)| {
        let keys = match keys {
            Value::Object(keys) => sorted_object(
                keys.iter()
                    .map(|(k, values)| (k.clone(), string_set(values, false))),
            ),
            other => canonical(other),
        };
        (op.clone(), keys)
    }))
}

/// A scalar or list as a sorted, deduplicated list; scalars as strings, the way IAM reads them.
fn string_set(v: &Value, lowercase: bool) -> Value {
    let items: Vec<&Value> = match v {
        Value::Array(items) => items.iter().collect(),
        single => vec![single],
    };
    let mut out: Vec<Value> = items
        .into_iter()
        .map(|item| match item {
            Value::String(s) if lowercase => Value::String(s.to_lowercase()),
            Value::Bool(b) => Value::String(b.to_string()),
            Value::Number(n) => Value::String(n.to_string()),
            other => canonical(other),
        })
        .collect();
    out.sort_by_cached_key(Value::to_string);
    out.dedup();
    Value::Array(out)
}

/// `v` with every object rebuilt in key order, so equal values serialise identically whatever
/// map implementation `serde_json` was built with.
fn canonical(v: &Value) -> Value {
    match v {
        Value::Object(fields) => {
            sorted_object(fields.iter().map(|(k, v)| (k.clone(), canonical(v))))
        }
        Value::Array(items) => Value::Array(items.iter().map(canonical).collect()),
        other => other.clone(),
    }
}

fn sorted_object(fields: impl IntoIterator<Item = (String, Value)>) -> Value {
    let mut fields: Vec<(String, Value)> = fields.into_iter().collect();
    fields.sort_by(|a, b| a.0.cmp(&b.0));
    Value::Object(fields.into_iter().collect::<Map<String, Value>>())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::KeyPurpose;
    use crate::policy::environment::test_support::facts;
    use crate::policy::environment::{
        bucket_policy, guardrail_policy, key_policy, s3_endpoint_policy, BucketPolicyInput,
        GuardrailScope,
    };
    use crate::spec::GuardrailSpec;
    use serde_json::json;

    fn base() -> Value {
        json!({
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": ["arn:aws:s3:::b", "arn:aws:s3:::b/*"],
                    "Condition": { "Bool": { "aws:SecureTransport": "false" } }
                },
                {
                    "Sid": "AllowRead",
                    "Effect": "Allow",
                    "Principal": { "AWS": ["arn:aws:iam::1:role/a", "arn:aws:iam::1:role/b"] },
                    "Action": ["s3:GetObject", "s3:ListBucket"],
                    "Resource": "arn:aws:s3:::b/*",
                    "Condition": { "StringEquals": { "aws:SourceVpce": ["vpce-1", "vpce-2"] } }
                }
            ]
        })
    }

    /// `base()` laid out the way a service might hand it back.
    fn reshuffled() -> Value {
        json!({
            "Statement": [
                {
                    "Condition": { "StringEquals": { "aws:SourceVpce": ["vpce-2", "vpce-1"] } },
                    "Resource": ["arn:aws:s3:::b/*"],
                    "Action": ["s3:ListBucket", "S3:GetObject"],
                    "Principal": { "AWS": ["arn:aws:iam::1:role/b", "arn:aws:iam::1:role/a"] },
                    "Effect": "Allow",
                    "Sid": "AllowRead"
                },
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": { "AWS": "*" },
                    "Action": ["s3:*"],
                    "Resource": ["arn:aws:s3:::b/*", "arn:aws:s3:::b"],
                    "Condition": { "Bool": { "aws:SecureTransport": false } }
                }
            ],
            "Version": "2012-10-17"
        })
    }

    #[test]
    fn layout_differences_are_equivalent() {
        assert!(policies_equivalent(&base(), &reshuffled()));
        assert_eq!(normalize_policy(&base()), normalize_policy(&reshuffled()));
    }

    #[test]
    fn single_string_equals_one_element_list() {
        let mut a = base();
        a["Statement"][1]["Action"] = json!("s3:GetObject");
        let mut b = base();
        b["Statement"][1]["Action"] = json!(["s3:GetObject"]);
        assert!(policies_equivalent(&a, &b));
        b["Statement"][1]["Action"] = json!(["s3:GetObject", "s3:GetObject"]);
        assert!(policies_equivalent(&a, &b));
    }

    #[test]
    fn star_principal_equals_aws_star() {
        let mut a = base();
        a["Statement"][0]["Principal"] = json!("*");
        let mut b = base();
        b["Statement"][0]["Principal"] = json!({ "AWS": "*" });
        assert!(policies_equivalent(&a, &b));
        b["Statement"][0]["Principal"] = json!({ "AWS": "arn:aws:iam::1:root" });
        assert!(!policies_equivalent(&a, &b));
    }

    #[test]
    fn json_text_with_other_whitespace_is_equivalent() {
        let text = Value::String(serde_json::to_string_pretty(&reshuffled()).unwrap());
        let compact = Value::String(base().to_string());
        assert!(policies_equivalent(&base(), &text));
        assert!(policies_equivalent(&text, &compact));
        assert!(!policies_equivalent(
            &base(),
            &Value::String("not json".into())
        ));
    }

    #[test]
    fn a_lone_statement_object_equals_a_one_statement_list() {
        let statement = base()["Statement"][0].clone();
        let a = json!({ "Version": "2012-10-17", "Statement": statement });
        let b = json!({ "Version": "2012-10-17", "Statement": [statement] });
        assert!(policies_equivalent(&a, &b));
    }

    #[test]
    fn statements_without_sid_compare_as_a_multiset() {
        let mut a = base();
        let mut b = reshuffled();
        for doc in [&mut a, &mut b] {
            for s in doc["Statement"].as_array_mut().unwrap() {
                s.as_object_mut().unwrap().remove("Sid");
            }
        }
        assert!(policies_equivalent(&a, &b));
        // Same statements, different multiplicities: [x, y, x] against [x, y, y].
        let (x, y) = (a["Statement"][0].clone(), a["Statement"][1].clone());
        let c = json!({ "Version": "2012-10-17", "Statement": [x.clone(), y.clone(), x] });
        let d = json!({ "Version": "2012-10-17", "Statement": [y.clone(), y.clone(), a["Statement"][0].clone()] });
        assert!(!policies_equivalent(&c, &d));
    }

    #[test]
    fn a_removed_statement_is_a_difference() {
        let mut loosened = reshuffled();
        loosened["Statement"].as_array_mut().unwrap().remove(1);
        assert!(!policies_equivalent(&base(), &loosened));
    }

    #[test]
    fn a_changed_effect_is_a_difference() {
        let mut changed = reshuffled();
        changed["Statement"][1]["Effect"] = json!("Allow");
        assert!(!policies_equivalent(&base(), &changed));
    }

    #[test]
    fn a_changed_condition_is_a_difference() {
        let mut changed = reshuffled();
        changed["Statement"][1]["Condition"]["Bool"]["aws:SecureTransport"] = json!("true");
        assert!(!policies_equivalent(&base(), &changed));
        let mut widened = reshuffled();
        widened["Statement"][0]["Condition"]["StringEquals"]["aws:SourceVpce"] =
            json!(["vpce-1", "vpce-2", "vpce-3"]);
        assert!(!policies_equivalent(&base(), &widened));
        let mut dropped = reshuffled();
        dropped["Statement"][0]
            .as_object_mut()
            .unwrap()
            .remove("Condition");
        assert!(!policies_equivalent(&base(), &dropped));
    }

    #[test]
    fn a_changed_resource_or_action_is_a_difference() {
        let mut r = reshuffled();
        r["Statement"][0]["Resource"] = json!("arn:aws:s3:::*");
        assert!(!policies_equivalent(&base(), &r));
        let mut a = reshuffled();
        a["Statement"][0]["Action"] = json!("s3:*");
        assert!(!policies_equivalent(&base(), &a));
        // Resources are case-sensitive, unlike actions.
        let mut c = reshuffled();
        c["Statement"][0]["Resource"] = json!("arn:aws:s3:::B/*");
        assert!(!policies_equivalent(&base(), &c));
    }

    #[test]
    fn normalizing_is_idempotent() {
        let once = normalize_policy(&reshuffled());
        assert_eq!(normalize_policy(&once), once);
        assert!(once["Statement"][0]["Principal"]["AWS"].is_array());
    }

    /// Reverses every list in a document: the worst reordering a service could do.
    fn reverse_lists(v: &Value) -> Value {
        match v {
            Value::Array(items) => Value::Array(items.iter().rev().map(reverse_lists).collect()),
            Value::Object(fields) => Value::Object(
                fields
                    .iter()
                    .map(|(k, v)| (k.clone(), reverse_lists(v)))
                    .collect(),
            ),
            other => other.clone(),
        }
    }

    #[test]
    fn the_environment_documents_survive_a_round_trip_and_show_loosening() {
        let bucket = bucket_policy(
            &facts(),
            &BucketPolicyInput {
                bucket_name: "team-a-dev-data".into(),
                vpc_endpoint_id: "vpce-1".into(),
                service_role_arns: vec![
                    "arn:aws:iam::123456789012:role/a".into(),
                    "arn:aws:iam::123456789012:role/b".into(),
                ],
                kms_key_arn: "arn:aws:kms:eu-west-1:123456789012:key/1".into(),
            },
        );
        let docs = [
            bucket.clone(),
            s3_endpoint_policy(
                &facts(),
                &["team-a-dev-data".into(), "team-a-dev-model".into()],
            ),
            key_policy(
                &facts(),
                KeyPurpose::Data,
                &[
                    "arn:aws:iam::123456789012:role/a".into(),
                    "arn:aws:iam::123456789012:role/b".into(),
                ],
            ),
            guardrail_policy(
                &GuardrailSpec {
                    require_vpc: true,
                    require_kms: true,
                    deny_root_access: true,
                    deny_direct_internet: true,
                    allowed_instance_types: vec!["ml.m5.*".into(), "ml.t3.medium".into()],
                    managed_config_rules: false,
                    ..GuardrailSpec::default()
                },
                &GuardrailScope {
                    subnet_ids: vec!["subnet-1".into(), "subnet-2".into()],
                    security_group_ids: vec!["sg-1".into()],
                    volume_kms_key_arns: vec!["arn:aws:kms:eu-west-1:123456789012:key/e".into()],
                    output_kms_key_arns: vec!["arn:aws:kms:eu-west-1:123456789012:key/d".into()],
                },
            )
            .unwrap(),
        ];
        for doc in &docs {
            let returned =
                Value::String(serde_json::to_string_pretty(&reverse_lists(doc)).unwrap());
            assert!(policies_equivalent(doc, &returned), "{doc:#}");
        }

        // Someone drops the endpoint condition from the bucket policy: a looser policy, drift.
        let mut loosened = bucket.clone();
        loosened["Statement"][1]["Condition"]
            .as_object_mut()
            .unwrap()
            .remove("StringNotEquals");
        assert!(!policies_equivalent(&bucket, &loosened));
        // Or adds a role to the exceptions of listing and deleting.
        let mut excepted = bucket.clone();
        excepted["Statement"][2]["Condition"]["ArnNotLike"]["aws:PrincipalArn"]
            .as_array_mut()
            .unwrap()
            .push(json!("arn:aws:iam::123456789012:role/intruder"));
        assert!(!policies_equivalent(&bucket, &excepted));
    }

    #[test]
    fn version_is_ignored_only_without_policy_variables() {
        let statement =
            json!({ "Sid": "A", "Effect": "Allow", "Action": "s3:GetObject", "Resource": "*" });
        let with = json!({ "Version": "2012-10-17", "Statement": [statement.clone()] });
        let without = json!({ "Statement": [statement.clone()] });
        let old = json!({ "Version": "2008-10-17", "Statement": [statement] });
        assert!(policies_equivalent(&with, &without));
        assert!(policies_equivalent(&with, &old));

        let variable = json!({ "Sid": "A", "Effect": "Allow", "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::b/${aws:username}/*" });
        let with = json!({ "Version": "2012-10-17", "Statement": [variable.clone()] });
        let without = json!({ "Statement": [variable] });
        assert!(!policies_equivalent(&with, &without));
    }
}
