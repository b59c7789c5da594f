package policy

// LocalReturnTo returns raw when LocalPath accepts it and "/" otherwise, so
// that a return_to parameter can never send a browser to another origin
// (no open redirect).
func LocalReturnTo(raw string) string {
	if !LocalPath(raw) {
		return "/"
	}
	return raw
}
