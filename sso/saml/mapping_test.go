package saml

import (
	"testing"

	crewjam "github.com/crewjam/saml"

	"github.com/idbridge/idbridge/accounts"
)

func TestDefaultAttributeNamesOfCommonIdPs(t *testing.T) {
	attr := func(name, value string) crewjam.Attribute {
		return crewjam.Attribute{Name: name, Values: []crewjam.AttributeValue{{Value: value}}}
	}
	tests := []struct {
		name  string
		attrs []crewjam.Attribute
	}{
		{"Okta", []crewjam.Attribute{attr("email", "alice@acme.test"), attr("firstName", "Alice"), attr("lastName", "Liddell"), attr("groups", "Admins")}},
		{"Entra ID", []crewjam.Attribute{
			attr("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "alice@acme.test"),
			attr("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "Alice"),
			attr("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "Liddell"),
			attr("http://schemas.microsoft.com/ws/2008/06/identity/claims/groups", "Admins")}},
		{"OneLogin", []crewjam.Attribute{attr("User.email", "alice@acme.test"), attr("User.FirstName", "Alice"), attr("User.LastName", "Liddell"), attr("memberOf", "Admins")}},
		{"Google Workspace", []crewjam.Attribute{attr("email", "alice@acme.test"), attr("given_name", "Alice"), attr("family_name", "Liddell"), attr("Groups", "Admins")}},
		{"LDAP OIDs", []crewjam.Attribute{attr("urn:oid:0.9.2342.19200300.100.1.3", "alice@acme.test"), attr("urn:oid:2.5.4.42", "Alice"), attr("urn:oid:2.5.4.4", "Liddell"), attr("urn:oid:1.3.6.1.4.1.5923.1.5.1.1", "Admins")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := &crewjam.Assertion{AttributeStatements: []crewjam.AttributeStatement{{Attributes: tt.attrs}}}
			c := mapClaims(a, "sub", accounts.AttributeMapping{})
			if c.Email != "alice@acme.test" || c.GivenName != "Alice" || c.FamilyName != "Liddell" || len(c.Groups) != 1 || c.Groups[0] != "Admins" {
				t.Errorf("claims %+v", c)
			}
		})
	}
}

func TestAConfiguredAttributeReplacesTheDefaults(t *testing.T) {
	a := &crewjam.Assertion{AttributeStatements: []crewjam.AttributeStatement{{Attributes: []crewjam.Attribute{
		{Name: "email", Values: []crewjam.AttributeValue{{Value: "personal@gmail.test"}}},
		{Name: "workEmail", Values: []crewjam.AttributeValue{{Value: "alice@acme.test"}}},
	}}}}
	if c := mapClaims(a, "sub", accounts.AttributeMapping{Email: "workEmail"}); c.Email != "alice@acme.test" {
		t.Errorf("email %q, want the mapped attribute's", c.Email)
	}
}

func TestAnEmailAddressNameIDIsTheEmailWhenNoAttributeSaysOtherwise(t *testing.T) {
	a := &crewjam.Assertion{Subject: &crewjam.Subject{NameID: &crewjam.NameID{Format: string(crewjam.EmailAddressNameIDFormat), Value: "alice@acme.test"}}}
	if c := mapClaims(a, "alice@acme.test", accounts.AttributeMapping{}); c.Email != "alice@acme.test" {
		t.Errorf("email %q", c.Email)
	}
}
