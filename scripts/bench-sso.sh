#!/usr/bin/env bash
# make bench-sso: runs cmd/ssobench on a scratch PostgreSQL database: SAML
# ACS and OIDC callback handling at 16 concurrent clients beside crewjam/saml's
# bare validation rate and the raw single-row INSERT rate. Everything it
# creates it removes.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${INSIDE_WITH_POSTGRES:-}" ]]; then
	INSIDE_WITH_POSTGRES=1 exec ./scripts/with-postgres.sh "$0" "$@"
fi

go build -o bin/ssobench ./cmd/ssobench

server_url=${TEST_DATABASE_URL%%\?*}
server_url=${server_url%/*}
db_name="idbridge_ssobench_$$"
cleanup() {
	psql -w "$server_url/postgres?sslmode=disable" -qc "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null 2>&1 || true
}
trap cleanup EXIT

psql -w "$server_url/postgres?sslmode=disable" -qc "CREATE DATABASE $db_name" >/dev/null
./bin/ssobench --db "$server_url/$db_name?sslmode=disable" "$@"
