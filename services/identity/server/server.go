// Package server runs the identity service: it answers identity's request-reply
// operations over NATS, appends identity events to JetStream (the commit point) and
// projects them into its MongoDB collections and its in-memory state.
package server

import (
	"context"
	"crypto/ed25519"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"onramp.dev/events"
	"onramp.dev/infra/authn"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/consumer"
	"onramp.dev/infra/rpc"
	"onramp.dev/infra/store"
	"onramp.dev/services/identity"
)

// Config tunes the service.
type Config struct {
	// LogLinks writes set-password links to the log (demo mode; e-mail comes later).
	LogLinks bool
	// BaseURL prefixes logged links, e.g. http://127.0.0.1:8080.
	BaseURL string
	// Durable names the projector's consumer; default identity-projector. Each replica
	// keeping its own store needs its own.
	Durable string
	Now     func() time.Time
}

// Main is the identity service.
type Main struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	db     *mongo.Database
	log    *slog.Logger
	cfg    Config
	people *store.Collection[identity.Person]
	sess   *store.Collection[identity.Session]
	keys   *keyring
	verify *authn.Verifier

	mu    sync.RWMutex // guards state
	state *identity.State
	locks [64]sync.Mutex // per-record command locks, striped by id

	accounts *identity.Limiter
	clients  *identity.Limiter

	svc    *rpc.Service
	cancel context.CancelFunc
	done   chan struct{}
}

// New prepares the service on a NATS connection and its own database.
func New(nc *nats.Conn, db *mongo.Database, logger *slog.Logger, cfg Config) (*Main, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("identity: %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Durable == "" {
		cfg.Durable = "identity-projector"
	}
	m := &Main{
		nc: nc, js: js, db: db, log: logger.With("service", "identity"), cfg: cfg,
		people:   store.NewCollection[identity.Person](db, "people"),
		sess:     store.NewCollection[identity.Session](db, "sessions"),
		keys:     &keyring{col: store.NewCollection[keyDoc](db, "keys")},
		state:    identity.NewState(),
		accounts: identity.NewLimiter(5, time.Second, 15*time.Minute),
		clients:  identity.NewLimiter(20, time.Second, 15*time.Minute),
		done:     make(chan struct{}),
	}
	m.verify = authn.NewVerifier(func(context.Context) (map[string]ed25519.PublicKey, error) { return m.keys.public(), nil })
	return m, nil
}

// Run loads the state, starts the projector and registers the operations. It returns once
// the service answers requests; Close stops it.
func (m *Main) Run(ctx context.Context) error {
	if err := bus.EnsureStreams(ctx, m.js); err != nil {
		return err
	}
	if err := m.keys.load(ctx, m.cfg.Now()); err != nil {
		return err
	}
	if err := m.people.All(ctx, func(p identity.Person) error { m.state.LoadPerson(p); return nil }); err != nil {
		return err
	}
	if err := m.sess.All(ctx, func(s identity.Session) error { m.state.LoadSession(s); return nil }); err != nil {
		return err
	}
	// Serve only once the events stored before this start are applied.
	backlog, err := bus.LastSeq(ctx, m.js, "IDENTITY", "onramp.identity.>")
	if err != nil {
		return err
	}
	proj, err := consumer.New(ctx, m.js, consumer.Config{Stream: "IDENTITY", Durable: m.cfg.Durable, Logger: m.log})
	if err != nil {
		return err
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	m.cancel = cancel
	go func() {
		defer close(m.done)
		_ = proj.Run(rctx, m.project)
	}()
	if !m.waitApplied(ctx, backlog, 30*time.Second) {
		m.log.Warn("serving before the backlog is applied", "backlog", backlog)
	}
	if err := m.register(); err != nil {
		cancel()
		return err
	}
	m.log.Info("identity ready", "people", len(m.state.People(func(*identity.Person) bool { return true })))
	return nil
}

// Close stops answering and waits for the projector to finish its batch.
func (m *Main) Close() error {
	var err error
	if m.svc != nil {
		err = m.svc.Stop()
	}
	if m.cancel != nil {
		m.cancel()
		<-m.done
	}
	return err
}

// project writes every document the batch touched, once, then lets the batch be acked.
func (m *Main) project(ctx context.Context, batch []*consumer.Msg) error {
	people := map[string]bool{}
	sessions := map[string]bool{}
	m.mu.Lock()
	for _, msg := range batch {
		m.state.Seen(msg.Seq) // even a message that fails below is behind us
		ch, err := m.state.Apply(msg.Env, msg.Seq)
		if err != nil {
			msg.Fail(err)
			continue
		}
		switch ch.Kind {
		case "person":
			people[ch.ID] = true
		case "session":
			sessions[ch.ID] = true
		}
	}
	var pdocs []identity.Person
	for id := range people {
		if p, ok := m.state.Person(id); ok {
			pdocs = append(pdocs, *p)
		}
	}
	var sdocs []identity.Session
	for id := range sessions {
		if s, ok := m.state.Session(id); ok {
			sdocs = append(sdocs, *s)
		}
	}
	m.mu.Unlock()
	if err := m.people.Put(ctx, pdocs...); err != nil {
		return err
	}
	return m.sess.Put(ctx, sdocs...)
}

// lock serialises commands on one record in this process.
func (m *Main) lock(id string) func() {
	h := fnv.New32a()
	h.Write([]byte(id))
	l := &m.locks[h.Sum32()%uint32(len(m.locks))]
	l.Lock()
	return l.Unlock
}

// commit appends an event and applies it to the in-memory state on the stream's ack.
// On a conflict (another replica appended first) it waits until the projector has caught
// up, so the caller can decide again on fresh state.
func (m *Main) commit(ctx context.Context, env events.Envelope, expect bus.Expect) error {
	seq, err := bus.Append(ctx, m.js, env, expect)
	if errors.Is(err, bus.ErrConflict) {
		m.catchUp(ctx, expect.Filter)
		return err
	}
	if err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, err := m.state.Apply(env, seq); err != nil {
		return fmt.Errorf("identity: apply own event: %w", err)
	}
	return nil
}

func (m *Main) catchUp(ctx context.Context, filter string) {
	if last, err := bus.LastSeq(ctx, m.js, "IDENTITY", filter); err == nil {
		m.waitApplied(ctx, last, 5*time.Second)
	}
}

// waitApplied waits until the state reflects stream sequence seq.
func (m *Main) waitApplied(ctx context.Context, seq uint64, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		m.mu.RLock()
		seen := m.state.MaxSeq()
		m.mu.RUnlock()
		if seen >= seq {
			return true
		}
		time.Sleep(5 * time.Millisecond)
	}
	return false
}

// retry runs a decide-and-commit function again when it lost a race to another replica.
func retry(f func() error) error {
	var err error
	for range 3 {
		if err = f(); !errors.Is(err, bus.ErrConflict) {
			return err
		}
	}
	return events.Errorf(events.CodeConflict, "the record changed while saving; try again")
}
