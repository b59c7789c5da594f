package saml

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	crewjam "github.com/crewjam/saml"
)

func TestValidAResponsesAreAccepted(t *testing.T) {
	idp := newTestIdP(t)
	tests := []struct {
		name      string
		allowIdP  bool
		f         forgery
		wantInRTo string
	}{
		{"an SP-initiated response with a plaintext assertion", false, forgery{requestID: "id-req1"}, "id-req1"},
		{"an SP-initiated response with an encrypted assertion", false, forgery{requestID: "id-req2", encrypt: true}, "id-req2"},
		{"an IdP-initiated response when the connection allows them", true, forgery{encrypt: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp := newTestSP(t, idp, tt.allowIdP)
			res, err := sp.provider.Validate(forge(t, idp, sp, tt.f))
			if err != nil {
				t.Fatalf("Validate: %v (%v)", err, errors.Unwrap(err))
			}
			c := res.Claims
			if c.Subject != "00u-alice" || c.Email != "alice@acme.test" || c.GivenName != "Alice" || c.FamilyName != "Liddell" ||
				len(c.Groups) != 1 || c.Groups[0] != "Admins" {
				t.Errorf("claims %+v", c)
			}
			if res.InResponseTo != tt.wantInRTo || res.AssertionID == "" || !res.NotOnOrAfter.After(time.Now()) {
				t.Errorf("result %+v, want InResponseTo %q", res, tt.wantInRTo)
			}
		})
	}
}

// Each crafted response must be refused by the named check.
func TestCraftedResponsesAreRefused(t *testing.T) {
	idp, stranger := newTestIdP(t), newTestIdP(t)
	req := "id-req1"
	tests := []struct {
		name     string
		allowIdP bool
		f        forgery
		want     Check
	}{
		{"XSW1: an evil response wraps the signed one inside its Signature", false, forgery{requestID: req, after: xsw1}, CheckAssertionCount},
		{"XSW2: an evil response carries the signed one beside a detached Signature", false, forgery{requestID: req, after: xsw2}, CheckAssertionCount},
		{"XSW3: an evil assertion goes before the signed one", false, forgery{requestID: req, after: xsw3}, CheckAssertionCount},
		{"XSW4: an evil assertion wraps the signed one", false, forgery{requestID: req, after: xsw4}, CheckAssertionCount},
		{"XSW5: the evil assertion takes the signature, a copy of the original follows", false, forgery{requestID: req, after: xsw5}, CheckAssertionCount},
		{"XSW6: the evil assertion takes the signature, the original sits in its Object", false, forgery{requestID: req, after: xsw6}, CheckAssertionCount},
		{"XSW7: the signed assertion hides in Extensions, an evil one takes its place", false, forgery{requestID: req, after: xsw7}, CheckAssertionCount},
		{"XSW8: the original without its signature sits in the evil assertion's signature Object", false, forgery{requestID: req, after: xsw8}, CheckAssertionCount},
		{"an assertion edited after it was signed", false, forgery{requestID: req, after: func(d *etree.Document) {
			nameID(assertionOf(d.Root())).SetText("00u-mallory")
		}}, CheckSignature},
		{"a response whose own signature no longer verifies", false, forgery{requestID: req, after: func(d *etree.Document) {
			d.Root().CreateAttr("IssueInstant", time.Now().Add(time.Second).UTC().Format(time.RFC3339Nano))
		}}, CheckSignature},
		{"an unsolicited assertion rewrapped with a forged InResponseTo when IdP-initiated sign-in is off", false, forgery{after: func(d *etree.Document) {
			d.Root().CreateAttr("InResponseTo", "id-attackers-own-request")
		}}, CheckSignature},
		{"signature stripping: neither the response nor the assertion signed", false, forgery{requestID: req, unsigned: true, after: func(d *etree.Document) {
			removeSignature(d.Root())
		}}, CheckUnsignedAssertion},
		{"an unsigned assertion in a signed response", false, forgery{requestID: req, unsigned: true}, CheckUnsignedAssertion},
		{"a signature by a certificate that is not in the metadata", false, forgery{requestID: req, signer: stranger}, CheckSignature},
		{"comment injection in NameID", false, forgery{requestID: req, after: func(d *etree.Document) {
			n := nameID(assertionOf(d.Root()))
			n.SetText("admin@acme.test")
			n.AddChild(etree.NewComment(""))
			n.AddChild(etree.NewText(".evil.test"))
		}}, CheckSignature},
		{"comment injection in NameID signed by the IdP (comments are outside the signature)", false, forgery{requestID: req,
			assertion: func(a *crewjam.Assertion) { a.Subject.NameID.Value = "admin@acme.test.evil.test" },
			after: func(d *etree.Document) {
				n := nameID(assertionOf(d.Root()))
				n.SetText("admin@acme.test")
				n.AddChild(etree.NewComment(""))
				n.AddChild(etree.NewText(".evil.test"))
			}}, CheckNameID},
		{"an empty NameID", false, forgery{requestID: req, assertion: func(a *crewjam.Assertion) { a.Subject.NameID.Value = " " }}, CheckNameID},
		{"a NameID in a foreign namespace", false, forgery{requestID: req, element: func(a *etree.Element) {
			n := nameID(a)
			n.Space = "evil"
			n.CreateAttr("xmlns:evil", "urn:evil")
		}}, CheckNameID},
		{"no bearer SubjectConfirmation", false, forgery{requestID: req, assertion: func(a *crewjam.Assertion) {
			a.Subject.SubjectConfirmations[0].Method = "urn:oasis:names:tc:SAML:2.0:cm:holder-of-key"
		}}, CheckBearer},
		{"no Subject (crewjam/saml would panic)", false, forgery{requestID: req, assertion: func(a *crewjam.Assertion) { a.Subject = nil }}, CheckSubject},
		{"no Conditions (crewjam/saml would panic)", false, forgery{requestID: req, assertion: func(a *crewjam.Assertion) { a.Conditions = nil }}, CheckConditions},
		{"no AudienceRestriction", false, forgery{requestID: req, assertion: func(a *crewjam.Assertion) { a.Conditions.AudienceRestrictions = nil }}, CheckAudience},
		{"the wrong Audience", false, forgery{requestID: req, assertion: func(a *crewjam.Assertion) {
			a.Conditions.AudienceRestrictions[0].Audience.Value = "https://other-sp.test/metadata"
		}}, CheckAudience},
		{"the wrong Destination", false, forgery{requestID: req, after: func(d *etree.Document) {
			d.Root().CreateAttr("Destination", "https://other-sp.test/acs")
		}}, CheckDestination},
		{"the wrong Recipient", false, forgery{requestID: req, assertion: func(a *crewjam.Assertion) {
			a.Subject.SubjectConfirmations[0].SubjectConfirmationData.Recipient = "https://other-sp.test/acs"
		}}, CheckRecipient},
		{"the wrong Issuer", false, forgery{requestID: req, assertion: func(a *crewjam.Assertion) { a.Issuer.Value = "https://evil.test/" }}, CheckIssuer},
		{"expired Conditions", false, forgery{requestID: req, assertion: func(a *crewjam.Assertion) {
			a.Conditions.NotOnOrAfter = time.Now().Add(-10 * time.Minute)
		}}, CheckTime},
		{"Conditions not yet valid", false, forgery{requestID: req, assertion: func(a *crewjam.Assertion) {
			a.Conditions.NotBefore = time.Now().Add(10 * time.Minute)
		}}, CheckTime},
		{"an expired SubjectConfirmation", false, forgery{requestID: req, assertion: func(a *crewjam.Assertion) {
			a.Subject.SubjectConfirmations[0].SubjectConfirmationData.NotOnOrAfter = time.Now().Add(-10 * time.Minute)
		}}, CheckTime},
		{"a confirmation that answers another request than the response", false, forgery{requestID: req, assertion: func(a *crewjam.Assertion) {
			a.Subject.SubjectConfirmations[0].SubjectConfirmationData.InResponseTo = "id-other"
		}}, CheckInResponseTo},
		{"an unsolicited response when IdP-initiated sign-in is off", false, forgery{}, CheckUnsolicited},
		{"several assertions", false, forgery{requestID: req, after: func(d *etree.Document) {
			a := assertionOf(d.Root())
			c := a.Copy()
			c.CreateAttr("ID", "id-second")
			d.Root().AddChild(c)
		}}, CheckAssertionCount},
		{"a DTD with entity expansion", false, forgery{requestID: req, raw: func(b []byte) []byte {
			return append([]byte(`<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>`), b...)
		}}, CheckDTD},
		{"an external entity", false, forgery{requestID: req, raw: func(b []byte) []byte {
			return append([]byte(`<!doctype r [<!entity x SYSTEM "file:///etc/passwd">]>`), b...)
		}}, CheckDTD},
		{"an oversize response", false, forgery{requestID: req, raw: func(b []byte) []byte {
			return append(b, bytes.Repeat([]byte(" "), MaxResponseBytes)...)
		}}, CheckInput},
		{"a deflate bomb (responses are never inflated)", false, forgery{requestID: req, raw: func([]byte) []byte {
			return deflate(bytes.Repeat([]byte("<a>"), 10<<20))
		}}, CheckInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sp := newTestSP(t, idp, tt.allowIdP)
			_, err := sp.provider.Validate(forge(t, idp, sp, tt.f))
			var ve *ValidationError
			if !errors.As(err, &ve) {
				t.Fatalf("Validate = %v, want a *ValidationError", err)
			}
			if ve.Check != tt.want {
				t.Fatalf("check %q (%v), want %q", ve.Check, ve.PrivateErr, tt.want)
			}
			if strings.Contains(ve.Error(), "alice") || ve.PrivateErr == nil {
				t.Errorf("Error() %q must be safe and PrivateErr set", ve.Error())
			}
		})
	}
}

func TestEverySigningCertificateInTheMetadataIsTrusted(t *testing.T) {
	idp, next := newTestIdP(t), newTestIdP(t)
	sp := newTestSP(t, idp, false)
	// The IdP is rotating: its metadata lists the current and the next
	// certificate, and it has started signing with the next one.
	ed, err := ParseIdPMetadata([]byte(idp.metadataXML(t)))
	if err != nil {
		t.Fatal(err)
	}
	nextMD, _ := ParseIdPMetadata([]byte(next.metadataXML(t)))
	ed.IDPSSODescriptors[0].KeyDescriptors = append(ed.IDPSSODescriptors[0].KeyDescriptors, nextMD.IDPSSODescriptors[0].KeyDescriptors...)
	sp.provider.sp.IDPMetadata, sp.provider.idpCerts = ed, idpCerts(ed)
	if _, err := sp.provider.Validate(forge(t, idp, sp, forgery{requestID: "id-r", signer: next})); err != nil {
		t.Fatalf("signed with the second certificate: %v (%v)", err, errors.Unwrap(err))
	}
}

func TestSkewIsConfigurable(t *testing.T) {
	idp := newTestIdP(t)
	early := forgery{requestID: "id-r", assertion: func(a *crewjam.Assertion) { a.Conditions.NotBefore = time.Now().Add(60 * time.Second) }}
	sp := newTestSP(t, idp, false)
	if _, err := sp.provider.Validate(forge(t, idp, sp, early)); err != nil {
		t.Fatalf("60s early with the default 90s skew: %v", err)
	}
	sp.provider.skew = 30 * time.Second
	var ve *ValidationError
	if _, err := sp.provider.Validate(forge(t, idp, sp, early)); !errors.As(err, &ve) || ve.Check != CheckTime {
		t.Fatalf("60s early with a 30s skew: %v, want a time refusal", err)
	}
}

func TestAuthnRequestsAreSignedWithRSASHA256(t *testing.T) {
	idp := newTestIdP(t)
	sp := newTestSP(t, idp, false)
	redirect, id, err := sp.provider.AuthnRequest()
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(redirect, "https://idp.test/sso?SAMLRequest=") || id == "" {
		t.Fatalf("redirect %q id %q", redirect, id)
	}
	if !strings.Contains(redirect, "&SigAlg=http%3A%2F%2Fwww.w3.org%2F2001%2F04%2Fxmldsig-more%23rsa-sha256&Signature=") {
		t.Errorf("redirect is not signed with RSA-SHA256: %s", redirect)
	}
}

func TestMetadataIsRefusedWithADTD(t *testing.T) {
	idp := newTestIdP(t)
	md := `<!DOCTYPE x [<!ENTITY a "b">]>` + idp.metadataXML(t)
	if _, err := ParseIdPMetadata([]byte(md)); err == nil {
		t.Fatal("metadata with a DTD was accepted")
	}
	if _, err := ParseIdPMetadata([]byte(idp.metadataXML(t))); err != nil {
		t.Fatalf("good metadata: %v", err)
	}
}

// Helpers that take a signed response apart the way wrapping attacks do.

func assertionOf(el *etree.Element) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.Tag == "Assertion" {
			return c
		}
	}
	return nil
}

func signatureOf(el *etree.Element) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.Tag == "Signature" {
			return c
		}
	}
	return nil
}

func removeSignature(el *etree.Element) {
	if s := signatureOf(el); s != nil {
		el.RemoveChild(s)
	}
}

func nameID(a *etree.Element) *etree.Element {
	for _, c := range a.ChildElements() {
		if c.Tag == "Subject" {
			for _, n := range c.ChildElements() {
				if n.Tag == "NameID" {
					return n
				}
			}
		}
	}
	return nil
}

// evil is the attacker's assertion: the signed one with another subject
// and its signature removed.
func evil(a *etree.Element) *etree.Element {
	e := a.Copy()
	e.CreateAttr("ID", "id-evil")
	removeSignature(e)
	nameID(e).SetText("00u-mallory")
	return e
}

func replace(parent, old, with *etree.Element) {
	i := old.Index()
	parent.RemoveChildAt(i)
	parent.InsertChildAt(i, with)
}

func object(content *etree.Element) *etree.Element {
	o := etree.NewElement("ds:Object")
	o.AddChild(content)
	return o
}

func xsw1(d *etree.Document) {
	orig := d.Root()
	root := orig.Copy()
	removeSignature(root)
	replace(root, assertionOf(root), evil(assertionOf(orig)))
	sig := signatureOf(orig).Copy()
	sig.AddChild(object(orig.Copy()))
	root.InsertChildAt(1, sig)
	root.CreateAttr("ID", "id-evil-response")
	d.SetRoot(root)
}

func xsw2(d *etree.Document) {
	orig := d.Root()
	root := orig.Copy()
	removeSignature(root)
	replace(root, assertionOf(root), evil(assertionOf(orig)))
	root.InsertChildAt(1, orig.Copy())
	root.InsertChildAt(2, signatureOf(orig).Copy())
	root.CreateAttr("ID", "id-evil-response")
	d.SetRoot(root)
}

func xsw3(d *etree.Document) {
	a := assertionOf(d.Root())
	d.Root().InsertChildAt(a.Index(), evil(a))
}

func xsw4(d *etree.Document) {
	a := assertionOf(d.Root())
	e := evil(a)
	replace(d.Root(), a, e)
	e.AddChild(a)
}

func xsw5(d *etree.Document) {
	a := assertionOf(d.Root())
	e := evil(a)
	e.InsertChildAt(1, signatureOf(a).Copy())
	replace(d.Root(), a, e)
	bare := a.Copy()
	removeSignature(bare)
	d.Root().AddChild(bare)
}

func xsw6(d *etree.Document) {
	a := assertionOf(d.Root())
	e := evil(a)
	sig := signatureOf(a).Copy()
	bare := a.Copy()
	removeSignature(bare)
	sig.AddChild(object(bare))
	e.InsertChildAt(1, sig)
	replace(d.Root(), a, e)
}

func xsw7(d *etree.Document) {
	a := assertionOf(d.Root())
	ext := etree.NewElement("samlp:Extensions")
	ext.AddChild(a.Copy())
	replace(d.Root(), a, evil(a))
	d.Root().InsertChildAt(1, ext)
}

func xsw8(d *etree.Document) {
	a := assertionOf(d.Root())
	e := evil(a)
	sig := signatureOf(a).Copy()
	bare := a.Copy()
	removeSignature(bare)
	sig.AddChild(object(bare))
	e.AddChild(sig)
	replace(d.Root(), a, e)
}
