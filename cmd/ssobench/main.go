// Command ssobench measures complete SSO sign-ins on a PostgreSQL database
// in one run on one machine, each beside its yardstick:
//
//   - the rate at which crewjam/saml alone validates the responses;
//   - SAML ACS handling: POST of an SP-initiated, encrypted response to the
//     ACS with the browser's flow cookie (validation, request consumed,
//     replay record, JIT provisioning on first sight, session), through
//     idbridge's sso handler over HTTP;
//   - the raw single-row INSERT rate of the database;
//   - OIDC callback handling: state consumed, code redeemed at a local
//     OpenID provider, ID token verified, JIT, session.
//
// Only our side is timed: sign-ins are started at /sso/start, SAML
// responses signed and ID tokens minted before the clock starts, so the
// provider's token endpoint only looks the answer up (its time is printed
// apart). Each yardstick and its subject run in alternating rounds, so a
// change in the machine's load during the run shifts both alike. It never
// targets anything but the database URL it is given and its own loopback
// listeners.
package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime/pprof"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/keyring"
	"github.com/idbridge/idbridge/accounts/postgres"
	"github.com/idbridge/idbridge/cmd/internal/loadtest"
	"github.com/idbridge/idbridge/sso"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ssobench:", err)
		os.Exit(1)
	}
}

type config struct {
	db         string
	clients    int
	responses  int
	rounds     int
	duration   time.Duration
	cpuprofile string
}

func run() error {
	var cfg config
	flag.StringVar(&cfg.db, "db", "", "postgres:// URL of a scratch database")
	flag.IntVar(&cfg.clients, "clients", 16, "concurrent clients")
	flag.IntVar(&cfg.responses, "responses", 2000, "SAML responses (and OIDC sign-ins) per measured phase")
	flag.IntVar(&cfg.rounds, "rounds", 8, "rounds each yardstick and its subject alternate in")
	flag.DurationVar(&cfg.duration, "duration", 4*time.Second, "how long the raw INSERT phase runs in all")
	flag.StringVar(&cfg.cpuprofile, "cpuprofile", "", "write a CPU profile of the measured phases to this file")
	flag.Parse()
	if cfg.db == "" {
		return fmt.Errorf("--db is required")
	}
	cfg.rounds = max(1, min(cfg.rounds, cfg.responses))
	ctx := context.Background()
	st, err := postgres.Open(ctx, cfg.db)
	if err != nil {
		return err
	}
	defer st.Close()
	if err := st.Migrate(ctx); err != nil {
		return err
	}
	svc, err := accounts.NewService(accounts.ServiceParams{Store: st})
	if err != nil {
		return err
	}
	spec, err := keyring.Generate(rand.Reader, "bench")
	if err != nil {
		return err
	}
	ring, err := keyring.Parse(spec)
	if err != nil {
		return err
	}
	env, err := newBench(ctx, svc, ring, cfg)
	if err != nil {
		return err
	}
	defer env.close()

	fmt.Fprintf(os.Stderr, "starting %d SAML sign-ins and signing their responses…\n", cfg.responses)
	samlFlows, err := env.samlFlows(cfg.responses, cfg.clients)
	if err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "starting %d OIDC sign-ins and minting their ID tokens…\n", cfg.responses)
	oidcFlows, err := env.oidcFlows(cfg.responses, cfg.clients)
	if err != nil {
		return err
	}
	raw, err := newRawInsert(ctx, cfg)
	if err != nil {
		return err
	}
	defer raw.close(ctx)

	if cfg.cpuprofile != "" {
		f, err := os.Create(cfg.cpuprofile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		defer pprof.StopCPUProfile()
	}
	var bare, acs, ins, callback loadtest.Result
	for r := range cfg.rounds {
		lo, hi := r*cfg.responses/cfg.rounds, (r+1)*cfg.responses/cfg.rounds
		fmt.Fprintf(os.Stderr, "round %d of %d…\n", r+1, cfg.rounds)
		// Alternate which goes first, so neither always meets a warmer
		// (or busier) machine.
		yard := func() {
			bare = bare.Merge(env.bareValidation(samlFlows[lo:hi], cfg.clients))
			ins = ins.Merge(raw.phase(cfg.duration / time.Duration(cfg.rounds)))
		}
		ours := func() {
			acs = acs.Merge(env.acs(samlFlows[lo:hi], cfg.clients))
			callback = callback.Merge(env.oidcCallbacks(oidcFlows[lo:hi], cfg.clients))
		}
		if r%2 == 0 {
			yard()
			ours()
		} else {
			ours()
			yard()
		}
	}
	pprof.StopCPUProfile()

	fmt.Printf("%d clients, PostgreSQL, %d alternating rounds; only our side is timed (responses signed,\n", cfg.clients, cfg.rounds)
	fmt.Printf("ID tokens minted and sign-ins started before the clock starts)\n\n")
	fmt.Printf("%-58s %9s %8s %8s %7s %8s %s\n", "operation", "per s", "p50 ms", "p99 ms", "errors", "share", "target")
	fmt.Println(line(bare, 0, ""))
	fmt.Println(line(acs, bare.Rate(), "≥ 50% of bare validation, p99 ≤ 50 ms"))
	fmt.Println(line(ins, 0, ""))
	fmt.Println(line(callback, ins.Rate(), "≥ 30% of raw INSERT, p99 ≤ 50 ms"))
	fmt.Printf("\nOIDC: the provider's token endpoint (a lookup of the pre-minted answer) took %.3f ms on average\n"+
		"inside each callback; it is part of the callback's latency above.\n", env.op.meanTokenTime())
	return nil
}

// bench holds the server side under test and the local identity providers.
type bench struct {
	svc      *accounts.Service
	srv      *httptest.Server
	idp      *samlIdP
	op       *localOP
	samlConn accounts.SSOConnection
	oidcConn accounts.SSOConnection
}

func newBench(ctx context.Context, svc *accounts.Service, ring *keyring.Ring, cfg config) (*bench, error) {
	b := &bench{svc: svc}
	var handler *sso.Handler
	mux := http.NewServeMux()
	b.srv = httptest.NewServer(mux)
	slug := fmt.Sprintf("bench-%d", time.Now().UnixNano())
	team, err := svc.CreateTeam(ctx, accounts.CreateTeamInput{Slug: slug, Name: "Bench", Plan: accounts.PlanEnterprise,
		Settings: accounts.TeamSettings{JITEnabled: true}, Actor: accounts.OperatorActor()})
	if err != nil {
		return nil, err
	}
	domain := slug + ".test"
	if _, err := svc.AddDomain(ctx, accounts.AddDomainInput{TeamID: team.ID, Name: domain, Verified: true, Actor: accounts.OperatorActor()}); err != nil {
		return nil, err
	}
	if b.idp, err = newSAMLIdP(domain); err != nil {
		return nil, err
	}
	if b.samlConn, err = b.idp.connect(ctx, svc, ring, team.ID); err != nil {
		return nil, err
	}
	if b.op, err = newLocalOP(domain); err != nil {
		return nil, err
	}
	if b.oidcConn, err = svc.CreateSSOConnection(ctx, accounts.CreateSSOConnectionInput{
		TeamID: team.ID, Protocol: accounts.ProtocolOIDC, Name: "OIDC", Sealer: ring, Actor: accounts.OperatorActor(),
		OIDC: accounts.OIDCConfig{Issuer: b.op.srv.URL, ClientID: "bench"}, ClientSecret: "bench-secret",
	}); err != nil {
		return nil, err
	}
	handler, err = sso.New(sso.Params{Service: svc, Sealer: ring, BaseURL: b.srv.URL,
		Logger:     slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError})),
		HTTPClient: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}})
	if err != nil {
		return nil, err
	}
	mux.HandleFunc("GET /sso/start", handler.Start)
	mux.HandleFunc("GET /sso/saml/{c}/metadata", func(w http.ResponseWriter, r *http.Request) { handler.SAMLMetadata(w, r, r.PathValue("c")) })
	mux.HandleFunc("POST /sso/saml/{c}/acs", func(w http.ResponseWriter, r *http.Request) { handler.SAMLACS(w, r, r.PathValue("c")) })
	mux.HandleFunc("GET /sso/oidc/{c}/callback", func(w http.ResponseWriter, r *http.Request) { handler.OIDCCallback(w, r, r.PathValue("c")) })
	mux.HandleFunc("GET /api/v1/me", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusOK) })
	// The IdP encrypts to the SP key in the SP's metadata.
	if err := b.idp.learnSP(b.srv.URL, b.samlConn.ID); err != nil {
		return nil, err
	}
	return b, nil
}

func (b *bench) close() {
	b.srv.Close()
	b.op.srv.Close()
}

// line prints r as a row of the table, with its share of base and the
// target that share is held to.
func line(r loadtest.Result, base float64, target string) string {
	return fmt.Sprintf("%-58s %9.0f %8.2f %8.2f %7d %8s %s", r.Name, r.Rate(), r.Pct(0.50), r.Pct(0.99), r.Errors, r.Share(base), target)
}

// rawInsert is the database's yardstick: one-row INSERTs on a pool of
// its own.
type rawInsert struct {
	pool    *pgxpool.Pool
	clients int
	next    atomic.Int64
}

func newRawInsert(ctx context.Context, cfg config) (*rawInsert, error) {
	pcfg, err := pgxpool.ParseConfig(cfg.db)
	if err != nil {
		return nil, err
	}
	pcfg.MaxConns = int32(cfg.clients)
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, err
	}
	if _, err := pool.Exec(ctx, `DROP TABLE IF EXISTS ssobench_raw;
		CREATE TABLE ssobench_raw (id text PRIMARY KEY, user_id text NOT NULL, token_hash bytea NOT NULL, created_at timestamptz NOT NULL)`); err != nil {
		pool.Close()
		return nil, err
	}
	return &rawInsert{pool: pool, clients: cfg.clients}, nil
}

func (r *rawInsert) phase(d time.Duration) loadtest.Result {
	ctx := context.Background()
	return loadtest.For("raw INSERT (1 row)", r.clients, d, func(_, _ int) error {
		_, err := r.pool.Exec(ctx, `INSERT INTO ssobench_raw VALUES ($1, 'u', '\x00', now())`, fmt.Sprint(r.next.Add(1)))
		return err
	})
}

func (r *rawInsert) close(ctx context.Context) {
	_, _ = r.pool.Exec(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS ssobench_raw`)
	r.pool.Close()
}

// encode is a response as the browser posts it.
func encode(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
