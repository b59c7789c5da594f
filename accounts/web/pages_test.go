package web

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"
)

// TestEveryPageRendersWithItsOwnNonce renders each page from its zero data
// and checks what every page must have: one h1, labels for its inputs, and
// scripts only with the response's CSP nonce.
func TestEveryPageRendersWithItsOwnNonce(t *testing.T) {
	gin.SetMode(gin.TestMode)
	p, err := NewPages(PagesParams{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	pages := []struct {
		name   string
		render func(c *gin.Context)
	}{
		{"sign-in", func(c *gin.Context) { p.RenderSignIn(c, 200, SignInPage{}) }},
		{"sign-in second step", func(c *gin.Context) { p.RenderSignInMFA(c, 200, SignInMFAPage{MFAToken: "t"}) }},
		{"sign-up with a robot check", func(c *gin.Context) {
			p.RenderSignUp(c, 200, SignUpPage{Captcha: CaptchaField{Challenge: `{"salt":"s"}`}})
		}},
		{"account", func(c *gin.Context) { p.RenderAccount(c, 200, AccountPage{}) }},
		{"account with 2FA on, managed", func(c *gin.Context) {
			p.RenderAccount(c, 200, AccountPage{Managed: true, ManagedMessage: "m", Security: SecuritySection{MFAEnabled: true, PasswordLocked: "x", EmailLocked: "y"}})
		}},
		{"totp setup", func(c *gin.Context) { p.RenderTOTPSetup(c, 200, TOTPSetupPage{Secret: "ABC"}) }},
		{"recovery codes", func(c *gin.Context) { p.RenderRecoveryCodes(c, 200, RecoveryCodesPage{Codes: []string{"a-b"}}) }},
		{"sessions", func(c *gin.Context) {
			p.RenderSessions(c, 200, SessionsPage{Sessions: []SessionRow{{ID: "1", Current: true}, {ID: "2"}}, Others: 1})
		}},
		{"notifications", func(c *gin.Context) { p.RenderNotifications(c, 200, NotificationsPage{}) }},
		{"re-auth", func(c *gin.Context) { p.RenderReauth(c, 401, ReauthPage{ReturnTo: "//evil"}) }},
		{"password reset request", func(c *gin.Context) { p.RenderPasswordResetRequest(c, 200, EmailRequestPage{}) }},
		{"username recovery", func(c *gin.Context) { p.RenderUsernameRecovery(c, 200, EmailRequestPage{Sent: "sent"}) }},
		{"resend verification", func(c *gin.Context) { p.RenderResendVerification(c, 200, EmailRequestPage{}) }},
		{"new password", func(c *gin.Context) { p.RenderNewPassword(c, 200, NewPasswordPage{}) }},
		{"verify email", func(c *gin.Context) { p.RenderVerifyEmail(c, 200, ConfirmLinkPage{}) }},
		{"confirm email change", func(c *gin.Context) { p.RenderConfirmEmailChange(c, 200, ConfirmLinkPage{}) }},
		{"session expired", func(c *gin.Context) { p.RenderSessionExpired(c, 401, SessionExpiredPage{}) }},
		{"error", func(c *gin.Context) { p.RenderError(c, 403, ErrorPage{Heading: "h", Code: "sso_required"}) }},
	}
	scriptTag := regexp.MustCompile(`<script[^>]*>`)
	inputID := regexp.MustCompile(`<input id="([^"]+)"`)
	for _, pg := range pages {
		t.Run(pg.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			c, _ := gin.CreateTestContext(w)
			c.Request = httptest.NewRequest(http.MethodGet, "/", nil)
			pg.render(c)
			body := w.Body.String()
			if w.Code >= 500 || !strings.HasPrefix(body, "<!doctype html>") {
				t.Fatalf("status %d, body %.200s", w.Code, body)
			}
			if n := strings.Count(body, "<h1>"); n != 1 {
				t.Fatalf("%d h1 elements, want 1", n)
			}
			csp := w.Header().Get("Content-Security-Policy")
			for _, tag := range scriptTag.FindAllString(body, -1) {
				m := regexp.MustCompile(`nonce="([^"]+)"`).FindStringSubmatch(tag)
				if m == nil || !strings.Contains(csp, "'nonce-"+m[1]+"'") {
					t.Fatalf("script %s does not carry the CSP nonce (%s)", tag, csp)
				}
			}
			for _, id := range inputID.FindAllStringSubmatch(body, -1) {
				if !strings.Contains(body, `<label for="`+id[1]+`"`) && !strings.Contains(body, `aria-label=`) {
					t.Fatalf("input %s has no label", id[1])
				}
			}
			if strings.Contains(body, "//evil") {
				t.Fatal("a foreign return_to reached the page")
			}
		})
	}
}
