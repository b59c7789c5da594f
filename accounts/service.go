package accounts

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"net/netip"
	"runtime"
	"strings"
	"time"

	"github.com/google/uuid"
)

// Service runs the domain operations. Each exported method that writes is
// one transaction across every table it touches, audit event included.
type Service struct {
	store     Store
	now       func() time.Time
	random    io.Reader
	argon2    Argon2Params
	passwords PasswordPolicy
	sessions  SessionConfig
	limits    RateLimits
	// dummyHash is verified against when a login names no account, so a
	// miss costs as much time as a wrong password.
	dummyHash string
	// hashSlots bounds concurrent argon2 computations: each takes
	// Argon2Params.MemoryKiB of memory, so a burst of sign-ins must queue
	// rather than exhaust the machine.
	hashSlots chan struct{}
	sealer    Sealer
	issuer    string
	baseURL   string
	// reauthWindow is how long after sign-in or a password check a session
	// may do sensitive things.
	reauthWindow time.Duration
	outbox       OutboxConfig
	// emailFloor is the least time a request that may send mail (reset,
	// username recovery, verification resend) takes to answer, so the
	// writes a known address causes do not show in the timing.
	emailFloor time.Duration
}

// ServiceParams configures a Service. Zero fields take the defaults.
type ServiceParams struct {
	Store          Store
	Now            func() time.Time // default time.Now
	Random         io.Reader        // default crypto/rand.Reader
	Argon2         Argon2Params     // default DefaultArgon2()
	PasswordPolicy PasswordPolicy   // default DefaultPasswordPolicy()
	Sessions       SessionConfig    // default DefaultSessionConfig()
	RateLimits     RateLimits       // default DefaultRateLimits()
	// MaxConcurrentHashes bounds argon2 work in flight (default 2 per CPU).
	MaxConcurrentHashes int
	// Sealer encrypts TOTP secrets and webhook URLs at rest; required for
	// two-factor authentication and Slack.
	Sealer Sealer
	// Issuer names the service in authenticator apps (default "idbridge").
	Issuer string
	// BaseURL is the public URL links in emails start with (never taken
	// from a request's Host header).
	BaseURL string
	// ReauthWindow is how recent a sign-in or password check must be for
	// sensitive actions (default DefaultReauthWindow).
	ReauthWindow time.Duration
	// Outbox tunes delivery retries (default DefaultOutboxConfig()).
	Outbox OutboxConfig
	// EmailRequestFloor is the least time a request that may send mail
	// takes to answer (default DefaultEmailRequestFloor).
	EmailRequestFloor time.Duration
}

// DefaultEmailRequestFloor hides the cost of the token and outbox writes
// a known address causes, with room for a loaded database.
const DefaultEmailRequestFloor = 250 * time.Millisecond

// NewService builds a Service from p.
func NewService(p ServiceParams) (*Service, error) {
	if p.Store == nil {
		return nil, fmt.Errorf("accounts: ServiceParams.Store is required")
	}
	s := &Service{
		store: p.Store, now: p.Now, random: p.Random, argon2: p.Argon2,
		passwords: p.PasswordPolicy, sessions: p.Sessions, limits: p.RateLimits,
		sealer: p.Sealer, issuer: p.Issuer, baseURL: strings.TrimRight(p.BaseURL, "/"),
		reauthWindow: p.ReauthWindow, outbox: p.Outbox, emailFloor: p.EmailRequestFloor,
	}
	if s.emailFloor <= 0 {
		s.emailFloor = DefaultEmailRequestFloor
	}
	if s.issuer == "" {
		s.issuer = "idbridge"
	}
	if s.reauthWindow <= 0 {
		s.reauthWindow = DefaultReauthWindow
	}
	if s.outbox == (OutboxConfig{}) {
		s.outbox = DefaultOutboxConfig()
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.random == nil {
		s.random = rand.Reader
	}
	if s.argon2 == (Argon2Params{}) {
		s.argon2 = DefaultArgon2()
	}
	if s.passwords.MinLength == 0 {
		s.passwords = DefaultPasswordPolicy()
	}
	if s.sessions == (SessionConfig{}) {
		s.sessions = DefaultSessionConfig()
	}
	if s.limits == (RateLimits{}) {
		s.limits = DefaultRateLimits()
	}
	if p.MaxConcurrentHashes <= 0 {
		p.MaxConcurrentHashes = 2 * runtime.GOMAXPROCS(0)
	}
	s.hashSlots = make(chan struct{}, p.MaxConcurrentHashes)
	dummy, err := HashPassword("idbridge timing equaliser", s.argon2)
	if err != nil {
		return nil, err
	}
	s.dummyHash = dummy
	return s, nil
}

// Store returns the store the service writes to, for read-only callers.
func (s *Service) Store() Store { return s.store }

// Now returns the service clock's current time in UTC.
func (s *Service) Now() time.Time { return s.now().UTC() }

// Actor says who asks for an operation, for the audit log.
type Actor struct {
	Kind ActorKind
	ID   string
	IP   string
}

// OperatorActor is the actor of CLI commands run on the server.
func OperatorActor() Actor { return Actor{Kind: ActorOperator, ID: "cli"} }

func newID() (string, error) {
	id, err := uuid.NewV7()
	if err != nil {
		return "", fmt.Errorf("new id: %w", err)
	}
	return id.String(), nil
}

// audit appends an event inside tx, stamped with the service clock.
func (s *Service) audit(ctx context.Context, tx Tx, actor Actor, teamID, action, target string, details map[string]string) error {
	e, err := s.auditEvent(actor, teamID, action, target, details)
	if err != nil {
		return err
	}
	return tx.AppendAudit(ctx, e)
}

// auditEvent is the event audit appends.
func (s *Service) auditEvent(actor Actor, teamID, action, target string, details map[string]string) (AuditEvent, error) {
	id, err := newID()
	if err != nil {
		return AuditEvent{}, err
	}
	return AuditEvent{
		ID: id, TeamID: teamID, ActorKind: actor.Kind, ActorID: actor.ID, Action: action,
		TargetID: target, IP: actor.IP, Details: details, CreatedAt: s.Now(),
	}, nil
}

// PurgeRetention is how long revoked or expired sessions, used tokens and
// old rate-limit windows stay before PurgeExpired deletes them.
const PurgeRetention = 7 * 24 * time.Hour

// PurgeExpired deletes what can never be used again and is past retention.
func (s *Service) PurgeExpired(ctx context.Context) (int, error) {
	return s.store.PurgeExpired(ctx, s.Now().Add(-PurgeRetention))
}

// hashQueueWait is how long a password check waits for a hashing slot
// before the request is turned away as busy.
const hashQueueWait = 5 * time.Second

// errHashBusy answers when every hashing slot stayed taken.
var errHashBusy = &Error{Code: CodeRateLimited, RetryAfter: time.Second, Message: "the server is busy; try again in a second"}

// withHashSlot runs fn while holding one of the argon2 slots.
func (s *Service) withHashSlot(ctx context.Context, fn func()) error {
	timer := time.NewTimer(hashQueueWait)
	defer timer.Stop()
	select {
	case s.hashSlots <- struct{}{}:
	case <-timer.C:
		return errHashBusy
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-s.hashSlots }()
	fn()
	return nil
}

func (s *Service) hashPassword(ctx context.Context, password string) (hash string, err error) {
	if slotErr := s.withHashSlot(ctx, func() { hash, err = HashPassword(password, s.argon2) }); slotErr != nil {
		return "", slotErr
	}
	return hash, err
}

func (s *Service) verify(ctx context.Context, hash, password string) (ok, rehash bool, err error) {
	if slotErr := s.withHashSlot(ctx, func() { ok, rehash, err = VerifyPassword(hash, password, s.argon2) }); slotErr != nil {
		return false, false, slotErr
	}
	return ok, rehash, err
}

// clientKey is the rate-limit identity of a client address: the address
// itself for IPv4, its /64 for IPv6 (one subscriber usually holds a whole
// /64, so per-address limits would be no limit at all).
func clientKey(ip string) string {
	addr, err := netip.ParseAddr(ip)
	if err != nil {
		return hexDigest(ip)
	}
	addr = addr.Unmap()
	if addr.Is6() {
		p, _ := addr.Prefix(64)
		return p.String()
	}
	return addr.String()
}

// hexDigest keeps caller-chosen strings out of rate-limit keys at a fixed,
// small size.
func hexDigest(s string) string {
	h := HashToken(s)
	return hex.EncodeToString(h[:16])
}
