package web

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strconv"
	"strings"
	"time"

	altcha "github.com/altcha-org/altcha-lib-go"

	"github.com/idbridge/idbridge/accounts"
)

// Captcha is the self-hosted "I'm not a robot" check: an ALTCHA
// proof-of-work challenge signed with an HMAC key, whose solution the
// client sends back (JSON field or form field "altcha"). A solution is good
// once; spent ones are stored until the challenge expires.
type Captcha struct {
	svc       *accounts.Service
	key       string
	enabled   bool
	maxNumber int64
	ttl       time.Duration
}

// CaptchaParams configure a Captcha.
type CaptchaParams struct {
	Service *accounts.Service
	HMACKey string // secret, at least 32 bytes of entropy
	Enabled bool   // false: Verify accepts everything (--captcha off)
	// MaxNumber bounds the work (default 200 000 hashes at most, about a
	// second in a browser).
	MaxNumber int64
	TTL       time.Duration // how long a challenge may be solved (default 10 min)
}

// NewCaptcha builds the check.
func NewCaptcha(p CaptchaParams) *Captcha {
	c := &Captcha{svc: p.Service, key: p.HMACKey, enabled: p.Enabled, maxNumber: p.MaxNumber, ttl: p.TTL}
	if c.maxNumber <= 0 {
		c.maxNumber = 200_000
	}
	if c.ttl <= 0 {
		c.ttl = 10 * time.Minute
	}
	return c
}

// Enabled reports whether solutions are required.
func (c *Captcha) Enabled() bool { return c.enabled }

// NewChallenge returns a fresh signed challenge, in the JSON shape the
// ALTCHA widget fetches.
func (c *Captcha) NewChallenge() (altcha.Challenge, error) {
	exp := c.svc.Now().Add(c.ttl)
	return altcha.CreateChallenge(altcha.ChallengeOptions{
		Algorithm: altcha.SHA256, MaxNumber: c.maxNumber, HMACKey: c.key, Expires: &exp,
	})
}

var errCaptcha = &accounts.Error{Code: accounts.CodeCaptchaFailed, Field: "altcha",
	Message: "complete the \"I'm not a robot\" check and send its solution in the altcha field"}

// Verify checks a solution (the widget's base64 payload) and spends it.
// Returns a CodeCaptchaFailed error for a missing, wrong, expired or spent
// solution; nil when the check is off.
func (c *Captcha) Verify(ctx context.Context, payload string) error {
	if !c.enabled {
		return nil
	}
	if payload == "" || len(payload) > 4096 {
		return errCaptcha
	}
	raw, err := base64.StdEncoding.DecodeString(payload)
	if err != nil {
		return errCaptcha
	}
	var p altcha.Payload
	if err := json.Unmarshal(raw, &p); err != nil {
		return errCaptcha
	}
	_, query, _ := strings.Cut(p.Salt, "?")
	params, _ := url.ParseQuery(query)
	exp, err := strconv.ParseInt(params.Get("expires"), 10, 64)
	if err != nil || c.svc.Now().Unix() > exp {
		return errCaptcha
	}
	ok, err := altcha.VerifySolutionSafe(p, c.key, false)
	if err != nil || !ok {
		return errCaptcha
	}
	return c.svc.SpendCaptcha(ctx, accounts.HashToken(p.Challenge), time.Unix(exp, 0))
}
