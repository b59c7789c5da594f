package accounts_test

import (
	"context"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/keyring"
	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

var fastArgon = accounts.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// securityRig is a service over SQLite with a controllable clock and a
// real key ring, and one signed-in user.
type securityRig struct {
	svc    *accounts.Service
	st     accounts.Store
	clock  *clock
	user   accounts.User
	caller accounts.Caller
}

func newSecurityRig(t *testing.T) *securityRig {
	t.Helper()
	ctx := context.Background()
	spec, err := keyring.Generate(rand.Reader, "test")
	if err != nil {
		t.Fatal(err)
	}
	ring, err := keyring.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	st := newStore(t)
	c := &clock{time.Date(2026, 11, 1, 12, 0, 10, 0, time.UTC)}
	svc, err := accounts.NewService(accounts.ServiceParams{Store: st, Now: c.Now, Argon2: fastArgon, Sealer: ring,
		BaseURL: "https://id.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := svc.SignUp(ctx, accounts.SignUpInput{Username: "alice", Email: "alice@example.com", Password: "correct horse battery", IP: "192.0.2.1"})
	if err != nil {
		t.Fatal(err)
	}
	r := &securityRig{svc: svc, st: st, clock: c, user: u}
	r.signIn(t)
	return r
}

func (r *securityRig) signIn(t *testing.T) string {
	t.Helper()
	token, sess, err := r.svc.StartSession(context.Background(), accounts.StartSessionInput{UserID: r.user.ID, UserAgent: "test", IP: "192.0.2.1", AuthMethod: "password"})
	if err != nil {
		t.Fatal(err)
	}
	r.caller = accounts.Caller{Session: sess, IP: "192.0.2.1", UserAgent: "test"}
	return token
}

func (r *securityRig) code(t *testing.T, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCodeCustom(secret, at, totp.ValidateOpts{Period: 30, Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// enable runs setup and enable and returns the secret and recovery codes.
func (r *securityRig) enable(t *testing.T) (string, []string) {
	t.Helper()
	ctx := context.Background()
	setup, err := r.svc.SetupTOTP(ctx, r.caller, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.svc.EnableTOTP(ctx, r.caller, r.code(t, setup.Secret, r.clock.now))
	if err != nil {
		t.Fatal(err)
	}
	r.caller.Session = res.Session
	return setup.Secret, res.RecoveryCodes
}

func wantCode(t *testing.T, err error, code accounts.Code) {
	t.Helper()
	if accounts.ErrorCode(err) != code {
		t.Fatalf("error %v, want code %s", err, code)
	}
}

func TestTOTPSetupNeedsThePasswordAndEnableNeedsAValidCode(t *testing.T) {
	ctx := context.Background()
	r := newSecurityRig(t)
	_, err := r.svc.SetupTOTP(ctx, r.caller, "wrong password")
	wantCode(t, err, accounts.CodeInvalidCredentials)
	setup, err := r.svc.SetupTOTP(ctx, r.caller, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	if len(setup.Secret) != 32 || setup.URI == "" {
		t.Fatalf("setup %+v", setup)
	}
	cred, _ := r.st.GetTOTP(ctx, r.user.ID)
	if cred.Secret == setup.Secret || cred.EnabledAt != nil {
		t.Fatalf("stored credential %+v: want a sealed, pending secret", cred)
	}
	if on, _ := r.svc.MFAEnabled(ctx, r.user.ID); on {
		t.Fatal("2FA is on before a code was confirmed")
	}
	_, err = r.svc.EnableTOTP(ctx, r.caller, "000000")
	wantCode(t, err, accounts.CodeInvalidCode)
	r.signIn(t)
	first := r.caller
	r.signIn(t)
	res, err := r.svc.EnableTOTP(ctx, r.caller, r.code(t, setup.Secret, r.clock.now.Add(30*time.Second)))
	if err != nil {
		t.Fatal(err)
	}
	if len(res.RecoveryCodes) != 10 || res.Token == "" {
		t.Fatalf("enable result %+v", res)
	}
	live, _ := r.svc.Sessions(ctx, r.user.ID)
	if len(live) != 1 || live[0].ID != res.Session.ID || live[0].ID == r.caller.Session.ID || live[0].ID == first.Session.ID {
		t.Fatalf("after enable, live sessions %v: want only the rotated one", live)
	}
	inbox, _ := r.svc.Inbox(ctx, r.user.ID, 10)
	if inbox.Unread == 0 || inbox.Notifications[0].Title != "Two-factor authentication turned on" {
		t.Fatalf("inbox %+v: want a security notice", inbox)
	}
}

func TestEnableNeedsARecentAuthentication(t *testing.T) {
	ctx := context.Background()
	r := newSecurityRig(t)
	setup, err := r.svc.SetupTOTP(ctx, r.caller, "correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	r.clock.now = r.clock.now.Add(16 * time.Minute)
	_, err = r.svc.EnableTOTP(ctx, r.caller, r.code(t, setup.Secret, r.clock.now))
	wantCode(t, err, accounts.CodeReauthRequired)
	if err := r.svc.Reauthenticate(ctx, r.caller, "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	sess, _ := r.st.GetSessionByTokenHash(ctx, r.caller.Session.TokenHash)
	r.caller.Session = sess
	if _, err := r.svc.EnableTOTP(ctx, r.caller, r.code(t, setup.Secret, r.clock.now)); err != nil {
		t.Fatalf("after re-authentication: %v", err)
	}
}

func TestSignInSecondStep(t *testing.T) {
	ctx := context.Background()
	r := newSecurityRig(t)
	secret, codes := r.enable(t)
	start := func() string {
		tok, err := r.svc.StartMFA(ctx, accounts.StartSessionInput{UserID: r.user.ID})
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	t.Run("a code is accepted once per time step", func(t *testing.T) {
		r.clock.now = r.clock.now.Add(2 * time.Minute)
		code := r.code(t, secret, r.clock.now)
		if _, _, _, err := r.svc.CompleteMFA(ctx, accounts.CompleteMFAInput{MFAToken: start(), Code: code}); err != nil {
			t.Fatal(err)
		}
		_, _, _, err := r.svc.CompleteMFA(ctx, accounts.CompleteMFAInput{MFAToken: start(), Code: code})
		wantCode(t, err, accounts.CodeInvalidCode)
	})
	t.Run("a code one step old is accepted, two steps old is not", func(t *testing.T) {
		r.clock.now = r.clock.now.Add(5 * time.Minute)
		_, _, _, err := r.svc.CompleteMFA(ctx, accounts.CompleteMFAInput{MFAToken: start(), Code: r.code(t, secret, r.clock.now.Add(-60*time.Second))})
		wantCode(t, err, accounts.CodeInvalidCode)
		if _, _, _, err := r.svc.CompleteMFA(ctx, accounts.CompleteMFAInput{MFAToken: start(), Code: r.code(t, secret, r.clock.now.Add(-30*time.Second))}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("five wrong codes end the attempt, even in parallel", func(t *testing.T) {
		r.clock.now = r.clock.now.Add(20 * time.Minute)
		tok := start()
		var wg sync.WaitGroup
		errs := make([]error, 8)
		for i := range errs {
			wg.Go(func() {
				_, _, _, errs[i] = r.svc.CompleteMFA(ctx, accounts.CompleteMFAInput{MFAToken: tok, Code: "000000"})
			})
		}
		wg.Wait()
		wrong, ended := 0, 0
		for _, err := range errs {
			switch accounts.ErrorCode(err) {
			case accounts.CodeInvalidCode:
				wrong++
			case accounts.CodeMFAAttemptEnded:
				ended++
			default:
				t.Fatalf("unexpected %v", err)
			}
		}
		if wrong != 5 || ended != 3 {
			t.Fatalf("%d wrong-code answers and %d ended, want 5 and 3", wrong, ended)
		}
		r.clock.now = r.clock.now.Add(time.Minute)
		_, _, _, err := r.svc.CompleteMFA(ctx, accounts.CompleteMFAInput{MFAToken: tok, Code: r.code(t, secret, r.clock.now)})
		wantCode(t, err, accounts.CodeMFAAttemptEnded)
	})
	t.Run("the token expires after five minutes", func(t *testing.T) {
		r.clock.now = r.clock.now.Add(20 * time.Minute)
		tok := start()
		r.clock.now = r.clock.now.Add(5*time.Minute + time.Second)
		_, _, _, err := r.svc.CompleteMFA(ctx, accounts.CompleteMFAInput{MFAToken: tok, Code: r.code(t, secret, r.clock.now)})
		wantCode(t, err, accounts.CodeMFAAttemptEnded)
	})
	t.Run("a recovery code works once, in any case and without the dash", func(t *testing.T) {
		r.clock.now = r.clock.now.Add(20 * time.Minute)
		typed := "  " + codes[3][:5] + codes[3][6:] + " "
		if _, _, _, err := r.svc.CompleteMFA(ctx, accounts.CompleteMFAInput{MFAToken: start(), RecoveryCode: typed}); err != nil {
			t.Fatal(err)
		}
		_, _, _, err := r.svc.CompleteMFA(ctx, accounts.CompleteMFAInput{MFAToken: start(), RecoveryCode: codes[3]})
		wantCode(t, err, accounts.CodeInvalidCode)
		st, _ := r.svc.MFAStatus(ctx, r.user.ID)
		if !st.Enabled || st.RecoveryCodesLeft != 9 {
			t.Fatalf("status %+v", st)
		}
	})
	t.Run("regenerating kills the old set", func(t *testing.T) {
		r.clock.now = r.clock.now.Add(20 * time.Minute)
		fresh, err := r.svc.RegenerateRecoveryCodes(ctx, r.caller, "correct horse battery")
		if err != nil {
			t.Fatal(err)
		}
		_, _, _, err = r.svc.CompleteMFA(ctx, accounts.CompleteMFAInput{MFAToken: start(), RecoveryCode: codes[0]})
		wantCode(t, err, accounts.CodeInvalidCode)
		if _, _, _, err := r.svc.CompleteMFA(ctx, accounts.CompleteMFAInput{MFAToken: start(), RecoveryCode: fresh[0]}); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("disable needs the password and a code", func(t *testing.T) {
		r.clock.now = r.clock.now.Add(20 * time.Minute)
		err := r.svc.DisableTOTP(ctx, r.caller, "wrong", r.code(t, secret, r.clock.now))
		wantCode(t, err, accounts.CodeInvalidCredentials)
		err = r.svc.DisableTOTP(ctx, r.caller, "correct horse battery", "123456")
		wantCode(t, err, accounts.CodeInvalidCode)
		if err := r.svc.DisableTOTP(ctx, r.caller, "correct horse battery", r.code(t, secret, r.clock.now)); err != nil {
			t.Fatal(err)
		}
		if on, _ := r.svc.MFAEnabled(ctx, r.user.ID); on {
			t.Fatal("still on")
		}
		if n, _ := r.st.CountRecoveryCodes(ctx, r.user.ID); n != 0 {
			t.Fatalf("%d recovery codes left after disable", n)
		}
	})
}
