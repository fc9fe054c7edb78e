variable "team" {
  description = "Team name: lowercase letters, digits and hyphens, at most 20 characters."
  type        = string
  default     = "fraud-models"
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

variable "cost_center" {
  description = "Tag value for cost allocation."
  type        = string
  default     = "cc-1234"
}

variable "allowed_instance_types" {
  description = "Instance types data scientists may start (empty: no limit)."
  type        = set(string)
  default     = ["ml.t3.medium", "ml.m5.large", "ml.m5.xlarge", "ml.g5.xlarge"]
}
