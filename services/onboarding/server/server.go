// Package server runs the onboarding service: it makes a plan for every hire from the
// identity stream, moves mentor tasks when a mentorship is accepted, answers onboarding's
// request-reply operations over NATS, publishes task.overdue from a sweeper, appends
// onboarding events to JetStream (the commit point) and projects them into its MongoDB
// collection and its in-memory state.
package server

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"

	tpl "onramp.dev/content/onboarding"
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
	"onramp.dev/services/onboarding"
)

// Config tunes the service.
type Config struct {
	// Directory is a people directory the process has started already, shared by its
	// services (tools/portal); nil: the service follows the identity stream with its own.
	Directory *directory.Directory
	// Now is the clock (tests move it); default time.Now.
	Now func() time.Time
	// SweepEvery is how often overdue tasks are looked for; default one minute, negative:
	// never (tests call Sweep).
	SweepEvery time.Duration
	// Keys are the token-signing public keys; default: fetched from identity.
	Keys authn.KeySource
	// Templates are the onboarding templates by track; default: the shipped ones.
	Templates map[string]tpl.Template
}

// Main is the onboarding service.
type Main struct {
	nc     *nats.Conn
	js     jetstream.JetStream
	log    *slog.Logger
	cfg    Config
	plans  *store.Collection[onboarding.PlanDoc]
	verify *authn.Verifier
	dir    *directory.Directory

	state *onboarding.State // guarded by el's lock
	el    *eventlog.Log
	cp    *store.Checkpoint

	saver *store.Saver[onboarding.PlanDoc]

	svc *rpc.Service
	bg  *background.Group // consumers, read models, sweepers

	plansLists *memo.Cache[plansList] // plans lists by caller and filters, likewise
}

// New prepares the service on a NATS connection and its own database.
func New(nc *nats.Conn, db *mongo.Database, logger *slog.Logger, cfg Config) (*Main, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("onboarding: %w", err)
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
	if cfg.Templates == nil {
		if cfg.Templates, err = tpl.Load(); err != nil {
			return nil, fmt.Errorf("onboarding: %w", err)
		}
	}
	logger = logger.With("service", "onboarding")
	m := &Main{
		nc: nc, js: js, log: logger, cfg: cfg,
		plans:      store.NewCollection[onboarding.PlanDoc](db, "plans"),
		verify:     authn.NewVerifier(cfg.Keys),
		dir:        cmp.Or(cfg.Directory, directory.New(logger)),
		state:      onboarding.NewState(),
		plansLists: memo.New[plansList](64),
	}
	m.saver = store.NewSaver(m.plans)
	m.cp = store.NewCheckpoint(db, "ONBOARDING")
	m.el = eventlog.New(js, "ONBOARDING", m.state, logger)
	return m, nil
}

// Run loads the plans, starts the projector, the directory, the consumers of identity's
// and mentorship's events and the overdue sweeper, and registers the operations. It
// returns once the service answers requests; Close stops it.
func (m *Main) Run(ctx context.Context) error {
	if err := bus.EnsureStreams(ctx, m.js); err != nil {
		return err
	}
	if err := m.el.Start(ctx, eventlog.Options{Flush: m.flush, Checkpoint: m.cp, Stored: m.saver.Loaded, Legacy: "onboarding-projector"}); err != nil {
		return err
	}
	m.bg = background.Start(ctx)
	if err := m.dir.Start(m.bg.Context(), m.js); err != nil {
		m.stop()
		return err
	}
	hired, err := consumer.New(ctx, m.js, consumer.Config{
		Stream: "IDENTITY", Durable: "onboarding-hired", Logger: m.log,
		Filters: []string{events.TypeFilter(events.StaffHired{}.EventType()), events.TypeFilter(events.StaffDisabled{}.EventType())},
	})
	if err != nil {
		m.stop()
		return err
	}
	mentors, err := consumer.New(ctx, m.js, consumer.Config{
		Stream: "MENTORSHIP", Durable: "onboarding-mentorship", Logger: m.log,
		Filters: []string{events.TypeFilter(events.MentorshipAccepted{}.EventType()), events.TypeFilter(events.MentorshipEnded{}.EventType())},
	})
	if err != nil {
		m.stop()
		return err
	}
	m.bg.Go(func(ctx context.Context) { _ = hired.Run(ctx, consumer.Each(m.onIdentity)) })
	m.bg.Go(func(ctx context.Context) { _ = mentors.Run(ctx, consumer.Each(m.onMentorship)) })
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

// Close stops answering, stops the consumers and the sweeper and waits for the projector
// to finish its batch.
func (m *Main) Close() error {
	var err error
	if m.svc != nil {
		err = m.svc.Stop()
		m.svc = nil
	}
	m.stop()
	return err
}

// flush writes the plans a projector batch touched: new plans as one bulk insert (the
// cheap path on the embedded store), changed ones as whole-document replacements.
func (m *Main) flush(ctx context.Context, ids []string) error {
	var docs []onboarding.PlanDoc
	m.el.Read(func() {
		for _, id := range ids {
			if p, ok := m.state.Plan(id); ok {
				docs = append(docs, p.Doc())
			}
		}
	})
	return m.saver.Save(ctx, docs...)
}

// commit appends an event about a plan, expecting lastSeq to be the plan's last event.
func (m *Main) commit(ctx context.Context, env events.Envelope, lastSeq uint64) error {
	_, err := m.el.Commit(ctx, env, bus.Expect{Filter: events.OnboardingPlanFilter(env.Subject), LastSeq: lastSeq})
	return err
}

// names finds display names in the directory.
func (m *Main) names(id string) string {
	if p, ok := m.dir.Person(id); ok {
		return p.Name
	}
	return id
}

// Applied is the highest onboarding stream sequence the service reflects (tests).
func (m *Main) Applied() uint64 { return m.el.Applied() }
