//! IAM's wildcard matching: `*` any run of characters (`/` and `:` included), `?` exactly one.
//! The engine matches role names against an administrator's pattern with it; the tests match
//! documents' actions and resources the way IAM does.

/// Matching as in ARNs and `StringLike`: case-sensitive.
pub(crate) fn glob_matches(pattern: &str, text: &str) -> bool {
    glob(pattern.as_bytes(), text.as_bytes())
}

/// Matching as for actions: case-insensitive. (Only the tests match actions.)
#[cfg(test)]
pub(crate) fn action_matches(pattern: &str, action: &str) -> bool {
    glob(
        pattern.to_ascii_lowercase().as_bytes(),
        action.to_ascii_lowercase().as_bytes(),
    )
}

/// Wildcard matching with one backtrack point (the last `*`): linear in practice, and never
/// exponential on patterns with many stars.
fn glob(p: &[u8], t: &[u8]) -> bool {
    let (mut pi, mut ti, mut star, mut mark) = (0, 0, None, 0);
    while ti < t.len() {
        if pi < p.len() && (p[pi] == b'?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == b'*' {
            star = Some(pi);
            mark = ti;
            pi += 1;
        } else if let Some(s) = star {
            pi = s + 1;
            mark += 1;
            ti = mark;
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == b'*')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glob_follows_iam_wildcards() {
        assert!(action_matches("kms:Describe*", "kms:DescribeKey"));
        assert!(action_matches("S3:getobject", "s3:GetObject"));
        assert!(!action_matches("kms:Get*", "kms:GenerateDataKey"));
        assert!(glob_matches(
            "arn:aws:s3:::*sagemaker*",
            "arn:aws:s3:::b/sagemaker-x"
        ));
        assert!(!glob_matches(
            "arn:aws:s3:::sagemaker-*",
            "arn:aws:s3:::SageMaker-x"
        ));
        assert!(glob_matches("a?c", "abc") && !glob_matches("a?c", "ac"));
    }

    #[test]
    fn role_name_patterns_match_as_iam_arns_do() {
        assert!(glob_matches("ds-*", "ds-execution"));
        assert!(glob_matches("ds-*", "ds-"));
        assert!(glob_matches("*", "team/ds-exec"));
        assert!(glob_matches("team/*-exec", "team/a/b-exec"));
        assert!(glob_matches("ds-?", "ds-1"));
        assert!(!glob_matches("ds-?", "ds-12"));
        assert!(!glob_matches("ds-*", "admin"));
        assert!(!glob_matches("ds-*", "team/ds-exec"));
        assert!(!glob_matches("", "x"));
        assert!(glob_matches("", ""));
        assert!(glob_matches("a*b*c", "axxbyyc") && !glob_matches("a*b*c", "axxbyy"));
    }
}
