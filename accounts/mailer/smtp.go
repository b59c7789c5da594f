package mailer

import (
	"context"
	"fmt"
	"net"
	"net/mail"
	"net/url"
	"strconv"
	"time"

	gomail "github.com/wneessen/go-mail"

	"github.com/idbridge/idbridge/accounts"
)

// SMTP sends email through one relay.
type SMTP struct {
	host string
	opts []gomail.Option
	from string
}

// NewSMTP parses a relay URL and the From address:
//
//	smtps://user:pass@host:465   implicit TLS
//	smtp://user:pass@host:587    STARTTLS, required
//	smtp://127.0.0.1:2525        no TLS: allowed only to a loopback host
func NewSMTP(rawURL, from string) (*SMTP, error) {
	u, err := url.Parse(rawURL)
	if err != nil || u.Hostname() == "" || (u.Scheme != "smtp" && u.Scheme != "smtps") {
		return nil, fmt.Errorf("--smtp-url must be smtp://host:port or smtps://host:port")
	}
	if _, err := mail.ParseAddress(from); err != nil || from == "" {
		return nil, fmt.Errorf("--mail-from must be an email address, e.g. \"idbridge <no-reply@example.com>\"")
	}
	opts := []gomail.Option{gomail.WithTimeout(20 * time.Second)}
	port := 587
	if u.Scheme == "smtps" {
		port = 465
		opts = append(opts, gomail.WithSSL())
	} else if IsLoopback(u.Hostname()) {
		// A local relay (or a test server) needs no encryption to be
		// private; use STARTTLS when it offers it.
		port = 25
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSOpportunistic))
	} else {
		opts = append(opts, gomail.WithTLSPolicy(gomail.TLSMandatory))
	}
	if p := u.Port(); p != "" {
		n, err := strconv.Atoi(p)
		if err != nil || n <= 0 || n > 65535 {
			return nil, fmt.Errorf("--smtp-url has a bad port %q", p)
		}
		port = n
	}
	opts = append(opts, gomail.WithPort(port))
	if u.User != nil {
		pass, _ := u.User.Password()
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthAutoDiscover),
			gomail.WithUsername(u.User.Username()), gomail.WithPassword(pass))
	}
	return &SMTP{host: u.Hostname(), opts: opts, from: from}, nil
}

// SendMail delivers one plain-text message.
func (s *SMTP) SendMail(ctx context.Context, m accounts.Mail) error {
	msg := gomail.NewMsg()
	if err := msg.From(s.from); err != nil {
		return fmt.Errorf("from: %w", err)
	}
	if err := msg.To(m.To); err != nil {
		return fmt.Errorf("to: %w", err)
	}
	msg.Subject(m.Subject)
	msg.SetBodyString(gomail.TypeTextPlain, m.Body)
	c, err := gomail.NewClient(s.host, s.opts...)
	if err != nil {
		return fmt.Errorf("smtp client: %w", err)
	}
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return fmt.Errorf("smtp send: %w", err)
	}
	return nil
}

// IsLoopback reports whether host is localhost or a loopback address.
func IsLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// DevMailbox is the development mailer: the outbox row marked sent is the
// message, shown at /dev/mail, so sending does nothing else.
type DevMailbox struct{}

// SendMail accepts every message.
func (DevMailbox) SendMail(context.Context, accounts.Mail) error { return nil }
