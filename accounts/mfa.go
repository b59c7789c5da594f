package accounts

import (
	"context"
	"crypto/subtle"
	"encoding/base32"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"strings"
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
	codes, hashes, err := s.newRecoveryCodes()
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
// password and a current code (or an unused recovery code), and deletes the
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
	codes, hashes, err := s.newRecoveryCodes()
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
		err := s.store.UseRecoveryCode(ctx, cred.UserID, recoveryHash(recovery), s.Now())
		if ErrorCode(err) == CodeNotFound {
			return errWrongRecov
		}
		if err != nil {
			return err
		}
		return s.store.InTx(ctx, func(tx Tx) error {
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
func (s *Service) newRecoveryCodes() ([]string, [][]byte, error) {
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
		hashes[i] = recoveryHash(raw)
	}
	return codes, hashes, nil
}

// recoveryHash is the stored form of a recovery code, whatever case,
// spaces or dashes the person typed.
func recoveryHash(code string) []byte {
	code = strings.Map(func(r rune) rune {
		if r == '-' || r == ' ' {
			return -1
		}
		return r
	}, strings.ToLower(strings.TrimSpace(code)))
	return HashToken(code)
}

// hitCode counts a second-factor attempt against the account and the IP.
func (s *Service) hitCode(ctx context.Context, userID, ip string) error {
	if err := s.hit(ctx, "code:ip:"+clientKey(ip), s.limits.CodePerIP); err != nil {
		return err
	}
	return s.hit(ctx, "code:user:"+userID, s.limits.CodePerAccount)
}

// checkPassword verifies the caller's password again (rate-limited) and,
// when it is right, records the re-authentication on the session.
func (s *Service) checkPassword(ctx context.Context, c Caller, password string) (User, error) {
	userID := c.Session.UserID
	if len(password) > maxPasswordBytes {
		return User{}, errWrongPasswd
	}
	if err := s.hit(ctx, "password:ip:"+clientKey(c.IP), s.limits.SignInPerIP); err != nil {
		return User{}, err
	}
	if err := s.hit(ctx, "password:user:"+userID, s.limits.SignInPerAccount); err != nil {
		return User{}, err
	}
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return User{}, err
	}
	hash, err := s.store.GetPasswordHash(ctx, userID)
	if ErrorCode(err) == CodeNotFound {
		hash = s.dummyHash
	} else if err != nil {
		return User{}, err
	}
	ok, _, err := s.verify(ctx, hash, password)
	if err != nil {
		return User{}, err
	}
	if !ok || hash == s.dummyHash {
		return User{}, errWrongPasswd
	}
	if c.Session.ID != "" {
		if err := s.store.ReauthenticateSession(ctx, c.Session.ID, s.Now()); err != nil && ErrorCode(err) != CodeNotFound {
			return User{}, err
		}
	}
	return u, nil
}
