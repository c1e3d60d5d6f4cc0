// Package server runs the identity service: it answers identity's request-reply
// operations over NATS, appends identity events to JetStream (the commit point) and
// projects them into its MongoDB collections and its in-memory state.
package server

import (
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"onramp.dev/events"
	"onramp.dev/infra/authn"
	"onramp.dev/infra/background"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/eventlog"
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
	// HashSlots is how many password hashes may run at once (default GOMAXPROCS), and
	// HashQueue how many more may wait for a slot (default 4 per slot); past both, sign-in
	// answers "busy" with Retry-After.
	HashSlots, HashQueue int
	Now                  func() time.Time
}

// Main is the identity service.
type Main struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	log    *slog.Logger
	cfg    Config
	people *store.Collection[identity.Person]
	sess   *store.Collection[identity.Session]
	keys   *keyring
	verify *authn.Verifier

	state *identity.State // people, guarded by el's lock: read with el.Read
	el    *eventlog.Log   // over IDENTITY, kept forever
	cp    *store.Checkpoint
	// sessions are the sign-ins, guarded by sl's lock. Locks: never take el's while
	// holding sl's write lock, nor the reverse (read locks of both may be held together).
	sessions *identity.Sessions
	sl       *eventlog.Log // over SESSIONS, kept as long as a session may live
	scp      *store.Checkpoint

	accounts *identity.Limiter // an account from one client address
	clients  *identity.Limiter // a client address, over every account
	ceiling  *identity.Limiter // an account from everywhere: slows, never locks for long
	known    *identity.Known   // addresses each account recently signed in from
	gate     *identity.Gate    // bounds concurrent password hashing

	svc *rpc.Service
	bg  *background.Group // the key rotation timer and the session sweeper
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
	if cfg.HashSlots <= 0 {
		cfg.HashSlots = runtime.GOMAXPROCS(0)
	}
	if cfg.HashQueue <= 0 {
		cfg.HashQueue = 4 * cfg.HashSlots
	}
	logger = logger.With("service", "identity")
	m := &Main{
		nc: nc, js: js, log: logger, cfg: cfg,
		people:   store.NewCollection[identity.Person](db, "people"),
		sess:     store.NewCollection[identity.Session](db, "sessions"),
		keys:     &keyring{col: store.NewCollection[keyDoc](db, "keys")},
		state:    identity.NewState(),
		sessions: identity.NewSessions(),
		accounts: identity.NewLimiter(5, time.Second, 15*time.Minute),
		clients:  identity.NewLimiter(20, time.Second, 15*time.Minute),
		ceiling:  identity.NewLimiter(20, time.Second, 30*time.Second),
		known:    identity.NewKnown(8),
		gate:     identity.NewGate(cfg.HashSlots, cfg.HashQueue),
	}
	m.cp = store.NewCheckpoint(db, "IDENTITY")
	m.el = eventlog.New(js, "IDENTITY", people{m.state}, logger)
	m.scp = store.NewCheckpoint(db, "SESSIONS")
	m.sl = eventlog.New(js, "SESSIONS", sessions{m.sessions}, logger)
	m.verify = authn.NewVerifier(func(context.Context) (map[string]ed25519.PublicKey, error) { return m.keys.public(), nil })
	return m, nil
}

// people adapts the people model to the event log: document ids are "person:<id>".
type people struct{ *identity.State }

func (m people) Apply(env events.Envelope, seq uint64) ([]string, error) {
	id, err := m.State.Apply(env, seq)
	if err != nil || id == "" {
		return nil, err
	}
	return []string{"person:" + id}, nil
}

// sessions adapts the sessions model to the event log: document ids are session ids.
type sessions struct{ *identity.Sessions }

func (m sessions) Apply(env events.Envelope, seq uint64) ([]string, error) {
	id, err := m.Sessions.Apply(env, seq)
	if err != nil || id == "" {
		return nil, err
	}
	return []string{id}, nil
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
	if err := m.el.Start(ctx, eventlog.Options{Flush: m.flushPeople, Checkpoint: m.cp, Legacy: "identity-projector"}); err != nil {
		return err
	}
	if err := m.startSessions(ctx); err != nil {
		m.el.Close()
		return err
	}
	if err := m.register(); err != nil {
		m.sl.Close()
		m.el.Close()
		return err
	}
	m.bg = background.Start(ctx)
	m.bg.Go(m.keyLoop)
	m.bg.Go(m.sweepSessions)
	return nil
}

// startSessions starts the sessions model. While the SESSIONS stream is empty and the
// store was never written from it, any session documents are those of a data dir from
// before SESSIONS existed: those sessions are gone (people sign in again), so they are
// cleared.
func (m *Main) startSessions(ctx context.Context) error {
	cp, err := m.scp.Get(ctx)
	if err != nil {
		return err
	}
	last, err := bus.StreamLastSeq(ctx, m.js, "SESSIONS")
	if err != nil {
		return err
	}
	if cp == 0 && last == 0 {
		if err := m.sess.Clear(ctx); err != nil {
			return err
		}
	}
	return m.sl.Start(ctx, eventlog.Options{Flush: m.flushSessions, Checkpoint: m.scp})
}

// sweepEvery is how often sessions that expired more than sweepAfter ago leave memory and
// the store.
const (
	sweepEvery = 10 * time.Minute
	sweepAfter = 24 * time.Hour
)

func (m *Main) sweepSessions(ctx context.Context) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		m.SweepSessions()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// SweepSessions forgets the sessions that expired a day ago or earlier, and reports how
// many.
func (m *Main) SweepSessions() int {
	cutoff := m.cfg.Now().Add(-sweepAfter)
	return m.sl.Evict(func() []string { return m.sessions.Evict(cutoff) })
}

// keyLoop reloads the signing keys every hour (picking up a key another replica or
// `onramp keys rotate` made) and makes a new one when the newest is 30 days old.
func (m *Main) keyLoop(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if err := m.keys.load(ctx, m.cfg.Now()); err != nil {
				m.log.Warn("signing keys not reloaded", "err", err)
			}
		}
	}
}

// Close stops answering and waits for the projector to finish its batch.
func (m *Main) Close() error {
	var err error
	if m.svc != nil {
		err = m.svc.Stop()
		m.svc = nil
	}
	m.bg.Stop()
	m.sl.Close()
	m.el.Close()
	return err
}

// flushPeople writes the people a projector batch touched. (Ids of other kinds are session
// documents of data dirs from before SESSIONS: nothing to write.)
func (m *Main) flushPeople(ctx context.Context, ids []string) error {
	var docs []identity.Person
	m.el.Read(func() {
		for _, id := range ids {
			if key, ok := strings.CutPrefix(id, "person:"); ok {
				if p, found := m.state.Person(key); found {
					docs = append(docs, *p)
				}
			}
		}
	})
	return m.people.Put(ctx, docs...)
}

// flushSessions writes the sessions a batch touched, and deletes those evicted.
func (m *Main) flushSessions(ctx context.Context, ids []string) error {
	var docs []identity.Session
	var gone []string
	m.sl.Read(func() {
		for _, id := range ids {
			if x, ok := m.sessions.Session(id); ok {
				docs = append(docs, *x)
			} else {
				gone = append(gone, id)
			}
		}
	})
	if err := m.sess.Put(ctx, docs...); err != nil {
		return err
	}
	return m.sess.Delete(ctx, gone...)
}

// commit appends a people event and applies it on the ack (see eventlog.Log.Commit).
func (m *Main) commit(ctx context.Context, env events.Envelope, expect bus.Expect) error {
	_, err := m.el.Commit(ctx, env, expect)
	return err
}

// commitSession appends a session event and applies it on the ack.
func (m *Main) commitSession(ctx context.Context, env events.Envelope, expect bus.Expect) error {
	_, err := m.sl.Commit(ctx, env, expect)
	return err
}
