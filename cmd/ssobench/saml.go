package main

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"
	crewjam "github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/keyring"
	"github.com/idbridge/idbridge/sso/saml"
)

// samlIdP signs responses with crewjam/saml's IdP code.
type samlIdP struct {
	idp    *crewjam.IdentityProvider
	domain string
	spKey  *rsa.PrivateKey
	spCert *x509.Certificate
	spMeta *crewjam.EntityDescriptor
	bare   crewjam.ServiceProvider // crewjam alone, for the yardstick
	acs    string
}

func keyPair(name string) (*x509.Certificate, *rsa.PrivateKey, []byte, []byte, error) {
	certPEM, keyPEM, err := saml.GenerateKeyPair(name, time.Now())
	if err != nil {
		return nil, nil, nil, nil, err
	}
	cb, _ := pem.Decode(certPEM)
	kb, _ := pem.Decode(keyPEM)
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	k, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	if err != nil {
		return nil, nil, nil, nil, err
	}
	return cert, k.(*rsa.PrivateKey), certPEM, keyPEM, nil
}

func newSAMLIdP(domain string) (*samlIdP, error) {
	cert, key, _, _, err := keyPair("bench idp")
	if err != nil {
		return nil, err
	}
	mu, _ := url.Parse("https://idp.bench.test/metadata")
	su, _ := url.Parse("https://idp.bench.test/sso")
	return &samlIdP{domain: domain, idp: &crewjam.IdentityProvider{Key: key, Certificate: cert, MetadataURL: *mu, SSOURL: *su,
		SignatureMethod: dsig.RSASHA256SignatureMethod}}, nil
}

// connect creates the team's IdP-initiated SAML connection.
func (s *samlIdP) connect(ctx context.Context, svc *accounts.Service, ring *keyring.Ring, teamID string) (accounts.SSOConnection, error) {
	md, err := xml.Marshal(s.idp.Metadata())
	if err != nil {
		return accounts.SSOConnection{}, err
	}
	cert, key, certPEM, keyPEM, err := keyPair("bench sp")
	if err != nil {
		return accounts.SSOConnection{}, err
	}
	s.spKey, s.spCert = key, cert
	return svc.CreateSSOConnection(ctx, accounts.CreateSSOConnectionInput{
		TeamID: teamID, Protocol: accounts.ProtocolSAML, Name: "SAML", Sealer: ring, Actor: accounts.OperatorActor(),
		SAML:     accounts.SAMLConfig{IdPMetadata: string(md), AllowIdPInitiated: true, SPCertificate: string(certPEM)},
		SPKeyPEM: keyPEM,
	})
}

// learnSP reads the SP metadata the way an IdP admin would, and sets up
// the bare crewjam/saml service provider with the same keys.
func (s *samlIdP) learnSP(base, connID string) error {
	resp, err := http.Get(saml.EntityID(base, connID))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	var ed crewjam.EntityDescriptor
	if err := xml.Unmarshal(b, &ed); err != nil {
		return fmt.Errorf("SP metadata: %w", err)
	}
	s.spMeta, s.acs = &ed, saml.ACSURL(base, connID)
	mu, _ := url.Parse(saml.EntityID(base, connID))
	au, _ := url.Parse(s.acs)
	s.bare = crewjam.ServiceProvider{EntityID: mu.String(), Key: s.spKey, Certificate: s.spCert, MetadataURL: *mu, AcsURL: *au,
		IDPMetadata: s.idp.Metadata(), AllowIDPInitiated: true}
	return nil
}

// responses signs n IdP-initiated, encrypted responses, each for a new
// person (so the ACS provisions on first sight), on every CPU.
func (s *samlIdP) responses(n int, _ accounts.SSOConnection) ([][]byte, error) {
	out := make([][]byte, n)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	work := make(chan int)
	for range 4 {
		wg.Go(func() {
			for i := range work {
				b, err := s.response(i)
				if err != nil {
					errs <- err
					continue
				}
				out[i] = b
			}
		})
	}
	for i := range n {
		work <- i
	}
	close(work)
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	return out, nil
}

func (s *samlIdP) response(i int) ([]byte, error) {
	now := time.Now()
	req := &crewjam.IdpAuthnRequest{
		IDP: s.idp, HTTPRequest: httptest.NewRequest(http.MethodPost, "https://idp.bench.test/sso", nil), Now: now,
		Request:                 crewjam.AuthnRequest{IssueInstant: now},
		ServiceProviderMetadata: s.spMeta, SPSSODescriptor: &s.spMeta.SPSSODescriptors[0],
		ACSEndpoint: &crewjam.IndexedEndpoint{Binding: crewjam.HTTPPostBinding, Location: s.acs},
	}
	user := fmt.Sprintf("person%d-%d", now.UnixNano()%1e6, i)
	session := &crewjam.Session{ID: user, CreateTime: now, NameID: "saml-" + user, UserEmail: user + "@" + s.domain,
		UserGivenName: "Person", UserSurname: fmt.Sprint(i)}
	if err := (crewjam.DefaultAssertionMaker{}).MakeAssertion(req, session); err != nil {
		return nil, err
	}
	if err := req.MakeResponse(); err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	doc.SetRoot(req.ResponseEl)
	return doc.WriteToBytes()
}

// bareValidation is crewjam/saml validating the same responses, nothing
// else: no replay record, no account, no session.
func (b *bench) bareValidation(responses [][]byte, clients int) result {
	acs := b.idp.bare.AcsURL
	return phase("crewjam/saml validation alone", clients, len(responses), 0, func(_, i int) error {
		sp := b.idp.bare
		_, err := sp.ParseXMLResponse(responses[i], nil, acs)
		return err
	})
}

// acs posts each response to the ACS as a browser would.
func (b *bench) acs(responses [][]byte, clients int) result {
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	return phase("SAML ACS (validate, replay record, JIT, session)", clients, len(responses), 0, func(_, i int) error {
		form := url.Values{"SAMLResponse": {encode(responses[i])}}
		resp, err := client.Post(b.idp.acs, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			return fmt.Errorf("ACS answered %d: %.200s", resp.StatusCode, body)
		}
		return nil
	})
}
