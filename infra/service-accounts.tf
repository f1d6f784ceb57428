resource "google_service_account" "pipeline" {
  account_id   = "elt-pipeline"
  display_name = "ELT pipeline (hourly job)"
  description  = "Runs the hourly ELT job: writes the raw, staging, marts and ops datasets."
}

resource "google_service_account" "lookup" {
  account_id   = "elt-lookup"
  display_name = "ELT lookup function"
  description  = "Serves the opportunity lookup; reads the marts dataset only."
}

resource "google_service_account" "scheduler" {
  account_id   = "elt-scheduler"
  display_name = "ELT hourly trigger"
  description  = "Used by Cloud Scheduler to start the hourly Cloud Run job."
}

resource "google_project_iam_member" "pipeline_job_user" {
  project = var.project
  role    = "roles/bigquery.jobUser"
  member  = google_service_account.pipeline.member
}

resource "google_project_iam_member" "lookup_job_user" {
  project = var.project
  role    = "roles/bigquery.jobUser"
  member  = google_service_account.lookup.member
}
