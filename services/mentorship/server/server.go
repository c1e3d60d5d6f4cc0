// Package server runs the mentorship service: it answers mentorship's request-reply
// operations over NATS, appends mentorship events to JetStream (the commit point),
// projects them into its MongoDB collections and its in-memory state, and keeps read
// models of people (the directory) and of their skill levels (from the skills stream).
package server

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"onramp.dev/events"
	"onramp.dev/infra/authn"
	"onramp.dev/infra/background"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/directory"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/memo"
	"onramp.dev/infra/rpc"
	"onramp.dev/infra/store"
	"onramp.dev/services/mentorship"
)

// Config tunes the service.
type Config struct {
	// Now is the clock; default time.Now.
	Now func() time.Time
	// Keys are the token-signing public keys; default: fetched from identity.
	Keys authn.KeySource
}

// Main is the mentorship service.
type Main struct {
	nc       *nats.Conn
	js       jetstream.JetStream
	log      *slog.Logger
	cfg      Config
	profiles *store.Collection[mentorship.Profile]
	pairs    *store.Collection[mentorship.Pair]
	verify   *authn.Verifier
	dir      *directory.Directory

	state *mentorship.State // guarded by el's lock
	el    *eventlog.Log
	cp    *store.Checkpoint

	bookMu sync.RWMutex // guards book; taken after el's lock, never before
	book   *mentorship.Standings
	booked uint64       // skills stream sequence the book reflects
	catMu  sync.RWMutex // guards cat; taken last, never held while taking another lock
	cat    *mentorship.Catalogue

	svc *rpc.Service
	bg  *background.Group // consumers, read models, sweepers

	coverage *memo.Cache[coverageList] // coverage lists by scope, until mentorships or people change
}

// New prepares the service on a NATS connection and its own database.
func New(nc *nats.Conn, db *mongo.Database, logger *slog.Logger, cfg Config) (*Main, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("mentorship: %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Keys == nil {
		cfg.Keys = authn.IdentityKeys(nc)
	}
	logger = logger.With("service", "mentorship")
	m := &Main{
		nc: nc, js: js, log: logger, cfg: cfg, cat: mentorship.NewCatalogue(),
		profiles: store.NewCollection[mentorship.Profile](db, "profiles"),
		pairs:    store.NewCollection[mentorship.Pair](db, "pairs"),
		verify:   authn.NewVerifier(cfg.Keys),
		dir:      directory.New(logger),
		state:    mentorship.NewState(),
		book:     mentorship.NewStandings(),
		coverage: memo.New[coverageList](32),
	}
	m.cp = store.NewCheckpoint(db, "MENTORSHIP")
	m.el = eventlog.New(js, "MENTORSHIP", m.state, logger)
	return m, nil
}

// Run loads the profiles and mentorships, starts the projector, the directory and the
// skills read model, and registers the operations. It returns once the service answers
// requests; Close stops it.
func (m *Main) Run(ctx context.Context) error {
	if err := bus.EnsureStreams(ctx, m.js); err != nil {
		return err
	}
	if err := m.el.Start(ctx, eventlog.Options{Flush: m.flush, Checkpoint: m.cp, Legacy: "mentorship-projector"}); err != nil {
		return err
	}
	m.bg = background.Start(ctx)
	if err := m.dir.Start(m.bg.Context(), m.js); err != nil {
		m.stop()
		return err
	}
	if err := m.startSkills(m.bg.Context()); err != nil {
		m.stop()
		return err
	}
	if err := m.register(); err != nil {
		m.stop()
		return err
	}
	return nil
}

func (m *Main) stop() {
	m.bg.Stop()
	m.el.Close()
}

// Close stops answering, stops the read models and waits for the projector's batch.
func (m *Main) Close() error {
	var err error
	if m.svc != nil {
		err = m.svc.Stop()
		m.svc = nil
	}
	m.stop()
	return err
}

// flush writes the documents a projector batch touched.
func (m *Main) flush(ctx context.Context, ids []string) error {
	var profs []mentorship.Profile
	var pairs []mentorship.Pair
	m.el.Read(func() {
		for _, id := range ids {
			kind, key, _ := strings.Cut(id, ":")
			switch kind {
			case "profile":
				if p, ok := m.state.Profile(key); ok {
					c := *p
					c.Skills = append([]string(nil), p.Skills...)
					profs = append(profs, c)
				}
			case "pair":
				if p, ok := m.state.Pair(key); ok {
					pairs = append(pairs, p.Copy())
				}
			}
		}
	})
	if err := m.profiles.Put(ctx, profs...); err != nil {
		return err
	}
	return m.pairs.Put(ctx, pairs...)
}

// Applied is the highest mentorship stream sequence the service reflects (tests).
func (m *Main) Applied() uint64 { return m.el.Applied() }

// startSkills replays the skills stream into the book (the standing on record events) and
// the catalogue (the skills service's announcements), and follows new events (every
// replica reads every event; nothing is stored). It returns once the events on the stream
// at start are applied.
func (m *Main) startSkills(ctx context.Context) error {
	stream, err := m.js.Stream(ctx, "SKILLS")
	if err != nil {
		return fmt.Errorf("mentorship: skills stream: %w", err)
	}
	filter := events.Prefix + ".skills.>"
	last, err := bus.LastSeq(ctx, m.js, "SKILLS", filter)
	if err != nil {
		return fmt.Errorf("mentorship: %w", err)
	}
	oc, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}})
	if err != nil {
		return fmt.Errorf("mentorship: skills stream: %w", err)
	}
	cc, err := oc.Consume(func(msg jetstream.Msg) {
		md, err := msg.Metadata()
		if err != nil {
			return
		}
		env, err := events.Decode(msg.Data())
		if err == nil {
			m.catMu.Lock()
			err = m.cat.Apply(env)
			m.catMu.Unlock()
		}
		m.bookMu.Lock()
		if err == nil {
			err = m.book.Apply(env, md.Sequence.Stream)
		}
		m.booked = max(m.booked, md.Sequence.Stream)
		if md.NumPending == 0 {
			m.booked = max(m.booked, last)
		}
		m.bookMu.Unlock()
		if err != nil {
			m.log.Warn("skills event skipped", "subject", msg.Subject(), "err", err)
		}
	})
	if err != nil {
		return fmt.Errorf("mentorship: skills stream: %w", err)
	}
	m.bg.Go(func(ctx context.Context) { <-ctx.Done(); cc.Stop() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		m.bookMu.RLock()
		done := m.booked >= last
		m.bookMu.RUnlock()
		if done {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return fmt.Errorf("mentorship: skills stream not replayed within 30s")
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// WaitSkills waits until the skills read model reflects skills stream sequence seq
// (tests and seeding).
func (m *Main) WaitSkills(ctx context.Context, seq uint64, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		m.bookMu.RLock()
		ok := m.booked >= seq
		m.bookMu.RUnlock()
		if ok {
			return true
		}
		time.Sleep(2 * time.Millisecond)
	}
	return false
}
