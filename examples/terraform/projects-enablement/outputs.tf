output "portfolio_id" {
  description = "The imported \"Amazon SageMaker\" Service Catalog portfolio."
  value       = sagemaker_projects_enablement.this.portfolio_id
}

output "associated_principals" {
  description = "The roles that may launch SageMaker project templates."
  value       = sagemaker_projects_enablement.this.principal_arns
}

output "launch_role_arn" {
  value = sagemaker_projects_enablement.this.launch_role_arn
}

output "use_role_arn" {
  value = sagemaker_projects_enablement.this.use_role_arn
}
