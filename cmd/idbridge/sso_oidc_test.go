package main

import (
	"crypto/sha256"
	"html"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/example/server/storage"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// opUsers is the OpenID provider's user store, written for these tests.
type opUsers map[string]*storage.User

func (u opUsers) GetUserByID(id string) *storage.User {
	for _, x := range u {
		if x.ID == id {
			return x
		}
	}
	return nil
}
func (u opUsers) GetUserByUsername(name string) *storage.User { return u[name] }
func (u opUsers) ExampleClientID() string                     { return "service" }

// newTestOP runs zitadel/oidc's OpenID provider on 127.0.0.1 with an
// in-memory store. Its login step signs in ?username=… without a
// password form; everything else is the library's real protocol code.
func newTestOP(t *testing.T) (issuer string, register func(clientID, secret string, redirectURIs ...string)) {
	t.Helper()
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(srv.Close)
	users := opUsers{
		"alice": {ID: "op-alice", Username: "alice", Password: "pw", FirstName: "Alice", LastName: "Liddell", Email: "alice@acme.test", EmailVerified: true},
	}
	return srv.URL, func(clientID, secret string, redirectURIs ...string) {
		st := storage.NewStorageWithClients(users, map[string]*storage.Client{clientID: storage.WebClient(clientID, secret, redirectURIs...)})
		provider, err := op.NewProvider(&op.Config{CryptoKey: sha256.Sum256([]byte("test")), CodeMethodS256: true, AuthMethodPost: true},
			st, op.StaticIssuer(srv.URL), op.WithAllowInsecure())
		if err != nil {
			t.Fatal(err)
		}
		mux := http.NewServeMux()
		mux.Handle("/login/username", op.NewIssuerInterceptor(provider.IssuerFromRequest).HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, user := r.URL.Query().Get("authRequestID"), r.URL.Query().Get("username")
			if user == "" {
				w.Write([]byte("OpenID provider login: choose a user"))
				return
			}
			if err := st.CheckUsernamePassword(user, "pw", id); err != nil {
				http.Error(w, err.Error(), http.StatusUnauthorized)
				return
			}
			http.Redirect(w, r, op.AuthCallbackURL(provider)(r.Context(), id), http.StatusFound)
		}))
		mux.Handle("/", provider)
		handler = mux
	}
}

var (
	chooserLink = regexp.MustCompile(`class="connection" href="([^"]+)">([^<]+)<`)
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)"`)
)

// opLogin signs in at the OP's login step as user.
func (b *browser) opLogin(login page, user string) page {
	b.t.Helper()
	if !strings.Contains(login.body, "choose a user") {
		b.t.Fatalf("expected the OP login at %s, got %d:\n%s", login.url, login.status, login.body)
	}
	u := *login.url
	q := u.Query()
	q.Set("username", user)
	u.RawQuery = q.Encode()
	return b.get(u.String())
}

func formPost(t *testing.T, p page) (action string, form url.Values) {
	t.Helper()
	m := formAction.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no form_post form (%d at %s):\n%s", p.status, p.url, p.body)
	}
	form = url.Values{}
	for _, in := range hiddenInput.FindAllStringSubmatch(p.body, -1) {
		form.Set(in[1], html.UnescapeString(in[2]))
	}
	return html.UnescapeString(m[1]), form
}

func TestOIDCSignInEndToEnd(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		keys := testKeys(t)
		env := map[string]string{"IDBRIDGE_ENCRYPTION_KEYS": keys}
		issuer, register := newTestOP(t)
		mustRun(t, "team", "create", "--db", db, "--slug", "acme", "--name", "Acme", "--plan", "enterprise")
		mustRun(t, "domain", "add", "--db", db, "--team", "acme", "--domain", "acme.test", "--verified")
		mustRun(t, "team", "set", "--db", db, "--team", "acme", "--jit", "on")
		addr, base := freeBaseURL(t)
		add := func(name, mode string) map[string]string {
			r := idbridge(t, env, "secret\n", "sso", "add-oidc", "--db", db, "--team", "acme", "--issuer", issuer,
				"--client-id", "idbridge", "--client-secret-stdin", "--name", name, "--response-mode", mode, "--base-url", base)
			if r.code != 0 {
				t.Fatalf("sso add-oidc: %d %s", r.code, r.stderr)
			}
			return cliFields(t, r.stdout)
		}
		query, formMode := add("Query IdP", "query"), add("Form post IdP", "form_post")
		if query["redirect_uri"] != base+"/sso/oidc/"+query["id"]+"/callback" {
			t.Fatalf("add-oidc printed %v", query)
		}
		register("idbridge", "secret", query["redirect_uri"], formMode["redirect_uri"])
		srv := startSSOServerAt(t, db, keys, addr, base)

		// choose follows the chooser link named name.
		choose := func(b *browser, start, name string) string {
			p := b.get(srv.url + start)
			for _, m := range chooserLink.FindAllStringSubmatch(p.body, -1) {
				if m[2] == name {
					return srv.url + html.UnescapeString(m[1])
				}
			}
			t.Fatalf("no %q in the chooser (%d):\n%s", name, p.status, p.body)
			return ""
		}

		t.Run("alice signs in with the query response mode, picked from the chooser, and is provisioned", func(t *testing.T) {
			b := newBrowser(t)
			me := b.opLogin(b.get(choose(b, "/sso/start?email=alice@acme.test&return_to=/api/v1/me", "Query IdP")), "alice")
			if me.status != 200 || me.url.Path != "/api/v1/me" || !strings.Contains(me.body, `"email":"alice@acme.test"`) {
				t.Fatalf("after callback: %d at %s:\n%s", me.status, me.url, me.body)
			}
		})

		var used url.Values
		var usedAction string
		t.Run("form_post works and the same callback posted twice is refused", func(t *testing.T) {
			b := newBrowser(t)
			action, form := formPost(t, b.opLogin(b.get(choose(b, "/sso/start?team=acme&return_to=/api/v1/me", "Form post IdP")), "alice"))
			me := b.post(action, issuer, form)
			if me.status != 200 || !strings.Contains(me.body, `"email":"alice@acme.test"`) {
				t.Fatalf("form_post callback: %d %s", me.status, me.body)
			}
			wantRefusal(t, b.post(action, issuer, form), 400, "oidc_state")
			used, usedAction = form, action
		})

		t.Run("a redeemed code under a fresh state is refused by the provider", func(t *testing.T) {
			b := newBrowser(t)
			state := b.redirectTo(choose(b, "/sso/start?team=acme", "Form post IdP")).Query().Get("state")
			replay := url.Values{"code": {used.Get("code")}, "state": {state}}
			wantRefusal(t, b.post(usedAction, issuer, replay), 400, "oidc_exchange")
		})

		t.Run("mix-up: a state started for one connection is refused at another's callback", func(t *testing.T) {
			b := newBrowser(t)
			action, form := formPost(t, b.opLogin(b.get(choose(b, "/sso/start?team=acme", "Form post IdP")), "alice"))
			other := strings.Replace(action, formMode["id"], query["id"], 1)
			wantRefusal(t, b.post(other, issuer, form), 400, "oidc_state")
		})

		t.Run("a state from another browser is refused", func(t *testing.T) {
			attacker := newBrowser(t)
			action, form := formPost(t, attacker.opLogin(attacker.get(choose(attacker, "/sso/start?team=acme", "Form post IdP")), "alice"))
			wantRefusal(t, newBrowser(t).post(action, issuer, form), 400, "oidc_state")
		})

	})
}

// redirectTo requests u without following the redirect and returns where
// it points (cookies it sets are kept).
func (b *browser) redirectTo(u string) *url.URL {
	b.t.Helper()
	c := *b.http
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(u)
	if err != nil {
		b.t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := resp.Location()
	if err != nil {
		b.t.Fatalf("GET %s: %d without a Location", u, resp.StatusCode)
	}
	return loc
}
