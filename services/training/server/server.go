// Package server runs the training service: it answers training's request-reply operations
// over NATS, appends training events to JetStream (the commit point), projects them into
// its MongoDB collections (one document per learner, one per assignment) and its in-memory
// state, applies team and track assignments to people hired later (from the identity
// stream) and publishes assignment.overdue from a sweeper.
package server

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"onramp.dev/content"
	curriculum "onramp.dev/content/training"
	"onramp.dev/events"
	"onramp.dev/infra/authn"
	"onramp.dev/infra/background"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/consumer"
	"onramp.dev/infra/directory"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/memo"
	"onramp.dev/infra/rpc"
	"onramp.dev/infra/store"
	"onramp.dev/services/training"
)

// Config tunes the service.
type Config struct {
	// Directory is a people directory the process has started already, shared by its
	// services (tools/portal); nil: the service follows the identity stream with its own.
	Directory *directory.Directory
	// Now is the clock (tests move it); default time.Now.
	Now func() time.Time
	// SweepEvery is how often overdue assignments are looked for; default one minute,
	// negative: never (tests call Sweep).
	SweepEvery time.Duration
	// Keys are the token-signing public keys; default: fetched from identity.
	Keys authn.KeySource
	// Modules is the catalogue; default: the shipped curriculum.
	Modules []curriculum.Module
}

// Main is the training service.
type Main struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	log    *slog.Logger
	cfg    Config
	learn  *store.Collection[training.Learner]
	asg    *store.Collection[training.Assignment]
	verify *authn.Verifier
	dir    *directory.Directory

	state *training.State // guarded by el's lock
	el    *eventlog.Log
	cp    *store.Checkpoint

	learners *store.Saver[training.Learner]
	asgs     *store.Saver[training.Assignment]

	svc *rpc.Service
	bg  *background.Group // consumers, read models, sweepers

	listOnce sync.Once
	listed   events.ModulesReply // the catalogue as lists show it

	reports *memo.Cache[report] // filtered compliance reports, until the state changes

	reconcileMu sync.Mutex
	reconciled  [2]uint64 // the model's and the directory's positions when nothing was left to reconcile
}

func init() { training.IsTrack = content.IsTrack }

// New prepares the service on a NATS connection and its own database.
func New(nc *nats.Conn, db *mongo.Database, logger *slog.Logger, cfg Config) (*Main, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.SweepEvery == 0 {
		cfg.SweepEvery = time.Minute
	}
	if cfg.Keys == nil {
		cfg.Keys = authn.IdentityKeys(nc)
	}
	if cfg.Modules == nil {
		if cfg.Modules, err = curriculum.Load(); err != nil {
			return nil, fmt.Errorf("training: %w", err)
		}
	}
	logger = logger.With("service", "training")
	m := &Main{
		nc: nc, js: js, log: logger, cfg: cfg,
		learn:  store.NewCollection[training.Learner](db, "learners"),
		asg:    store.NewCollection[training.Assignment](db, "assignments"),
		verify: authn.NewVerifier(cfg.Keys),
		dir:    cmp.Or(cfg.Directory, directory.New(logger)),
		state:  training.NewState(cfg.Modules),
		// A few filters' reports, each about a row per learner and module.
		reports: memo.New[report](8),
	}
	m.learners, m.asgs = store.NewSaver(m.learn), store.NewSaver(m.asg)
	m.cp = store.NewCheckpoint(db, "TRAINING")
	m.el = eventlog.New(js, "TRAINING", m.state, logger)
	return m, nil
}

// Run loads the documents, starts the projector, the directory, the consumer of hired
// events and the overdue sweeper, and registers the operations.
func (m *Main) Run(ctx context.Context) error {
	if err := bus.EnsureStreams(ctx, m.js); err != nil {
		return err
	}
	if err := m.el.Start(ctx, eventlog.Options{Flush: m.flush, Checkpoint: m.cp, Stored: m.stored, Legacy: "training-projector"}); err != nil {
		return err
	}
	m.bg = background.Start(ctx)
	if err := m.dir.Start(m.bg.Context(), m.js); err != nil {
		m.stop()
		return err
	}
	// The compliance figures count by what the directory says (who is active, their
	// name): it tells the state of everyone, then of each change.
	m.dir.Listen(func(p directory.Person) { m.el.Read(func() { m.state.SetPerson(p.ID, p.Name, p.Active) }) })
	hired, err := consumer.New(ctx, m.js, consumer.Config{
		Stream: "IDENTITY", Durable: "training-hired", Logger: m.log,
		Filters: []string{events.TypeFilter(events.StaffHired{}.EventType())},
	})
	if err != nil {
		m.stop()
		return err
	}
	m.bg.Go(func(ctx context.Context) { _ = hired.Run(ctx, consumer.Each(m.onHired)) })
	if m.cfg.SweepEvery > 0 {
		m.bg.Go(m.sweepLoop)
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

// Close stops answering, the consumer and the sweeper, and waits for the projector.
func (m *Main) Close() error {
	var err error
	if m.svc != nil {
		err = m.svc.Stop()
		m.svc = nil
	}
	m.stop()
	return err
}

// flush writes the documents a projector batch touched: new ones as bulk inserts (the
// cheap path on the embedded store), changed ones as whole-document replacements.
// stored tells the savers which documents the store holds already.
func (m *Main) stored(key string) {
	switch kind, id, _ := strings.Cut(key, ":"); kind {
	case "learner":
		m.learners.Loaded(training.LearnerID(id))
	case "assignment":
		m.asgs.Loaded(id)
	}
}

func (m *Main) flush(ctx context.Context, keys []string) error {
	var learners []training.Learner
	var asgs []training.Assignment
	m.el.Read(func() {
		for _, key := range keys {
			kind, id, _ := strings.Cut(key, ":")
			switch kind {
			case "learner":
				if l, ok := m.state.Learner(id); ok {
					learners = append(learners, l.Clone())
				}
			case "assignment":
				if a, ok := m.state.Assignment(id); ok {
					doc := *a
					doc.People = append([]string(nil), a.People...)
					asgs = append(asgs, doc)
				}
			}
		}
	})
	if err := m.learners.Save(ctx, learners...); err != nil {
		return err
	}
	return m.asgs.Save(ctx, asgs...)
}

// commit appends an event, expecting lastSeq to be the last one on filter.
func (m *Main) commit(ctx context.Context, env events.Envelope, filter string, lastSeq uint64) (uint64, error) {
	return m.el.Commit(ctx, env, bus.Expect{Filter: filter, LastSeq: lastSeq})
}

// Applied is the highest training stream sequence the service reflects (tests).
func (m *Main) Applied() uint64 { return m.el.Applied() }

// members adapts the directory to the domain.
type members struct{ d *directory.Directory }

func member(p directory.Person) training.Member {
	return training.Member{ID: p.ID, Name: p.Name, Team: p.Team, Track: p.Track, Roles: p.Roles, Active: p.Active}
}

func (x members) Member(id string) (training.Member, bool) {
	p, ok := x.d.Person(id)
	return member(p), ok
}

func (x members) Members(match func(training.Member) bool) []training.Member {
	var out []training.Member
	for _, p := range x.d.Find(func(p directory.Person) bool { return match(member(p)) }) {
		out = append(out, member(p))
	}
	return out
}
