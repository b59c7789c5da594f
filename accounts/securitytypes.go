package accounts

import "time"

// Sealer encrypts secrets at rest (the key ring in production). associated
// binds a sealed value to its place, so a value copied to another row does
// not open.
type Sealer interface {
	Seal(plaintext []byte, associated string) (string, error)
	Open(sealed, associated string) ([]byte, error)
}

// TOTPCredential is a user's authenticator-app secret. Secret is sealed.
// EnabledAt is nil between setup and the first valid code. LastStep is the
// newest RFC 6238 time step a code was accepted for.
type TOTPCredential struct {
	UserID    string
	Secret    string
	EnabledAt *time.Time
	LastStep  int64
	CreatedAt time.Time
}

// NotificationCategory groups notifications a person may opt in or out of.
type NotificationCategory string

const (
	CategorySecurity NotificationCategory = "security"
	CategoryUsage    NotificationCategory = "usage"
	CategoryMonitors NotificationCategory = "monitors"
	CategoryComments NotificationCategory = "comments"
)

// NotificationChannel is how a notification reaches a person.
type NotificationChannel string

const (
	ChannelEmail NotificationChannel = "email"
	ChannelInApp NotificationChannel = "in_app"
	ChannelSlack NotificationChannel = "slack"
)

// NotificationCategories and NotificationChannels list every known value in
// display order.
var (
	NotificationCategories = []NotificationCategory{CategorySecurity, CategoryUsage, CategoryMonitors, CategoryComments}
	NotificationChannels   = []NotificationChannel{ChannelEmail, ChannelInApp, ChannelSlack}
)

// NotificationPref is one cell of the category × channel grid.
type NotificationPref struct {
	Category NotificationCategory
	Channel  NotificationChannel
	Enabled  bool
}

// Notification is an entry in a person's in-app inbox.
type Notification struct {
	ID        string
	UserID    string
	Category  NotificationCategory
	Title     string
	Body      string
	Link      string
	CreatedAt time.Time
	ReadAt    *time.Time
}

// OutboxMessage is a message to deliver outside the database. Recipient is
// an email address for ChannelEmail and a team ID for ChannelSlack.
type OutboxMessage struct {
	ID            string
	Channel       NotificationChannel
	Recipient     string
	Subject       string
	Body          string
	CreatedAt     time.Time
	NextAttemptAt time.Time
	Attempts      int
	ClaimID       string
	ClaimedUntil  *time.Time
	SentAt        *time.Time
	FailedAt      *time.Time
	LastError     string
}

// SlackWebhook is a team's Slack incoming-webhook URL (sealed).
type SlackWebhook struct {
	TeamID    string
	URL       string
	UpdatedBy string
	UpdatedAt time.Time
}
