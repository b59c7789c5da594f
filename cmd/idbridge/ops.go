package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/keyring"
)

func runMigrate(ctx context.Context, c cli, args []string) error {
	fs := newFlags(c, "migrate")
	db := dbFlag(fs)
	if err := parseFlags(c, fs, args); err != nil {
		return err
	}
	st, err := openMigrated(ctx, *db)
	if err != nil {
		return err
	}
	defer st.Close()
	applied, _, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "schema version %d\n", applied)
	return nil
}

func runTeamCreate(ctx context.Context, c cli, args []string) error {
	fs := newFlags(c, "team create")
	db := dbFlag(fs)
	slug := fs.String("slug", "", "team slug (a-z, 0-9, '-')")
	name := fs.String("name", "", "team display name")
	plan := fs.String("plan", "free", "free, basic, professional or enterprise")
	if err := parseFlags(c, fs, args); err != nil {
		return err
	}
	if err := required("slug", *slug, "name", *name); err != nil {
		return err
	}
	return withService(ctx, *db, func(svc *accounts.Service) error {
		t, err := svc.CreateTeam(ctx, accounts.CreateTeamInput{Slug: *slug, Name: *name, Plan: accounts.Plan(*plan), Actor: accounts.OperatorActor()})
		if err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, t.ID)
		return nil
	})
}

func runDomainAdd(ctx context.Context, c cli, args []string) error {
	fs := newFlags(c, "domain add")
	db := dbFlag(fs)
	team := fs.String("team", "", "team slug or id")
	domain := fs.String("domain", "", "email domain, e.g. acme.com")
	verified := fs.Bool("verified", false, "record the domain as verified now (operator override)")
	if err := parseFlags(c, fs, args); err != nil {
		return err
	}
	if err := required("team", *team, "domain", *domain); err != nil {
		return err
	}
	return withTeam(ctx, *db, *team, func(svc *accounts.Service, t accounts.Team) error {
		d, err := svc.AddDomain(ctx, accounts.AddDomainInput{TeamID: t.ID, Name: *domain, Verified: *verified, Actor: accounts.OperatorActor()})
		if err != nil {
			return err
		}
		if d.VerifiedAt == nil {
			fmt.Fprintf(c.stdout, "%s. TXT %q\n", accounts.DomainVerificationHost(d.Name), accounts.DomainTXTValue(d.VerificationToken))
		}
		return nil
	})
}

func runUserCreate(ctx context.Context, c cli, args []string) error {
	fs := newFlags(c, "user create")
	db := dbFlag(fs)
	team := fs.String("team", "", "team slug or id")
	username := fs.String("username", "", "username")
	email := fs.String("email", "", "email address (recorded as verified)")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "", "admin or member (default: the team's default role)")
	passwordStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	if err := parseFlags(c, fs, args); err != nil {
		return err
	}
	if err := required("team", *team, "username", *username, "email", *email); err != nil {
		return err
	}
	var password string
	if *passwordStdin {
		var err error
		if password, err = readLine(c.stdin); err != nil {
			return err
		}
		if password == "" {
			return usagef("--password-stdin: standard input holds no password")
		}
	}
	return withTeam(ctx, *db, *team, func(svc *accounts.Service, t accounts.Team) error {
		u, err := svc.CreateMember(ctx, accounts.CreateMemberInput{
			TeamID: t.ID, Username: *username, Email: *email, Name: *name, Password: password,
			Role: accounts.Role(*role), EmailVerified: true, Actor: accounts.OperatorActor(),
		})
		if err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, u.ID)
		return nil
	})
}

// readLine reads the first line (without its newline) of at most 4 KiB,
// returning as soon as the newline arrives.
func readLine(r io.Reader) (string, error) {
	line, err := bufio.NewReader(io.LimitReader(r, 4099)).ReadString('\n')
	if err != nil && err != io.EOF {
		return "", fmt.Errorf("read standard input: %w", err)
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if len(line) > 4096 {
		return "", usagef("the first line of standard input is longer than 4096 bytes")
	}
	return line, nil
}

func runSCIMTokenCreate(ctx context.Context, c cli, args []string) error {
	fs := newFlags(c, "scim-token create")
	db := dbFlag(fs)
	team := fs.String("team", "", "team slug or id")
	name := fs.String("name", "default", "a name that says which identity provider holds the token")
	expiresIn := fs.Duration("expires-in", 0, "lifetime, e.g. 8760h (default: no expiry)")
	if err := parseFlags(c, fs, args); err != nil {
		return err
	}
	if err := required("team", *team); err != nil {
		return err
	}
	return withTeam(ctx, *db, *team, func(svc *accounts.Service, t accounts.Team) error {
		token, _, err := svc.CreateSCIMToken(ctx, accounts.CreateSCIMTokenInput{TeamID: t.ID, Name: *name, ExpiresIn: *expiresIn, Actor: accounts.OperatorActor()})
		if err != nil {
			return err
		}
		fmt.Fprintln(c.stdout, token)
		return nil
	})
}

func runSCIMTokenList(ctx context.Context, c cli, args []string) error {
	fs := newFlags(c, "scim-token list")
	db := dbFlag(fs)
	team := fs.String("team", "", "team slug or id")
	if err := parseFlags(c, fs, args); err != nil {
		return err
	}
	if err := required("team", *team); err != nil {
		return err
	}
	return withTeam(ctx, *db, *team, func(svc *accounts.Service, t accounts.Team) error {
		tokens, err := svc.SCIMTokens(ctx, t.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tNAME\tPREFIX\tCREATED\tLAST USED\tEXPIRES\tSTATUS")
		now := svc.Now()
		for _, tok := range tokens {
			status := "active"
			switch {
			case tok.RevokedAt != nil:
				status = "revoked"
			case !tok.Usable(now):
				status = "expired"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s…\t%s\t%s\t%s\t%s\n", tok.ID, tok.Name, tok.Prefix,
				tok.CreatedAt.Format(time.RFC3339), timeOrDash(tok.LastUsedAt), timeOrDash(tok.ExpiresAt), status)
		}
		return tw.Flush()
	})
}

func timeOrDash(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return t.Format(time.RFC3339)
}

func runSCIMTokenRevoke(ctx context.Context, c cli, args []string) error {
	fs := newFlags(c, "scim-token revoke")
	db := dbFlag(fs)
	team := fs.String("team", "", "team slug or id")
	id := fs.String("id", "", "token id (from scim-token list)")
	if err := parseFlags(c, fs, args); err != nil {
		return err
	}
	if err := required("team", *team, "id", *id); err != nil {
		return err
	}
	return withTeam(ctx, *db, *team, func(svc *accounts.Service, t accounts.Team) error {
		if err := svc.RevokeSCIMToken(ctx, accounts.OperatorActor(), t.ID, *id); err != nil {
			if accounts.ErrorCode(err) == accounts.CodeNotFound {
				return fmt.Errorf("team %s has no active token %s", t.Slug, *id)
			}
			return err
		}
		fmt.Fprintf(c.stdout, "revoked %s\n", *id)
		return nil
	})
}

func runKeygen(_ context.Context, c cli, args []string) error {
	fs := newFlags(c, "keygen")
	id := fs.String("id", "k"+time.Now().UTC().Format("20060102"), "key id")
	if err := parseFlags(c, fs, args); err != nil {
		return err
	}
	spec, err := keyring.Generate(rand.Reader, *id)
	if err != nil {
		return err
	}
	fmt.Fprintln(c.stdout, spec)
	return nil
}
