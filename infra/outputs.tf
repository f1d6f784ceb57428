output "datasets" {
  description = "BigQuery dataset ids by layer."
  value       = { for layer, dataset in google_bigquery_dataset.this : layer => dataset.dataset_id }
}

output "pipeline_service_account" {
  description = "Identity of the hourly job."
  value       = google_service_account.pipeline.email
}

output "lookup_service_account" {
  description = "Identity of the lookup function."
  value       = google_service_account.lookup.email
}

output "hourly_job" {
  description = "Cloud Run job run every hour by Cloud Scheduler (start one by hand with gcloud run jobs execute)."
  value       = google_cloud_run_v2_job.hourly.name
}

output "lookup_url" {
  description = "HTTPS endpoint of the lookup function."
  value       = google_cloud_run_v2_service.lookup.uri
}

output "landing_bucket" {
  description = "Bucket where the CRM exports are dropped (mounted at /data/landing in the job)."
  value       = google_storage_bucket.landing.name
}

output "secret_ids" {
  description = "Secret Manager secrets whose values must be added out of band before the first execution."
  value       = { for key, secret in google_secret_manager_secret.this : local.secrets[key].env => secret.secret_id }
}
