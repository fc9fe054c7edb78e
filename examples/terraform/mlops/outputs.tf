output "environment_id" {
  value = sagemaker_secure_ds_environment.team.id
}

output "template_product_ids" {
  description = "The Service Catalog product of each template, as Studio lists them."
  value       = sagemaker_mlops_project_templates.team.product_ids
}

output "template_portfolio_id" {
  value = sagemaker_mlops_project_templates.team.portfolio_id
}

output "project_id" {
  value = sagemaker_project.churn.project_id
}

output "project_outputs" {
  description = "What the template made: model package group, SageMaker Pipeline, CodeBuild project, CodePipeline, and where its pipelines write."
  value       = sagemaker_project.churn.outputs
}

output "deploy_outputs" {
  description = "What the deploy template made: its CodePipeline and rule, and the names of the staging and production endpoints and their stacks."
  value       = sagemaker_project.churn_deploy.outputs
}
