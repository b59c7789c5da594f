package main

import (
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestSCIMRefusesAttributesOutsideItsSchemas(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		s := newSCIMTeam(t, srv, db, "acme")
		id := wantSCIM(t, s.do(http.MethodPost, "/Users", `{"schemas":["`+scimUserURN+`"],"userName":"ann@acme.test","nickName":"Annie"}`), http.StatusCreated)["id"].(string)
		for _, tt := range []struct{ name, method, path, body, scimType string }{
			{"an unknown core attribute on create", http.MethodPost, "/Users", `{"schemas":["` + scimUserURN + `"],"userName":"bob@acme.test","favouriteColour":"red"}`, "invalidValue"},
			{"an unknown sub-attribute on create", http.MethodPost, "/Users", `{"schemas":["` + scimUserURN + `"],"userName":"bob@acme.test","name":{"givenName":"Bob","nick":"B"}}`, "invalidValue"},
			{"an unknown extension", http.MethodPost, "/Users", `{"schemas":["` + scimUserURN + `","urn:acme:ext:1.0:User"],"userName":"bob@acme.test","urn:acme:ext:1.0:User":{"x":1}}`, "invalidValue"},
			{"an unknown attribute of a known extension", http.MethodPost, "/Users", `{"schemas":["` + scimUserURN + `"],"userName":"bob@acme.test","` + enterpriseNS + `":{"shoeSize":"9"}}`, "invalidValue"},
			{"an unknown attribute on PUT", http.MethodPut, "/Users/" + id, `{"schemas":["` + scimUserURN + `"],"userName":"ann@acme.test","favouriteColour":"red"}`, "invalidValue"},
			{"an unknown group attribute", http.MethodPost, "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"G","owner":"x"}`, "invalidValue"},
			{"an unknown PATCH path", http.MethodPatch, "/Users/" + id, `{` + scimPatchOp + `,"Operations":[{"op":"replace","path":"favouriteColour","value":"red"}]}`, "invalidPath"},
			{"an unknown PATCH sub-attribute path", http.MethodPatch, "/Users/" + id, `{` + scimPatchOp + `,"Operations":[{"op":"add","path":"name.nick","value":"A"}]}`, "invalidPath"},
			{"an unknown attribute in a path-less PATCH value", http.MethodPatch, "/Users/" + id, `{` + scimPatchOp + `,"Operations":[{"op":"add","value":{"favouriteColour":"red"}}]}`, "invalidValue"},
			{"a PATCH of the read-only groups", http.MethodPatch, "/Users/" + id, `{` + scimPatchOp + `,"Operations":[{"op":"add","path":"groups","value":[{"value":"x"}]}]}`, "mutability"},
		} {
			t.Run(tt.name, func(t *testing.T) {
				wantSCIMError(t, s.do(tt.method, tt.path, tt.body), http.StatusBadRequest, tt.scimType)
			})
		}
		// Nothing was written, and a declared attribute outside what we model survives.
		wantIDs(t, list(t, s, "/Users", `userName pr`), id)
		wantIDs(t, list(t, s, "/Groups", `displayName pr`))
		if u := wantSCIM(t, s.do(http.MethodGet, "/Users/"+id, ""), http.StatusOK); u["nickName"] != "Annie" || u["meta"].(map[string]any)["version"] != `W/"1"` {
			t.Fatalf("after refused writes: %v", u)
		}
	})
}

func TestSCIMMultiValuedAndRequiredAttributes(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		s := newSCIMTeam(t, srv, db, "acme")
		wantSCIMError(t, s.do(http.MethodPost, "/Users", `{"schemas":["`+scimUserURN+`"],"userName":"ann@acme.test",
			"emails":[{"value":"ann@acme.test","primary":true},{"value":"ann@home.test","primary":true}]}`), http.StatusBadRequest, "invalidValue")
		u := wantSCIM(t, s.do(http.MethodPost, "/Users", `{"schemas":["`+scimUserURN+`"],"userName":"ann@acme.test",
			"emails":[{"value":"ann@acme.test","type":"work"},{"value":"ANN@acme.test","type":"work","primary":true},{"value":"ann@home.test","type":"home"}]}`), http.StatusCreated)
		id := u["id"].(string)
		if es := u["emails"].([]any); len(es) != 2 || es[0].(map[string]any)["primary"] != true {
			t.Fatalf("a repeated (type, value) pair must merge into one primary element: %v", es)
		}
		patch := func(ops string) response {
			return s.do(http.MethodPatch, "/Users/"+id, `{`+scimPatchOp+`,"Operations":[`+ops+`]}`)
		}
		primaries := func(u map[string]any) []string {
			var out []string
			for _, e := range u["emails"].([]any) {
				if m := e.(map[string]any); m["primary"] == true {
					out = append(out, m["value"].(string))
				}
			}
			return out
		}
		u = wantSCIM(t, patch(`{"op":"replace","path":"emails[type eq \"home\"].primary","value":true}`), http.StatusOK)
		if p := primaries(u); len(p) != 1 || p[0] != "ann@home.test" {
			t.Fatalf("a new primary by a filtered path must unset the old: primaries %v", p)
		}
		u = wantSCIM(t, patch(`{"op":"add","path":"emails","value":[{"value":"ann@new.test","type":"other","primary":true}]}`), http.StatusOK)
		if p := primaries(u); len(p) != 1 || p[0] != "ann@new.test" {
			t.Fatalf("an added primary must unset the old: primaries %v", p)
		}
		wantSCIMError(t, patch(`{"op":"replace","path":"emails","value":[{"value":"a@x.test","primary":true},{"value":"b@x.test","primary":true}]}`), http.StatusBadRequest, "invalidValue")
		wantSCIMError(t, patch(`{"op":"remove","path":"userName"}`), http.StatusBadRequest, "invalidValue")
		g := wantSCIM(t, s.do(http.MethodPost, "/Groups", `{"schemas":["urn:ietf:params:scim:schemas:core:2.0:Group"],"displayName":"Ops"}`), http.StatusCreated)
		wantSCIMError(t, s.do(http.MethodPatch, "/Groups/"+g["id"].(string), `{`+scimPatchOp+`,"Operations":[{"op":"remove","path":"displayName"}]}`), http.StatusBadRequest, "invalidValue")
		if u := wantSCIM(t, s.do(http.MethodGet, "/Users/"+id, ""), http.StatusOK); u["userName"] != "ann@acme.test" || len(primaries(u)) != 1 {
			t.Fatalf("after refused PATCHes: %v", u)
		}
	})
}

func TestSCIMErrorsNameTheRequestID(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/x.db"
	srv := startServer(t, db, "--max-body-bytes", "4096")
	s := newSCIMTeam(t, srv, db, "acme")
	wantSCIM(t, s.do(http.MethodPost, "/Users", `{"schemas":["`+scimUserURN+`"],"userName":"ann@acme.test"}`), http.StatusCreated)
	for _, tt := range []struct {
		name     string
		r        response
		status   int
		scimType string
	}{
		{"no token", newClient(t, srv.url).do(http.MethodGet, "/scim/v2/Users", "", ""), http.StatusUnauthorized, ""},
		{"an unknown user", s.do(http.MethodGet, "/Users/nope", ""), http.StatusNotFound, ""},
		{"a bad filter", s.do(http.MethodGet, "/Users?filter=userName+eq", ""), http.StatusBadRequest, "invalidFilter"},
		{"a clash", s.do(http.MethodPost, "/Users", `{"schemas":["`+scimUserURN+`"],"userName":"ANN@acme.test"}`), http.StatusConflict, "uniqueness"},
		{"malformed JSON", s.do(http.MethodPost, "/Users", `{"userName":`), http.StatusBadRequest, "invalidSyntax"},
		{"an oversize body", s.do(http.MethodPost, "/Users", `{"userName":"`+strings.Repeat("a", 5000)+`"}`), http.StatusRequestEntityTooLarge, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := wantSCIMError(t, tt.r, tt.status, tt.scimType)
			id := tt.r.header.Get("X-Request-Id")
			if id == "" || !strings.Contains(e["detail"].(string), id) {
				t.Fatalf("detail %q does not name the request id %q", e["detail"], id)
			}
		})
	}
}

func TestSCIMConcurrentCreatesOfOneUserName(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		srv := startServer(t, db)
		s := newSCIMTeam(t, srv, db, "acme")
		const n = 8
		statuses := make([]int, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				// Each with its own externalId and email: only the userName clashes.
				body := fmt.Sprintf(`{"schemas":[%q],"userName":"Same.Person@acme.test","externalId":"x%d","emails":[{"value":"p%d@acme.test","primary":true}]}`, scimUserURN, i, i)
				req, _ := http.NewRequest(http.MethodPost, srv.url+"/scim/v2/Users", strings.NewReader(body))
				req.Header.Set("Authorization", "Bearer "+s.token)
				req.Header.Set("Content-Type", "application/scim+json")
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					return
				}
				resp.Body.Close()
				statuses[i] = resp.StatusCode
			})
		}
		wg.Wait()
		created, conflicts := 0, 0
		for _, st := range statuses {
			switch st {
			case http.StatusCreated:
				created++
			case http.StatusConflict:
				conflicts++
			}
		}
		if created != 1 || conflicts != n-1 {
			t.Fatalf("statuses %v: want exactly one 201 and %d 409s", statuses, n-1)
		}
		wantIDs(t, list(t, s, "/Users", `userName eq "same.person@acme.test"`), list(t, s, "/Users", `userName pr`)["Resources"].([]any)[0].(map[string]any)["id"].(string))
	})
}
