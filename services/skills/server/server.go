// Package server runs the skills service: it answers the skills operations over NATS,
// appends skills events to JetStream (the commit point), projects them into one document
// per person ("skills-<person>") and keeps everything in memory for records and reports. It
// turns training.module.passed events into evidence and publishes certification expiries.
package server

import (
	"cmp"
	"context"
	"crypto/ed25519"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"

	catalogue "onramp.dev/content/skills"
	"onramp.dev/content/training"
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
	"onramp.dev/services/skills"
)

// Config tunes the service.
type Config struct {
	// Directory is a people directory the process has started already, shared by its
	// services (tools/portal); nil: the service follows the identity stream with its own.
	Directory *directory.Directory
	// TrainingDurable names the consumer of training events; default skills-training.
	TrainingDurable string
	// TrainingBackoff are the delays before each retry of a training event that could not
	// be handled yet (e.g. about a person the directory does not know); default the
	// consumer's (about 13 s in all before it is dead-lettered).
	TrainingBackoff []time.Duration
	// SweepEvery is how often expired certifications are looked for; default 1 minute.
	SweepEvery time.Duration
	// Keys overrides where token-signing keys come from (tests); default the identity
	// service.
	Keys func(ctx context.Context) (map[string]ed25519.PublicKey, error)
	Now  func() time.Time
}

// Main is the skills service.
type Main struct {
	nc      *nats.Conn
	js      jetstream.JetStream
	log     *slog.Logger
	cfg     Config
	records *store.Collection[skills.Doc]
	imports *store.Collection[skills.Import]
	verify  *authn.Verifier
	dir     *directory.Directory

	state *skills.State // guarded by el's lock
	el    *eventlog.Log
	cp    *store.Checkpoint

	svc *rpc.Service
	bg  *background.Group // consumers, read models, sweepers

	prepared *memo.Cache[prepared] // reports before paging, until records or people change
}

// New prepares the service on a NATS connection and its own database.
func New(nc *nats.Conn, db *mongo.Database, logger *slog.Logger, cfg Config) (*Main, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("skills: %w", err)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TrainingDurable == "" {
		cfg.TrainingDurable = "skills-training"
	}
	if cfg.SweepEvery == 0 {
		cfg.SweepEvery = time.Minute
	}
	if cfg.Keys == nil {
		cfg.Keys = authn.IdentityKeys(nc)
	}
	cat, err := catalogue.Load()
	if err != nil {
		return nil, fmt.Errorf("skills: catalogue: %w", err)
	}
	mods, err := training.Load()
	if err != nil {
		return nil, fmt.Errorf("skills: training modules: %w", err)
	}
	logger = logger.With("service", "skills")
	m := &Main{
		nc: nc, js: js, log: logger, cfg: cfg,
		records: store.NewCollection[skills.Doc](db, "records"),
		imports: store.NewCollection[skills.Import](db, "imports"),
		verify:  authn.NewVerifier(cfg.Keys),
		dir:     cmp.Or(cfg.Directory, directory.New(logger)),
		state:   skills.NewState(cat, mods),
		// A few filters' reports (the matrix keeps people and columns, not cells).
		prepared: memo.New[prepared](16),
	}
	m.cp = store.NewCheckpoint(db, "SKILLS")
	m.el = eventlog.New(js, "SKILLS", model{m.state}, logger)
	return m, nil
}

type model struct{ *skills.State }

func (m model) Apply(env events.Envelope, seq uint64) ([]string, error) {
	id, err := m.State.Apply(env, seq)
	if err != nil {
		return nil, err
	}
	return []string{id}, nil
}

// Run loads the records, follows the directory, starts the projector, the training
// consumer and the expiry sweeper, and registers the operations.
func (m *Main) Run(ctx context.Context) error {
	if err := bus.EnsureStreams(ctx, m.js); err != nil {
		return err
	}
	m.bg = background.Start(ctx)
	if err := m.dir.Start(m.bg.Context(), m.js); err != nil {
		m.stop()
		return err
	}
	if err := m.el.Start(ctx, eventlog.Options{Flush: m.flush, Checkpoint: m.cp, Legacy: "skills-projector"}); err != nil {
		m.stop()
		return err
	}
	// The certifications index counts by what the directory says (who is active, their
	// name): it hears everyone once the state is loaded, then each change.
	m.dir.Listen(func(p directory.Person) { m.el.Read(func() { m.state.SetPerson(p.ID, p.Name, p.Active) }) })
	if err := m.restate(ctx); err != nil {
		m.stop()
		return err
	}
	if err := m.announceCatalogue(ctx); err != nil {
		m.stop()
		return err
	}
	tc, err := consumer.New(ctx, m.js, consumer.Config{
		Stream: "TRAINING", Durable: m.cfg.TrainingDurable, Logger: m.log, Backoff: m.cfg.TrainingBackoff,
		Filters: []string{events.TypeFilter(events.ModulePassed{}.EventType())},
	})
	if err != nil {
		m.stop()
		return err
	}
	m.bg.Go(func(ctx context.Context) { _ = tc.Run(ctx, consumer.Each(m.onModulePassed)) })
	m.bg.Go(m.sweepLoop)
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

// Close stops answering, the consumers and the sweeper.
func (m *Main) Close() error {
	var err error
	if m.svc != nil {
		err = m.svc.Stop()
		m.svc = nil
	}
	m.stop()
	return err
}

// flush writes the documents a projector batch touched, as deep copies taken under the
// read lock.
func (m *Main) flush(ctx context.Context, ids []string) error {
	var docs []skills.Doc
	var imps []skills.Import
	m.el.Read(func() {
		for _, id := range ids {
			kind, key, _ := strings.Cut(id, ":")
			switch kind {
			case "record":
				if d, ok := m.state.Doc(key); ok {
					docs = append(docs, d.Clone())
				}
			case "import":
				if i, ok := m.state.Import(key); ok {
					c := *i
					c.Skills = slices.Clone(i.Skills)
					imps = append(imps, c)
				}
			}
		}
	})
	if err := m.imports.Put(ctx, imps...); err != nil {
		return err
	}
	return m.records.Put(ctx, docs...)
}

// onModulePassed turns a passed module into evidence, once: the handled training event id
// is kept inside the person's record by the same event that adds the evidence.
func (m *Main) onModulePassed(ctx context.Context, msg *consumer.Msg) error {
	var p events.ModulePassed
	if err := msg.Env.Payload(&p); err != nil {
		return err // invalid: dead-lettered
	}
	// An event about someone the directory does not know never creates a record: it is
	// retried for a while (the directory may lag behind), then dead-lettered.
	if _, ok := m.dir.Person(p.Person); !ok {
		return fmt.Errorf("module passed by %s, whom the directory does not know", p.Person)
	}
	return m.commitRecord(ctx, events.System, p.Person, func(*skills.Doc) (events.Payload, error) {
		e, ok := m.state.DecideEvidence(msg.Env.ID, p)
		if !ok {
			return nil, nil
		}
		return e, nil
	})
}

// commitRecord decides on a person's record under its lock and appends the event (nil:
// nothing to do), retrying when another writer appended first.
func (m *Main) commitRecord(ctx context.Context, actor, person string, decide func(d *skills.Doc) (events.Payload, error)) error {
	defer m.el.Lock("record:" + person)()
	return eventlog.Retry(func() error {
		m.el.RLock()
		d, _ := m.state.Doc(person)
		var seq uint64
		if d != nil {
			seq = d.Seq
		}
		now := m.cfg.Now()
		p, err := decide(d)
		if err == nil && p != nil {
			p, err = skills.Stand(d, person, actor, p, now)
		}
		m.el.RUnlock()
		if err != nil || p == nil {
			return err
		}
		env, err := events.New(actor, person, p, now)
		if err != nil {
			return err
		}
		_, err = m.el.Commit(ctx, env, bus.Expect{Filter: events.RecordFilter("skills", "record", person), LastSeq: seq})
		return err
	})
}

func (m *Main) sweepLoop(ctx context.Context) {
	background.Every(ctx, m.cfg.SweepEvery, func(ctx context.Context) {
		if n, err := m.sweep(ctx); err != nil {
			m.log.Warn("certification sweep failed", "err", err)
		} else if n > 0 {
			m.log.Info("certifications expired", "count", n)
		}
	})
}

// sweep publishes one expiry event for each certification past its expiry date. The
// record's expected sequence makes it once even with several replicas sweeping.
func (m *Main) sweep(ctx context.Context) (int, error) {
	now := m.cfg.Now()
	m.el.RLock()
	due := m.state.DueExpiries(now)
	m.el.RUnlock()
	n := 0
	for person, certs := range due {
		for _, c := range certs {
			err := m.commitRecord(ctx, events.System, person, func(d *skills.Doc) (events.Payload, error) {
				if d == nil {
					return nil, nil
				}
				for _, cur := range d.Certs {
					if cur.ID == c.ID && cur.ExpiredSeq == 0 {
						return events.CertificationExpired{ID: c.ID, Name: c.Name, Expires: c.Expires}, nil
					}
				}
				return nil, nil
			})
			if err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// restate publishes, once, the standing of every skill of each record whose history began
// before record events carried their standing (see events.SkillStandingRestated), so that
// mentorship reads every person's standing from the stream. It runs at start, before the
// service answers; the record's expected sequence keeps it once even with several
// replicas starting together.
func (m *Main) restate(ctx context.Context) error {
	m.el.RLock()
	people := m.state.Unstated()
	m.el.RUnlock()
	for _, person := range people {
		err := m.commitRecord(ctx, events.System, person, func(d *skills.Doc) (events.Payload, error) {
			if d == nil || d.Stated {
				return nil, nil
			}
			return events.SkillStandingRestated{}, nil
		})
		if err != nil {
			return fmt.Errorf("skills: restate standing of %s: %w", person, err)
		}
	}
	if len(people) > 0 {
		m.log.Info("skill standing restated", "records", len(people))
	}
	return nil
}
