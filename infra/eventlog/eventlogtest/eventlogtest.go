// Package eventlogtest is the conformance suite every Onramp service's event log passes:
// commands after poison on the record's subject, a second writer with a stale view, a crash
// between append and projection, a restart from the snapshot, a full replay, and a lost
// store rebuilt — each compared document by document with what the service stored before.
package eventlogtest

import (
	"context"
	"encoding/json"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"onramp.dev/infra/bus"
	"onramp.dev/infra/devstack/devstacktest"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/store"
)

// Main is a service's lifecycle.
type Main interface {
	Run(ctx context.Context) error
	Close() error
}

// Service describes one service to the suite.
type Service struct {
	Stream string // its stream, e.g. "ONBOARDING"
	DB     string // its database
	// New builds the service on its own connections (not running yet) and returns its log.
	New func(t *testing.T, nc *nats.Conn, db *mongo.Database) (Main, *eventlog.Log)
	// Command makes the n-th change to one record through the service's operations (over
	// the test's NATS connection, answered by whichever instance runs); each n a change
	// that is really new.
	Command func(t *testing.T, n int) error
	// Own lists collections that are not a projection of the stream (e.g. signing keys),
	// left out of the comparisons.
	Own []string
	// Record is a subject of the record Command changes, where poison is published (asked
	// after the first three commands).
	Record func() string
}

type instance struct {
	m   Main
	log *eventlog.Log
	nc  *nats.Conn
	mc  *mongo.Client
}

func start(t *testing.T, env *devstacktest.Env, s Service) *instance {
	t.Helper()
	ctx := context.Background()
	nc, err := env.Stack.Connect()
	if err != nil {
		t.Fatal(err)
	}
	mc, err := store.Connect(ctx, env.Stack.StoreURI())
	if err != nil {
		t.Fatal(err)
	}
	m, log := s.New(t, nc, mc.Database(s.DB))
	if err := m.Run(ctx); err != nil {
		t.Fatal(err)
	}
	if err := nc.Flush(); err != nil { // its endpoints are known to the server before a call
		t.Fatal(err)
	}
	in := &instance{m: m, log: log, nc: nc, mc: mc}
	t.Cleanup(in.stop)
	return in
}

func (in *instance) stop() {
	if in.m != nil {
		_ = in.m.Close()
		in.m = nil
	}
	in.nc.Close()
	_ = in.mc.Disconnect(context.Background())
}

// crash ends the instance as a kill would: its connections go, nothing is flushed or
// saved.
func (in *instance) crash() {
	in.nc.Close()
	_ = in.mc.Disconnect(context.Background())
	in.m = nil // its goroutines find closed connections and stop trying
}

// Run runs the suite against s on env, which Command's operations are answered on. The
// instance already started by the caller, if any, must be closed before.
func Run(t *testing.T, env *devstacktest.Env, s Service) {
	ctx := context.Background()
	js, _ := jetstream.New(env.NATS)
	n := 0
	command := func(t *testing.T) {
		t.Helper()
		if err := s.Command(t, n); err != nil {
			t.Fatalf("command %d: %v", n, err)
		}
		n++
	}
	settle := func(t *testing.T, in *instance) []string {
		t.Helper()
		last, err := bus.StreamLastSeq(ctx, js, s.Stream)
		if err != nil {
			t.Fatal(err)
		}
		if !in.log.WaitApplied(ctx, last, 10*time.Second) {
			t.Fatalf("model at %d, stream at %d", in.log.Applied(), last)
		}
		if err := in.log.FlushNow(ctx); err != nil {
			t.Fatal(err)
		}
		return dump(t, env.Mongo.Database(s.DB), s.Own)
	}

	first := start(t, env, s)
	for range 3 {
		command(t)
	}

	// Poison on the record's subject: not JSON, then an envelope of an unknown type.
	if _, err := js.Publish(ctx, s.Record(), []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, s.Record(), []byte(`{"id":"0190a3c4-0000-7000-8000-000000000000","type":"x.y.z","version":1,"time":"2026-01-01T00:00:00Z","actor":"x","subject":"x","data":{}}`)); err != nil {
		t.Fatal(err)
	}
	t.Run("a command after poison on the record", func(t *testing.T) { command(t) })

	t.Run("a second writer with a stale view decides again", func(t *testing.T) {
		second := start(t, env, s)
		for range 6 { // answered by either instance, each behind the other now and then
			command(t)
		}
		a, b := settle(t, first), settle(t, second)
		if !slices.Equal(a, b) {
			t.Fatalf("the two instances store different documents:\n%s\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
		}
		second.stop()
	})

	before := settle(t, first)
	// Issue 9's reproduction: an event is delivered to a durable consumer that never
	// acknowledges it (as the old projector held it when its process died), a newer event
	// on the same record follows, then the process dies before it projects or snapshots
	// anything. The restarted model must hold both; the full replay below compares.
	held, err := js.CreateOrUpdateConsumer(ctx, s.Stream, jetstream.ConsumerConfig{
		Durable: "held-" + strings.ToLower(s.Stream), DeliverPolicy: jetstream.DeliverNewPolicy, AckPolicy: jetstream.AckExplicitPolicy})
	if err != nil {
		t.Fatal(err)
	}
	command(t)
	if batch, err := held.Fetch(1, jetstream.FetchMaxWait(5*time.Second)); err != nil {
		t.Fatal(err)
	} else {
		for range batch.Messages() { // taken, never acknowledged
		}
	}
	command(t)
	first.crash()
	var after []string
	t.Run("a crash between append and projection loses nothing", func(t *testing.T) {
		in := start(t, env, s)
		after = settle(t, in)
		if slices.Equal(before, after) {
			t.Fatal("the last command before the crash is missing from the store")
		}
		in.stop() // saves a snapshot
	})
	for _, c := range []struct {
		name   string
		before func(t *testing.T)
	}{
		{"a restart from the snapshot", func(*testing.T) {}},
		{"a lost store is rebuilt from the snapshot", func(t *testing.T) {
			if err := env.Mongo.Database(s.DB).Drop(ctx); err != nil {
				t.Fatal(err)
			}
		}},
		{"a full replay rebuilds the store", func(t *testing.T) {
			if err := eventlog.Forget(ctx, js, s.Stream, store.NewCheckpoint(env.Mongo.Database(s.DB), s.Stream)); err != nil {
				t.Fatal(err)
			}
			if err := env.Mongo.Database(s.DB).Drop(ctx); err != nil {
				t.Fatal(err)
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.before(t)
			in := start(t, env, s)
			if got := settle(t, in); !slices.Equal(got, after) {
				t.Fatalf("the store differs:\n got %s\nwant %s", strings.Join(got, "\n     "), strings.Join(after, "\n     "))
			}
			in.stop()
		})
	}
	t.Run("and the record still takes commands", func(t *testing.T) {
		start(t, env, s)
		command(t)
	})
}

// dump lists every document of db (checkpoints aside) as canonical JSON, sorted.
func dump(t *testing.T, db *mongo.Database, own []string) []string {
	t.Helper()
	ctx := context.Background()
	names, err := db.ListCollectionNames(ctx, bson.D{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, name := range names {
		if name == "checkpoints" || slices.Contains(own, name) {
			continue
		}
		cur, err := db.Collection(name).Find(ctx, bson.D{})
		if err != nil {
			t.Fatal(err)
		}
		for cur.Next(ctx) {
			ext, err := bson.MarshalExtJSON(cur.Current, true, false)
			if err != nil {
				t.Fatal(err)
			}
			var v any // maps come out in any order: let encoding/json sort them
			if err := json.Unmarshal(ext, &v); err != nil {
				t.Fatal(err)
			}
			b, _ := json.Marshal(v)
			out = append(out, name+" "+string(b))
		}
		_ = cur.Close(ctx)
	}
	sort.Strings(out)
	return out
}
