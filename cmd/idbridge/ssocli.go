package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/keyring"
	"github.com/idbridge/idbridge/sso/oidc"
	"github.com/idbridge/idbridge/sso/saml"
)

// keyFlags are the key ring flags of commands that seal secrets.
type keyFlags struct{ keys, file *string }

func addKeyFlags(fs *flag.FlagSet) keyFlags {
	return keyFlags{
		keys: fs.String("encryption-keys", "", "key ring: id:base64key[,…] (as for serve)"),
		file: fs.String("encryption-key-file", "", "file holding the key ring"),
	}
}

func (k keyFlags) ring() (*keyring.Ring, error) {
	return config{EncryptionKeys: *k.keys, EncryptionKeyFile: *k.file}.keyRingOrUsage()
}

// keyRingOrUsage is keyRing with a usage error when no key is given.
func (cfg config) keyRingOrUsage() (*keyring.Ring, error) {
	if cfg.EncryptionKeys == "" && cfg.EncryptionKeyFile == "" {
		return nil, usagef("no encryption key: set --encryption-key-file or IDBRIDGE_ENCRYPTION_KEYS")
	}
	return cfg.keyRing()
}

func baseURLFlag(fs *flag.FlagSet) *string {
	return fs.String("base-url", "http://127.0.0.1:8080", "public URL of the server (as for serve)")
}

// printFields writes `key: value` lines, the format scripts read.
func printFields(w io.Writer, kv ...string) {
	for i := 0; i+1 < len(kv); i += 2 {
		fmt.Fprintf(w, "%s: %s\n", kv[i], kv[i+1])
	}
}

func runSSOAddSAML(ctx context.Context, c cli, args []string) error {
	fs := newFlags(c, "sso add-saml")
	db, base, keys := dbFlag(fs), baseURLFlag(fs), addKeyFlags(fs)
	team := fs.String("team", "", "team slug or id")
	file := fs.String("metadata-file", "", "IdP metadata XML file (from Okta, Entra, Google, OneLogin)")
	metadataURL := fs.String("metadata-url", "", "IdP metadata URL, fetched now and refreshed by serve (https)")
	name := fs.String("name", "SAML", "a name people see when a team has several connections")
	allowIdP := fs.Bool("allow-idp-initiated", false, "accept IdP-initiated sign-in (from the IdP's dashboard)")
	if err := parseFlags(c, fs, args); err != nil {
		return err
	}
	if err := required("team", *team); err != nil {
		return err
	}
	if (*file == "") == (*metadataURL == "") {
		return usagef("give exactly one of --metadata-file and --metadata-url")
	}
	ring, err := keys.ring()
	if err != nil {
		return err
	}
	var metadata []byte
	if *file != "" {
		if metadata, err = os.ReadFile(*file); err != nil {
			return fmt.Errorf("read --metadata-file: %w", err)
		}
	} else {
		if err := saml.CheckMetadataURL(*metadataURL); err != nil {
			return usagef("--metadata-url: %v", err)
		}
		fetchCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
		defer cancel()
		if metadata, err = saml.FetchMetadata(fetchCtx, httpClient(), *metadataURL); err != nil {
			return err
		}
	}
	if _, err := saml.ParseIdPMetadata(metadata); err != nil {
		return fmt.Errorf("IdP metadata: %w", err)
	}
	baseURL := strings.TrimRight(*base, "/")
	if err := validBaseURL(baseURL); err != nil {
		return usagef("%v", err)
	}
	return withTeam(ctx, *db, *team, func(svc *accounts.Service, t accounts.Team) error {
		certPEM, keyPEM, err := saml.GenerateKeyPair("idbridge "+t.Slug, svc.Now())
		if err != nil {
			return err
		}
		conn, err := svc.CreateSSOConnection(ctx, accounts.CreateSSOConnectionInput{
			TeamID: t.ID, Protocol: accounts.ProtocolSAML, Name: *name, Sealer: ring, Actor: accounts.OperatorActor(),
			SAML: accounts.SAMLConfig{IdPMetadata: string(metadata), MetadataURL: *metadataURL,
				AllowIdPInitiated: *allowIdP, SPCertificate: string(certPEM)},
			SPKeyPEM: keyPEM,
		})
		if err != nil {
			return err
		}
		printFields(c.stdout, "id", conn.ID, "sp_entity_id", saml.EntityID(baseURL, conn.ID),
			"acs_url", saml.ACSURL(baseURL, conn.ID), "metadata_url", saml.EntityID(baseURL, conn.ID))
		return nil
	})
}

func runSSOAddOIDC(ctx context.Context, c cli, args []string) error {
	fs := newFlags(c, "sso add-oidc")
	db, base, keys := dbFlag(fs), baseURLFlag(fs), addKeyFlags(fs)
	team := fs.String("team", "", "team slug or id")
	issuer := fs.String("issuer", "", "OpenID provider issuer URL (discovery at /.well-known/openid-configuration)")
	clientID := fs.String("client-id", "", "client ID registered at the provider")
	secretStdin := fs.Bool("client-secret-stdin", false, "read the client secret from the first line of standard input")
	name := fs.String("name", "OpenID Connect", "a name people see when a team has several connections")
	mode := fs.String("response-mode", "query", "query or form_post")
	if err := parseFlags(c, fs, args); err != nil {
		return err
	}
	if err := required("team", *team, "issuer", *issuer, "client-id", *clientID); err != nil {
		return err
	}
	if !*secretStdin {
		return usagef("--client-secret-stdin is required (secrets never go on the command line)")
	}
	if err := saml.CheckMetadataURL(*issuer); err != nil {
		return usagef("--issuer must be an https URL (http only on loopback)")
	}
	secret, err := readLine(c.stdin)
	if err != nil {
		return err
	}
	if secret == "" {
		return usagef("--client-secret-stdin: standard input holds no secret")
	}
	ring, err := keys.ring()
	if err != nil {
		return err
	}
	baseURL := strings.TrimRight(*base, "/")
	if err := validBaseURL(baseURL); err != nil {
		return usagef("%v", err)
	}
	return withTeam(ctx, *db, *team, func(svc *accounts.Service, t accounts.Team) error {
		conn, err := svc.CreateSSOConnection(ctx, accounts.CreateSSOConnectionInput{
			TeamID: t.ID, Protocol: accounts.ProtocolOIDC, Name: *name, Sealer: ring, Actor: accounts.OperatorActor(),
			OIDC:         accounts.OIDCConfig{Issuer: *issuer, ClientID: *clientID, ResponseMode: *mode},
			ClientSecret: secret,
		})
		if err != nil {
			return err
		}
		printFields(c.stdout, "id", conn.ID, "redirect_uri", oidc.RedirectURL(baseURL, conn.ID))
		return nil
	})
}

func runSSOList(ctx context.Context, c cli, args []string) error {
	fs := newFlags(c, "sso list")
	db := dbFlag(fs)
	team := fs.String("team", "", "team slug or id")
	if err := parseFlags(c, fs, args); err != nil {
		return err
	}
	if err := required("team", *team); err != nil {
		return err
	}
	return withTeam(ctx, *db, *team, func(svc *accounts.Service, t accounts.Team) error {
		conns, err := svc.SSOConnections(ctx, t.ID)
		if err != nil {
			return err
		}
		tw := tabwriter.NewWriter(c.stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "ID\tPROTOCOL\tNAME\tENABLED\tCREATED")
		for _, cn := range conns {
			fmt.Fprintf(tw, "%s\t%s\t%s\t%t\t%s\n", cn.ID, cn.Protocol, cn.Name, cn.Enabled, cn.CreatedAt.Format(time.RFC3339))
		}
		return tw.Flush()
	})
}

func runSSOShow(ctx context.Context, c cli, args []string) error {
	fs := newFlags(c, "sso show")
	db, base := dbFlag(fs), baseURLFlag(fs)
	id := fs.String("id", "", "connection id (from sso list)")
	if err := parseFlags(c, fs, args); err != nil {
		return err
	}
	if err := required("id", *id); err != nil {
		return err
	}
	baseURL := strings.TrimRight(*base, "/")
	return withService(ctx, *db, func(svc *accounts.Service) error {
		cn, err := svc.SSOConnection(ctx, *id)
		if err != nil {
			return err
		}
		printFields(c.stdout, "id", cn.ID, "team_id", cn.TeamID, "protocol", string(cn.Protocol), "name", cn.Name,
			"enabled", strconv.FormatBool(cn.Enabled))
		switch cn.Protocol {
		case accounts.ProtocolSAML:
			idp, err := saml.ParseIdPMetadata([]byte(cn.SAML.IdPMetadata))
			entity := "(unreadable metadata)"
			if err == nil {
				entity = idp.EntityID
			}
			printFields(c.stdout, "idp_entity_id", entity, "idp_metadata_url", orDash(cn.SAML.MetadataURL),
				"allow_idp_initiated", strconv.FormatBool(cn.SAML.AllowIdPInitiated),
				"sp_entity_id", saml.EntityID(baseURL, cn.ID), "acs_url", saml.ACSURL(baseURL, cn.ID),
				"metadata_url", saml.EntityID(baseURL, cn.ID))
		case accounts.ProtocolOIDC:
			mode := cn.OIDC.ResponseMode
			if mode == "" {
				mode = "query"
			}
			printFields(c.stdout, "issuer", cn.OIDC.Issuer, "client_id", cn.OIDC.ClientID, "response_mode", mode,
				"redirect_uri", oidc.RedirectURL(baseURL, cn.ID))
		}
		return nil
	})
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func runSSODisable(ctx context.Context, c cli, args []string) error {
	fs := newFlags(c, "sso disable")
	db := dbFlag(fs)
	id := fs.String("id", "", "connection id (from sso list)")
	if err := parseFlags(c, fs, args); err != nil {
		return err
	}
	if err := required("id", *id); err != nil {
		return err
	}
	return withService(ctx, *db, func(svc *accounts.Service) error {
		if _, err := svc.SetSSOConnectionEnabled(ctx, accounts.OperatorActor(), *id, false); err != nil {
			return err
		}
		fmt.Fprintf(c.stdout, "disabled %s\n", *id)
		return nil
	})
}

// onOff is a flag that is "on", "off" or unset.
type onOff struct{ v *bool }

func (o *onOff) String() string {
	if o.v == nil {
		return ""
	}
	if *o.v {
		return "on"
	}
	return "off"
}

func (o *onOff) Set(s string) error {
	switch s {
	case "on", "true":
		b := true
		o.v = &b
	case "off", "false":
		b := false
		o.v = &b
	default:
		return fmt.Errorf("want on or off")
	}
	return nil
}

func runTeamSet(ctx context.Context, c cli, args []string) error {
	fs := newFlags(c, "team set")
	db := dbFlag(fs)
	team := fs.String("team", "", "team slug or id")
	var jit, ssoRequired, scimOnly onOff
	fs.Var(&jit, "jit", "on or off: create accounts on first SSO sign-in")
	fs.Var(&ssoRequired, "sso-required", "on or off: members must sign in with SSO, not a password")
	fs.Var(&scimOnly, "scim-only", "on or off: accounts come from SCIM only; SSO provisions nobody")
	seats := fs.String("seat-limit", "", "most members JIT may bring the team to (0: unlimited)")
	adminGroup := fs.String("admin-group", "", "IdP group whose members JIT provisions as admins")
	if err := parseFlags(c, fs, args); err != nil {
		return err
	}
	if err := required("team", *team); err != nil {
		return err
	}
	ch := accounts.TeamSettingsChange{JITEnabled: jit.v, SSORequired: ssoRequired.v, SCIMOnly: scimOnly.v}
	if *seats != "" {
		n, err := strconv.Atoi(*seats)
		if err != nil || n < 0 {
			return usagef("--seat-limit is a whole number, 0 or more")
		}
		ch.SeatLimit = &n
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "admin-group" {
			ch.AdminGroup = adminGroup
		}
	})
	return withTeam(ctx, *db, *team, func(svc *accounts.Service, t accounts.Team) error {
		t, err := svc.UpdateTeamSettings(ctx, accounts.OperatorActor(), t.ID, ch)
		if err != nil {
			return err
		}
		s := t.Settings
		printFields(c.stdout, "team", t.Slug, "jit", onOffString(s.JITEnabled), "sso_required", onOffString(s.SSORequired),
			"scim_only", onOffString(s.SCIMOnly), "seat_limit", strconv.Itoa(s.SeatLimit), "admin_group", orDash(s.AdminGroup))
		return nil
	})
}

func onOffString(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

// httpClient is the CLI's client for fetching IdP metadata.
func httpClient() *http.Client { return &http.Client{Timeout: 30 * time.Second} }
