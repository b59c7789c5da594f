package accounts

import (
	"context"
	"strings"
)

// SignUpInput is a self-service sign-up with a password.
type SignUpInput struct {
	Username string
	Email    string
	Password string
	Name     string
	IP       string
}

// SignUp creates an account that belongs to no team. The email address is
// unverified until the person follows the link emailed to it (in the same
// transaction, through the outbox). Returns a
// CodeInvalid or CodeWeakPassword error naming the field, ErrUsernameTaken,
// ErrEmailTaken, or CodeRateLimited.
func (s *Service) SignUp(ctx context.Context, in SignUpInput) (User, error) {
	u, err := s.newUser(in.Username, in.Email, in.Name)
	if err != nil {
		return User{}, err
	}
	if err := s.passwords.Check(in.Password, true, u.Username, u.Email); err != nil {
		return User{}, err
	}
	if err := s.hit(ctx, "signup:ip:"+clientKey(in.IP), s.limits.SignUpPerIP); err != nil {
		return User{}, err
	}
	// Hash outside the transaction: it is the slow part and needs no lock.
	hash, err := s.hashPassword(ctx, in.Password)
	if err != nil {
		return User{}, err
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		if err := tx.SetPasswordHash(ctx, u.ID, hash, u.CreatedAt); err != nil {
			return err
		}
		if err := s.sendVerification(ctx, tx, u); err != nil {
			return err
		}
		return s.audit(ctx, tx, Actor{Kind: ActorUser, ID: u.ID, IP: in.IP}, "", "user.signup", u.ID, nil)
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// newUser validates the person-facing fields of a new active user.
func (s *Service) newUser(username, email, name string) (User, error) {
	username, err := NormalizeUsername(username)
	if err != nil {
		return User{}, err
	}
	email, err = NormalizeEmail(email)
	if err != nil {
		return User{}, err
	}
	name = strings.TrimSpace(name)
	if len(name) > 200 {
		return User{}, InvalidField("name", "a name has at most 200 characters")
	}
	id, err := newID()
	if err != nil {
		return User{}, err
	}
	now := s.Now()
	return User{ID: id, Username: username, Email: email, Name: name, Status: StatusActive, CreatedAt: now, UpdatedAt: now}, nil
}

// CreateMemberInput adds a new account straight into a team (operator CLI,
// later team invites and provisioning).
type CreateMemberInput struct {
	TeamID   string
	Username string
	Email    string
	Name     string
	Password string // optional: without one the person signs in through SSO or a reset link
	Role     Role   // default: the team's default role
	Source   Source // default: SourceInvite
	// EmailVerified marks the address verified now (an operator or identity
	// provider vouches for it).
	EmailVerified bool
	// Managed makes the team's identity provider own the account.
	Managed bool
	Actor   Actor
}

// CreateMember creates an account and its team membership in one
// transaction.
func (s *Service) CreateMember(ctx context.Context, in CreateMemberInput) (User, error) {
	u, err := s.newUser(in.Username, in.Email, in.Name)
	if err != nil {
		return User{}, err
	}
	if in.EmailVerified {
		u.EmailVerifiedAt = &u.CreatedAt
	}
	if in.Managed {
		u.ManagedByTeamID = in.TeamID
	}
	if in.Source == "" {
		in.Source = SourceInvite
	}
	if in.Role != "" && !in.Role.Valid() {
		return User{}, InvalidField("role", "role is admin or member")
	}
	var hash string
	if in.Password != "" {
		if err := s.passwords.Check(in.Password, true, u.Username, u.Email); err != nil {
			return User{}, err
		}
		if hash, err = s.hashPassword(ctx, in.Password); err != nil {
			return User{}, err
		}
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		team, err := tx.GetTeam(ctx, in.TeamID)
		if err != nil {
			return err
		}
		role := in.Role
		if role == "" {
			role = team.Settings.DefaultRole
		}
		if role == "" {
			role = RoleMember
		}
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		if hash != "" {
			if err := tx.SetPasswordHash(ctx, u.ID, hash, u.CreatedAt); err != nil {
				return err
			}
		}
		if err := tx.AddMembership(ctx, Membership{TeamID: team.ID, UserID: u.ID, Role: role, Source: in.Source, CreatedAt: u.CreatedAt}); err != nil {
			return err
		}
		return s.audit(ctx, tx, in.Actor, team.ID, "user.create", u.ID,
			map[string]string{"username": u.Username, "role": string(role), "source": string(in.Source)})
	})
	if err != nil {
		return User{}, err
	}
	return u, nil
}

// ErrInvalidCredentials is the one answer to a wrong login or password, so
// nobody learns which accounts exist.
var ErrInvalidCredentials = &Error{Code: CodeInvalidCredentials, Message: "the username, email or password is incorrect"}

// Bounds checked before any work: no username or email is longer than
// maxLoginLen, and no policy allows a password near maxPasswordBytes.
const (
	maxLoginLen      = 254
	maxPasswordBytes = 4096
)

// Authentication is a verified password sign-in.
type Authentication struct {
	User User
	// PasswordHash is the hash the password was verified against. Starting
	// a session with it fails if the password changed in between.
	PasswordHash string
}

// Authenticate checks a login (email address or username) and password. It
// returns the user even when deactivated: whether that user may sign in is
// the policy's decision. Returns ErrInvalidCredentials for an unknown login,
// a wrong password or an account without a password, after the same work
// in each case, or CodeRateLimited.
func (s *Service) Authenticate(ctx context.Context, login, password, ip string) (Authentication, error) {
	login = strings.TrimSpace(login)
	if len(login) > maxLoginLen || len(password) > maxPasswordBytes {
		return Authentication{}, ErrInvalidCredentials
	}
	if err := s.hit(ctx, "signin:ip:"+clientKey(ip), s.limits.SignInPerIP); err != nil {
		return Authentication{}, err
	}
	u, err := s.findLogin(ctx, login)
	if err != nil {
		return Authentication{}, err
	}
	accountKey := "signin:login:" + hexDigest(Fold(login))
	if u.ID != "" {
		accountKey = "signin:user:" + u.ID
	}
	if err := s.hit(ctx, accountKey, s.limits.SignInPerAccount); err != nil {
		return Authentication{}, err
	}
	hash := s.dummyHash
	if u.ID != "" {
		stored, err := s.store.GetPasswordHash(ctx, u.ID)
		switch {
		case err == nil:
			hash = stored
		case ErrorCode(err) != CodeNotFound:
			return Authentication{}, err
		default:
			u = User{} // no password: verify the dummy, then refuse
		}
	}
	ok, rehash, err := s.verify(ctx, hash, password)
	if err != nil {
		return Authentication{}, err
	}
	if !ok || u.ID == "" {
		return Authentication{}, ErrInvalidCredentials
	}
	if rehash {
		if hash, err = s.rehash(ctx, u.ID, hash, password); err != nil {
			return Authentication{}, err
		}
	}
	return Authentication{User: u, PasswordHash: hash}, nil
}

// findLogin returns the user a login names, or a zero User. A login with
// '@' is an email address first and a username second, since usernames may
// look like email addresses.
func (s *Service) findLogin(ctx context.Context, login string) (User, error) {
	var u User
	var err error
	if strings.Contains(login, "@") {
		u, err = s.store.GetUserByEmail(ctx, login)
		if ErrorCode(err) != CodeNotFound {
			return u, err
		}
	}
	u, err = s.store.GetUserByUsername(ctx, login)
	if ErrorCode(err) == CodeNotFound {
		return User{}, nil
	}
	return u, err
}

// rehash stores a hash with the current parameters, unless the password
// changed since old was read; it returns the hash now stored.
func (s *Service) rehash(ctx context.Context, userID, old, password string) (string, error) {
	fresh, err := s.hashPassword(ctx, password)
	if err != nil {
		return "", err
	}
	err = s.store.InTx(ctx, func(tx Tx) error {
		if _, err := tx.LockUser(ctx, userID); err != nil {
			return err
		}
		current, err := tx.GetPasswordHash(ctx, userID)
		if err != nil {
			return err
		}
		if current != old {
			fresh = current // changed meanwhile: keep it; StartSession will refuse
			return nil
		}
		return tx.SetPasswordHash(ctx, userID, fresh, s.Now())
	})
	return fresh, err
}

// SetPassword replaces a user's password (an operator or, later, a reset
// link) and, in the same transaction, revokes every session of the user:
// whoever knew the old password is signed out.
func (s *Service) SetPassword(ctx context.Context, actor Actor, userID, password string) error {
	u, err := s.store.GetUser(ctx, userID)
	if err != nil {
		return err
	}
	if err := s.passwords.Check(password, true, u.Username, u.Email); err != nil {
		return err
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		return err
	}
	return s.store.InTx(ctx, func(tx Tx) error {
		now := s.Now()
		// Locked, so a sign-in that verified the old password cannot start a
		// session after the revocation below (see StartSession).
		if _, err := tx.LockUser(ctx, userID); err != nil {
			return err
		}
		if err := tx.SetPasswordHash(ctx, userID, hash, now); err != nil {
			return err
		}
		n, err := tx.RevokeSessions(ctx, userID, "", "password_changed", now)
		if err != nil {
			return err
		}
		if _, err := tx.RetireTokens(ctx, userID, retiredOnPasswordChange, now); err != nil {
			return err
		}
		return s.audit(ctx, tx, actor, u.ManagedByTeamID, "user.password_set", userID, map[string]string{"sessions_revoked": itoa(n)})
	})
}
