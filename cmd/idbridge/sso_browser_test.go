package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/idbridge/idbridge/policy"
)

// TestBrowserSSOSignInWithTheDevelopmentIdP drives a real Chromium through
// single sign-on as `make run` offers it: from the sign-in page to the
// development IdP and back, JIT-provisioned onto the account settings;
// then, with JIT turned off for the team, to the refusal page with its
// reason and support reference.
func TestBrowserSSOSignInWithTheDevelopmentIdP(t *testing.T) {
	ctx := chromium(t)
	start := time.Now()
	db := "sqlite:" + t.TempDir() + "/sso.db"
	addr, base := freeBaseURL(t)
	mustRun(t, "demo", "--db", db, "--base-url", base)
	srv := startSSOServerAt(t, db, testKeys(t), addr, base, "--dev-idp")
	css := func(s string) chromedp.CSS { return chromedp.CSS(s) }
	checkConsole := watchConsole(t, ctx) // no script error, no CSP violation (the stylesheet included)
	// styled says whether the shared stylesheet applies to the page: its
	// header rule draws a border.
	styled := func(step string) {
		t.Helper()
		border := get(t, ctx, step, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("header.top")).borderBottomStyle`))
		if border != "solid" {
			t.Fatalf("%s: the page header is not styled by the shared stylesheet (border %q)", step, border)
		}
	}
	ssoAs := func(step, email, user string, arrive chromedp.Action[chromedp.Void]) {
		t.Helper()
		browse(t, ctx, step+": open the SSO form from the sign-in page",
			chromedp.Navigate(srv.url+"/signin"),
			chromedp.Click(css(`a[href^="/sso/start"]`)),
			chromedp.WaitVisible(css(`form[action="/sso/start"] #email`)),
			chromedp.SendKeys(css("#email"), email),
		)
		styled(step + ": the SSO form")
		screenshot(t, ctx, "sso-start-"+user)
		browse(t, ctx, step+": continue to the development IdP",
			chromedp.Click(css(`form[action="/sso/start"] button[type=submit]`)),
			chromedp.WaitVisible(css(`button[name="user"][value="`+user+`"]`)),
		)
		screenshot(t, ctx, "dev-idp-"+user)
		browse(t, ctx, step+": pick "+user+" on the IdP",
			chromedp.Click(css(`button[name="user"][value="`+user+`"]`)),
			arrive,
		)
	}

	ssoAs("alice signs in", "alice@acme.test", "alice", chromedp.WaitVisible(css("#profile")))
	if path := get(t, ctx, "read the address", chromedp.Evaluate[string](`location.pathname`)); path != "/settings/account" {
		t.Fatalf("after SSO the browser is at %s, want /settings/account", path)
	}
	if who := get(t, ctx, "read who is signed in", chromedp.Text(css(".who"))); !strings.Contains(who, "alice") {
		t.Fatalf("header says %q, want alice signed in", who)
	}
	wantText(t, ctx, "Account settings", "Alice Liddell", "alice@acme.test", "managed by your identity provider",
		"Your identity provider owns your name, email address and password.")
	screenshot(t, ctx, "sso-settings-account-alice")

	// The team stops JIT provisioning: bob, whom the IdP knows but idbridge
	// does not yet, is told why he cannot sign in and what to quote.
	mustRun(t, "team", "set", "--db", db, "--team", "acme", "--jit", "off")
	browse(t, ctx, "alice signs out",
		chromedp.Click(css(`form[action="/signout"] button`)),
		chromedp.WaitVisible(css(`form[action="/signin"]`)),
	)
	ssoAs("bob is refused", "bob@acme.test", "bob", chromedp.WaitVisible(css("#reference")))
	styled("the refusal page")
	reason := get(t, ctx, "read the reason", chromedp.AttributeValue(css("#message"), "data-reason"))
	ref := strings.TrimSpace(get(t, ctx, "read the reference", chromedp.Text(css("#reference"))))
	if reason.Value != string(policy.JITDisabled) || !regexp.MustCompile(`^[0-9A-F]{12}$`).MatchString(ref) {
		t.Fatalf("refusal reason %q, reference %q", reason.Value, ref)
	}
	wantText(t, ctx, "You cannot sign in yet", policy.Message(policy.JITDisabled), "What your Team Admin can do:",
		policy.AdminFix(policy.JITDisabled), "Support reference: "+ref, "it is in the audit log")
	screenshot(t, ctx, "sso-refusal-jit-disabled")
	if path := get(t, ctx, "read the address", chromedp.Evaluate[string](`location.pathname`)); strings.HasPrefix(path, "/settings") {
		t.Fatalf("refused, yet the browser is at %s", path)
	}
	store := openTestStore(t, db)
	events, err := store.ListAudit(t.Context(), mustTeam(t, store).ID, 50)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, e := range events {
		found = found || (e.Action == "sso.refuse" && e.Details["reference"] == ref && e.Details["reason"] == string(policy.JITDisabled))
	}
	if !found {
		t.Errorf("no sso.refuse audit event with the reference %s the page shows", ref)
	}

	checkConsole()
	t.Logf("SSO in the browser took %s", time.Since(start).Round(time.Millisecond))
}
