package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/idbridge/idbridge/accounts"
)

func TestCLIOperatorCommands(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		teamID := strings.TrimSpace(mustRun(t, "team", "create", "--db", db, "--slug", "acme", "--name", "Acme", "--plan", "enterprise"))
		if !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(teamID) {
			t.Fatalf("team create printed %q, want the team id alone", teamID)
		}

		txt := mustRun(t, "domain", "add", "--db", db, "--team", "acme", "--domain", "Acme.TEST")
		if !regexp.MustCompile(`^_idbridge-challenge\.acme\.test\. TXT "idbridge-verification=[0-9a-f]{32}"\n$`).MatchString(txt) {
			t.Fatalf("domain add printed %q, want the TXT record", txt)
		}
		if out := mustRun(t, "domain", "add", "--db", db, "--team", teamID, "--domain", "corp.acme.test", "--verified"); out != "" {
			t.Fatalf("domain add --verified printed %q, want nothing", out)
		}

		r := idbridge(t, nil, "s3cret-Passphrase-9\n", "user", "create", "--db", db, "--team", "acme",
			"--username", "alice", "--email", "alice@acme.test", "--role", "admin", "--password-stdin")
		if r.code != 0 || strings.TrimSpace(r.stdout) == "" {
			t.Fatalf("user create: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
		}

		token := strings.TrimSpace(mustRun(t, "scim-token", "create", "--db", db, "--team", "acme", "--name", "okta"))
		if !regexp.MustCompile(`^idbscim_[A-Za-z0-9_-]{43}$`).MatchString(token) {
			t.Fatalf("scim-token create printed %q, want the token alone", token)
		}
		list := mustRun(t, "scim-token", "list", "--db", db, "--team", "acme")
		if strings.Contains(list, token) || !strings.Contains(list, token[:14]) || !strings.Contains(list, "okta") || !strings.Contains(list, "active") {
			t.Fatalf("scim-token list must show the name and prefix but never the token:\n%s", list)
		}
		id := strings.Fields(strings.Split(list, "\n")[1])[0]
		mustRun(t, "scim-token", "revoke", "--db", db, "--team", "acme", "--id", id)
		if list := mustRun(t, "scim-token", "list", "--db", db, "--team", "acme"); !strings.Contains(list, "revoked") {
			t.Fatalf("revoked token not shown as revoked:\n%s", list)
		}

		// Environment variables stand in for flags.
		env := map[string]string{"IDBRIDGE_DB": db, "IDBRIDGE_TEAM": "acme"}
		if r := idbridge(t, env, "", "scim-token", "list"); r.code != 0 || !strings.Contains(r.stdout, "okta") {
			t.Fatalf("scim-token list from env: exit %d, %q, %q", r.code, r.stdout, r.stderr)
		}

		failures := []struct {
			name string
			args []string
			code int
			msg  string
		}{
			{"a second team with the same slug in other case fails", []string{"team", "create", "--db", db, "--slug", "ACME", "--name", "Other"}, exitFailure, "a team with that slug already exists"},
			{"a missing required flag is a usage error", []string{"team", "create", "--db", db, "--name", "x"}, exitUsage, "--slug is required"},
			{"an unknown plan is refused", []string{"team", "create", "--db", db, "--slug", "beta", "--name", "Beta", "--plan", "gold"}, exitFailure, "plan is one of"},
			{"an unknown team is named", []string{"scim-token", "create", "--db", db, "--team", "nope"}, exitFailure, `no team "nope"`},
			{"a username taken in other case fails", []string{"user", "create", "--db", db, "--team", "acme", "--username", "ALICE", "--email", "a2@acme.test"}, exitFailure, "that username is taken"},
			{"revoking a revoked token fails", []string{"scim-token", "revoke", "--db", db, "--team", "acme", "--id", id}, exitFailure, "has no active token"},
			{"an unknown flag is a usage error", []string{"migrate", "--db", db, "--bogus"}, exitUsage, "flag provided but not defined"},
			{"an unknown command is a usage error", []string{"frobnicate"}, exitUsage, "unknown command"},
			{"a bad database URL is a usage error", []string{"migrate", "--db", "mysql://x"}, exitUsage, "--db must start with"},
		}
		for _, f := range failures {
			r := idbridge(t, nil, "", f.args...)
			if r.code != f.code || !strings.Contains(r.stderr, f.msg) || strings.Count(r.stderr, "\n") != 1 || r.stdout != "" {
				t.Errorf("%s: exit %d stdout %q stderr %q; want exit %d and one line containing %q", f.name, r.code, r.stdout, r.stderr, f.code, f.msg)
			}
		}

		// Nothing the failures tried was written.
		st, err := openMigrated(t.Context(), db)
		if err != nil {
			t.Fatal(err)
		}
		defer st.Close()
		teams, err := st.ListTeams(t.Context())
		if err != nil || len(teams) != 1 {
			t.Fatalf("teams after failures: %v, %v; want only acme", teams, err)
		}
		members, err := st.ListTeamMembers(t.Context(), teamID)
		if err != nil || len(members) != 1 || members[0].Role != accounts.RoleAdmin || members[0].Source != accounts.SourceInvite {
			t.Fatalf("members: %+v, %v; want alice as admin", members, err)
		}
	})
}

func TestMigrateIsIdempotentAndReportsTheVersion(t *testing.T) {
	eachBackend(t, func(t *testing.T, db string) {
		first := mustRun(t, "migrate", "--db", db)
		second := mustRun(t, "migrate", "--db", db)
		if first != second || !regexp.MustCompile(`^schema version [1-9][0-9]*\n$`).MatchString(first) {
			t.Fatalf("migrate printed %q then %q", first, second)
		}
	})
}

func TestDemoSeedsOnceAndPrintsFreshCredentials(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/demo.db"
	first, second := mustRun(t, "demo", "--db", db), mustRun(t, "demo", "--db", db)
	tokenRE := regexp.MustCompile(`SCIM token:\s+(idbscim_\S+)`)
	m1, m2 := tokenRE.FindStringSubmatch(first), tokenRE.FindStringSubmatch(second)
	if m1 == nil || m2 == nil || m1[1] == m2[1] {
		t.Fatalf("demo must print a new SCIM token each run:\n%s\n%s", first, second)
	}
	list := mustRun(t, "scim-token", "list", "--db", db, "--team", "acme")
	if strings.Count(list, "active") != 1 || strings.Count(list, "revoked") != 1 {
		t.Fatalf("only the newest demo token may be active:\n%s", list)
	}
}

func TestServeRefusesUnsafeConfig(t *testing.T) {
	db := "sqlite:" + t.TempDir() + "/x.db"
	keys := map[string]string{"IDBRIDGE_ENCRYPTION_KEYS": testKeys(t)}
	tests := []struct {
		name string
		env  map[string]string
		args []string
		msg  string
	}{
		{"plain http on a public host", keys, []string{"--base-url", "http://id.example.com"}, "must be https unless the host is loopback"},
		{"no encryption key", nil, nil, "no encryption key"},
		{"a bad encryption key", map[string]string{"IDBRIDGE_ENCRYPTION_KEYS": "k1:short"}, nil, "must be 32 bytes"},
		{"a password minimum below NIST's", keys, []string{"--password-min-length", "6"}, "at least 8"},
		{"a captcha setting other than on or off", keys, []string{"--captcha", "maybe"}, "--captcha is on or off"},
		{"a captcha setting from the environment", map[string]string{"IDBRIDGE_ENCRYPTION_KEYS": keys["IDBRIDGE_ENCRYPTION_KEYS"], "IDBRIDGE_CAPTCHA": "no"}, nil, "--captcha is on or off"},
		{"a re-auth window under a minute", keys, []string{"--reauth-window", "10s"}, "--reauth-window must be at least 1m"},
		{"an SMTP relay without a From address", keys, []string{"--smtp-url", "smtp://mail.example.com:587"}, "--mail-from is required"},
		{"an SMTP URL of another scheme", keys, []string{"--smtp-url", "http://mail.example.com", "--mail-from", "a@example.com"}, "--smtp-url must be"},
		{"profiles on a public address", keys, []string{"--pprof-addr", "0.0.0.0:6060"}, "--pprof-addr must be a loopback address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := idbridge(t, tt.env, "", append([]string{"serve", "--db", db, "--addr", "127.0.0.1:0"}, tt.args...)...)
			if r.code == 0 || !strings.Contains(r.stderr, tt.msg) {
				t.Fatalf("exit %d, stderr %q; want a failure saying %q", r.code, r.stderr, tt.msg)
			}
		})
	}
}

func TestReadLineTakesTheFirstLineOnly(t *testing.T) {
	tests := []struct {
		name, in, want string
		ok             bool
	}{
		{"a line with a newline", "secret\nmore\n", "secret", true},
		{"a line with CRLF", "secret\r\n", "secret", true},
		{"no newline at all", "secret", "secret", true},
		{"a short first line before a long rest", "secret\n" + strings.Repeat("x", 10000), "secret", true},
		{"a 4096-byte line", strings.Repeat("x", 4096) + "\n", strings.Repeat("x", 4096), true},
		{"a 4097-byte line", strings.Repeat("x", 4097) + "\n", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readLine(strings.NewReader(tt.in))
			if (err == nil) != tt.ok || got != tt.want {
				t.Fatalf("readLine = %q, %v", got, err)
			}
		})
	}
}

func TestRedactDB(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://app:hunter2@db:5432/idb":               "postgres://app:redacted@db:5432/idb",
		"postgres://app@db/idb?password=hunter2&sslmode=x": "postgres://app@db/idb?password=redacted&sslmode=x",
		"sqlite:./data/idbridge.db":                        "sqlite:./data/idbridge.db",
	} {
		if got := redactDB(in); got != want || strings.Contains(got, "hunter2") {
			t.Errorf("redactDB(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDevelopmentConveniencesNeedALoopbackOnlyServer(t *testing.T) {
	for _, tc := range []struct {
		name, addr, baseURL, smtp string
		want                      bool
	}{
		{"loopback address and base URL", "127.0.0.1:8080", "http://127.0.0.1:8080", "", true},
		{"IPv6 loopback", "[::1]:8080", "http://localhost:8080", "", true},
		{"every interface behind a loopback base URL", "0.0.0.0:8080", "http://localhost:8080", "", false},
		{"empty host listens everywhere", ":8080", "http://127.0.0.1:8080", "", false},
		{"a public base URL", "127.0.0.1:8080", "https://id.example.com", "", false},
		{"an SMTP relay replaces the mailbox", "127.0.0.1:8080", "http://127.0.0.1:8080", "smtp://127.0.0.1:2525", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := config{Addr: tc.addr, BaseURL: tc.baseURL, SMTPURL: tc.smtp}
			if got := cfg.devMailbox(); got != tc.want {
				t.Fatalf("devMailbox() = %v, want %v", got, tc.want)
			}
			if tc.smtp == "" && cfg.loopbackOnly() != tc.want {
				t.Fatalf("loopbackOnly() = %v, want %v", cfg.loopbackOnly(), tc.want)
			}
		})
	}
}
