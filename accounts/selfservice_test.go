package accounts_test

import (
	"context"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

var linkRe = regexp.MustCompile(`https://id\.example\.com(/[a-z-]+)\?token=(\S+)`)

// lastMail returns the newest outbox email to addr.
func lastMail(t *testing.T, r *securityRig, to string) accounts.OutboxMessage {
	t.Helper()
	ms, err := r.svc.SentMail(context.Background(), 100)
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range ms {
		if m.Recipient == to {
			return m
		}
	}
	t.Fatalf("no email to %s", to)
	return accounts.OutboxMessage{}
}

func mailCount(t *testing.T, r *securityRig) int {
	ms, err := r.svc.SentMail(context.Background(), 1000)
	if err != nil {
		t.Fatal(err)
	}
	return len(ms)
}

// linkToken returns the path and token of the link in m.
func linkToken(t *testing.T, m accounts.OutboxMessage) (string, string) {
	t.Helper()
	match := linkRe.FindStringSubmatch(m.Body)
	if match == nil {
		t.Fatalf("no link under the base URL in %q", m.Body)
	}
	tok, err := url.QueryUnescape(match[2])
	if err != nil {
		t.Fatal(err)
	}
	return match[1], tok
}

func TestSignUpSendsAVerificationLinkThatWorksOnce(t *testing.T) {
	ctx := context.Background()
	r := newSecurityRig(t)
	path, tok := linkToken(t, lastMail(t, r, "alice@example.com"))
	if path != accounts.LinkVerifyEmail {
		t.Fatalf("link path %s", path)
	}
	u, err := r.svc.VerifyEmail(ctx, tok)
	if err != nil || u.EmailVerifiedAt == nil {
		t.Fatalf("verify: %v %+v", err, u)
	}
	_, err = r.svc.VerifyEmail(ctx, tok)
	wantCode(t, err, accounts.CodeInvalidToken)
	before := mailCount(t, r)
	if err := r.svc.ResendVerification(ctx, accounts.EmailRequest{Email: "alice@example.com", IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	if err := r.svc.ResendVerification(ctx, accounts.EmailRequest{Email: "nobody@example.com", IP: "192.0.2.1"}); err != nil {
		t.Fatalf("unknown address: %v, want the same answer", err)
	}
	if n := mailCount(t, r); n != before {
		t.Fatalf("resend for a verified or unknown address sent %d emails", n-before)
	}
}

func TestChangePasswordRevokesOtherSessionsAndRetiresPendingTokens(t *testing.T) {
	ctx := context.Background()
	r := newSecurityRig(t)
	keep := r.caller
	r.signIn(t)
	other := r.caller
	r.caller = keep
	if err := r.svc.RequestPasswordReset(ctx, accounts.EmailRequest{Email: "alice@example.com", IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	_, resetTok := linkToken(t, lastMail(t, r, "alice@example.com"))
	err := r.svc.ChangePassword(ctx, r.caller, "wrong", "a brand new passphrase", nil)
	wantCode(t, err, accounts.CodeInvalidCredentials)
	refuse := func(accounts.User, []accounts.Team) error { return accounts.Errorf("managed_by_idp", "no") }
	err = r.svc.ChangePassword(ctx, r.caller, "correct horse battery", "a brand new passphrase", refuse)
	wantCode(t, err, "managed_by_idp")
	if err := r.svc.ChangePassword(ctx, r.caller, "correct horse battery", "a brand new passphrase", nil); err != nil {
		t.Fatal(err)
	}
	live, _ := r.svc.Sessions(ctx, r.user.ID)
	if len(live) != 1 || live[0].ID != keep.Session.ID || live[0].ID == other.Session.ID {
		t.Fatalf("live sessions %v: want only the current one", live)
	}
	err = r.svc.ResetPassword(ctx, accounts.ResetPasswordInput{Token: resetTok, Password: "yet another passphrase"})
	wantCode(t, err, accounts.CodeInvalidToken)
	if m := lastMail(t, r, "alice@example.com"); m.Subject != "Your password was changed" {
		t.Fatalf("last email %q: want the security notice", m.Subject)
	}
	if _, err := r.svc.Authenticate(ctx, "alice", "a brand new passphrase", "192.0.2.1"); err != nil {
		t.Fatal(err)
	}
}

func TestPasswordReset(t *testing.T) {
	ctx := context.Background()
	r := newSecurityRig(t)
	req := accounts.EmailRequest{Email: "ALICE@example.com", IP: "192.0.2.1"}
	if err := r.svc.RequestPasswordReset(ctx, req); err != nil {
		t.Fatal(err)
	}
	_, first := linkToken(t, lastMail(t, r, "alice@example.com"))
	r.clock.now = r.clock.now.Add(time.Minute)
	if err := r.svc.RequestPasswordReset(ctx, req); err != nil {
		t.Fatal(err)
	}
	path, second := linkToken(t, lastMail(t, r, "alice@example.com"))
	if path != accounts.LinkResetPassword || len(second) < 43 {
		t.Fatalf("link %s token %q", path, second)
	}
	before := mailCount(t, r)
	if err := r.svc.RequestPasswordReset(ctx, accounts.EmailRequest{Email: "nobody@example.com", IP: "192.0.2.1"}); err != nil {
		t.Fatalf("unknown address: %v, want the same answer", err)
	}
	if mailCount(t, r) != before {
		t.Fatal("an email went out for an unknown address")
	}
	err := r.svc.ResetPassword(ctx, accounts.ResetPasswordInput{Token: first, Password: "a brand new passphrase"})
	wantCode(t, err, accounts.CodeInvalidToken) // the newest link wins
	err = r.svc.ResetPassword(ctx, accounts.ResetPasswordInput{Token: second, Password: "short"})
	wantCode(t, err, accounts.CodeWeakPassword)
	if err := r.svc.ResetPassword(ctx, accounts.ResetPasswordInput{Token: second, Password: "a brand new passphrase"}); err != nil {
		t.Fatal(err)
	}
	if live, _ := r.svc.Sessions(ctx, r.user.ID); len(live) != 0 {
		t.Fatalf("%d sessions survived a reset", len(live))
	}
	err = r.svc.ResetPassword(ctx, accounts.ResetPasswordInput{Token: second, Password: "another brand new one"})
	wantCode(t, err, accounts.CodeInvalidToken)

	if err := r.svc.RequestPasswordReset(ctx, req); err != nil {
		t.Fatal(err)
	}
	_, late := linkToken(t, lastMail(t, r, "alice@example.com"))
	r.clock.now = r.clock.now.Add(time.Hour + time.Second)
	err = r.svc.ResetPassword(ctx, accounts.ResetPasswordInput{Token: late, Password: "another brand new one"})
	wantCode(t, err, accounts.CodeInvalidToken)
}

func TestEmailChangeSwitchesOnlyAfterConfirmation(t *testing.T) {
	ctx := context.Background()
	r := newSecurityRig(t)
	// A reset link mailed to the old address before the change.
	if err := r.svc.RequestPasswordReset(ctx, accounts.EmailRequest{Email: "alice@example.com", IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	_, resetToken := linkToken(t, lastMail(t, r, "alice@example.com"))
	if err := r.svc.RequestEmailChange(ctx, r.caller, "alice@new.example", nil); err != nil {
		t.Fatal(err)
	}
	if u, _ := r.st.GetUser(ctx, r.user.ID); u.Email != "alice@example.com" {
		t.Fatalf("email switched before confirmation: %s", u.Email)
	}
	path, tok := linkToken(t, lastMail(t, r, "alice@new.example"))
	if path != accounts.LinkConfirmEmail {
		t.Fatalf("path %s", path)
	}
	u, err := r.svc.ConfirmEmailChange(ctx, tok, nil)
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "alice@new.example" || u.EmailVerifiedAt == nil {
		t.Fatalf("after confirm %+v", u)
	}
	if m := lastMail(t, r, "alice@example.com"); !strings.Contains(m.Body, "alice@new.example") {
		t.Fatalf("old address not told: %q", m.Body)
	}
	_, err = r.svc.ConfirmEmailChange(ctx, tok, nil)
	wantCode(t, err, accounts.CodeInvalidToken)
	// The old mailbox no longer opens the account.
	err = r.svc.ResetPassword(ctx, accounts.ResetPasswordInput{Token: resetToken, Password: "an attacker's passphrase"})
	wantCode(t, err, accounts.CodeInvalidToken)

	r.clock.now = r.clock.now.Add(16 * time.Minute)
	err = r.svc.RequestEmailChange(ctx, r.caller, "alice@third.example", nil)
	wantCode(t, err, accounts.CodeReauthRequired)
}

func TestUsernameRecoveryAnswersTheSameForUnknownAddresses(t *testing.T) {
	ctx := context.Background()
	r := newSecurityRig(t)
	if err := r.svc.RecoverUsername(ctx, accounts.EmailRequest{Email: "alice@example.com", IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	if m := lastMail(t, r, "alice@example.com"); !strings.Contains(m.Body, "alice") || m.Subject != "Your username" {
		t.Fatalf("mail %+v", m)
	}
	before := mailCount(t, r)
	if err := r.svc.RecoverUsername(ctx, accounts.EmailRequest{Email: "nobody@example.com", IP: "192.0.2.1"}); err != nil {
		t.Fatal(err)
	}
	if mailCount(t, r) != before {
		t.Fatal("mail for an unknown address")
	}
	for range 5 {
		_ = r.svc.RecoverUsername(ctx, accounts.EmailRequest{Email: "alice@example.com", IP: "192.0.2.1"})
	}
	err := r.svc.RecoverUsername(ctx, accounts.EmailRequest{Email: "alice@example.com", IP: "192.0.2.1"})
	wantCode(t, err, accounts.CodeRateLimited)
}

func TestOutboxRetriesWithBackoffAndDeliversOnce(t *testing.T) {
	ctx := context.Background()
	r := newSecurityRig(t)
	fail := &flakyMailer{failures: 2}
	for i := range 3 {
		n, err := r.svc.DeliverOutbox(ctx, accounts.Delivery{Mail: fail})
		if err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("round %d sent %d while the server fails", i, n)
		}
		r.clock.now = r.clock.now.Add(20 * time.Second) // inside the 30 s backoff only the first time
	}
	r.clock.now = r.clock.now.Add(2 * time.Minute)
	n, err := r.svc.DeliverOutbox(ctx, accounts.Delivery{Mail: fail})
	if err != nil || n != 1 {
		t.Fatalf("after backoff sent %d, %v; want the verification email", n, err)
	}
	n, _ = r.svc.DeliverOutbox(ctx, accounts.Delivery{Mail: fail})
	if n != 0 || len(fail.sent) != 1 {
		t.Fatalf("delivered again: %d, %v", n, fail.sent)
	}
	if !strings.Contains(fail.sent[0].Body, "https://id.example.com/verify-email?token=") {
		t.Fatalf("sent body %q", fail.sent[0].Body)
	}
	if m := lastMail(t, r, "alice@example.com"); m.SentAt == nil || m.Body != "" {
		t.Fatalf("outbox row after delivery %+v: want sent with its link-bearing body emptied", m)
	}
}

type flakyMailer struct {
	failures int
	sent     []accounts.Mail
}

func (f *flakyMailer) SendMail(_ context.Context, m accounts.Mail) error {
	if f.failures > 0 {
		f.failures--
		return accounts.Errorf("x", "421 try later")
	}
	f.sent = append(f.sent, m)
	return nil
}

func TestASignInFromANewDeviceIsNotified(t *testing.T) {
	ctx := context.Background()
	r := newSecurityRig(t) // signed in once with user agent "test"
	inbox := func() int {
		in, err := r.svc.Inbox(ctx, r.user.ID, 50)
		if err != nil {
			t.Fatal(err)
		}
		return len(in.Notifications)
	}
	if n := inbox(); n != 0 {
		t.Fatalf("the first sign-in made %d notices", n)
	}
	r.signIn(t) // same device
	if n := inbox(); n != 0 {
		t.Fatalf("a sign-in from a known device made %d notices", n)
	}
	if _, _, err := r.svc.StartSession(ctx, accounts.StartSessionInput{UserID: r.user.ID, UserAgent: "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", IP: "198.51.100.9"}); err != nil {
		t.Fatal(err)
	}
	in, _ := r.svc.Inbox(ctx, r.user.ID, 50)
	if len(in.Notifications) != 1 || !strings.Contains(in.Notifications[0].Body, "Firefox on Linux") || !strings.Contains(in.Notifications[0].Body, "198.51.100.9") {
		t.Fatalf("inbox %+v", in)
	}
	if m := lastMail(t, r, "alice@example.com"); m.Subject != "New sign-in to your account" {
		t.Fatalf("last mail %q", m.Subject)
	}
}

func TestAPasswordChangeEndsAPendingSecondStep(t *testing.T) {
	ctx := context.Background()
	r := newSecurityRig(t)
	secret, _ := r.enable(t)
	tok, err := r.svc.StartMFA(ctx, accounts.StartSessionInput{UserID: r.user.ID})
	if err != nil {
		t.Fatal(err)
	}
	if err := r.svc.ChangePassword(ctx, r.caller, "correct horse battery", "a brand new passphrase", nil); err != nil {
		t.Fatal(err)
	}
	r.clock.now = r.clock.now.Add(time.Minute)
	_, _, _, err = r.svc.CompleteMFA(ctx, accounts.CompleteMFAInput{MFAToken: tok, Code: r.code(t, secret, r.clock.now)})
	wantCode(t, err, accounts.CodeMFAAttemptEnded)
}

func TestNotificationPreferencesDecideTheChannels(t *testing.T) {
	ctx := context.Background()
	r := newSecurityRig(t)
	prefs, err := r.svc.NotificationPrefs(ctx, r.user.ID)
	if err != nil || len(prefs) != 12 {
		t.Fatalf("prefs %v %v", prefs, err)
	}
	_, err = r.svc.SetNotificationPrefs(ctx, r.caller, []accounts.NotificationPref{{Category: "weather", Channel: accounts.ChannelEmail}})
	wantCode(t, err, accounts.CodeInvalid)
	if _, err := r.svc.SetNotificationPrefs(ctx, r.caller, []accounts.NotificationPref{
		{Category: accounts.CategorySecurity, Channel: accounts.ChannelEmail, Enabled: false},
	}); err != nil {
		t.Fatal(err)
	}
	before := mailCount(t, r)
	if _, err := r.svc.RevokeOtherSessions(ctx, accounts.Actor{Kind: accounts.ActorUser, ID: r.user.ID}, r.user.ID, "none"); err != nil {
		t.Fatal(err)
	}
	if mailCount(t, r) != before {
		t.Fatal("a security email went out with security email turned off")
	}
	in, _ := r.svc.Inbox(ctx, r.user.ID, 10)
	if in.Unread != 1 || in.Notifications[0].Title != "Sessions signed out" {
		t.Fatalf("inbox %+v: want the in-app notice", in)
	}
	if err := r.svc.MarkInboxRead(ctx, r.user.ID); err != nil {
		t.Fatal(err)
	}
	if in, _ := r.svc.Inbox(ctx, r.user.ID, 10); in.Unread != 0 {
		t.Fatalf("unread after marking read: %d", in.Unread)
	}
}

func TestEmailRequestsAnswerNoSoonerThanTheFloor(t *testing.T) {
	ctx := context.Background()
	r := newSecurityRig(t)
	for _, email := range []string{"alice@example.com", "nobody@example.com"} {
		start := time.Now()
		if err := r.svc.RequestPasswordReset(ctx, accounts.EmailRequest{Email: email, IP: "192.0.2.7"}); err != nil {
			t.Fatal(err)
		}
		if took := time.Since(start); took < accounts.DefaultEmailRequestFloor {
			t.Errorf("reset request for %s answered after %v, before the %v floor", email, took, accounts.DefaultEmailRequestFloor)
		}
	}
}
