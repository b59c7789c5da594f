# idbridge: `make run` for a demo server, `make test` for everything CI runs.
GO        ?= go
ADDR      ?= 127.0.0.1:8080
BASE_URL  ?= http://$(ADDR)
DATA      ?= ./data
DB        ?= sqlite:$(DATA)/idbridge.db
KEY_FILE  ?= $(DATA)/encryption.key

.PHONY: build run test vet staticcheck fmt-check bench-scim bench-scim-scale bench-sso clean

build:
	$(GO) build -o bin/idbridge ./cmd/idbridge

# Builds, migrates the embedded SQLite store, seeds the demo team, prints
# the URLs and a demo SCIM token, and serves until Ctrl-C with the built-in
# development IdP connected to the demo team (Sign in with SSO as
# alice@acme.test).
run: build
	@mkdir -p $(DATA)
	@[ -s $(KEY_FILE) ] || (umask 077 && ./bin/idbridge keygen > $(KEY_FILE))
	./bin/idbridge demo --db $(DB) --base-url $(BASE_URL)
	./bin/idbridge serve --db $(DB) --addr $(ADDR) --base-url $(BASE_URL) --encryption-key-file $(KEY_FILE) --dev-idp

# Everything: formatting, vet, staticcheck and the race-enabled tests against
# a real PostgreSQL (see scripts/with-postgres.sh for where it comes from).
test: fmt-check vet staticcheck
	./scripts/with-postgres.sh $(GO) test -race -count=1 ./...

fmt-check:
	@out=$$(gofmt -l .); \
	if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) tool staticcheck ./...

# SCIM throughput beside the raw database ceiling, on a scratch database.
bench-scim:
	./scripts/bench-scim.sh

# An initial sync of 100,000 users, list and filter latency at 1k and 100k
# users, 80 teams pushing at once, and the server's peak RSS, on a scratch
# database.
bench-scim-scale:
	./scripts/bench-scim-scale.sh

# SAML ACS and OIDC callback handling beside crewjam/saml's bare validation
# rate and the raw INSERT rate, on a scratch database.
bench-sso:
	./scripts/bench-sso.sh

clean:
	rm -rf bin
