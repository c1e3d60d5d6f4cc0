// Package servicetest is the one test harness of the services' server tests: the embedded
// stack with the streams made, a key that signs access tokens the way identity does,
// events appended as another service would, operations called as a person or as the
// system, and the small must/wait helpers every test uses. Everything runs on real
// engines: embedded NATS with JetStream and FerretDB (see devstacktest).
package servicetest

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/authn"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/devstack/devstacktest"
	"onramp.dev/infra/rpc"
)

// Stack is the embedded engines for one test, with every Onramp stream made.
type Stack struct {
	*devstacktest.Env
	JS jetstream.JetStream
}

// Start starts the engines for t and makes the streams; both stop when t ends.
func Start(t testing.TB) *Stack {
	t.Helper()
	env := devstacktest.Start(t)
	js, err := jetstream.New(env.NATS)
	if err != nil {
		t.Fatal(err)
	}
	if err := bus.EnsureStreams(context.Background(), js); err != nil {
		t.Fatal(err)
	}
	return &Stack{Env: env, JS: js}
}

// Append appends the event p about subject, by actor, as the service that owns it would,
// and returns the envelope and its stream sequence.
func (s *Stack) Append(t testing.TB, actor, subject string, p events.Payload) (events.Envelope, uint64) {
	t.Helper()
	env, err := events.New(actor, subject, p, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	seq, err := bus.Append(context.Background(), s.JS, env, bus.Expect{})
	if err != nil {
		t.Fatal(err)
	}
	return env, seq
}

// Service is a service's lifecycle, as its Main has it.
type Service interface {
	Run(ctx context.Context) error
	Close() error
}

// Run returns a function that runs the service New built (failing t on New's error) and
// closes it when t ends: servicetest.Run[*Main](t)(New(...)).
func Run[M Service](t testing.TB) func(M, error) M {
	return func(m M, err error) M {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if err := m.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = m.Close() })
		return m
	}
}

// KeyID names the test's signing key in its tokens.
const KeyID = "k1"

// Keys signs access tokens the way identity does; services verify them with Lookup.
type Keys struct {
	Private ed25519.PrivateKey
	Public  ed25519.PublicKey
}

// NewKeys makes a fresh key pair.
func NewKeys(t testing.TB) *Keys {
	t.Helper()
	pub, key, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return &Keys{Private: key, Public: pub}
}

// Lookup answers a service's question for identity's public keys (Config.Keys).
func (k *Keys) Lookup(context.Context) (map[string]ed25519.PublicKey, error) {
	return map[string]ed25519.PublicKey{KeyID: k.Public}, nil
}

// Caller is person id (of team, with roles) calling with an access token valid for an
// hour, in session "s-<id>".
func (k *Keys) Caller(t testing.TB, id, team string, roles ...string) rpc.Caller {
	t.Helper()
	now := time.Now()
	tok, err := authn.Sign(authn.Claims{
		RegisteredClaims: jwt.RegisteredClaims{Issuer: authn.Issuer, Audience: jwt.ClaimStrings{authn.Audience}, Subject: id,
			IssuedAt: jwt.NewNumericDate(now), ExpiresAt: jwt.NewNumericDate(now.Add(time.Hour))},
		Session: "s-" + id, Roles: roles, Team: team,
	}, KeyID, k.Private)
	if err != nil {
		t.Fatal(err)
	}
	return rpc.Caller{Token: tok}
}

// System is another service calling.
var System = rpc.Caller{System: true}

// Call calls operation op of service over nc as caller.
func Call[Resp any](nc *nats.Conn, service, op string, c rpc.Caller, req any) (Resp, error) {
	return rpc.Call[Resp](context.Background(), nc, events.RPC(service, op), c, req)
}

// Must returns a function that fails t on an error and otherwise returns the value:
// Must[T](t)(call(...)).
func Must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

// Patience is how long WaitFor waits before it fails the test: long enough for the
// slowest machine, so that a failure means the condition never came true.
const Patience = 20 * time.Second

// WaitFor polls cond until it holds, and fails t (naming what) if it never does.
func WaitFor(t testing.TB, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(Patience)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Clock is a time source the test sets and moves.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads now until it is set or moved.
func NewClock(now time.Time) *Clock { return &Clock{now: now} }

// Now reads the clock.
func (c *Clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.now }

// Set sets the clock to t.
func (c *Clock) Set(t time.Time) { c.mu.Lock(); c.now = t; c.mu.Unlock() }

// Add moves the clock by d.
func (c *Clock) Add(d time.Duration) { c.mu.Lock(); c.now = c.now.Add(d); c.mu.Unlock() }

// StreamMsgs counts the messages on stream name; with subject (which may hold wildcards),
// only those on the subjects it matches.
func StreamMsgs(t testing.TB, js jetstream.JetStream, name, subject string) uint64 {
	t.Helper()
	st, err := js.Stream(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	if subject == "" {
		info, err := st.Info(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		return info.State.Msgs
	}
	info, err := st.Info(context.Background(), jetstream.WithSubjectFilter(subject))
	if err != nil {
		t.Fatal(err)
	}
	var n uint64
	for _, c := range info.State.Subjects {
		n += c
	}
	return n
}

// Code is the error code an operation answered with, or "" when it succeeded.
func Code(err error) string {
	if err == nil {
		return ""
	}
	return events.CodeOf(err)
}
