package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/mailer"
)

// newDelivery picks where outbox mail and Slack messages go: the SMTP relay
// when configured, the development mailbox on a loopback server without
// one, otherwise nowhere yet (mail waits in the outbox).
func newDelivery(cfg config) (accounts.Delivery, error) {
	d := accounts.Delivery{Slack: mailer.NewSlack(cfg.loopbackOnly())}
	switch {
	case cfg.SMTPURL != "":
		m, err := mailer.NewSMTP(cfg.SMTPURL, cfg.MailFrom)
		if err != nil {
			return d, usagef("%v", err)
		}
		d.Mail = m
	case cfg.devMailbox():
		d.Mail, d.KeepBodies = mailer.DevMailbox{}, true
	}
	return d, nil
}

// deliverLoop drains the outbox every interval until ctx ends. Replicas
// run it side by side: each claims different messages.
func deliverLoop(ctx context.Context, svc *accounts.Service, d accounts.Delivery, interval time.Duration, log *slog.Logger) {
	tick := time.NewTicker(interval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		for {
			n, err := svc.DeliverOutbox(ctx, d)
			if err != nil {
				if ctx.Err() == nil {
					log.Warn("deliver outbox", "err", err)
				}
				break
			}
			if n == 0 {
				break
			}
			log.Debug("delivered outbox messages", "count", n)
		}
	}
}
