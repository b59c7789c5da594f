package accounts

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// MFAEnabled reports whether sign-in needs a second step for the user.
func (s *Service) MFAEnabled(ctx context.Context, userID string) (bool, error) {
	c, err := s.store.GetTOTP(ctx, userID)
	if ErrorCode(err) == CodeNotFound {
		return false, nil
	}
	return err == nil && c.EnabledAt != nil, err
}

// mfaPending is what the second step carries from the first. The
// password hash is kept only as its SHA-256, enough to notice that the
// password changed in between.
type mfaPending struct {
	Persistent     bool   `json:"persistent"`
	PasswordDigest string `json:"password_digest"`
}

func passwordDigest(hash string) string {
	if hash == "" {
		return "" // the caller did not ask for the check
	}
	return hex.EncodeToString(HashToken(hash))
}

// StartMFA opens the second sign-in step for a user whose password was
// verified and whom the policy lets in: it returns a single-use token
// (stored hashed, MFATokenLifetime) that CompleteMFA takes with a code.
// No session exists until then.
func (s *Service) StartMFA(ctx context.Context, in StartSessionInput) (string, error) {
	token, hash, err := newSecret(s.random, "")
	if err != nil {
		return "", err
	}
	id, err := newID()
	if err != nil {
		return "", err
	}
	data, err := json.Marshal(mfaPending{Persistent: in.Persistent, PasswordDigest: passwordDigest(in.PasswordHash)})
	if err != nil {
		return "", err
	}
	now := s.Now()
	t := OneTimeToken{ID: id, UserID: in.UserID, Purpose: PurposeMFA, TokenHash: hash, Data: string(data),
		CreatedAt: now, ExpiresAt: now.Add(MFATokenLifetime)}
	if err := s.store.CreateToken(ctx, &t); err != nil {
		return "", err
	}
	return token, nil
}

// CompleteMFAInput is the second sign-in step: the token from StartMFA and
// either a TOTP code or a recovery code.
type CompleteMFAInput struct {
	MFAToken      string
	Code          string
	RecoveryCode  string
	UserAgent     string
	IP            string
	PreviousToken string
}

// CompleteMFA checks the second factor and opens the session. Every try is
// counted before it is checked: after MFAMaxAttempts the attempt ends
// (CodeMFAAttemptEnded), as it does for an unknown, used or expired token.
// Returns CodeInvalidCode for a wrong, reused or used code, CodeRateLimited,
// or what StartSession returns.
func (s *Service) CompleteMFA(ctx context.Context, in CompleteMFAInput) (string, Session, User, error) {
	if (in.Code == "") == (in.RecoveryCode == "") {
		return "", Session{}, User{}, InvalidField("code", "send either code or recovery_code")
	}
	now := s.Now()
	tok, err := s.store.GetToken(ctx, PurposeMFA, HashToken(in.MFAToken), now)
	if ErrorCode(err) == CodeNotFound {
		return "", Session{}, User{}, errMFAEnded
	}
	if err != nil {
		return "", Session{}, User{}, err
	}
	// Counted before checking, in the database, so parallel guesses cannot
	// get past the limit.
	n, err := s.store.HitRateLimit(ctx, "mfa:attempt:"+tok.ID, tok.CreatedAt)
	if err != nil {
		return "", Session{}, User{}, err
	}
	if n > MFAMaxAttempts {
		if _, err := s.store.ConsumeToken(ctx, PurposeMFA, tok.TokenHash, now); err != nil && ErrorCode(err) != CodeNotFound {
			return "", Session{}, User{}, err
		}
		return "", Session{}, User{}, errMFAEnded
	}
	if err := s.hitCode(ctx, tok.UserID, in.IP); err != nil {
		return "", Session{}, User{}, err
	}
	cred, err := s.store.GetTOTP(ctx, tok.UserID)
	if err != nil && ErrorCode(err) != CodeNotFound {
		return "", Session{}, User{}, err
	}
	if err != nil || cred.EnabledAt == nil {
		return "", Session{}, User{}, errMFAEnded // 2FA was turned off meanwhile
	}
	if err := s.useSecondFactor(ctx, cred, in.Code, in.RecoveryCode); err != nil {
		return "", Session{}, User{}, err
	}
	if _, err := s.store.ConsumeToken(ctx, PurposeMFA, tok.TokenHash, s.Now()); err != nil {
		if ErrorCode(err) == CodeNotFound {
			return "", Session{}, User{}, errMFAEnded
		}
		return "", Session{}, User{}, err
	}
	var p mfaPending
	if err := json.Unmarshal([]byte(tok.Data), &p); err != nil {
		return "", Session{}, User{}, fmt.Errorf("mfa token data: %w", err)
	}
	// StartSession re-checks the hash under the user's lock; a password
	// changed since the first step already retired the token.
	var current string
	if p.PasswordDigest != "" {
		current, err = s.store.GetPasswordHash(ctx, tok.UserID)
		if err != nil && ErrorCode(err) != CodeNotFound {
			return "", Session{}, User{}, err
		}
		if passwordDigest(current) != p.PasswordDigest {
			return "", Session{}, User{}, errMFAEnded
		}
	}
	method := "password+totp"
	if in.RecoveryCode != "" {
		method = "password+recovery_code"
	}
	token, sess, err := s.StartSession(ctx, StartSessionInput{
		UserID: tok.UserID, Persistent: p.Persistent, UserAgent: in.UserAgent, IP: in.IP, AuthMethod: method,
		PreviousToken: in.PreviousToken, PasswordHash: current,
	})
	if err != nil {
		return "", Session{}, User{}, err
	}
	u, err := s.store.GetUser(ctx, tok.UserID)
	return token, sess, u, err
}

// useSecondFactor accepts a TOTP code once per time step, or redeems a
// recovery code once; both atomically in the store.
func (s *Service) useSecondFactor(ctx context.Context, cred TOTPCredential, code, recovery string) error {
	if recovery != "" {
		// The code is spent and its owner told in one transaction.
		return s.store.InTx(ctx, func(tx Tx) error {
			err := tx.UseRecoveryCode(ctx, cred.UserID, recoveryHash(cred.UserID, recovery), s.Now())
			if ErrorCode(err) == CodeNotFound {
				return errWrongRecov
			}
			if err != nil {
				return err
			}
			u, err := tx.GetUser(ctx, cred.UserID)
			if err != nil {
				return err
			}
			return s.notify(ctx, tx, u, securityNotice("A recovery code was used",
				"One of your recovery codes was used to sign in. Each code works once; make a new set when you run low."))
		})
	}
	step, ok, err := s.matchTOTP(cred, code)
	if err != nil {
		return err
	}
	if !ok {
		return errWrongCode
	}
	if err := s.store.UseTOTPStep(ctx, cred.UserID, step); err != nil {
		if ErrorCode(err) == CodeNotFound {
			return errWrongCode // this step's code was used already
		}
		return err
	}
	return nil
}
