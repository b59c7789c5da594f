package loadtest

import (
	"errors"
	"sync"
	"testing"
	"time"
)

func TestEachRunsEveryItemOnceAndCountsErrors(t *testing.T) {
	var mu sync.Mutex // guards seen
	seen := map[int]int{}
	r := Each("items", 4, 50, func(_, i int) error {
		mu.Lock()
		seen[i]++
		mu.Unlock()
		if i%10 == 0 {
			return errors.New("every tenth fails")
		}
		return nil
	})
	if r.N != 50 || r.Errors != 5 || len(r.Latencies) != 50 || len(seen) != 50 {
		t.Fatalf("N %d, errors %d, latencies %d, distinct items %d; want 50, 5, 50, 50", r.N, r.Errors, len(r.Latencies), len(seen))
	}
	for i, n := range seen {
		if n != 1 {
			t.Errorf("item %d ran %d times", i, n)
		}
	}
}

func TestForGivesEachWorkerItsOwnCount(t *testing.T) {
	var mu sync.Mutex // guards next
	next := map[int]int{}
	r := For("timed", 3, 20*time.Millisecond, func(w, i int) error {
		mu.Lock()
		defer mu.Unlock()
		if i != next[w] {
			t.Errorf("worker %d got count %d, want %d", w, i, next[w])
		}
		next[w]++
		return nil
	})
	total := 0
	for _, n := range next {
		total += n
	}
	if r.N == 0 || int(r.N) != total {
		t.Fatalf("N %d, calls counted by the workers %d", r.N, total)
	}
}

func TestPercentilesShareAndMerge(t *testing.T) {
	a := Result{Name: "a", N: 3, Elapsed: time.Second, Latencies: []time.Duration{time.Millisecond, 2 * time.Millisecond, 9 * time.Millisecond}}
	b := Result{Name: "a", N: 1, Errors: 1, Elapsed: time.Second, Latencies: []time.Duration{4 * time.Millisecond}}
	m := a.Merge(b)
	if m.N != 4 || m.Errors != 1 || m.Rate() != 2 || m.Pct(0.5) != 2 || m.Pct(1) != 9 {
		t.Fatalf("merged %+v: rate %v, p50 %v, p100 %v", m, m.Rate(), m.Pct(0.5), m.Pct(1))
	}
	if got := m.Share(8); got != "     25%" {
		t.Errorf("Share(8) = %q", got)
	}
	if got := m.Share(0); got != "" {
		t.Errorf("Share(0) = %q, want empty", got)
	}
	if (Result{}).Pct(0.99) != 0 {
		t.Error("no latencies must give 0")
	}
}
