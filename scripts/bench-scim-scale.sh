#!/usr/bin/env bash
# make bench-scim-scale: starts idbridge on a scratch PostgreSQL database
# on loopback, then runs cmd/scimscale: an initial sync of 100,000 users,
# filter and list latency at 1k and 100k users, 80 teams pushing at once,
# and the server's peak RSS. Everything it creates it removes.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${INSIDE_WITH_POSTGRES:-}" ]]; then
	INSIDE_WITH_POSTGRES=1 exec ./scripts/with-postgres.sh "$0" "$@"
fi

go build -o bin/idbridge ./cmd/idbridge
go build -o bin/scimscale ./cmd/scimscale

server_url=${TEST_DATABASE_URL%%\?*}
server_url=${server_url%/*}
db_name="idbridge_scale_$$"
db="$server_url/$db_name?sslmode=disable"
work=$(mktemp -d /tmp/idbridge-scale.XXXXXX)
pid=""
cleanup() {
	[[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	psql -w "$server_url/postgres?sslmode=disable" -qc "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

psql -w "$server_url/postgres?sslmode=disable" -qc "CREATE DATABASE $db_name" >/dev/null
./bin/idbridge migrate --db "$db" >/dev/null
./bin/idbridge team create --db "$db" --slug scale --name Scale --plan enterprise >/dev/null
token=$(./bin/idbridge scim-token create --db "$db" --team scale --name scale)
./bin/idbridge keygen > "$work/key"

# PPROF_ADDR=127.0.0.1:6060 serves the server's profiles there meanwhile.
./bin/idbridge serve --db "$db" --addr 127.0.0.1:0 --encryption-key-file "$work/key" \
	--log-level warn ${PPROF_ADDR:+--pprof-addr "$PPROF_ADDR"} >"$work/out" 2>"$work/err" &
pid=$!
for _ in $(seq 1 100); do
	grep -q "^idbridge listening on" "$work/out" && break
	sleep 0.1
done
addr=$(sed -n 's/^idbridge listening on \(http:\/\/[^ ]*\).*/\1/p' "$work/out")
[[ -n "$addr" ]] || { cat "$work/err" >&2; exit 1; }

./bin/scimscale --server "$addr" --token "$token" --db "$db" --server-pid "$pid" "$@"
