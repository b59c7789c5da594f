package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
)

var (
	secretOnPage   = regexp.MustCompile(`id="totp-secret"><code>([A-Z2-7]+)</code>`)
	codesOnPage    = regexp.MustCompile(`<li><code>([^<]+)</code></li>`)
	mfaTokenOnPage = regexp.MustCompile(`name="mfa_token" value="([^"]+)"`)
)

// appCode is the authenticator app: the code for the step at now+skew.
// A step's code is accepted once, and only for a step after the last one
// used, so a test spends the current step's code and then the next one's
// (the server accepts ±1 step) instead of waiting 30 seconds.
func appCode(t *testing.T, secret string, skew time.Duration) string {
	t.Helper()
	code, err := totp.GenerateCode(secret, time.Now().Add(skew))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func TestTwoFactorPages(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		c, other := pageClient(t, srv.url), pageClient(t, srv.url)
		wantRedirect(t, c.postForm("/signup", signUpForm("bob", "bob@example.com")), "/settings/account?done=signed_up")
		signIn := url.Values{"login": {"bob"}, "password": {"correct horse battery"}}
		wantRedirect(t, other.postForm("/signin", signIn), "/settings/account")
		wantPage(t, c.get("/settings/account"), http.StatusOK, "Two-factor authentication", "Off", `action="/settings/2fa/setup"`)

		wantPage(t, c.postForm("/settings/2fa/setup", url.Values{"password": {"wrong password"}}), http.StatusUnauthorized,
			`id="setup-error"`, "That password is not right.")
		body := wantPage(t, c.postForm("/settings/2fa/setup", url.Values{"password": {"correct horse battery"}}), http.StatusOK,
			"Set up two-factor authentication", `<img src="data:image/png;base64,`, "scan it?")
		secret := secretOnPage.FindStringSubmatch(body)[1]

		body = wantPage(t, c.postForm("/settings/2fa/enable", url.Values{"code": {"000000"}, "secret": {secret}}), http.StatusUnauthorized,
			"That code is not right", secret)
		if strings.Contains(body, "recovery") {
			t.Fatal("a wrong code shows recovery codes")
		}
		r := c.postForm("/settings/2fa/enable", url.Values{"code": {appCode(t, secret, 0)}})
		body = wantPage(t, r, http.StatusOK, "Two-factor authentication is on", "only time they are shown",
			`download="idbridge-recovery-codes.txt"`, `href="data:text/plain;charset=utf-8;base64,`, "Copy codes")
		codes := codesOnPage.FindAllStringSubmatch(body, -1)
		if len(codes) != 10 {
			t.Fatalf("%d recovery codes shown, want 10", len(codes))
		}
		sessionCookie(t, r) // the session was rotated
		wantPage(t, c.get("/settings/account"), http.StatusOK, "On", "10 recovery codes left", "Regenerate recovery codes", "Turn off")
		wantPage(t, other.get("/settings/account"), http.StatusUnauthorized, "Your session has ended")

		// Sign in: password, then the second step.
		wantRedirect(t, c.postForm("/signout", nil), "/signin?done=signed_out")
		signIn.Set("return_to", "/settings/notifications")
		body = wantPage(t, c.postForm("/signin", signIn), http.StatusOK, "Two-factor authentication", "Use a recovery code",
			`autocomplete="one-time-code"`, `name="return_to" value="/settings/notifications"`)
		wantRedirect(t, c.get("/settings/account"), "/signin?return_to=%2Fsettings%2Faccount") // no session yet
		token := mfaTokenOnPage.FindStringSubmatch(body)[1]
		step2 := url.Values{"mfa_token": {token}, "return_to": {"/settings/notifications"}}
		step2.Set("code", "123456")
		wantPage(t, c.postForm("/signin/2fa", step2), http.StatusUnauthorized, "That code is not right")
		step2.Set("code", appCode(t, secret, 30*time.Second)) // this step's code was spent
		wantRedirect(t, c.postForm("/signin/2fa", step2), "/settings/notifications")
		wantPage(t, c.get("/settings/notifications"), http.StatusOK, "Two-factor authentication turned on",
			`Notifications <span class="badge" aria-label="1 unread">1</span>`, "1 unread")
		wantRedirect(t, c.postForm("/settings/notifications/read", nil), "/settings/notifications")
		body = wantPage(t, c.get("/settings/notifications"), http.StatusOK, "0 unread")
		if strings.Contains(body, `aria-label="1 unread"`) {
			t.Fatal("the menu still counts read notifications")
		}

		// A recovery code works once.
		wantRedirect(t, c.postForm("/signout", nil), "/signin?done=signed_out")
		signIn.Set("keep", "1") // "Keep me signed in" carries through the second step
		token = mfaTokenOnPage.FindStringSubmatch(string(c.postForm("/signin", signIn).body))[1]
		signIn.Del("keep")
		rc := url.Values{"mfa_token": {token}, "recovery_code": {codes[0][1]}}
		r = c.postForm("/signin/2fa", rc)
		wantRedirect(t, r, "/settings/account")
		if ck := sessionCookie(t, r); ck.MaxAge < 30*24*3600 {
			t.Fatalf("cookie after the second step %+v, want a persistent one", ck)
		}
		wantPage(t, c.get("/settings/account"), http.StatusOK, "9 recovery codes left")
		wantRedirect(t, c.postForm("/signout", nil), "/signin?done=signed_out")
		token = mfaTokenOnPage.FindStringSubmatch(string(c.postForm("/signin", signIn).body))[1]
		rc.Set("mfa_token", token)
		wantPage(t, c.postForm("/signin/2fa", rc), http.StatusUnauthorized, "That recovery code is not valid or was used already")
		rc.Set("recovery_code", codes[1][1])
		wantRedirect(t, c.postForm("/signin/2fa", rc), "/settings/account")

		// Regenerate: a new set, the old one dies.
		wantPage(t, c.postForm("/settings/2fa/recovery-codes", url.Values{"password": {"nope nope nope"}}), http.StatusUnauthorized,
			`id="regen-error"`)
		body = wantPage(t, c.postForm("/settings/2fa/recovery-codes", url.Values{"password": {"correct horse battery"}}), http.StatusOK,
			"New recovery codes", "Your old codes no longer work")
		if n := len(codesOnPage.FindAllString(body, -1)); n != 10 {
			t.Fatalf("%d new codes, want 10", n)
		}

		// Turn off needs the password and a code.
		wantPage(t, c.postForm("/settings/2fa/disable", url.Values{"password": {"correct horse battery"}, "code": {"000000"}}),
			http.StatusUnauthorized, `id="off-error"`)
	})
}

func TestTurningTwoFactorOff(t *testing.T) {
	srv := startServer(t, "sqlite:"+t.TempDir()+"/x.db")
	c := pageClient(t, srv.url)
	c.postForm("/signup", signUpForm("bob", "bob@example.com"))
	body := string(c.postForm("/settings/2fa/setup", url.Values{"password": {"correct horse battery"}}).body)
	secret := secretOnPage.FindStringSubmatch(body)[1]
	wantPage(t, c.postForm("/settings/2fa/enable", url.Values{"code": {appCode(t, secret, 0)}}), http.StatusOK, "is on")

	off := url.Values{"password": {"not the password"}, "code": {appCode(t, secret, 30*time.Second)}}
	wantPage(t, c.postForm("/settings/2fa/disable", off), http.StatusUnauthorized, `id="off-error"`, "That password is not right.")
	off.Set("password", "correct horse battery")
	wantRedirect(t, c.postForm("/settings/2fa/disable", off), "/settings/account?done=mfa_disabled")
	wantPage(t, c.get("/settings/account?done=mfa_disabled"), http.StatusOK, "Two-factor authentication is off.", "Off")
	c.postForm("/signout", nil)
	wantRedirect(t, c.postForm("/signin", url.Values{"login": {"bob"}, "password": {"correct horse battery"}}), "/settings/account")
}
func TestNotificationPreferencesPage(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		c := pageClient(t, srv.url)
		c.postForm("/signup", signUpForm("bob", "bob@example.com"))
		body := wantPage(t, c.get("/settings/notifications"), http.StatusOK, "Notifications", "Security", "Usage", "Monitors",
			"Comments", "Email", "In-app", "Slack", "Update preferences", "0 unread", `aria-label="Comments by Slack"`)
		if !strings.Contains(body, `value="security.email" id="pref-security.email" aria-label="Security by Email" checked`) {
			t.Fatal("security email is not on by default")
		}
		form := url.Values{"pref": {"security.email", "comments.slack"}}
		wantRedirect(t, c.postForm("/settings/notifications", form), "/settings/notifications?done=preferences")
		body = wantPage(t, c.get("/settings/notifications?done=preferences"), http.StatusOK, "Your notification preferences are updated.")
		for value, want := range map[string]bool{"security.email": true, "comments.slack": true, "security.in_app": false, "usage.email": false} {
			if got := strings.Contains(body, `value="`+value+`" id="pref-`+value+`" aria-label="`); !got {
				t.Fatalf("no checkbox %s", value)
			}
			checked := regexp.MustCompile(`value="` + regexp.QuoteMeta(value) + `"[^>]*checked>`).MatchString(body)
			if checked != want {
				t.Fatalf("%s checked = %v, want %v", value, checked, want)
			}
		}
	})
}

func TestSecondSignInStepEndsAfterFiveWrongCodes(t *testing.T) {
	srv := startServer(t, "sqlite:"+t.TempDir()+"/x.db")
	c := pageClient(t, srv.url)
	c.postForm("/signup", signUpForm("bob", "bob@example.com"))
	body := string(c.postForm("/settings/2fa/setup", url.Values{"password": {"correct horse battery"}}).body)
	secret := secretOnPage.FindStringSubmatch(body)[1]
	wantPage(t, c.postForm("/settings/2fa/enable", url.Values{"code": {appCode(t, secret, 0)}}), http.StatusOK, "is on")
	c.postForm("/signout", nil)

	body = wantPage(t, c.postForm("/signin", url.Values{"login": {"bob"}, "password": {"correct horse battery"}}), http.StatusOK, "Use a recovery code")
	step2 := url.Values{"mfa_token": {mfaTokenOnPage.FindStringSubmatch(body)[1]}, "code": {"111111"}}
	for range 5 {
		wantPage(t, c.postForm("/signin/2fa", step2), http.StatusUnauthorized, "That code is not right")
	}
	step2.Set("code", appCode(t, secret, 0))
	wantPage(t, c.postForm("/signin/2fa", step2), http.StatusUnauthorized, "This sign-in attempt has ended", `action="/signin"`)
	wantRedirect(t, c.get("/settings/account"), "/signin?return_to=%2Fsettings%2Faccount")
}

func TestTooManySignInsGetAPageWithRetryAfter(t *testing.T) {
	srv := startServer(t, "sqlite:"+t.TempDir()+"/x.db")
	c := pageClient(t, srv.url)
	c.postForm("/signup", signUpForm("bob", "bob@example.com"))
	wrong := url.Values{"login": {"bob"}, "password": {"not the password"}}
	var r response
	for range 20 {
		if r = c.postForm("/signin", wrong); r.status == http.StatusTooManyRequests {
			break
		}
	}
	wantPage(t, r, http.StatusTooManyRequests, "Too many attempts", "rate_limited")
	if r.header.Get("Retry-After") == "" {
		t.Fatal("no Retry-After")
	}
}
