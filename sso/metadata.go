package sso

import (
	"bytes"
	"context"
	"net/url"
	"os"
	"strings"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/sso/saml"
)

// SPMetadataForEntityID returns the SP metadata of the SAML connection
// whose entity ID this is, or os.ErrNotExist (for an in-process IdP).
func (h *Handler) SPMetadataForEntityID(ctx context.Context, entityID string) ([]byte, error) {
	prefix := h.base + "/sso/saml/"
	rest, ok := strings.CutPrefix(entityID, prefix)
	if !ok {
		return nil, os.ErrNotExist
	}
	id, ok := strings.CutSuffix(rest, "/metadata")
	if !ok {
		return nil, os.ErrNotExist
	}
	id, err := url.PathUnescape(id)
	if err != nil {
		return nil, os.ErrNotExist
	}
	sp, err := h.samlProvider(ctx, id)
	if err != nil {
		return nil, os.ErrNotExist
	}
	return sp.Metadata()
}

// RefreshMetadata fetches the IdP metadata of every enabled SAML
// connection that has a metadata URL and stores copies that parse and
// differ; a copy that fails to fetch or parse leaves the last good one in
// place. Returns how many it updated; errors are logged per connection.
func (h *Handler) RefreshMetadata(ctx context.Context) (int, error) {
	teams, err := h.svc.Store().ListTeams(ctx)
	if err != nil {
		return 0, err
	}
	updated := 0
	for _, t := range teams {
		conns, err := h.svc.SSOConnections(ctx, t.ID)
		if err != nil {
			return updated, err
		}
		for _, c := range conns {
			if c.Protocol != accounts.ProtocolSAML || !c.Enabled || c.SAML.MetadataURL == "" {
				continue
			}
			b, err := saml.FetchMetadata(ctx, h.client, c.SAML.MetadataURL)
			if err != nil {
				h.log.WarnContext(ctx, "IdP metadata refresh failed; keeping the last good copy", "connection", c.ID, "err", err)
				continue
			}
			if bytes.Equal(b, []byte(c.SAML.IdPMetadata)) {
				continue
			}
			if err := h.svc.UpdateSAMLMetadata(ctx, c.ID, string(b)); err != nil {
				return updated, err
			}
			updated++
			h.log.InfoContext(ctx, "IdP metadata updated", "connection", c.ID)
		}
	}
	return updated, nil
}
