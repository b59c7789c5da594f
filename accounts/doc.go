// Package accounts is the domain core of idbridge: teams, verified domains,
// users, memberships, credentials (passwords, TOTP, recovery codes),
// sessions, one-time tokens, SCIM tokens, notifications and their outbox, and
// audit events; the Store contract every backend implements; and the Service
// that runs each domain operation as one transaction. Delivery to the
// outside world (SMTP, Slack) sits behind the Mailer and SlackPoster
// interfaces, implemented in accounts/mailer.
//
// It must never import another idbridge package, speak HTTP, or decide
// policy ("may this person do this?"); the policy package decides and the
// edges (web, scim, sso) call the Service with the outcome.
package accounts
