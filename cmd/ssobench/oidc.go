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
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// localOP is an OpenID provider on loopback that redeems any code and
// signs an ES256 ID token for it: code "<nonce>.<n>" signs in person n.
// ES256 keeps the provider's own signing (which shares the machine) small
// beside what is measured.
type localOP struct {
	srv    *httptest.Server
	signer jose.Signer
	domain string
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
	op := &localOP{signer: signer, domain: domain}
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

func (op *localOP) token(w http.ResponseWriter, r *http.Request) {
	r.ParseForm()
	nonce, n, _ := strings.Cut(r.PostForm.Get("code"), ".")
	now := time.Now()
	claims, _ := json.Marshal(map[string]any{"iss": op.srv.URL, "aud": "bench", "sub": "oidc-" + nonce, "nonce": nonce,
		"email": "oidc" + n + "-" + nonce[len(nonce)-8:] + "@" + op.domain, "email_verified": true,
		"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()})
	jws, err := op.signer.Sign(claims)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	idt, _ := jws.CompactSerialize()
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 60, "id_token": idt})
}

// pendingFlow is a sign-in started at /sso/start: the browser's flow
// cookie and the callback the provider would send it back with.
type pendingFlow struct {
	cookie   string
	callback string
}

// oidcCallbacks starts n sign-ins (untimed), then times their callbacks.
func (b *bench) oidcCallbacks(n, clients int) result {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	flows := make([]pendingFlow, n)
	setup := phase("(start OIDC sign-ins)", clients, n, 0, func(_, i int) error {
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
		ck := resp.Cookies()[0]
		flows[i] = pendingFlow{cookie: ck.Name + "=" + ck.Value,
			callback: fmt.Sprintf("%s/sso/oidc/%s/callback?code=%s.%d&state=%s", b.srv.URL, b.oidcConn.ID, q.Get("nonce"), i, q.Get("state"))}
		return nil
	})
	if setup.errors > 0 {
		return setup
	}
	return phase("OIDC callback (state, code, ID token, JIT, session)", clients, n, 0, func(_, i int) error {
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
