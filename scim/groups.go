package scim

import (
	"encoding/json"
	"errors"
	"log/slog"
	"maps"
	"net/http"
	"strings"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/schema"
	"github.com/idbridge/idbridge/accounts"
	"github.com/scim2/filter-parser/v2"
)

// groups is the library's handler for /Groups.
type groups struct {
	svc      *accounts.Service
	log      *slog.Logger
	rv       resolver
	usersURL string // base of members' $ref, ending in "/Users/"
}

func (h *groups) Create(r *http.Request, attrs scim.ResourceAttributes) (scim.Resource, error) {
	c := callerFrom(r.Context())
	f, err := groupFields(attrs)
	if err != nil {
		return scim.Resource{}, toSCIM(r, h.log, err)
	}
	members := memberIDs(attrs["members"])
	g, err := h.svc.CreateSCIMGroup(r.Context(), c.actor, c.teamID, f, members)
	if accounts.ErrorCode(err) == accounts.CodeNotFound {
		return scim.Resource{}, unknownMember(err)
	}
	if err != nil {
		return scim.Resource{}, toSCIM(r, h.log, err)
	}
	return h.written(r, g)
}

// written renders the group a write produced, its members read back with
// their display names.
func (h *groups) written(r *http.Request, g accounts.SCIMGroup) (scim.Resource, error) {
	refs, err := h.members(r, g)
	if err != nil {
		return scim.Resource{}, err
	}
	return h.resource(r, g, refs)
}

func (h *groups) Get(r *http.Request, id string) (scim.Resource, error) {
	teamID := callerFrom(r.Context()).teamID
	g, err := h.svc.SCIMGroup(r.Context(), teamID, id)
	if err != nil {
		return scim.Resource{}, toSCIM(r, h.log, err)
	}
	members, err := h.members(r, g)
	if err != nil {
		return scim.Resource{}, err
	}
	return h.resource(r, g, members)
}

func (h *groups) GetAll(r *http.Request, p scim.ListRequestParams) (scim.Page, error) {
	q, err := h.rv.listQuery(r, p)
	if err != nil {
		return scim.Page{}, toSCIM(r, h.log, err)
	}
	total, res, err := h.page(r, q)
	return scim.Page{TotalResults: total, Resources: res}, err
}

// page runs a list query and renders its groups.
func (h *groups) page(r *http.Request, q accounts.SCIMQuery) (int, []scim.Resource, error) {
	page, err := h.svc.ListSCIMGroups(r.Context(), q)
	if err != nil {
		return 0, nil, toSCIM(r, h.log, err)
	}
	out := make([]scim.Resource, 0, len(page.Resources))
	for _, g := range page.Resources {
		members, err := h.members(r, g)
		if err != nil {
			return 0, nil, err
		}
		res, err := h.resource(r, g, members)
		if err != nil {
			return 0, nil, err
		}
		out = append(out, res)
	}
	return page.Total, out, nil
}

func (h *groups) Replace(r *http.Request, id string, attrs scim.ResourceAttributes) (scim.Resource, error) {
	c := callerFrom(r.Context())
	f, err := groupFields(attrs)
	if err != nil {
		return scim.Resource{}, toSCIM(r, h.log, err)
	}
	members := memberIDs(attrs["members"])
	g, err := h.svc.UpdateSCIMGroup(r.Context(), c.actor, c.teamID, id, func(cur accounts.SCIMGroup) (accounts.SCIMGroupFields, error) {
		if err := checkIfMatch(r, cur.Version); err != nil {
			return accounts.SCIMGroupFields{}, err
		}
		return f, nil
	}, accounts.MemberChange{Replace: true, Set: members})
	if err != nil {
		return scim.Resource{}, h.writeError(r, id, err)
	}
	return h.written(r, g)
}

// Patch changes members as one MemberChange and every other attribute in
// the stored document; it answers 204 so large groups are not read back.
func (h *groups) Patch(r *http.Request, id string, ops []scim.PatchOperation) (scim.Resource, error) {
	c := callerFrom(r.Context())
	var change accounts.MemberChange
	var rest []scim.PatchOperation
	for _, op := range ops {
		other, err := memberOps(op, &change)
		if err != nil {
			return scim.Resource{}, toSCIM(r, h.log, err)
		}
		if other != nil {
			rest = append(rest, *other)
		}
	}
	_, err := h.svc.UpdateSCIMGroup(r.Context(), c.actor, c.teamID, id, func(cur accounts.SCIMGroup) (accounts.SCIMGroupFields, error) {
		if err := checkIfMatch(r, cur.Version); err != nil {
			return accounts.SCIMGroupFields{}, err
		}
		doc, err := decodeDocument(cur.Document)
		if err != nil {
			return accounts.SCIMGroupFields{}, err
		}
		doc["displayName"] = cur.DisplayName
		if err := h.rv.applyPatch(doc, rest); err != nil {
			return accounts.SCIMGroupFields{}, err
		}
		return groupFields(doc)
	}, change)
	if err != nil {
		return scim.Resource{}, h.writeError(r, id, err)
	}
	return scim.Resource{}, nil
}

func (h *groups) Delete(r *http.Request, id string) error {
	c := callerFrom(r.Context())
	var check func(accounts.SCIMGroup) error
	if r.Header.Get("If-Match") != "" {
		check = func(cur accounts.SCIMGroup) error { return checkIfMatch(r, cur.Version) }
	}
	if err := h.svc.DeleteSCIMGroup(r.Context(), c.actor, c.teamID, id, check); err != nil {
		return toSCIM(r, h.log, err)
	}
	return nil
}

// writeError maps an error of a group write. ErrNotFound means either the
// group or a member is unknown; only the former is a 404.
func (h *groups) writeError(r *http.Request, id string, err error) error {
	if accounts.ErrorCode(err) == accounts.CodeNotFound {
		if _, gerr := h.svc.SCIMGroup(r.Context(), callerFrom(r.Context()).teamID, id); gerr == nil {
			return unknownMember(err)
		}
	}
	return toSCIM(r, h.log, err)
}

// unknownMember answers a member that is not one of the team's users.
func unknownMember(err error) error {
	detail := "a member is not a user provisioned by this team"
	var e *accounts.Error
	if errors.As(err, &e) {
		detail = e.Message
	}
	return scimerrors.ScimError{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeInvalidValue, Detail: detail}
}

// memberOps folds an operation on members into change, and returns the
// operation (or its non-member part) when something else remains to apply.
func memberOps(op scim.PatchOperation, change *accounts.MemberChange) (*scim.PatchOperation, error) {
	kind := strings.ToLower(op.Op)
	if op.Path == nil {
		attrs, ok := op.Value.(map[string]any)
		if !ok {
			return &op, nil
		}
		other := map[string]any{}
		for k, v := range attrs {
			if strings.EqualFold(k, "members") {
				addMembers(kind, memberIDs(v), change)
				continue
			}
			other[k] = v
		}
		if len(other) == 0 {
			return nil, nil
		}
		op.Value = other
		return &op, nil
	}
	if uri := op.Path.AttributePath.URI(); !strings.EqualFold(op.Path.AttributePath.AttributeName, "members") ||
		(uri != "" && !strings.EqualFold(uri, schema.GroupSchema)) {
		return &op, nil
	}
	if op.Path.ValueExpression == nil {
		if kind == scim.PatchOperationRemove && op.Value == nil {
			change.Replace, change.Set = true, []string{} // remove all members
			return nil, nil
		}
		addMembers(kind, memberIDs(op.Value), change)
		return nil, nil
	}
	if kind != scim.PatchOperationRemove || op.Path.SubAttributeName() != "" {
		return nil, scimerrors.ScimError{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeInvalidPath,
			Detail: "members with a value filter can only be removed"}
	}
	ids, ok := valueEqualities(op.Path.ValueExpression)
	if !ok {
		return nil, scimerrors.ScimError{Status: http.StatusBadRequest, ScimType: scimerrors.ScimTypeInvalidFilter,
			Detail: `remove members by members[value eq "id"] (terms joined by "or")`}
	}
	change.Remove = append(change.Remove, ids...)
	return nil, nil
}

func addMembers(kind string, ids []string, change *accounts.MemberChange) {
	switch kind {
	case scim.PatchOperationAdd:
		change.Add = append(change.Add, ids...)
	case scim.PatchOperationRemove:
		change.Remove = append(change.Remove, ids...)
	case scim.PatchOperationReplace:
		change.Replace, change.Set, change.Add = true, append([]string{}, ids...), nil
	}
}

// valueEqualities returns the ids of value eq "id" terms joined by or.
func valueEqualities(e filter.Expression) ([]string, bool) {
	switch e := e.(type) {
	case *filter.LogicalExpression:
		if !strings.EqualFold(string(e.Operator), string(filter.OR)) {
			return nil, false
		}
		l, ok := valueEqualities(e.Left)
		if !ok {
			return nil, false
		}
		r, ok := valueEqualities(e.Right)
		return append(l, r...), ok
	case *filter.AttributeExpression:
		v, ok := e.CompareValue.(string)
		if !ok || !strings.EqualFold(e.AttributePath.AttributeName, "value") || !strings.EqualFold(string(e.Operator), string(filter.EQ)) {
			return nil, false
		}
		return []string{v}, true
	}
	return nil, false
}

// memberIDs reads members' values from [{"value": id, …}].
func memberIDs(v any) []string {
	ids := []string{}
	for _, e := range asList(v) {
		if m, ok := e.(map[string]any); ok {
			if id := str(m["value"]); id != "" {
				ids = append(ids, id)
			}
		}
	}
	return ids
}

// groupFields derives what a Group resource decides, members aside.
func groupFields(attrs map[string]any) (accounts.SCIMGroupFields, error) {
	doc := maps.Clone(attrs)
	delete(doc, "id")
	delete(doc, "meta")
	delete(doc, "members")
	pruneUnassigned(doc)
	doc["schemas"] = []string{schema.GroupSchema}
	f := accounts.SCIMGroupFields{DisplayName: str(doc["displayName"]), ExternalID: str(doc["externalId"])}
	if strings.TrimSpace(f.DisplayName) == "" {
		return f, badValue("displayName is required (RFC 7643 §4.2) and cannot be removed")
	}
	var err error
	f.Document, err = json.Marshal(doc)
	return f, err
}

// members loads a group's members unless the request leaves them out.
func (h *groups) members(r *http.Request, g accounts.SCIMGroup) ([]accounts.SCIMMember, error) {
	if omitted(r, []string{schema.GroupSchema}, "members") {
		return nil, nil
	}
	refs, err := h.svc.SCIMGroupMemberRefs(r.Context(), g.TeamID, g.ID)
	if err != nil {
		return nil, toSCIM(r, h.log, err)
	}
	if refs == nil {
		refs = []accounts.SCIMMember{}
	}
	return refs, nil
}

// resource renders a group; members nil leaves them out.
func (h *groups) resource(r *http.Request, g accounts.SCIMGroup, members []accounts.SCIMMember) (scim.Resource, error) {
	doc, err := decodeDocument(g.Document)
	if err != nil {
		return scim.Resource{}, toSCIM(r, h.log, err)
	}
	delete(doc, "meta")
	doc["displayName"] = g.DisplayName
	if g.ExternalID != "" {
		doc["externalId"] = g.ExternalID
	}
	if members != nil {
		list := make([]any, 0, len(members))
		for _, m := range members {
			e := map[string]any{"value": m.UserID, "$ref": h.usersURL + m.UserID, "type": "User"}
			if m.Display != "" {
				e["display"] = m.Display
			}
			list = append(list, e)
		}
		doc["members"] = list
	}
	return scim.Resource{ID: g.ID, Attributes: doc, Meta: meta(g.CreatedAt, g.UpdatedAt, g.Version)}, nil
}
