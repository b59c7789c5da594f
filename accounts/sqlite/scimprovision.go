package sqlite

import (
	"context"
	"errors"

	"github.com/idbridge/idbridge/accounts"
)

// ProvisionSCIMUser writes the account, membership, SCIM identity and
// audit event in one transaction: the database is in the process, so
// statements cost no round trips.
func (s *Store) ProvisionSCIMUser(ctx context.Context, u accounts.User, su accounts.SCIMUser, e accounts.AuditEvent) error {
	err := s.InTx(ctx, func(tx accounts.Tx) error {
		team, err := tx.GetTeam(ctx, su.TeamID)
		if err != nil {
			return err
		}
		u.ManagedByTeamID = team.ID
		if err := tx.CreateUser(ctx, &u); err != nil {
			return err
		}
		role := team.Settings.DefaultRole
		if !role.Valid() {
			role = accounts.RoleMember
		}
		m := accounts.Membership{TeamID: team.ID, UserID: u.ID, Role: role, Source: accounts.SourceSCIM, CreatedAt: u.CreatedAt}
		if err := tx.AddMembership(ctx, m); err != nil {
			return err
		}
		if err := tx.CreateSCIMUser(ctx, &su); err != nil {
			return err
		}
		return tx.AppendAudit(ctx, e)
	})
	var de *accounts.Error
	if errors.As(err, &de) && de.Code != accounts.CodeInvalid {
		return accounts.ErrConflict
	}
	return err
}

// ApplySCIMUserUpdate declines: with the database in the process, the
// transaction's statements cost no round trips, so the caller's InTx is
// as fast.
func (s *Store) ApplySCIMUserUpdate(context.Context, accounts.SCIMUserUpdate) (accounts.SCIMUser, error) {
	return accounts.SCIMUser{}, accounts.ErrConflict
}
