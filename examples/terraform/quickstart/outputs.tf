output "vpc_id" {
  value = sagemaker_secure_ds_environment.team.vpc_id
}

output "private_subnet_ids" {
  value = sagemaker_secure_ds_environment.team.private_subnet_ids
}

output "sagemaker_security_group_id" {
  description = "Give this to Studio, jobs and pipelines."
  value       = sagemaker_secure_ds_environment.team.sagemaker_security_group_id
}

output "kms_key_arns" {
  value = sagemaker_secure_ds_environment.team.kms_key_arns
}

output "buckets" {
  value = {
    data   = sagemaker_secure_ds_environment.team.data_bucket_arn
    models = sagemaker_secure_ds_environment.team.model_bucket_arn
  }
}

output "role_arns" {
  value = sagemaker_secure_ds_environment.team.role_arns
}

output "interface_endpoints" {
  value = keys(sagemaker_secure_ds_environment.team.interface_endpoint_ids)
}

output "drifted_settings" {
  description = "Empty when the environment matches its configuration."
  value       = sagemaker_secure_ds_environment.team.drifted_settings
}

output "studio" {
  value = {
    domain_id     = sagemaker_secure_ds_environment.team.domain_id
    url           = sagemaker_secure_ds_environment.team.domain_url
    home_efs      = sagemaker_secure_ds_environment.team.efs_id
    user_profiles = keys(sagemaker_secure_ds_environment.team.user_profile_arns)
  }
}

output "package_repository_url" {
  description = "pip's index URL (add aws:<token>@ from aws codeartifact get-authorization-token)."
  value       = sagemaker_secure_ds_environment.team.package_repository_url
}

output "mlops_project_templates" {
  description = "The project templates Studio shows: their products and the portfolio."
  value = {
    portfolio_id = sagemaker_mlops_project_templates.team.portfolio_id
    product_ids  = sagemaker_mlops_project_templates.team.product_ids
  }
}
