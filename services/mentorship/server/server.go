// Package server runs the mentorship service: it answers mentorship's request-reply
// operations over NATS, appends mentorship events to JetStream (the commit point),
// projects them into its MongoDB collections and its in-memory state, and keeps read
// models of people (the directory) and of their skill levels (from the skills stream).
package server

import (
	"bytes"
	"cmp"
	"context"
	"encoding/gob"
	"fmt"
	"io"
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
	// Directory is a people directory the process has started already, shared by its
	// services (tools/portal); nil: the service follows the identity stream with its own.
	Directory *directory.Directory
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
		dir:      cmp.Or(cfg.Directory, directory.New(logger)),
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
	// HR's coverage lists count by what the directory says (who is an active hire, their
	// name): it tells the state of everyone, then of each change.
	m.dir.Listen(func(p directory.Person) {
		m.el.Read(func() { m.state.SetPerson(p.ID, p.Name, p.Has(events.RoleHire), p.Active) })
	})
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

// startSkills keeps the book (the standing on skills record events) and the catalogue (the
// skills service's announcements) from the skills stream with eventlog.Follow: saved with
// their position, so a start replays only what came after the last save. It returns once
// the events on the stream at start are applied.
func (m *Main) startSkills(ctx context.Context) error {
	filter := events.Prefix + ".skills.>"
	last, err := bus.LastSeq(ctx, m.js, "SKILLS", filter)
	if err != nil {
		return fmt.Errorf("mentorship: %w", err)
	}
	fw, err := eventlog.Follow(ctx, m.js, "mentorship-skills", []eventlog.Source{{Stream: "SKILLS", Filters: []string{filter}}}, skillsModel{m}, m.log)
	if err != nil {
		return fmt.Errorf("mentorship: skills stream: %w", err)
	}
	m.bookMu.Lock()
	m.booked = max(m.booked, last)
	m.bookMu.Unlock()
	m.bg.Go(func(ctx context.Context) { <-ctx.Done(); fw.Close() })
	return nil
}

// skillsModel adapts the book and the catalogue to eventlog.Follow.
type skillsModel struct{ m *Main }

func (x skillsModel) Apply(_ string, env events.Envelope, seq uint64) error {
	m := x.m
	m.catMu.Lock()
	err := m.cat.Apply(env)
	m.catMu.Unlock()
	m.bookMu.Lock()
	defer m.bookMu.Unlock()
	if err == nil {
		err = m.book.Apply(env, seq)
	}
	m.booked = max(m.booked, seq)
	return err
}

type savedSkills struct{ Book, Catalogue []byte }

func (x skillsModel) Snapshot(w io.Writer) error {
	var book, cat bytes.Buffer
	x.m.bookMu.RLock()
	err := x.m.book.Snapshot(&book)
	x.m.bookMu.RUnlock()
	if err != nil {
		return err
	}
	x.m.catMu.RLock()
	err = x.m.cat.Snapshot(&cat)
	x.m.catMu.RUnlock()
	if err != nil {
		return err
	}
	return gob.NewEncoder(w).Encode(savedSkills{Book: book.Bytes(), Catalogue: cat.Bytes()})
}

func (x skillsModel) Restore(r io.Reader) error {
	var s savedSkills
	if err := gob.NewDecoder(r).Decode(&s); err != nil {
		return err
	}
	x.m.bookMu.Lock()
	err := x.m.book.Restore(bytes.NewReader(s.Book))
	x.m.bookMu.Unlock()
	if err != nil {
		return err
	}
	x.m.catMu.Lock()
	defer x.m.catMu.Unlock()
	return x.m.cat.Restore(bytes.NewReader(s.Catalogue))
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
