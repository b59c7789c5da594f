package accounts

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
)

// newSecret returns a 256-bit random token, base64url without padding, and
// its SHA-256, which is all a store ever keeps.
func newSecret(random io.Reader, prefix string) (token string, hash []byte, err error) {
	b := make([]byte, 32)
	if _, err := io.ReadFull(random, b); err != nil {
		return "", nil, fmt.Errorf("read random: %w", err)
	}
	token = prefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken is the lookup key stored for a session, one-time or SCIM token.
// A fast hash is right here: the tokens are 256-bit random, so there is
// nothing to brute-force.
func HashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}
