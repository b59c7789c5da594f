package accounts

import (
	"strings"
	"testing"
)

func TestClientKeyGroupsIPv6By64(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"192.0.2.1", "192.0.2.1", true},
		{"192.0.2.1", "192.0.2.2", false},
		{"2001:db8:1:2::1", "2001:db8:1:2:ffff::9", true},
		{"2001:db8:1:2::1", "2001:db8:1:3::1", false},
		{"::ffff:192.0.2.1", "192.0.2.1", true},
	}
	for _, tt := range tests {
		if got := clientKey(tt.a) == clientKey(tt.b); got != tt.same {
			t.Errorf("clientKey(%s) == clientKey(%s) is %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
	if k := clientKey("not an ip " + string(make([]byte, 5000))); len(k) > 64 {
		t.Errorf("a junk address made a %d-byte key", len(k))
	}
}

func TestCleanText(t *testing.T) {
	for in, want := range map[string]string{
		"Mozilla/5.0":   "Mozilla/5.0",
		"bad\xff\xfeua": "badua",
		"nul\x00byte":   "nulbyte",
	} {
		if got := cleanText(in, 512); got != want {
			t.Errorf("cleanText(%q) = %q, want %q", in, got, want)
		}
	}
	long := strings.Repeat("a", 511) + "é"
	if got := cleanText(long, 512); len(got) != 511 {
		t.Errorf("cut inside a character: %d bytes", len(got))
	}
}
