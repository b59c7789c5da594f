package accounts

import (
	"bufio"
	"crypto/rand"
	"crypto/subtle"
	_ "embed"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"
)

// Argon2Params are the argon2id cost parameters. They are recorded in every
// PHC string, so raising them later only makes new hashes costlier and marks
// old ones for rehash at the next successful sign-in.
type Argon2Params struct {
	MemoryKiB uint32
	Time      uint32
	Threads   uint8
	SaltLen   uint32
	KeyLen    uint32
}

// DefaultArgon2 follows OWASP's argon2id baseline (19 MiB, 2 passes, 1 lane).
func DefaultArgon2() Argon2Params {
	return Argon2Params{MemoryKiB: 19 * 1024, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
}

// maxArgon2MemoryKiB bounds what a stored hash may ask for, so a corrupted or
// hostile row cannot make verification allocate gigabytes.
const maxArgon2MemoryKiB = 1 << 20

// HashPassword returns the argon2id PHC string of password:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash> (unpadded standard base64).
func HashPassword(password string, p Argon2Params) (string, error) {
	salt := make([]byte, p.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("read salt: %w", err)
	}
	key := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s",
		argon2.Version, p.MemoryKiB, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(key)), nil
}

// errMalformedHash is returned for a stored hash we cannot read; it is an
// internal error, never shown to the person signing in.
var errMalformedHash = errors.New("malformed argon2id hash")

// VerifyPassword reports whether password matches the PHC string, in
// constant time, and whether the hash was made with parameters other than
// want (so the caller should store a fresh hash).
func VerifyPassword(phc, password string, want Argon2Params) (ok, needsRehash bool, err error) {
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[0] != "" || parts[1] != "argon2id" {
		return false, false, errMalformedHash
	}
	var version int
	if _, err := fmt.Sscanf(parts[2], "v=%d", &version); err != nil || version != argon2.Version {
		return false, false, errMalformedHash
	}
	var p Argon2Params
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &p.MemoryKiB, &p.Time, &p.Threads); err != nil {
		return false, false, errMalformedHash
	}
	if p.MemoryKiB == 0 || p.MemoryKiB > maxArgon2MemoryKiB || p.Time == 0 || p.Time > 64 || p.Threads == 0 {
		return false, false, errMalformedHash
	}
	b64 := base64.RawStdEncoding
	salt, err := b64.DecodeString(parts[4])
	if err != nil || len(salt) < 8 {
		return false, false, errMalformedHash
	}
	key, err := b64.DecodeString(parts[5])
	if err != nil || len(key) < 16 || len(key) > 128 {
		return false, false, errMalformedHash
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	got := argon2.IDKey([]byte(password), salt, p.Time, p.MemoryKiB, p.Threads, p.KeyLen)
	if subtle.ConstantTimeCompare(got, key) != 1 {
		return false, false, nil
	}
	return true, p != want, nil
}

//go:embed common-passwords.txt
var commonPasswordsFile string

// CommonPasswords is the offline block list: lower-cased passwords that
// appear in breach corpora and guessing dictionaries.
type CommonPasswords map[string]struct{}

// LoadCommonPasswords parses the embedded list.
func LoadCommonPasswords() CommonPasswords {
	set := CommonPasswords{}
	sc := bufio.NewScanner(strings.NewReader(commonPasswordsFile))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		set[line] = struct{}{}
	}
	return set
}

// Contains reports whether pw is on the list, ignoring letter case.
func (c CommonPasswords) Contains(pw string) bool {
	_, ok := c[strings.ToLower(pw)]
	return ok
}

// PasswordPolicy holds the NIST SP 800-63B rules: length limits counted in
// characters, a block list, and no composition rules.
type PasswordPolicy struct {
	MinLength int // at least 8
	// SingleFactorMinLength, when set, applies to accounts whose password is
	// their only factor (no 2FA), e.g. 15 as 800-63B-4 recommends.
	SingleFactorMinLength int
	MaxLength             int // at least 64
	Blocklist             CommonPasswords
}

// DefaultPasswordPolicy is 8 to 128 characters and the embedded block list.
func DefaultPasswordPolicy() PasswordPolicy {
	return PasswordPolicy{MinLength: 8, MaxLength: 128, Blocklist: LoadCommonPasswords()}
}

// Check returns a CodeWeakPassword error saying what to change, or nil.
// username and email are context words the password must not equal.
func (p PasswordPolicy) Check(password string, singleFactor bool, username, email string) error {
	n := utf8.RuneCountInString(password)
	min := p.MinLength
	if singleFactor && p.SingleFactorMinLength > min {
		min = p.SingleFactorMinLength
	}
	weak := func(msg string, args ...any) error {
		return &Error{Code: CodeWeakPassword, Field: "password", Message: fmt.Sprintf(msg, args...)}
	}
	switch {
	case !utf8.ValidString(password):
		return weak("the password is not valid text")
	case n < min:
		return weak("use at least %d characters", min)
	case p.MaxLength > 0 && n > p.MaxLength:
		return weak("use at most %d characters", p.MaxLength)
	case p.Blocklist.Contains(password):
		return weak("that password is too common and easy to guess; choose another")
	case strings.Count(password, string([]rune(password)[0])) == n:
		return weak("a password of one repeated character is easy to guess; choose another")
	case username != "" && strings.EqualFold(password, username), email != "" && strings.EqualFold(password, email):
		return weak("the password must not be your username or email address")
	}
	return nil
}
