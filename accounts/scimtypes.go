package accounts

import (
	"encoding/json"
	"time"
)

// SCIMUser is a team's SCIM view of one account it provisioned: the
// identity provider's identifiers and the full resource document as last
// written, so attributes we do not model round-trip unchanged.
//
// The account itself (username, email, name, status) is the User with ID
// UserID; the Service keeps both in step in one transaction.
type SCIMUser struct {
	TeamID     string
	UserID     string // also the SCIM "id"
	ExternalID string // "" when the IdP sent none
	// UserName is SCIM's userName: unique within the team in any letter
	// case (RFC 7643 caseExact=false).
	UserName string
	Active   bool
	// Document is the SCIM resource as JSON without "id", "meta" and
	// "password" (the edge adds the first two, the last is never kept).
	// Stores filter on it; they return it byte-for-byte or as an
	// equivalent JSON value.
	Document json.RawMessage
	// Version increases by one with every write; it is the ETag.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SCIMGroup is a team's group pushed by its identity provider.
type SCIMGroup struct {
	TeamID      string
	ID          string
	ExternalID  string
	DisplayName string // unique within the team in any letter case
	// Document is the group resource without "id", "meta" and "members"
	// (members live in their own table so that large groups change one row
	// at a time).
	Document  json.RawMessage
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// SCIMQuery selects a page of a team's SCIM resources.
type SCIMQuery struct {
	TeamID string
	Filter Filter // nil: every resource
	// SortBy is an attribute path as in Filter; nil sorts by creation
	// (stable: creation time, then id).
	SortBy         []string
	SortDescending bool
	StartIndex     int // 1-based; < 1 means 1
	Count          int // page size; 0 returns only the total
	// WithGroups (users only) asks for the page's users' memberships in
	// the team's groups with the page, in the same round trip where the
	// backend can.
	WithGroups bool
}

// SCIMPage is one page of a query and the total number of matches.
type SCIMPage[T any] struct {
	Total     int
	Resources []T
	// Groups, with SCIMQuery.WithGroups, are the memberships of the page's
	// users in the team's groups, ordered as ListSCIMUsersGroups orders
	// them.
	Groups []SCIMUserGroup
}

// SCIMMember is one member of a group as the group lists it.
type SCIMMember struct {
	UserID string
	// Display is the member's displayName, else its userName.
	Display string
}

// SCIMUserGroup says that a user is a member of a group.
type SCIMUserGroup struct {
	UserID      string
	GroupID     string
	DisplayName string
}

// SCIMUserUpdate is a SCIM user update computed outside a transaction, for
// Store.ApplySCIMUserUpdate.
type SCIMUserUpdate struct {
	Cur    SCIMUser // the SCIM user the update was computed from
	Fields SCIMUserFields
	At     time.Time
	Event  AuditEvent
	// Deactivation is written only if the update deactivates the account:
	// how the person is told. Nil when the caller did not plan for one.
	Deactivation *NoticeRows
}

// NoticeRows are the rows one notice becomes: an inbox entry and outbox
// messages, as the person's preferences allow.
type NoticeRows struct {
	Notifications []Notification
	Outbox        []OutboxMessage
}
