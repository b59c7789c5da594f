package saml

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"

	crewjam "github.com/crewjam/saml"
)

// MaxMetadataBytes bounds IdP metadata, fetched or pasted. Real metadata is
// a few KiB; Entra's with several certificates stays under 64 KiB.
const MaxMetadataBytes = 1 << 20

// ParseIdPMetadata reads an IdP's EntityDescriptor (or the first IdP in an
// EntitiesDescriptor) and checks that it has what a connection needs: an
// entity ID, an HTTP-Redirect SingleSignOnService and at least one signing
// certificate. Several certificates are kept (rotation).
func ParseIdPMetadata(b []byte) (*crewjam.EntityDescriptor, error) {
	if len(b) > MaxMetadataBytes {
		return nil, fmt.Errorf("IdP metadata is larger than %d bytes", MaxMetadataBytes)
	}
	if hasDTD(b) {
		return nil, errors.New("IdP metadata must not contain a DOCTYPE or entity declarations")
	}
	var ed crewjam.EntityDescriptor
	if err := xml.Unmarshal(b, &ed); err != nil {
		var eds crewjam.EntitiesDescriptor
		if err2 := xml.Unmarshal(b, &eds); err2 != nil {
			return nil, fmt.Errorf("IdP metadata is not a SAML EntityDescriptor: %v", err)
		}
		found := false
		for _, e := range eds.EntityDescriptors {
			if len(e.IDPSSODescriptors) > 0 {
				ed, found = e, true
				break
			}
		}
		if !found {
			return nil, errors.New("IdP metadata lists no identity provider")
		}
	}
	if ed.EntityID == "" || len(ed.IDPSSODescriptors) == 0 {
		return nil, errors.New("IdP metadata has no entityID or no IDPSSODescriptor")
	}
	if ssoLocation(&ed) == "" {
		return nil, errors.New("IdP metadata has no HTTP-Redirect SingleSignOnService")
	}
	certs := 0
	for _, d := range ed.IDPSSODescriptors {
		for _, kd := range d.KeyDescriptors {
			if kd.Use == "" || kd.Use == "signing" {
				certs += len(kd.KeyInfo.X509Data.X509Certificates)
			}
		}
	}
	if certs == 0 {
		return nil, errors.New("IdP metadata has no signing certificate")
	}
	return &ed, nil
}

func ssoLocation(ed *crewjam.EntityDescriptor) string {
	for _, d := range ed.IDPSSODescriptors {
		for _, s := range d.SingleSignOnServices {
			if s.Binding == crewjam.HTTPRedirectBinding {
				return s.Location
			}
		}
	}
	return ""
}

// CheckMetadataURL accepts https URLs, and http only to a loopback host.
func CheckMetadataURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return errors.New("the metadata URL must be an absolute https URL")
	}
	if u.Scheme == "http" {
		host := u.Hostname()
		ip := net.ParseIP(host)
		if host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			return errors.New("the metadata URL must use https (http only on loopback)")
		}
	}
	return nil
}

// FetchMetadata downloads and parses IdP metadata from rawURL.
func FetchMetadata(ctx context.Context, client *http.Client, rawURL string) ([]byte, error) {
	if err := CheckMetadataURL(rawURL); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, rawURL, nil)
	if err != nil {
		return nil, err
	}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetch IdP metadata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetch IdP metadata: HTTP %d", resp.StatusCode)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, MaxMetadataBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetch IdP metadata: %w", err)
	}
	if _, err := ParseIdPMetadata(b); err != nil {
		return nil, err
	}
	return b, nil
}

// hasDTD reports whether an XML document declares a DOCTYPE or entities.
// SAML never needs them; refusing them outright closes entity expansion
// ("billion laughs") and external entity attacks before any parser runs.
func hasDTD(b []byte) bool {
	for {
		i := bytes.Index(b, []byte("<!"))
		if i < 0 {
			return false
		}
		b = b[i+2:]
		for _, decl := range []string{"DOCTYPE", "ENTITY"} {
			if len(b) >= len(decl) && bytes.EqualFold(b[:len(decl)], []byte(decl)) {
				return true
			}
		}
	}
}
