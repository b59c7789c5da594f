package web

import "testing"

func TestDescribeAgent(t *testing.T) {
	tests := []struct {
		name, ua, browser, os string
	}{
		{"chrome on windows is recognised", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36", "Chrome", "Windows"},
		{"edge is not mistaken for chrome", "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 Chrome/120.0 Safari/537.36 Edg/120.0", "Edge", "Windows"},
		{"safari on an iphone is recognised", "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1", "Safari", "iOS"},
		{"firefox on linux is recognised", "Mozilla/5.0 (X11; Linux x86_64; rv:121.0) Gecko/20100101 Firefox/121.0", "Firefox", "Linux"},
		{"an empty header is unknown", "", "Unknown browser", "Unknown system"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, o := describeAgent(tt.ua)
			if b != tt.browser || o != tt.os {
				t.Fatalf("describeAgent = %q, %q; want %q, %q", b, o, tt.browser, tt.os)
			}
		})
	}
}
