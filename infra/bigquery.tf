resource "google_bigquery_dataset" "this" {
  for_each = local.datasets

  dataset_id  = "${var.dataset_prefix}${each.key}"
  location    = var.location
  description = each.value.description
  labels = merge(local.labels, {
    layer               = each.key
    data_classification = each.value.classification
  })

  delete_contents_on_destroy = false

  depends_on = [google_project_service.this]
}

# Marketing analysts read the marts and nothing else: raw and staging hold personal data. Grant no
# project-level BigQuery data role to this group either (it would reach every dataset).
resource "google_bigquery_dataset_iam_member" "analysts_marts_viewer" {
  dataset_id = google_bigquery_dataset.this["marts"].dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = "group:${var.analysts_group}"
}

# Running queries needs a job role on some project; it grants no access to any table.
resource "google_project_iam_member" "analysts_job_user" {
  project = var.project
  role    = "roles/bigquery.jobUser"
  member  = "group:${var.analysts_group}"
}

resource "google_bigquery_dataset_iam_member" "pipeline_editor" {
  for_each = google_bigquery_dataset.this

  dataset_id = each.value.dataset_id
  role       = "roles/bigquery.dataEditor"
  member     = google_service_account.pipeline.member
}

resource "google_bigquery_dataset_iam_member" "lookup_marts_viewer" {
  dataset_id = google_bigquery_dataset.this["marts"].dataset_id
  role       = "roles/bigquery.dataViewer"
  member     = google_service_account.lookup.member
}
