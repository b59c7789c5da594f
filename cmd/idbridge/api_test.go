package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/idbridge/idbridge/accounts"
)

const bobSignUp = `{"username":"Bob.Builder","email":"bob@example.com","password":"correct horse battery"}`

func TestSignUpSignInSurvivesARestart(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		c := newClient(t, srv.url)

		r := c.postJSON("/api/v1/signup", bobSignUp)
		if r.status != http.StatusCreated {
			t.Fatalf("signup: %d %s", r.status, r.body)
		}
		u := r.json(t)
		if u["username"] != "Bob.Builder" || u["email"] != "bob@example.com" || u["email_verified"] != false || u["status"] != "active" {
			t.Fatalf("signup body %v", u)
		}
		if strings.Contains(string(r.body), "password") {
			t.Fatalf("signup echoes the password: %s", r.body)
		}

		wantProblem(t, c.get("/api/v1/me"), http.StatusUnauthorized, "unauthenticated")
		r = c.postJSON("/api/v1/signin", `{"login":"bob.builder","password":"correct horse battery"}`)
		if r.status != http.StatusOK {
			t.Fatalf("signin by username in other case: %d %s", r.status, r.body)
		}
		cookie := sessionCookie(t, r)
		if !cookie.HttpOnly || cookie.SameSite != http.SameSiteLaxMode || cookie.MaxAge != 0 || cookie.Path != "/" {
			t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/ and no Max-Age without keep_signed_in", cookie)
		}
		if len(cookie.Value) < 43 {
			t.Fatalf("session token %q is shorter than 256 bits", cookie.Value)
		}
		if me := c.get("/api/v1/me"); me.status != http.StatusOK || me.json(t)["id"] != u["id"] {
			t.Fatalf("me: %d %s", me.status, me.body)
		}

		srv.shutdown(t)
		srv = startServer(t, db)
		c.base = srv.url
		if me := c.get("/api/v1/me"); me.status != http.StatusOK || me.json(t)["username"] != "Bob.Builder" {
			t.Fatalf("session lost across restart: %d %s", me.status, me.body)
		}
		if r := c.do(http.MethodPost, "/api/v1/signout", "", ""); r.status != http.StatusNoContent {
			t.Fatalf("signout: %d %s", r.status, r.body)
		}
		wantProblem(t, c.get("/api/v1/me"), http.StatusUnauthorized, "unauthenticated")
		r = c.postJSON("/api/v1/signin", `{"login":"BOB@EXAMPLE.COM","password":"correct horse battery","keep_signed_in":true}`)
		if r.status != http.StatusOK {
			t.Fatalf("signin by email after restart: %d %s", r.status, r.body)
		}
		if ck := sessionCookie(t, r); ck.MaxAge < 30*24*3600 {
			t.Fatalf("keep_signed_in cookie Max-Age %d, want a persistent cookie", ck.MaxAge)
		}
	})
}

func TestSignedOutTokenNoLongerWorks(t *testing.T) {
	srv := startServer(t, "sqlite:"+t.TempDir()+"/x.db")
	c := newClient(t, srv.url)
	c.postJSON("/api/v1/signup", bobSignUp)
	token := sessionCookie(t, c.postJSON("/api/v1/signin", `{"login":"bob@example.com","password":"correct horse battery"}`)).Value

	// Signing in again from the same browser rotates the token: the old one dies.
	c.postJSON("/api/v1/signin", `{"login":"bob@example.com","password":"correct horse battery"}`)
	stale := newClient(t, srv.url)
	wantProblem(t, stale.do(http.MethodGet, "/api/v1/me", "", "", "Cookie", "idbridge_session="+token), http.StatusUnauthorized, "session_expired")

	current := currentToken(t, c)
	if r := c.do(http.MethodPost, "/api/v1/signout", "", ""); r.status != http.StatusNoContent {
		t.Fatalf("signout %d", r.status)
	}
	p := wantProblem(t, stale.do(http.MethodGet, "/api/v1/me", "", "", "Cookie", "idbridge_session="+current), http.StatusUnauthorized, "session_expired")
	if !strings.Contains(p["detail"].(string), "Sign in again") {
		t.Fatalf("session_expired detail %q does not say what to do", p["detail"])
	}
}

func TestBadInputGetsAClearErrorAndChangesNothing(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db, "--max-body-bytes", "2048")
		c := newClient(t, srv.url)
		if r := c.postJSON("/api/v1/signup", bobSignUp); r.status != http.StatusCreated {
			t.Fatalf("signup: %d %s", r.status, r.body)
		}
		tests := []struct {
			name, contentType, body string
			status                  int
			code, field             string
		}{
			{"malformed JSON", "application/json", `{"username":`, 400, "malformed_request", ""},
			{"not JSON at all", "application/json", `username=x`, 400, "malformed_request", ""},
			{"an empty body", "application/json", ``, 400, "malformed_request", ""},
			{"a JSON array", "application/json", `[1,2]`, 400, "malformed_request", ""},
			{"two objects", "application/json", `{"username":"zed","email":"z@example.com","password":"correct horse battery"}{}`, 400, "malformed_request", ""},
			{"an unknown field", "application/json", `{"username":"zed","email":"z@example.com","password":"correct horse battery","admin":true}`, 400, "invalid_input", "admin"},
			{"a number for a string", "application/json", `{"username":42,"email":"z@example.com","password":"correct horse battery"}`, 400, "invalid_input", "username"},
			{"an oversize body", "application/json", `{"username":"` + strings.Repeat("z", 4096) + `"}`, 413, "request_too_large", ""},
			{"a form instead of JSON", "application/x-www-form-urlencoded", `username=zed`, 415, "unsupported_media_type", ""},
			{"the same username in other letter case", "application/json", `{"username":"BOB.BUILDER","email":"z@example.com","password":"correct horse battery"}`, 409, "username_taken", "username"},
			{"the same email in other letter case", "application/json", `{"username":"zed","email":"Bob@Example.COM","password":"correct horse battery"}`, 409, "email_taken", "email"},
			{"a short password", "application/json", `{"username":"zed","email":"z@example.com","password":"short"}`, 400, "weak_password", "password"},
			{"a common password", "application/json", `{"username":"zed","email":"z@example.com","password":"Password1"}`, 400, "weak_password", "password"},
			{"the username as password", "application/json", `{"username":"zedzedzed","email":"z@example.com","password":"ZEDZEDZED"}`, 400, "weak_password", "password"},
			{"a bad email", "application/json", `{"username":"zed","email":"Zed <z@example.com>","password":"correct horse battery"}`, 400, "invalid_input", "email"},
			{"a bad username", "application/json", `{"username":"zed zed","email":"z@example.com","password":"correct horse battery"}`, 400, "invalid_input", "username"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				r := c.do(http.MethodPost, "/api/v1/signup", tt.contentType, tt.body)
				p := wantProblem(t, r, tt.status, tt.code)
				if tt.field != "" && p["field"] != tt.field {
					t.Fatalf("field %v, want %q", p["field"], tt.field)
				}
				if id, _ := p["request_id"].(string); id == "" || id != r.header.Get("X-Request-Id") {
					t.Fatalf("problem request_id %v does not match X-Request-Id %q", p["request_id"], r.header.Get("X-Request-Id"))
				}
			})
		}
		wantProblem(t, c.postJSON("/api/v1/signin", `{"login":"bob@example.com","password":true}`), 400, "invalid_input")
		wantProblem(t, c.get("/api/v1/nope"), 404, "route_not_found")
		wantProblem(t, c.get("/api/v1/signup"), 405, "method_not_allowed")

		srv.shutdown(t)
		st, err := openMigrated(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		for _, login := range []string{"zed", "zedzedzed", "zed zed"} {
			if _, err := st.GetUserByUsername(t.Context(), login); accounts.ErrorCode(err) != accounts.CodeNotFound {
				t.Errorf("user %q exists after refused sign-ups (err %v)", login, err)
			}
		}
		if _, err := st.GetUserByEmail(t.Context(), "z@example.com"); accounts.ErrorCode(err) != accounts.CodeNotFound {
			t.Errorf("z@example.com exists after refused sign-ups (err %v)", err)
		}
	})
}

func TestSignInRefusals(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		mustRun(t, "team", "create", "--db", db, "--slug", "acme", "--name", "Acme", "--plan", "enterprise")
		srv := startServer(t, db)
		c := newClient(t, srv.url)
		c.postJSON("/api/v1/signup", bobSignUp)

		wrong := wantProblem(t, c.postJSON("/api/v1/signin", `{"login":"bob@example.com","password":"wrong password!"}`), 401, "invalid_credentials")
		unknown := wantProblem(t, c.postJSON("/api/v1/signin", `{"login":"nobody@example.com","password":"wrong password!"}`), 401, "invalid_credentials")
		if wrong["detail"] != unknown["detail"] {
			t.Fatalf("a wrong password (%q) and an unknown account (%q) must read the same", wrong["detail"], unknown["detail"])
		}

		// Sign in, then deactivate the account the way an IdP will: the live
		// session stops working and the password no longer signs in.
		if r := c.postJSON("/api/v1/signin", `{"login":"bob@example.com","password":"correct horse battery"}`); r.status != 200 {
			t.Fatalf("signin: %d %s", r.status, r.body)
		}
		st, err := openStore(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		bob, err := st.GetUserByEmail(t.Context(), "bob@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpdateUser(t.Context(), bob.ID, func(u *accounts.User) error { u.Status = accounts.StatusDeactivated; return nil }); err != nil {
			t.Fatal(err)
		}
		p := wantProblem(t, c.get("/api/v1/me"), 403, "account_deactivated")
		if !strings.Contains(p["detail"].(string), "Team Admin") {
			t.Fatalf("deactivation detail %q does not say who can help", p["detail"])
		}
		wantProblem(t, c.postJSON("/api/v1/signin", `{"login":"bob@example.com","password":"correct horse battery"}`), 403, "account_deactivated")
		// The wrong password still says only "incorrect": deactivation is
		// revealed to nobody who cannot prove the password.
		wantProblem(t, c.postJSON("/api/v1/signin", `{"login":"bob@example.com","password":"wrong password!"}`), 401, "invalid_credentials")

		// A team that requires SSO refuses password sign-in for its members.
		r := idbridge(t, nil, "member-Passphrase-7\n", "user", "create", "--db", db, "--team", "acme", "--username", "carol", "--email", "carol@acme.test", "--password-stdin")
		if r.code != 0 {
			t.Fatalf("user create: %s", r.stderr)
		}
		team, err := st.GetTeamBySlug(t.Context(), "acme")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.UpdateTeam(t.Context(), team.ID, func(t *accounts.Team) error { t.Settings.SSORequired = true; return nil }); err != nil {
			t.Fatal(err)
		}
		wantProblem(t, c.postJSON("/api/v1/signin", `{"login":"carol","password":"member-Passphrase-7"}`), 403, "sso_required")
	})
}

func TestSignInIsRateLimitedPerAccount(t *testing.T) {
	srv := startServer(t, "sqlite:"+t.TempDir()+"/x.db")
	c := newClient(t, srv.url)
	c.postJSON("/api/v1/signup", bobSignUp)
	limit := accounts.DefaultRateLimits().SignInPerAccount.Limit
	for i := 0; i < limit; i++ {
		wantProblem(t, c.postJSON("/api/v1/signin", `{"login":"bob@example.com","password":"guess number `+fmt.Sprint(i)+`"}`), 401, "invalid_credentials")
	}
	// Past the limit even the right password waits, and the answer says how long.
	r := c.postJSON("/api/v1/signin", `{"login":"BOB.BUILDER","password":"correct horse battery"}`)
	wantProblem(t, r, 429, "rate_limited")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("429 without Retry-After")
	}
}

func TestConcurrentSignUpsOfOneUsernameCreateOneAccount(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		const n = 8
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				c := newClient(t, srv.url)
				body := fmt.Sprintf(`{"username":"%s","email":"racer%d@example.com","password":"correct horse battery"}`, []string{"racer", "RACER", "Racer", "rAcEr"}[i%4], i)
				statuses[i] = c.postJSON("/api/v1/signup", body).status
			})
		}
		wg.Wait()
		created, conflicts := 0, 0
		for _, s := range statuses {
			switch s {
			case 201:
				created++
			case 409:
				conflicts++
			}
		}
		if created != 1 || conflicts != n-1 {
			t.Fatalf("statuses %v: want exactly one 201 and %d 409", statuses, n-1)
		}
	})
}

func TestOperationalEndpoints(t *testing.T) {
	srv := startServer(t, "sqlite:"+t.TempDir()+"/x.db")
	c := newClient(t, srv.url)
	if r := c.get("/healthz"); r.status != 200 || string(r.body) != "ok\n" {
		t.Fatalf("healthz: %d %q", r.status, r.body)
	}
	if r := c.get("/readyz"); r.status != 200 || r.json(t)["status"] != "ready" {
		t.Fatalf("readyz: %d %s", r.status, r.body)
	}
	if r := c.get("/healthz"); r.header.Get("X-Request-Id") == "" {
		t.Fatal("no X-Request-Id")
	}
	c.postJSON("/api/v1/signup", `{}`)
	r := c.get("/metrics")
	if r.status != 200 || !strings.Contains(string(r.body), `idbridge_http_requests_total{code="400",method="POST",route="/api/v1/signup"} 1`) {
		t.Fatalf("metrics lack the request count by route:\n%s", r.body)
	}

	// A cross-site form post is refused before it reaches a handler.
	r = c.do(http.MethodPost, "/api/v1/signup", "application/json", bobSignUp, "Sec-Fetch-Site", "cross-site", "Origin", "https://evil.example")
	if r.status != http.StatusForbidden || !strings.Contains(string(r.body), "cross_origin_request") {
		t.Fatalf("cross-site POST: %d %s", r.status, r.body)
	}
	if r := c.postJSON("/api/v1/signin", `{"login":"bob@example.com","password":"correct horse battery"}`); r.status != 401 {
		t.Fatalf("the cross-site sign-up created an account: signin answered %d", r.status)
	}
}

func TestPasswordsAreStoredAsArgon2id(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/x.db"
	srv := startServer(t, db)
	newClient(t, srv.url).postJSON("/api/v1/signup", bobSignUp)
	srv.shutdown(t)
	st, err := openStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	bob, err := st.GetUserByUsername(t.Context(), "bob.builder")
	if err != nil {
		t.Fatal(err)
	}
	hash, err := st.GetPasswordHash(t.Context(), bob.ID)
	if err != nil || !strings.HasPrefix(hash, "$argon2id$v=19$m=19456,t=2,p=1$") || strings.Contains(hash, "correct horse") {
		t.Fatalf("stored hash %q (%v): want an argon2id PHC string", hash, err)
	}
}

func sessionCookie(t *testing.T, r response) *http.Cookie {
	t.Helper()
	for _, ck := range (&http.Response{Header: r.header}).Cookies() {
		if ck.Name == "idbridge_session" {
			return ck
		}
	}
	t.Fatalf("no session cookie in %v", r.header)
	return nil
}

func currentToken(t *testing.T, c *client) string {
	t.Helper()
	for _, ck := range c.http.Jar.Cookies(mustParseURL(t, c.base)) {
		if ck.Name == "idbridge_session" {
			return ck.Value
		}
	}
	t.Fatal("jar holds no session cookie")
	return ""
}

func TestHTTPSBaseURLMakesHostOnlySecureCookies(t *testing.T) {
	srv := startServer(t, "sqlite:"+t.TempDir()+"/x.db", "--base-url", "HTTPS://id.example.test", "--trusted-proxies", "10.0.0.0/8, 192.168.0.0/16")
	c := newClient(t, srv.url)
	c.postJSON("/api/v1/signup", bobSignUp)
	r := c.postJSON("/api/v1/signin", `{"login":"bob@example.com","password":"correct horse battery"}`)
	set := r.header.Get("Set-Cookie")
	if r.status != 200 || !strings.HasPrefix(set, "__Host-idbridge_session=") || !strings.Contains(set, "; Secure") || strings.Contains(set, "Domain=") {
		t.Fatalf("signin %d, Set-Cookie %q: want a Secure __Host- cookie", r.status, set)
	}
}

func TestHostileHeadersAndLoginsNeverFail500(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		c := newClient(t, srv.url)
		c.postJSON("/api/v1/signup", bobSignUp)
		// A correct sign-in from a browser with an odd User-Agent works.
		for _, ua := range []string{strings.Repeat("a", 511) + "é", "bad\xff\xfe", strings.Repeat("x", 10000)} {
			r := c.do(http.MethodPost, "/api/v1/signin", "application/json", `{"login":"bob.builder","password":"correct horse battery"}`, "User-Agent", ua)
			if r.status != 200 {
				t.Fatalf("User-Agent %.20q: %d %s", ua, r.status, r.body)
			}
		}
		wantProblem(t, c.postJSON("/api/v1/signin", `{"login":"`+strings.Repeat("ab", 4000)+`","password":"y"}`), 401, "invalid_credentials")
		wantProblem(t, c.postJSON("/api/v1/signin", `{"login":"bob","password":"`+strings.Repeat("p", 5000)+`"}`), 401, "invalid_credentials")
		wantProblem(t, c.postJSON("/api/v1/signin", `{"login":"bob\u0000","password":"correct horse battery"}`), 401, "invalid_credentials")
	})
}
