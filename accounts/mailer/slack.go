package mailer

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"syscall"
	"time"
)

// Slack posts to incoming webhooks.
type Slack struct {
	client *http.Client
	// allowLocal lets a loopback development server post to loopback
	// webhooks (tests); production refuses every non-public address.
	allowLocal bool
}

// NewSlack returns a poster. With allowLocal false it connects only to
// public addresses, whatever a webhook host resolves to.
func NewSlack(allowLocal bool) *Slack {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if !allowLocal {
		d.Control = func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil || !publicAddr(ap.Addr()) {
				return fmt.Errorf("webhook address %s is not public", address)
			}
			return nil
		}
	}
	tr := &http.Transport{DialContext: d.DialContext, TLSHandshakeTimeout: 10 * time.Second, Proxy: nil}
	return &Slack{allowLocal: allowLocal, client: &http.Client{Transport: tr, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// CheckWebhookURL accepts https URLs to public host names; with allowLocal
// also http(s) to loopback.
func CheckWebhookURL(raw string, allowLocal bool) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil || u.Fragment != "" {
		return errors.New("the webhook URL must be an absolute https URL")
	}
	host := u.Hostname()
	if allowLocal && IsLoopback(host) && (u.Scheme == "http" || u.Scheme == "https") {
		return nil
	}
	if u.Scheme != "https" {
		return errors.New("the webhook URL must use https")
	}
	if host == "localhost" || !hasDot(host) {
		return errors.New("the webhook URL must name a public host")
	}
	if a, err := netip.ParseAddr(host); err == nil && !publicAddr(a) {
		return errors.New("the webhook URL must name a public host")
	}
	return nil
}

func hasDot(s string) bool { return bytes.IndexByte([]byte(s), '.') >= 0 }

// publicAddr rejects loopback, private, link-local, multicast and
// unspecified addresses.
func publicAddr(a netip.Addr) bool {
	a = a.Unmap()
	return a.IsValid() && !a.IsLoopback() && !a.IsPrivate() && !a.IsLinkLocalUnicast() && !a.IsLinkLocalMulticast() &&
		!a.IsMulticast() && !a.IsUnspecified() && !a.IsInterfaceLocalMulticast() &&
		!netip.MustParsePrefix("100.64.0.0/10").Contains(a)
}

// PostSlack sends {"text": text} to the webhook.
func (s *Slack) PostSlack(ctx context.Context, webhookURL, text string) error {
	if err := CheckWebhookURL(webhookURL, s.allowLocal); err != nil {
		return err
	}
	body, err := json.Marshal(map[string]string{"text": text})
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, webhookURL, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := s.client.Do(req)
	if err != nil {
		// The URL is the webhook's secret and this error is stored with
		// the message: keep only what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fmt.Errorf("slack webhook: %w", err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4096))
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("slack webhook answered %s", resp.Status)
	}
	return nil
}
