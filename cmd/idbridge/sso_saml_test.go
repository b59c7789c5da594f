package main

import (
	"bytes"
	"compress/flate"
	"context"
	"encoding/base64"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/sso/devidp"
)

// freeBaseURL reserves a loopback port for a server whose base URL must be
// known before it starts (the IdP is told our ACS URL).
func freeBaseURL(t *testing.T) (addr, base string) {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr = ln.Addr().String()
	ln.Close()
	return addr, "http://" + addr
}

// startSSOServer runs serve with a base URL that matches its address.
func startSSOServer(t *testing.T, db string, keys string, extra ...string) *server {
	t.Helper()
	addr, base := freeBaseURL(t)
	return startSSOServerAt(t, db, keys, addr, base, extra...)
}

// startSSOServerAt is startSSOServer on an address reserved earlier.
func startSSOServerAt(t *testing.T, db, keys, addr, base string, extra ...string) *server {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	s := &server{stop: cancel, done: make(chan int, 1), stderr: &syncBuffer{}}
	args := append([]string{"idbridge", "serve", "--addr", addr, "--base-url", base, "--db", db, "--log-format", "text"}, extra...)
	env := map[string]string{"IDBRIDGE_ENCRYPTION_KEYS": keys}
	go func() {
		code := run(ctx, args, func(k string) string { return env[k] }, strings.NewReader(""), pw, s.stderr)
		pw.Close()
		s.done <- code
	}()
	buf := make([]byte, 4096)
	n, _ := pr.Read(buf)
	if m := listenLine.FindSubmatch(buf[:n]); m != nil {
		s.url = string(m[1])
	}
	go io.Copy(io.Discard, pr)
	if s.url == "" {
		cancel()
		t.Fatalf("server did not start: exit %d, stderr:\n%s", <-s.done, s.stderr.String())
	}
	t.Cleanup(func() { s.shutdown(t) })
	return s
}

// newTestIdP serves crewjam/saml's IdP (through the development IdP's
// user picker) on its own loopback port: another site than the server.
func newTestIdP(t *testing.T) (*devidp.IdP, *httptest.Server) {
	t.Helper()
	var idp *devidp.IdP
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { idp.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	var err error
	idp, err = devidp.New(devidp.Params{
		BaseURL: srv.URL, Users: append(devidp.DemoUsers("acme.test"), devidp.User{Key: "mallory", NameID: "dev-mallory", Email: "mallory@evil.test"}),
		Logger: slog.New(slog.NewTextHandler(t.Output(), nil)),
		SPMetadata: func(ctx context.Context, entityID string) ([]byte, error) {
			req, _ := http.NewRequestWithContext(ctx, http.MethodGet, entityID, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				return nil, err
			}
			defer resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				return nil, os.ErrNotExist
			}
			return io.ReadAll(resp.Body)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	return idp, srv
}

// browser is a cookie-keeping client that follows redirects, as a
// browser does, and remembers where it ended up.
type browser struct {
	t    *testing.T
	http *http.Client
}

func newBrowser(t *testing.T) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, http: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

type page struct {
	status int
	url    *url.URL
	body   string
}

func (b *browser) get(u string) page {
	b.t.Helper()
	resp, err := b.http.Get(u)
	if err != nil {
		b.t.Fatalf("GET %s: %v", u, err)
	}
	return b.read(resp)
}

// post submits a form as the page at origin would (cross-site when origin
// is another server).
func (b *browser) post(u, origin string, form url.Values) page {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", origin)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	resp, err := b.http.Do(req)
	if err != nil {
		b.t.Fatalf("POST %s: %v", u, err)
	}
	return b.read(resp)
}

func (b *browser) read(resp *http.Response) page {
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	return page{resp.StatusCode, resp.Request.URL, string(body)}
}

var (
	formAction = regexp.MustCompile(`action="([^"]+)"`)
	formInput  = regexp.MustCompile(`name="(SAMLResponse|RelayState)" value="([^"]*)"`)
	reasonAttr = regexp.MustCompile(`data-reason="([^"]+)"`)
	refText    = regexp.MustCompile(`id="reference">([0-9A-F]+)<`)
)

// idpForm reads the auto-submitting form the IdP answers with.
func idpForm(t *testing.T, p page) (action string, form url.Values) {
	t.Helper()
	m := formAction.FindStringSubmatch(p.body)
	if p.status != http.StatusOK || m == nil {
		t.Fatalf("IdP answered %d at %s without a form:\n%s", p.status, p.url, p.body)
	}
	form = url.Values{}
	for _, in := range formInput.FindAllStringSubmatch(p.body, -1) {
		form.Set(in[1], html.UnescapeString(in[2]))
	}
	return html.UnescapeString(m[1]), form
}

// pick signs in at the IdP as user from its picker page.
func (b *browser) pick(picker page, user string) page {
	b.t.Helper()
	if !strings.Contains(picker.body, "Development IdP") {
		b.t.Fatalf("expected the IdP's user picker at %s, got %d:\n%s", picker.url, picker.status, picker.body)
	}
	u := *picker.url
	q := u.Query()
	q.Set("user", user)
	u.RawQuery = q.Encode()
	return b.get(u.String())
}

func wantRefusal(t *testing.T, p page, status int, reason string) string {
	t.Helper()
	m := reasonAttr.FindStringSubmatch(p.body)
	if p.status != status || m == nil || m[1] != reason {
		t.Fatalf("got %d with reason %v, want %d %q; body:\n%s", p.status, m, status, reason, p.body)
	}
	ref := refText.FindStringSubmatch(p.body)
	if ref == nil {
		t.Fatalf("refusal page without a support reference:\n%s", p.body)
	}
	return ref[1]
}

func cliFields(t *testing.T, out string) map[string]string {
	t.Helper()
	f := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			t.Fatalf("output line %q is not key: value", line)
		}
		f[k] = v
	}
	return f
}

func TestSAMLSignInEndToEnd(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		keys := testKeys(t)
		idp, idpSrv := newTestIdP(t)
		env := map[string]string{"IDBRIDGE_ENCRYPTION_KEYS": keys}
		mustRun(t, "team", "create", "--db", db, "--slug", "acme", "--name", "Acme", "--plan", "enterprise")
		mustRun(t, "domain", "add", "--db", db, "--team", "acme", "--domain", "acme.test", "--verified")
		mustRun(t, "team", "set", "--db", db, "--team", "acme", "--jit", "on", "--admin-group", devidp.AdminGroup)

		srv := startSSOServer(t, db, keys)
		metadataFile := filepath.Join(t.TempDir(), "idp.xml")
		md, _ := idp.MetadataXML()
		os.WriteFile(metadataFile, md, 0o600)
		r := idbridge(t, env, "", "sso", "add-saml", "--db", db, "--team", "acme", "--metadata-file", metadataFile,
			"--name", "Okta", "--allow-idp-initiated", "--base-url", srv.url)
		if r.code != 0 {
			t.Fatalf("sso add-saml: %d %s", r.code, r.stderr)
		}
		conn := cliFields(t, r.stdout)
		if conn["acs_url"] != srv.url+"/sso/saml/"+conn["id"]+"/acs" || conn["sp_entity_id"] != conn["metadata_url"] {
			t.Fatalf("add-saml printed %v", conn)
		}

		t.Run("SP metadata lists the ACS URL and the keys for signing and encryption", func(t *testing.T) {
			p := newBrowser(t).get(conn["metadata_url"])
			if p.status != 200 || !strings.Contains(p.body, `Location="`+conn["acs_url"]+`"`) ||
				!strings.Contains(p.body, `use="encryption"`) || !strings.Contains(p.body, `AuthnRequestsSigned="true"`) {
				t.Fatalf("metadata %d:\n%s", p.status, p.body)
			}
		})

		alice := newBrowser(t)
		t.Run("alice signs in SP-initiated through home-realm discovery, encrypted, and is provisioned as an admin", func(t *testing.T) {
			picker := alice.get(srv.url + "/sso/start?email=alice@acme.test&return_to=/api/v1/me")
			if q := picker.url.Query(); q.Get("SigAlg") != "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" || q.Get("Signature") == "" {
				t.Errorf("AuthnRequest not signed with RSA-SHA256: %s", picker.url)
			}
			action, form := idpForm(t, alice.pick(picker, "alice"))
			if !strings.Contains(mustDecode(t, form.Get("SAMLResponse")), "EncryptedAssertion") {
				t.Error("the IdP did not encrypt the assertion to the SP's key")
			}
			me := alice.post(action, idpSrv.URL, form)
			if me.status != 200 || me.url.Path != "/api/v1/me" {
				t.Fatalf("after ACS: %d at %s:\n%s", me.status, me.url, me.body)
			}
			for _, want := range []string{`"email":"alice@acme.test"`, `"email_verified":true`, `"slug":"acme"`, `"role":"admin"`, `"managed_by_team"`} {
				if !strings.Contains(me.body, want) {
					t.Errorf("/me lacks %s: %s", want, me.body)
				}
			}
			st := openTestStore(t, db)
			u, err := st.GetUserByEmail(t.Context(), "alice@acme.test")
			if err != nil {
				t.Fatal(err)
			}
			sessions, _ := st.ListSessions(t.Context(), u.ID, time.Now())
			if len(sessions) != 1 || sessions[0].AuthMethod != "sso:"+conn["id"] {
				t.Errorf("sessions %+v, want one recorded as sso:%s", sessions, conn["id"])
			}
			m, _ := st.GetMembership(t.Context(), mustTeam(t, st).ID, u.ID)
			if m.Source != accounts.SourceJIT {
				t.Errorf("membership source %q, want jit", m.Source)
			}
		})

		t.Run("a response posted twice is refused: its request was used", func(t *testing.T) {
			b := newBrowser(t)
			picker := b.get(srv.url + "/sso/start?team=acme&return_to=/api/v1/me")
			action, form := idpForm(t, b.pick(picker, "alice"))
			if p := b.post(action, idpSrv.URL, form); p.status != 200 {
				t.Fatalf("first post: %d %s", p.status, p.body)
			}
			wantRefusal(t, b.post(action, idpSrv.URL, form), 400, "saml_in_response_to")
		})

		t.Run("a response for a request started in another browser is refused", func(t *testing.T) {
			victim, attacker := newBrowser(t), newBrowser(t)
			action, form := idpForm(t, attacker.pick(attacker.get(srv.url+"/sso/start?team=acme"), "alice"))
			wantRefusal(t, victim.post(action, idpSrv.URL, form), 400, "saml_in_response_to")
		})

		t.Run("a response to a request we never sent is refused, though IdP-initiated sign-in is allowed", func(t *testing.T) {
			b := newBrowser(t)
			b.get(srv.url + "/sso/start?team=acme") // the browser has a flow cookie
			authn := `<samlp:AuthnRequest xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"` +
				` ID="id-never-sent" Version="2.0" IssueInstant="` + time.Now().UTC().Format(time.RFC3339) + `"` +
				` Destination="` + idpSrv.URL + `/dev-idp/sso" AssertionConsumerServiceURL="` + conn["acs_url"] + `"` +
				` ProtocolBinding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"><saml:Issuer>` + conn["sp_entity_id"] + `</saml:Issuer></samlp:AuthnRequest>`
			q := url.Values{"SAMLRequest": {base64.StdEncoding.EncodeToString(deflateBytes(t, []byte(authn)))}, "user": {"alice"}}
			action, form := idpForm(t, b.get(idpSrv.URL+"/dev-idp/sso?"+q.Encode()))
			if !strings.Contains(mustDecode(t, form.Get("SAMLResponse")), `InResponseTo="id-never-sent"`) {
				t.Fatal("the IdP did not answer the crafted request")
			}
			wantRefusal(t, b.post(action, idpSrv.URL, form), 400, "saml_in_response_to")
		})

		t.Run("with JIT off an unknown person is refused with what to do and a reference in the audit log", func(t *testing.T) {
			mustRun(t, "team", "set", "--db", db, "--team", "acme", "--jit", "off")
			b := newBrowser(t)
			action, form := idpForm(t, b.pick(b.get(srv.url+"/sso/start?email=bob@acme.test"), "bob"))
			p := b.post(action, idpSrv.URL, form)
			ref := wantRefusal(t, p, 403, "jit_disabled")
			if !strings.Contains(p.body, "You need to be invited to join the team as JIT provisioning is not enabled") ||
				!strings.Contains(p.body, "team set --jit on") {
				t.Errorf("refusal page does not say what happened and what to change:\n%s", p.body)
			}
			events, _ := openTestStore(t, db).ListAudit(t.Context(), mustTeam(t, openTestStore(t, db)).ID, 50)
			found := false
			for _, e := range events {
				found = found || (e.Action == "sso.refuse" && e.Details["reference"] == ref && e.Details["reason"] == "jit_disabled")
			}
			if !found {
				t.Errorf("no sso.refuse audit event with reference %s", ref)
			}
			mustRun(t, "team", "set", "--db", db, "--team", "acme", "--jit", "on")
		})

		t.Run("IdP-initiated sign-in works when allowed, and its assertion is accepted once", func(t *testing.T) {
			b := newBrowser(t)
			login := idpSrv.URL + "/dev-idp/login?" + url.Values{"sp": {conn["sp_entity_id"]}, "RelayState": {"/api/v1/me"}}.Encode()
			action, form := idpForm(t, b.pick(b.get(login), "bob"))
			me := b.post(action, idpSrv.URL, form)
			if me.status != 200 || !strings.Contains(me.body, `"email":"bob@acme.test"`) || !strings.Contains(me.body, `"role":"member"`) {
				t.Fatalf("IdP-initiated: %d %s", me.status, me.body)
			}
			wantRefusal(t, newBrowser(t).post(action, idpSrv.URL, form), 400, "saml_replay")
		})

		t.Run("a person at a domain the team has not verified is refused", func(t *testing.T) {
			b := newBrowser(t)
			action, form := idpForm(t, b.pick(b.get(srv.url+"/sso/start?team=acme"), "mallory"))
			wantRefusal(t, b.post(action, idpSrv.URL, form), 403, "jit_domain_unverified")
		})

		t.Run("an open redirect in return_to is turned into a local path", func(t *testing.T) {
			b := newBrowser(t)
			action, form := idpForm(t, b.pick(b.get(srv.url+"/sso/start?team=acme&return_to=//evil.test/x"), "alice"))
			p := b.post(action, idpSrv.URL, form)
			// "/" sends a signed-in person on to their account settings.
			if p.url.Host != strings.TrimPrefix(srv.url, "http://") || p.url.Path != "/settings/account" {
				t.Fatalf("ended at %s, want this server's / (and from there /settings/account)", p.url)
			}
		})

		t.Run("cross-origin protection still covers everything but the ACS", func(t *testing.T) {
			p := newBrowser(t).post(srv.url+"/sso/start", "https://evil.test", url.Values{"team": {"acme"}})
			if p.status != http.StatusForbidden || !strings.Contains(p.body, "cross_origin_request") {
				t.Fatalf("cross-origin POST /sso/start: %d %s", p.status, p.body)
			}
		})

		// The ACS checks a response against its cached copy of the
		// connection; the sign-in's transaction finds out whether that copy
		// is still current.
		setConnection := func(t *testing.T, metadata string) {
			t.Helper()
			if _, err := openTestStore(t, db).UpdateSSOConnection(t.Context(), conn["id"], func(c *accounts.SSOConnection) error {
				c.SAML.IdPMetadata, c.UpdatedAt = metadata, time.Now()
				return nil
			}); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("a response checked against a cached copy of a connection that changed since is checked again and accepted", func(t *testing.T) {
			b := newBrowser(t)
			action, form := idpForm(t, b.pick(b.get(srv.url+"/sso/start?team=acme&return_to=/api/v1/me"), "alice"))
			setConnection(t, string(md))
			if me := b.post(action, idpSrv.URL, form); me.status != 200 || me.url.Path != "/api/v1/me" {
				t.Fatalf("after ACS: %d at %s:\n%s", me.status, me.url, me.body)
			}
		})

		t.Run("once the IdP metadata is replaced, a response from the old IdP is refused though its copy was cached", func(t *testing.T) {
			other, _ := newTestIdP(t)
			otherMD, _ := other.MetadataXML()
			b := newBrowser(t)
			action, form := idpForm(t, b.pick(b.get(srv.url+"/sso/start?team=acme"), "alice"))
			setConnection(t, string(otherMD))
			defer setConnection(t, string(md))
			p := b.post(action, idpSrv.URL, form)
			if m := reasonAttr.FindStringSubmatch(p.body); p.status != 400 || m == nil || !strings.HasPrefix(m[1], "saml_") {
				t.Fatalf("got %d with reason %v, want 400 and a SAML check; body:\n%s", p.status, m, p.body)
			}
		})

		t.Run("a disabled connection is not offered and refuses responses", func(t *testing.T) {
			b := newBrowser(t)
			action, form := idpForm(t, b.pick(b.get(srv.url+"/sso/start?team=acme"), "alice"))
			mustRun(t, "sso", "disable", "--db", db, "--id", conn["id"])
			wantRefusal(t, b.post(action, idpSrv.URL, form), 404, "not_found")
			if p := newBrowser(t).get(srv.url + "/sso/start?team=acme"); p.status != 404 {
				t.Errorf("start with no enabled connection: %d", p.status)
			}
		})
	})
}

func TestPasswordSignInIsRefusedWhenTheTeamRequiresSSO(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		mustRun(t, "team", "create", "--db", db, "--slug", "acme", "--name", "Acme", "--plan", "enterprise")
		r := idbridge(t, nil, "correct horse battery staple\n", "user", "create", "--db", db, "--team", "acme",
			"--username", "carol", "--email", "carol@acme.test", "--password-stdin")
		if r.code != 0 {
			t.Fatal(r.stderr)
		}
		srv := startServer(t, db)
		c := newClient(t, srv.url)
		if r := c.postJSON("/api/v1/signin", `{"login":"carol","password":"correct horse battery staple"}`); r.status != 200 {
			t.Fatalf("before enforcement: %d %s", r.status, r.body)
		}
		out := mustRun(t, "team", "set", "--db", db, "--team", "acme", "--sso-required", "on")
		if !strings.Contains(out, "sso_required: on") {
			t.Fatalf("team set printed %q", out)
		}
		wantProblem(t, c.postJSON("/api/v1/signin", `{"login":"carol","password":"correct horse battery staple"}`), 403, "sso_required")
	})
}

func openTestStore(t *testing.T, db string) accounts.Store {
	t.Helper()
	st, err := openStore(t.Context(), db)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

func mustTeam(t *testing.T, st accounts.Store) accounts.Team {
	t.Helper()
	team, err := st.GetTeamBySlug(t.Context(), "acme")
	if err != nil {
		t.Fatal(err)
	}
	return team
}

func mustDecode(t *testing.T, b64 string) string {
	t.Helper()
	b, err := base64Decode(b64)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func base64Decode(s string) ([]byte, error) { return base64.StdEncoding.DecodeString(s) }

func deflateBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := flate.NewWriter(&buf, flate.BestCompression)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(b)
	w.Close()
	return buf.Bytes()
}
