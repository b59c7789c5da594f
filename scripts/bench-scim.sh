#!/usr/bin/env bash
# make bench-scim: starts idbridge on a scratch PostgreSQL database on
# loopback, then runs cmd/scimbench, which prints the raw database ceiling
# and the SCIM rates side by side. With SCIM_BENCH_TOOL=scimscale (make
# bench-scim-scale) it runs cmd/scimscale on the same set-up instead.
# Everything it creates it removes.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ -z "${INSIDE_WITH_POSTGRES:-}" ]]; then
	INSIDE_WITH_POSTGRES=1 exec ./scripts/with-postgres.sh "$0" "$@"
fi

tool=${SCIM_BENCH_TOOL:-scimbench}
case "$tool" in
scimbench | scimscale) ;;
*) echo "bench-scim: SCIM_BENCH_TOOL is scimbench or scimscale" >&2; exit 2 ;;
esac
go build -o bin/idbridge ./cmd/idbridge
go build -o "bin/$tool" "./cmd/$tool"

server_url=${TEST_DATABASE_URL%%\?*}
server_url=${server_url%/*}
db_name="idbridge_${tool}_$$"
db="$server_url/$db_name?sslmode=disable"
work=$(mktemp -d "/tmp/idbridge-$tool.XXXXXX")
pid=""
cleanup() {
	[[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
	psql -w "$server_url/postgres?sslmode=disable" -qc "DROP DATABASE IF EXISTS $db_name WITH (FORCE)" >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT

psql -w "$server_url/postgres?sslmode=disable" -qc "CREATE DATABASE $db_name" >/dev/null
./bin/idbridge migrate --db "$db" >/dev/null
./bin/idbridge team create --db "$db" --slug bench --name Bench --plan enterprise >/dev/null
token=$(./bin/idbridge scim-token create --db "$db" --team bench --name bench)
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

extra=()
[[ "$tool" == scimscale ]] && extra=(--server-pid "$pid") # it reads the server's peak RSS
"./bin/$tool" --server "$addr" --token "$token" --db "$db" "${extra[@]}" "$@"
