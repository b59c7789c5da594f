package accounts

import (
	"errors"
	"strings"
	"testing"
)

// cheap keeps hashing fast in tests that are not about cost.
func cheap() Argon2Params {
	return Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
}

func TestHashAndVerifyPassword(t *testing.T) {
	phc, err := HashPassword("correct horse battery", cheap())
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(phc, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Fatalf("PHC string %q does not record its parameters", phc)
	}
	other, _ := HashPassword("correct horse battery", cheap())
	if other == phc {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	tests := []struct {
		name             string
		password         string
		want             Argon2Params
		wantOK, wantHash bool
	}{
		{"the right password matches", "correct horse battery", cheap(), true, false},
		{"a wrong password does not", "correct horse batterY", cheap(), false, false},
		{"an empty password does not", "", cheap(), false, false},
		{"a match under older parameters asks for a rehash", "correct horse battery", DefaultArgon2(), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, rehash, err := VerifyPassword(phc, tt.password, tt.want)
			if err != nil || ok != tt.wantOK || rehash != tt.wantHash {
				t.Fatalf("got ok=%v rehash=%v err=%v, want ok=%v rehash=%v", ok, rehash, err, tt.wantOK, tt.wantHash)
			}
		})
	}
}

func TestVerifyPasswordRejectsMalformedHashes(t *testing.T) {
	for _, phc := range []string{
		"",
		"plaintext",
		"$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=18$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=99999999,t=1,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA", // would allocate ~95 GiB
		"$argon2id$v=19$m=1024,t=1,p=0$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=1024,t=1,p=1$!!$aGFzaGhhc2hoYXNoaGFzaA",
		"$argon2id$v=19$m=1024,t=1,p=1$c2FsdHNhbHRzYWx0$c2hvcnQ",
	} {
		if ok, _, err := VerifyPassword(phc, "x", cheap()); ok || !errors.Is(err, errMalformedHash) {
			t.Errorf("VerifyPassword(%q) = %v, %v; want errMalformedHash", phc, ok, err)
		}
	}
}

func TestPasswordPolicy(t *testing.T) {
	p := DefaultPasswordPolicy()
	p.SingleFactorMinLength = 15
	tests := []struct {
		name, password string
		singleFactor   bool
		wantMsg        string // "" = accepted
	}{
		{"eight characters with a second factor pass", "zq8-Lm4w", false, ""},
		{"seven characters are too short", "zq8-Lm4", false, "at least 8"},
		{"length counts characters, not bytes", "äöüßéèêë", false, ""},
		{"a single-factor account needs the longer minimum", "zq8-Lm4wzq8-L", true, "at least 15"},
		{"a long passphrase passes single-factor", "correct horse battery staple", true, ""},
		{"129 characters are too long", strings.Repeat("ab", 64) + "c", false, "at most 128"},
		{"a common password is refused in any case", "PASSWORD1", false, "too common"},
		{"one repeated character is refused", "aaaaaaaaaaaa", false, "repeated"},
		{"the username is refused", "Bob.Builder", false, "username or email"},
		{"the email is refused", "bob@example.com", false, "username or email"},
		{"no composition rules: all lower case passes", "lowercaseonlyphrase", false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := p.Check(tt.password, tt.singleFactor, "bob.builder", "bob@example.com")
			if tt.wantMsg == "" {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) || e.Code != CodeWeakPassword || e.Field != "password" || !strings.Contains(e.Message, tt.wantMsg) {
				t.Fatalf("got %v, want weak_password saying %q", err, tt.wantMsg)
			}
		})
	}
}

func TestCommonPasswordsListIsLoaded(t *testing.T) {
	list := LoadCommonPasswords()
	if len(list) < 500 {
		t.Fatalf("block list has %d entries", len(list))
	}
	for _, pw := range []string{"password", "12345678", "iloveyou", "qwertyuiop"} {
		if !list.Contains(pw) {
			t.Errorf("%q is not on the block list", pw)
		}
	}
}
