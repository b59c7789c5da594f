package policy

import "testing"

func TestLocalPath(t *testing.T) {
	tests := []struct {
		name   string
		target string
		want   bool
	}{
		{"a plain settings path is local", "/settings/account", true},
		{"a path with a query is local", "/settings/sessions?tab=all", true},
		{"the root is local", "/", true},
		{"a percent-encoded space in a path is local", "/settings/a%20b", true},
		{"an empty target is refused", "", false},
		{"a relative path is refused", "settings", false},
		{"a protocol-relative URL is refused", "//evil.example", false},
		{"a slash-backslash URL is refused", `/\evil.example`, false},
		{"a backslash-backslash URL is refused", `\\evil.example`, false},
		{"an https URL is refused", "https://evil.example/", false},
		{"a javascript URL is refused", "javascript:alert(1)", false},
		{"a scheme with no slashes is refused", "https:evil.example", false},
		{"an encoded second slash is refused", "/%2fevil.example", false},
		{"an encoded backslash is refused", "/%5cevil.example", false},
		{"a doubly encoded slash stays a path on this server", "/%252f%252fevil", true},
		{"a tab between the slashes is refused", "/\t/evil.example", false},
		{"an encoded tab between the slashes is refused", "/%09/evil.example", false},
		{"a newline is refused", "/settings\n", false},
		{"a user-info trick is refused", "//user@evil.example", false},
		{"an invalid escape is refused", "/%zz", false},
		{"a very long path is refused", "/" + string(make([]byte, 3000)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := LocalPath(tt.target); got != tt.want {
				t.Fatalf("LocalPath(%q) = %v, want %v", tt.target, got, tt.want)
			}
		})
	}
}
