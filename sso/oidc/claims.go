package oidc

import (
	"encoding/json"
	"strings"

	"github.com/idbridge/idbridge/accounts"
)

// claimSet holds the claims we read, with a map for mapped names.
type claimSet struct {
	AZP           string   `json:"azp"`
	Email         string   `json:"email"`
	EmailVerified flexBool `json:"email_verified"`
	GivenName     string   `json:"given_name"`
	FamilyName    string   `json:"family_name"`
	Name          string   `json:"name"`
	Groups        flexList `json:"groups"`
	all           map[string]json.RawMessage
}

func (c *claimSet) UnmarshalJSON(b []byte) error {
	type plain claimSet
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	*c = claimSet(p)
	return json.Unmarshal(b, &c.all)
}

func (c *claimSet) merge(o claimSet) {
	if c.Email == "" {
		c.Email, c.EmailVerified = o.Email, o.EmailVerified
	}
	if c.GivenName == "" {
		c.GivenName = o.GivenName
	}
	if c.FamilyName == "" {
		c.FamilyName = o.FamilyName
	}
	if c.Name == "" {
		c.Name = o.Name
	}
	if len(c.Groups) == 0 {
		c.Groups = o.Groups
	}
	for k, v := range o.all {
		if _, ok := c.all[k]; !ok {
			if c.all == nil {
				c.all = map[string]json.RawMessage{}
			}
			c.all[k] = v
		}
	}
}

// mapped reads a configured claim name as a string or list.
func (c *claimSet) mapped(name string) []string {
	var l flexList
	if raw, ok := c.all[name]; ok && json.Unmarshal(raw, &l) == nil {
		return l
	}
	return nil
}

func (c *claimSet) toClaims(sub string, m accounts.AttributeMapping) accounts.SSOClaims {
	pick := func(configured, def string) string {
		if configured != "" {
			if v := c.mapped(configured); len(v) > 0 {
				return v[0]
			}
			return ""
		}
		return def
	}
	out := accounts.SSOClaims{
		Subject: sub, Email: pick(m.Email, c.Email), GivenName: pick(m.GivenName, c.GivenName),
		FamilyName: pick(m.FamilyName, c.FamilyName), Name: pick(m.Name, c.Name), Groups: c.Groups,
	}
	if m.Groups != "" {
		out.Groups = c.mapped(m.Groups)
	}
	// Absent email_verified stays nil: the policy decides what an
	// unstated verification is worth (a team's own IdP on a verified
	// domain, yes; a public provider, no).
	if c.EmailVerified.set {
		v := c.EmailVerified.v
		out.EmailVerified = &v
	}
	return out
}

// flexBool reads true, false, "true" and "false" (some providers send
// strings).
type flexBool struct{ set, v bool }

func (b *flexBool) UnmarshalJSON(d []byte) error {
	switch strings.Trim(string(d), `"`) {
	case "true":
		*b = flexBool{true, true}
	case "false":
		*b = flexBool{true, false}
	}
	return nil
}

// flexList reads a string or a list of strings.
type flexList []string

func (l *flexList) UnmarshalJSON(d []byte) error {
	var one string
	if json.Unmarshal(d, &one) == nil {
		*l = []string{one}
		return nil
	}
	var many []string
	if err := json.Unmarshal(d, &many); err != nil {
		return nil // ignore a claim of another shape
	}
	*l = many
	return nil
}
