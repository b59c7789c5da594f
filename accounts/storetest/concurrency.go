package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

func testConcurrency(t *testing.T, newStore newStoreFunc) {
	t.Run("exactly one of concurrent creates of one username in different letter cases succeeds", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		users := make([]accounts.User, 8)
		for i := range users {
			users[i] = newUser(letterCase("racer", i))
			users[i].Email = fmt.Sprintf("racer%d@example.com", i)
		}
		errs := race(len(users), func(i int) error { return s.CreateUser(ctx, &users[i]) })
		winner := exactlyOne(t, errs, accounts.ErrUsernameTaken)
		if winner < 0 {
			return
		}
		got, err := s.GetUserByUsername(ctx, "RACER")
		noErr(t, err)
		same(t, "GetUserByUsername", got, users[winner])
	})

	t.Run("exactly one of concurrent creates of one email address in different letter cases succeeds", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		users := make([]accounts.User, 8)
		for i := range users {
			users[i] = newUser(fmt.Sprintf("racer%d", i))
			users[i].Email = letterCase("racer", i) + "@example.com"
		}
		errs := race(len(users), func(i int) error { return s.CreateUser(ctx, &users[i]) })
		winner := exactlyOne(t, errs, accounts.ErrEmailTaken)
		if winner < 0 {
			return
		}
		got, err := s.GetUserByEmail(ctx, "racer@example.com")
		noErr(t, err)
		same(t, "GetUserByEmail", got, users[winner])
	})

	t.Run("LockUser serialises read-check-write transactions on one user", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		u := createUser(t, s, "alice")
		noErr(t, s.SetPasswordHash(ctx, u.ID, "h", base()))
		const n = 10
		errs := race(n, func(int) error {
			return s.InTx(ctx, func(tx accounts.Tx) error {
				if _, err := tx.LockUser(ctx, u.ID); err != nil {
					return err
				}
				h, err := tx.GetPasswordHash(ctx, u.ID)
				if err != nil {
					return err
				}
				return tx.SetPasswordHash(ctx, u.ID, h+"x", base())
			})
		})
		for _, err := range errs {
			noErr(t, err)
		}
		got, err := s.GetPasswordHash(ctx, u.ID)
		noErr(t, err)
		if want := "h" + strings.Repeat("x", n); got != want {
			t.Fatalf("hash after %d locked increments = %q, want %q (an update was lost)", n, got, want)
		}
		if _, err := s.LockUser(ctx, "no-such-user"); !errors.Is(err, accounts.ErrNotFound) {
			t.Fatalf("LockUser of an unknown user: %v, want ErrNotFound", err)
		}
	})

	t.Run("exactly one of concurrent consumes of one token succeeds", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		tok := createToken(t, s, newToken(createUser(t, s, "alice").ID, accounts.PurposeResetPassword, base()))
		errs := race(20, func(int) error {
			_, err := s.ConsumeToken(ctx, tok.Purpose, tok.TokenHash, at(time.Minute))
			return err
		})
		exactlyOne(t, errs, accounts.ErrNotFound)
	})

	t.Run("concurrent rate-limit hits are all counted, each seeing its own count", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		const workers, hits = 20, 5
		counts := make([][]int, workers)
		errs := race(workers, func(i int) error {
			for range hits {
				n, err := s.HitRateLimit(ctx, "signin:ip:192.0.2.1", base())
				if err != nil {
					return err
				}
				counts[i] = append(counts[i], n)
			}
			return nil
		})
		for _, err := range errs {
			noErr(t, err)
		}
		got := slices.Sorted(slices.Values(slices.Concat(counts...)))
		for i, n := range got {
			if n != i+1 {
				t.Fatalf("the %d hits returned counts %v, want each of 1 to %d once", workers*hits, got, workers*hits)
			}
		}
	})

	for _, tc := range []struct {
		name   string
		update func(ctx context.Context, s accounts.Store, id string, fn func(*accounts.User) error) error
	}{
		{"on the Store", func(ctx context.Context, s accounts.Store, id string, fn func(*accounts.User) error) error {
			_, err := s.UpdateUser(ctx, id, fn)
			return err
		}},
		{"inside InTx", func(ctx context.Context, s accounts.Store, id string, fn func(*accounts.User) error) error {
			return s.InTx(ctx, func(tx accounts.Tx) error {
				_, err := tx.UpdateUser(ctx, id, fn)
				return err
			})
		}},
	} {
		t.Run("concurrent UpdateUser calls "+tc.name+" lose no update", func(t *testing.T) {
			t.Parallel()
			s := newStore(t)
			u := newUser("alice")
			u.Name = ""
			noErr(t, s.CreateUser(t.Context(), &u))
			const letters = "abcdefghij"
			errs := race(len(letters), func(i int) error {
				return tc.update(t.Context(), s, u.ID, func(u *accounts.User) error {
					u.Name += letters[i : i+1]
					return nil
				})
			})
			for _, err := range errs {
				noErr(t, err)
			}
			got, err := s.GetUser(t.Context(), u.ID)
			noErr(t, err)
			if sorted := string(slices.Sorted(slices.Values([]byte(got.Name)))); sorted != letters {
				t.Errorf("Name = %q after %d appends, want each of %q once", got.Name, len(letters), letters)
			}
		})
	}

	t.Run("concurrent UpdateTeam calls lose no update", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		team := createTeam(t, s, "acme")
		const workers = 10
		errs := race(workers, func(int) error {
			_, err := s.UpdateTeam(ctx, team.ID, func(tm *accounts.Team) error {
				tm.Settings.SeatLimit++
				return nil
			})
			return err
		})
		for _, err := range errs {
			noErr(t, err)
		}
		got, err := s.GetTeam(ctx, team.ID)
		noErr(t, err)
		if got.Settings.SeatLimit != workers {
			t.Errorf("SeatLimit = %d after %d increments, want %d", got.Settings.SeatLimit, workers, workers)
		}
	})

	t.Run("exactly one of several teams verifying one name at once wins", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		teams := make([]accounts.Team, 4)
		for i := range teams {
			teams[i] = createTeam(t, s, fmt.Sprintf("team-%d", i))
			d := newDomain(teams[i].ID, "example.com")
			noErr(t, s.CreateDomain(ctx, &d))
		}
		errs := race(len(teams), func(i int) error {
			_, err := s.VerifyDomain(ctx, teams[i].ID, "example.com", at(time.Minute))
			return err
		})
		winner := exactlyOne(t, errs, accounts.ErrDomainTaken)
		if winner < 0 {
			return
		}
		got, err := s.FindVerifiedDomain(ctx, "example.com")
		noErr(t, err)
		if got.TeamID != teams[winner].ID {
			t.Errorf("the verified claim belongs to team %s, want the winner %s", got.TeamID, teams[winner].ID)
		}
	})
}

// race runs fn(0) … fn(n-1) in n goroutines released at the same moment and
// returns their errors by index.
func race(n int, fn func(i int) error) []error {
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = fn(i)
		})
	}
	close(start)
	wg.Wait()
	return errs
}

// exactlyOne checks that one call succeeded and every other failed with
// loser, and returns the index of the winner (-1 when there is none).
func exactlyOne(t *testing.T, errs []error, loser error) int {
	t.Helper()
	winner := -1
	var report []string
	for i, err := range errs {
		switch {
		case err == nil && winner < 0:
			winner = i
		case err == nil:
			report = append(report, fmt.Sprintf("call %d also succeeded", i))
		case !errors.Is(err, loser):
			report = append(report, fmt.Sprintf("call %d: got error %v, want %v", i, err, loser))
		}
	}
	if winner < 0 {
		report = append(report, "no call succeeded")
	}
	if len(report) > 0 {
		t.Errorf("of %d concurrent calls:\n%s", len(errs), strings.Join(report, "\n"))
	}
	return winner
}

// letterCase upper-cases the letters of s at the positions of the bits set in
// mask, so that letterCase(s, 0) … letterCase(s, 2^len(s)-1) differ.
func letterCase(s string, mask int) string {
	b := []byte(s)
	for i := range b {
		if mask>>i&1 == 1 {
			b[i] = strings.ToUpper(string(b[i]))[0]
		}
	}
	return string(b)
}
