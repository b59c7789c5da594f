package scim

import (
	"net/http"
	"sync"
	"time"
)

// Load shedding defaults: how many SCIM requests the process serves at
// once, how many of them one team may hold, and how long a request waits
// for a free place before it is turned away.
const (
	defaultMaxInFlight        = 128
	defaultMaxInFlightPerTeam = 32
	shedWait                  = 250 * time.Millisecond
)

// shedder answers 429 with Retry-After instead of queueing without bound:
// an overloaded endpoint that answers 5xx or times out is quarantined by
// Entra ID, while 429 makes IdPs back off and retry. The per-team bound
// keeps one team's initial sync from starving the others. The counts are
// this process's own; they bound load, they decide nothing else.
type shedder struct {
	slots   chan struct{} // one per request in flight
	teamMax int
	mu      sync.Mutex     // guards perTeam
	perTeam map[string]int // requests in flight by team
}

func newShedder(total, perTeam int) *shedder {
	if total <= 0 {
		total = defaultMaxInFlight
	}
	if perTeam <= 0 {
		perTeam = defaultMaxInFlightPerTeam
	}
	return &shedder{slots: make(chan struct{}, total), teamMax: perTeam, perTeam: map[string]int{}}
}

// middleware runs after authentication, which names the team.
func (s *shedder) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		team := callerFrom(r.Context()).teamID
		if !s.enter(team) {
			busy(w)
			return
		}
		defer s.leave(team)
		timer := time.NewTimer(shedWait)
		defer timer.Stop()
		select {
		case s.slots <- struct{}{}:
		case <-timer.C:
			busy(w)
			return
		case <-r.Context().Done():
			return
		}
		defer func() { <-s.slots }()
		next.ServeHTTP(w, r)
	})
}

func (s *shedder) enter(team string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perTeam[team] >= s.teamMax {
		return false
	}
	s.perTeam[team]++
	return true
}

func (s *shedder) leave(team string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.perTeam[team]--; s.perTeam[team] <= 0 {
		delete(s.perTeam, team)
	}
}

func busy(w http.ResponseWriter) {
	w.Header().Set("Retry-After", "1")
	writeError(w, http.StatusTooManyRequests, "", "the server is busy; retry after a second")
}
