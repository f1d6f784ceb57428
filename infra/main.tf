locals {
  name = "mortgage-elt"

  labels = {
    app         = local.name
    environment = var.environment
    managed_by  = "terraform"
  }

  # The four layers of the warehouse. Only `marts` is pseudonymous; raw and staging hold personal data.
  datasets = {
    raw = {
      description    = "Raw CRM exports and marketing API pages as loaded, with personal data. Pipeline only."
      classification = "personal"
    }
    staging = {
      description    = "Typed and cleaned staging models (stg_*), still with personal data. Pipeline only."
      classification = "personal"
    }
    marts = {
      description    = "Business marts for marketing analysis and the lookup function; pseudonymous user keys only."
      classification = "pseudonymous"
    }
    ops = {
      description    = "Pipeline bookkeeping: file ledger, high-water marks, runs and steps, lock, quarantine."
      classification = "internal"
    }
  }

  # Secret Manager entries (values are added out of band, never by Terraform). `env` is the variable
  # each one becomes in the containers.
  secret_catalog = {
    marketing_api_token = { secret_id = "elt-marketing-api-token", env = "MARKETING_API_TOKEN" }
    pseudonym_salt      = { secret_id = "elt-pseudonym-salt", env = "ELT_PSEUDONYM_SALT" }
    lookup_api_key      = { secret_id = "elt-lookup-api-key", env = "LOOKUP_API_KEY" }
    alert_webhook       = { secret_id = "elt-alert-webhook", env = "ELT_ALERT_WEBHOOK" }
  }
  secrets = { for key, secret in local.secret_catalog : key => secret if key != "alert_webhook" || var.alert_webhook_enabled }

  # Which secrets each workload reads. The lookup needs the salt only because configuration validation
  # requires it on BigQuery.
  job_secrets    = [for key in ["marketing_api_token", "pseudonym_salt", "alert_webhook"] : key if contains(keys(local.secrets), key)]
  lookup_secrets = ["lookup_api_key", "pseudonym_salt"]

  # Settings common to the job and the lookup function (ELT_* / BIGQUERY_* variables of pipelines/config).
  warehouse_env = {
    ELT_WAREHOUSE           = "bigquery"
    BIGQUERY_PROJECT        = var.project
    BIGQUERY_LOCATION       = var.location
    BIGQUERY_DATASET_PREFIX = var.dataset_prefix
    LOG_LEVEL               = var.log_level
  }

  landing_mount_path = "/data/landing"
  job_name           = "elt-hourly"

  # Settings of the hourly job only.
  job_env = {
    ELT_CSV_DIR       = local.landing_mount_path
    MARKETING_API_URL = var.marketing_api_url
    ELT_LOGS_URL      = "https://console.cloud.google.com/run/jobs/details/${var.region}/${local.job_name}/logs?project=${var.project}"
  }
}

resource "google_project_service" "this" {
  for_each = toset([
    "bigquery.googleapis.com",
    "cloudscheduler.googleapis.com",
    "iam.googleapis.com",
    "run.googleapis.com",
    "secretmanager.googleapis.com",
    "storage.googleapis.com",
  ])

  service            = each.value
  disable_on_destroy = false
}
