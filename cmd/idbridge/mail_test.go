package main

import (
	"regexp"
	"testing"
)

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
