variable "team" {
  description = "Team name: lowercase letters, digits and hyphens, at most 20 characters."
  type        = string
  default     = "churn-team"
}

variable "stage" {
  description = "dev, test or prod."
  type        = string
  default     = "dev"
}

variable "availability_zones" {
  description = "Zones of the private subnets (one each)."
  type        = list(string)
  default     = ["us-east-1a", "us-east-1b"]
}

variable "project" {
  description = "The SageMaker project's name: letters, digits and hyphens, at most 32 characters."
  type        = string
  default     = "churn"
}

variable "project_principal_arns" {
  description = "IAM roles besides the environment's people who may make projects from the templates: on AWS, the role Terraform runs as (it makes the project)."
  type        = set(string)
  default     = []
}
