package postgres_test

import (
	"testing"

	"github.com/idbridge/idbridge/accounts"
	"github.com/idbridge/idbridge/accounts/postgres/pgtest"
	"github.com/idbridge/idbridge/accounts/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) accounts.Store { return pgtest.NewStore(t) })
}
