package sso

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/idbridge/idbridge/policy"
)

// Every JIT refusal renders as a page that says what happened, what the
// Team Admin can change, and the reference, with text escaped.
func TestEveryJITRefusalRendersItsMessageAndFix(t *testing.T) {
	p, err := newPages()
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []policy.Reason{policy.JITDisabled, policy.JITDomainUnverified, policy.JITMissingEmail, policy.JITEmailUnverified,
		policy.JITSeatLimit, policy.JITOtherTeam, policy.JITSCIMOnly, policy.JITEmailTaken, policy.AccountDeactivated} {
		t.Run(string(r), func(t *testing.T) {
			w := httptest.NewRecorder()
			p.refusal(w, 403, refusalPage{Title: "You cannot sign in yet", Reason: string(r), Message: policy.Message(r),
				AdminFix: policy.AdminFix(r), Reference: "0A1B2C"})
			body := w.Body.String()
			if w.Code != 403 || policy.Message(r) == "" || policy.AdminFix(r) == "" ||
				!strings.Contains(body, `data-reason="`+string(r)+`"`) || !strings.Contains(body, `id="reference">0A1B2C<`) {
				t.Fatalf("%d:\n%s", w.Code, body)
			}
			if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" || w.Header().Get("Cache-Control") != "no-store" {
				t.Errorf("headers %v", w.Header())
			}
		})
	}
}

func TestRefusalPagesEscapeWhatTheyShow(t *testing.T) {
	p, _ := newPages()
	w := httptest.NewRecorder()
	p.refusal(w, 400, refusalPage{Title: "x", Reason: "r", Message: `<script>alert(1)</script>`, Reference: "R"})
	if strings.Contains(w.Body.String(), "<script>") {
		t.Fatalf("unescaped:\n%s", w.Body.String())
	}
}
