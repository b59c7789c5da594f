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

// The SSO pages wear the account pages' frame: the same header and the
// stylesheet the server serves, which their policy lets load, and no
// inline style that the policy would block.
func TestSSOPagesShareTheAccountPagesStylesheetAndHeader(t *testing.T) {
	p, err := newPages()
	if err != nil {
		t.Fatal(err)
	}
	for name, draw := range map[string]func(w *httptest.ResponseRecorder){
		"start": func(w *httptest.ResponseRecorder) { p.start(w, 200, startPage{ReturnTo: "/"}) },
		"chooser": func(w *httptest.ResponseRecorder) {
			p.chooser(w, chooserPage{TeamName: "Acme", Connections: []chooserEntry{{"Okta", "/x"}}})
		},
		"refusal": func(w *httptest.ResponseRecorder) {
			p.refusal(w, 403, refusalPage{Title: "t", Reason: "jit_disabled", Message: "m", Reference: "R"})
		},
	} {
		t.Run(name, func(t *testing.T) {
			w := httptest.NewRecorder()
			draw(w)
			body, csp := w.Body.String(), w.Header().Get("Content-Security-Policy")
			if !strings.Contains(body, `<link rel="stylesheet" href="`+Stylesheet+`">`) ||
				!strings.Contains(body, `<header class="top">`) || !strings.Contains(body, `<main id="main">`) {
				t.Errorf("page without the shared frame:\n%s", body)
			}
			if strings.Contains(body, "<style") || strings.Contains(body, " style=") {
				t.Errorf("inline style, which the policy blocks:\n%s", body)
			}
			if !strings.Contains(csp, "style-src 'self'") || strings.Contains(csp, "unsafe-inline") || !strings.Contains(csp, "default-src 'none'") {
				t.Errorf("Content-Security-Policy %q", csp)
			}
		})
	}
}
