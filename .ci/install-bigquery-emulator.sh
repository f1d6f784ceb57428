#!/usr/bin/env bash
# Builds the BigQuery emulator (goccy/bigquery-emulator, pure Go) once, into a fixed place that the
# tests look in (test/support/bigquery-emulator.ts). Idempotent: exits at once when the binary exists.
#
#   bash .ci/install-bigquery-emulator.sh        # needs Go >= 1.25 and the Go module proxy
#
# `go install ...@v0.8.1` does not work here: the module proxy refuses the version list that
# `go install` reads for its deprecation check. `go mod download` of the exact version works, and the
# module's own go.mod then pins every dependency for the build.
set -euo pipefail

VERSION=v0.8.1
BIN_DIR="${BIGQUERY_EMULATOR_DIR:-$HOME/.cache/mortgage-elt/bin}"
BIN="$BIN_DIR/bigquery-emulator-$VERSION"

if [ -x "$BIN" ]; then
  echo "BigQuery emulator $VERSION present: $BIN"
  exit 0
fi
if ! command -v go >/dev/null 2>&1; then
  echo "Go (>= 1.25) is required to build the BigQuery emulator: https://go.dev/dl/" >&2
  exit 1
fi

started=$(date +%s)
echo "Downloading github.com/goccy/bigquery-emulator@$VERSION"
go mod download github.com/goccy/bigquery-emulator@"$VERSION"
module_dir="$(go env GOMODCACHE)/github.com/goccy/bigquery-emulator@$VERSION"

mkdir -p "$BIN_DIR"
tmp="$BIN.partial.$$"
trap 'rm -f "$tmp"' EXIT
echo "Building (first build takes minutes: the SQL engine is a large generated Go package)"
(cd "$module_dir" && CGO_ENABLED=1 go build -o "$tmp" ./cmd/bigquery-emulator)
mv "$tmp" "$BIN"
echo "Built $BIN in $(( $(date +%s) - started )) s"
