package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/idbridge/idbridge/accounts"
)

// scimFixture is one recorded request sequence of an identity provider,
// testdata/scim/<idp>/<scenario>/steps.json (format: testdata/scim/README.md).
type scimFixture struct {
	Description string        `json:"description"`
	Sources     []string      `json:"sources"`
	Steps       []fixtureStep `json:"steps"`
}

type fixtureStep struct {
	Name    string            `json:"name"`
	Method  string            `json:"method"`
	Path    string            `json:"path"`
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
	Status  int               `json:"status"`
	// Expect is a subset of the answer's JSON body.
	Expect json.RawMessage `json:"expect"`
	// Absent lists paths ("meta/version") the answer must not hold.
	Absent []string `json:"absent"`
	// Capture names values of the answer for later steps: "id",
	// "meta/version", "Resources/0/id", "header:Etag".
	Capture map[string]string `json:"capture"`
	// Effect, instead of an HTTP call, checks what the account sees.
	Effect *fixtureEffect `json:"effect"`
}

// fixtureEffect is a step on the account side of provisioning.
type fixtureEffect struct {
	// Kind is "set_password" (an operator sets User's password), "signin"
	// (sign in as Login with Password, keeping the session as Session), "me"
	// (use Session), "role" (User's role in the team is Role; "" when not a
	// member), "role_group" (the operator maps Group to Role with the CLI)
	// or "audit" (the team's audit log holds Count events Action about
	// User).
	Kind     string `json:"kind"`
	User     string `json:"user"`
	Login    string `json:"login"`
	Password string `json:"password"`
	Session  string `json:"session"`
	Role     string `json:"role"`
	Group    string `json:"group"`
	Action   string `json:"action"`
	Count    int    `json:"count"`
	Status   int    `json:"status"`
	Code     string `json:"code"`
}

// TestSCIMIdPFixtures replays every identity provider's request sequence
// under testdata/scim against the real server, on each store, one fresh
// server and team per scenario.
func TestSCIMIdPFixtures(t *testing.T) {
	dirs, err := filepath.Glob(filepath.Join("..", "..", "testdata", "scim", "*", "*", "steps.json"))
	if err != nil || len(dirs) == 0 {
		t.Fatalf("no fixtures found: %v", err)
	}
	for _, b := range backends() {
		t.Run(b.name, func(t *testing.T) {
			t.Parallel()
			for _, file := range dirs {
				scenario := filepath.Base(filepath.Dir(file))
				idp := filepath.Base(filepath.Dir(filepath.Dir(file)))
				t.Run(idp+"/"+scenario, func(t *testing.T) {
					t.Parallel()
					replayFixture(t, file, b.db(t))
				})
			}
		})
	}
}

func replayFixture(t *testing.T, file, db string) {
	raw, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var fx scimFixture
	d := json.NewDecoder(bytes.NewReader(raw))
	d.DisallowUnknownFields()
	if err := d.Decode(&fx); err != nil {
		t.Fatalf("%s: %v", file, err)
	}
	srv := startServer(t, db)
	s := newSCIMTeam(t, srv, db, "acme")
	r := &replay{t: t, db: db, srv: srv, scim: s, vars: map[string]string{}, sessions: map[string]string{}}
	for i, st := range fx.Steps {
		r.step = fmt.Sprintf("step %d (%s)", i+1, st.Name)
		if st.Effect != nil {
			r.effect(*st.Effect)
			continue
		}
		r.call(st)
	}
}

type replay struct {
	t        *testing.T
	db       string
	srv      *server
	scim     *scimClient
	step     string
	vars     map[string]string // captured values by name
	sessions map[string]string // session tokens by session name
}

var placeholder = regexp.MustCompile(`\$\{([A-Za-z0-9_]+)\}`)

// expand replaces ${name} with captured values; ${*} (any value) is left
// for match.
func (r *replay) expand(s string) string {
	return placeholder.ReplaceAllStringFunc(s, func(m string) string {
		name := m[2 : len(m)-1]
		v, ok := r.vars[name]
		if !ok {
			r.t.Fatalf("%s: ${%s} was not captured by an earlier step", r.step, name)
		}
		return v
	})
}

func (r *replay) call(st fixtureStep) {
	t := r.t
	t.Helper()
	var headers []string
	for k, v := range st.Headers {
		headers = append(headers, k, r.expand(v))
	}
	body := ""
	if len(st.Body) > 0 {
		body = r.expand(string(st.Body))
	}
	path := r.expand(st.Path)
	resp := r.scim.do(st.Method, path, body, headers...)
	if resp.status != st.Status {
		t.Fatalf("%s: %s %s: status %d, want %d; body %s", r.step, st.Method, path, resp.status, st.Status, resp.body)
	}
	var got any
	if len(resp.body) > 0 {
		if ct := resp.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/scim+json") {
			t.Fatalf("%s: Content-Type %q, want application/scim+json", r.step, ct)
		}
		if err := json.Unmarshal(resp.body, &got); err != nil {
			t.Fatalf("%s: body is not JSON: %v: %s", r.step, err, resp.body)
		}
	}
	if resp.status >= 400 {
		if e, _ := got.(map[string]any); e == nil || e["detail"] == nil || e["status"] != strconv.Itoa(resp.status) {
			t.Fatalf("%s: error answer is not SCIM error JSON: %s", r.step, resp.body)
		}
	}
	if len(st.Expect) > 0 {
		var want any
		if err := json.Unmarshal([]byte(r.expand(string(st.Expect))), &want); err != nil {
			t.Fatalf("%s: expect: %v", r.step, err)
		}
		if err := match(want, got, "$"); err != nil {
			t.Fatalf("%s: %s %s: %v\nbody %s", r.step, st.Method, path, err, resp.body)
		}
	}
	for _, p := range st.Absent {
		if v, ok := lookupPath(got, p); ok {
			t.Fatalf("%s: %s is %v, want it absent; body %s", r.step, p, v, resp.body)
		}
	}
	for name, p := range st.Capture {
		var v any
		var ok bool
		if h, isHeader := strings.CutPrefix(p, "header:"); isHeader {
			v, ok = resp.header.Get(h), resp.header.Get(h) != ""
		} else {
			v, ok = lookupPath(got, p)
		}
		s, isString := v.(string)
		if !ok || !isString || s == "" {
			t.Fatalf("%s: cannot capture %s from %s: %s", r.step, name, p, resp.body)
		}
		r.vars[name] = s
	}
}

func (r *replay) effect(e fixtureEffect) {
	t := r.t
	t.Helper()
	switch e.Kind {
	case "set_password":
		err := withService(t.Context(), r.db, func(svc *accounts.Service) error {
			u, err := svc.Store().GetUserByUsername(t.Context(), e.User)
			if err != nil {
				return err
			}
			return svc.SetPassword(t.Context(), accounts.OperatorActor(), u.ID, e.Password)
		})
		if err != nil {
			t.Fatalf("%s: set password of %s: %v", r.step, e.User, err)
		}
	case "signin":
		c := newClient(t, r.srv.url)
		body, _ := json.Marshal(map[string]string{"login": e.Login, "password": e.Password})
		r.wantAPI(c.postJSON("/api/v1/signin", string(body)), e)
		if e.Session != "" {
			r.sessions[e.Session] = currentToken(t, c)
		}
	case "me":
		token, ok := r.sessions[e.Session]
		if !ok {
			t.Fatalf("%s: no session %q signed in earlier", r.step, e.Session)
		}
		// The token as the browser first got it: a refusal may clear the
		// cookie, and a revoked session must stay refused all the same.
		r.wantAPI(newClient(t, r.srv.url).do(http.MethodGet, "/api/v1/me", "", "", "Cookie", "idbridge_session="+token), e)
	case "role":
		if got := teamRole(t, r.db, e.User); got != e.Role {
			t.Fatalf("%s: %s's role is %q, want %q", r.step, e.User, got, e.Role)
		}
	case "role_group":
		mustRun(t, "team", "role-group", "--db", r.db, "--team", "acme", "--group", e.Group, "--role", e.Role)
	case "audit":
		n := 0
		err := withTeam(t.Context(), r.db, "acme", func(svc *accounts.Service, team accounts.Team) error {
			u, err := svc.Store().GetUserByUsername(t.Context(), e.User)
			if err != nil {
				return err
			}
			events, err := svc.Store().ListAudit(t.Context(), team.ID, 1000)
			for _, ev := range events {
				if ev.Action == e.Action && ev.TargetID == u.ID {
					n++
				}
			}
			return err
		})
		if err != nil || n != e.Count {
			t.Fatalf("%s: %d %s events about %s (%v), want %d", r.step, n, e.Action, e.User, err, e.Count)
		}
	default:
		t.Fatalf("%s: unknown effect %q", r.step, e.Kind)
	}
}

// wantAPI checks a JSON API answer against an effect's status and code.
func (r *replay) wantAPI(resp response, e fixtureEffect) {
	r.t.Helper()
	if e.Code != "" {
		if resp.status != e.Status {
			r.t.Fatalf("%s: status %d, want %d; body %s", r.step, resp.status, e.Status, resp.body)
		}
		wantProblem(r.t, resp, e.Status, e.Code)
		return
	}
	if resp.status != e.Status {
		r.t.Fatalf("%s: status %d, want %d; body %s", r.step, resp.status, e.Status, resp.body)
	}
}

// match reports how got differs from want, a subset: objects match when
// every key of want matches; arrays when they have the same length and each
// element of want matches a different element of got, in any order; "${*}"
// matches any value but null.
func match(want, got any, at string) error {
	switch w := want.(type) {
	case map[string]any:
		g, ok := got.(map[string]any)
		if !ok {
			return fmt.Errorf("%s is %v, want an object", at, got)
		}
		keys := slices.Sorted(func(yield func(string) bool) {
			for k := range w {
				if !yield(k) {
					return
				}
			}
		})
		for _, k := range keys {
			gv, ok := g[k]
			if !ok {
				return fmt.Errorf("%s.%s is missing", at, k)
			}
			if err := match(w[k], gv, at+"."+k); err != nil {
				return err
			}
		}
		return nil
	case []any:
		g, ok := got.([]any)
		if !ok || len(g) != len(w) {
			return fmt.Errorf("%s is %v, want %d elements like %v", at, got, len(w), w)
		}
		used := make([]bool, len(g))
	next:
		for i, we := range w {
			for j, ge := range g {
				if !used[j] && match(we, ge, at) == nil {
					used[j] = true
					continue next
				}
			}
			return fmt.Errorf("%s[%d] %v matches no element of %v", at, i, we, g)
		}
		return nil
	case string:
		if w == "${*}" {
			if got == nil {
				return fmt.Errorf("%s is null, want a value", at)
			}
			return nil
		}
	}
	if !reflect.DeepEqual(want, got) {
		return fmt.Errorf("%s is %#v, want %#v", at, got, want)
	}
	return nil
}

// lookupPath follows a path of "/"-separated keys and indexes
// ("Resources/0/id") into a JSON value. ("/", not ".", because schema URNs
// hold dots.)
func lookupPath(v any, path string) (any, bool) {
	for _, part := range strings.Split(path, "/") {
		switch x := v.(type) {
		case map[string]any:
			var ok bool
			if v, ok = x[part]; !ok {
				return nil, false
			}
		case []any:
			i, err := strconv.Atoi(part)
			if err != nil || i < 0 || i >= len(x) {
				return nil, false
			}
			v = x[i]
		default:
			return nil, false
		}
	}
	return v, true
}
