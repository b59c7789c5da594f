package scim

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
)

func TestShedderTurnsAwayWhatItCannotServe(t *testing.T) {
	s := newShedder(2, 1)
	release := make(chan struct{})
	started := make(chan struct{}, 4)
	h := s.middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-release
	}))
	call := func(team string) *httptest.ResponseRecorder {
		ctx := context.WithValue(context.Background(), callerKey{}, caller{teamID: team})
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/scim/v2/Users", nil).WithContext(ctx))
		return rec
	}
	var wg sync.WaitGroup
	for _, team := range []string{"a", "b"} {
		wg.Go(func() { call(team) })
	}
	<-started
	<-started

	// Team a already has its one request in flight.
	if rec := call("a"); rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "1" {
		t.Fatalf("a second request of one team: %d, Retry-After %q; want 429 with Retry-After", rec.Code, rec.Header().Get("Retry-After"))
	}
	// Team c has none, but the server's two places are taken.
	if rec := call("c"); rec.Code != http.StatusTooManyRequests {
		t.Fatalf("a request past the server's bound: %d, want 429", rec.Code)
	}
	close(release)
	wg.Wait()
	if rec := call("a"); rec.Code != http.StatusOK {
		t.Fatalf("after the others finished: %d, want 200", rec.Code)
	}
	if len(s.perTeam) != 0 || len(s.slots) != 0 {
		t.Fatalf("counts left behind: %v, %d slots", s.perTeam, len(s.slots))
	}
}
