package accounts_test

import (
	"testing"

	"github.com/idbridge/idbridge/accounts"
)

func TestParseUserAgent(t *testing.T) {
	for _, tc := range []struct{ name, ua, want string }{
		{"Chrome on Windows is Chrome, not Safari", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome on Windows"},
		{"Edge is told apart from the Chrome it claims to be", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36 Edg/131.0.2903.86", "Edge on Windows"},
		{"Firefox on Linux", "Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Linux"},
		{"Safari on macOS", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7_1) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari on macOS"},
		{"Safari on an iPhone is iOS, not macOS", "Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Safari on iOS"},
		{"Chrome on Android is Android, not Linux", "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Mobile Safari/537.36", "Chrome on Android"},
		{"curl has no system", "curl/8.5.0", "curl"},
		{"an empty header is an unknown device", "", "Unknown device"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := accounts.DescribeDevice(tc.ua); got != tc.want {
				t.Fatalf("DescribeDevice = %q, want %q", got, tc.want)
			}
		})
	}
}
