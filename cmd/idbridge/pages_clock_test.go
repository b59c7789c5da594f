package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
	"github.com/pquerna/otp/totp"
)

// testClock is the service's clock, moved by the test.
type testClock struct {
	mu  sync.Mutex // guards now
	now time.Time
}

func (c *testClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *testClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// startClockServer serves the real handler on a loopback port with a
// service whose clock the test controls, for rules about elapsed time.
func startClockServer(t *testing.T) (*client, *testClock) {
	t.Helper()
	db := "sqlite:" + filepath.Join(t.TempDir(), "clock.db")
	quiet := cli{getenv: func(string) string { return "" }, stdin: nil, stdout: io.Discard, stderr: io.Discard}
	cfg, err := serveFlags(quiet, []string{"--encryption-keys", testKeys(t), "--db", db, "--captcha", "off"})
	if err != nil {
		t.Fatal(err)
	}
	ring, err := cfg.keyRing()
	if err != nil {
		t.Fatal(err)
	}
	st, err := openMigrated(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	clock := &testClock{now: time.Now()}
	svc, err := accounts.NewService(accounts.ServiceParams{Store: st, Sealer: ring, BaseURL: cfg.BaseURL, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(t.Output(), nil))
	built, err := newServer(serverParams{cfg: cfg, log: log, service: svc, store: st, metrics: newMetrics(), ring: ring})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(built.handler)
	t.Cleanup(srv.Close)
	return pageClient(t, srv.URL), clock
}

func TestSensitiveChangesOnAnOldSessionAskForThePasswordAgain(t *testing.T) {
	c, clock := startClockServer(t)
	c.postForm("/signup", signUpForm("bob", "bob@example.com"))
	body := wantPage(t, c.postForm("/settings/2fa/setup", url.Values{"password": {"correct horse battery"}}), http.StatusOK, "scan it?")
	secret := secretOnPage.FindStringSubmatch(body)[1]

	clock.Advance(20 * time.Minute) // past the 15-minute re-auth window
	code := func() string {
		s, err := totp.GenerateCode(secret, clock.Now())
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	wantPage(t, c.postForm("/settings/2fa/enable", url.Values{"code": {code()}}), http.StatusUnauthorized,
		"Confirm it&#39;s you", `action="/settings/reauth"`, `name="return_to" value="/settings/account"`)
	wantPage(t, c.postForm("/settings/reauth", url.Values{"password": {"not it at all"}, "return_to": {"//evil.example"}}),
		http.StatusUnauthorized, "That password is not right.")
	wantRedirect(t, c.postForm("/settings/reauth", url.Values{"password": {"correct horse battery"}, "return_to": {"//evil.example"}}),
		"/settings/account")
	wantPage(t, c.postForm("/settings/2fa/enable", url.Values{"code": {code()}}), http.StatusOK, "Two-factor authentication is on")
}

func TestAnIdleSessionEndsWithAWayOut(t *testing.T) {
	c, clock := startClockServer(t)
	c.postForm("/signup", signUpForm("bob", "bob@example.com"))
	wantPage(t, c.get("/settings/sessions"), http.StatusOK, "This device")

	clock.Advance(9 * time.Hour) // past the 8-hour idle limit
	wantPage(t, c.get("/settings/sessions"), http.StatusUnauthorized, "Your session has ended",
		`href="/signin?return_to=%2fsettings%2fsessions"`, "Sign out everywhere")
	// The cookie is gone: the next visit goes straight to sign-in.
	wantRedirect(t, c.get("/settings/sessions"), "/signin?return_to=%2Fsettings%2Fsessions")
	wantRedirect(t, c.postForm("/signin", url.Values{"login": {"bob"}, "password": {"correct horse battery"},
		"return_to": {"/settings/sessions"}}), "/settings/sessions")
	wantPage(t, c.get("/settings/sessions"), http.StatusOK, "This device")
}
