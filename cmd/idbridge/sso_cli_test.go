package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestSSOCommands(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "idbridge.db")
	keys := testKeys(t)
	env := map[string]string{"IDBRIDGE_ENCRYPTION_KEYS": keys}
	idp, idpSrv := newTestIdP(t)
	md, _ := idp.MetadataXML()
	file := filepath.Join(t.TempDir(), "okta.xml")
	os.WriteFile(file, md, 0o600)
	mustRun(t, "team", "create", "--db", db, "--slug", "acme", "--name", "Acme", "--plan", "enterprise")

	tests := []struct {
		name   string
		stdin  string
		args   []string
		code   int
		stdout string // substring
		stderr string // substring
	}{
		{"add-saml needs exactly one metadata source", "", []string{"sso", "add-saml", "--db", db, "--team", "acme"}, exitUsage, "", "exactly one of --metadata-file and --metadata-url"},
		{"add-saml refuses plain http metadata off loopback", "", []string{"sso", "add-saml", "--db", db, "--team", "acme", "--metadata-url", "http://idp.example.com/md"}, exitUsage, "", "https"},
		{"add-saml refuses metadata that is not SAML", "", []string{"sso", "add-saml", "--db", db, "--team", "acme", "--metadata-file", os.Args[0]}, exitFailure, "", "IdP metadata"},
		{"add-saml from a file prints the SP details", "", []string{"sso", "add-saml", "--db", db, "--team", "acme", "--metadata-file", file, "--name", "Okta", "--base-url", "https://id.example.com"}, exitOK,
			"sp_entity_id: https://id.example.com/sso/saml/", ""},
		{"add-saml from a loopback URL", "", []string{"sso", "add-saml", "--db", db, "--team", "acme", "--metadata-url", idpSrv.URL + "/dev-idp/metadata", "--name", "Entra"}, exitOK, "acs_url: ", ""},
		{"add-oidc reads the secret from stdin only", "", []string{"sso", "add-oidc", "--db", db, "--team", "acme", "--issuer", "https://login.example.com", "--client-id", "c"}, exitUsage, "", "--client-secret-stdin is required"},
		{"add-oidc prints the redirect URI", "s3cret\n", []string{"sso", "add-oidc", "--db", db, "--team", "acme", "--issuer", "https://login.example.com", "--client-id", "c", "--client-secret-stdin", "--base-url", "https://id.example.com"}, exitOK,
			"redirect_uri: https://id.example.com/sso/oidc/", ""},
		{"add-oidc refuses an unknown response mode", "s\n", []string{"sso", "add-oidc", "--db", db, "--team", "acme", "--issuer", "https://login.example.com", "--client-id", "c", "--client-secret-stdin", "--response-mode", "fragment"}, exitFailure, "", "response mode"},
		{"team set refuses a negative seat limit", "", []string{"team", "set", "--db", db, "--team", "acme", "--seat-limit", "-1"}, exitUsage, "", "--seat-limit"},
		{"team set refuses a value other than on or off", "", []string{"team", "set", "--db", db, "--team", "acme", "--jit", "maybe"}, exitUsage, "", "on or off"},
		{"team set changes only what it is given", "", []string{"team", "set", "--db", db, "--team", "acme", "--seat-limit", "25"}, exitOK, "jit: off\nsso_required: off\nscim_only: off\nseat_limit: 25", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := idbridge(t, env, tt.stdin, tt.args...)
			if r.code != tt.code || !strings.Contains(r.stdout, tt.stdout) || !strings.Contains(r.stderr, tt.stderr) {
				t.Fatalf("exit %d stdout %q stderr %q; want exit %d, stdout with %q, stderr with %q", r.code, r.stdout, r.stderr, tt.code, tt.stdout, tt.stderr)
			}
		})
	}

	list := mustRun(t, "sso", "list", "--db", db, "--team", "acme")
	if n := strings.Count(list, "\n"); n != 4 || !strings.Contains(list, "saml") || !strings.Contains(list, "oidc") {
		t.Fatalf("sso list:\n%s", list)
	}
	id := strings.Fields(strings.Split(list, "\n")[1])[0]
	show := cliFields(t, mustRun(t, "sso", "show", "--db", db, "--id", id, "--base-url", "https://id.example.com"))
	if show["protocol"] != "saml" || show["idp_entity_id"] != idpSrv.URL+"/dev-idp/metadata" || show["enabled"] != "true" ||
		show["acs_url"] != "https://id.example.com/sso/saml/"+id+"/acs" {
		t.Fatalf("sso show: %v", show)
	}
	mustRun(t, "sso", "disable", "--db", db, "--id", id)
	if show := cliFields(t, mustRun(t, "sso", "show", "--db", db, "--id", id)); show["enabled"] != "false" {
		t.Fatalf("after disable: %v", show)
	}
	if r := idbridge(t, nil, "", "sso", "show", "--db", db, "--id", "nope"); r.code != exitFailure || !strings.Contains(r.stderr, "no SSO connection") {
		t.Fatalf("show unknown: %d %q", r.code, r.stderr)
	}
}

// A metadata URL is fetched again by serve; a copy that does not parse
// leaves the last good one in place.
func TestMetadataURLRefreshKeepsTheLastGoodCopy(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "idbridge.db")
	keys := testKeys(t)
	env := map[string]string{"IDBRIDGE_ENCRYPTION_KEYS": keys}
	idp1, _ := newTestIdP(t)
	idp2, _ := newTestIdP(t)
	var serving atomic.Value // what the metadata URL answers
	md1, _ := idp1.MetadataXML()
	serving.Store(md1)
	mdSrv := newMetadataServer(t, &serving)
	mustRun(t, "team", "create", "--db", db, "--slug", "acme", "--name", "Acme", "--plan", "enterprise")
	r := idbridge(t, env, "", "sso", "add-saml", "--db", db, "--team", "acme", "--metadata-url", mdSrv+"/md")
	if r.code != 0 {
		t.Fatal(r.stderr)
	}
	id := cliFields(t, r.stdout)["id"]
	entity := func() string {
		return cliFields(t, mustRun(t, "sso", "show", "--db", db, "--id", id))["idp_entity_id"]
	}
	serving.Store([]byte("<html>maintenance</html>"))
	srv := startSSOServer(t, db, keys)
	waitForLog(t, srv, "keeping the last good copy")
	srv.shutdown(t)
	if !strings.Contains(srv.stderr.String(), "keeping the last good copy") || entity() != idp1.MetadataURL() {
		t.Fatalf("a bad copy replaced the good one: entity %s; log:\n%s", entity(), srv.stderr.String())
	}
	md2, _ := idp2.MetadataXML()
	serving.Store(md2)
	srv = startSSOServer(t, db, keys)
	waitForLog(t, srv, "IdP metadata updated")
	srv.shutdown(t)
	if entity() != idp2.MetadataURL() {
		t.Fatalf("the new metadata was not stored: %s; log:\n%s", entity(), srv.stderr.String())
	}
}

func newMetadataServer(t *testing.T, serving *atomic.Value) string {
	t.Helper()
	srv := httptestServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(serving.Load().([]byte))
	}))
	return srv
}

func httptestServer(t *testing.T, h http.Handler) string {
	t.Helper()
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.URL
}

// waitForLog waits until the server has logged text.
func waitForLog(t *testing.T, s *server, text string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.stderr.String(), text) {
		if time.Now().After(deadline) {
			t.Fatalf("server never logged %q:\n%s", text, s.stderr.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestServeSetsUpSignInWithGoogleFromItsFlags(t *testing.T) {
	db := "sqlite:" + filepath.Join(t.TempDir(), "idbridge.db")
	keys := testKeys(t)
	secretFile := filepath.Join(t.TempDir(), "google-secret")
	os.WriteFile(secretFile, []byte("g-secret\n"), 0o600)
	for _, clientID := range []string{"first.apps.googleusercontent.com", "second.apps.googleusercontent.com"} {
		srv := startSSOServer(t, db, keys, "--google-client-id", clientID, "--google-client-secret-file", secretFile)
		c := pageClient(t, srv.url)
		wantPage(t, c.get("/signin?return_to=/settings/sessions"), http.StatusOK,
			`<a class="button" href="/sso/google?return_to=%2fsettings%2fsessions">Sign in with Google</a>`)
		wantPage(t, c.get("/signup"), http.StatusOK, `<a class="button" href="/sso/google">Sign in with Google</a>`)
		srv.shutdown(t)
	}
	// Without a Google client the pages offer no button that leads nowhere.
	srv := startSSOServer(t, db, keys)
	for _, path := range []string{"/signin", "/signup"} {
		if body := wantPage(t, pageClient(t, srv.url).get(path), http.StatusOK); strings.Contains(body, "/sso/google") {
			t.Errorf("%s offers Google sign-in, which the server does not have:\n%s", path, body)
		}
	}
	conns, err := openTestStore(t, db).ListSSOConnections(t.Context(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(conns) != 1 || conns[0].OIDC.Issuer != "https://accounts.google.com" || conns[0].OIDC.ClientID != "second.apps.googleusercontent.com" ||
		conns[0].TeamID != "" || strings.Contains(conns[0].OIDC.ClientSecretSealed, "g-secret") {
		t.Fatalf("teamless connections %+v", conns)
	}
	if r := idbridge(t, map[string]string{"IDBRIDGE_ENCRYPTION_KEYS": keys}, "", "serve", "--db", db, "--google-client-id", "x"); r.code != exitUsage {
		t.Fatalf("--google-client-id without a secret file: exit %d %s", r.code, r.stderr)
	}
}
