package web_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	altcha "github.com/altcha-org/altcha-lib-go"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/sqlite"
	"github.com/idbridge/idbridge/accounts/web"
)

type clock struct{ now time.Time }

func (c *clock) Now() time.Time { return c.now }

func newCaptcha(t *testing.T, enabled bool) (*web.Captcha, *clock) {
	t.Helper()
	st, err := sqlite.Open(t.Context(), filepath.Join(t.TempDir(), "c.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(t.Context()); err != nil {
		t.Fatal(err)
	}
	c := &clock{time.Now().UTC()}
	svc, err := accounts.NewService(accounts.ServiceParams{Store: st, Now: c.Now,
		Argon2: accounts.Argon2Params{MemoryKiB: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}})
	if err != nil {
		t.Fatal(err)
	}
	return web.NewCaptcha(web.CaptchaParams{Service: svc, HMACKey: "test key of enough length, 32 bytes+", Enabled: enabled, MaxNumber: 5000}), c
}

// solve works out a challenge the way the browser widget does.
func solve(t *testing.T, ch altcha.Challenge) altcha.Payload {
	t.Helper()
	sol, err := altcha.SolveChallenge(ch.Challenge, ch.Salt, altcha.Algorithm(ch.Algorithm), int(ch.MaxNumber), 0, nil)
	if err != nil || sol == nil {
		t.Fatalf("solve: %v", err)
	}
	return altcha.Payload{Algorithm: ch.Algorithm, Challenge: ch.Challenge, Number: int64(sol.Number), Salt: ch.Salt, Signature: ch.Signature}
}

func encode(p altcha.Payload) string {
	b, _ := json.Marshal(p)
	return base64.StdEncoding.EncodeToString(b)
}

func TestCaptcha(t *testing.T) {
	ctx := context.Background()
	cap, clk := newCaptcha(t, true)
	fresh := func() altcha.Payload {
		ch, err := cap.NewChallenge()
		if err != nil {
			t.Fatal(err)
		}
		return solve(t, ch)
	}
	wantFail := func(name string, err error) {
		t.Helper()
		if accounts.ErrorCode(err) != accounts.CodeCaptchaFailed {
			t.Fatalf("%s: %v, want captcha_failed", name, err)
		}
	}

	good := fresh()
	if err := cap.Verify(ctx, encode(good)); err != nil {
		t.Fatalf("a solved challenge: %v", err)
	}
	wantFail("the same solution again", cap.Verify(ctx, encode(good)))
	wantFail("no solution", cap.Verify(ctx, ""))
	wantFail("not base64", cap.Verify(ctx, "%%%"))

	wrong := fresh()
	wrong.Number++
	wantFail("a wrong number", cap.Verify(ctx, encode(wrong)))

	forged, err := altcha.CreateChallenge(altcha.ChallengeOptions{HMACKey: "another key", MaxNumber: 5000, Expires: &clk.now})
	if err != nil {
		t.Fatal(err)
	}
	wantFail("a challenge signed with another key", cap.Verify(ctx, encode(solve(t, forged))))

	late := fresh()
	clk.now = clk.now.Add(11 * time.Minute)
	wantFail("a solution after the challenge expired", cap.Verify(ctx, encode(late)))

	off, _ := newCaptcha(t, false)
	if err := off.Verify(ctx, ""); err != nil {
		t.Fatalf("with the check off: %v", err)
	}
}
