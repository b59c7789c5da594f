package accounts

import (
	"context"
	"time"
)

// RateLimit allows Limit attempts per fixed Window.
type RateLimit struct {
	Limit  int
	Window time.Duration
}

// RateLimits are the guessing limits. Counters live in the store, so they
// hold across replicas.
type RateLimits struct {
	SignInPerAccount RateLimit
	SignInPerIP      RateLimit
	SignUpPerIP      RateLimit
	// CodePerAccount and CodePerIP limit TOTP and recovery-code guesses.
	CodePerAccount RateLimit
	CodePerIP      RateLimit
	// EmailPerAccount and EmailPerIP limit requests that send email to an
	// address (password reset, username recovery, verification resend).
	EmailPerAccount RateLimit
	EmailPerIP      RateLimit
}

// DefaultRateLimits: 10 sign-in attempts per account and 100 per IP address
// per 15 minutes; 20 sign-ups per IP address per hour; 20 second-factor
// codes per account and 50 per IP address per 15 minutes; 5 emails per
// address and 30 per IP address per hour.
func DefaultRateLimits() RateLimits {
	return RateLimits{
		SignInPerAccount: RateLimit{Limit: 10, Window: 15 * time.Minute},
		SignInPerIP:      RateLimit{Limit: 100, Window: 15 * time.Minute},
		SignUpPerIP:      RateLimit{Limit: 20, Window: time.Hour},
		CodePerAccount:   RateLimit{Limit: 20, Window: 15 * time.Minute},
		CodePerIP:        RateLimit{Limit: 50, Window: 15 * time.Minute},
		EmailPerAccount:  RateLimit{Limit: 5, Window: time.Hour},
		EmailPerIP:       RateLimit{Limit: 30, Window: time.Hour},
	}
}

// hit counts one attempt against key and returns a CodeRateLimited error,
// saying when to try again, once the limit is passed.
func (s *Service) hit(ctx context.Context, key string, rl RateLimit) error {
	if rl.Limit <= 0 || rl.Window <= 0 {
		return nil
	}
	now := s.Now()
	start := now.Truncate(rl.Window)
	n, err := s.store.HitRateLimit(ctx, key, start)
	if err != nil {
		return err
	}
	if n <= rl.Limit {
		return nil
	}
	wait := start.Add(rl.Window).Sub(now).Round(time.Second)
	if wait < time.Second {
		wait = time.Second
	}
	return &Error{Code: CodeRateLimited, RetryAfter: wait,
		Message: "too many attempts; try again in " + wait.String()}
}
