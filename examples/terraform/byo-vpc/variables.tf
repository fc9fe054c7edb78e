variable "team" {
  type    = string
  default = "risk-analytics"
}

variable "stage" {
  type    = string
  default = "dev"
}

variable "vpc_id" {
  description = "Your VPC (it must have DNS support and hostnames on, for private DNS of the endpoints)."
  type        = string
}

variable "availability_zones" {
  description = "The zones of private_subnet_ids, in the same order."
  type        = list(string)
}

variable "private_subnet_ids" {
  description = "Your private subnets, one per zone."
  type        = list(string)
}

variable "s3_endpoint_id" {
  description = "Your S3 gateway endpoint on those subnets' route tables, with a policy limited to the buckets it serves (one that allows every bucket is refused)."
  type        = string
}

variable "interface_endpoints" {
  type    = set(string)
  default = ["sagemaker.api", "sagemaker.runtime", "studio", "sts", "logs", "kms", "ecr.api", "ecr.dkr"]
}

variable "data_scientist_role_arn" {
  description = "An existing data-scientist role, or null to have one created."
  type        = string
  default     = null
}
