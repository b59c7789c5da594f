package policy

import (
	"testing"

	"github.com/idbridge/idbridge/accounts"
)

func TestSelfServiceEdit(t *testing.T) {
	own := accounts.User{Status: accounts.StatusActive}
	managed := accounts.User{Status: accounts.StatusActive, ManagedByTeamID: "team-1"}
	enterpriseSSO := accounts.Team{Plan: accounts.PlanEnterprise, Settings: accounts.TeamSettings{SSORequired: true}}
	enterpriseOpen := accounts.Team{Plan: accounts.PlanEnterprise}
	proSSO := accounts.Team{Plan: accounts.PlanProfessional, Settings: accounts.TeamSettings{SSORequired: true}}
	tests := []struct {
		name  string
		facts EditFacts
		want  Reason
	}{
		{"a person without a team may change their email", EditFacts{User: own, Field: FieldEmail}, ""},
		{"a person without a team may change their password", EditFacts{User: own, Field: FieldPassword}, ""},
		{"a SCIM-managed person may not change their email", EditFacts{User: managed, Field: FieldEmail}, ManagedByIdP},
		{"a SCIM-managed person may not change their name", EditFacts{User: managed, Field: FieldName}, ManagedByIdP},
		{"a SCIM-managed person may not change their password", EditFacts{User: managed, Field: FieldPassword}, ManagedByIdP},
		{"a SCIM-managed person of an SSO team is told the IdP manages the password", EditFacts{User: managed, Teams: []accounts.Team{enterpriseSSO}, Field: FieldPassword}, ManagedByIdP},
		{"a member of an Enterprise team requiring SSO may not change the password", EditFacts{User: own, Teams: []accounts.Team{enterpriseOpen, enterpriseSSO}, Field: FieldPassword}, EnterprisePassword},
		{"a member of an Enterprise team requiring SSO may change the email", EditFacts{User: own, Teams: []accounts.Team{enterpriseSSO}, Field: FieldEmail}, ""},
		{"a member of an Enterprise team without SSO enforcement may change the password", EditFacts{User: own, Teams: []accounts.Team{enterpriseOpen}, Field: FieldPassword}, ""},
		{"SSO enforcement outside the Enterprise plan does not take the password", EditFacts{User: own, Teams: []accounts.Team{proSSO}, Field: FieldPassword}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkDecision(t, SelfServiceEdit(tt.facts), tt.want)
		})
	}
}
