package main

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestBrowserAccountJourney drives a real Chromium through the account pages
// the way a person would, on the embedded store.
func TestBrowserAccountJourney(t *testing.T) {
	ctx := browser(t)
	start := time.Now()
	srv := startServer(t, "sqlite:"+t.TempDir()+"/journey.db")

	// Sign up.
	browse(t, ctx, "sign up",
		chromedp.Navigate(srv.url+"/signup"),
		chromedp.SendKeys(chromedp.CSS("#username"), "dana"),
		chromedp.SendKeys(chromedp.CSS("#email"), "dana@example.com"),
		chromedp.SendKeys(chromedp.CSS("#name"), "Dana Scully"),
		chromedp.SendKeys(chromedp.CSS("#password"), "correct horse battery"),
		chromedp.Click(chromedp.CSS("button[type=submit]")),
		chromedp.WaitVisible(chromedp.CSS("#profile")),
	)
	wantText(t, ctx, "Your account is ready", "dana@example.com", "not confirmed")
	screenshot(t, ctx, "settings-account")

	// Another device signs in; the browser sees it and revokes it.
	phone := pageClient(t, srv.url)
	phoneUA := "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1"
	wantRedirect(t, phone.postForm("/signin", url.Values{"login": {"dana"}, "password": {"correct horse battery"}}, "User-Agent", phoneUA),
		"/settings/account")
	browse(t, ctx, "open sessions",
		chromedp.Click(chromedp.CSS(`a[href="/settings/sessions"]`)),
		chromedp.WaitVisible(chromedp.CSS("table")),
	)
	wantText(t, ctx, "Chrome on Linux", "This device", "Safari on iOS")
	screenshot(t, ctx, "settings-sessions")
	browse(t, ctx, "revoke the phone",
		chromedp.Click(chromedp.CSS(`button[aria-label^="Sign out Safari on iOS"]`)),
		chromedp.WaitVisible(chromedp.CSS(".notice")),
	)
	wantText(t, ctx, "The session is signed out.")
	wantPage(t, phone.get("/settings/account"), http.StatusUnauthorized, "Your session has ended")

	t.Logf("journey took %s", time.Since(start).Round(time.Millisecond))
}
