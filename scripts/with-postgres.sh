#!/usr/bin/env bash
# Runs a command with TEST_DATABASE_URL pointing at a PostgreSQL server the
# tests may create databases on:
#   1. $TEST_DATABASE_URL when set;
#   2. else the server at 127.0.0.1:5432 when it lets postgres in without a
#      password (database test);
#   3. else a throwaway cluster started here from the PostgreSQL binaries on
#      the machine (installing Debian's postgresql first when there are none
#      and we are root), stopped and deleted on exit.
set -euo pipefail

log() { echo "with-postgres: $*" >&2; }

reachable() { # host port
	(exec 3<>"/dev/tcp/$1/$2") 2>/dev/null
}

if [[ -n "${TEST_DATABASE_URL:-}" ]]; then
	exec "$@"
fi

default_url="postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
# Use the local server only when we may connect to it as postgres without a
# password (psql, when installed, tells; otherwise the tests will).
if reachable 127.0.0.1 5432 && { ! command -v psql >/dev/null 2>&1 || PGCONNECT_TIMEOUT=5 psql -w "$default_url" -qtAc 'select 1' >/dev/null 2>&1; }; then
	export TEST_DATABASE_URL="$default_url"
	exec "$@"
fi

find_bindir() {
	local d
	for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
		[[ -x "$d/initdb" ]] && { echo "$d"; return 0; }
	done
	command -v initdb >/dev/null 2>&1 && { dirname "$(command -v initdb)"; return 0; }
	return 1
}

bindir=$(find_bindir || true)
if [[ -z "$bindir" ]]; then
	if [[ $(id -u) -ne 0 ]]; then
		log "no PostgreSQL server at 127.0.0.1:5432 and no PostgreSQL binaries; install postgresql or set TEST_DATABASE_URL"
		exit 1
	fi
	log "installing Debian's postgresql"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	apt-get install -y -qq postgresql >/dev/null
	bindir=$(find_bindir)
fi

# initdb and postgres refuse to run as root: use the postgres system user.
as_pg=()
if [[ $(id -u) -eq 0 ]]; then
	id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
	as_pg=(runuser -u postgres --)
fi

dir=$(mktemp -d /tmp/idbridge-pg.XXXXXX)
chmod 755 "$dir"
[[ ${#as_pg[@]} -gt 0 ]] && chown postgres "$dir"
port=55432
while reachable 127.0.0.1 "$port"; do port=$((port + 1)); done

cleanup() {
	"${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
	rm -rf "$dir"
}
trap cleanup EXIT

log "starting a throwaway cluster on 127.0.0.1:$port"
"${as_pg[@]}" "$bindir/initdb" -D "$dir/data" -U postgres -A trust --no-sync >/dev/null
if ! "${as_pg[@]}" "$bindir/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
	-o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c fsync=off -c max_connections=200" start >/dev/null; then
	log "the cluster did not start; its log:"
	cat "$dir/log" >&2 || true
	exit 1
fi
"${as_pg[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U postgres test

export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$port/test?sslmode=disable"
"$@"
