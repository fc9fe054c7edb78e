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
  description = "The SageMaker build project's name: letters, digits and hyphens, at most 25 characters (its deploy project is named <project>-deploy, within SageMaker's 32)."
  type        = string
  default     = "churn"

  validation {
    condition     = length(var.project) <= 25
    error_message = "project is at most 25 characters: the deploy project adds \"-deploy\"."
  }
}

variable "project_principal_arns" {
  description = "IAM roles besides the environment's people who may make projects from the templates: on AWS, the role Terraform runs as (it makes the project)."
  type        = set(string)
  default     = []
}
