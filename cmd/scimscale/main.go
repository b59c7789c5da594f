// Command scimscale drives a running idbridge the way an identity
// provider's initial sync of a large team does, and the way many teams'
// IdPs push at once, and prints what a team would notice:
//
//   - the time to create N users over HTTP with C concurrent clients;
//   - filter (userName eq) and list (first page of 100) latency when the
//     team has 1,000 users and when it has N;
//   - with T more teams pushing creates at once (P clients each), each
//     team's throughput, Jain's fairness index over them, 5xx answers and
//     429s without Retry-After (clients honour Retry-After, as IdPs do);
//   - the server's peak resident memory (VmHWM of --server-pid).
//
// It creates the extra teams and their SCIM tokens in the database it is
// given, and never targets anything but the URLs it is given (loopback in
// `make bench-scim-scale`).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/postgres"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "scimscale:", err)
		os.Exit(1)
	}
}

type config struct {
	server      string
	token       string
	db          string
	serverPID   int
	users       int
	clients     int
	probe       time.Duration
	teams       int
	teamClients int
	fairFor     time.Duration
}

func run() error {
	var cfg config
	flag.StringVar(&cfg.server, "server", "", "idbridge base URL, e.g. http://127.0.0.1:8080")
	flag.StringVar(&cfg.token, "token", "", "SCIM bearer token of the team to sync")
	flag.StringVar(&cfg.db, "db", "", "postgres:// URL of the server's database (to create the fairness teams)")
	flag.IntVar(&cfg.serverPID, "server-pid", 0, "process id of the server, for its peak RSS")
	flag.IntVar(&cfg.users, "users", 100_000, "users in the initial sync")
	flag.IntVar(&cfg.clients, "clients", 16, "concurrent clients of the initial sync")
	flag.DurationVar(&cfg.probe, "probe", 3*time.Second, "how long each latency probe runs")
	flag.IntVar(&cfg.teams, "teams", 80, "teams pushing at once in the fairness phase")
	flag.IntVar(&cfg.teamClients, "team-clients", 2, "clients per team in the fairness phase")
	flag.DurationVar(&cfg.fairFor, "fair-duration", 15*time.Second, "how long the fairness phase runs")
	flag.Parse()
	if cfg.server == "" || cfg.token == "" || cfg.db == "" {
		return fmt.Errorf("--server, --token and --db are required")
	}
	ctx := context.Background()
	h := newHTTP(cfg.server, cfg.clients+cfg.teams*cfg.teamClients)
	run := time.Now().UnixNano()
	name := func(i int) string { return fmt.Sprintf("scale-%d-%d@scale.test", run, i) }

	small := min(1000, cfg.users)
	start := time.Now()
	if err := h.sync(ctx, cfg.token, name, 0, small, cfg.clients); err != nil {
		return err
	}
	smallAt := time.Since(start)
	atSmall := h.probes(ctx, cfg, name, small)
	pause := time.Now()
	if err := h.sync(ctx, cfg.token, name, small, cfg.users, cfg.clients); err != nil {
		return err
	}
	elapsed := smallAt + time.Since(pause)
	atLarge := h.probes(ctx, cfg, name, cfg.users)
	// Right after a bulk load the visibility map is unset and counts read
	// the heap; autovacuum sets it minutes later. Measure that state too.
	if err := vacuum(ctx, cfg.db); err != nil {
		return err
	}
	vacuumed := h.probes(ctx, cfg, name, cfg.users)
	for i := range vacuumed {
		vacuumed[i].name += ", vacuumed"
	}
	atSmall = append(atSmall, atSmall...)
	atLarge = append(atLarge, vacuumed...)

	fmt.Printf("initial sync: %d users, %d clients: %.1f s (%.0f users/s), %d non-201 answers\n\n",
		cfg.users, cfg.clients, elapsed.Seconds(), float64(cfg.users)/elapsed.Seconds(), h.failed.Load())
	fmt.Printf("%-34s %10s %10s %10s %10s %8s %8s\n", "probe", "p50 @1k", "p99 @1k", "p50 @"+short(cfg.users), "p99 @"+short(cfg.users), "p50 Δ", "p99 Δ")
	for i := range atSmall {
		a, b := atSmall[i], atLarge[i]
		fmt.Printf("%-34s %8.2fms %8.2fms %8.2fms %8.2fms %+7.0f%% %+7.0f%%\n", b.name,
			a.pct(0.5), a.pct(0.99), b.pct(0.5), b.pct(0.99),
			100*(b.pct(0.5)/a.pct(0.5)-1), 100*(b.pct(0.99)/a.pct(0.99)-1))
	}

	fair, err := h.fairness(ctx, cfg)
	if err != nil {
		return err
	}
	fmt.Println()
	fmt.Println(fair)
	if cfg.serverPID > 0 {
		hwm, err := peakRSS(cfg.serverPID)
		if err != nil {
			return err
		}
		fmt.Printf("server peak RSS (VmHWM): %.0f MiB\n", float64(hwm)/1024)
	}
	return nil
}

func short(n int) string {
	if n%1000 == 0 {
		return strconv.Itoa(n/1000) + "k"
	}
	return strconv.Itoa(n)
}

// peakRSS reads VmHWM, in KiB, of a process.
func peakRSS(pid int) (int, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			return strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(rest), " kB"))
		}
	}
	return 0, fmt.Errorf("no VmHWM in /proc/%d/status", pid)
}

// client is the HTTP side: one connection pool for every phase.
type client struct {
	base   string
	http   *http.Client
	failed atomic.Int64 // answers other than the expected in the sync
}

func newHTTP(base string, conns int) *client {
	return &client{base: base, http: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{MaxIdleConnsPerHost: conns, MaxConnsPerHost: conns},
	}}
}

// answer is what a call saw.
type answer struct {
	status     int
	retryAfter string
	body       []byte
}

func (c *client) do(ctx context.Context, token, method, path, body string) (answer, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+"/scim/v2"+path, strings.NewReader(body))
	if err != nil {
		return answer{}, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/scim+json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return answer{status: resp.StatusCode, retryAfter: resp.Header.Get("Retry-After"), body: b}, err
}

func userBody(userName string, i int) string {
	return fmt.Sprintf(`{"schemas":["urn:ietf:params:scim:schemas:core:2.0:User"],"userName":%q,"externalId":"ext-%d",
		"name":{"givenName":"Scale","familyName":"User %d"},"emails":[{"value":%q,"type":"work","primary":true}],"active":true}`,
		userName, i, i, userName)
}

// create posts one user, honouring 429 + Retry-After as an IdP does. It
// returns the answers it got on the way.
func (c *client) create(ctx context.Context, token, userName string, i int) ([]answer, error) {
	var seen []answer
	for {
		a, err := c.do(ctx, token, http.MethodPost, "/Users", userBody(userName, i))
		if err != nil {
			return seen, err
		}
		seen = append(seen, a)
		if a.status != http.StatusTooManyRequests {
			return seen, nil
		}
		wait, err := strconv.Atoi(a.retryAfter)
		if err != nil || wait <= 0 {
			wait = 1
		}
		time.Sleep(time.Duration(wait) * time.Second)
	}
}

// sync creates users [from, to) with n clients.
func (c *client) sync(ctx context.Context, token string, name func(int) string, from, to, n int) error {
	var next atomic.Int64
	next.Store(int64(from))
	var wg sync.WaitGroup
	var first atomic.Value
	for range n {
		wg.Go(func() {
			for {
				i := int(next.Add(1) - 1)
				if i >= to {
					return
				}
				seen, err := c.create(ctx, token, name(i), i)
				if err == nil && seen[len(seen)-1].status != http.StatusCreated {
					err = fmt.Errorf("POST /Users: %d %s", seen[len(seen)-1].status, seen[len(seen)-1].body)
				}
				if err != nil {
					c.failed.Add(1)
					first.CompareAndSwap(nil, err)
				}
			}
		})
	}
	wg.Wait()
	if err, ok := first.Load().(error); ok && c.failed.Load() > int64(to-from)/100 {
		return fmt.Errorf("sync: %d failures, first: %w", c.failed.Load(), err)
	}
	return nil
}

// latencies of one probe.
type latencies struct {
	name string
	d    []time.Duration
}

func (l latencies) pct(p float64) float64 {
	if len(l.d) == 0 {
		return 0
	}
	return float64(l.d[int(p*float64(len(l.d)-1))].Microseconds()) / 1000
}

// probes measures filter and list latency with the team at size users.
func (c *client) probes(ctx context.Context, cfg config, name func(int) string, size int) []latencies {
	filter := c.probe(ctx, cfg, "filter userName eq", func(r *rand.Rand) (string, func(answer) error) {
		q := "/Users?filter=" + url.QueryEscape(fmt.Sprintf(`userName eq %q`, name(r.IntN(size))))
		return q, func(a answer) error {
			var out struct {
				TotalResults int `json:"totalResults"`
			}
			if err := json.Unmarshal(a.body, &out); err != nil || out.TotalResults != 1 {
				return fmt.Errorf("filter: %d %s", a.status, a.body)
			}
			return nil
		}
	})
	list := c.probe(ctx, cfg, "list first page (100)", func(*rand.Rand) (string, func(answer) error) {
		return "/Users?startIndex=1&count=100", func(a answer) error {
			var out struct {
				TotalResults int               `json:"totalResults"`
				Resources    []json.RawMessage `json:"Resources"`
			}
			if err := json.Unmarshal(a.body, &out); err != nil || out.TotalResults < size || len(out.Resources) != 100 {
				return fmt.Errorf("list: %d %.200s", a.status, a.body)
			}
			return nil
		}
	})
	return []latencies{filter, list}
}

func (c *client) probe(ctx context.Context, cfg config, name string, req func(*rand.Rand) (string, func(answer) error)) latencies {
	var mu sync.Mutex
	var all []time.Duration
	deadline := time.Now().Add(cfg.probe)
	var wg sync.WaitGroup
	for w := range cfg.clients {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(w), 1))
			var local []time.Duration
			for time.Now().Before(deadline) {
				path, check := req(r)
				t0 := time.Now()
				a, err := c.do(ctx, cfg.token, http.MethodGet, path, "")
				local = append(local, time.Since(t0))
				if err == nil && a.status != http.StatusOK {
					err = fmt.Errorf("%s: %d %s", path, a.status, a.body)
				}
				if err == nil {
					err = check(a)
				}
				if err != nil {
					fmt.Fprintln(os.Stderr, name+":", err)
					return
				}
			}
			mu.Lock()
			all = append(all, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(all)
	return latencies{name: name, d: all}
}

// fairness runs teams × teamClients creators at once and reports each
// team's throughput.
func (c *client) fairness(ctx context.Context, cfg config) (string, error) {
	tokens, err := teamTokens(ctx, cfg)
	if err != nil {
		return "", err
	}
	created := make([]atomic.Int64, len(tokens))
	var fivexx, tooMany, noRetryAfter, other atomic.Int64
	deadline := time.Now().Add(cfg.fairFor)
	start := time.Now()
	var wg sync.WaitGroup
	for t, token := range tokens {
		for k := range cfg.teamClients {
			wg.Go(func() {
				for i := 0; time.Now().Before(deadline); i++ {
					seen, err := c.create(ctx, token, fmt.Sprintf("fair-%d-%d-%d@fair.test", t, k, i), i)
					for _, a := range seen {
						switch {
						case a.status >= 500:
							fivexx.Add(1)
						case a.status == http.StatusTooManyRequests:
							tooMany.Add(1)
							if a.retryAfter == "" {
								noRetryAfter.Add(1)
							}
						case a.status == http.StatusCreated:
							created[t].Add(1)
						default:
							other.Add(1)
						}
					}
					if err != nil {
						other.Add(1)
					}
				}
			})
		}
	}
	wg.Wait()
	secs := time.Since(start).Seconds()
	rates := make([]float64, len(tokens))
	var sum, sumSq, total float64
	for i := range created {
		rates[i] = float64(created[i].Load()) / secs
		sum += rates[i]
		sumSq += rates[i] * rates[i]
		total += float64(created[i].Load())
	}
	slices.Sort(rates)
	jain := 0.0
	if sumSq > 0 {
		jain = sum * sum / (float64(len(rates)) * sumSq)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "fairness: %d teams × %d clients creating for %.0f s: %.0f creates/s in all\n", len(tokens), cfg.teamClients, secs, total/secs)
	fmt.Fprintf(&b, "  per-team creates/s min %.1f, median %.1f, max %.1f; Jain's index %.3f\n",
		rates[0], rates[len(rates)/2], rates[len(rates)-1], jain)
	fmt.Fprintf(&b, "  5xx: %d; 429: %d (without Retry-After: %d); other non-201: %d", fivexx.Load(), tooMany.Load(), noRetryAfter.Load(), other.Load())
	return b.String(), nil
}

// vacuum does what autovacuum does some minutes after a bulk load.
func vacuum(ctx context.Context, db string) error {
	st, err := postgres.Open(ctx, db)
	if err != nil {
		return err
	}
	defer st.Close()
	_, err = st.Pool().Exec(ctx, `VACUUM (ANALYZE) scim_users`)
	return err
}

// teamTokens creates the fairness phase's enterprise teams and a SCIM
// token for each, through the service as the CLI would.
func teamTokens(ctx context.Context, cfg config) ([]string, error) {
	st, err := postgres.Open(ctx, cfg.db)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	svc, err := accounts.NewService(accounts.ServiceParams{Store: st, BaseURL: "http://127.0.0.1"})
	if err != nil {
		return nil, err
	}
	actor := accounts.Actor{Kind: accounts.ActorSystem, ID: "scimscale"}
	suffix := strconv.FormatInt(time.Now().UnixNano()%1e9, 36)
	tokens := make([]string, cfg.teams)
	for i := range tokens {
		team, err := svc.CreateTeam(ctx, accounts.CreateTeamInput{Slug: fmt.Sprintf("fair-%s-%d", suffix, i),
			Name: fmt.Sprintf("Fair %d", i), Plan: accounts.PlanEnterprise, Actor: actor})
		if err != nil {
			return nil, err
		}
		if tokens[i], _, err = svc.CreateSCIMToken(ctx, accounts.CreateSCIMTokenInput{TeamID: team.ID, Name: "scale", Actor: actor}); err != nil {
			return nil, err
		}
	}
	return tokens, nil
}
