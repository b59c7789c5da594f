package scim

import "testing"

func TestNormalizeBody(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"Entra's string boolean in a PATCH value", `{"Operations":[{"op":"Replace","path":"active","value":"False"}]}`,
			`{"Operations":[{"op":"Replace","path":"active","value":false}]}`},
		{"string booleans of attributes in a resource", `{"active":"True","emails":[{"primary":"true","value":"a@b.c"}]}`,
			`{"active":true,"emails":[{"primary":true,"value":"a@b.c"}]}`},
		{"a padded string boolean is still a boolean", `{"active":" FALSE "}`, `{"active":false}`},
		{"a body without string booleans is returned as sent", `{"active": true, "userName":"truex"}`, `{"active": true, "userName":"truex"}`},
		{"other strings stay", `{"displayName":"False","active":"maybe"}`, `{"displayName":"False","active":"maybe"}`},
		{"Entra's plain-string manager in a PATCH value", `{"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"42"}]}`,
			`{"Operations":[{"op":"Add","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":{"value":"42"}}]}`},
		{"a plain-string manager under a qualified key", `{"Operations":[{"op":"Replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":"42"}}]}`,
			`{"Operations":[{"op":"Replace","value":{"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager":{"value":"42"}}}]}`},
		{"a manager object and manager.value stay", `{"manager":{"value":"42"},"Operations":[{"op":"Add","path":"x:manager.value","value":"42"}]}`,
			`{"manager":{"value":"42"},"Operations":[{"op":"Add","path":"x:manager.value","value":"42"}]}`},
		{"malformed JSON passes through for the library to refuse", `{"active":`, `{"active":`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(normalizeBody([]byte(tt.in))); got != tt.want {
				t.Fatalf("got %s, want %s", got, tt.want)
			}
		})
	}
}
