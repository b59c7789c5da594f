package policy

import (
	"net/url"
	"strings"
)

// LocalPath reports whether target may be used as a redirect after sign-in:
// a path on this server, never another origin. Browsers read "//evil",
// "/\evil" and "\\evil" as protocol-relative URLs, and some decode percent
// escapes or drop tabs and newlines before they do, so the raw and the
// decoded forms must both be plain absolute paths with no scheme, host,
// backslash or control character.
func LocalPath(target string) bool {
	if target == "" || len(target) > 2048 {
		return false
	}
	decoded, err := url.PathUnescape(target)
	if err != nil {
		return false
	}
	for _, s := range []string{target, decoded} {
		if !plainPath(s) {
			return false
		}
	}
	u, err := url.Parse(target)
	return err == nil && u.Scheme == "" && u.Host == "" && u.User == nil && !u.IsAbs()
}

// plainPath: starts with one slash, never two, and holds no backslash or
// control character anywhere.
func plainPath(s string) bool {
	if !strings.HasPrefix(s, "/") || strings.HasPrefix(s, "//") {
		return false
	}
	return !strings.ContainsFunc(s, func(r rune) bool { return r == '\\' || r < 0x20 || r == 0x7f })
}
