# Audit an environment and what its roles run; fail a pipeline when it is not compliant.
data "sagemaker_environment_audit" "team" {
  environment_id = sagemaker_secure_ds_environment.team.id
}

output "audit_findings" {
  value = [
    for f in data.sagemaker_environment_audit.team.findings :
    "${f.severity} ${f.control} ${f.resource_arn}: ${f.message}"
  ]
}

check "environment_is_compliant" {
  assert {
    condition     = data.sagemaker_environment_audit.team.compliant
    error_message = "The environment has audit findings; see output audit_findings."
  }
}
