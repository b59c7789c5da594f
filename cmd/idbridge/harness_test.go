package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts/keyring"
	"github.com/idbridge/idbridge/accounts/postgres/pgtest"
)

// backends are the databases every end-to-end test runs against.
func backends() []struct {
	name string
	db   func(t *testing.T) string
} {
	return []struct {
		name string
		db   func(t *testing.T) string
	}{
		{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "idbridge.db") }},
		{"postgres", func(t *testing.T) string { return pgtest.EmptyURL(t) }},
	}
}

// eachBackend runs fn once per store as parallel subtests.
func eachBackend(t *testing.T, fn func(t *testing.T, db string)) {
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			fn(t, b.db(t))
		})
	}
}

type cliResult struct {
	code   int
	stdout string
	stderr string
}

// idbridge runs the CLI in-process, exactly as main does.
func idbridge(t *testing.T, env map[string]string, stdin string, args ...string) cliResult {
	t.Helper()
	var out, errOut bytes.Buffer
	code := run(t.Context(), append([]string{"idbridge"}, args...), func(k string) string { return env[k] },
		strings.NewReader(stdin), &out, &errOut)
	return cliResult{code, out.String(), errOut.String()}
}

// mustRun runs the CLI and fails the test unless it exits 0.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	r := idbridge(t, nil, "", args...)
	if r.code != 0 {
		t.Fatalf("idbridge %s: exit %d, stderr %q", strings.Join(args, " "), r.code, r.stderr)
	}
	return r.stdout
}

// server is an idbridge serve process running in this test.
type server struct {
	url    string
	stop   context.CancelFunc
	done   chan int
	stderr *syncBuffer
}

type syncBuffer struct {
	mu  sync.Mutex // guards buf
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func testKeys(t *testing.T) string {
	spec, err := keyring.Generate(rand.Reader, "test")
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

var listenLine = regexp.MustCompile(`listening on (http://\S+)`)

// startServer runs `idbridge serve` on a free loopback port until the test
// ends (or stop is called) and returns once it accepts requests. The
// proof-of-work check is off unless extra says "--captcha on": most tests
// are trusted automation.
func startServer(t *testing.T, db string, extra ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &server{stop: cancel, done: make(chan int, 1), stderr: &syncBuffer{}}
	args := append([]string{"idbridge", "serve", "--addr", "127.0.0.1:0", "--base-url", "http://127.0.0.1:8080",
		"--db", db, "--log-format", "text", "--captcha", "off"}, extra...)
	env := map[string]string{"IDBRIDGE_ENCRYPTION_KEYS": testKeys(t)}
	go func() {
		code := run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(""), pw, s.stderr)
		pw.Close()
		s.done <- code
	}()
	lines := bufio.NewScanner(pr)
	for lines.Scan() {
		if m := listenLine.FindStringSubmatch(lines.Text()); m != nil {
			s.url = m[1]
			break
		}
	}
	go io.Copy(io.Discard, pr)
	if s.url == "" {
		cancel()
		t.Fatalf("server did not start: exit %d, stderr:\n%s", <-s.done, s.stderr.String())
	}
	t.Cleanup(func() { s.shutdown(t) })
	return s
}

// shutdown stops the server as SIGTERM would and checks it exits cleanly.
func (s *server) shutdown(t *testing.T) {
	t.Helper()
	if s.done == nil {
		return
	}
	s.stop()
	select {
	case code := <-s.done:
		if code != 0 {
			t.Errorf("server exited %d; stderr:\n%s", code, s.stderr.String())
		}
	case <-time.After(30 * time.Second):
		t.Error("server did not stop within 30s")
	}
	s.done = nil
}

// client is a browser-like HTTP client with a cookie jar.
type client struct {
	t    *testing.T
	base string
	http *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// json decodes the body into a map for assertions.
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("body is not a JSON object: %v: %s", err, r.body)
	}
	return m
}

func (c *client) do(method, path, contentType, body string, headers ...string) response {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := c.http.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

func (c *client) postJSON(path, body string) response {
	c.t.Helper()
	return c.do(http.MethodPost, path, "application/json", body)
}

func (c *client) get(path string) response {
	c.t.Helper()
	return c.do(http.MethodGet, path, "", "")
}

// wantProblem checks a problem+json answer's status and code.
func wantProblem(t *testing.T, r response, status int, code string) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("Content-Type %q, want application/problem+json", ct)
	}
	p := r.json(t)
	if p["code"] != code || p["status"] != float64(status) || p["detail"] == "" || p["type"] != "/problems/"+code {
		t.Fatalf("problem %v, want code %q", p, code)
	}
	return p
}

func mustParseURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}
