package policy

import (
	"net/url"
	"strings"
)

// LocalReturnTo returns raw when it is a path on this server and "/"
// otherwise, so that a return_to parameter can never send a browser to
// another origin (no open redirect). Accepted: an absolute path without
// scheme, host, backslash or control characters; "//host" and "/\host",
// which browsers read as other origins, are refused.
func LocalReturnTo(raw string) string {
	if raw == "" || len(raw) > 2048 || raw[0] != '/' || strings.HasPrefix(raw, "//") {
		return "/"
	}
	if strings.ContainsFunc(raw, func(r rune) bool { return r == '\\' || r < 0x20 || r == 0x7f }) {
		return "/"
	}
	u, err := url.Parse(raw)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" {
		return "/"
	}
	return raw
}
