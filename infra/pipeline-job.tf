# Landing bucket of the CRM exports (personal data): EU, private, deleted after the retention period.
resource "google_storage_bucket" "landing" {
  name     = "${var.project}-elt-landing"
  location = var.region
  labels   = merge(local.labels, { data_classification = "personal" })

  uniform_bucket_level_access = true
  public_access_prevention    = "enforced"

  lifecycle_rule {
    condition {
      age = var.landing_retention_days
    }
    action {
      type = "Delete"
    }
  }

  depends_on = [google_project_service.this]
}

resource "google_storage_bucket_iam_member" "pipeline_landing" {
  bucket = google_storage_bucket.landing.name
  role   = "roles/storage.objectUser"
  member = google_service_account.pipeline.member
}

# The hourly job: `run` on the same image as every other role, against BigQuery.
resource "google_cloud_run_v2_job" "hourly" {
  name                = local.job_name
  location            = var.region
  labels              = local.labels
  deletion_protection = false

  template {
    task_count  = 1
    parallelism = 1

    template {
      service_account       = google_service_account.pipeline.email
      timeout               = var.job_timeout
      max_retries           = 1
      execution_environment = "EXECUTION_ENVIRONMENT_GEN2"

      containers {
        image = var.image
        args  = ["run"]

        resources {
          limits = {
            cpu    = "1"
            memory = "2Gi"
          }
        }

        dynamic "env" {
          for_each = merge(local.warehouse_env, local.job_env)
          content {
            name  = env.key
            value = env.value
          }
        }

        dynamic "env" {
          for_each = toset(local.job_secrets)
          content {
            name = local.secrets[env.value].env
            value_source {
              secret_key_ref {
                secret  = google_secret_manager_secret.this[env.value].secret_id
                version = "latest"
              }
            }
          }
        }

        volume_mounts {
          name       = "landing"
          mount_path = local.landing_mount_path
        }
      }

      volumes {
        name = "landing"
        gcs {
          bucket    = google_storage_bucket.landing.name
          read_only = false
        }
      }
    }
  }

  depends_on = [
    google_project_service.this,
    google_secret_manager_secret_iam_member.pipeline,
    google_bigquery_dataset_iam_member.pipeline_editor,
  ]
}

# Cloud Scheduler starts one execution at minute 5 of every hour, Paris time.
resource "google_cloud_scheduler_job" "hourly" {
  name             = "elt-hourly"
  region           = var.region
  description      = "Starts the hourly ELT Cloud Run job."
  schedule         = "5 * * * *"
  time_zone        = "Europe/Paris"
  attempt_deadline = "180s"

  retry_config {
    retry_count = 1
  }

  http_target {
    http_method = "POST"
    uri         = "https://run.googleapis.com/v2/${google_cloud_run_v2_job.hourly.id}:run"

    oauth_token {
      service_account_email = google_service_account.scheduler.email
      scope                 = "https://www.googleapis.com/auth/cloud-platform"
    }
  }

  depends_on = [google_cloud_run_v2_job_iam_member.scheduler_invoker]
}

resource "google_cloud_run_v2_job_iam_member" "scheduler_invoker" {
  name     = google_cloud_run_v2_job.hourly.name
  location = google_cloud_run_v2_job.hourly.location
  role     = "roles/run.invoker"
  member   = google_service_account.scheduler.member
}
