package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/gin-gonic/gin"
	"github.com/idbridge/idbridge/accounts"
)

// CaptchaField is the proof-of-work check on a form: the challenge the
// browser solves (JSON) and, after a failed post, why it was refused.
type CaptchaField struct {
	Challenge string
	Error     string
}

// SignUpPage is the sign-up form; Errors holds a message per field name,
// shown next to that field.
type SignUpPage struct {
	Frame
	Username string
	Email    string
	Name     string
	Errors   map[string]string
	Error    string
	Captcha  CaptchaField
	Google   bool // offer Sign in with Google
}

// RenderSignUp shows the sign-up form.
func (p *Pages) RenderSignUp(c *gin.Context, status int, d SignUpPage) {
	d.Title, d.Google = "Create an account", p.google
	p.render(c, status, "signup", &d)
}

// SignUpForm handles GET /signup.
func (p *Pages) SignUpForm(c *gin.Context) {
	if _, ok := c.Get(ctxUser); ok {
		seeOther(c, "/settings/account")
		return
	}
	p.RenderSignUp(c, http.StatusOK, SignUpPage{Captcha: p.challenge(c)})
}

// SignUp handles POST /signup: create the account, sign the person in and
// show their settings; a refusal goes back to the form next to its field.
func (p *Pages) SignUp(c *gin.Context) {
	d := SignUpPage{Username: c.PostForm("username"), Email: c.PostForm("email"), Name: c.PostForm("name")}
	if err := p.checkCaptcha(c); err != nil {
		d.Captcha = p.challenge(c)
		d.Captcha.Error = "The robot check did not pass. Wait for it to finish, then send the form again."
		p.RenderSignUp(c, pageStatus(accounts.ErrorCode(err)), d)
		return
	}
	u, err := p.svc.SignUp(c.Request.Context(), accounts.SignUpInput{
		Username: d.Username, Email: d.Email, Password: c.PostForm("password"), Name: d.Name, IP: c.ClientIP(),
	})
	if err != nil {
		if p.formError(c, err, &d.Errors, &d.Error) {
			d.Captcha = p.challenge(c)
			p.RenderSignUp(c, pageStatus(accounts.ErrorCode(err)), d)
		}
		return
	}
	p.startSession(c, u, accounts.StartSessionInput{AuthMethod: "password"}, "/settings/account?done=signed_up")
}

// formError puts a field-level domain error on the form (a field message,
// or the form's message) and reports true; any other error is rendered as
// an error page and it reports false.
func (p *Pages) formError(c *gin.Context, err error, fields *map[string]string, form *string) bool {
	var e *accounts.Error
	if !errors.As(err, &e) {
		p.fail(c, err)
		return false
	}
	switch e.Code {
	case accounts.CodeInvalid, accounts.CodeWeakPassword, accounts.CodeUsernameTaken, accounts.CodeEmailTaken,
		accounts.CodeInvalidCredentials:
	default:
		p.fail(c, err)
		return false
	}
	if e.Field == "" {
		*form = e.Message
		return true
	}
	if *fields == nil {
		*fields = map[string]string{}
	}
	(*fields)[e.Field] = capitalise(e.Message)
	return true
}

// capitalise turns a domain message ("that username is taken; choose
// another") into a sentence for a form.
func capitalise(s string) string {
	if s == "" {
		return s
	}
	if s[0] >= 'a' && s[0] <= 'z' {
		s = string(s[0]-'a'+'A') + s[1:]
	}
	if !strings.HasSuffix(s, ".") && !strings.HasSuffix(s, "?") && !strings.HasSuffix(s, "!") {
		s += "."
	}
	return s
}
