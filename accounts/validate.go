package accounts

import (
	"net/mail"
	"strings"
	"unicode/utf8"
)

// NormalizeUsername trims surrounding space and checks the characters: 2 to
// 64 of letters, digits, '.', '_', '-', '@' and '+' (identity providers often
// use an email address as the username), starting with a letter or digit.
func NormalizeUsername(s string) (string, error) {
	s = strings.TrimSpace(s)
	if l := len(s); l < 2 || l > 64 {
		return "", InvalidField("username", "a username has 2 to 64 characters")
	}
	for i, r := range s {
		ok := r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
		if !ok && i > 0 {
			ok = strings.ContainsRune("._-@+", r)
		}
		if !ok {
			return "", InvalidField("username", "a username uses letters, digits, '.', '_', '-', '@' and '+', and starts with a letter or digit")
		}
	}
	return s, nil
}

// NormalizeEmail trims surrounding space and checks that s is one bare
// address (no display name) with a dotted domain, lower-casing the domain.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	bad := InvalidField("email", "enter an email address like name@example.com")
	if len(s) > 254 || !utf8.ValidString(s) {
		return "", bad
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", bad
	}
	at := strings.LastIndexByte(s, '@')
	local, domain := s[:at], s[at+1:]
	if local == "" || !strings.Contains(domain, ".") || strings.HasSuffix(domain, ".") {
		return "", bad
	}
	return local + "@" + strings.ToLower(domain), nil
}

// EmailDomain returns the lower-cased domain of a normalized address.
func EmailDomain(email string) string {
	return strings.ToLower(email[strings.LastIndexByte(email, '@')+1:])
}

// NormalizeSlug lower-cases and checks a team slug: 2 to 63 of a-z, 0-9 and
// '-', not starting or ending with '-'.
func NormalizeSlug(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if !isDNSLabel(s) || len(s) < 2 {
		return "", InvalidField("slug", "a team slug has 2 to 63 of a-z, 0-9 and '-', and does not start or end with '-'")
	}
	return s, nil
}

// NormalizeDomain lower-cases and checks a DNS domain name with at least two
// labels.
func NormalizeDomain(s string) (string, error) {
	s = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(s)), ".")
	labels := strings.Split(s, ".")
	bad := InvalidField("domain", "enter a domain name like example.com")
	if len(s) > 253 || len(labels) < 2 {
		return "", bad
	}
	for _, l := range labels {
		if !isDNSLabel(l) {
			return "", bad
		}
	}
	return s, nil
}

func isDNSLabel(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] == '-' || s[len(s)-1] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
