package saml

import (
	"bytes"
	"compress/flate"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/xml"
	"net/http/httptest"
	"net/url"
	"testing"
	"time"

	"github.com/beevik/etree"
	crewjam "github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/keyring"
)

// testIdP signs responses with a key the test made, through crewjam/saml's
// own IdP code, so fixtures are made fresh on every run.
type testIdP struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
	idp  *crewjam.IdentityProvider
}

func newTestIdP(t *testing.T) *testIdP {
	t.Helper()
	certPEM, keyPEM, err := GenerateKeyPair("test idp", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	cert, key, err := parseKeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	mu, _ := url.Parse("https://idp.test/metadata")
	su, _ := url.Parse("https://idp.test/sso")
	return &testIdP{key: key, cert: cert, idp: &crewjam.IdentityProvider{
		Key: key, Certificate: cert, MetadataURL: *mu, SSOURL: *su,
		SignatureMethod: dsig.RSASHA256SignatureMethod,
	}}
}

func (i *testIdP) metadataXML(t *testing.T) string {
	t.Helper()
	b, err := xml.Marshal(i.idp.Metadata())
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (i *testIdP) signingContext(t *testing.T) *dsig.SigningContext {
	t.Helper()
	ctx, err := dsig.NewSigningContext(i.key, [][]byte{i.cert.Raw})
	if err != nil {
		t.Fatal(err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if err := ctx.SetSignatureMethod(dsig.RSASHA256SignatureMethod); err != nil {
		t.Fatal(err)
	}
	return ctx
}

type testSP struct {
	provider *Provider
	conn     accounts.SSOConnection
	meta     *crewjam.EntityDescriptor // the SP metadata the IdP sees
}

const testBase = "https://id.test"

func newTestSP(t *testing.T, idp *testIdP, allowIdPInitiated bool) *testSP {
	t.Helper()
	spec, _ := keyring.Generate(rand.Reader, "k1")
	ring, err := keyring.Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := GenerateKeyPair("sp", time.Now())
	if err != nil {
		t.Fatal(err)
	}
	conn := accounts.SSOConnection{ID: "conn-1", TeamID: "team-1", Protocol: accounts.ProtocolSAML, Name: "Okta", Enabled: true,
		SAML: accounts.SAMLConfig{IdPMetadata: idp.metadataXML(t), AllowIdPInitiated: allowIdPInitiated, SPCertificate: string(certPEM)}}
	conn.SAML.SPKeySealed, err = ring.Seal(keyPEM, accounts.SPKeyAssociated(conn.ID))
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Params{Connection: conn, BaseURL: testBase, Sealer: ring})
	if err != nil {
		t.Fatal(err)
	}
	mb, err := p.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	var meta crewjam.EntityDescriptor
	if err := xml.Unmarshal(mb, &meta); err != nil {
		t.Fatal(err)
	}
	return &testSP{provider: p, conn: conn, meta: &meta}
}

// forgery says how to bend a response away from the valid one the IdP
// would send.
type forgery struct {
	requestID string // "" = IdP-initiated
	encrypt   bool
	signer    *testIdP                   // sign with another IdP's key
	assertion func(a *crewjam.Assertion) // before the assertion is signed
	element   func(a *etree.Element)     // the assertion element, before signing
	signed    func(a *etree.Element)     // the signed assertion, before the response is signed
	after     func(doc *etree.Document)  // the whole signed response
	raw       func(b []byte) []byte      // the serialized response
	unsigned  bool                       // leave the assertion unsigned
}

// forge makes a base64 SAMLResponse from alice@acme.test to sp.
func forge(t *testing.T, idp *testIdP, sp *testSP, f forgery) string {
	t.Helper()
	now := time.Now()
	meta := *sp.meta
	desc := meta.SPSSODescriptors[0]
	if !f.encrypt {
		desc.KeyDescriptors = nil // nothing to encrypt to: a plaintext assertion
	}
	meta.SPSSODescriptors = []crewjam.SPSSODescriptor{desc}
	signer := idp
	if f.signer != nil {
		signer = f.signer
	}
	req := &crewjam.IdpAuthnRequest{
		IDP: idp.idp, HTTPRequest: httptest.NewRequest("POST", "https://idp.test/sso", nil), Now: now,
		Request:                 crewjam.AuthnRequest{ID: f.requestID, IssueInstant: now},
		ServiceProviderMetadata: &meta, SPSSODescriptor: &meta.SPSSODescriptors[0],
		ACSEndpoint: &crewjam.IndexedEndpoint{Binding: crewjam.HTTPPostBinding, Location: ACSURL(testBase, sp.conn.ID)},
	}
	session := &crewjam.Session{ID: "s1", CreateTime: now, NameID: "00u-alice", UserEmail: "alice@acme.test",
		UserGivenName: "Alice", UserSurname: "Liddell", Groups: []string{"Admins"}}
	if err := (crewjam.DefaultAssertionMaker{}).MakeAssertion(req, session); err != nil {
		t.Fatal(err)
	}
	if f.assertion != nil {
		f.assertion(req.Assertion)
	}
	if f.encrypt && f.element == nil && f.signer == nil && !f.unsigned {
		if err := req.MakeAssertionEl(); err != nil {
			t.Fatal(err)
		}
	} else {
		el := req.Assertion.Element()
		if f.element != nil {
			f.element(el)
		}
		if !f.unsigned {
			var err error
			if el, err = signer.signingContext(t).SignEnveloped(el); err != nil {
				t.Fatal(err)
			}
		}
		req.AssertionEl = el
	}
	if f.signed != nil {
		f.signed(req.AssertionEl)
	}
	if err := req.MakeResponse(); err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	doc.SetRoot(req.ResponseEl)
	if f.after != nil {
		f.after(doc)
	}
	b, err := doc.WriteToBytes()
	if err != nil {
		t.Fatal(err)
	}
	if f.raw != nil {
		b = f.raw(b)
	}
	return base64.StdEncoding.EncodeToString(b)
}

func deflate(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := flate.NewWriter(&buf, 9)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}
