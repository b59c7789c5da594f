package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/idbridge/idbridge/accounts/keyring"
)

// config is everything serve needs, read from flags and IDBRIDGE_* env.
type config struct {
	Addr              string
	BaseURL           string
	DB                string
	EncryptionKeys    string // secret: "id:base64key,…"
	EncryptionKeyFile string
	LogFormat         string // auto, json, text
	LogLevel          string
	MaxBodyBytes      int64
	TrustedProxies    string
	ShutdownTimeout   time.Duration
	PasswordMinLength int
	// PasswordSingleFactorMinLength applies when a password is the only
	// factor (0: same as PasswordMinLength).
	PasswordSingleFactorMinLength int
	// SMTPURL is the mail relay (secret: may hold a password); empty on a
	// loopback server means the development mailbox at /dev/mail.
	SMTPURL  string
	MailFrom string
	// ReauthWindow is how recent a sign-in or password check must be for
	// sensitive actions.
	ReauthWindow time.Duration
	// Captcha is "on" or "off": the proof-of-work check on sign-up and on
	// requests that send email.
	Captcha string
	// OutboxInterval is how often the delivery worker looks for due mail
	// and Slack messages.
	OutboxInterval time.Duration
	// DevIdP serves a built-in SAML IdP with demo users (loopback only).
	DevIdP bool
	// Google sign-in: an OIDC connection bound to no team.
	GoogleClientID         string
	GoogleClientSecretFile string
	SAMLSkew               time.Duration
	MetadataRefresh        time.Duration
	// PprofAddr, when set, serves Go's profiling endpoints on a separate
	// loopback listener.
	PprofAddr string
}

func serveFlags(c cli, args []string) (config, error) {
	fs := newFlags(c, "serve")
	var cfg config
	fs.StringVar(&cfg.Addr, "addr", "127.0.0.1:8080", "listen address")
	fs.StringVar(&cfg.BaseURL, "base-url", "http://127.0.0.1:8080", "public URL of this server (https in production)")
	fs.StringVar(&cfg.DB, "db", defaultDB, "database: postgres://… or sqlite:PATH")
	fs.StringVar(&cfg.EncryptionKeys, "encryption-keys", "", "key ring for secrets at rest: id:base64key[,…], first is primary (see 'idbridge keygen')")
	fs.StringVar(&cfg.EncryptionKeyFile, "encryption-key-file", "", "file holding the key ring, one id:base64key per line")
	fs.StringVar(&cfg.LogFormat, "log-format", "auto", "auto (text for a loopback http base URL, else json), json or text")
	fs.StringVar(&cfg.LogLevel, "log-level", "info", "debug, info, warn or error")
	fs.Int64Var(&cfg.MaxBodyBytes, "max-body-bytes", 1<<20, "largest request body accepted")
	fs.StringVar(&cfg.TrustedProxies, "trusted-proxies", "", "comma-separated proxy CIDRs whose X-Forwarded-For is believed")
	fs.DurationVar(&cfg.ShutdownTimeout, "shutdown-timeout", 30*time.Second, "how long in-flight requests may finish after SIGTERM")
	fs.IntVar(&cfg.PasswordMinLength, "password-min-length", 8, "shortest password accepted (NIST 800-63B: at least 8)")
	fs.IntVar(&cfg.PasswordSingleFactorMinLength, "password-single-factor-min-length", 0, "shortest password for accounts without 2FA, e.g. 15 (0: off)")
	fs.StringVar(&cfg.SMTPURL, "smtp-url", "", "mail relay: smtps://user:pass@host:465 (TLS) or smtp://user:pass@host:587 (STARTTLS required; plain only to loopback); empty on a loopback base URL: development mailbox at /dev/mail")
	fs.StringVar(&cfg.MailFrom, "mail-from", "", "From address of email, e.g. \"idbridge <no-reply@example.com>\" (required with --smtp-url)")
	fs.DurationVar(&cfg.ReauthWindow, "reauth-window", 15*time.Minute, "how recent a sign-in or password check must be for sensitive actions")
	fs.StringVar(&cfg.Captcha, "captcha", "on", "\"I'm not a robot\" proof-of-work on sign-up, password reset, username recovery and verification resend: on or off")
	fs.DurationVar(&cfg.OutboxInterval, "outbox-interval", time.Second, "how often the delivery worker polls the outbox")
	fs.BoolVar(&cfg.DevIdP, "dev-idp", false, "serve a built-in development SAML IdP with demo users at /dev-idp (loopback --addr and --base-url only)")
	fs.StringVar(&cfg.GoogleClientID, "google-client-id", "", "OAuth client ID for Sign in with Google (self-service accounts)")
	fs.StringVar(&cfg.GoogleClientSecretFile, "google-client-secret-file", "", "file holding the Google OAuth client secret")
	fs.DurationVar(&cfg.SAMLSkew, "saml-clock-skew", 90*time.Second, "clock skew allowed on SAML assertion time windows (at most 180s)")
	fs.DurationVar(&cfg.MetadataRefresh, "saml-metadata-refresh", time.Hour, "how often IdP metadata URLs are fetched again")
	fs.StringVar(&cfg.PprofAddr, "pprof-addr", "", "serve /debug/pprof/ on this loopback address, apart from --addr (empty: off)")
	if err := parseFlags(c, fs, args); err != nil {
		return config{}, err
	}
	return cfg, cfg.validate()
}

// validate runs a table of checks and returns the first failure as a usage
// error.
func (cfg config) validate() error {
	checks := []struct {
		ok  bool
		msg string
	}{
		{cfg.Addr != "", "--addr is required"},
		{validBaseURL(cfg.BaseURL) == nil, fmt.Sprint(validBaseURL(cfg.BaseURL))},
		{cfg.LogFormat == "auto" || cfg.LogFormat == "json" || cfg.LogFormat == "text", "--log-format is auto, json or text"},
		{parseLevel(cfg.LogLevel) != nil, "--log-level is debug, info, warn or error"},
		{cfg.MaxBodyBytes >= 1024, "--max-body-bytes must be at least 1024"},
		{cfg.ShutdownTimeout > 0, "--shutdown-timeout must be positive"},
		{cfg.PasswordMinLength >= 8, "--password-min-length must be at least 8 (NIST 800-63B)"},
		{cfg.PasswordSingleFactorMinLength == 0 || cfg.PasswordSingleFactorMinLength >= cfg.PasswordMinLength, "--password-single-factor-min-length must be 0 or at least --password-min-length"},
		{cfg.EncryptionKeys == "" || cfg.EncryptionKeyFile == "", "set --encryption-keys or --encryption-key-file, not both"},
		{cfg.EncryptionKeys != "" || cfg.EncryptionKeyFile != "", "no encryption key: set --encryption-key-file or IDBRIDGE_ENCRYPTION_KEYS (make one with 'idbridge keygen')"},
		{cfg.ReauthWindow >= time.Minute, "--reauth-window must be at least 1m"},
		{cfg.Captcha == "on" || cfg.Captcha == "off", "--captcha is on or off"},
		{cfg.OutboxInterval >= 10*time.Millisecond, "--outbox-interval must be at least 10ms"},
		{cfg.SMTPURL == "" || cfg.MailFrom != "", "--mail-from is required with --smtp-url"},
		{!cfg.DevIdP || cfg.loopbackOnly(), "--dev-idp is for development only: --base-url and --addr must be loopback"},
		{(cfg.GoogleClientID == "") == (cfg.GoogleClientSecretFile == ""), "set both --google-client-id and --google-client-secret-file, or neither"},
		{cfg.SAMLSkew >= 0 && cfg.SAMLSkew <= 180*time.Second, "--saml-clock-skew is between 0 and 180s"},
		{cfg.MetadataRefresh >= time.Minute, "--saml-metadata-refresh must be at least 1m"},
		{cfg.PprofAddr == "" || loopbackAddr(cfg.PprofAddr), "--pprof-addr must be a loopback address, e.g. 127.0.0.1:6060"},
	}
	for _, ch := range checks {
		if !ch.ok {
			return usagef("%s", ch.msg)
		}
	}
	return nil
}

// validBaseURL accepts https anywhere and http only on loopback, where
// cookies cannot be Secure and nobody else can listen.
func validBaseURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("--base-url must be an absolute http(s) URL without query, e.g. https://id.example.com")
	}
	if u.Scheme == "http" && !isLoopback(u.Hostname()) {
		return fmt.Errorf("--base-url must be https unless the host is loopback (127.0.0.1, ::1, localhost)")
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// loopbackBaseURL reports whether the base URL's host is loopback.
func (cfg config) loopbackBaseURL() bool {
	u, err := url.Parse(cfg.BaseURL)
	return err == nil && isLoopback(u.Hostname())
}

// loopbackOnly reports whether the server is a development server nobody
// else can reach: both its base URL and its listen address are loopback.
// Conveniences that would leak or reach the local machine (the development
// mailbox, the development IdP, webhooks to local addresses) need it.
func (cfg config) loopbackOnly() bool {
	return cfg.loopbackBaseURL() && loopbackAddr(cfg.Addr)
}

// loopbackAddr reports whether a listen address binds loopback only.
func loopbackAddr(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	return err == nil && isLoopback(host)
}

// secure reports whether cookies get the Secure flag and __Host- prefix.
func (cfg config) secure() bool {
	u, err := url.Parse(cfg.BaseURL)
	return err == nil && u.Scheme == "https" // url.Parse lower-cases the scheme
}

func parseLevel(s string) *slog.Level {
	var l slog.Level
	if err := l.UnmarshalText([]byte(s)); err != nil {
		return nil
	}
	return &l
}

// keyRing loads the encryption key ring from the flag or the file.
func (cfg config) keyRing() (*keyring.Ring, error) {
	spec, err := cfg.keySpec()
	if err != nil {
		return nil, err
	}
	return keyring.Parse(spec)
}

func (cfg config) keySpec() (string, error) {
	if cfg.EncryptionKeyFile != "" {
		b, err := os.ReadFile(cfg.EncryptionKeyFile)
		if err != nil {
			return "", fmt.Errorf("read --encryption-key-file: %w", err)
		}
		return string(b), nil
	}
	return cfg.EncryptionKeys, nil
}

// captchaKey derives the proof-of-work HMAC key from the key ring, so
// every replica signs and checks challenges alike without another secret.
func (cfg config) captchaKey() (string, error) {
	spec, err := cfg.keySpec()
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte("idbridge altcha hmac v1\x00" + strings.TrimSpace(spec)))
	return hex.EncodeToString(sum[:]), nil
}

// devMailbox reports whether mail goes to the development mailbox: no
// relay configured on a loopback server.
func (cfg config) devMailbox() bool {
	return cfg.SMTPURL == "" && cfg.loopbackOnly()
}

// logValue prints the config once at start-up with secrets redacted.
func (cfg config) LogValue() slog.Value {
	keys := "file " + cfg.EncryptionKeyFile
	if cfg.EncryptionKeys != "" {
		keys = "[redacted]"
	}
	return slog.GroupValue(
		slog.String("addr", cfg.Addr), slog.String("base_url", cfg.BaseURL),
		slog.String("db", redactDB(cfg.DB)), slog.String("encryption_keys", keys),
		slog.String("log_format", cfg.LogFormat), slog.Int64("max_body_bytes", cfg.MaxBodyBytes),
		slog.String("trusted_proxies", cfg.TrustedProxies),
		slog.String("smtp_url", redactDB(cfg.SMTPURL)), slog.String("mail_from", cfg.MailFrom),
		slog.Duration("reauth_window", cfg.ReauthWindow), slog.String("captcha", cfg.Captcha),
		slog.Bool("dev_idp", cfg.DevIdP),
		slog.String("google_client_id", cfg.GoogleClientID), slog.Duration("saml_clock_skew", cfg.SAMLSkew),
	)
}

// redactDB hides a password in a database URL, in the user info or the
// query (libpq accepts both).
func redactDB(db string) string {
	u, err := url.Parse(db)
	if err != nil {
		return "[unparsable]"
	}
	if u.User != nil {
		if _, ok := u.User.Password(); ok {
			u.User = url.UserPassword(u.User.Username(), "redacted")
		}
	}
	if q := u.Query(); q.Has("password") {
		q.Set("password", "redacted")
		u.RawQuery = q.Encode()
	}
	return u.String()
}
