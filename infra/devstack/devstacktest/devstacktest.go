// Package devstacktest starts the embedded engines for a test: real NATS with JetStream
// and real FerretDB, in a temporary directory, stopped when the test ends.
package devstacktest

import (
	"context"
	"testing"

	"github.com/nats-io/nats.go"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"onramp.dev/infra/devstack"
	"onramp.dev/infra/store"
)

// Env is a running test stack with one connection to each engine.
type Env struct {
	Stack *devstack.Stack
	NATS  *nats.Conn
	Mongo *mongo.Client
}

// Start starts the stack for t.
func Start(t testing.TB) *Env {
	t.Helper()
	ctx := context.Background()
	s, err := devstack.Start(ctx, devstack.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.Close)
	nc, err := s.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	mc, err := store.Connect(ctx, s.StoreURI())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mc.Disconnect(context.Background()) })
	return &Env{Stack: s, NATS: nc, Mongo: mc}
}
