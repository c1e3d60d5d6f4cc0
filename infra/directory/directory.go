// Package directory is a read model of the people in Onramp — id, name, roles, team,
// lead, track, start date, active — that any service can keep in memory. It is built from
// the identity stream's staff events by an ordered consumer (every replica sees every
// event; nothing is stored), so lookups for authorisation and for fan-out ("everyone on
// team X", "everyone on track Y") never leave the process.
package directory

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/bus"
)

// Person is one member of staff as other services see them.
type Person struct {
	ID        string
	Email     string
	Name      string
	Roles     []string
	Team      string
	Lead      string
	Track     string
	StartDate string
	Active    bool
}

// Has reports whether p holds any of roles.
func (p Person) Has(roles ...string) bool {
	return slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(p.Roles, r) })
}

// Directory holds everyone, kept current from the identity stream.
type Directory struct {
	mu      sync.RWMutex
	people  map[string]Person
	applied uint64
	log     *slog.Logger
	js      jetstream.JetStream // set by Start, for CatchUp
}

// New returns an empty directory; Start fills it.
func New(logger *slog.Logger) *Directory {
	return &Directory{people: map[string]Person{}, log: logger}
}

// Apply folds in one identity event (others are ignored). Exported for tests and for
// services that already consume the identity stream.
func (d *Directory) Apply(env events.Envelope, seq uint64) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.applied = max(d.applied, seq)
	switch env.Type {
	case events.StaffHired{}.EventType():
		var e events.StaffHired
		if err := env.Payload(&e); err != nil {
			return err
		}
		if _, ok := d.people[env.Subject]; !ok {
			d.people[env.Subject] = Person{ID: env.Subject, Email: e.Email, Name: e.Name, Roles: e.Roles, Team: e.Team,
				Lead: e.Lead, Track: e.Track, StartDate: e.StartDate, Active: true}
		}
	case events.StaffDisabled{}.EventType(), events.StaffEnabled{}.EventType():
		if p, ok := d.people[env.Subject]; ok {
			p.Active = env.Type == events.StaffEnabled{}.EventType()
			d.people[env.Subject] = p
		}
	}
	return nil
}

// Start replays the identity stream's staff events and follows new ones until ctx ends.
// It returns once everything on the stream at start is applied.
func (d *Directory) Start(ctx context.Context, js jetstream.JetStream) error {
	d.js = js
	stream, err := js.Stream(ctx, "IDENTITY")
	if err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	oc, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{FilterSubjects: []string{events.Prefix + ".identity.staff.>"}})
	if err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	cc, err := oc.Consume(func(m jetstream.Msg) {
		md, err := m.Metadata()
		if err != nil {
			return
		}
		env, err := events.Decode(m.Data())
		if err == nil {
			err = d.Apply(env, md.Sequence.Stream)
		}
		if err != nil {
			d.log.Warn("directory: skipped an event", "subject", m.Subject(), "err", err)
			d.mu.Lock()
			d.applied = max(d.applied, md.Sequence.Stream)
			d.mu.Unlock()
		}
		if md.NumPending == 0 {
			d.mu.Lock()
			d.applied = max(d.applied, info.State.LastSeq)
			d.mu.Unlock()
		}
	})
	if err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	go func() { <-ctx.Done(); cc.Stop() }()
	if !d.WaitApplied(ctx, info.State.LastSeq, 30*time.Second) {
		return fmt.Errorf("directory: identity stream not replayed within 30s")
	}
	return nil
}

// WaitApplied waits until the directory reflects identity stream sequence seq.
func (d *Directory) WaitApplied(ctx context.Context, seq uint64, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		d.mu.RLock()
		ok := d.applied >= seq
		d.mu.RUnlock()
		if ok {
			return true
		}
		time.Sleep(2 * time.Millisecond)
	}
	return false
}

// CatchUp waits, up to limit, until the directory reflects everything on the identity
// stream now (for instance before seeding acts on people hired a moment ago).
func (d *Directory) CatchUp(ctx context.Context, limit time.Duration) bool {
	if d.js == nil {
		return false
	}
	last, err := bus.StreamLastSeq(ctx, d.js, "IDENTITY")
	if err != nil {
		return false
	}
	return d.WaitApplied(ctx, last, limit)
}

// Current returns the person as the directory knows them now — roles and team current,
// unlike a token's. Someone it does not know yet (a request can outrun the identity
// stream) is waited for, up to 5 s.
func (d *Directory) Current(ctx context.Context, id string) (Person, bool) {
	if p, ok := d.Person(id); ok {
		return p, true
	}
	d.CatchUp(ctx, 5*time.Second)
	return d.Person(id)
}

// Person returns the person with id.
func (d *Directory) Person(id string) (Person, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	p, ok := d.people[id]
	return p, ok
}

// Find returns the active people match admits, sorted by name.
func (d *Directory) Find(match func(Person) bool) []Person {
	d.mu.RLock()
	var out []Person
	for _, p := range d.people {
		if p.Active && match(p) {
			out = append(out, p)
		}
	}
	d.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Team returns the active members of team.
func (d *Directory) Team(team string) []Person {
	return d.Find(func(p Person) bool { return p.Team == team })
}

// LeadsTeamOf reports whether lead is a lead of person's team (and so may see and manage
// their records).
func (d *Directory) LeadsTeamOf(lead, person string) bool {
	l, ok1 := d.Person(lead)
	p, ok2 := d.Person(person)
	return ok1 && ok2 && l.Active && l.Has(events.RoleLead) && l.Team == p.Team
}
