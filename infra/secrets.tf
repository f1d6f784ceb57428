# Secret containers only. Values are added out of band, e.g.
#   printf '%s' "$TOKEN" | gcloud secrets versions add elt-marketing-api-token --data-file=-
# so they never appear in this code or in the Terraform state.
resource "google_secret_manager_secret" "this" {
  for_each = local.secrets

  secret_id = each.value.secret_id
  labels    = local.labels

  replication {
    user_managed {
      replicas {
        location = var.region
      }
    }
  }

  depends_on = [google_project_service.this]
}

resource "google_secret_manager_secret_iam_member" "pipeline" {
  for_each = toset(local.job_secrets)

  secret_id = google_secret_manager_secret.this[each.value].id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.pipeline.member
}

resource "google_secret_manager_secret_iam_member" "lookup" {
  for_each = toset(local.lookup_secrets)

  secret_id = google_secret_manager_secret.this[each.value].id
  role      = "roles/secretmanager.secretAccessor"
  member    = google_service_account.lookup.member
}
