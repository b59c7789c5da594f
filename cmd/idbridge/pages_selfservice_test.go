package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// linkPath turns an emailed link (built on the configured base URL) into a
// path and query for the test server.
func linkPath(t *testing.T, link string) string {
	t.Helper()
	return mustParseURL(t, link).RequestURI()
}

func tokenOf(t *testing.T, path string) string {
	t.Helper()
	return mustParseURL(t, path).Query().Get("token")
}

func TestEmailedLinksConfirmOnlyWithTheButton(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv, mail := startMailServer(t, db)
		c := pageClient(t, srv.url)
		c.postForm("/signup", signUpForm("bob", "bob@example.com"))

		verify := linkPath(t, firstLink(t, mail.WaitFor(t, "bob@example.com", "Confirm your email address").Body, "/verify-email?token="))
		body := wantPage(t, c.get(verify), http.StatusOK, "Confirm your email address", `action="/verify-email"`, tokenOf(t, verify))
		if strings.Contains(body, "is confirmed") {
			t.Fatal("opening the link confirmed the address")
		}
		wantPage(t, c.get("/settings/account"), http.StatusOK, "not confirmed", `<a href="/verify-email/resend">Send a new link</a>`)
		wantPage(t, c.get("/verify-email/resend"), http.StatusOK, `value="bob@example.com"`)
		form := url.Values{"token": {tokenOf(t, verify)}}
		wantRedirect(t, c.postForm("/verify-email", form), "/settings/account?done=email_verified")
		body = wantPage(t, c.get("/settings/account?done=email_verified"), http.StatusOK, "Your email address is confirmed.")
		if strings.Contains(body, "not confirmed") {
			t.Fatal("the address still shows as not confirmed")
		}
		wantPage(t, c.postForm("/verify-email", form), http.StatusBadRequest, "That link does not work any more", "invalid_token")
		wantPage(t, pageClient(t, srv.url).postForm("/verify-email", url.Values{"token": {"forged"}}), http.StatusBadRequest, "invalid_token")
	})
}

func TestPasswordAndEmailChangePages(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv, mail := startMailServer(t, db)
		c, other := pageClient(t, srv.url), pageClient(t, srv.url)
		c.postForm("/signup", signUpForm("bob", "bob@example.com"))
		wantRedirect(t, other.postForm("/signin", url.Values{"login": {"bob"}, "password": {"correct horse battery"}}), "/settings/account")

		change := url.Values{"current_password": {"wrong one!"}, "new_password": {"a brand new passphrase"}}
		wantPage(t, c.postForm("/settings/password", change), http.StatusUnauthorized, `id="password-error"`, "That password is not right.")
		change.Set("current_password", "correct horse battery")
		change.Set("new_password", "password")
		wantPage(t, c.postForm("/settings/password", change), http.StatusBadRequest, `id="password-error"`)
		change.Set("new_password", "a brand new passphrase")
		wantRedirect(t, c.postForm("/settings/password", change), "/settings/account?done=password_changed")
		wantPage(t, c.get("/settings/account?done=password_changed"), http.StatusOK, "Your password is changed.")
		wantPage(t, other.get("/settings/account"), http.StatusUnauthorized, "Your session has ended")

		email := url.Values{"email": {"robert@example.com"}, "password": {"correct horse battery"}}
		wantPage(t, c.postForm("/settings/email", email), http.StatusUnauthorized, `id="email-error"`, `value="robert@example.com"`)
		email.Set("password", "a brand new passphrase")
		wantRedirect(t, c.postForm("/settings/email", email), "/settings/account?done=email_change_sent")
		wantPage(t, c.get("/settings/account"), http.StatusOK, "bob@example.com")
		confirm := linkPath(t, firstLink(t, mail.WaitFor(t, "robert@example.com", "Confirm your new email address").Body, "/confirm-email?token="))
		wantPage(t, c.get(confirm), http.StatusOK, "Confirm your new email address", "Use this email address")
		wantRedirect(t, c.postForm("/confirm-email", url.Values{"token": {tokenOf(t, confirm)}}), "/settings/account?done=email_changed")
		wantPage(t, c.get("/settings/account?done=email_changed"), http.StatusOK, "Your email address is changed.", "robert@example.com")
		if b := mail.WaitFor(t, "bob@example.com", "Your email address was changed").Body; !strings.Contains(b, "robert@example.com") {
			t.Fatalf("the old address is told %q", b)
		}
	})
}

func TestForgotPasswordAndUsernamePages(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv, mail := startMailServer(t, db)
		pageClient(t, srv.url).postForm("/signup", signUpForm("bob", "bob@example.com"))
		c := pageClient(t, srv.url)

		wantPage(t, c.get("/signin"), http.StatusOK, `href="/password-reset"`, `href="/username-recovery"`)
		wantPage(t, c.get("/password-reset"), http.StatusOK, "Reset your password", "Email me a reset link")
		wantPage(t, c.postForm("/password-reset", url.Values{"email": {"not an address"}}), http.StatusBadRequest, `id="email-error"`)
		known := wantPage(t, c.postForm("/password-reset", url.Values{"email": {"bob@example.com"}}), http.StatusOK, "If an account has that address")
		unknown := wantPage(t, c.postForm("/password-reset", url.Values{"email": {"nobody@example.com"}}), http.StatusOK)
		if strip(known) != strip(unknown) {
			t.Fatal("the answer differs for an unknown address")
		}
		reset := linkPath(t, firstLink(t, mail.WaitFor(t, "bob@example.com", "Reset your password").Body, "/reset-password?token="))
		wantPage(t, c.get(reset), http.StatusOK, "Set a new password", tokenOf(t, reset))
		form := url.Values{"token": {tokenOf(t, reset)}, "password": {"bob"}}
		wantPage(t, c.postForm("/reset-password", form), http.StatusBadRequest, `id="password-error"`)
		form.Set("password", "a completely new passphrase")
		wantRedirect(t, c.postForm("/reset-password", form), "/signin?done=password_reset")
		wantPage(t, c.postForm("/reset-password", form), http.StatusBadRequest, "invalid_token")
		wantRedirect(t, c.postForm("/signin", url.Values{"login": {"bob"}, "password": {"a completely new passphrase"}}), "/settings/account")

		wantPage(t, c.postForm("/username-recovery", url.Values{"email": {"BOB@example.com"}}), http.StatusOK, "we sent its username there")
		if b := mail.WaitFor(t, "bob@example.com", "Your username").Body; !strings.Contains(b, "bob") {
			t.Fatalf("username mail %q", b)
		}
		wantPage(t, c.postForm("/verify-email/resend", url.Values{"email": {"bob@example.com"}}), http.StatusOK, "a new link is on its way")
	})
}

// strip removes what differs between any two responses (the reference id).
func strip(page string) string {
	i := strings.Index(page, "<footer>")
	if i < 0 {
		return page
	}
	return page[:i]
}
