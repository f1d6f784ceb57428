terraform {
  required_version = ">= 1.5.0"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = ">= 6.0, < 8.0"
    }
  }

  # State: configure a remote backend (for example a GCS bucket with versioning) before the first apply;
  # the state holds no secret values, only secret names.
}

provider "google" {
  project = var.project
  region  = var.region
}
