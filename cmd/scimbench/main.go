// Command scimbench measures idbridge's SCIM endpoint against the raw
// ceiling of the database under it, in one run on one machine: first
// single-row INSERT, indexed SELECT and UPDATE by id straight through pgx
// with N connections, then POST /Users, GET /Users?filter=userName eq and
// PATCH active=false through a running server with N concurrent clients.
// It prints rates, latency percentiles, errors and each SCIM rate as a
// share of its raw counterpart. It never targets anything but the URLs it
// is given (loopback in `make bench-scim`).
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/idbridge/idbridge/cmd/internal/loadtest"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "scimbench:", err)
		os.Exit(1)
	}
}

type config struct {
	server   string
	token    string
	db       string
	clients  int
	duration time.Duration
}

func run() error {
	var cfg config
	flag.StringVar(&cfg.server, "server", "", "idbridge base URL, e.g. http://127.0.0.1:8080")
	flag.StringVar(&cfg.token, "token", "", "SCIM bearer token")
	flag.StringVar(&cfg.db, "db", "", "postgres:// URL of the database the server uses (for the raw ceiling)")
	flag.IntVar(&cfg.clients, "clients", 16, "concurrent clients and database connections")
	flag.DurationVar(&cfg.duration, "duration", 10*time.Second, "how long each phase runs")
	flag.Parse()
	if cfg.server == "" || cfg.token == "" || cfg.db == "" {
		return fmt.Errorf("--server, --token and --db are required")
	}
	ctx := context.Background()
	raw, err := rawCeiling(ctx, cfg)
	if err != nil {
		return fmt.Errorf("raw ceiling: %w", err)
	}
	scim, err := scimRates(ctx, cfg)
	if err != nil {
		return fmt.Errorf("scim: %w", err)
	}
	fmt.Printf("%d clients, %s per phase\n\n", cfg.clients, cfg.duration)
	fmt.Printf("%-34s %10s %9s %9s %7s %8s\n", "operation", "req/s", "p50 ms", "p99 ms", "errors", "of raw")
	for i := range raw {
		fmt.Println(line(raw[i], 0))
		fmt.Println(line(scim[i], raw[i].Rate()))
	}
	return nil
}

// line prints r as a row of the table, with its share of base.
func line(r loadtest.Result, base float64) string {
	return fmt.Sprintf("%-34s %10.0f %9.2f %9.2f %7d %8s", r.Name, r.Rate(), r.Pct(0.50), r.Pct(0.99), r.Errors, r.Share(base))
}

// rawCeiling measures what the database does with no application in front:
// one statement per operation on a scratch table shaped like scim_users.
func rawCeiling(ctx context.Context, cfg config) ([]loadtest.Result, error) {
	pcfg, err := pgxpool.ParseConfig(cfg.db)
	if err != nil {
		return nil, err
	}
	pcfg.MaxConns = int32(cfg.clients)
	pool, err := pgxpool.NewWithConfig(ctx, pcfg)
	if err != nil {
		return nil, err
	}
	defer pool.Close()
	if _, err := pool.Exec(ctx, `
		DROP TABLE IF EXISTS scimbench_raw;
		CREATE TABLE scimbench_raw (id text PRIMARY KEY, team_id text NOT NULL, user_name_key text NOT NULL,
			active boolean NOT NULL, document jsonb NOT NULL, UNIQUE (team_id, user_name_key))`); err != nil {
		return nil, err
	}
	defer pool.Exec(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS scimbench_raw`)
	key := func(w, i int) string { return fmt.Sprintf("raw-%d-%d", w, i) }
	var maxI sync.Map // worker → rows inserted
	ins := loadtest.For("raw INSERT (1 row)", cfg.clients, cfg.duration, func(w, i int) error {
		_, err := pool.Exec(ctx, `INSERT INTO scimbench_raw VALUES ($1, 't', $1, true, '{"userName":"x"}')`, key(w, i))
		maxI.Store(w, i+1)
		return err
	})
	rows := func(w, i int) string {
		v, _ := maxI.Load(w)
		n, _ := v.(int)
		if n == 0 {
			n = 1
		}
		return key(w, i%n)
	}
	sel := loadtest.For("raw SELECT by indexed key", cfg.clients, cfg.duration, func(w, i int) error {
		var doc []byte
		return pool.QueryRow(ctx, `SELECT document FROM scimbench_raw WHERE team_id = 't' AND user_name_key = $1`, rows(w, i)).Scan(&doc)
	})
	upd := loadtest.For("raw UPDATE by id", cfg.clients, cfg.duration, func(w, i int) error {
		_, err := pool.Exec(ctx, `UPDATE scimbench_raw SET active = false WHERE id = $1`, rows(w, i))
		return err
	})
	return []loadtest.Result{ins, sel, upd}, nil
}

// scimRates drives the server the way an identity provider's initial sync
// and lifecycle pushes do.
func scimRates(ctx context.Context, cfg config) ([]loadtest.Result, error) {
	client := &http.Client{
		Timeout:   10 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: cfg.clients, MaxConnsPerHost: cfg.clients},
	}
	run := time.Now().UnixNano()
	userName := func(w, i int) string { return fmt.Sprintf("bench-%d-%d-%d@bench.test", run, w, i) }
	var idsMu sync.Mutex // guards ids
	ids := map[int][]string{}
	create := loadtest.For("SCIM POST /Users", cfg.clients, cfg.duration, func(w, i int) error {
		body := fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"externalId":"ext-%d-%d",
			"name":{"givenName":"Bench","familyName":"User"},"emails":[{"value":%q,"type":"work","primary":true}],"active":true}`,
			userName(w, i), w, i, userName(w, i))
		var out struct {
			ID string `json:"id"`
		}
		if err := call(ctx, client, cfg, http.MethodPost, "/Users", body, http.StatusCreated, &out); err != nil {
			return err
		}
		idsMu.Lock()
		ids[w] = append(ids[w], out.ID)
		idsMu.Unlock()
		return nil
	})
	pick := func(w, i int) (int, string) {
		idsMu.Lock()
		defer idsMu.Unlock()
		list := ids[w]
		if len(list) == 0 {
			return 0, ""
		}
		return i % len(list), list[i%len(list)]
	}
	filter := loadtest.For(`SCIM GET /Users?filter=userName eq`, cfg.clients, cfg.duration, func(w, i int) error {
		j, _ := pick(w, i)
		q := "/Users?filter=" + url.QueryEscape(fmt.Sprintf(`userName eq %q`, userName(w, j)))
		var out struct {
			TotalResults int `json:"totalResults"`
		}
		if err := call(ctx, client, cfg, http.MethodGet, q, "", http.StatusOK, &out); err != nil {
			return err
		}
		if out.TotalResults != 1 {
			return fmt.Errorf("filter found %d users, want 1", out.TotalResults)
		}
		return nil
	})
	deactivate := loadtest.For("SCIM PATCH active=false", cfg.clients, cfg.duration, func(w, i int) error {
		_, id := pick(w, i)
		body := `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","path":"active","value":false}]}`
		return call(ctx, client, cfg, http.MethodPatch, "/Users/"+id, body, http.StatusOK, nil)
	})
	return []loadtest.Result{create, filter, deactivate}, nil
}

func call(ctx context.Context, client *http.Client, cfg config, method, path, body string, want int, out any) error {
	req, err := http.NewRequestWithContext(ctx, method, cfg.server+"/scim/v2"+path, bytes.NewBufferString(body))
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+cfg.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != want {
		return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
	}
	if out != nil {
		return json.Unmarshal(b, out)
	}
	return nil
}
