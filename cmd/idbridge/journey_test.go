package main

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserAccountJourney drives a real Chromium through the account pages
// the way a person would, on the embedded store: sign up, confirm the
// address from the emailed link, turn on two-factor authentication from the
// QR page, sign out, sign in with a code and with a recovery code, revoke
// another device's session and change notification preferences.
func TestBrowserAccountJourney(t *testing.T) {
	ctx := chromium(t)
	start := time.Now()
	db := "sqlite:" + t.TempDir() + "/journey.db"
	// Mail goes to an SMTP server in this process.
	srv, mail := startMailServer(t, db, "--captcha", "on")
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	checkConsole := watchConsole(t, ctx) // no script error, no CSP violation
	const password = "correct horse battery"

	browse(t, ctx, "sign up",
		chromedp.Navigate(srv.url+"/signup"),
		chromedp.SendKeys(css("#username"), "dana"),
		chromedp.SendKeys(css("#email"), "dana@example.com"),
		chromedp.SendKeys(css("#name"), "Dana Scully"),
		chromedp.SendKeys(css("#password"), password),
		// The page solves the proof-of-work challenge itself.
		chromedp.WaitVisible(css(`#altcha[data-solved="true"]`)),
		chromedp.Click(css(`form[action="/signup"] button[type=submit]`)),
		chromedp.WaitVisible(css("#profile")),
	)
	wantText(t, ctx, "Your account is ready", "dana@example.com", "not confirmed")

	verify := linkPath(t, firstLink(t, mail.WaitFor(t, "dana@example.com", "Confirm your email address").Body, "/verify-email?token="))
	browse(t, ctx, "confirm the address from the emailed link",
		chromedp.Navigate(srv.url+verify),
		chromedp.Click(css(`form[action="/verify-email"] button`)),
		chromedp.WaitVisible(css("#profile")),
	)
	wantText(t, ctx, "Your email address is confirmed.")
	screenshot(t, ctx, "settings-account")

	browse(t, ctx, "start two-factor setup",
		chromedp.SendKeys(css("#setup-password"), password),
		chromedp.Click(css("#setup-form button")),
		chromedp.WaitVisible(css("#totp-secret")),
	)
	secret := strings.TrimSpace(get(t, ctx, "read the secret", chromedp.Text(css("#totp-secret"))))
	if qrWidth := get(t, ctx, "QR code drawn", chromedp.Evaluate[int](`document.querySelector("img").naturalWidth`)); qrWidth != 256 {
		t.Fatalf("QR image width %d, want 256", qrWidth)
	}
	screenshot(t, ctx, "settings-2fa-setup")
	browse(t, ctx, "confirm the first code",
		chromedp.SendKeys(css("#code"), appCode(t, secret, 0)),
		chromedp.Click(css("#enable-form button")),
		chromedp.WaitVisible(css("#recovery-codes")),
	)
	wantText(t, ctx, "Two-factor authentication is on", "only time they are shown", "Download as .txt")
	codes := strings.Fields(get(t, ctx, "read the recovery codes", chromedp.Text(css("#recovery-codes"))))
	if len(codes) != 10 {
		t.Fatalf("%d recovery codes shown, want 10: %q", len(codes), codes)
	}
	href := get(t, ctx, "read the download link", chromedp.AttributeValue(css("a[download]"), "href")).Value
	txt, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(href, "data:text/plain;charset=utf-8;base64,"))
	if err != nil || !strings.Contains(string(txt), codes[0]+"\n") || !strings.Contains(string(txt), codes[9]+"\n") {
		t.Fatalf("the .txt download holds %q (err %v), want the codes", txt, err)
	}
	screenshot(t, ctx, "settings-2fa-recovery-codes")

	signOut := chromedp.Steps(
		chromedp.Click(css(`form[action="/signout"] button`)),
		chromedp.WaitVisible(css(`form[action="/signin"]`)),
	)
	signIn := chromedp.Steps(
		chromedp.SendKeys(css("#login"), "dana@example.com"),
		chromedp.SendKeys(css("#password"), password),
		chromedp.Click(css(`form[action="/signin"] button`)),
		chromedp.WaitVisible(css("#code-form")),
	)
	browse(t, ctx, "sign out, then sign in with a code", signOut, signIn,
		// The next step's code: this step's was spent turning 2FA on.
		chromedp.SendKeys(css("#code"), appCode(t, secret, 30*time.Second)),
		chromedp.Click(css("#code-form button")),
		chromedp.WaitVisible(css("#profile")),
	)
	wantText(t, ctx, "dana@example.com", "10 recovery codes left")
	browse(t, ctx, "sign out, then sign in with a recovery code", signOut, signIn,
		chromedp.Click(css("details summary")),
		chromedp.SendKeys(css("#recovery_code"), codes[0]),
		chromedp.Click(css("#recovery-form button")),
		chromedp.WaitVisible(css("#profile")),
	)
	wantText(t, ctx, "9 recovery codes left")

	// Another device signs in (with a recovery code); the browser sees it
	// and revokes it.
	phone := pageClient(t, srv.url)
	phoneUA := "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1"
	step1 := phone.postForm("/signin", url.Values{"login": {"dana"}, "password": {password}}, "User-Agent", phoneUA)
	token := mfaTokenOnPage.FindStringSubmatch(string(step1.body))[1]
	wantRedirect(t, phone.postForm("/signin/2fa", url.Values{"mfa_token": {token}, "recovery_code": {codes[1]}}, "User-Agent", phoneUA),
		"/settings/account")
	browse(t, ctx, "open sessions",
		chromedp.Click(css(`a[href="/settings/sessions"]`)),
		chromedp.WaitVisible(css("table")),
	)
	wantText(t, ctx, "Chrome on Linux", "This device", "Safari on iOS")
	screenshot(t, ctx, "settings-sessions")
	browse(t, ctx, "revoke the phone",
		chromedp.Click(css(`button[aria-label^="Sign out Safari on iOS"]`)),
		chromedp.WaitVisible(css(".notice")),
	)
	wantText(t, ctx, "The session is signed out.")
	if strings.Contains(pageText(t, ctx), "Safari on iOS") {
		t.Fatal("the revoked session is still listed")
	}
	wantPage(t, phone.get("/settings/account"), http.StatusUnauthorized, "Your session has ended")

	browse(t, ctx, "open notifications",
		chromedp.Click(css(`a[href="/settings/notifications"]`)),
		chromedp.WaitVisible(css("#prefs-form")),
	)
	wantText(t, ctx, "Two-factor authentication turned on", "unread")
	browse(t, ctx, "change preferences",
		chromedp.Click(css(`[id="pref-comments.slack"]`)),
		chromedp.Click(css(`[id="pref-usage.email"]`)),
		chromedp.Click(css("#prefs-form button")),
		chromedp.WaitVisible(css(".notice")),
	)
	wantText(t, ctx, "Your notification preferences are updated.")
	state := get(t, ctx, "read the checkboxes", chromedp.Evaluate[[]bool](
		`["comments.slack","usage.email","security.email"].map(v => document.getElementById("pref-" + v).checked)`))
	if len(state) != 3 || !state[0] || state[1] || !state[2] {
		t.Fatalf("after saving, comments.slack/usage.email/security.email checked = %v, want true/false/true", state)
	}
	screenshot(t, ctx, "settings-notifications")

	checkConsole()
	t.Logf("journey took %s", time.Since(start).Round(time.Millisecond))
}
