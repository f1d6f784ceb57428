# The lookup function: the same image serving `serve-lookup` on Cloud Run, reading the marts only.
resource "google_cloud_run_v2_service" "lookup" {
  name                = "elt-lookup"
  location            = var.region
  labels              = local.labels
  ingress             = "INGRESS_TRAFFIC_ALL"
  deletion_protection = false

  template {
    service_account = google_service_account.lookup.email

    scaling {
      min_instance_count = 0
      max_instance_count = var.lookup_max_instances
    }

    containers {
      image = var.image
      args  = ["serve-lookup", "--port", "8080"]

      ports {
        container_port = 8080
      }

      resources {
        limits = {
          cpu    = "1"
          memory = "1Gi"
        }
      }

      dynamic "env" {
        for_each = local.warehouse_env
        content {
          name  = env.key
          value = env.value
        }
      }

      dynamic "env" {
        for_each = toset(local.lookup_secrets)
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

      # Ready once it listens. Not /healthz: that answers 503 until the mart has data, which it cannot
      # have before the first hourly run, so a /healthz probe would fail the first deployment and
      # restart healthy instances during a warehouse outage (they keep serving their last snapshot).
      startup_probe {
        tcp_socket {
          port = 8080
        }
      }
    }
  }

  depends_on = [
    google_project_service.this,
    google_secret_manager_secret_iam_member.lookup,
    google_bigquery_dataset_iam_member.lookup_marts_viewer,
  ]
}

# Private by default: only the listed members may call it (the API key is a second check).
resource "google_cloud_run_v2_service_iam_member" "lookup_invokers" {
  for_each = toset(var.lookup_invokers)

  name     = google_cloud_run_v2_service.lookup.name
  location = google_cloud_run_v2_service.lookup.location
  role     = "roles/run.invoker"
  member   = each.value
}
