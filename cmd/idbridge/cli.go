package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os/signal"
	"strings"
	"syscall"

	"github.com/idbridge/idbridge/accounts"
)

// Exit codes: the contract scripts rely on.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

// env is how the CLI reads the environment (os.Getenv, or a map in tests).
type env func(string) string

// cli carries the process's I/O to subcommands.
type cli struct {
	getenv env
	stdin  io.Reader
	stdout io.Writer
	stderr io.Writer
}

// usageError marks a mistake in how the command was called (exit 2).
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error { return usageError{fmt.Sprintf(format, args...)} }

type command struct {
	name    string
	summary string
	run     func(ctx context.Context, c cli, args []string) error
}

func commands() []command {
	return []command{
		{"serve", "run the HTTP server (migrates first)", runServe},
		{"migrate", "apply database migrations", runMigrate},
		{"team create", "create a team; prints its id", runTeamCreate},
		{"team role-group", "give members of a SCIM group a team role (admin, member or none)", runTeamRoleGroup},
		{"team set", "change a team's JIT, SSO enforcement and seat limit", runTeamSet},
		{"domain add", "claim an email domain for a team; prints the DNS TXT record to publish", runDomainAdd},
		{"user create", "create an account in a team", runUserCreate},
		{"scim-token create", "issue a SCIM bearer token; prints it once", runSCIMTokenCreate},
		{"scim-token list", "list a team's SCIM tokens", runSCIMTokenList},
		{"scim-token revoke", "revoke a SCIM token", runSCIMTokenRevoke},
		{"sso add-saml", "connect a team to a SAML IdP; prints the SP details to give the IdP", runSSOAddSAML},
		{"sso add-oidc", "connect a team to an OpenID provider; prints the redirect URI", runSSOAddOIDC},
		{"sso list", "list a team's SSO connections", runSSOList},
		{"sso show", "show one SSO connection", runSSOShow},
		{"sso disable", "turn an SSO connection off", runSSODisable},
		{"demo", "seed a demo team and print what to open", runDemo},
		{"keygen", "print a new encryption key ring entry", runKeygen},
	}
}

// run is the whole program: it returns the exit code.
func run(ctx context.Context, args []string, getenv func(string) string, stdin io.Reader, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	c := cli{getenv: getenv, stdin: stdin, stdout: stdout, stderr: stderr}
	rest := args[1:]
	if len(rest) == 0 || rest[0] == "-h" || rest[0] == "--help" || rest[0] == "help" {
		printUsage(stderr)
		if len(rest) == 0 {
			return exitUsage
		}
		return exitOK
	}
	cmd, cmdArgs, ok := findCommand(rest)
	if !ok {
		fmt.Fprintf(stderr, "idbridge: unknown command %q; run 'idbridge help'\n", strings.Join(rest[:min(2, len(rest))], " "))
		return exitUsage
	}
	err := cmd.run(ctx, c, cmdArgs)
	var ue usageError
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		return exitOK
	case errors.As(err, &ue):
		fmt.Fprintf(stderr, "idbridge %s: %s\n", cmd.name, oneLine(ue.msg))
		return exitUsage
	default:
		fmt.Fprintf(stderr, "idbridge %s: %s\n", cmd.name, oneLine(describe(err)))
		return exitFailure
	}
}

// describe prefers a domain error's safe message.
func describe(err error) string {
	var e *accounts.Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

func findCommand(args []string) (command, []string, bool) {
	for _, cmd := range commands() {
		words := strings.Fields(cmd.name)
		if len(args) >= len(words) && strings.Join(args[:len(words)], " ") == cmd.name {
			return cmd, args[len(words):], true
		}
	}
	return command{}, nil, false
}

func printUsage(w io.Writer) {
	fmt.Fprintln(w, "usage: idbridge <command> [flags]   (every flag may also be set as IDBRIDGE_<FLAG>)")
	for _, cmd := range commands() {
		fmt.Fprintf(w, "  %-18s %s\n", cmd.name, cmd.summary)
	}
}

// newFlags makes a FlagSet whose errors and help go to stderr and are
// returned, never os.Exit.
func newFlags(c cli, name string) *flag.FlagSet {
	fs := flag.NewFlagSet("idbridge "+name, flag.ContinueOnError)
	fs.SetOutput(c.stderr)
	return fs
}

// parseFlags applies IDBRIDGE_<FLAG> environment variables, then args
// (which win), and refuses positional arguments.
func parseFlags(c cli, fs *flag.FlagSet, args []string) error {
	var envErr error
	fs.VisitAll(func(f *flag.Flag) {
		key := "IDBRIDGE_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_"))
		if v := c.getenv(key); v != "" && envErr == nil {
			if err := fs.Set(f.Name, v); err != nil {
				envErr = usagef("%s: %v", key, err)
			}
		}
	})
	if envErr != nil {
		return envErr
	}
	fs.SetOutput(io.Discard) // we print the one-line error ourselves
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(c.stderr)
			fs.PrintDefaults()
			return err
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// required returns a usage error naming the first empty flag.
func required(pairs ...string) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if strings.TrimSpace(pairs[i+1]) == "" {
			return usagef("--%s is required", pairs[i])
		}
	}
	return nil
}
