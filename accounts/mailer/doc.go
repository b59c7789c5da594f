// Package mailer delivers what the accounts outbox holds to the outside
// world: email over SMTP (github.com/wneessen/go-mail, TLS required except
// to a loopback relay), Slack incoming webhooks over HTTPS to public hosts
// only, and, for development, a mailbox that keeps mail in the database.
//
// It implements accounts.Mailer and accounts.SlackPoster; cmd/idbridge
// wires it. It holds no business rules and never imports a store.
package mailer
