// Package directory is a read model of the people in Onramp — id, name, roles, team,
// lead, track, start date, active — that any service can keep in memory. It is built from
// the identity stream's staff events by an ordered consumer (every replica sees every
// event; the model is saved with its position, not stored as documents), so lookups for authorisation and for fan-out ("everyone on
// team X", "everyone on track Y") never leave the process.
package directory

import (
	"context"
	"encoding/gob"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sort"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/eventlog"
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

// Directory holds everyone, kept current from the identity stream, with the indexes its
// queries need: everyone's id sorted by name (then id), and per team the same, so a
// team's members cost the same in an organisation of 100 or 10,000.
type Directory struct {
	mu      sync.RWMutex
	people  map[string]Person
	byName  []string            // every id, sorted by name, then id
	byTeam  map[string][]string // team → its members' ids, sorted by name, then id
	applied uint64
	log     *slog.Logger
	js      jetstream.JetStream // set by Start, for CatchUp

	startMu   sync.Mutex
	following bool // Start has begun following the stream

	tellMu    sync.Mutex     // one call of a listener at a time, each with the person as they are then
	listeners []func(Person) // see Listen
}

// Listen has f called with everyone the directory knows now, then with a person, as the
// directory holds them then, after each event that adds or changes them: for read models
// that count by what the directory says. Calls are made one at a time, outside the
// directory's lock (f may read the directory), so a later state of a person is never
// overtaken by an earlier one. Call it once the model f feeds is loaded; a directory
// shared by several services has several listeners.
func (d *Directory) Listen(f func(Person)) {
	d.tellMu.Lock()
	defer d.tellMu.Unlock()
	d.listeners = append(d.listeners, f)
	d.mu.RLock()
	all := make([]Person, 0, len(d.people))
	for _, p := range d.people {
		all = append(all, p)
	}
	d.mu.RUnlock()
	for _, p := range all {
		f(p)
	}
}

func (d *Directory) tell(id string) {
	d.tellMu.Lock()
	defer d.tellMu.Unlock()
	if p, ok := d.Person(id); ok {
		for _, f := range d.listeners {
			f(p)
		}
	}
}

// New returns an empty directory; Start fills it.
func New(logger *slog.Logger) *Directory {
	return &Directory{people: map[string]Person{}, byTeam: map[string][]string{}, log: logger}
}

// Apply folds in one identity event (others are ignored). Exported for tests and for
// services that already consume the identity stream.
func (d *Directory) Apply(env events.Envelope, seq uint64) error {
	changed, err := d.apply(env, seq)
	if changed {
		d.tell(env.Subject)
	}
	return err
}

func (d *Directory) apply(env events.Envelope, seq uint64) (changed bool, err error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.applied = max(d.applied, seq)
	switch env.Type {
	case events.StaffHired{}.EventType():
		var e events.StaffHired
		if err := env.Payload(&e); err != nil {
			return false, err
		}
		if _, ok := d.people[env.Subject]; !ok {
			changed = true
			p := Person{ID: env.Subject, Email: e.Email, Name: e.Name, Roles: e.Roles, Team: e.Team,
				Lead: e.Lead, Track: e.Track, StartDate: e.StartDate, Active: true}
			d.people[p.ID] = p
			d.byName = d.insertSorted(d.byName, p)
			d.byTeam[p.Team] = d.insertSorted(d.byTeam[p.Team], p)
		}
	case events.StaffDisabled{}.EventType(), events.StaffEnabled{}.EventType():
		if p, ok := d.people[env.Subject]; ok {
			p.Active = env.Type == events.StaffEnabled{}.EventType()
			d.people[env.Subject] = p
			changed = true
		}
	}
	return changed, nil
}

// Start follows the identity stream's staff events until ctx ends (eventlog.Follow: the
// directory is saved with its position, so a start replays only the staff events since the
// last save). It returns once everything on the stream at start is applied.
//
// A directory already following returns at once: the services of one process share the
// directory their host started (tools/portal), one copy of everyone instead of one each.
func (d *Directory) Start(ctx context.Context, js jetstream.JetStream) error {
	d.startMu.Lock()
	defer d.startMu.Unlock()
	if d.following {
		return nil
	}
	d.js = js
	// Every service's directory is the same model of the same events, so they share one
	// saved copy: whichever saved last, it is consistent with the position saved with it.
	f, err := eventlog.Follow(ctx, js, "directory", []eventlog.Source{{Stream: "IDENTITY", Filters: []string{staffSubjects}}}, followed{d}, d.log)
	if err != nil {
		return fmt.Errorf("directory: %w", err)
	}
	go func() { <-ctx.Done(); f.Close() }()
	d.following = true
	return nil
}

// followed adapts the directory to eventlog.Follow.
type followed struct{ d *Directory }

func (x followed) Apply(_ string, env events.Envelope, seq uint64) error { return x.d.Apply(env, seq) }
func (x followed) Snapshot(w io.Writer) error {
	x.d.mu.RLock()
	defer x.d.mu.RUnlock()
	return gob.NewEncoder(w).Encode(saved{People: x.d.people, Applied: x.d.applied})
}
func (x followed) Restore(r io.Reader) error {
	var s saved
	if err := gob.NewDecoder(r).Decode(&s); err != nil {
		return err
	}
	d := x.d
	d.mu.Lock()
	defer d.mu.Unlock()
	d.people, d.applied = s.People, s.Applied
	if d.people == nil {
		d.people = map[string]Person{}
	}
	d.byName, d.byTeam = nil, map[string][]string{}
	for id, p := range d.people {
		d.byName = append(d.byName, id)
		d.byTeam[p.Team] = append(d.byTeam[p.Team], id)
	}
	order := func(ids []string) {
		sort.Slice(ids, func(i, j int) bool { return before(d.people[ids[i]], d.people[ids[j]]) })
	}
	order(d.byName)
	for _, ids := range d.byTeam {
		order(ids)
	}
	return nil
}

type saved struct {
	People  map[string]Person
	Applied uint64
}

// Applied is the highest identity stream sequence the directory reflects: it changes when
// anything the directory holds may have changed.
func (d *Directory) Applied() uint64 {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return d.applied
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

// staffSubjects are the identity stream's subjects the directory reads.
const staffSubjects = events.Prefix + ".identity.staff.>"

// CatchUp waits, up to limit, until the directory reflects every staff event on the
// identity stream now (for instance before seeding acts on people hired a moment ago). It
// waits for the last staff event, not the stream's last message: that is usually a session
// event the directory never reads, and waiting for it would always run out the limit.
func (d *Directory) CatchUp(ctx context.Context, limit time.Duration) bool {
	if d.js == nil {
		return false
	}
	last, err := bus.LastSeq(ctx, d.js, "IDENTITY", staffSubjects)
	if err != nil {
		return false
	}
	return d.WaitApplied(ctx, last, limit)
}

// Current returns the person as the directory knows them now — roles and team current,
// unlike a token's. Someone it does not know yet (a request can outrun the identity
// stream) is waited for until the staff events on the stream now are applied — at once
// for someone who was never hired — up to 5 s.
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

// before reports whether a sorts before b: by name, then id.
func before(a, b Person) bool {
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	return a.ID < b.ID
}

// insertSorted inserts p's id into ids, kept sorted by name, then id.
func (d *Directory) insertSorted(ids []string, p Person) []string {
	i := sort.Search(len(ids), func(i int) bool { return !before(d.people[ids[i]], p) })
	return slices.Insert(ids, i, p.ID)
}

// find returns the active people among the ids index gives (sorted) that match admits,
// in order. The index is read under the same lock as the people.
func (d *Directory) find(index func() []string, match func(Person) bool) []Person {
	d.mu.RLock()
	defer d.mu.RUnlock()
	var out []Person
	for _, id := range index() {
		if p := d.people[id]; p.Active && match(p) {
			out = append(out, p)
		}
	}
	return out
}

// Find returns the active people match admits, sorted by name, then id.
func (d *Directory) Find(match func(Person) bool) []Person {
	return d.find(func() []string { return d.byName }, match)
}

// Team returns the active members of team, sorted by name, then id. It reads the team's
// index only, not everyone.
func (d *Directory) Team(team string) []Person {
	return d.TeamFind(team, func(Person) bool { return true })
}

// TeamFind returns the active members of team that match admits, sorted by name, then id.
func (d *Directory) TeamFind(team string, match func(Person) bool) []Person {
	return d.find(func() []string { return d.byTeam[team] }, match)
}

// LeadsTeamOf reports whether lead is a lead of person's team (and so may see and manage
// their records).
func (d *Directory) LeadsTeamOf(lead, person string) bool {
	l, ok1 := d.Person(lead)
	p, ok2 := d.Person(person)
	return ok1 && ok2 && l.Active && l.Has(events.RoleLead) && l.Team == p.Team
}
