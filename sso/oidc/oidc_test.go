package oidc

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/keyring"
)

// craftingOP is an OpenID provider that answers the token request with
// whatever ID token the test crafts: the attacker, or a broken provider.
// Its discovery, JWKS and code redemption are real HTTP.
type craftingOP struct {
	srv      *httptest.Server
	key      *rsa.PrivateKey
	issParam bool
	mu       sync.Mutex // guards craft and used
	craft    func(c jwtClaims) string
	used     map[string]bool // redeemed codes
}

type jwtClaims map[string]any

func newCraftingOP(t *testing.T) *craftingOP {
	t.Helper()
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	op := &craftingOP{key: key, used: map[string]bool{}}
	mux := http.NewServeMux()
	op.srv = httptest.NewServer(mux)
	t.Cleanup(op.srv.Close)
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(map[string]any{
			"issuer": op.srv.URL, "authorization_endpoint": op.srv.URL + "/authorize", "token_endpoint": op.srv.URL + "/token",
			"jwks_uri": op.srv.URL + "/jwks", "id_token_signing_alg_values_supported": []string{"RS256", "HS256", "none"},
			"authorization_response_iss_parameter_supported": op.issParam,
		})
	})
	mux.HandleFunc("/jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		r.ParseForm()
		code := r.PostForm.Get("code")
		op.mu.Lock()
		replayed := op.used[code]
		op.used[code] = true
		craft := op.craft
		op.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if replayed || r.PostForm.Get("code_verifier") == "" {
			w.WriteHeader(http.StatusBadRequest)
			json.NewEncoder(w).Encode(map[string]string{"error": "invalid_grant"})
			return
		}
		json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 60,
			"id_token": craft(jwtClaims{"nonce": code})})
	})
	return op
}

// standard is a valid ID token's claims for nonce.
func (op *craftingOP) standard(nonce string) jwtClaims {
	now := time.Now()
	return jwtClaims{"iss": op.srv.URL, "aud": "client-1", "sub": "u-1", "nonce": nonce, "email": "alice@acme.test",
		"email_verified": true, "iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
}

func (op *craftingOP) signRS256(t *testing.T, c jwtClaims) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: op.key, KeyID: "k1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(c)
	jws, err := signer.Sign(b)
	if err != nil {
		t.Fatal(err)
	}
	s, _ := jws.CompactSerialize()
	return s
}

func unsignedJWT(header map[string]any, c jwtClaims, sign func(input string) []byte) string {
	h, _ := json.Marshal(header)
	p, _ := json.Marshal(c)
	input := base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p)
	return input + "." + base64.RawURLEncoding.EncodeToString(sign(input))
}

func newRP(t *testing.T, op *craftingOP) *RP {
	t.Helper()
	spec, _ := keyring.Generate(rand.Reader, "k1")
	ring, _ := keyring.Parse(spec)
	conn := accounts.SSOConnection{ID: "c1", TeamID: "t1", Protocol: accounts.ProtocolOIDC, Enabled: true,
		OIDC: accounts.OIDCConfig{Issuer: op.srv.URL, ClientID: "client-1"}}
	var err error
	if conn.OIDC.ClientSecretSealed, err = ring.Seal([]byte("s3cret"), accounts.ClientSecretAssociated("c1")); err != nil {
		t.Fatal(err)
	}
	rp, err := New(t.Context(), Params{Connection: conn, BaseURL: "https://id.test", Sealer: ring, HTTPClient: op.srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

func TestCraftedTokensAreRefused(t *testing.T) {
	pubDER := func(op *craftingOP) []byte {
		der, _ := x509.MarshalPKIXPublicKey(&op.key.PublicKey)
		return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
	}
	tests := []struct {
		name     string
		issParam bool
		params   func(op *craftingOP, p url.Values)
		craft    func(t *testing.T, op *craftingOP, c jwtClaims) string
		want     Check
	}{
		{"alg none", false, nil, func(t *testing.T, op *craftingOP, c jwtClaims) string {
			return unsignedJWT(map[string]any{"alg": "none", "typ": "JWT"}, op.standard(c["nonce"].(string)), func(string) []byte { return nil })
		}, CheckIDToken},
		{"HS256 keyed with the provider's public key", false, nil, func(t *testing.T, op *craftingOP, c jwtClaims) string {
			return unsignedJWT(map[string]any{"alg": "HS256", "typ": "JWT", "kid": "k1"}, op.standard(c["nonce"].(string)), func(in string) []byte {
				m := hmac.New(sha256.New, pubDER(op))
				m.Write([]byte(in))
				return m.Sum(nil)
			})
		}, CheckIDToken},
		{"signed by another key", false, nil, func(t *testing.T, op *craftingOP, c jwtClaims) string {
			other := &craftingOP{key: mustKey(t)}
			return other.signRS256(t, op.standard(c["nonce"].(string)))
		}, CheckIDToken},
		{"wrong iss", false, nil, func(t *testing.T, op *craftingOP, c jwtClaims) string {
			s := op.standard(c["nonce"].(string))
			s["iss"] = "https://evil.test"
			return op.signRS256(t, s)
		}, CheckIssuer},
		{"wrong aud", false, nil, func(t *testing.T, op *craftingOP, c jwtClaims) string {
			s := op.standard(c["nonce"].(string))
			s["aud"] = "another-client"
			return op.signRS256(t, s)
		}, CheckAudience},
		{"several audiences and no azp", false, nil, func(t *testing.T, op *craftingOP, c jwtClaims) string {
			s := op.standard(c["nonce"].(string))
			s["aud"] = []string{"client-1", "another-client"}
			return op.signRS256(t, s)
		}, CheckAZP},
		{"several audiences and azp for another client", false, nil, func(t *testing.T, op *craftingOP, c jwtClaims) string {
			s := op.standard(c["nonce"].(string))
			s["aud"], s["azp"] = []string{"client-1", "another-client"}, "another-client"
			return op.signRS256(t, s)
		}, CheckAZP},
		{"expired", false, nil, func(t *testing.T, op *craftingOP, c jwtClaims) string {
			s := op.standard(c["nonce"].(string))
			s["exp"] = time.Now().Add(-time.Hour).Unix()
			return op.signRS256(t, s)
		}, CheckExpired},
		{"nonce mismatch", false, nil, func(t *testing.T, op *craftingOP, c jwtClaims) string {
			return op.signRS256(t, op.standard("n-someone-else"))
		}, CheckNonce},
		{"missing sub", false, nil, func(t *testing.T, op *craftingOP, c jwtClaims) string {
			s := op.standard(c["nonce"].(string))
			delete(s, "sub")
			return op.signRS256(t, s)
		}, CheckSubject},
		{"mix-up: the callback's iss names another provider", false, func(op *craftingOP, p url.Values) { p.Set("iss", "https://other-idp.test") }, nil, CheckIssParam},
		{"mix-up: a provider that promises iss sends none", true, func(op *craftingOP, p url.Values) { p.Del("iss") }, nil, CheckIssParam},
		{"the provider reports an error", false, func(op *craftingOP, p url.Values) { p.Set("error", "access_denied") }, nil, CheckProviderError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			op := newCraftingOP(t)
			op.issParam = tt.issParam
			rp := newRP(t, op)
			nonce := "n-" + tt.name
			op.craft = func(c jwtClaims) string {
				if tt.craft == nil {
					return op.signRS256(t, op.standard(nonce))
				}
				return tt.craft(t, op, c)
			}
			params := url.Values{"code": {nonce}, "state": {"st-1"}, "iss": {op.srv.URL}}
			if tt.params != nil {
				tt.params(op, params)
			}
			_, err := rp.Exchange(t.Context(), params, accounts.SSOFlow{ID: "st-1", Nonce: nonce, PKCEVerifier: "v"})
			var ve *ValidationError
			if !errors.As(err, &ve) || ve.Check != tt.want {
				t.Fatalf("Exchange = %v (%v), want check %q", err, errors.Unwrap(err), tt.want)
			}
		})
	}
}

func TestAValidTokenIsAcceptedAndACodeOnlyOnce(t *testing.T) {
	op := newCraftingOP(t)
	rp := newRP(t, op)
	op.craft = func(c jwtClaims) string { return op.signRS256(t, op.standard(c["nonce"].(string))) }
	flow := accounts.SSOFlow{ID: "st-1", Nonce: "n-1", PKCEVerifier: "v"}
	claims, err := rp.Exchange(t.Context(), url.Values{"code": {"n-1"}, "state": {"st-1"}}, flow)
	if err != nil {
		t.Fatal(err)
	}
	if claims.Subject != "u-1" || claims.Email != "alice@acme.test" || claims.EmailVerified == nil || !*claims.EmailVerified {
		t.Errorf("claims %+v", claims)
	}
	_, err = rp.Exchange(t.Context(), url.Values{"code": {"n-1"}, "state": {"st-1"}}, flow)
	var ve *ValidationError
	if !errors.As(err, &ve) || ve.Check != CheckExchange {
		t.Fatalf("replayed code: %v, want an exchange refusal", err)
	}
}

func TestEmailVerifiedIsCarriedAsTheProviderStatesIt(t *testing.T) {
	for _, tt := range []struct {
		name  string
		value any
		want  *bool
	}{
		{"false", false, new(bool)},
		{"the string false", "false", new(bool)},
		{"absent", nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			op := newCraftingOP(t)
			rp := newRP(t, op)
			op.craft = func(c jwtClaims) string {
				s := op.standard(c["nonce"].(string))
				delete(s, "email_verified")
				if tt.value != nil {
					s["email_verified"] = tt.value
				}
				return op.signRS256(t, s)
			}
			claims, err := rp.Exchange(t.Context(), url.Values{"code": {"n-1"}}, accounts.SSOFlow{Nonce: "n-1", PKCEVerifier: "v"})
			if err != nil {
				t.Fatal(err)
			}
			if (claims.EmailVerified == nil) != (tt.want == nil) || (tt.want != nil && *claims.EmailVerified != *tt.want) {
				t.Errorf("EmailVerified = %v, want %v", claims.EmailVerified, tt.want)
			}
		})
	}
}

func TestAuthURLUsesPKCES256AndANonce(t *testing.T) {
	op := newCraftingOP(t)
	u, err := url.Parse(newRP(t, op).AuthURL("st-1", "n-1", "verifier-verifier-verifier-verifier-verifier"))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	sum := sha256.Sum256([]byte("verifier-verifier-verifier-verifier-verifier"))
	if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") != base64.RawURLEncoding.EncodeToString(sum[:]) ||
		q.Get("nonce") != "n-1" || q.Get("state") != "st-1" || q.Get("response_type") != "code" {
		t.Errorf("auth URL %s", u)
	}
}

func mustKey(t *testing.T) *rsa.PrivateKey {
	t.Helper()
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	return k
}
