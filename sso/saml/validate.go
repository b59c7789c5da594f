package saml

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/beevik/etree"
	crewjam "github.com/crewjam/saml"
	"github.com/crewjam/saml/xmlenc"

	"github.com/idbridge/idbridge/accounts"
)

// MaxResponseBytes bounds a decoded SAMLResponse. Real responses are a few
// KiB (Entra with many groups: tens); anything larger is refused before it
// is parsed, so hostile input costs bounded memory. Responses arrive only
// by HTTP-POST, base64 without compression, so nothing is ever inflated.
const MaxResponseBytes = 256 << 10

const (
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"
	bearer      = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
)

// Result is a validated response.
type Result struct {
	Claims      accounts.SSOClaims
	AssertionID string
	// InResponseTo is the AuthnRequest ID the response answers; "" for an
	// IdP-initiated response. The caller must consume that request.
	InResponseTo string
	// NotOnOrAfter is when the assertion expires: keep its ID until then.
	NotOnOrAfter time.Time
}

// Validate checks a base64 SAMLResponse as posted to the ACS. The caller
// must still consume InResponseTo (when set) and record AssertionID.
func (p *Provider) Validate(samlResponse string) (res *Result, err error) {
	// crewjam/saml has panicked on inputs it did not expect; a panic here
	// must refuse one response, not take the request down.
	defer func() {
		if r := recover(); r != nil {
			res, err = nil, refuse(CheckInternal, "panic while validating: %v", r)
		}
	}()
	raw, err := decodeResponse(samlResponse)
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		return nil, refuse(CheckInput, "not XML: %v", err)
	}
	root := doc.Root()
	if root == nil || root.Tag != "Response" || root.NamespaceURI() != nsProtocol {
		return nil, refuse(CheckInput, "the document is not a samlp:Response")
	}
	assertionEl, err := p.onlyAssertion(root)
	if err != nil {
		return nil, err
	}
	acs := p.sp.AcsURL.String()
	if d := root.SelectAttrValue("Destination", ""); d != "" && d != acs {
		return nil, refuse(CheckDestination, "Response Destination %q is not %q", d, acs)
	}
	if iss := childText(root, nsAssertion, "Issuer"); iss != nil && strings.TrimSpace(*iss) != p.sp.IDPMetadata.EntityID {
		return nil, refuse(CheckIssuer, "Response Issuer %q is not %q", *iss, p.sp.IDPMetadata.EntityID)
	}
	inResponseTo := root.SelectAttrValue("InResponseTo", "")
	shape, err := p.checkAssertion(assertionEl, inResponseTo)
	if err != nil {
		return nil, err
	}
	if shape.inResponseTo == "" && !p.conn.SAML.AllowIdPInitiated {
		return nil, refuse(CheckUnsolicited, "an IdP-initiated response, and the connection does not allow them")
	}

	// A signed Response is verified here, once; crewjam then gets the
	// response without that signature and with the assertion we already
	// decrypted, so it verifies the assertion's own signature and decrypts
	// nothing a second time (an RSA private-key operation per sign-in).
	if sig := child(root, nsDSig, "Signature"); sig != nil {
		if err := p.verifySignature(root); err != nil {
			return nil, refuse(CheckSignature, "response signature: %v", err)
		}
	}
	forLibrary, err := p.plainResponse(root, assertionEl)
	if err != nil {
		return nil, err
	}

	sp := p.sp
	var possible []string
	if shape.inResponseTo == "" {
		sp.AllowIDPInitiated = true
	} else {
		// With the request ID known, crewjam checks it on the response and
		// on every SubjectConfirmation too.
		possible = []string{shape.inResponseTo}
	}
	a, err := sp.ParseXMLResponse(forLibrary, possible, sp.AcsURL)
	if err != nil {
		return nil, classify(err)
	}
	if a.ID != shape.id {
		return nil, refuse(CheckAssertionCount, "the library validated assertion %q, we checked %q", a.ID, shape.id)
	}
	claims := mapClaims(a, shape.nameID, p.conn.Mapping)
	return &Result{Claims: claims, AssertionID: a.ID, InResponseTo: shape.inResponseTo, NotOnOrAfter: shape.notOnOrAfter}, nil
}

// plainResponse is the response without its (verified) signature and
// with the decrypted assertion in place of the encrypted one.
func (p *Provider) plainResponse(root, assertion *etree.Element) ([]byte, error) {
	r := root.Copy()
	if sig := child(r, nsDSig, "Signature"); sig != nil {
		r.RemoveChild(sig)
	}
	for _, c := range r.ChildElements() {
		if c.Tag == "Assertion" || c.Tag == "EncryptedAssertion" {
			i := c.Index()
			r.RemoveChildAt(i)
			r.InsertChildAt(i, assertion.Copy())
			break
		}
	}
	doc := etree.NewDocument()
	doc.SetRoot(r)
	b, err := doc.WriteToBytes()
	if err != nil {
		return nil, refuse(CheckInternal, "serialize response: %v", err)
	}
	return b, nil
}

func decodeResponse(s string) ([]byte, error) {
	if len(s) > base64.StdEncoding.EncodedLen(MaxResponseBytes)+4096 {
		return nil, refuse(CheckInput, "SAMLResponse of %d bytes is over the limit", len(s))
	}
	// Some IdPs wrap the base64 in lines.
	s = strings.Map(func(r rune) rune {
		if r == '\r' || r == '\n' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return nil, refuse(CheckInput, "SAMLResponse is not base64: %v", err)
	}
	if len(raw) > MaxResponseBytes {
		return nil, refuse(CheckInput, "decoded SAMLResponse of %d bytes is over the limit", len(raw))
	}
	if hasDTD(raw) {
		return nil, refuse(CheckDTD, "SAMLResponse contains a DOCTYPE or entity declaration")
	}
	return raw, nil
}

// onlyAssertion returns the one Assertion or EncryptedAssertion, decrypted.
// Assertions are counted anywhere in the document, whatever their
// namespace: signature wrapping hides a second one in Extensions, in a
// Signature's Object or inside another assertion, and a library that takes
// "the first valid one" is then open to picking the wrong one.
func (p *Provider) onlyAssertion(root *etree.Element) (*etree.Element, error) {
	var found []*etree.Element
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		for _, c := range el.ChildElements() {
			if c.Tag == "Assertion" || c.Tag == "EncryptedAssertion" {
				found = append(found, c)
			}
			walk(c)
		}
	}
	walk(root)
	switch {
	case len(found) == 0:
		return nil, refuse(CheckAssertionCount, "no assertion in the response")
	case len(found) > 1:
		return nil, refuse(CheckAssertionCount, "%d assertions in the response; exactly one is accepted", len(found))
	}
	el := found[0]
	if el.Parent() != root || el.NamespaceURI() != nsAssertion {
		return nil, refuse(CheckAssertionCount, "the assertion is not a SAML assertion directly in the Response")
	}
	if el.Tag == "Assertion" {
		return el, nil
	}
	return p.decrypt(el)
}

// decrypt opens an EncryptedAssertion with the connection's SP key (as
// crewjam does; it decrypts again when it validates).
func (p *Provider) decrypt(encrypted *etree.Element) (*etree.Element, error) {
	data := encrypted.FindElement("./EncryptedData")
	if data == nil {
		return nil, refuse(CheckDecrypt, "EncryptedAssertion without EncryptedData")
	}
	var key any = p.sp.Key
	if keyEl := encrypted.FindElement("./EncryptedKey"); keyEl != nil {
		k, err := xmlenc.Decrypt(p.sp.Key, keyEl)
		if err != nil {
			return nil, refuse(CheckDecrypt, "decrypt EncryptedKey: %v", err)
		}
		key = k
	} else if keyEl := data.FindElement("./KeyInfo/EncryptedKey"); keyEl == nil {
		return nil, refuse(CheckDecrypt, "EncryptedAssertion without EncryptedKey")
	}
	plain, err := xmlenc.Decrypt(key, data)
	if err != nil {
		return nil, refuse(CheckDecrypt, "decrypt assertion: %v", err)
	}
	if len(plain) > MaxResponseBytes {
		return nil, refuse(CheckInput, "decrypted assertion is over the limit")
	}
	if hasDTD(plain) {
		return nil, refuse(CheckDTD, "decrypted assertion contains a DOCTYPE or entity declaration")
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(plain); err != nil {
		return nil, refuse(CheckDecrypt, "decrypted assertion is not XML: %v", err)
	}
	a := doc.Root()
	if a == nil || a.Tag != "Assertion" || a.NamespaceURI() != nsAssertion {
		return nil, refuse(CheckAssertionCount, "the encrypted element is not a SAML assertion")
	}
	for _, c := range a.ChildElements() {
		if hasAssertion(c) {
			return nil, refuse(CheckAssertionCount, "an assertion inside the encrypted assertion")
		}
	}
	return a, nil
}

func hasAssertion(el *etree.Element) bool {
	if el.Tag == "Assertion" || el.Tag == "EncryptedAssertion" {
		return true
	}
	for _, c := range el.ChildElements() {
		if hasAssertion(c) {
			return true
		}
	}
	return false
}

type assertionShape struct {
	id           string
	nameID       string
	inResponseTo string
	notOnOrAfter time.Time
}

// checkAssertion checks what crewjam/saml does not, and the time window
// with our skew, on the assertion before crewjam sees it (so it never
// meets the missing Subject or Conditions it would panic on).
func (p *Provider) checkAssertion(a *etree.Element, responseInResponseTo string) (assertionShape, error) {
	s := assertionShape{id: a.SelectAttrValue("ID", ""), inResponseTo: responseInResponseTo}
	now := p.now()
	if s.id == "" {
		return s, refuse(CheckInput, "assertion without ID")
	}
	if child(a, nsDSig, "Signature") == nil {
		return s, refuse(CheckUnsignedAssertion, "assertion %s is not signed", s.id)
	}
	if err := p.verifyAssertionSignature(a); err != nil {
		return s, err
	}
	if iss := childText(a, nsAssertion, "Issuer"); iss == nil || strings.TrimSpace(*iss) != p.sp.IDPMetadata.EntityID {
		return s, refuse(CheckIssuer, "assertion Issuer is not %q", p.sp.IDPMetadata.EntityID)
	}
	subject := child(a, nsAssertion, "Subject")
	if subject == nil {
		return s, refuse(CheckSubject, "assertion without Subject")
	}
	nameID, err := plainNameID(subject)
	if err != nil {
		return s, err
	}
	s.nameID = nameID

	acs := p.sp.AcsURL.String()
	bearers := 0
	for _, sc := range children(subject, nsAssertion, "SubjectConfirmation") {
		if sc.SelectAttrValue("Method", "") != bearer {
			continue
		}
		bearers++
		data := child(sc, nsAssertion, "SubjectConfirmationData")
		if data == nil {
			return s, refuse(CheckBearer, "bearer SubjectConfirmation without SubjectConfirmationData")
		}
		if r := data.SelectAttrValue("Recipient", ""); r != acs {
			return s, refuse(CheckRecipient, "SubjectConfirmationData Recipient %q is not %q", r, acs)
		}
		exp, err := timeAttr(data, "NotOnOrAfter")
		if err != nil || exp.IsZero() {
			return s, refuse(CheckTime, "SubjectConfirmationData without a valid NotOnOrAfter")
		}
		if !now.Before(exp.Add(p.skew)) {
			return s, refuse(CheckTime, "SubjectConfirmationData expired at %s", exp)
		}
		irt := data.SelectAttrValue("InResponseTo", "")
		switch {
		case s.inResponseTo == "":
			s.inResponseTo = irt
		case irt != "" && irt != s.inResponseTo:
			return s, refuse(CheckInResponseTo, "SubjectConfirmationData InResponseTo %q differs from the response's %q", irt, s.inResponseTo)
		}
	}
	if bearers == 0 {
		return s, refuse(CheckBearer, "no bearer SubjectConfirmation")
	}

	cond := child(a, nsAssertion, "Conditions")
	if cond == nil {
		return s, refuse(CheckConditions, "assertion without Conditions")
	}
	notBefore, err1 := timeAttr(cond, "NotBefore")
	notOnOrAfter, err2 := timeAttr(cond, "NotOnOrAfter")
	if err1 != nil || err2 != nil || notOnOrAfter.IsZero() {
		return s, refuse(CheckTime, "Conditions without a valid NotOnOrAfter")
	}
	if !notBefore.IsZero() && now.Add(p.skew).Before(notBefore) {
		return s, refuse(CheckTime, "Conditions not valid before %s", notBefore)
	}
	if !now.Before(notOnOrAfter.Add(p.skew)) {
		return s, refuse(CheckTime, "Conditions expired at %s", notOnOrAfter)
	}
	s.notOnOrAfter = notOnOrAfter.Add(p.skew)

	restrictions := children(cond, nsAssertion, "AudienceRestriction")
	if len(restrictions) == 0 {
		return s, refuse(CheckAudience, "assertion without AudienceRestriction")
	}
	// Every AudienceRestriction must name us (SAML core 2.5.1.4).
	for _, r := range restrictions {
		ok := false
		for _, aud := range children(r, nsAssertion, "Audience") {
			if strings.TrimSpace(aud.Text()) == p.sp.EntityID {
				ok = true
			}
		}
		if !ok {
			return s, refuse(CheckAudience, "AudienceRestriction does not name %q", p.sp.EntityID)
		}
	}
	return s, nil
}

// plainNameID returns the Subject's NameID text, refusing one that is
// missing, empty, in another namespace, or split by comments or elements:
// a parser that reads only the text before a comment would see another
// person than the one the IdP signed for.
func plainNameID(subject *etree.Element) (string, error) {
	var nameID *etree.Element
	for _, c := range subject.ChildElements() {
		if c.Tag == "NameID" {
			if c.NamespaceURI() != nsAssertion {
				return "", refuse(CheckNameID, "NameID in namespace %q", c.NamespaceURI())
			}
			if nameID != nil {
				return "", refuse(CheckNameID, "several NameIDs")
			}
			nameID = c
		}
	}
	if nameID == nil {
		return "", refuse(CheckNameID, "Subject without NameID")
	}
	for _, tok := range nameID.Child {
		if _, ok := tok.(*etree.CharData); !ok {
			return "", refuse(CheckNameID, "NameID holds a comment or an element")
		}
	}
	v := strings.TrimSpace(nameID.Text())
	if v == "" {
		return "", refuse(CheckNameID, "empty NameID")
	}
	return v, nil
}

func child(el *etree.Element, ns, tag string) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			return c
		}
	}
	return nil
}

func children(el *etree.Element, ns, tag string) []*etree.Element {
	var out []*etree.Element
	for _, c := range el.ChildElements() {
		if c.Tag == tag && c.NamespaceURI() == ns {
			out = append(out, c)
		}
	}
	return out
}

func childText(el *etree.Element, ns, tag string) *string {
	c := child(el, ns, tag)
	if c == nil {
		return nil
	}
	t := c.Text()
	return &t
}

func timeAttr(el *etree.Element, name string) (time.Time, error) {
	v := el.SelectAttrValue(name, "")
	if v == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, v)
}

// classify turns crewjam/saml's refusal into a Check; its reasons are
// only in the text of PrivateErr.
func classify(err error) *ValidationError {
	var ire *crewjam.InvalidResponseError
	if errors.As(err, &ire) && ire.PrivateErr != nil {
		err = ire.PrivateErr
	}
	var status crewjam.ErrBadStatus
	if errors.As(err, &status) {
		return &ValidationError{Check: CheckStatus, PrivateErr: fmt.Errorf("IdP status %s", status.Status)}
	}
	msg := err.Error()
	check := CheckInput
	for _, m := range []struct {
		substr string
		check  Check
	}{
		{"ignature", CheckSignature},
		{"ecrypt", CheckDecrypt},
		{"Destination", CheckDestination},
		{"Recipient", CheckRecipient},
		{"InResponseTo", CheckInResponseTo},
		{"request IDs", CheckInResponseTo},
		{"ssuer", CheckIssuer},
		{"Audience", CheckAudience},
		{"expired", CheckTime},
		{"not yet valid", CheckTime},
		{"Assertion", CheckAssertionCount},
	} {
		if strings.Contains(msg, m.substr) {
			check = m.check
			break
		}
	}
	return &ValidationError{Check: check, PrivateErr: err}
}
