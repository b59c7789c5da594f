package accounts

import (
	"context"
	"fmt"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters (RFC 6238 as authenticator apps expect them).
const (
	totpPeriod = 30
	totpDigits = otp.DigitsSix
	// totpSkew is how many steps before and after now a code may be for.
	totpSkew = 1
	// RecoveryCodeCount is how many recovery codes a set holds.
	RecoveryCodeCount = 10
	// MFATokenLifetime is how long the second sign-in step stays open.
	MFATokenLifetime = 5 * time.Minute
	// MFAMaxAttempts is how many codes one second step may try.
	MFAMaxAttempts = 5
)

var totpOpts = totp.ValidateOpts{Period: totpPeriod, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1}

// Caller is the signed-in person asking for a self-service change: the
// session they use and where the request came from.
type Caller struct {
	Session   Session
	IP        string
	UserAgent string
}

func (c Caller) actor() Actor { return Actor{Kind: ActorUser, ID: c.Session.UserID, IP: c.IP} }

// TOTPSetup is what a person needs to add the account to an authenticator
// app: the base32 secret and the otpauth:// URI (for the QR code).
type TOTPSetup struct {
	Secret string
	URI    string
}

// MFAStatus says whether two-factor authentication is on.
type MFAStatus struct {
	Enabled bool
	// Pending: setup started, not yet confirmed with a code.
	Pending           bool
	RecoveryCodesLeft int
}

var (
	errWrongCode   = &Error{Code: CodeInvalidCode, Field: "code", Message: "that code is not valid; enter the current 6-digit code from your authenticator app"}
	errWrongRecov  = &Error{Code: CodeInvalidCode, Field: "recovery_code", Message: "that recovery code is not valid or was used already"}
	errMFAEnded    = &Error{Code: CodeMFAAttemptEnded, Message: "this sign-in attempt has ended; sign in again"}
	errMFAOff      = &Error{Code: CodeConflict, Message: "two-factor authentication is not on"}
	errMFAOn       = &Error{Code: CodeConflict, Message: "two-factor authentication is already on; turn it off first"}
	errNoSetup     = &Error{Code: CodeConflict, Message: "start two-factor setup first"}
	errWrongPasswd = &Error{Code: CodeInvalidCredentials, Field: "password", Message: "the password is incorrect"}
)

// MFAStatus reports the user's two-factor state.
func (s *Service) MFAStatus(ctx context.Context, userID string) (MFAStatus, error) {
	c, err := s.store.GetTOTP(ctx, userID)
	if ErrorCode(err) == CodeNotFound {
		return MFAStatus{}, nil
	}
	if err != nil {
		return MFAStatus{}, err
	}
	n, err := s.store.CountRecoveryCodes(ctx, userID)
	if err != nil {
		return MFAStatus{}, err
	}
	return MFAStatus{Enabled: c.EnabledAt != nil, Pending: c.EnabledAt == nil, RecoveryCodesLeft: n}, nil
}

// SetupTOTP checks the password again and starts two-factor setup with a
// fresh secret, sealed at rest; 2FA is not on until EnableTOTP gets a valid
// code. Calling it again replaces a pending secret. Returns
// CodeInvalidCredentials, CodeRateLimited or CodeConflict (already on).
func (s *Service) SetupTOTP(ctx context.Context, c Caller, password string) (TOTPSetup, error) {
	u, err := s.checkPassword(ctx, c, password)
	if err != nil {
		return TOTPSetup{}, err
	}
	if s.sealer == nil {
		return TOTPSetup{}, fmt.Errorf("accounts: no Sealer configured for TOTP secrets")
	}
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer: s.issuer, AccountName: u.Username, Period: totpPeriod, Digits: totpDigits,
		Algorithm: otp.AlgorithmSHA1, SecretSize: 20, Rand: s.random,
	})
	if err != nil {
		return TOTPSetup{}, fmt.Errorf("generate totp secret: %w", err)
	}
	sealed, err := s.sealer.Seal([]byte(key.Secret()), "totp:"+u.ID)
	if err != nil {
		return TOTPSetup{}, err
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if _, err := tx.LockUser(ctx, u.ID); err != nil {
			return err
		}
		old, err := tx.GetTOTP(ctx, u.ID)
		if err == nil && old.EnabledAt != nil {
			return errMFAOn
		}
		if err != nil && ErrorCode(err) != CodeNotFound {
			return err
		}
		return tx.PutTOTP(ctx, TOTPCredential{UserID: u.ID, Secret: sealed, CreatedAt: s.Now()})
	})
	if err != nil {
		return TOTPSetup{}, err
	}
	return TOTPSetup{Secret: key.Secret(), URI: key.URL()}, nil
}

// EnableResult is what EnableTOTP hands back once: the recovery codes and
// the rotated session's token, which replaces the caller's cookie.
type EnableResult struct {
	RecoveryCodes []string
	Token         string
	Session       Session
}

// EnableTOTP turns two-factor authentication on when code is valid for the
// pending secret. In one transaction it stores a new set of recovery codes,
// revokes every session of the user (the caller's included) and opens a
// replacement session for the caller. Needs a recent authentication
// (CodeReauthRequired); returns CodeInvalidCode, CodeConflict (no setup or
// already on) or CodeRateLimited.
func (s *Service) EnableTOTP(ctx context.Context, c Caller, code string) (EnableResult, error) {
	userID := c.Session.UserID
	if err := s.RequireRecentAuth(c.Session); err != nil {
		return EnableResult{}, err
	}
	if err := s.hitCode(ctx, userID, c.IP); err != nil {
		return EnableResult{}, err
	}
	codes, hashes, err := s.newRecoveryCodes(userID)
	if err != nil {
		return EnableResult{}, err
	}
	token, sess, err := s.newSession(StartSessionInput{
		UserID: userID, Persistent: c.Session.Persistent, UserAgent: c.UserAgent, IP: c.IP, AuthMethod: c.Session.AuthMethod,
	})
	if err != nil {
		return EnableResult{}, err
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		u, err := tx.LockUser(ctx, userID)
		if err != nil {
			return err
		}
		cred, err := tx.GetTOTP(ctx, userID)
		if ErrorCode(err) == CodeNotFound {
			return errNoSetup
		}
		if err != nil {
			return err
		}
		if cred.EnabledAt != nil {
			return errMFAOn
		}
		step, ok, err := s.matchTOTP(cred, code)
		if err != nil {
			return err
		}
		if !ok {
			return errWrongCode
		}
		now := s.Now()
		cred.EnabledAt, cred.LastStep = &now, step
		if err := tx.PutTOTP(ctx, cred); err != nil {
			return err
		}
		if err := tx.ReplaceRecoveryCodes(ctx, userID, hashes, now); err != nil {
			return err
		}
		n, err := tx.RevokeSessions(ctx, userID, "", "mfa_enabled", now)
		if err != nil {
			return err
		}
		if err := s.createSession(ctx, tx, &sess, now); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, c.actor(), "", "mfa.enable", userID, map[string]string{"sessions_revoked": itoa(n)}); err != nil {
			return err
		}
		return s.notify(ctx, tx, u, securityNotice("Two-factor authentication turned on",
			"Two-factor authentication was turned on for your account. Every other session was signed out."))
	})
	if err != nil {
		return EnableResult{}, err
	}
	return EnableResult{RecoveryCodes: codes, Token: token, Session: sess}, nil
}

// DisableTOTP turns two-factor authentication off after checking the
// password and a current authenticator code, and deletes the
// recovery codes. Returns CodeInvalidCredentials, CodeInvalidCode,
// CodeConflict (not on) or CodeRateLimited.
func (s *Service) DisableTOTP(ctx context.Context, c Caller, password, code string) error {
	u, err := s.checkPassword(ctx, c, password)
	if err != nil {
		return err
	}
	if err := s.hitCode(ctx, u.ID, c.IP); err != nil {
		return err
	}
	cred, err := s.store.GetTOTP(ctx, u.ID)
	if ErrorCode(err) == CodeNotFound || (err == nil && cred.EnabledAt == nil) {
		return errMFAOff
	}
	if err != nil {
		return err
	}
	if err := s.useSecondFactor(ctx, cred, code, ""); err != nil {
		if err == errWrongRecov {
			return errWrongCode
		}
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		if _, err := tx.LockUser(ctx, u.ID); err != nil {
			return err
		}
		if err := tx.DeleteTOTP(ctx, u.ID); err != nil {
			return err
		}
		if err := tx.ReplaceRecoveryCodes(ctx, u.ID, nil, s.Now()); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, c.actor(), "", "mfa.disable", u.ID, nil); err != nil {
			return err
		}
		return s.notify(ctx, tx, u, securityNotice("Two-factor authentication turned off",
			"Two-factor authentication was turned off for your account. If this was not you, reset your password now."))
	})
}

// RegenerateRecoveryCodes checks the password and replaces the recovery
// codes with a new set, returned once; the old set stops working in the
// same transaction. Returns CodeInvalidCredentials, CodeConflict (2FA off)
// or CodeRateLimited.
func (s *Service) RegenerateRecoveryCodes(ctx context.Context, c Caller, password string) ([]string, error) {
	u, err := s.checkPassword(ctx, c, password)
	if err != nil {
		return nil, err
	}
	codes, hashes, err := s.newRecoveryCodes(u.ID)
	if err != nil {
		return nil, err
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if _, err := tx.LockUser(ctx, u.ID); err != nil {
			return err
		}
		cred, err := tx.GetTOTP(ctx, u.ID)
		if ErrorCode(err) == CodeNotFound || (err == nil && cred.EnabledAt == nil) {
			return errMFAOff
		}
		if err != nil {
			return err
		}
		if err := tx.ReplaceRecoveryCodes(ctx, u.ID, hashes, s.Now()); err != nil {
			return err
		}
		if err := s.audit(ctx, tx, c.actor(), "", "mfa.recovery_codes_regenerate", u.ID, nil); err != nil {
			return err
		}
		return s.notify(ctx, tx, u, securityNotice("New recovery codes",
			"A new set of recovery codes was made for your account; the old codes no longer work."))
	})
	if err != nil {
		return nil, err
	}
	return codes, nil
}
