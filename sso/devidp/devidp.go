// Package devidp is a development SAML identity provider built on
// crewjam/saml's own IdP: demo users picked from a list, no passwords. It
// exists so that `make run` shows SSO and JIT provisioning end to end on
// one machine, and so tests have a real IdP that is not our SP. The server
// refuses to mount it unless its base URL and listen address are loopback;
// it must never face a network.
package devidp

import (
	"context"
	"crypto/x509"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"crypto/rsa"

	crewjam "github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/idbridge/idbridge/sso/saml"
)

// User is a demo person the IdP can sign in.
type User struct {
	Key        string // what the picker sends: "alice"
	NameID     string // the stable subject
	Email      string
	GivenName  string
	FamilyName string
	Groups     []string
}

// AdminGroup is the group DemoUsers' admins are in.
const AdminGroup = "acme-admins"

// DemoUsers are alice (in AdminGroup) and bob at domain.
func DemoUsers(domain string) []User {
	return []User{
		{Key: "alice", NameID: "dev-alice", Email: "alice@" + domain, GivenName: "Alice", FamilyName: "Liddell", Groups: []string{AdminGroup, "everyone"}},
		{Key: "bob", NameID: "dev-bob", Email: "bob@" + domain, GivenName: "Bob", FamilyName: "Builder", Groups: []string{"everyone"}},
	}
}

// Params configure the IdP.
type Params struct {
	// BaseURL is where the IdP's /dev-idp/… paths are reachable.
	BaseURL string
	Users   []User
	// SPMetadata returns a service provider's metadata by entity ID, or
	// os.ErrNotExist.
	SPMetadata func(ctx context.Context, entityID string) ([]byte, error)
	Logger     *slog.Logger
}

// IdP serves /dev-idp/metadata, /dev-idp/sso (SP-initiated, with a user
// picker) and /dev-idp/login?sp=<entity ID>&user=<key> (IdP-initiated).
type IdP struct {
	idp    *crewjam.IdentityProvider
	users  map[string]User
	order  []User
	picker *template.Template
}

// New makes an IdP with a fresh signing key.
func New(p Params) (*IdP, error) {
	if p.SPMetadata == nil || p.Logger == nil {
		return nil, errors.New("devidp: SPMetadata and Logger are required")
	}
	certPEM, keyPEM, err := saml.GenerateKeyPair("idbridge development IdP", time.Now())
	if err != nil {
		return nil, err
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, err
	}
	base := strings.TrimRight(p.BaseURL, "/")
	mu, err := url.Parse(base + "/dev-idp/metadata")
	if err != nil {
		return nil, err
	}
	su, _ := url.Parse(base + "/dev-idp/sso")
	i := &IdP{users: map[string]User{}, order: p.Users}
	for _, u := range p.Users {
		i.users[u.Key] = u
	}
	i.idp = &crewjam.IdentityProvider{
		Key: k.(*rsa.PrivateKey), Certificate: cert, MetadataURL: *mu, SSOURL: *su,
		Logger:                  slog.NewLogLogger(p.Logger.Handler(), slog.LevelWarn),
		SignatureMethod:         dsig.RSASHA256SignatureMethod,
		ServiceProviderProvider: spLookup(p.SPMetadata),
		SessionProvider:         i,
	}
	i.picker = template.Must(template.New("picker").Parse(pickerHTML))
	return i, nil
}

// MetadataXML is the IdP metadata a connection is created from.
func (i *IdP) MetadataXML() ([]byte, error) {
	return xml.MarshalIndent(i.idp.Metadata(), "", "  ")
}

// MetadataURL is where the IdP serves its metadata.
func (i *IdP) MetadataURL() string { return i.idp.MetadataURL.String() }

func (i *IdP) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/dev-idp/metadata":
		i.idp.ServeMetadata(w, r)
	case "/dev-idp/sso":
		i.idp.ServeSSO(w, r)
	case "/dev-idp/login":
		i.idp.ServeIDPInitiated(w, r, r.URL.Query().Get("sp"), r.URL.Query().Get("RelayState"))
	default:
		http.NotFound(w, r)
	}
}

// GetSession signs in the user the picker chose (?user=…), or shows the
// picker.
func (i *IdP) GetSession(w http.ResponseWriter, r *http.Request, _ *crewjam.IdpAuthnRequest) *crewjam.Session {
	if u, ok := i.users[r.URL.Query().Get("user")]; ok {
		now := time.Now()
		return &crewjam.Session{
			ID: "dev-" + u.Key, CreateTime: now, ExpireTime: now.Add(time.Hour), Index: u.Key,
			NameID: u.NameID, NameIDFormat: string(crewjam.PersistentNameIDFormat),
			UserName: u.Key, UserEmail: u.Email, UserGivenName: u.GivenName, UserSurname: u.FamilyName,
			UserCommonName: u.GivenName + " " + u.FamilyName, Groups: u.Groups,
		}
	}
	q := r.URL.Query()
	var fields []field
	for k, vs := range q {
		if k != "user" {
			for _, v := range vs {
				fields = append(fields, field{k, v})
			}
		}
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if err := i.picker.Execute(w, pickerPage{Action: r.URL.Path, Fields: fields, Users: i.order}); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
	}
	return nil
}

type field struct{ Name, Value string }

type pickerPage struct {
	Action string
	Fields []field
	Users  []User
}

const pickerHTML = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Development IdP</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:30rem;margin:3rem auto}button{display:block;margin:.5rem 0;padding:.5rem 1rem;font:inherit}</style></head>
<body><h1>Development IdP</h1><p>Not for production. Sign in as:</p>
<form method="get" action="{{.Action}}">{{range .Fields}}<input type="hidden" name="{{.Name}}" value="{{.Value}}">{{end}}
{{range .Users}}<button name="user" value="{{.Key}}">{{.Email}}{{range .Groups}} · {{.}}{{end}}</button>{{end}}</form></body></html>`

// spLookup adapts SPMetadata to crewjam's ServiceProviderProvider.
type spLookup func(ctx context.Context, entityID string) ([]byte, error)

func (f spLookup) GetServiceProvider(r *http.Request, entityID string) (*crewjam.EntityDescriptor, error) {
	b, err := f(r.Context(), entityID)
	if err != nil {
		return nil, os.ErrNotExist
	}
	var ed crewjam.EntityDescriptor
	if err := xml.Unmarshal(b, &ed); err != nil {
		return nil, fmt.Errorf("devidp: SP metadata: %w", err)
	}
	return &ed, nil
}
