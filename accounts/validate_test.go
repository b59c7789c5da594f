package accounts

import "testing"

func TestNormalizers(t *testing.T) {
	tests := []struct {
		name    string
		fn      func(string) (string, error)
		in, out string // out "" = refused
	}{
		{"a username keeps its case", NormalizeUsername, " Bob.Builder ", "Bob.Builder"},
		{"an email-like username is allowed", NormalizeUsername, "bob+ci@example.com", "bob+ci@example.com"},
		{"a username with a space is refused", NormalizeUsername, "bob builder", ""},
		{"a username starting with a dot is refused", NormalizeUsername, ".bob", ""},
		{"a one-letter username is refused", NormalizeUsername, "b", ""},
		{"a non-ASCII username is refused", NormalizeUsername, "bøb", ""},
		{"an email's domain is lower-cased, its local part kept", NormalizeEmail, "Bob@Example.COM", "Bob@example.com"},
		{"an email with a display name is refused", NormalizeEmail, "Bob <bob@example.com>", ""},
		{"an email without a dotted domain is refused", NormalizeEmail, "bob@localhost", ""},
		{"two addresses are refused", NormalizeEmail, "a@example.com,b@example.com", ""},
		{"a slug is lower-cased", NormalizeSlug, "Acme-Corp", "acme-corp"},
		{"a slug ending in a dash is refused", NormalizeSlug, "acme-", ""},
		{"a slug with an underscore is refused", NormalizeSlug, "acme_corp", ""},
		{"a domain loses its trailing dot and case", NormalizeDomain, "Acme.COM.", "acme.com"},
		{"a single-label domain is refused", NormalizeDomain, "acme", ""},
		{"a domain with an empty label is refused", NormalizeDomain, "acme..com", ""},
		{"a domain with a URL scheme is refused", NormalizeDomain, "https://acme.com", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.fn(tt.in)
			if tt.out == "" {
				if err == nil || ErrorCode(err) != CodeInvalid {
					t.Fatalf("accepted %q as %q", tt.in, got)
				}
				return
			}
			if err != nil || got != tt.out {
				t.Fatalf("got %q, %v; want %q", got, err, tt.out)
			}
		})
	}
}
