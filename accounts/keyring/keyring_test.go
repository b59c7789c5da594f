package keyring

import (
	"crypto/rand"
	"errors"
	"strings"
	"testing"
)

func mustGenerate(t *testing.T, id string) string {
	t.Helper()
	spec, err := Generate(rand.Reader, id)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

func TestSealOpenAndRotate(t *testing.T) {
	oldSpec, newSpec := mustGenerate(t, "k1"), mustGenerate(t, "k2")
	oldRing, err := Parse(oldSpec)
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := oldRing.Seal([]byte("JBSWY3DPEHPK3PXP"), "totp:u1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(sealed, "JBSWY3DPEHPK3PXP") || !strings.HasPrefix(sealed, "k1.") {
		t.Fatalf("sealed value %q leaks plaintext or lacks its key id", sealed)
	}
	rotated, err := Parse(newSpec + "\n" + oldSpec)
	if err != nil {
		t.Fatal(err)
	}
	got, err := rotated.Open(sealed, "totp:u1")
	if err != nil || string(got) != "JBSWY3DPEHPK3PXP" {
		t.Fatalf("old ciphertext under rotated ring: %q, %v", got, err)
	}
	if !rotated.NeedsRotation(sealed) || rotated.PrimaryID() != "k2" {
		t.Fatal("a value sealed with the old key should need rotation")
	}
	resealed, _ := rotated.Seal(got, "totp:u1")
	if rotated.NeedsRotation(resealed) {
		t.Fatal("a value sealed with the primary key should not need rotation")
	}

	for name, tc := range map[string]struct{ sealed, ad string }{
		"other associated data": {sealed, "totp:u2"},
		"flipped byte":          {sealed[:len(sealed)-2] + flip(sealed[len(sealed)-2]) + sealed[len(sealed)-1:], "totp:u1"},
		"unknown key":           {"k9" + sealed[2:], "totp:u1"},
		"truncated":             {sealed[:6], "totp:u1"},
		"no key id":             {"garbage", "totp:u1"},
	} {
		if _, err := rotated.Open(tc.sealed, tc.ad); !errors.Is(err, ErrUndecryptable) {
			t.Errorf("%s: got %v, want ErrUndecryptable", name, err)
		}
	}
}

func flip(c byte) string {
	if c == 'A' {
		return "B"
	}
	return "A"
}

func TestParseRejectsBadSpecs(t *testing.T) {
	good := mustGenerate(t, "a")
	for _, spec := range []string{"", "nokey", "a:notbase64!", "a:c2hvcnQ=", "a.b:" + strings.TrimPrefix(good, "a:"), good + "," + good} {
		if _, err := Parse(spec); err == nil {
			t.Errorf("Parse(%q) accepted a bad spec", spec)
		}
	}
}
