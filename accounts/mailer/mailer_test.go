package mailer_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/mailer"
	"github.com/idbridge/idbridge/accounts/mailer/mailtest"
)

func TestSMTPDeliversToALoopbackRelay(t *testing.T) {
	srv := mailtest.Start(t)
	m, err := mailer.NewSMTP(srv.URL(), "idbridge <no-reply@example.com>")
	if err != nil {
		t.Fatal(err)
	}
	link := "https://id.example.com/reset-password?token=abc_DEF-123=="
	if err := m.SendMail(t.Context(), accounts.Mail{To: "alice@example.com", Subject: "Reset your password", Body: "Open:\n\n" + link + "\n"}); err != nil {
		t.Fatal(err)
	}
	got := srv.WaitFor(t, "alice@example.com", "Reset your password")
	if !strings.Contains(got.Body, link) || got.From != "no-reply@example.com" {
		t.Fatalf("delivered %+v", got)
	}
}

func TestSMTPURLs(t *testing.T) {
	for _, tc := range []struct {
		name, url, from string
		ok              bool
	}{
		{"STARTTLS to a remote relay is accepted", "smtp://user:pw@mail.example.com:587", "a@example.com", true},
		{"implicit TLS is accepted", "smtps://mail.example.com", "a@example.com", true},
		{"plain SMTP to loopback is accepted", "smtp://127.0.0.1:2525", "a@example.com", true},
		{"another scheme is refused", "http://mail.example.com", "a@example.com", false},
		{"a From that is no address is refused", "smtp://mail.example.com", "nobody", false},
		{"a bad port is refused", "smtp://mail.example.com:99999", "a@example.com", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := mailer.NewSMTP(tc.url, tc.from)
			if (err == nil) != tc.ok {
				t.Fatalf("NewSMTP(%q) error %v, want ok=%v", tc.url, err, tc.ok)
			}
		})
	}
}

func TestSMTPRequiresTLSToARemoteRelay(t *testing.T) {
	// A relay that offers no STARTTLS on a non-loopback name must not get
	// the message in the clear. "localhost." resolves to loopback but is not
	// recognised as loopback by name, so the TLS policy stays mandatory.
	srv := mailtest.Start(t)
	_, port, _ := strings.Cut(srv.Addr, ":")
	m, err := mailer.NewSMTP("smtp://localhost.:"+port, "a@example.com")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SendMail(t.Context(), accounts.Mail{To: "b@example.com", Subject: "s", Body: "b"}); err == nil {
		t.Fatal("sent without TLS to a non-loopback relay name")
	}
	if n := len(srv.Messages()); n != 0 {
		t.Fatalf("%d messages arrived in the clear", n)
	}
}

func TestWebhookURLs(t *testing.T) {
	for _, tc := range []struct {
		name, url  string
		allowLocal bool
		ok         bool
	}{
		{"an https Slack URL is accepted", "https://hooks.slack.com/services/T0/B0/x", false, true},
		{"http is refused", "http://hooks.slack.com/services/T0/B0/x", false, false},
		{"a private address is refused", "https://10.0.0.5/hook", false, false},
		{"loopback is refused in production", "https://127.0.0.1/hook", false, false},
		{"a single-label host is refused", "https://intranet/hook", false, false},
		{"user info is refused", "https://u:p@hooks.slack.com/x", false, false},
		{"loopback is accepted for a loopback development server", "http://127.0.0.1:9999/hook", true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := mailer.CheckWebhookURL(tc.url, tc.allowLocal)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckWebhookURL(%q) = %v, want ok=%v", tc.url, err, tc.ok)
			}
		})
	}
}

func TestSlackPostsTextAndReportsFailures(t *testing.T) {
	var got map[string]string
	status := http.StatusOK
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewDecoder(r.Body).Decode(&got)
		w.WriteHeader(status)
	}))
	defer hook.Close()
	if err := mailer.NewSlack(false).PostSlack(t.Context(), hook.URL, "x"); err == nil {
		t.Fatal("production poster reached a loopback webhook")
	}
	// A webhook that cannot be reached: the error, which the outbox keeps,
	// must not carry the secret URL.
	gone := httptest.NewServer(http.NotFoundHandler())
	goneURL := gone.URL + "/services/T000/B000/SECRETTOKEN"
	gone.Close()
	if err := mailer.NewSlack(true).PostSlack(t.Context(), goneURL, "x"); err == nil || strings.Contains(err.Error(), "SECRETTOKEN") {
		t.Fatalf("unreachable webhook: %v, want an error without the URL", err)
	}
	s := mailer.NewSlack(true)
	if err := s.PostSlack(t.Context(), hook.URL, "2FA turned on"); err != nil || got["text"] != "2FA turned on" {
		t.Fatalf("post: %v, body %v", err, got)
	}
	status = http.StatusInternalServerError
	if err := s.PostSlack(t.Context(), hook.URL, "x"); err == nil {
		t.Fatal("a 500 from the webhook was not an error")
	}
}
