package saml

import (
	"strings"

	crewjam "github.com/crewjam/saml"

	"github.com/idbridge/idbridge/accounts"
)

// Default attribute names, tried in order, matched against an attribute's
// Name or FriendlyName: Okta and OneLogin (short names, OneLogin's
// User.*), Entra ID (the ws/2005 claim URIs), Google Workspace (whatever
// the admin typed; these are its suggestions) and the LDAP/eduPerson OIDs
// many IdPs send.
var (
	defaultEmail = []string{
		"email", "Email", "mail", "emailAddress", "User.email",
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
		"urn:oid:0.9.2342.19200300.100.1.3",
	}
	defaultGivenName = []string{
		"firstName", "givenName", "given_name", "FirstName", "User.FirstName",
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
		"urn:oid:2.5.4.42",
	}
	defaultFamilyName = []string{
		"lastName", "surname", "sn", "family_name", "LastName", "User.LastName",
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
		"urn:oid:2.5.4.4",
	}
	defaultName = []string{
		"displayName", "name", "cn",
		"http://schemas.microsoft.com/identity/claims/displayname",
		"http://schemas.xmlsoap.org/ws/2005/05/identity/claims/name",
		"urn:oid:2.16.840.1.113730.3.1.241", "urn:oid:2.5.4.3",
	}
	defaultGroups = []string{
		"groups", "Groups", "memberOf", "Role", "role",
		"http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
		"http://schemas.xmlsoap.org/claims/Group",
		"urn:oid:1.3.6.1.4.1.5923.1.5.1.1", "eduPersonAffiliation", "urn:oid:1.3.6.1.4.1.5923.1.1.1.1",
	}
)

// mapClaims reads the person's details from a validated assertion. A
// configured attribute name replaces the defaults for its field. Without
// an email attribute, a NameID in emailAddress format is the address.
func mapClaims(a *crewjam.Assertion, nameID string, m accounts.AttributeMapping) accounts.SSOClaims {
	attrs := map[string][]string{}
	for _, st := range a.AttributeStatements {
		for _, at := range st.Attributes {
			var vals []string
			for _, v := range at.Values {
				if s := strings.TrimSpace(v.Value); s != "" {
					vals = append(vals, s)
				}
			}
			for _, key := range []string{at.Name, at.FriendlyName} {
				if key != "" {
					if _, seen := attrs[key]; !seen {
						attrs[key] = vals
					}
				}
			}
		}
	}
	pick := func(configured string, defaults []string) []string {
		names := defaults
		if configured != "" {
			names = []string{configured}
		}
		for _, n := range names {
			if v := attrs[n]; len(v) > 0 {
				return v
			}
		}
		return nil
	}
	first := func(v []string) string {
		if len(v) == 0 {
			return ""
		}
		return v[0]
	}
	c := accounts.SSOClaims{
		Subject:    nameID,
		Email:      first(pick(m.Email, defaultEmail)),
		GivenName:  first(pick(m.GivenName, defaultGivenName)),
		FamilyName: first(pick(m.FamilyName, defaultFamilyName)),
		Name:       first(pick(m.Name, defaultName)),
		Groups:     pick(m.Groups, defaultGroups),
	}
	if c.Email == "" && a.Subject != nil && a.Subject.NameID != nil &&
		a.Subject.NameID.Format == string(crewjam.EmailAddressNameIDFormat) {
		c.Email = nameID
	}
	return c
}
