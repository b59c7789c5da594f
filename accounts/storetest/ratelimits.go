package storetest

import (
	"testing"
	"time"
)

func testRateLimits(t *testing.T, newStore newStoreFunc) {
	t.Run("HitRateLimit counts per key and window, and a new window starts at 1", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		window, next := base().Truncate(15*time.Minute), base().Truncate(15*time.Minute).Add(15*time.Minute)
		for _, tc := range []struct {
			key   string
			start time.Time
			want  int
		}{
			{"signin:user:alice", window, 1},
			{"signin:user:alice", window, 2},
			{"signin:user:alice", window, 3},
			{"signin:user:bob", window, 1},
			{"signin:ip:192.0.2.1", window, 1},
			{"signin:user:alice", next, 1},
			{"signin:user:alice", next, 2},
			{"signin:user:alice", window, 4},
		} {
			n, err := s.HitRateLimit(ctx, tc.key, tc.start)
			noErr(t, err)
			if n != tc.want {
				t.Errorf("HitRateLimit(%q, %s) = %d, want %d", tc.key, showTime(tc.start), n, tc.want)
			}
		}
	})
}
