package main

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	altcha "github.com/altcha-org/altcha-lib-go"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"

	"github.com/idbridge/idbridge/accounts/mailer/mailtest"
)

const carolSignUp = `{"username":"carol","email":"carol@example.com","password":"correct horse battery"}`

// startMailServer runs a server whose mail goes to an in-process SMTP
// server; the base URL is deliberately not the address the server listens
// on, so links prove they come from --base-url, never from Host.
func startMailServer(t *testing.T, db string, extra ...string) (*server, *mailtest.Server) {
	t.Helper()
	smtpSrv := mailtest.Start(t)
	args := append([]string{"--smtp-url", smtpSrv.URL(), "--mail-from", "idbridge <no-reply@example.com>",
		"--outbox-interval", "50ms"}, extra...)
	return startServer(t, db, args...), smtpSrv
}

var mailLink = regexp.MustCompile(`http://127\.0\.0\.1:8080(/[a-z-]+)\?token=([A-Za-z0-9_%-]+)`)

// linkIn returns the page path and token of the base-URL link in a mail.
func linkIn(t *testing.T, m mailtest.Message) (string, string) {
	t.Helper()
	match := mailLink.FindStringSubmatch(m.Body)
	if match == nil {
		t.Fatalf("no link under the base URL in %q", m.Body)
	}
	return match[1], match[2]
}

func totpCode(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// signedUp signs carol up and in on a fresh client.
func signedUp(t *testing.T, srv *server) *client {
	t.Helper()
	c := newClient(t, srv.url)
	if r := c.postJSON("/api/v1/signup", carolSignUp); r.status != http.StatusCreated {
		t.Fatalf("signup: %d %s", r.status, r.body)
	}
	return signIn(t, srv, "correct horse battery")
}

func signIn(t *testing.T, srv *server, password string) *client {
	t.Helper()
	c := newClient(t, srv.url)
	r := c.postJSON("/api/v1/signin", `{"login":"carol","password":"`+password+`"}`)
	if r.status != http.StatusOK {
		t.Fatalf("signin: %d %s", r.status, r.body)
	}
	return c
}

func (c *client) putJSON(path, body string) response {
	c.t.Helper()
	return c.do(http.MethodPut, path, "application/json", body)
}

func wantStatus(t *testing.T, r response, status int) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if len(r.body) == 0 {
		return nil
	}
	return r.json(t)
}

func TestTwoFactorSignInOverHTTP(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		c := signedUp(t, srv)
		other := signIn(t, srv, "correct horse battery")

		wantProblem(t, c.postJSON("/api/v1/me/mfa/totp/setup", `{"password":"nope"}`), http.StatusUnauthorized, "invalid_credentials")
		setup := wantStatus(t, c.postJSON("/api/v1/me/mfa/totp/setup", `{"password":"correct horse battery"}`), http.StatusOK)
		secret, _ := setup["secret"].(string)
		if uri, _ := setup["otpauth_uri"].(string); !strings.HasPrefix(uri, "otpauth://totp/") || !strings.Contains(uri, "secret="+secret) {
			t.Fatalf("setup %v", setup)
		}
		wantProblem(t, c.postJSON("/api/v1/me/mfa/totp/enable", `{"code":"000000"}`), http.StatusUnauthorized, "invalid_code")
		before := currentToken(t, c)
		// Codes are taken from steps that only move forward: the previous
		// step to enable, the current one to sign in, the next to disable.
		r := c.postJSON("/api/v1/me/mfa/totp/enable", `{"code":"`+totpCode(t, secret, time.Now().Add(-30*time.Second))+`"}`)
		codes, _ := wantStatus(t, r, http.StatusOK)["recovery_codes"].([]any)
		if len(codes) != 10 {
			t.Fatalf("recovery codes %v", codes)
		}
		if currentToken(t, c) == before {
			t.Fatal("enabling 2FA did not rotate the session cookie")
		}
		wantStatus(t, c.get("/api/v1/me"), http.StatusOK)
		wantProblem(t, other.get("/api/v1/me"), http.StatusUnauthorized, "session_expired")
		stale := newClient(t, srv.url)
		wantProblem(t, stale.do(http.MethodGet, "/api/v1/me", "", "", "Cookie", "idbridge_session="+before), http.StatusUnauthorized, "session_expired")

		// Sign in again: a second step and no cookie until it is done.
		b := newClient(t, srv.url)
		r = b.postJSON("/api/v1/signin", `{"login":"carol@example.com","password":"correct horse battery"}`)
		step := wantStatus(t, r, http.StatusOK)
		token, _ := step["mfa_token"].(string)
		if step["mfa_required"] != true || len(token) < 43 || strings.Contains(r.header.Get("Set-Cookie"), "idbridge_session") {
			t.Fatalf("first step %v, Set-Cookie %q", step, r.header.Get("Set-Cookie"))
		}
		wantProblem(t, b.postJSON("/api/v1/signin/mfa", `{"mfa_token":"`+token+`","code":"000000"}`), http.StatusUnauthorized, "invalid_code")
		code := totpCode(t, secret, time.Now())
		r = b.postJSON("/api/v1/signin/mfa", `{"mfa_token":"`+token+`","code":"`+code+`"}`)
		wantStatus(t, r, http.StatusOK)
		sessionCookie(t, r)
		wantStatus(t, b.get("/api/v1/me"), http.StatusOK)
		wantProblem(t, b.postJSON("/api/v1/signin/mfa", `{"mfa_token":"`+token+`","code":"`+code+`"}`), http.StatusUnauthorized, "mfa_attempt_ended")

		// A recovery code, once.
		rc := codes[0].(string)
		for i, want := range []int{http.StatusOK, http.StatusUnauthorized} {
			d := newClient(t, srv.url)
			tok := wantStatus(t, d.postJSON("/api/v1/signin", `{"login":"carol","password":"correct horse battery"}`), http.StatusOK)["mfa_token"].(string)
			if r := d.postJSON("/api/v1/signin/mfa", `{"mfa_token":"`+tok+`","recovery_code":"`+rc+`"}`); r.status != want {
				t.Fatalf("recovery code use %d: %d %s", i+1, r.status, r.body)
			}
		}

		// Five wrong codes end the attempt, even with the right code next.
		e := newClient(t, srv.url)
		tok := wantStatus(t, e.postJSON("/api/v1/signin", `{"login":"carol","password":"correct horse battery"}`), http.StatusOK)["mfa_token"].(string)
		for range 5 {
			wantProblem(t, e.postJSON("/api/v1/signin/mfa", `{"mfa_token":"`+tok+`","code":"111111"}`), http.StatusUnauthorized, "invalid_code")
		}
		wantProblem(t, e.postJSON("/api/v1/signin/mfa", `{"mfa_token":"`+tok+`","code":"`+totpCode(t, secret, time.Now().Add(60*time.Second))+`"}`), http.StatusUnauthorized, "mfa_attempt_ended")

		// The inbox heard about it.
		inbox := wantStatus(t, b.get("/api/v1/me/inbox"), http.StatusOK)
		if inbox["unread"].(float64) < 2 {
			t.Fatalf("inbox %v: want the 2FA and recovery-code notices", inbox)
		}
		regen := wantStatus(t, b.postJSON("/api/v1/me/mfa/recovery-codes", `{"password":"correct horse battery"}`), http.StatusOK)
		if fresh, _ := regen["recovery_codes"].([]any); len(fresh) != 10 || fresh[0] == codes[1] {
			t.Fatalf("regenerated %v", regen)
		}
		wantProblem(t, b.postJSON("/api/v1/me/mfa/totp/disable", `{"password":"correct horse battery","code":"123456"}`), http.StatusUnauthorized, "invalid_code")
		r = b.postJSON("/api/v1/me/mfa/totp/disable", `{"password":"correct horse battery","code":"`+totpCode(t, secret, time.Now().Add(30*time.Second))+`"}`)
		wantStatus(t, r, http.StatusNoContent)
		r = newClient(t, srv.url).postJSON("/api/v1/signin", `{"login":"carol","password":"correct horse battery"}`)
		if wantStatus(t, r, http.StatusOK)["mfa_required"] != nil {
			t.Fatalf("sign-in still asks for a code after disable: %s", r.body)
		}
	})
}

func TestPasswordResetByMailedLink(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv, mail := startMailServer(t, db)
		c := signedUp(t, srv)
		_, verifyTok := linkIn(t, mail.WaitFor(t, "carol@example.com", "Confirm your email address"))

		anon := newClient(t, srv.url)
		known := anon.postJSON("/api/v1/password-reset", `{"email":"Carol@Example.com"}`)
		unknown := anon.postJSON("/api/v1/password-reset", `{"email":"nobody@example.com"}`)
		if known.status != http.StatusAccepted || unknown.status != known.status || string(known.body) != string(unknown.body) {
			t.Fatalf("known %d %s, unknown %d %s: want the same answer", known.status, known.body, unknown.status, unknown.body)
		}
		path, token := linkIn(t, mail.WaitFor(t, "carol@example.com", "Reset your password"))
		if path != "/reset-password" {
			t.Fatalf("reset link path %s", path)
		}
		wantProblem(t, anon.postJSON("/api/v1/password-reset/confirm", `{"token":"`+token+`","new_password":"short"}`), http.StatusBadRequest, "weak_password")
		wantStatus(t, anon.postJSON("/api/v1/password-reset/confirm", `{"token":"`+token+`","new_password":"a fresh new passphrase"}`), http.StatusNoContent)
		wantProblem(t, anon.postJSON("/api/v1/password-reset/confirm", `{"token":"`+token+`","new_password":"another passphrase"}`), http.StatusBadRequest, "invalid_token")
		wantProblem(t, c.get("/api/v1/me"), http.StatusUnauthorized, "session_expired")
		wantProblem(t, anon.postJSON("/api/v1/signin", `{"login":"carol","password":"correct horse battery"}`), http.StatusUnauthorized, "invalid_credentials")
		signIn(t, srv, "a fresh new passphrase")
		mail.WaitFor(t, "carol@example.com", "Your password was changed")
		for _, m := range mail.Messages() {
			for _, to := range m.To {
				if to == "nobody@example.com" {
					t.Fatalf("mail went to an unknown address: %+v", m)
				}
			}
		}

		// The verification link from sign-up still works (a reset proves the
		// mailbox too, so the address is verified either way).
		u := wantStatus(t, anon.postJSON("/api/v1/verify-email/confirm", `{"token":"`+verifyTok+`"}`), http.StatusOK)
		if u["email_verified"] != true {
			t.Fatalf("after verify %v", u)
		}
		wantProblem(t, anon.postJSON("/api/v1/verify-email/confirm", `{"token":"`+verifyTok+`"}`), http.StatusBadRequest, "invalid_token")
	})
}

func TestVerificationEmailChangeAndUsernameRecoveryByMail(t *testing.T) {
	eachBackend(t, testVerificationEmailChangeAndUsernameRecovery)
}

func testVerificationEmailChangeAndUsernameRecovery(t *testing.T, db string) {
	srv, mail := startMailServer(t, db)
	c := signedUp(t, srv)
	first := mail.WaitFor(t, "carol@example.com", "Confirm your email address")
	anon := newClient(t, srv.url)
	wantStatus(t, anon.postJSON("/api/v1/verify-email/resend", `{"email":"carol@example.com"}`), http.StatusAccepted)
	deadline := time.Now().Add(10 * time.Second)
	var second mailtest.Message
	for time.Now().Before(deadline) {
		n := 0
		for _, m := range mail.Messages() {
			if m.Subject == "Confirm your email address" {
				n++
				second = m
			}
		}
		if n == 2 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	_, oldTok := linkIn(t, first)
	path, tok := linkIn(t, second)
	if path != "/verify-email" || tok == oldTok {
		t.Fatalf("resend link %s %s", path, tok)
	}
	wantProblem(t, anon.postJSON("/api/v1/verify-email/confirm", `{"token":"`+oldTok+`"}`), http.StatusBadRequest, "invalid_token")
	wantStatus(t, anon.postJSON("/api/v1/verify-email/confirm", `{"token":"`+tok+`"}`), http.StatusOK)
	if me := wantStatus(t, c.get("/api/v1/me"), http.StatusOK); me["email_verified"] != true {
		t.Fatalf("me %v", me)
	}

	wantStatus(t, c.putJSON("/api/v1/me/email", `{"email":"carol@new.example"}`), http.StatusAccepted)
	if me := wantStatus(t, c.get("/api/v1/me"), http.StatusOK); me["email"] != "carol@example.com" {
		t.Fatalf("email switched before confirmation: %v", me)
	}
	path, tok = linkIn(t, mail.WaitFor(t, "carol@new.example", "Confirm your new email address"))
	if path != "/confirm-email" {
		t.Fatalf("path %s", path)
	}
	wantStatus(t, anon.postJSON("/api/v1/email-change/confirm", `{"token":"`+tok+`"}`), http.StatusOK)
	if me := wantStatus(t, c.get("/api/v1/me"), http.StatusOK); me["email"] != "carol@new.example" || me["email_verified"] != true {
		t.Fatalf("after confirm %v", me)
	}
	if m := mail.WaitFor(t, "carol@example.com", "Your email address was changed"); !strings.Contains(m.Body, "carol@new.example") {
		t.Fatalf("old address notice %q", m.Body)
	}

	known := anon.postJSON("/api/v1/username-recovery", `{"email":"carol@new.example"}`)
	unknown := anon.postJSON("/api/v1/username-recovery", `{"email":"carol@example.com"}`)
	if known.status != http.StatusAccepted || string(known.body) != string(unknown.body) || known.status != unknown.status {
		t.Fatalf("known %d %s, unknown %d %s", known.status, known.body, unknown.status, unknown.body)
	}
	if m := mail.WaitFor(t, "carol@new.example", "Your username"); !strings.Contains(m.Body, "carol") {
		t.Fatalf("username mail %q", m.Body)
	}
}

func TestMailIsRetriedWhenTheRelayFails(t *testing.T) {
	smtpSrv := mailtest.Start(t)
	smtpSrv.FailNext(1)
	srv := startServer(t, "sqlite:"+t.TempDir()+"/x.db", "--smtp-url", smtpSrv.URL(), "--mail-from", "no-reply@example.com", "--outbox-interval", "50ms")
	newClient(t, srv.url).postJSON("/api/v1/signup", carolSignUp)
	// The first attempt is refused; the retry comes after the backoff
	// (30 s by default), so within the test only the refusal is seen.
	time.Sleep(500 * time.Millisecond)
	if n := len(smtpSrv.Messages()); n != 0 {
		t.Fatalf("%d messages delivered while the relay refused", n)
	}
}

func TestSessionsListAndRevoke(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		c := signedUp(t, srv)
		win := newClient(t, srv.url)
		r := win.do(http.MethodPost, "/api/v1/signin", "application/json", `{"login":"carol","password":"correct horse battery"}`,
			"User-Agent", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36")
		wantStatus(t, r, http.StatusOK)
		var list struct {
			Sessions []struct {
				ID           string    `json:"id"`
				Current      bool      `json:"current"`
				Device       string    `json:"device"`
				Browser      string    `json:"browser"`
				OS           string    `json:"os"`
				IP           string    `json:"ip"`
				CreatedAt    time.Time `json:"created_at"`
				LastActiveAt time.Time `json:"last_active_at"`
			} `json:"sessions"`
		}
		if err := json.Unmarshal(wantStatusBody(t, c.get("/api/v1/me/sessions"), http.StatusOK), &list); err != nil {
			t.Fatal(err)
		}
		if len(list.Sessions) != 2 {
			t.Fatalf("sessions %+v", list.Sessions)
		}
		var winID string
		for _, s := range list.Sessions {
			if s.Device == "Chrome on Windows" {
				winID = s.ID
				if s.Current || s.Browser != "Chrome" || s.OS != "Windows" || s.IP != "127.0.0.1" || s.CreatedAt.IsZero() || s.LastActiveAt.IsZero() {
					t.Fatalf("windows session %+v", s)
				}
			} else if !s.Current {
				t.Fatalf("the caller's session is not marked current: %+v", s)
			}
		}
		if winID == "" {
			t.Fatalf("no Chrome on Windows session in %+v", list.Sessions)
		}
		wantProblem(t, newClient(t, srv.url).do(http.MethodDelete, "/api/v1/me/sessions/"+winID, "", ""), http.StatusUnauthorized, "unauthenticated")
		wantStatus(t, c.do(http.MethodDelete, "/api/v1/me/sessions/"+winID, "", ""), http.StatusNoContent)
		wantProblem(t, win.get("/api/v1/me"), http.StatusUnauthorized, "session_expired")
		wantProblem(t, c.do(http.MethodDelete, "/api/v1/me/sessions/"+winID, "", ""), http.StatusNotFound, "not_found")

		a, b := signIn(t, srv, "correct horse battery"), signIn(t, srv, "correct horse battery")
		if got := wantStatus(t, c.do(http.MethodDelete, "/api/v1/me/sessions", "", ""), http.StatusOK); got["revoked"] != float64(2) {
			t.Fatalf("revoke others %v", got)
		}
		wantProblem(t, a.get("/api/v1/me"), http.StatusUnauthorized, "session_expired")
		wantProblem(t, b.get("/api/v1/me"), http.StatusUnauthorized, "session_expired")
		wantStatus(t, c.get("/api/v1/me"), http.StatusOK)
	})
}

func wantStatusBody(t *testing.T, r response, status int) []byte {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	return r.body
}

func TestPasswordChangeRevokesOtherSessions(t *testing.T) {
	srv, mail := startMailServer(t, "sqlite:"+t.TempDir()+"/x.db")
	c := signedUp(t, srv)
	other := signIn(t, srv, "correct horse battery")
	wantProblem(t, c.postJSON("/api/v1/me/reauth", `{"password":"nope"}`), http.StatusUnauthorized, "invalid_credentials")
	wantStatus(t, c.postJSON("/api/v1/me/reauth", `{"password":"correct horse battery"}`), http.StatusNoContent)
	wantProblem(t, c.putJSON("/api/v1/me/password", `{"current_password":"nope","new_password":"a fresh new passphrase"}`), http.StatusUnauthorized, "invalid_credentials")
	wantStatus(t, c.putJSON("/api/v1/me/password", `{"current_password":"correct horse battery","new_password":"a fresh new passphrase"}`), http.StatusNoContent)
	wantStatus(t, c.get("/api/v1/me"), http.StatusOK)
	wantProblem(t, other.get("/api/v1/me"), http.StatusUnauthorized, "session_expired")
	mail.WaitFor(t, "carol@example.com", "Your password was changed")
}

func TestSCIMManagedPeopleAreToldWhoOwnsTheirAccount(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/x.db"
	srv := startServer(t, db)
	sc := newSCIMTeam(t, srv, db, "acme")
	wantSCIM(t, sc.do(http.MethodPost, "/Users", aliceSCIM), http.StatusCreated)
	c := newClient(t, srv.url)
	wantStatus(t, c.postJSON("/api/v1/signin", `{"login":"alice@acme.test","password":"correct horse battery staple"}`), http.StatusOK)
	p := wantProblem(t, c.putJSON("/api/v1/me/password", `{"current_password":"correct horse battery staple","new_password":"a fresh new passphrase"}`), http.StatusForbidden, "managed_by_idp")
	if !strings.Contains(p["detail"].(string), "Team Admin") {
		t.Fatalf("detail %q does not say who to contact", p["detail"])
	}
	wantProblem(t, c.putJSON("/api/v1/me/email", `{"email":"alice@elsewhere.example"}`), http.StatusForbidden, "managed_by_idp")
}

func TestCaptchaGuardsSignUpAndMailRequests(t *testing.T) {
	srv := startServer(t, "sqlite:"+t.TempDir()+"/x.db", "--captcha", "on")
	c := newClient(t, srv.url)
	wantProblem(t, c.postJSON("/api/v1/signup", carolSignUp), http.StatusBadRequest, "captcha_failed")
	wantProblem(t, c.postJSON("/api/v1/password-reset", `{"email":"carol@example.com"}`), http.StatusBadRequest, "captcha_failed")
	wantProblem(t, c.postJSON("/api/v1/username-recovery", `{"email":"carol@example.com","altcha":"bm9wZQ=="}`), http.StatusBadRequest, "captcha_failed")
	solve := func() string {
		var ch altcha.Challenge
		if err := json.Unmarshal(wantStatusBody(t, c.get("/api/v1/captcha"), http.StatusOK), &ch); err != nil {
			t.Fatal(err)
		}
		sol, err := altcha.SolveChallenge(ch.Challenge, ch.Salt, altcha.Algorithm(ch.Algorithm), int(ch.MaxNumber), 0, nil)
		if err != nil || sol == nil {
			t.Fatalf("solve: %v", err)
		}
		b, _ := json.Marshal(altcha.Payload{Algorithm: ch.Algorithm, Challenge: ch.Challenge, Number: int64(sol.Number), Salt: ch.Salt, Signature: ch.Signature})
		return base64Std(b)
	}
	payload := solve()
	body := strings.TrimSuffix(carolSignUp, "}") + `,"altcha":"` + payload + `"}`
	wantStatus(t, c.postJSON("/api/v1/signup", body), http.StatusCreated)
	wantProblem(t, c.postJSON("/api/v1/password-reset", `{"email":"carol@example.com","altcha":"`+payload+`"}`), http.StatusBadRequest, "captcha_failed")
	wantStatus(t, c.postJSON("/api/v1/password-reset", `{"email":"carol@example.com","altcha":"`+solve()+`"}`), http.StatusAccepted)

	// Concurrent spends of one solution: exactly one gets through.
	shared := solve()
	var wg sync.WaitGroup
	statuses := make([]int, 6)
	for i := range statuses {
		wg.Go(func() {
			statuses[i] = c.postJSON("/api/v1/verify-email/resend", `{"email":"carol@example.com","altcha":"`+shared+`"}`).status
		})
	}
	wg.Wait()
	ok := 0
	for _, s := range statuses {
		if s == http.StatusAccepted {
			ok++
		}
	}
	if ok != 1 {
		t.Fatalf("statuses %v: want exactly one 202", statuses)
	}
}

func TestMailRequestsAreRateLimited(t *testing.T) {
	srv := startServer(t, "sqlite:"+t.TempDir()+"/x.db")
	c := newClient(t, srv.url)
	for i := range 5 {
		wantStatus(t, c.postJSON("/api/v1/password-reset", `{"email":"carol@example.com"}`), http.StatusAccepted)
		_ = i
	}
	r := c.postJSON("/api/v1/password-reset", `{"email":"carol@example.com"}`)
	wantProblem(t, r, http.StatusTooManyRequests, "rate_limited")
	if s, err := strconv.Atoi(r.header.Get("Retry-After")); err != nil || s <= 0 {
		t.Fatalf("Retry-After %q", r.header.Get("Retry-After"))
	}
}

func TestNotificationPreferencesAndSlack(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/x.db"
	srv := startServer(t, db, "--outbox-interval", "50ms")
	posts := make(chan string, 10)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var body map[string]string
		_ = json.NewDecoder(r.Body).Decode(&body)
		posts <- body["text"]
	}))
	defer hook.Close()

	mustRun(t, "team", "create", "--db", db, "--slug", "acme", "--name", "Acme")
	if r := idbridge(t, nil, "an admin passphrase\n", "user", "create", "--db", db, "--team", "acme", "--username", "boss",
		"--email", "boss@acme.test", "--role", "admin", "--password-stdin"); r.code != 0 {
		t.Fatalf("user create: %d %s", r.code, r.stderr)
	}
	c := signedUp(t, srv)
	wantProblem(t, c.putJSON("/api/v1/notifications/slack-webhooks/acme", `{"url":"`+hook.URL+`"}`), http.StatusForbidden, "forbidden")
	wantProblem(t, c.putJSON("/api/v1/notifications/slack-webhooks/nope", `{"url":"`+hook.URL+`"}`), http.StatusForbidden, "forbidden")

	boss := newClient(t, srv.url)
	wantStatus(t, boss.postJSON("/api/v1/signin", `{"login":"boss","password":"an admin passphrase"}`), http.StatusOK)
	wantProblem(t, boss.putJSON("/api/v1/notifications/slack-webhooks/acme", `{"url":"ftp://hooks.example.com/x"}`), http.StatusBadRequest, "invalid_input")
	wantStatus(t, boss.putJSON("/api/v1/notifications/slack-webhooks/acme", `{"url":"`+hook.URL+`"}`), http.StatusNoContent)
	wantStatus(t, boss.putJSON("/api/v1/me/notifications", `{"preferences":{"security":{"slack":true}}}`), http.StatusOK)
	wantStatus(t, boss.putJSON("/api/v1/me/password", `{"current_password":"an admin passphrase","new_password":"a newer admin passphrase"}`), http.StatusNoContent)
	select {
	case text := <-posts:
		if !strings.Contains(text, "boss") || !strings.Contains(text, "password was changed") {
			t.Fatalf("slack text %q", text)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no Slack post for the password change")
	}

	prefs := wantStatus(t, c.get("/api/v1/me/notifications"), http.StatusOK)["preferences"].(map[string]any)
	sec := prefs["security"].(map[string]any)
	if sec["email"] != true || sec["in_app"] != true || sec["slack"] != false || len(prefs) != 4 {
		t.Fatalf("default prefs %v", prefs)
	}
	got := wantStatus(t, c.putJSON("/api/v1/me/notifications", `{"preferences":{"usage":{"email":false},"security":{"slack":true}}}`), http.StatusOK)
	p := got["preferences"].(map[string]any)
	if p["usage"].(map[string]any)["email"] != false || p["security"].(map[string]any)["slack"] != true || p["usage"].(map[string]any)["in_app"] != true {
		t.Fatalf("after PUT %v", p)
	}
	wantProblem(t, c.putJSON("/api/v1/me/notifications", `{"preferences":{"weather":{"email":true}}}`), http.StatusBadRequest, "invalid_input")
	if me := wantStatus(t, c.get("/api/v1/me/notifications"), http.StatusOK); fmt.Sprint(me) != fmt.Sprint(got) {
		t.Fatalf("GET after PUT %v, want %v", me, got)
	}
}

func TestDevMailboxShowsMailWithClickableLinks(t *testing.T) {
	srv := startServer(t, "sqlite:"+t.TempDir()+"/x.db", "--outbox-interval", "50ms")
	newClient(t, srv.url).postJSON("/api/v1/signup", carolSignUp)
	r := newClient(t, srv.url).get("/dev/mail")
	if r.status != http.StatusOK || !strings.Contains(string(r.body), "Confirm your email address") ||
		!regexp.MustCompile(`<a href="http://127\.0\.0\.1:8080/verify-email\?token=[^"]+">`).Match(r.body) {
		t.Fatalf("dev mailbox %d:\n%s", r.status, r.body)
	}
	https := startServer(t, "sqlite:"+t.TempDir()+"/y.db", "--base-url", "https://id.example.test")
	if r := newClient(t, https.url).get("/dev/mail"); r.status != http.StatusNotFound {
		t.Fatalf("an https server serves /dev/mail: %d", r.status)
	}
}

func base64Std(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func TestTwoReplicasDeliverEachMailOnce(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		smtpSrv := mailtest.Start(t)
		flags := []string{"--smtp-url", smtpSrv.URL(), "--mail-from", "no-reply@example.com", "--outbox-interval", "20ms"}
		a, b := startServer(t, db, flags...), startServer(t, db, flags...)
		for i := range 12 {
			srv := a
			if i%2 == 1 {
				srv = b
			}
			body := fmt.Sprintf(`{"username":"user%d","email":"user%d@example.com","password":"correct horse battery"}`, i, i)
			wantStatus(t, newClient(t, srv.url).postJSON("/api/v1/signup", body), http.StatusCreated)
		}
		for i := range 12 {
			smtpSrv.WaitFor(t, fmt.Sprintf("user%d@example.com", i), "Confirm your email address")
		}
		time.Sleep(300 * time.Millisecond) // time for a duplicate to show up
		seen := map[string]int{}
		for _, m := range smtpSrv.Messages() {
			seen[m.To[0]]++
		}
		if len(seen) != 12 {
			t.Fatalf("mail reached %d addresses, want 12", len(seen))
		}
		for to, n := range seen {
			if n != 1 {
				t.Errorf("%s got %d copies", to, n)
			}
		}
	})
}
