package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/idbridge/idbridge/accounts"
)

// pageClient is a browser without JavaScript: it posts forms, keeps
// cookies and does not follow redirects, so tests see each 303.
func pageClient(t *testing.T, base string) *client {
	c := newClient(t, base)
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return c
}

func (c *client) postForm(path string, form url.Values, headers ...string) response {
	c.t.Helper()
	return c.do(http.MethodPost, path, "application/x-www-form-urlencoded", form.Encode(), headers...)
}

// wantPage checks an HTML answer's status and that it says each of says.
func wantPage(t *testing.T, r response, status int, says ...string) string {
	t.Helper()
	body := string(r.body)
	if r.status != status {
		t.Fatalf("status %d, want %d; body:\n%s", r.status, status, body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("Content-Type %q, want text/html; body %s", ct, body)
	}
	for _, s := range says {
		if !strings.Contains(body, s) {
			t.Fatalf("page does not say %q:\n%s", s, body)
		}
	}
	return body
}

// wantRedirect checks a 303 (or 302) to exactly to.
func wantRedirect(t *testing.T, r response, to string) {
	t.Helper()
	if r.status != http.StatusSeeOther && r.status != http.StatusFound {
		t.Fatalf("status %d, want a redirect to %s; body %s", r.status, to, r.body)
	}
	if got := r.header.Get("Location"); got != to {
		t.Fatalf("redirect to %q, want %q", got, to)
	}
}

func signUpForm(username, email string) url.Values {
	return url.Values{"username": {username}, "email": {email}, "password": {"correct horse battery"}, "name": {"Bob Builder"}}
}

var nonceAttr = regexp.MustCompile(`nonce="([^"]+)"`)

func TestPagesSignUpSignInAndSignOut(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		c := pageClient(t, srv.url)

		wantRedirect(t, c.get("/"), "/signin")
		wantRedirect(t, c.get("/settings/account"), "/signin?return_to=%2Fsettings%2Faccount")
		r := c.get("/signin?return_to=%2Fsettings%2Faccount")
		wantPage(t, r, http.StatusOK, "<h1>Sign in</h1>", `<label for="login">Email or username</label>`,
			"Keep me signed in", `name="return_to" value="/settings/account"`)
		csp := r.header.Get("Content-Security-Policy")
		if !strings.Contains(csp, "script-src 'nonce-") || !strings.Contains(csp, "frame-ancestors 'none'") || r.header.Get("Cache-Control") != "no-store" {
			t.Fatalf("page headers: CSP %q, Cache-Control %q", csp, r.header.Get("Cache-Control"))
		}

		wantRedirect(t, c.postForm("/signup", signUpForm("Bob.Builder", "bob@example.com")), "/settings/account?done=signed_up")
		wantPage(t, c.get("/settings/account?done=signed_up"), http.StatusOK, "Account settings", "Bob.Builder",
			"bob@example.com", "not confirmed", "Signed in as <strong>Bob.Builder</strong>")
		wantRedirect(t, c.get("/"), "/settings/account")
		wantRedirect(t, c.get("/signin"), "/settings/account")

		wantRedirect(t, c.postForm("/signout", nil), "/signin?done=signed_out")
		wantPage(t, c.get("/signin?done=signed_out"), http.StatusOK, "You are signed out.")
		wantRedirect(t, c.get("/settings/account"), "/signin?return_to=%2Fsettings%2Faccount")

		wrong := url.Values{"login": {"bob.builder"}, "password": {"wrong password!"}, "return_to": {"/settings/sessions"}}
		wantPage(t, c.postForm("/signin", wrong), http.StatusUnauthorized, "That email, username or password is not right.",
			`value="bob.builder"`, `name="return_to" value="/settings/sessions"`)

		right := url.Values{"login": {"BOB@example.com"}, "password": {"correct horse battery"}, "keep": {"1"}, "return_to": {"/settings/sessions"}}
		r = c.postForm("/signin", right)
		wantRedirect(t, r, "/settings/sessions")
		if ck := sessionCookie(t, r); ck.MaxAge < 30*24*3600 || !ck.HttpOnly {
			t.Fatalf("Keep me signed in cookie %+v, want a persistent HttpOnly cookie", ck)
		}
		wantPage(t, c.get("/settings/sessions"), http.StatusOK, "Active sessions", "Go HTTP client", "This device")
	})
}

func TestSignUpPageExplainsTakenUsernameAndEmail(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		wantRedirect(t, pageClient(t, srv.url).postForm("/signup", signUpForm("bob", "bob@example.com")), "/settings/account?done=signed_up")

		c := pageClient(t, srv.url)
		body := wantPage(t, c.postForm("/signup", signUpForm("BOB", "new@example.com")), http.StatusConflict,
			`<p class="error" id="username-error">That username is taken; choose another.</p>`, `aria-describedby="username-error"`,
			`value="new@example.com"`)
		if strings.Contains(body, "correct horse battery") {
			t.Fatal("the form echoes the password")
		}
		wantPage(t, c.postForm("/signup", signUpForm("robert", "Bob@Example.com")), http.StatusConflict,
			`<p class="error" id="email-error">An account with that email address already exists; sign in or reset your password.</p>`)
		wantPage(t, c.postForm("/signup", url.Values{"username": {"x y"}, "email": {"nope"}, "password": {"short"}}), http.StatusBadRequest,
			`id="username-error"`)
		wantRedirect(t, c.get("/settings/account"), "/signin?return_to=%2Fsettings%2Faccount")
	})
}

func TestSignInIgnoresReturnToOffThisServer(t *testing.T) {
	srv := startServer(t, "sqlite:"+t.TempDir()+"/x.db")
	pageClient(t, srv.url).postForm("/signup", signUpForm("bob", "bob@example.com"))
	for _, target := range []string{"//evil.example/", `/\evil.example`, "https://evil.example/", "/%2F%2Fevil.example", "javascript:alert(1)"} {
		c := pageClient(t, srv.url)
		body := wantPage(t, c.get("/signin?return_to="+url.QueryEscape(target)), http.StatusOK, "Sign in")
		if strings.Contains(body, `name="return_to"`) {
			t.Fatalf("return_to %q is carried into the form", target)
		}
		form := url.Values{"login": {"bob"}, "password": {"correct horse battery"}, "return_to": {target}}
		wantRedirect(t, c.postForm("/signin", form), "/settings/account")
	}
}

func TestSessionsPageRevokesOtherSessions(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		laptop, phone, tablet := pageClient(t, srv.url), pageClient(t, srv.url), pageClient(t, srv.url)
		laptop.postForm("/signup", signUpForm("bob", "bob@example.com"))
		signIn := url.Values{"login": {"bob"}, "password": {"correct horse battery"}}
		phoneUA := "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1"
		wantRedirect(t, phone.postForm("/signin", signIn, "User-Agent", phoneUA), "/settings/account")
		wantRedirect(t, tablet.postForm("/signin", signIn), "/settings/account")

		body := wantPage(t, laptop.get("/settings/sessions"), http.StatusOK, "Safari on iOS", "This device",
			"Revoke all other sessions (2)", "127.0.0.1")
		ids := regexp.MustCompile(`action="/settings/sessions/([0-9a-f-]+)/revoke"`).FindAllStringSubmatch(body, -1)
		if len(ids) != 2 {
			t.Fatalf("want 2 revoke buttons (not one for this device), got %d", len(ids))
		}
		phoneRow := regexp.MustCompile(`Safari on iOS[\s\S]*?action="/settings/sessions/([0-9a-f-]+)/revoke"`).FindStringSubmatch(body)
		wantRedirect(t, laptop.postForm("/settings/sessions/"+phoneRow[1]+"/revoke", nil), "/settings/sessions?done=revoked")
		wantPage(t, phone.get("/settings/account"), http.StatusUnauthorized, "Your session has ended", "Sign in again",
			"Sign out everywhere", "session_expired")
		wantPage(t, tablet.get("/settings/account"), http.StatusOK, "Account settings")
		wantPage(t, laptop.get("/settings/sessions?done=revoked"), http.StatusOK, "The session is signed out.", "Revoke all other sessions (1)")

		wantRedirect(t, laptop.postForm("/settings/sessions/revoke-others", nil), "/settings/sessions?done=revoked_others")
		wantPage(t, tablet.get("/settings/sessions"), http.StatusUnauthorized, "Your session has ended", `href="/signin?return_to=%2fsettings%2fsessions"`)
		body = wantPage(t, laptop.get("/settings/sessions"), http.StatusOK, "This device")
		if strings.Contains(body, "Revoke all other sessions") {
			t.Fatal("the revoke-all button shows with no other session")
		}

		// The way out of a loop: sign out everywhere with the password.
		wantPage(t, phone.postForm("/signout/everywhere", url.Values{"login": {"bob"}, "password": {"nope nope nope"}}),
			http.StatusUnauthorized, "not right")
		wantRedirect(t, phone.postForm("/signout/everywhere", signIn), "/signin?done=signed_out_everywhere")
		wantPage(t, laptop.get("/settings/account"), http.StatusUnauthorized, "Your session has ended")
	})
}

func TestPageErrorsAreHTMLWithAReference(t *testing.T) {
	srv := startServer(t, "sqlite:"+t.TempDir()+"/x.db")
	c := pageClient(t, srv.url)
	r := c.get("/no/such/page")
	body := wantPage(t, r, http.StatusNotFound, "Page not found", "route_not_found", r.header.Get("X-Request-Id"))
	if m := nonceAttr.FindStringSubmatch(body); m != nil && !strings.Contains(r.header.Get("Content-Security-Policy"), m[1]) {
		t.Fatal("page nonce differs from the CSP nonce")
	}
	wantPage(t, c.do(http.MethodDelete, "/signin", "", ""), http.StatusMethodNotAllowed, "Method not allowed")
	wantProblem(t, c.get("/api/v1/nope"), http.StatusNotFound, "route_not_found")

	form := url.Values{"login": {"bob"}, "password": {"x"}}
	r = c.postForm("/signin", form, "Sec-Fetch-Site", "cross-site")
	wantPage(t, r, http.StatusForbidden, "Request refused", "cross_origin_request", "sent from another website")
	if r.header.Get("Content-Security-Policy") == "" {
		t.Fatal("the refusal page has no CSP")
	}
	wantProblem(t, c.do(http.MethodPost, "/api/v1/signin", "application/json", `{}`, "Sec-Fetch-Site", "cross-site"),
		http.StatusForbidden, "cross_origin_request")

	// Bad input is never a 500: oversized and odd forms.
	wantPage(t, c.postForm("/signin", url.Values{"login": {strings.Repeat("a", 5000)}, "password": {"x"}}), http.StatusUnauthorized, "not right")
	wantPage(t, c.postForm("/signin", url.Values{}), http.StatusBadRequest, "Enter your email or username")
	wantPage(t, c.do(http.MethodPost, "/signup", "multipart/form-data; boundary=zz", "garbage"), http.StatusBadRequest)
	if r := c.get("/assets/style.css"); r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/css") {
		t.Fatalf("stylesheet: %d %s", r.status, r.header.Get("Content-Type"))
	}
}

func TestManagedAndDeactivatedPeopleAreToldWhy(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		s := newSCIMTeam(t, srv, db, "acme")
		id := wantSCIM(t, s.do(http.MethodPost, "/Users", aliceSCIM), http.StatusCreated)["id"].(string)

		c := pageClient(t, srv.url)
		signIn := url.Values{"login": {"alice@acme.test"}, "password": {"correct horse battery staple"}}
		wantRedirect(t, c.postForm("/signin", signIn), "/settings/account")
		body := wantPage(t, c.get("/settings/account"), http.StatusOK, "Contact your Team Admin", "managed by your identity provider")
		if strings.Contains(body, `action="/settings/password"`) || strings.Contains(body, `action="/settings/email"`) {
			t.Fatal("a managed account is offered password and email forms")
		}
		wantPage(t, c.postForm("/settings/password", url.Values{"current_password": {"correct horse battery staple"},
			"new_password": {"my own new passphrase"}}), http.StatusForbidden, "managed_by_idp", "Contact your Team Admin")
		wantPage(t, c.postForm("/settings/email", url.Values{"email": {"alice@elsewhere.example"},
			"password": {"correct horse battery staple"}}), http.StatusForbidden, "managed_by_idp")

		wantSCIM(t, s.do(http.MethodPatch, "/Users/"+id,
			`{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"replace","value":{"active":false}}]}`), http.StatusOK)
		wantPage(t, c.get("/settings/account"), http.StatusForbidden, "Your account is deactivated", "account_deactivated",
			"deactivated by your team")
		wantPage(t, pageClient(t, srv.url).postForm("/signin", signIn), http.StatusForbidden, "account_deactivated")
	})
}

func TestRobotCheckGuardsSignUpAndEmailForms(t *testing.T) {
	srv := startServer(t, "sqlite:"+t.TempDir()+"/x.db", "--captcha", "on")
	c := pageClient(t, srv.url)
	for _, path := range []string{"/signup", "/password-reset", "/username-recovery", "/verify-email/resend"} {
		wantPage(t, c.get(path), http.StatusOK, `id="altcha" data-challenge="{`, "needs JavaScript", `<script src="/assets/altcha.js" nonce="`)
	}
	wantPage(t, c.postForm("/signup", signUpForm("bob", "bob@example.com")), http.StatusBadRequest, "The robot check did not pass",
		`value="bob@example.com"`)
	wantRedirect(t, c.get("/settings/account"), "/signin?return_to=%2Fsettings%2Faccount")
	form := url.Values{"email": {"bob@example.com"}, "altcha": {"bm90IGEgc29sdXRpb24="}}
	wantPage(t, c.postForm("/password-reset", form), http.StatusBadRequest, "The robot check did not pass")
	if r := c.get("/assets/altcha.js"); r.status != http.StatusOK || !strings.Contains(string(r.body), "crypto.subtle.digest") {
		t.Fatalf("altcha.js: %d", r.status)
	}
}

func TestSSORequiredTeamsGetTheirPage(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/x.db"
	srv := startServer(t, db)
	mustRun(t, "team", "create", "--db", db, "--slug", "acme", "--name", "Acme", "--plan", "enterprise")
	if r := idbridge(t, nil, "correct horse battery\n", "user", "create", "--db", db, "--team", "acme", "--username", "carol",
		"--email", "carol@acme.test", "--password-stdin"); r.code != 0 {
		t.Fatalf("user create: %d %s", r.code, r.stderr)
	}
	st, err := openStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	team, err := st.GetTeamBySlug(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	// What a Team Admin's "require SSO" switch does.
	if _, err := st.UpdateTeam(t.Context(), team.ID, func(tm *accounts.Team) error { tm.Settings.SSORequired = true; return nil }); err != nil {
		t.Fatal(err)
	}
	c := pageClient(t, srv.url)
	wantPage(t, c.postForm("/signin", url.Values{"login": {"carol"}, "password": {"correct horse battery"}}), http.StatusForbidden,
		"Single sign-on required", "sso_required", "Sign in with SSO")
	wantRedirect(t, c.get("/settings/account"), "/signin?return_to=%2Fsettings%2Faccount")
}

func TestHostilePageInputsNeverFail500(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		c := pageClient(t, srv.url)
		c.postForm("/signup", signUpForm("bob", "bob@example.com"))
		for _, tc := range []struct {
			path   string
			form   url.Values
			status int
		}{
			{"/settings/sessions/not-a-uuid/revoke", nil, http.StatusNotFound},
			{"/settings/sessions/00000000-0000-7000-8000-000000000000/revoke", nil, http.StatusNotFound},
			{"/settings/2fa/enable", url.Values{"code": {"\xff\xfe"}}, http.StatusConflict},
			{"/signin/2fa", url.Values{"mfa_token": {strings.Repeat("x", 5000)}, "code": {"123456"}}, http.StatusUnauthorized},
			{"/verify-email", url.Values{"token": {"\x00"}}, http.StatusBadRequest},
			{"/reset-password", url.Values{"token": {"%zz"}, "password": {"a perfectly fine passphrase"}}, http.StatusBadRequest},
			{"/confirm-email", url.Values{}, http.StatusBadRequest},
			{"/settings/notifications", url.Values{"pref": {"nonsense", "security.fax"}}, http.StatusSeeOther},
			{"/signup", url.Values{"username": {"\xff"}, "email": {strings.Repeat("a", 300) + "@x.com"}, "password": {"x"}}, http.StatusBadRequest},
		} {
			r := c.postForm(tc.path, tc.form)
			if r.status != tc.status {
				t.Errorf("POST %s: status %d, want %d; body %.300s", tc.path, r.status, tc.status, r.body)
			}
		}
	})
}
