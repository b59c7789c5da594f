package storetest

import (
	"testing"
	"time"

	"github.com/idbridge/idbridge/accounts"
)

func testDomains(t *testing.T, newStore newStoreFunc) {
	t.Run("ListDomains returns a team's domains ordered by name", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		a, b := createTeam(t, s, "alpha"), createTeam(t, s, "bravo")
		var want []accounts.Domain
		for _, name := range []string{"charlie.example", "alpha.example", "bravo.example"} {
			d := newDomain(a.ID, name)
			if name == "bravo.example" {
				d.VerifiedAt = new(at(time.Minute))
			}
			noErr(t, s.CreateDomain(ctx, &d))
			want = append(want, d)
		}
		other := newDomain(b.ID, "delta.example")
		noErr(t, s.CreateDomain(ctx, &other))

		got, err := s.ListDomains(ctx, a.ID)
		noErr(t, err)
		same(t, "ListDomains", got, []accounts.Domain{want[1], want[2], want[0]})
		got, err = s.ListDomains(ctx, createTeam(t, s, "charlie").ID)
		noErr(t, err)
		if len(got) != 0 {
			t.Errorf("ListDomains of a team without domains returned %d", len(got))
		}
	})

	t.Run("two teams may claim one name while it is unverified", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		a, b := createTeam(t, s, "alpha"), createTeam(t, s, "bravo")
		da, db := newDomain(a.ID, "example.com"), newDomain(b.ID, "example.com")
		noErr(t, s.CreateDomain(ctx, &da))
		noErr(t, s.CreateDomain(ctx, &db))
		got, err := s.ListDomains(ctx, b.ID)
		noErr(t, err)
		same(t, "ListDomains of the second team", got, []accounts.Domain{db})
		_, err = s.FindVerifiedDomain(ctx, "example.com")
		wantErr(t, err, accounts.ErrNotFound)
	})

	t.Run("a team cannot claim one name twice, in any letter case", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		a := createTeam(t, s, "alpha")
		first := newDomain(a.ID, "example.com")
		noErr(t, s.CreateDomain(ctx, &first))
		for _, name := range []string{"example.com", "EXAMPLE.COM"} {
			t.Run(name, func(t *testing.T) {
				d := newDomain(a.ID, name)
				wantErr(t, s.CreateDomain(ctx, &d), accounts.ErrDomainTaken)
			})
		}
		got, err := s.ListDomains(ctx, a.ID)
		noErr(t, err)
		same(t, "ListDomains", got, []accounts.Domain{first})
	})

	t.Run("VerifyDomain marks the claim verified and FindVerifiedDomain finds it in any letter case", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		a, b := createTeam(t, s, "alpha"), createTeam(t, s, "bravo")
		d := newDomain(a.ID, "example.com")
		noErr(t, s.CreateDomain(ctx, &d))
		other := newDomain(b.ID, "example.com")
		noErr(t, s.CreateDomain(ctx, &other))

		got, err := s.VerifyDomain(ctx, a.ID, "Example.COM", at(time.Hour))
		noErr(t, err)
		want := d
		want.VerifiedAt = new(at(time.Hour))
		same(t, "VerifyDomain result", got, want)
		for _, name := range []string{"example.com", "EXAMPLE.com"} {
			got, err := s.FindVerifiedDomain(ctx, name)
			noErr(t, err)
			same(t, "FindVerifiedDomain("+name+")", got, want)
		}
		list, err := s.ListDomains(ctx, a.ID)
		noErr(t, err)
		same(t, "ListDomains", list, []accounts.Domain{want})
	})

	t.Run("VerifyDomain of a name the team has not claimed is ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		a, b := createTeam(t, s, "alpha"), createTeam(t, s, "bravo")
		d := newDomain(b.ID, "bravo.example")
		noErr(t, s.CreateDomain(ctx, &d))
		for _, name := range []string{"unclaimed.example", "bravo.example"} {
			_, err := s.VerifyDomain(ctx, a.ID, name, at(time.Hour))
			wantErr(t, err, accounts.ErrNotFound)
		}
		got, err := s.ListDomains(ctx, b.ID)
		noErr(t, err)
		same(t, "the other team's claim", got, []accounts.Domain{d})
	})

	t.Run("a second team cannot verify a name another team verified", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		a, b := createTeam(t, s, "alpha"), createTeam(t, s, "bravo")
		da, db := newDomain(a.ID, "example.com"), newDomain(b.ID, "example.com")
		noErr(t, s.CreateDomain(ctx, &da))
		noErr(t, s.CreateDomain(ctx, &db))
		_, err := s.VerifyDomain(ctx, a.ID, "example.com", at(time.Hour))
		noErr(t, err)
		_, err = s.VerifyDomain(ctx, b.ID, "EXAMPLE.COM", at(2*time.Hour))
		wantErr(t, err, accounts.ErrDomainTaken)

		got, err := s.FindVerifiedDomain(ctx, "example.com")
		noErr(t, err)
		if got.TeamID != a.ID {
			t.Errorf("verified claim belongs to team %s, want the first verifier %s", got.TeamID, a.ID)
		}
		list, err := s.ListDomains(ctx, b.ID)
		noErr(t, err)
		same(t, "the losing team's claim", list, []accounts.Domain{db})
	})

	t.Run("a team may claim a name another team verified, but not create it verified", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		a, b, c := createTeam(t, s, "alpha"), createTeam(t, s, "bravo"), createTeam(t, s, "charlie")
		verified := newDomain(a.ID, "example.com")
		verified.VerifiedAt = new(base())
		noErr(t, s.CreateDomain(ctx, &verified))
		unverified := newDomain(b.ID, "example.com")
		noErr(t, s.CreateDomain(ctx, &unverified))
		second := newDomain(c.ID, "Example.com")
		second.VerifiedAt = new(at(time.Minute))
		wantErr(t, s.CreateDomain(ctx, &second), accounts.ErrDomainTaken)

		got, err := s.ListDomains(ctx, c.ID)
		noErr(t, err)
		if len(got) != 0 {
			t.Errorf("the refused claim was written: %d domains", len(got))
		}
		found, err := s.FindVerifiedDomain(ctx, "example.com")
		noErr(t, err)
		same(t, "FindVerifiedDomain", found, verified)
	})

	t.Run("FindVerifiedDomain of a name nobody verified is ErrNotFound", func(t *testing.T) {
		t.Parallel()
		s, ctx := newStore(t), t.Context()
		a := createTeam(t, s, "alpha")
		d := newDomain(a.ID, "claimed.example")
		noErr(t, s.CreateDomain(ctx, &d))
		for _, name := range []string{"claimed.example", "unclaimed.example"} {
			_, err := s.FindVerifiedDomain(ctx, name)
			wantErr(t, err, accounts.ErrNotFound)
		}
	})
}
