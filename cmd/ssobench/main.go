// Command ssobench measures complete SSO sign-ins on a PostgreSQL database
// in one run on one machine, each beside its yardstick:
//
//   - the rate at which crewjam/saml alone validates the responses;
//   - SAML ACS handling: POST of an IdP-initiated, encrypted response to
//     the ACS (validation, replay record, JIT provisioning on first sight,
//     session), through idbridge's sso handler over HTTP;
//   - the raw single-row INSERT rate of the database;
//   - OIDC callback handling: state consumed, code redeemed at a local
//     OpenID provider, ID token verified, JIT, session.
//
// The IdP and the OpenID provider sign with keys made at start; responses
// are signed before the clock starts, so only our side is timed. It never
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
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/keyring"
	"github.com/idbridge/idbridge/accounts/postgres"
	"github.com/idbridge/idbridge/sso"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "ssobench:", err)
		os.Exit(1)
	}
}

type config struct {
	db        string
	clients   int
	responses int
	duration  time.Duration
}

func run() error {
	var cfg config
	flag.StringVar(&cfg.db, "db", "", "postgres:// URL of a scratch database")
	flag.IntVar(&cfg.clients, "clients", 16, "concurrent clients")
	flag.IntVar(&cfg.responses, "responses", 3000, "signed SAML responses (and OIDC sign-ins) per phase")
	flag.DurationVar(&cfg.duration, "duration", 5*time.Second, "how long the raw INSERT phase runs")
	flag.Parse()
	if cfg.db == "" {
		return fmt.Errorf("--db is required")
	}
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

	fmt.Fprintf(os.Stderr, "signing %d SAML responses…\n", cfg.responses)
	responses, err := env.idp.responses(cfg.responses, env.samlConn)
	if err != nil {
		return err
	}
	bare := env.bareValidation(responses, cfg.clients)
	acs := env.acs(responses, cfg.clients)
	raw, err := rawInsert(ctx, cfg)
	if err != nil {
		return err
	}
	callback := env.oidcCallbacks(cfg.responses, cfg.clients)

	fmt.Printf("%d clients, PostgreSQL\n\n", cfg.clients)
	fmt.Printf("%-44s %9s %8s %8s %7s %8s %s\n", "operation", "per s", "p50 ms", "p99 ms", "errors", "share", "target")
	fmt.Println(bare.line(0, ""))
	fmt.Println(acs.line(bare.rate(), "≥ 50% of bare validation, p99 ≤ 50 ms"))
	fmt.Println(raw.line(0, ""))
	fmt.Println(callback.line(raw.rate(), "≥ 30% of raw INSERT, p99 ≤ 50 ms"))
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

// result is one phase's outcome.
type result struct {
	name      string
	n, errors int64
	elapsed   time.Duration
	latencies []time.Duration
}

func (r result) rate() float64 { return float64(r.n) / r.elapsed.Seconds() }

func (r result) pct(p float64) float64 {
	if len(r.latencies) == 0 {
		return 0
	}
	return float64(r.latencies[int(p*float64(len(r.latencies)-1))].Microseconds()) / 1000
}

func (r result) line(base float64, target string) string {
	share := ""
	if base > 0 {
		share = fmt.Sprintf("%7.0f%%", 100*r.rate()/base)
	}
	return fmt.Sprintf("%-44s %9.0f %8.2f %8.2f %7d %8s %s", r.name, r.rate(), r.pct(0.50), r.pct(0.99), r.errors, share, target)
}

// phase runs op for items 0..n-1 from `clients` goroutines (or, with n
// <= 0, until d has passed) and collects latencies.
func phase(name string, clients, n int, d time.Duration, op func(worker, i int) error) result {
	var (
		mu        sync.Mutex // guards lats
		lats      []time.Duration
		done, bad atomic.Int64
		next      atomic.Int64
		wg        sync.WaitGroup
	)
	deadline := time.Now().Add(d)
	start := time.Now()
	for w := range clients {
		wg.Go(func() {
			var local []time.Duration
			for {
				i := int(next.Add(1) - 1)
				if (n > 0 && i >= n) || (n <= 0 && time.Now().After(deadline)) {
					break
				}
				t0 := time.Now()
				err := op(w, i)
				local = append(local, time.Since(t0))
				done.Add(1)
				if err != nil && bad.Add(1) == 1 {
					fmt.Fprintf(os.Stderr, "%s: first error: %v\n", name, err)
				}
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(lats)
	return result{name: name, n: done.Load(), errors: bad.Load(), elapsed: time.Since(start), latencies: lats}
}

func rawInsert(ctx context.Context, cfg config) (result, error) {
	pcfg, err := pgxpool.ParseConfig(cfg.db)
	if err != nil {
		return result{}, err
	}
	pcfg.MaxConns = int32(cfg.clients)
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return result{}, err
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `DROP TABLE IF EXISTS ssobench_raw;
		CREATE TABLE ssobench_raw (id text PRIMARY KEY, user_id text NOT NULL, token_hash bytea NOT NULL, created_at timestamptz NOT NULL)`); err != nil {
		return result{}, err
	}
	defer pool.Exec(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS ssobench_raw`)
	return phase("raw INSERT (1 row)", cfg.clients, 0, cfg.duration, func(w, i int) error {
		_, err := pool.Exec(ctx, `INSERT INTO ssobench_raw VALUES ($1, 'u', '\x00', now())`, fmt.Sprintf("%d-%d", w, i))
		return err
	}), nil
}

// encode is a response as the browser posts it.
func encode(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
