package notify

import (
	"cmp"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"onramp.dev/events"
)

// Pair is an active mentorship as the check-in rule sees it.
type Pair struct {
	ID, Hire, Mentor string
	Last             string // the later of the day it began and the latest check-in on or before today
	checkins         []checkin
}

type checkin struct{ id, date string }

// Tracked is an item with a due date that notify follows for the ladder and the calendar:
// an onboarding task, an assigned training module or an expiring certification.
type Tracked struct {
	Key     string // task:<plan>:<task>, training:<person>:<module> or cert:<person>:<certification>
	Kind    string // events.KindTaskDue, events.KindTrainingDue or events.KindCertExpiry
	Owner   string // person id, or a queue (queue:it, queue:hr), or "" while nobody holds it
	Hire    string // whose onboarding (tasks), the learner (training) or the holder (certifications)
	Title   string
	Due     string // DateLayout
	Done    bool
	Link    string // path in the web app
	Version int    // rises with each change (the calendar's SEQUENCE)
}

// Agenda is the read model of tracked items, built from the onboarding, training, skills
// and mentorship streams (eventlog.Follow keeps it, saved with its position on each
// stream). Safe for concurrent use.
//
// At 10,000 hires it tracks some 450,000 items, so it holds them compactly: grouped by
// what they belong to (a plan's tasks, a learner's modules, a holder's certifications),
// each item 20 bytes of numbers into one table of the words the agenda knows (ids,
// titles, owners, dates: each held once however many items repeat it). A Tracked is made
// only when asked for; its key and link are derived.
type Agenda struct {
	mu      sync.RWMutex
	words   words
	groups  map[groupKey]*group
	pairs   map[string]*Pair
	dues    map[string]string // training assignment id → due
	modules map[string]string // training module id → title
}

// NewAgenda returns an empty agenda; titles names training modules.
func NewAgenda(titles map[string]string) *Agenda {
	return &Agenda{words: newWords(), groups: map[groupKey]*group{}, pairs: map[string]*Pair{}, dues: map[string]string{}, modules: titles}
}

// kind is what a group's items are.
type kind uint8

const (
	kindTask     kind = iota // a plan's tasks; the group's subject is the plan id
	kindTraining             // a learner's assigned modules; the subject is the person
	kindCert                 // a holder's certifications that expire; the subject is the person
	kinds
)

var (
	kindPrefix = [kinds]string{"task:", "training:", "cert:"}
	kindName   = [kinds]string{events.KindTaskDue, events.KindTrainingDue, events.KindCertExpiry}
)

// link is the web app's page of item id of kind k about subject.
func (k kind) link(subject, id string) string {
	switch k {
	case kindTask:
		return "/onboarding/plans/" + subject
	case kindTraining:
		return "/training/modules/" + id
	default:
		return "/skills"
	}
}

type groupKey struct {
	kind    kind
	subject word
}

// group holds the items of one plan, learner or holder.
type group struct {
	hire  word // whose onboarding; for training and certifications the person
	items []item
}

// item is one tracked item: 20 bytes. Its fields are exported for the snapshot (gob).
type item struct {
	ID, Title, Owner, Due word
	State                 uint32 // version<<1 | done
}

func (it item) done() bool      { return it.State&1 == 1 }
func (it item) version() int    { return int(it.State >> 1) }
func (it *item) changed()       { it.State += 2 }
func (it *item) setDone(d bool) { it.State = it.State&^1 | b2u(d) }

func b2u(b bool) uint32 {
	if b {
		return 1
	}
	return 0
}

// find returns the index of the item with id, or -1.
func (g *group) find(id word) int {
	for i := range g.items {
		if g.items[i].ID == id {
			return i
		}
	}
	return -1
}

// word is a string of the agenda's table.
type word uint32

// words is a table of strings, each held once; word 0 is "". Words are added under the
// agenda's write lock and never removed while it runs: the table holds the distinct ids,
// titles, owners and dates seen (a snapshot restores only those still in use).
type words struct {
	list  []string
	index map[string]word
}

func newWords() words { return words{list: []string{""}, index: map[string]word{"": 0}} }

// of returns s's word, adding it if new.
func (w *words) of(s string) word {
	if x, ok := w.index[s]; ok {
		return x
	}
	s = strings.Clone(s)
	x := word(len(w.list))
	w.list = append(w.list, s)
	w.index[s] = x
	return x
}

// lookup returns s's word if the table holds it.
func (w *words) lookup(s string) (word, bool) {
	x, ok := w.index[s]
	return x, ok
}

func (w *words) text(x word) string { return w.list[x] }

// groupOf returns the group of kind k about subject, made with hire if new.
func (a *Agenda) groupOf(k kind, subject, hire string) *group {
	key := groupKey{k, a.words.of(subject)}
	g, ok := a.groups[key]
	if !ok {
		g = &group{hire: a.words.of(hire)}
		a.groups[key] = g
	}
	return g
}

// itemOf finds the item id of kind k about subject (it is nil if there is none).
func (a *Agenda) itemOf(k kind, subject, id string) (key groupKey, g *group, it *item) {
	s, ok1 := a.words.lookup(subject)
	x, ok2 := a.words.lookup(id)
	if !ok1 || !ok2 {
		return key, nil, nil
	}
	key = groupKey{k, s}
	if g = a.groups[key]; g != nil {
		if i := g.find(x); i >= 0 {
			return key, g, &g.items[i]
		}
	}
	return key, nil, nil
}

// remove drops the item id of kind k about subject, and its group once empty.
func (a *Agenda) remove(k kind, subject, id string) {
	key, g, it := a.itemOf(k, subject, id)
	if it == nil {
		return
	}
	i := g.find(it.ID)
	if g.items = slices.Delete(g.items, i, i+1); len(g.items) == 0 {
		delete(a.groups, key)
	}
}

// Apply folds in one onboarding or training event (others are ignored). Applying an
// event twice changes nothing that matters (versions may rise).
func (a *Agenda) Apply(env events.Envelope) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	switch env.Type {
	case events.PlanCreated{}.EventType():
		var e events.PlanCreated
		if err := env.Payload(&e); err != nil {
			return err
		}
		g := a.groupOf(kindTask, env.Subject, e.Hire)
		if g.items == nil {
			g.items = make([]item, 0, len(e.Tasks))
		}
		for _, t := range e.Tasks {
			a.putTask(g, t)
		}
	case events.TaskAdded{}.EventType():
		var e events.TaskAdded
		if err := env.Payload(&e); err != nil {
			return err
		}
		a.putTask(a.groupOf(kindTask, env.Subject, strings.TrimPrefix(env.Subject, "plan-")), e.Task)
	case events.TaskChanged{}.EventType():
		var e events.TaskChanged
		if err := env.Payload(&e); err != nil {
			return err
		}
		if _, _, t := a.itemOf(kindTask, env.Subject, e.Task); t != nil {
			if e.Due != "" && e.Due != a.words.text(t.Due) {
				t.Due = a.words.of(e.Due)
				t.changed()
			}
			if e.Owner != "" && e.Assignee != a.words.text(t.Owner) {
				t.Owner = a.words.of(e.Assignee)
				t.changed()
			}
		}
	case events.TasksReassigned{}.EventType():
		var e events.TasksReassigned
		if err := env.Payload(&e); err != nil {
			return err
		}
		for _, id := range e.Tasks {
			if _, _, t := a.itemOf(kindTask, env.Subject, id); t != nil && a.words.text(t.Owner) != e.To {
				t.Owner = a.words.of(e.To)
				t.changed()
			}
		}
	case events.TaskCompleted{}.EventType():
		var e events.TaskCompleted
		if err := env.Payload(&e); err != nil {
			return err
		}
		a.setDone(kindTask, env.Subject, e.Task, true)
	case events.TaskReopened{}.EventType():
		var e events.TaskReopened
		if err := env.Payload(&e); err != nil {
			return err
		}
		a.setDone(kindTask, env.Subject, e.Task, false)
	case events.TaskRemoved{}.EventType():
		var e events.TaskRemoved
		if err := env.Payload(&e); err != nil {
			return err
		}
		a.remove(kindTask, env.Subject, e.Task)
	case events.AssignmentCreated{}.EventType():
		var e events.AssignmentCreated
		if err := env.Payload(&e); err != nil {
			return err
		}
		a.dues[env.Subject] = e.Due
		for _, p := range e.People {
			a.assign(p, e.Module, e.Due)
		}
	case events.AssignmentReached{}.EventType():
		var e events.AssignmentReached
		if err := env.Payload(&e); err != nil {
			return err
		}
		if due, ok := a.dues[env.Subject]; ok {
			for _, p := range e.People {
				a.assign(p, e.Module, due)
			}
		}
	case events.CertificationAdded{}.EventType():
		var e events.CertificationAdded
		if err := env.Payload(&e); err != nil {
			return err
		}
		if e.Expires == "" {
			a.remove(kindCert, env.Subject, e.ID)
			return nil
		}
		if _, _, t := a.itemOf(kindCert, env.Subject, e.ID); t != nil {
			if a.words.text(t.Due) != e.Expires {
				t.Due = a.words.of(e.Expires)
				t.changed()
			}
			return nil
		}
		g := a.groupOf(kindCert, env.Subject, env.Subject)
		g.items = append(g.items, item{ID: a.words.of(e.ID), Title: a.words.of("Certification " + e.Name),
			Owner: a.words.of(env.Subject), Due: a.words.of(e.Expires)})
	case events.MentorshipAccepted{}.EventType():
		var e events.MentorshipAccepted
		if err := env.Payload(&e); err != nil {
			return err
		}
		if _, ok := a.pairs[env.Subject]; !ok {
			a.pairs[env.Subject] = &Pair{ID: env.Subject, Hire: e.Hire, Mentor: e.Mentor, Last: env.Time.UTC().Format(events.DateLayout)}
		}
	case events.MentorshipEnded{}.EventType():
		delete(a.pairs, env.Subject)
	case events.CheckinLogged{}.EventType():
		var e events.CheckinLogged
		if err := env.Payload(&e); err != nil {
			return err
		}
		if p, ok := a.pairs[env.Subject]; ok {
			p.checkins = append(p.checkins, checkin{e.ID, e.Date})
		}
	case events.CheckinEdited{}.EventType():
		var e events.CheckinEdited
		if err := env.Payload(&e); err != nil {
			return err
		}
		if p, ok := a.pairs[env.Subject]; ok {
			for i := range p.checkins {
				if p.checkins[i].id == e.ID {
					p.checkins[i].date = e.Date
				}
			}
		}
	case events.ModulePassed{}.EventType():
		var e events.ModulePassed
		if err := env.Payload(&e); err != nil {
			return err
		}
		a.setDone(kindTraining, e.Person, e.Module, true)
	}
	return nil
}

// putTask adds t to a plan's group unless the plan has it already.
func (a *Agenda) putTask(g *group, t events.PlanTask) {
	id := a.words.of(t.ID)
	if g.find(id) >= 0 {
		return
	}
	g.items = append(g.items, item{ID: id, Title: a.words.of(t.Title), Owner: a.words.of(t.Assignee), Due: a.words.of(t.Due)})
}

// assign tracks module for person, due on the earliest open due date assigned.
func (a *Agenda) assign(person, module, due string) {
	if _, _, t := a.itemOf(kindTraining, person, module); t != nil {
		if !t.done() && due < a.words.text(t.Due) {
			t.Due = a.words.of(due)
			t.changed()
		}
		return
	}
	title := a.modules[module]
	if title == "" {
		title = module
	}
	g := a.groupOf(kindTraining, person, person)
	g.items = append(g.items, item{ID: a.words.of(module), Title: a.words.of(title), Owner: a.words.of(person), Due: a.words.of(due)})
}

func (a *Agenda) setDone(k kind, subject, id string, done bool) {
	if _, _, t := a.itemOf(k, subject, id); t != nil && t.done() != done {
		t.setDone(done)
		t.changed()
	}
}

// tracked makes the Tracked of item it of group g (the read lock held); link, if not "",
// is its link already made (a plan's tasks share theirs).
func (a *Agenda) tracked(key groupKey, g *group, it item, link string) Tracked {
	subject, id := a.words.text(key.subject), a.words.text(it.ID)
	if link == "" {
		link = key.kind.link(subject, id)
	}
	return Tracked{Key: kindPrefix[key.kind] + subject + ":" + id, Kind: kindName[key.kind], Owner: a.words.text(it.Owner),
		Hire: a.words.text(g.hire), Title: a.words.text(it.Title), Due: a.words.text(it.Due), Done: it.done(),
		Link: link, Version: it.version()}
}

// EachOpen yields every item not done, group by group (a plan's tasks, a learner's
// modules, a holder's certifications; ordered by kind, subject and id), for range:
//
//	for it := range agenda.EachOpen { … }
//
// It holds the agenda's lock only while it copies one group's items, never while the
// loop's body runs: the body may take its time and call the agenda, and events are
// applied meanwhile (each group is as it was when reached). Unlike Open, it never holds
// every item at once.
func (a *Agenda) EachOpen(yield func(Tracked) bool) { a.eachOpen(nil, nil, yield) }

// EachOpenOf is EachOpen over the groups whose hire (or learner, or holder) keep admits:
// the other groups' items are never copied.
func (a *Agenda) EachOpenOf(keep func(hire string) bool) func(yield func(Tracked) bool) {
	return func(yield func(Tracked) bool) { a.eachOpen(nil, keep, yield) }
}

// EachOpenKind is EachOpen over the items of one kind (events.KindTaskDue, …) only.
func (a *Agenda) EachOpenKind(kind string) func(yield func(Tracked) bool) {
	return func(yield func(Tracked) bool) {
		a.eachOpen(func(k groupKey) bool { return kindName[k.kind] == kind }, nil, yield)
	}
}

func (a *Agenda) eachOpen(keepKey func(groupKey) bool, keep func(hire string) bool, yield func(Tracked) bool) {
	a.mu.RLock()
	keys := slices.Collect(maps.Keys(a.groups))
	if keepKey != nil {
		keys = slices.DeleteFunc(keys, func(k groupKey) bool { return !keepKey(k) })
	}
	slices.SortFunc(keys, func(x, y groupKey) int {
		return cmp.Or(cmp.Compare(x.kind, y.kind), strings.Compare(a.words.text(x.subject), a.words.text(y.subject)))
	})
	a.mu.RUnlock()
	var batch []Tracked
	for _, key := range keys {
		batch = a.openOf(key, keep, batch[:0])
		slices.SortFunc(batch, func(x, y Tracked) int { return strings.Compare(x.Key, y.Key) })
		for _, t := range batch {
			if !yield(t) {
				return
			}
		}
	}
}

// openOf appends the open items of the group with key to out, if keep (when not nil)
// admits its hire.
func (a *Agenda) openOf(key groupKey, keep func(hire string) bool, out []Tracked) []Tracked {
	a.mu.RLock()
	defer a.mu.RUnlock()
	g, ok := a.groups[key]
	if !ok || (keep != nil && !keep(a.words.text(g.hire))) {
		return out
	}
	link := ""
	if key.kind == kindTask {
		link = key.kind.link(a.words.text(key.subject), "")
	}
	for _, it := range g.items {
		if !it.done() {
			out = append(out, a.tracked(key, g, it, link))
		}
	}
	return out
}

// Open returns copies of every item not done, by key. EachOpen does the same without
// holding them all at once.
func (a *Agenda) Open() []Tracked {
	return slices.SortedFunc(a.EachOpen, func(x, y Tracked) int { return strings.Compare(x.Key, y.Key) })
}

// Of returns copies of person's items (owned by them, or the training they were
// assigned), by due date.
func (a *Agenda) Of(person string) []Tracked {
	a.mu.RLock()
	defer a.mu.RUnlock()
	w, ok := a.words.lookup(person)
	if !ok {
		return nil
	}
	var out []Tracked
	for key, g := range a.groups {
		for _, it := range g.items {
			if it.Owner == w {
				out = append(out, a.tracked(key, g, it, ""))
			}
		}
	}
	slices.SortFunc(out, func(x, y Tracked) int { return cmp.Or(strings.Compare(x.Due, y.Due), strings.Compare(x.Key, y.Key)) })
	return out
}

// Item returns a copy of the item with key.
func (a *Agenda) Item(key string) (Tracked, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	for k, prefix := range kindPrefix {
		rest, ok := strings.CutPrefix(key, prefix)
		if !ok {
			continue
		}
		// Ids may hold colons: try each place the subject could end.
		for i := range len(rest) {
			if rest[i] != ':' {
				continue
			}
			if gk, g, it := a.itemOf(kind(k), rest[:i], rest[i+1:]); it != nil {
				return a.tracked(gk, g, *it, ""), true
			}
		}
	}
	return Tracked{}, false
}

// Silent returns the active pairs whose last check-in (or start) lies 14 or more days
// before today, with Last set to that day.
func (a *Agenda) Silent(today string) []Pair {
	a.mu.RLock()
	defer a.mu.RUnlock()
	limit, err := time.Parse(events.DateLayout, today)
	if err != nil {
		return nil
	}
	cut := limit.AddDate(0, 0, -14).Format(events.DateLayout)
	var out []Pair
	for _, p := range a.pairs {
		last := p.Last
		for _, c := range p.checkins {
			if c.date <= today && c.date > last {
				last = c.date
			}
		}
		if last <= cut {
			out = append(out, Pair{ID: p.ID, Hire: p.Hire, Mentor: p.Mentor, Last: last})
		}
	}
	slices.SortFunc(out, func(x, y Pair) int { return strings.Compare(x.ID, y.ID) })
	return out
}

// Checkins returns the check-ins of person's active mentorships dated today or later, as
// calendar items.
func (a *Agenda) Checkins(person, today string) []Tracked {
	a.mu.RLock()
	defer a.mu.RUnlock()
	var out []Tracked
	for _, p := range a.pairs {
		if p.Hire != person && p.Mentor != person {
			continue
		}
		for _, c := range p.checkins {
			if c.date >= today {
				out = append(out, Tracked{Key: "checkin:" + p.ID + ":" + c.id, Kind: events.KindCheckinSilence, Owner: person,
					Title: "Mentorship check-in", Due: c.date, Link: "/mentorship/pairs/" + p.ID})
			}
		}
	}
	slices.SortFunc(out, func(x, y Tracked) int { return cmp.Or(strings.Compare(x.Due, y.Due), strings.Compare(x.Key, y.Key)) })
	return out
}
