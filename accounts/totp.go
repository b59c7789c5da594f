package accounts

import (
	"context"
	"crypto/subtle"
	"encoding/base32"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/pquerna/otp/totp"
)

// matchTOTP returns the time step (within ±totpSkew of now) whose code is
// code, comparing in constant time; steps at or before LastStep never match.
func (s *Service) matchTOTP(cred TOTPCredential, code string) (int64, bool, error) {
	code = strings.TrimSpace(code)
	if len(code) != 6 {
		return 0, false, nil
	}
	secret, err := s.sealer.Open(cred.Secret, "totp:"+cred.UserID)
	if err != nil {
		return 0, false, fmt.Errorf("open totp secret: %w", err)
	}
	now := s.Now().Unix() / totpPeriod
	var found int64
	for step := now - totpSkew; step <= now+totpSkew; step++ {
		want, err := totp.GenerateCodeCustom(string(secret), time.Unix(step*totpPeriod, 0), totpOpts)
		if err != nil {
			return 0, false, fmt.Errorf("totp code: %w", err)
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 && step > cred.LastStep && found == 0 {
			found = step
		}
	}
	return found, found != 0, nil
}

// newRecoveryCodes makes a set of codes (50 random bits each, shown as
// xxxxx-xxxxx) and their hashes.
func (s *Service) newRecoveryCodes(userID string) ([]string, [][]byte, error) {
	codes := make([]string, RecoveryCodeCount)
	hashes := make([][]byte, RecoveryCodeCount)
	enc := base32.StdEncoding.WithPadding(base32.NoPadding)
	for i := range codes {
		b := make([]byte, 10)
		if _, err := io.ReadFull(s.random, b); err != nil {
			return nil, nil, fmt.Errorf("read random: %w", err)
		}
		raw := strings.ToLower(enc.EncodeToString(b))[:10]
		codes[i] = raw[:5] + "-" + raw[5:]
		hashes[i] = recoveryHash(userID, raw)
	}
	return codes, hashes, nil
}

// recoveryHash is the stored form of a user's recovery code, whatever
// case, spaces or dashes the person typed. The user ID salts it, so a
// leaked table must be searched account by account, not all at once.
func recoveryHash(userID, code string) []byte {
	code = strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
	return HashToken(userID + "\x00" + code)
}

// hitCode counts a second-factor attempt against the account and the IP.
func (s *Service) hitCode(ctx context.Context, userID, ip string) error {
	if err := s.hit(ctx, "code:ip:"+clientKey(ip), s.limits.CodePerIP); err != nil {
		return err
	}
	return s.hit(ctx, "code:user:"+userID, s.limits.CodePerAccount)
}
