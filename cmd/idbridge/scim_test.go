package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const (
	scimError    = "urn:ietf:params:scim:api:messages:2.0:Error"
	scimList     = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
	scimPatchOp  = `"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"]`
	scimUserURN  = "urn:ietf:params:scim:schemas:core:2.0:User"
	enterpriseNS = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
)

// scimClient calls the SCIM API of a server with one team's token.
type scimClient struct {
	c     *client
	token string
}

// newSCIMTeam creates a team and a SCIM token for it.
func newSCIMTeam(t *testing.T, srv *server, db, slug string) *scimClient {
	t.Helper()
	mustRun(t, "team", "create", "--db", db, "--slug", slug, "--name", slug, "--plan", "enterprise")
	token := strings.TrimSpace(mustRun(t, "scim-token", "create", "--db", db, "--team", slug, "--name", "idp"))
	return &scimClient{c: newClient(t, srv.url), token: token}
}

func (s *scimClient) do(method, path, body string, headers ...string) response {
	s.c.t.Helper()
	ct := ""
	if body != "" {
		ct = "application/scim+json"
	}
	return s.c.do(method, "/scim/v2"+path, ct, body, append([]string{"Authorization", "Bearer " + s.token}, headers...)...)
}

// wantSCIM checks a successful answer's status and returns its body.
func wantSCIM(t *testing.T, r response, status int) map[string]any {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d; body %s", r.status, status, r.body)
	}
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
		t.Fatalf("Content-Type %q, want application/scim+json", ct)
	}
	return r.json(t)
}

// wantSCIMError checks a SCIM error answer (RFC 7644 §3.12).
func wantSCIMError(t *testing.T, r response, status int, scimType string) map[string]any {
	t.Helper()
	e := wantSCIM(t, r, status)
	schemas, _ := e["schemas"].([]any)
	if len(schemas) != 1 || schemas[0] != scimError || e["status"] != fmt.Sprint(status) || e["detail"] == "" || e["detail"] == nil {
		t.Fatalf("error body %v, want SCIM error JSON with status %d", e, status)
	}
	if got, _ := e["scimType"].(string); got != scimType {
		t.Fatalf("scimType %q, want %q; body %v", got, scimType, e)
	}
	if strings.Contains(string(r.body), "sql") || strings.Contains(string(r.body), "SQL") {
		t.Fatalf("error leaks internals: %s", r.body)
	}
	return e
}

func list(t *testing.T, s *scimClient, path, filter string) map[string]any {
	t.Helper()
	l := wantSCIM(t, s.do(http.MethodGet, path+"?filter="+url.QueryEscape(filter), ""), http.StatusOK)
	if schemas, _ := l["schemas"].([]any); len(schemas) != 1 || schemas[0] != scimList {
		t.Fatalf("list schemas %v", l["schemas"])
	}
	if _, ok := l["Resources"].([]any); !ok {
		t.Fatalf("Resources is %v, want an array; body %v", l["Resources"], l)
	}
	return l
}

func wantIDs(t *testing.T, l map[string]any, ids ...string) {
	t.Helper()
	res := l["Resources"].([]any)
	if l["totalResults"] != float64(len(ids)) || len(res) != len(ids) {
		t.Fatalf("totalResults %v with %d resources, want %d: %v", l["totalResults"], len(res), len(ids), l)
	}
	for i, id := range ids {
		if got := res[i].(map[string]any)["id"]; got != id {
			t.Fatalf("resource %d is %v, want %s", i, got, id)
		}
	}
}

const aliceSCIM = `{"schemas":["` + scimUserURN + `","` + enterpriseNS + `"],
 "userName":"Alice.Smith@acme.test","externalId":"00u1ALICE",
 "name":{"givenName":"Alice","familyName":"Smith"},
 "emails":[{"value":"alice.home@example.com","type":"home"},{"value":"alice@acme.test","type":"work","primary":true}],
 "active":true,"password":"correct horse battery staple",
 "` + enterpriseNS + `":{"department":"Research"}}`

func TestSCIMRefusesMissingAndBadTokens(t *testing.T) {
	srv := startServer(t, "sqlite:"+t.TempDir()+"/x.db")
	c := newClient(t, srv.url)
	for _, tt := range []struct{ name, auth string }{
		{"no Authorization header", ""},
		{"an unknown token", "Bearer idbscim_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		{"a token without our prefix", "Bearer abc"},
		{"basic auth", "Basic dXNlcjpwYXNz"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var h []string
			if tt.auth != "" {
				h = []string{"Authorization", tt.auth}
			}
			r := c.do(http.MethodGet, "/scim/v2/Users", "", "", h...)
			wantSCIMError(t, r, http.StatusUnauthorized, "")
			if got := r.header.Get("WWW-Authenticate"); got != `Bearer realm="idbridge SCIM"` {
				t.Fatalf("WWW-Authenticate %q", got)
			}
		})
	}
}

func TestSCIMUserLifecycle(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		s := newSCIMTeam(t, srv, db, "acme")
		other := newSCIMTeam(t, srv, db, "globex")

		// Discovery is served by the library behind the token.
		if cfg := wantSCIM(t, s.do(http.MethodGet, "/ServiceProviderConfig", ""), http.StatusOK); cfg["patch"].(map[string]any)["supported"] != true {
			t.Fatalf("ServiceProviderConfig %v", cfg)
		}
		if rt := wantSCIM(t, s.do(http.MethodGet, "/ResourceTypes", ""), http.StatusOK); rt["totalResults"] != float64(2) {
			t.Fatalf("ResourceTypes %v", rt)
		}

		r := s.do(http.MethodPost, "/Users", aliceSCIM)
		u := wantSCIM(t, r, http.StatusCreated)
		id, _ := u["id"].(string)
		m, _ := u["meta"].(map[string]any)
		if id == "" || u["userName"] != "Alice.Smith@acme.test" || u["externalId"] != "00u1ALICE" || u["active"] != true ||
			m["resourceType"] != "User" || m["version"] != `W/"1"` || m["created"] == nil || m["lastModified"] == nil ||
			m["location"] != "http://127.0.0.1:8080/scim/v2/Users/"+id {
			t.Fatalf("created user %v", u)
		}
		if r.header.Get("Etag") != `W/"1"` || r.header.Get("Location") != m["location"] {
			t.Fatalf("ETag %q, Location %q", r.header.Get("Etag"), r.header.Get("Location"))
		}
		if strings.Contains(string(r.body), "password") || strings.Contains(string(r.body), "staple") {
			t.Fatalf("create echoes the password: %s", r.body)
		}
		if ext, _ := u[enterpriseNS].(map[string]any); ext["department"] != "Research" {
			t.Fatalf("enterprise extension %v", u[enterpriseNS])
		}
		got := wantSCIM(t, s.do(http.MethodGet, "/Users/"+id, ""), http.StatusOK)
		if got["userName"] != "Alice.Smith@acme.test" || got["name"].(map[string]any)["givenName"] != "Alice" || len(got["emails"].([]any)) != 2 {
			t.Fatalf("GET user %v", got)
		}

		// An IdP retrying the create is told the user exists.
		wantSCIMError(t, s.do(http.MethodPost, "/Users", aliceSCIM), http.StatusConflict, "uniqueness")

		// The person signs in with the password the IdP set.
		person := newClient(t, srv.url)
		if r := person.postJSON("/api/v1/signin", `{"login":"alice@acme.test","password":"correct horse battery staple"}`); r.status != http.StatusOK {
			t.Fatalf("signin of a SCIM user: %d %s", r.status, r.body)
		}

		// Filters.
		wantIDs(t, list(t, s, "/Users", `userName eq "alice.smith@ACME.test"`), id)
		wantIDs(t, list(t, s, "/Users", `externalId eq "00u1ALICE"`), id)
		wantIDs(t, list(t, s, "/Users", `externalId eq "00u1alice"`)) // caseExact
		wantIDs(t, list(t, s, "/Users", `emails[type eq "work" and value eq "ALICE@acme.test"]`), id)
		wantIDs(t, list(t, s, "/Users", `emails.value eq "alice.home@example.com"`), id)
		wantIDs(t, list(t, s, "/Users", `urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:department eq "research"`), id)
		empty := list(t, s, "/Users", `userName eq "nobody"`)
		wantIDs(t, empty)
		if !strings.Contains(string(s.do(http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "nobody"`), "").body), `"Resources":[]`) {
			t.Fatal(`an empty page must render "Resources":[]`)
		}
		wantIDs(t, list(t, other, "/Users", `userName pr`)) // another team sees none
		wantSCIMError(t, s.do(http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq`), ""), http.StatusBadRequest, "invalidFilter")
		wantSCIMError(t, s.do(http.MethodGet, "/Users?filter="+url.QueryEscape(`nosuch eq "x"`), ""), http.StatusBadRequest, "invalidFilter")

		// Entra deactivates with a string boolean: the open session is told
		// why it stopped working, the password no longer signs in, and the
		// session stays dead after reactivation (it was revoked, not paused).
		oldSession := currentToken(t, person)
		r = s.do(http.MethodPatch, "/Users/"+id, `{`+scimPatchOp+`,"Operations":[{"op":"Replace","path":"active","value":"False"}]}`)
		u = wantSCIM(t, r, http.StatusOK)
		if u["active"] != false || u["meta"].(map[string]any)["version"] != `W/"2"` || r.header.Get("Etag") != `W/"2"` {
			t.Fatalf("deactivated user %v (ETag %q)", u, r.header.Get("Etag"))
		}
		wantProblem(t, person.get("/api/v1/me"), http.StatusForbidden, "account_deactivated")
		wantProblem(t, person.postJSON("/api/v1/signin", `{"login":"alice@acme.test","password":"correct horse battery staple"}`), http.StatusForbidden, "account_deactivated")
		wantIDs(t, list(t, s, "/Users", `active eq false`), id)

		// Reactivation (path-less, dotted keys and an extension URN) restores sign-in.
		u = wantSCIM(t, s.do(http.MethodPatch, "/Users/"+id, `{`+scimPatchOp+`,"Operations":[
			{"op":"replace","value":{"active":true,"name.givenName":"Alicia"}},
			{"op":"Add","path":"emails[type eq \"other\"].value","value":"alice@other.test"},
			{"op":"replace","path":"`+enterpriseNS+`:department","value":"Sales"},
			{"op":"Remove","path":"emails[type eq \"home\"]"}]}`), http.StatusOK)
		emails := u["emails"].([]any)
		if u["active"] != true || u["name"].(map[string]any)["givenName"] != "Alicia" || u["name"].(map[string]any)["familyName"] != "Smith" ||
			len(emails) != 2 || emails[1].(map[string]any)["value"] != "alice@other.test" || emails[1].(map[string]any)["type"] != "other" ||
			u[enterpriseNS].(map[string]any)["department"] != "Sales" {
			t.Fatalf("patched user %v", u)
		}
		if r := person.postJSON("/api/v1/signin", `{"login":"alice@acme.test","password":"correct horse battery staple"}`); r.status != http.StatusOK {
			t.Fatalf("signin after reactivation: %d %s", r.status, r.body)
		}
		// The deactivation told the person why they were signed out.
		if inbox := person.get("/api/v1/me/inbox"); inbox.status != http.StatusOK || strings.Count(string(inbox.body), "You were signed out by your team") != 1 {
			t.Fatalf("inbox after reactivation: %d %s; want one 'signed out by your team' notice", inbox.status, inbox.body)
		}
		wantProblem(t, newClient(t, srv.url).do(http.MethodGet, "/api/v1/me", "", "", "Cookie", "idbridge_session="+oldSession), http.StatusUnauthorized, "session_expired")

		// If-Match with a stale version changes nothing.
		wantSCIMError(t, s.do(http.MethodPatch, "/Users/"+id, `{`+scimPatchOp+`,"Operations":[{"op":"replace","path":"active","value":false}]}`, "If-Match", `W/"1"`), http.StatusPreconditionFailed, "")
		if u := wantSCIM(t, s.do(http.MethodGet, "/Users/"+id, ""), http.StatusOK); u["active"] != true || u["meta"].(map[string]any)["version"] != `W/"3"` {
			t.Fatalf("after a refused If-Match: %v", u)
		}

		// PUT replaces the whole resource.
		r = s.do(http.MethodPut, "/Users/"+id, `{"schemas":["`+scimUserURN+`"],"userName":"alice","externalId":"00u1ALICE",
			"emails":[{"value":"alice@acme.test","primary":true}],"displayName":"Alice S."}`, "If-Match", `W/"3"`)
		u = wantSCIM(t, r, http.StatusOK)
		if u["userName"] != "alice" || u["displayName"] != "Alice S." || u["name"] != nil || u[enterpriseNS] != nil || u["active"] != true ||
			len(u["emails"].([]any)) != 1 || u["meta"].(map[string]any)["version"] != `W/"4"` {
			t.Fatalf("replaced user %v", u)
		}

		// A [filter] on a single-valued attribute is refused, not turned into an array.
		wantSCIMError(t, s.do(http.MethodPatch, "/Users/"+id, `{`+scimPatchOp+`,"Operations":[
			{"op":"replace","path":"name[givenName eq \"Alice\"].familyName","value":"X"}]}`), http.StatusBadRequest, "invalidPath")

		// A filter too large to be a real query is refused before any SQL runs.
		wantSCIMError(t, s.do(http.MethodGet, "/Users?filter="+url.QueryEscape(`userName eq "a"`+strings.Repeat(` or userName eq "a"`, 60)), ""),
			http.StatusBadRequest, "invalidFilter")
		wantSCIMError(t, s.do(http.MethodGet, "/Users?filter="+url.QueryEscape(strings.Repeat("not (", 20)+`userName eq "a"`+strings.Repeat(")", 20)), ""),
			http.StatusBadRequest, "invalidFilter")

		// Another team's token cannot see or touch the user.
		wantSCIMError(t, other.do(http.MethodGet, "/Users/"+id, ""), http.StatusNotFound, "")
		wantSCIMError(t, other.do(http.MethodPatch, "/Users/"+id, `{`+scimPatchOp+`,"Operations":[{"op":"replace","path":"active","value":false}]}`), http.StatusNotFound, "")
		wantSCIMError(t, other.do(http.MethodDelete, "/Users/"+id, ""), http.StatusNotFound, "")

		// Malformed input gets SCIM error JSON.
		wantSCIMError(t, s.do(http.MethodPost, "/Users", `{"userName":`), http.StatusBadRequest, "invalidSyntax")
		wantSCIMError(t, s.do(http.MethodPatch, "/Users/"+id, `{"Operations":[`), http.StatusBadRequest, "invalidSyntax")
		wantSCIMError(t, s.do(http.MethodPost, "/Users", `{"schemas":["`+scimUserURN+`"],"userName":"bob"}`), http.StatusBadRequest, "invalidValue")

		// DELETE with a stale If-Match is refused under the row lock.
		wantSCIMError(t, s.do(http.MethodDelete, "/Users/"+id, "", "If-Match", `W/"1"`), http.StatusPreconditionFailed, "")
		wantSCIM(t, s.do(http.MethodGet, "/Users/"+id, ""), http.StatusOK)

		// DELETE ends the provisioning: 404 afterwards and no sign-in.
		if r := s.do(http.MethodDelete, "/Users/"+id, ""); r.status != http.StatusNoContent || len(r.body) != 0 {
			t.Fatalf("delete: %d %s", r.status, r.body)
		}
		wantSCIMError(t, s.do(http.MethodGet, "/Users/"+id, ""), http.StatusNotFound, "")
		wantProblem(t, person.postJSON("/api/v1/signin", `{"login":"alice@acme.test","password":"correct horse battery staple"}`), http.StatusForbidden, "account_deactivated")
	})
}

func TestSCIMGroups(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		s := newSCIMTeam(t, srv, db, "acme")
		var ids []string
		for _, n := range []string{"ann", "ben", "cat"} {
			u := wantSCIM(t, s.do(http.MethodPost, "/Users", `{"schemas":["`+scimUserURN+`"],"userName":"`+n+`@acme.test"}`), http.StatusCreated)
			ids = append(ids, u["id"].(string))
		}
		members := fmt.Sprintf(`[{"value":%q},{"value":%q},{"value":%q}]`, ids[0], ids[1], ids[2])
		g := wantSCIM(t, s.do(http.MethodPost, "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],
			"displayName":"Engineering","externalId":"g-1","members":`+members+`}`), http.StatusCreated)
		gid, _ := g["id"].(string)
		if gid == "" || g["displayName"] != "Engineering" || g["externalId"] != "g-1" || len(g["members"].([]any)) != 3 ||
			g["meta"].(map[string]any)["resourceType"] != "Group" {
			t.Fatalf("created group %v", g)
		}
		wantSCIMError(t, s.do(http.MethodPost, "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"engineering"}`),
			http.StatusConflict, "uniqueness")

		got := wantSCIM(t, s.do(http.MethodGet, "/Groups/"+gid, ""), http.StatusOK)
		if ms := got["members"].([]any); len(ms) != 3 || ms[0].(map[string]any)["$ref"] != "http://127.0.0.1:8080/scim/v2/Users/"+ms[0].(map[string]any)["value"].(string) {
			t.Fatalf("GET group members %v", got["members"])
		}
		if got := wantSCIM(t, s.do(http.MethodGet, "/Groups/"+gid+"?excludedAttributes=members", ""), http.StatusOK); got["members"] != nil || got["displayName"] != "Engineering" {
			t.Fatalf("excludedAttributes=members: %v", got)
		}
		wantIDs(t, list(t, s, "/Groups", `displayName eq "engineering"`), gid)
		wantIDs(t, list(t, s, "/Groups", fmt.Sprintf(`members[value eq %q]`, ids[1])), gid)

		// Entra removes one member by a value filter; Okta renames with the id in the value.
		if r := s.do(http.MethodPatch, "/Groups/"+gid, `{`+scimPatchOp+`,"Operations":[
			{"op":"Remove","path":"members[value eq \"`+ids[1]+`\"]"},
			{"op":"replace","value":{"id":"`+gid+`","displayName":"Eng"}}]}`); r.status != http.StatusNoContent {
			t.Fatalf("patch group: %d %s", r.status, r.body)
		}
		got = wantSCIM(t, s.do(http.MethodGet, "/Groups/"+gid, ""), http.StatusOK)
		ms := got["members"].([]any)
		if got["displayName"] != "Eng" || len(ms) != 2 || ms[0].(map[string]any)["value"] == ids[1] || ms[1].(map[string]any)["value"] == ids[1] {
			t.Fatalf("after removing %s: %v", ids[1], got)
		}
		wantIDs(t, list(t, s, "/Groups", fmt.Sprintf(`members[value eq %q]`, ids[1])))

		// Add and remove by value lists.
		if r := s.do(http.MethodPatch, "/Groups/"+gid, `{`+scimPatchOp+`,"Operations":[
			{"op":"add","path":"members","value":[{"value":"`+ids[1]+`"}]},
			{"op":"remove","path":"members","value":[{"value":"`+ids[0]+`"}]}]}`); r.status != http.StatusNoContent {
			t.Fatalf("patch group: %d %s", r.status, r.body)
		}
		wantIDs(t, list(t, s, "/Groups", fmt.Sprintf(`members[value eq %q]`, ids[0])))
		wantIDs(t, list(t, s, "/Groups", fmt.Sprintf(`members[value eq %q]`, ids[1])), gid)

		// PUT replaces members; stale If-Match is refused.
		wantSCIMError(t, s.do(http.MethodPut, "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Eng"}`, "If-Match", `W/"1"`),
			http.StatusPreconditionFailed, "")
		g = wantSCIM(t, s.do(http.MethodPut, "/Groups/"+gid, `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Eng",
			"members":[{"value":"`+ids[2]+`"}]}`), http.StatusOK)
		if ms := g["members"].([]any); len(ms) != 1 || ms[0].(map[string]any)["value"] != ids[2] {
			t.Fatalf("replaced group %v", g)
		}
		wantSCIMError(t, s.do(http.MethodPatch, "/Groups/"+gid, `{`+scimPatchOp+`,"Operations":[{"op":"add","path":"members","value":[{"value":"nope"}]}]}`),
			http.StatusBadRequest, "invalidValue")

		// The schema-qualified members path is the same attribute: removing
		// everyone through it really removes everyone.
		if r := s.do(http.MethodPatch, "/Groups/"+gid, `{`+scimPatchOp+`,"Operations":[
			{"op":"remove","path":"urn:ietf:params:scim:schemas:core:2.0:Group:members"}]}`); r.status != http.StatusNoContent {
			t.Fatalf("remove all members by URN path: %d %s", r.status, r.body)
		}
		wantIDs(t, list(t, s, "/Groups", fmt.Sprintf(`members[value eq %q]`, ids[2])))

		wantSCIMError(t, s.do(http.MethodDelete, "/Groups/"+gid, "", "If-Match", `W/"1"`), http.StatusPreconditionFailed, "")
		wantSCIM(t, s.do(http.MethodGet, "/Groups/"+gid, ""), http.StatusOK)
		if r := s.do(http.MethodDelete, "/Groups/"+gid, ""); r.status != http.StatusNoContent {
			t.Fatalf("delete group: %d %s", r.status, r.body)
		}
		wantSCIMError(t, s.do(http.MethodGet, "/Groups/"+gid, ""), http.StatusNotFound, "")
		wantIDs(t, list(t, s, "/Groups", `displayName pr`))
	})
}
