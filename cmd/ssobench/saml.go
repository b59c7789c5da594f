package main

import (
	"bytes"
	"compress/flate"
	"context"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"
	crewjam "github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/keyring"
	"github.com/idbridge/idbridge/cmd/internal/loadtest"
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

// connect creates the team's SAML connection (SP-initiated only, the
// default).
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
		SAML:     accounts.SAMLConfig{IdPMetadata: string(md), SPCertificate: string(certPEM)},
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
		IDPMetadata: s.idp.Metadata()}
	return nil
}

// samlFlow is an SP-initiated sign-in, started at /sso/start and
// answered by the IdP: the browser's flow cookie, the request ID, the
// signed response and the ACS form that carries it.
type samlFlow struct {
	cookie    string
	requestID string
	response  []byte
	form      string
}

// samlFlows starts n sign-ins (each for a new person, so the ACS
// provisions on first sight) and has the IdP answer each.
func (b *bench) samlFlows(n, clients int) ([]samlFlow, error) {
	client := noRedirects(clients)
	flows := make([]samlFlow, n)
	res := loadtest.Each("(start SAML sign-ins and sign responses)", clients, n, func(_, i int) error {
		resp, err := client.Get(b.srv.URL + "/sso/start?connection=" + b.samlConn.ID)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil || len(resp.Cookies()) == 0 {
			return fmt.Errorf("start answered %d without a redirect and a flow cookie", resp.StatusCode)
		}
		id, err := requestID(loc.Query().Get("SAMLRequest"))
		if err != nil {
			return err
		}
		signed, err := b.idp.response(i, id)
		if err != nil {
			return err
		}
		ck := resp.Cookies()[0]
		flows[i] = samlFlow{cookie: ck.Name + "=" + ck.Value, requestID: id, response: signed,
			form: url.Values{"SAMLResponse": {encode(signed)}}.Encode()}
		return nil
	})
	if res.Errors > 0 {
		return nil, fmt.Errorf("%d SAML sign-ins did not start", res.Errors)
	}
	return flows, nil
}

// requestID reads the ID of an HTTP-Redirect AuthnRequest.
func requestID(samlRequest string) (string, error) {
	deflated, err := base64.StdEncoding.DecodeString(samlRequest)
	if err != nil {
		return "", err
	}
	b, err := io.ReadAll(flate.NewReader(bytes.NewReader(deflated)))
	if err != nil {
		return "", err
	}
	var req crewjam.AuthnRequest
	if err := xml.Unmarshal(b, &req); err != nil {
		return "", err
	}
	return req.ID, nil
}

// response answers request inResponseTo with an encrypted assertion.
func (s *samlIdP) response(i int, inResponseTo string) ([]byte, error) {
	now := time.Now()
	req := &crewjam.IdpAuthnRequest{
		IDP: s.idp, HTTPRequest: httptest.NewRequest(http.MethodPost, "https://idp.bench.test/sso", nil), Now: now,
		Request:                 crewjam.AuthnRequest{ID: inResponseTo, IssueInstant: now},
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
// else: no replay record, no request consumed, no account, no session.
func (b *bench) bareValidation(flows []samlFlow, clients int) loadtest.Result {
	acs := b.idp.bare.AcsURL
	return loadtest.Each("crewjam/saml validation alone", clients, len(flows), func(_, i int) error {
		sp := b.idp.bare
		_, err := sp.ParseXMLResponse(flows[i].response, []string{flows[i].requestID}, acs)
		return err
	})
}

// acs posts each response to the ACS as the browser would.
func (b *bench) acs(flows []samlFlow, clients int) loadtest.Result {
	client := noRedirects(clients)
	return loadtest.Each("SAML ACS (validate, request, replay record, JIT, session)", clients, len(flows), func(_, i int) error {
		req, _ := http.NewRequest(http.MethodPost, b.idp.acs, strings.NewReader(flows[i].form))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Cookie", flows[i].cookie)
		resp, err := client.Do(req)
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

// noRedirects is a browser that shows us each redirect.
func noRedirects(clients int) *http.Client {
	return &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: clients},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}
