package main

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

// mailBody waits for the newest email to to whose subject contains subject,
// as the server queued it in its outbox, and returns its body.
func mailBody(t *testing.T, db, to, subject string) string {
	t.Helper()
	st, err := openStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		msgs, err := st.ListOutbox(t.Context(), accounts.ChannelEmail, 50)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if strings.EqualFold(m.Recipient, to) && strings.Contains(m.Subject, subject) {
				return m.Body
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no mail to %s about %q", to, subject)
	return ""
}

// mailLink returns the first link in that mail whose path starts with
// prefix.
func mailLink(t *testing.T, db, to, subject, prefix string) string {
	t.Helper()
	return firstLink(t, mailBody(t, db, to, subject), prefix)
}

// firstLink returns the first link in a mail body whose path starts with
// prefix.
func firstLink(t *testing.T, body, prefix string) string {
	t.Helper()
	l := regexp.MustCompile(`https?://[^/\s]+` + regexp.QuoteMeta(prefix) + `\S*`).FindString(body)
	if l == "" {
		t.Fatalf("mail has no %s link:\n%s", prefix, body)
	}
	return l
}
