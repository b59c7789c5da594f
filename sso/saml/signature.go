package saml

import (
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/beevik/etree"
	crewjam "github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
	"github.com/russellhaering/goxmldsig/etreeutils"
)

// idpCerts are the signing certificates in the IdP metadata; several at
// once while the IdP rotates its key. New parses them once per connection
// version.
func idpCerts(idp *crewjam.EntityDescriptor) []*x509.Certificate {
	var certs []*x509.Certificate
	for _, d := range idp.IDPSSODescriptors {
		for _, kd := range d.KeyDescriptors {
			if kd.Use != "" && kd.Use != "signing" {
				continue
			}
			for _, xc := range kd.KeyInfo.X509Data.X509Certificates {
				der, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(xc.Data), ""))
				if err != nil {
					continue
				}
				if c, err := x509.ParseCertificate(der); err == nil {
					certs = append(certs, c)
				}
			}
		}
	}
	return certs
}

// verifyAssertionSignature checks the assertion's own enveloped signature
// against the metadata's certificates. crewjam/saml skips it whenever the
// Response is signed, which lets an assertion signed by anyone (or edited
// after signing) ride inside a response the IdP signed.
func (p *Provider) verifyAssertionSignature(a *etree.Element) error {
	if err := p.verifySignature(a); err != nil {
		return refuse(CheckSignature, "assertion signature: %v", err)
	}
	return nil
}

// verifySignature checks el's enveloped signature against the metadata's
// certificates.
func (p *Provider) verifySignature(a *etree.Element) error {
	store := dsig.MemoryX509CertificateStore{Roots: p.idpCerts}
	if len(store.Roots) == 0 {
		return errors.New("no usable signing certificate in the IdP metadata")
	}
	vc := dsig.NewDefaultValidationContext(&store)
	vc.IdAttribute = "ID"
	ctx, err := etreeutils.NSBuildParentContext(a)
	if err != nil {
		return fmt.Errorf("namespaces: %w", err)
	}
	if ctx, err = ctx.SubContext(a); err != nil {
		return fmt.Errorf("namespaces: %w", err)
	}
	el, err := etreeutils.NSDetatch(ctx, a)
	if err != nil {
		return fmt.Errorf("namespaces: %w", err)
	}
	// Without a certificate in KeyInfo, goxmldsig uses the trusted roots.
	if el.FindElement("./Signature/KeyInfo/X509Data/X509Certificate") == nil {
		if sig := el.FindElement("./Signature"); sig != nil {
			if ki := sig.FindElement("KeyInfo"); ki != nil {
				sig.RemoveChild(ki)
			}
		}
	}
	_, err = vc.Validate(el)
	return err
}
