package main

import (
	"regexp"
	"strings"
	"testing"
)

func TestDevIdPJITProvisionsAliceForTheDemoTeam(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		addr, base := freeBaseURL(t)
		demo := mustRun(t, "demo", "--db", db, "--base-url", base)
		srv := startSSOServerAt(t, db, testKeys(t), addr, base, "--dev-idp")
		b := newBrowser(t)
		action, form := idpForm(t, b.pick(b.get(srv.url+"/sso/start?email=alice@acme.test&return_to=/api/v1/me"), "alice"))
		me := b.post(action, srv.url, form)
		if me.status != 200 || !strings.Contains(me.body, `"email":"alice@acme.test"`) || !strings.Contains(me.body, `"role":"admin"`) {
			t.Fatalf("dev IdP sign-in: %d at %s:\n%s", me.status, me.url, me.body)
		}

		// The link the demo prints has no return_to: the person lands on
		// their account settings.
		link := regexp.MustCompile(regexp.QuoteMeta(base) + `/sso/start\?\S+`).FindString(demo)
		if link == "" || strings.Contains(link, "return_to") {
			t.Fatalf("demo prints no plain SSO link:\n%s", demo)
		}
		bob := newBrowser(t)
		action, form = idpForm(t, bob.pick(bob.get(strings.Replace(link, "alice@", "bob@", 1)), "bob"))
		settings := bob.post(action, srv.url, form)
		if settings.status != 200 || settings.url.Path != "/settings/account" || !strings.Contains(settings.body, "bob@acme.test") ||
			!strings.Contains(settings.body, "managed by your identity provider") {
			t.Fatalf("sign-in from the demo link: %d at %s:\n%s", settings.status, settings.url, settings.body)
		}
	})
}

func TestDevIdPRefusesToStartOffLoopback(t *testing.T) {
	for _, args := range [][]string{
		{"--base-url", "https://id.example.com", "--addr", "127.0.0.1:0"},
		{"--base-url", "http://127.0.0.1:8080", "--addr", "0.0.0.0:8080"},
		{"--base-url", "http://127.0.0.1:8080", "--addr", ":8080"},
	} {
		r := idbridge(t, map[string]string{"IDBRIDGE_ENCRYPTION_KEYS": testKeys(t)}, "",
			append([]string{"serve", "--dev-idp", "--db", "sqlite:" + t.TempDir() + "/x.db"}, args...)...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "--dev-idp is for development only") {
			t.Errorf("serve --dev-idp %v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}
