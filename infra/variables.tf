variable "project" {
  description = "Google Cloud project id that hosts the warehouse, the hourly job and the lookup function."
  type        = string
}

variable "region" {
  description = "Region of Cloud Run, Cloud Scheduler, Secret Manager replicas and the landing bucket."
  type        = string
  default     = "europe-west1"
}

variable "location" {
  description = "BigQuery location of the four datasets (data stays in the EU)."
  type        = string
  default     = "EU"
}

variable "dataset_prefix" {
  description = "Prefix of the dataset ids (raw, staging, marts, ops); the pipeline reads it as BIGQUERY_DATASET_PREFIX."
  type        = string
  default     = "elt_"

  validation {
    condition     = can(regex("^[A-Za-z0-9_]*$", var.dataset_prefix))
    error_message = "dataset_prefix may hold only letters, digits and underscores (BigQuery dataset id rules)."
  }
}

variable "analysts_group" {
  description = "Google group of the marketing analysts (e.g. marketing-analysts@example.fr); they read the marts only."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+$", var.analysts_group))
    error_message = "analysts_group must be the e-mail address of a Google group."
  }
}

variable "image" {
  description = "Container image built from the repository Dockerfile, e.g. europe-west1-docker.pkg.dev/PROJECT/elt/mortgage-elt:TAG."
  type        = string
}

variable "environment" {
  description = "Environment label put on every resource (prod, staging, ...)."
  type        = string
  default     = "prod"
}

variable "marketing_api_url" {
  description = "Base URL of the marketing activity API (MARKETING_API_URL)."
  type        = string

  validation {
    condition     = can(regex("^https://", var.marketing_api_url))
    error_message = "marketing_api_url must be an https:// URL."
  }
}

variable "log_level" {
  description = "LOG_LEVEL of the job and the lookup function."
  type        = string
  default     = "info"
}

variable "alert_webhook_enabled" {
  description = "Create an alert-webhook secret and pass it to the hourly job as ELT_ALERT_WEBHOOK (add its value before the next execution)."
  type        = bool
  default     = false
}

variable "job_timeout" {
  description = "Maximum duration of one hourly execution; below one hour so runs never overlap."
  type        = string
  default     = "3300s"
}

variable "landing_retention_days" {
  description = "Days after which CRM exports (personal data) are deleted from the landing bucket."
  type        = number
  default     = 90
}

variable "lookup_invokers" {
  description = "IAM members allowed to call the lookup function (e.g. serviceAccount:crm@... ); empty keeps it private."
  type        = list(string)
  default     = []
}

variable "lookup_max_instances" {
  description = "Upper bound of lookup function instances."
  type        = number
  default     = 3
}
