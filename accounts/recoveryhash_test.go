package accounts

import (
	"bytes"
	"testing"
)

func TestRecoveryHashIgnoresFormattingAndDiffersPerUser(t *testing.T) {
	want := recoveryHash("user-1", "abcde-fghij")
	for _, typed := range []string{"ABCDE-FGHIJ", " abcdefghij ", "abcde fghij"} {
		if got := recoveryHash("user-1", typed); !bytes.Equal(got, want) {
			t.Errorf("%q hashes differently from the code as shown", typed)
		}
	}
	if bytes.Equal(recoveryHash("user-2", "abcde-fghij"), want) {
		t.Error("the same code of two users has one hash: a leaked table could be searched for all users at once")
	}
	if bytes.Equal(HashToken("abcdefghij"), want) {
		t.Error("a recovery code is stored as its bare SHA-256")
	}
}
