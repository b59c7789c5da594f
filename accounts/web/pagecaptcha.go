package web

import (
	"encoding/json"

	"github.com/gin-gonic/gin"
)

// challenge returns a fresh proof-of-work challenge for a form, or an empty
// field when the check is off. A failure to make one leaves the field
// empty: the post is then refused with a clear message, never a 500.
func (p *Pages) challenge(c *gin.Context) CaptchaField {
	if !p.captcha.Enabled() {
		return CaptchaField{}
	}
	ch, err := p.captcha.NewChallenge()
	if err == nil {
		var b []byte
		if b, err = json.Marshal(ch); err == nil {
			return CaptchaField{Challenge: string(b)}
		}
	}
	p.log.ErrorContext(c.Request.Context(), "make captcha challenge", "err", err, "request_id", RequestID(c))
	return CaptchaField{Error: "The robot check could not be prepared. Reload the page."}
}

// checkCaptcha checks and spends the form's proof-of-work solution.
func (p *Pages) checkCaptcha(c *gin.Context) error {
	return p.captcha.Verify(c.Request.Context(), c.PostForm("altcha"))
}
