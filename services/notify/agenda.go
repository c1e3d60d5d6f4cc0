package notify

import (
	"cmp"
	"slices"
	"strings"
	"sync"
	"time"
	"unique"

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
// an onboarding task or an assigned training module.
type Tracked struct {
	Key     string // task:<plan>:<task> or training:<person>:<module>
	Kind    string // events.KindTaskDue or events.KindTrainingDue
	Owner   string // person id, or a queue (queue:it, queue:hr), or "" while nobody holds it
	Hire    string // whose onboarding (tasks) or the learner (training)
	Title   string
	Due     string // DateLayout
	Done    bool
	Link    string // path in the web app
	Version int    // rises with each change (the calendar's SEQUENCE)
}

// Agenda is the read model of tracked items, built from the onboarding and training
// streams (eventlog.Follow keeps it, saved with its position on each stream). Safe for
// concurrent use.
type Agenda struct {
	mu      sync.RWMutex
	items   map[string]*Tracked
	pairs   map[string]*Pair
	dues    map[string]string // training assignment id → due
	modules map[string]string // training module id → title
}

// NewAgenda returns an empty agenda; titles names training modules.
func NewAgenda(titles map[string]string) *Agenda {
	return &Agenda{items: map[string]*Tracked{}, pairs: map[string]*Pair{}, dues: map[string]string{}, modules: titles}
}

func taskKey(plan, task string) string { return "task:" + plan + ":" + task }

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
		for _, t := range e.Tasks {
			a.putTask(env.Subject, e.Hire, t)
		}
	case events.TaskAdded{}.EventType():
		var e events.TaskAdded
		if err := env.Payload(&e); err != nil {
			return err
		}
		a.putTask(env.Subject, strings.TrimPrefix(env.Subject, "plan-"), e.Task)
	case events.TaskChanged{}.EventType():
		var e events.TaskChanged
		if err := env.Payload(&e); err != nil {
			return err
		}
		if t, ok := a.items[taskKey(env.Subject, e.Task)]; ok {
			if e.Due != "" && e.Due != t.Due {
				t.Due = e.Due
				t.Version++
			}
			if e.Owner != "" && e.Assignee != t.Owner {
				t.Owner = e.Assignee
				t.Version++
			}
		}
	case events.TasksReassigned{}.EventType():
		var e events.TasksReassigned
		if err := env.Payload(&e); err != nil {
			return err
		}
		for _, id := range e.Tasks {
			if t, ok := a.items[taskKey(env.Subject, id)]; ok && t.Owner != e.To {
				t.Owner = e.To
				t.Version++
			}
		}
	case events.TaskCompleted{}.EventType():
		var e events.TaskCompleted
		if err := env.Payload(&e); err != nil {
			return err
		}
		a.setDone(taskKey(env.Subject, e.Task), true)
	case events.TaskReopened{}.EventType():
		var e events.TaskReopened
		if err := env.Payload(&e); err != nil {
			return err
		}
		a.setDone(taskKey(env.Subject, e.Task), false)
	case events.TaskRemoved{}.EventType():
		var e events.TaskRemoved
		if err := env.Payload(&e); err != nil {
			return err
		}
		delete(a.items, taskKey(env.Subject, e.Task))
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
		key := "cert:" + env.Subject + ":" + e.ID
		if e.Expires == "" {
			delete(a.items, key)
			return nil
		}
		if t, ok := a.items[key]; ok {
			if t.Due != e.Expires {
				t.Due = e.Expires
				t.Version++
			}
			return nil
		}
		a.items[key] = &Tracked{Key: key, Kind: events.KindCertExpiry, Owner: env.Subject, Hire: env.Subject,
			Title: "Certification " + e.Name, Due: e.Expires, Link: "/skills"}
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
		a.setDone("training:"+e.Person+":"+e.Module, true)
	}
	return nil
}

func (a *Agenda) putTask(plan, hire string, t events.PlanTask) {
	key := taskKey(plan, t.ID)
	if _, ok := a.items[key]; ok {
		return
	}
	tr := &Tracked{Key: key, Kind: events.KindTaskDue, Owner: t.Assignee, Hire: hire, Title: t.Title, Due: t.Due,
		Link: "/onboarding/plans/" + plan}
	tr.share()
	a.items[key] = tr
}

// share makes the text that many items repeat — the titles and due dates of a template's
// tasks, owners and queues, the hire and the link of a plan's 40-odd tasks — one copy for
// the whole agenda (unique.Make): at 10,000 hires the agenda holds 400,000 tasks.
func (t *Tracked) share() {
	for _, s := range []*string{&t.Kind, &t.Owner, &t.Hire, &t.Title, &t.Due, &t.Link} {
		if *s != "" {
			*s = unique.Make(*s).Value()
		}
	}
}

// assign tracks module for person, due on the earliest open due date assigned.
func (a *Agenda) assign(person, module, due string) {
	key := "training:" + person + ":" + module
	t, ok := a.items[key]
	if !ok {
		title := a.modules[module]
		if title == "" {
			title = module
		}
		t := &Tracked{Key: key, Kind: events.KindTrainingDue, Owner: person, Hire: person, Title: title, Due: due,
			Link: "/training/modules/" + module}
		t.share()
		a.items[key] = t
		return
	}
	if !t.Done && due < t.Due {
		t.Due = due
		t.Version++
	}
}

func (a *Agenda) setDone(key string, done bool) {
	if t, ok := a.items[key]; ok && t.Done != done {
		t.Done = done
		t.Version++
	}
}

// Open returns copies of every item not done, by key.
func (a *Agenda) Open() []Tracked {
	return a.find(func(t *Tracked) bool { return !t.Done })
}

// Of returns copies of person's items (owned by them, or the training they were
// assigned), by due date.
func (a *Agenda) Of(person string) []Tracked {
	out := a.find(func(t *Tracked) bool { return t.Owner == person })
	slices.SortFunc(out, func(x, y Tracked) int { return cmp.Or(strings.Compare(x.Due, y.Due), strings.Compare(x.Key, y.Key)) })
	return out
}

// Item returns a copy of the item with key.
func (a *Agenda) Item(key string) (Tracked, bool) {
	a.mu.RLock()
	defer a.mu.RUnlock()
	t, ok := a.items[key]
	if !ok {
		return Tracked{}, false
	}
	return *t, true
}

func (a *Agenda) find(match func(*Tracked) bool) []Tracked {
	a.mu.RLock()
	defer a.mu.RUnlock()
	var out []Tracked
	for _, t := range a.items {
		if match(t) {
			out = append(out, *t)
		}
	}
	slices.SortFunc(out, func(x, y Tracked) int { return strings.Compare(x.Key, y.Key) })
	return out
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
