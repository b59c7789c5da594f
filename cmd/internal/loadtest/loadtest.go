// Package loadtest times an operation run by concurrent clients, for the
// benchmark tools (cmd/scimbench, cmd/ssobench): how many ran, how many
// failed, the rate and latency percentiles. It only measures; what is run
// and against what is the tool's business.
package loadtest

import (
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Result is one operation's measurement. Latencies are sorted.
type Result struct {
	Name      string
	N, Errors int64
	Elapsed   time.Duration
	Latencies []time.Duration
}

// Rate is operations per second.
func (r Result) Rate() float64 { return float64(r.N) / r.Elapsed.Seconds() }

// Pct is the p-quantile (0..1) of the latencies in milliseconds.
func (r Result) Pct(p float64) float64 {
	if len(r.Latencies) == 0 {
		return 0
	}
	return float64(r.Latencies[int(p*float64(len(r.Latencies)-1))].Microseconds()) / 1000
}

// Share formats r's rate as a percentage of base, or "" without a base.
func (r Result) Share(base float64) string {
	if base <= 0 {
		return ""
	}
	return fmt.Sprintf("%7.0f%%", 100*r.Rate()/base)
}

// Merge adds another round of the same operation.
func (r Result) Merge(o Result) Result {
	lats := slices.Concat(r.Latencies, o.Latencies)
	slices.Sort(lats)
	return Result{Name: o.Name, N: r.N + o.N, Errors: r.Errors + o.Errors, Elapsed: r.Elapsed + o.Elapsed, Latencies: lats}
}

// For runs op from clients goroutines until d has passed. op gets the
// worker number and that worker's own call count, so a worker can find
// again what it made in an earlier phase.
func For(name string, clients int, d time.Duration, op func(worker, i int) error) Result {
	deadline := time.Now().Add(d)
	return run(name, clients, func(_, count int) (int, bool) { return count, time.Now().Before(deadline) }, op)
}

// Each runs op once for every item 0..n-1, spread over clients goroutines.
func Each(name string, clients, n int, op func(worker, i int) error) Result {
	var next atomic.Int64
	return run(name, clients, func(int, int) (int, bool) {
		i := int(next.Add(1) - 1)
		return i, i < n
	}, op)
}

// run calls op from clients goroutines for as long as item says, and
// reports the first error of the phase on stderr.
func run(name string, clients int, item func(worker, count int) (int, bool), op func(worker, i int) error) Result {
	var (
		mu        sync.Mutex // guards lats
		lats      []time.Duration
		done, bad atomic.Int64
		wg        sync.WaitGroup
	)
	start := time.Now()
	for w := range clients {
		wg.Go(func() {
			var local []time.Duration
			for count := 0; ; count++ {
				i, ok := item(w, count)
				if !ok {
					break
				}
				t0 := time.Now()
				err := op(w, i)
				local = append(local, time.Since(t0))
				done.Add(1)
				if err != nil && bad.Add(1) == 1 {
					fmt.Fprintf(os.Stderr, "%s: first error: %v\n", name, err)
				}
			}
			mu.Lock()
			lats = append(lats, local...)
			mu.Unlock()
		})
	}
	wg.Wait()
	slices.Sort(lats)
	return Result{Name: name, N: done.Load(), Errors: bad.Load(), Elapsed: time.Since(start), Latencies: lats}
}
