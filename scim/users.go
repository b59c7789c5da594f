package scim

import (
	"encoding/json"
	"log/slog"
	"maps"
	"net/http"
	"strings"

	"github.com/elimity-com/scim"
	"github.com/idbridge/idbridge/accounts"
)

// users is the library's handler for /Users.
type users struct {
	svc *accounts.Service
	log *slog.Logger
	rv  resolver
	// groupsURL is the base of groups' $ref, ending in "/Groups/".
	groupsURL string
}

func (h *users) Create(r *http.Request, attrs scim.ResourceAttributes) (scim.Resource, error) {
	c := callerFrom(r.Context())
	f, err := h.fields(attrs)
	if err != nil {
		return scim.Resource{}, toSCIM(r, h.log, err)
	}
	su, err := h.svc.CreateSCIMUser(r.Context(), c.actor, c.teamID, f)
	if err != nil {
		return scim.Resource{}, toSCIM(r, h.log, err)
	}
	return h.render(r, su, nil) // a new user is in no group
}

func (h *users) Get(r *http.Request, id string) (scim.Resource, error) {
	su, err := h.svc.SCIMUser(r.Context(), callerFrom(r.Context()).teamID, id)
	if err != nil {
		return scim.Resource{}, toSCIM(r, h.log, err)
	}
	return h.resource(r, su)
}

func (h *users) GetAll(r *http.Request, p scim.ListRequestParams) (scim.Page, error) {
	q, err := h.rv.listQuery(r, p)
	if err != nil {
		return scim.Page{}, toSCIM(r, h.log, err)
	}
	total, res, err := h.page(r, q)
	return scim.Page{TotalResults: total, Resources: res}, err
}

// page runs a list query and renders its users.
func (h *users) page(r *http.Request, q accounts.SCIMQuery) (int, []scim.Resource, error) {
	// The groups come with the page, in the same statement.
	q.WithGroups = !omitted(r, h.schemas(), "groups")
	page, err := h.svc.ListSCIMUsers(r.Context(), q)
	if err != nil {
		return 0, nil, toSCIM(r, h.log, err)
	}
	groups := make(map[string][]accounts.SCIMUserGroup, len(page.Resources))
	for _, g := range page.Groups {
		groups[g.UserID] = append(groups[g.UserID], g)
	}
	out := make([]scim.Resource, 0, len(page.Resources))
	for _, su := range page.Resources {
		res, err := h.render(r, su, groups[su.UserID])
		if err != nil {
			return 0, nil, err
		}
		out = append(out, res)
	}
	return page.Total, out, nil
}

func (h *users) Replace(r *http.Request, id string, attrs scim.ResourceAttributes) (scim.Resource, error) {
	c := callerFrom(r.Context())
	su, err := h.svc.UpdateSCIMUser(r.Context(), c.actor, c.teamID, id, func(cur accounts.SCIMUser) (accounts.SCIMUserFields, error) {
		if err := checkIfMatch(r, cur.Version); err != nil {
			return accounts.SCIMUserFields{}, err
		}
		return h.fields(attrs)
	})
	if err != nil {
		return scim.Resource{}, toSCIM(r, h.log, err)
	}
	return h.resource(r, su)
}

func (h *users) Patch(r *http.Request, id string, ops []scim.PatchOperation) (scim.Resource, error) {
	c := callerFrom(r.Context())
	su, err := h.svc.UpdateSCIMUser(r.Context(), c.actor, c.teamID, id, func(cur accounts.SCIMUser) (accounts.SCIMUserFields, error) {
		if err := checkIfMatch(r, cur.Version); err != nil {
			return accounts.SCIMUserFields{}, err
		}
		doc, err := decodeDocument(cur.Document)
		if err != nil {
			return accounts.SCIMUserFields{}, err
		}
		// Columns are the truth for what the document may lack.
		if _, ok := doc["userName"]; !ok {
			doc["userName"] = cur.UserName
		}
		if _, ok := doc["active"]; !ok {
			doc["active"] = cur.Active
		}
		if err := h.rv.applyPatch(doc, ops); err != nil {
			return accounts.SCIMUserFields{}, err
		}
		return h.fields(doc)
	})
	if err != nil {
		return scim.Resource{}, toSCIM(r, h.log, err)
	}
	return h.resource(r, su)
}

func (h *users) Delete(r *http.Request, id string) error {
	c := callerFrom(r.Context())
	var check func(accounts.SCIMUser) error
	if r.Header.Get("If-Match") != "" {
		check = func(cur accounts.SCIMUser) error { return checkIfMatch(r, cur.Version) }
	}
	if err := h.svc.DeleteSCIMUser(r.Context(), c.actor, c.teamID, id, check); err != nil {
		return toSCIM(r, h.log, err)
	}
	return nil
}

// fields derives what a User resource decides about the account
// (RFC 7643 §4.1); the password goes to the fields, never the document.
func (h *users) fields(attrs map[string]any) (accounts.SCIMUserFields, error) {
	doc := maps.Clone(attrs)
	f := accounts.SCIMUserFields{
		UserName:   str(doc["userName"]),
		ExternalID: str(doc["externalId"]),
		Password:   str(doc["password"]),
		Active:     true,
	}
	delete(doc, "password")
	delete(doc, "id")
	delete(doc, "meta")
	if f.UserName == "" {
		return accounts.SCIMUserFields{}, badValue("userName is required (RFC 7643 §4.1) and cannot be removed")
	}
	delete(doc, "groups") // read-only: the group resources decide it
	pruneUnassigned(doc)
	if err := checkMultiValued(doc); err != nil {
		return accounts.SCIMUserFields{}, err
	}
	if b, ok := doc["active"].(bool); ok {
		f.Active = b
	}
	f.Email = primaryEmail(doc["emails"])
	if f.Email == "" && strings.Contains(f.UserName, "@") {
		f.Email = f.UserName
	}
	name, _ := doc["name"].(map[string]any)
	f.Name = str(name["formatted"])
	if f.Name == "" {
		f.Name = strings.TrimSpace(str(name["givenName"]) + " " + str(name["familyName"]))
	}
	if f.Name == "" {
		f.Name = str(doc["displayName"])
	}
	schemas := []string{h.rv.core.ID}
	for _, e := range h.rv.exts {
		if _, ok := doc[e.ID]; ok {
			schemas = append(schemas, e.ID)
		}
	}
	doc["schemas"] = schemas
	var err error
	if f.Document, err = json.Marshal(doc); err != nil {
		return accounts.SCIMUserFields{}, err
	}
	return f, nil
}

// primaryEmail is the value of the primary email, else of the first.
func primaryEmail(v any) string {
	list, _ := v.([]any)
	first := ""
	for _, e := range list {
		m, ok := e.(map[string]any)
		if !ok {
			continue
		}
		value := str(m["value"])
		if m["primary"] == true && value != "" {
			return value
		}
		if first == "" {
			first = value
		}
	}
	return first
}

// resource renders a SCIM user with the groups it is in, unless the
// request leaves them out.
func (h *users) resource(r *http.Request, su accounts.SCIMUser) (scim.Resource, error) {
	groups, err := h.groupsOf(r, su.TeamID, []string{su.UserID})
	if err != nil {
		return scim.Resource{}, err
	}
	return h.render(r, su, groups[su.UserID])
}

// groupsOf reads the groups of users in one statement, by user, unless
// the request leaves groups out.
func (h *users) groupsOf(r *http.Request, teamID string, userIDs []string) (map[string][]accounts.SCIMUserGroup, error) {
	if omitted(r, h.schemas(), "groups") {
		return nil, nil
	}
	list, err := h.svc.SCIMUsersGroups(r.Context(), teamID, userIDs)
	if err != nil {
		return nil, toSCIM(r, h.log, err)
	}
	by := make(map[string][]accounts.SCIMUserGroup, len(userIDs))
	for _, g := range list {
		by[g.UserID] = append(by[g.UserID], g)
	}
	return by, nil
}

// schemas are the User resource type's schema URNs.
func (h *users) schemas() []string { return h.rv.urns() }

// render renders a SCIM user; the library adds schemas and meta's
// resourceType and location. groups is the read-only groups attribute
// (RFC 7643 §4.1.2), left out when empty.
func (h *users) render(r *http.Request, su accounts.SCIMUser, groups []accounts.SCIMUserGroup) (scim.Resource, error) {
	doc, err := decodeDocument(su.Document)
	if err != nil {
		return scim.Resource{}, toSCIM(r, h.log, err)
	}
	delete(doc, "password")
	delete(doc, "meta")
	doc["userName"] = su.UserName
	doc["active"] = su.Active
	if su.ExternalID != "" {
		doc["externalId"] = su.ExternalID
	}
	delete(doc, "groups")
	if len(groups) > 0 {
		list := make([]any, 0, len(groups))
		for _, g := range groups {
			list = append(list, map[string]any{"value": g.GroupID, "display": g.DisplayName, "$ref": h.groupsURL + g.GroupID, "type": "direct"})
		}
		doc["groups"] = list
	}
	return scim.Resource{ID: su.UserID, Attributes: doc, Meta: meta(su.CreatedAt, su.UpdatedAt, su.Version)}, nil
}
