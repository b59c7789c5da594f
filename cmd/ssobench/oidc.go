package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/idbridge/idbridge/cmd/internal/loadtest"
)

// localOP is an OpenID provider on loopback whose token endpoint answers
// each code with a token response minted before the clock starts, so the
// callbacks measured spend next to nothing on the provider's side (which
// shares the machine): its own time is summed apart.
type localOP struct {
	srv     *httptest.Server
	signer  jose.Signer
	domain  string
	mu      sync.Mutex        // guards answers
	answers map[string][]byte // by code
	served  atomic.Int64
	spent   atomic.Int64 // nanoseconds in the token endpoint
}

func newLocalOP(domain string) (*localOP, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
	if err != nil {
		return nil, err
	}
	op := &localOP{signer: signer, domain: domain, answers: map[string][]byte{}}
	mux := http.NewServeMux()
	op.srv = httptest.NewServer(mux)
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{"issuer": op.srv.URL, "authorization_endpoint": op.srv.URL + "/authorize",
			"token_endpoint": op.srv.URL + "/token", "jwks_uri": op.srv.URL + "/jwks", "id_token_signing_alg_values_supported": []string{"ES256"}})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "ES256", Use: "sig"}}})
	})
	mux.HandleFunc("/token", op.token)
	return op, nil
}

// mint signs the ID token that code n of a sign-in with this nonce will
// redeem: a new person each time.
func (op *localOP) mint(code, nonce string, n int) error {
	now := time.Now()
	claims, _ := json.Marshal(map[string]any{"iss": op.srv.URL, "aud": "bench", "sub": "oidc-" + nonce, "nonce": nonce,
		"email": fmt.Sprintf("oidc%d-%s@%s", n, nonce[len(nonce)-8:], op.domain), "email_verified": true,
		"iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	jws, err := op.signer.Sign(claims)
	if err != nil {
		return err
	}
	idt, _ := jws.CompactSerialize()
	b, _ := json.Marshal(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 60, "id_token": idt})
	op.mu.Lock()
	op.answers[code] = b
	op.mu.Unlock()
	return nil
}

func (op *localOP) token(w http.ResponseWriter, r *http.Request) {
	t0 := time.Now()
	defer func() { op.spent.Add(int64(time.Since(t0))); op.served.Add(1) }()
	r.ParseForm()
	op.mu.Lock()
	b, ok := op.answers[r.PostForm.Get("code")]
	delete(op.answers, r.PostForm.Get("code"))
	op.mu.Unlock()
	if !ok {
		http.Error(w, `{"error":"invalid_grant"}`, http.StatusBadRequest)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Write(b)
}

// meanTokenTime is the token endpoint's mean time per answer, in ms.
func (op *localOP) meanTokenTime() float64 {
	n := op.served.Load()
	if n == 0 {
		return 0
	}
	return float64(op.spent.Load()) / float64(n) / 1e6
}

// pendingFlow is a sign-in started at /sso/start: the browser's flow
// cookie and the callback the provider would send it back with.
type pendingFlow struct {
	cookie   string
	callback string
}

// oidcFlows starts n sign-ins and mints the provider's answer to each.
func (b *bench) oidcFlows(n, clients int) ([]pendingFlow, error) {
	client := noRedirects(clients)
	flows := make([]pendingFlow, n)
	setup := loadtest.Each("(start OIDC sign-ins)", clients, n, func(_, i int) error {
		resp, err := client.Get(b.srv.URL + "/sso/start?connection=" + b.oidcConn.ID)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil || len(resp.Cookies()) == 0 {
			return fmt.Errorf("start answered %d without a redirect and a flow cookie", resp.StatusCode)
		}
		q := loc.Query()
		code := fmt.Sprintf("code-%d-%s", i, q.Get("state"))
		if err := b.op.mint(code, q.Get("nonce"), i); err != nil {
			return err
		}
		ck := resp.Cookies()[0]
		flows[i] = pendingFlow{cookie: ck.Name + "=" + ck.Value,
			callback: fmt.Sprintf("%s/sso/oidc/%s/callback?code=%s&state=%s", b.srv.URL, b.oidcConn.ID, code, q.Get("state"))}
		return nil
	})
	if setup.Errors > 0 {
		return nil, fmt.Errorf("%d OIDC sign-ins did not start", setup.Errors)
	}
	return flows, nil
}

// oidcCallbacks times the callbacks of sign-ins started before.
func (b *bench) oidcCallbacks(flows []pendingFlow, clients int) loadtest.Result {
	client := noRedirects(clients)
	return loadtest.Each("OIDC callback (state, code, ID token, JIT, session)", clients, len(flows), func(_, i int) error {
		req, _ := http.NewRequest(http.MethodGet, flows[i].callback, nil)
		req.Header.Set("Cookie", flows[i].cookie)
		resp, err := client.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			return fmt.Errorf("callback answered %d: %.200s", resp.StatusCode, body)
		}
		return nil
	})
}
