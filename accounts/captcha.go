package accounts

import (
	"context"
	"time"
)

var errCaptchaSpent = &Error{Code: CodeCaptchaFailed, Field: "altcha",
	Message: "this \"I'm not a robot\" check was used already; solve a new one"}

// SpendCaptcha records a proof-of-work solution (key is a digest naming it)
// as used until expires. A solution is good once: a second spend is
// CodeCaptchaFailed.
func (s *Service) SpendCaptcha(ctx context.Context, key []byte, expires time.Time) error {
	err := s.store.UseCaptchaSolution(ctx, key, expires)
	if ErrorCode(err) == CodeConflict {
		return errCaptchaSpent
	}
	return err
}
