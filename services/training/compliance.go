package training

import (
	"cmp"
	"slices"
	"strings"
	"sync"

	"onramp.dev/events"
)

// The compliance report's figures, kept as events are applied and as the people directory
// changes, so HR's report and home cost the same at any size: per module, how many active
// people it is assigned to and how many of those passed it; how many are overdue on a day
// is read from the open assignments indexed by due date (an open assignment is overdue on
// any day after its due date, so it stays right as days pass without any event); and
// every row of the report (active person × module on their list) in the report's default
// order, so a page of it costs a page.
//
// Who is active, and their name, is the directory's to say: the service tells the state
// with SetPerson whenever the directory changes (a person the directory does not know yet
// counts nowhere). The figures have their own lock: SetPerson runs beside readers of the
// state, not beside Apply.
type compliance struct {
	mu      sync.Mutex
	people  map[string]*personFig // from the directory, with what each person's rows add
	modules map[string]*moduleFig
	rows    *events.Sorted[ReportRowRef]
}

// personFig is a person as the directory says, and what each of their rows (a module on
// their list) adds to the figures: one small record a person, the name's lower case made
// once, not a map of rows each holding the names again.
type personFig struct {
	name, lower string
	active      bool
	rows        []rowFig // the rows listed in the report, under name
}

// rowFig is what one person's row for a module adds to the figures.
type rowFig struct {
	module           string
	assigned, passed bool
	openDue          string // due date of an assigned, open module ("": none)
}

// ref is the person's row for module as the report lists it.
func (p *personFig) ref(person, module string) ReportRowRef {
	return ReportRowRef{lower: p.lower, Name: p.name, Person: person, Module: module}
}

type moduleFig struct {
	assigned, passed int
	openByDue        map[string]int
}

// ReportRowRef names a row of the compliance report in its default order: by name (any
// case), then name, person and module.
type ReportRowRef struct {
	lower, Name, Person, Module string
}

func compareRowRefs(a, b ReportRowRef) int {
	return cmp.Or(strings.Compare(a.lower, b.lower), strings.Compare(a.Name, b.Name),
		strings.Compare(a.Person, b.Person), strings.Compare(a.Module, b.Module))
}

// ReportRowKey is a row's place in the default order, as a string (for cursors): the same
// key the report's "name" sort gives the row.
func ReportRowKey(r ReportRowRef) string {
	return r.lower + "\x00" + r.Name + "\x00" + r.Person + "\x00" + r.Module
}

func (s *State) figures() *compliance {
	s.complianceOnce.Do(func() {
		s.compliance = &compliance{people: map[string]*personFig{}, modules: map[string]*moduleFig{},
			rows: events.NewSorted(compareRowRefs)}
	})
	return s.compliance
}

// SetPerson tells the state who person is in the directory now: their name and whether
// they are active. Call it with the state read-locked (it reads learners and assignments)
// whenever the directory changes a person, and once for everyone after a start.
func (s *State) SetPerson(person, name string, active bool) {
	c := s.figures()
	c.mu.Lock()
	defer c.mu.Unlock()
	p := c.people[person]
	if p == nil {
		p = &personFig{}
		c.people[person] = p
	} else if p.name == name && p.active == active {
		return
	}
	if p.name != name { // their rows leave the report under the old name; refigure lists them under the new
		for _, r := range p.rows {
			c.rows.Remove(p.ref(person, r.module))
		}
		p.name, p.lower = name, strings.ToLower(name)
	}
	p.active = active
	s.refigureLocked(person)
}

// refigure recounts person's rows, every module on their list (after a load).
func (s *State) refigure(person string) {
	c := s.figures()
	c.mu.Lock()
	defer c.mu.Unlock()
	s.refigureLocked(person)
}

func (s *State) refigureLocked(person string) {
	mods := map[string]bool{}
	if p := s.compliance.people[person]; p != nil {
		for _, r := range p.rows {
			mods[r.module] = true
		}
	}
	for m := range s.reach[person] {
		mods[m] = true
	}
	if l := s.learners[person]; l != nil {
		for _, p := range l.Modules {
			mods[p.Module] = true
		}
	}
	for m := range mods {
		s.figureLocked(person, m)
	}
}

// figure recounts what person's row for module adds, after an event about them.
func (s *State) figure(person, module string) {
	c := s.figures()
	c.mu.Lock()
	defer c.mu.Unlock()
	s.figureLocked(person, module)
}

func (s *State) figureLocked(person, module string) {
	c := s.compliance
	info := c.people[person] // nil: the directory has not told of them, and they count nowhere
	now := rowFig{module: module}
	listed := false
	if mod, ok := s.modules[module]; ok && info != nil && info.active {
		due, ids := s.Due(person, module)
		var p *Progress
		if l, ok := s.learners[person]; ok {
			p = l.Progress(module)
		}
		if len(ids) > 0 || p != nil {
			if p == nil {
				p = &Progress{Module: module}
			}
			listed, now.assigned = true, len(ids) > 0
			if now.assigned {
				now.passed = p.Passed
				if exhausted := p.Attempts > 0 && p.AttemptsLeft(mod.MaxAttempts) == 0; !p.Passed && !exhausted && due != "" {
					now.openDue = due
				}
			}
		}
	}
	if info == nil {
		return
	}
	i := slices.IndexFunc(info.rows, func(r rowFig) bool { return r.module == module })
	if i >= 0 {
		c.rows.Remove(info.ref(person, module))
		c.add(module, info.rows[i], -1)
		info.rows = slices.Delete(info.rows, i, i+1)
	}
	if listed {
		c.rows.Add(info.ref(person, module))
		c.add(module, now, 1)
		info.rows = append(info.rows, now)
	}
}

func (c *compliance) add(module string, f rowFig, n int) {
	if !f.assigned {
		return
	}
	m := c.modules[module]
	if m == nil {
		m = &moduleFig{openByDue: map[string]int{}}
		c.modules[module] = m
	}
	m.assigned += n
	if f.passed {
		m.passed += n
	}
	if f.openDue != "" {
		m.openByDue[f.openDue] += n
		if m.openByDue[f.openDue] == 0 {
			delete(m.openByDue, f.openDue)
		}
	}
	if m.assigned == 0 {
		delete(c.modules, module)
	}
}

// Compliance is the report's summary per module on day today, for every active person:
// assigned, passed and overdue, by title. Its cost grows with the modules and their
// distinct due dates, not with the people.
func (s *State) Compliance(today string) []events.ReportCount {
	c := s.figures()
	c.mu.Lock()
	defer c.mu.Unlock()
	out := []events.ReportCount{}
	for id, m := range c.modules {
		rc := events.ReportCount{Key: id, Label: id, Assigned: m.assigned, Passed: m.passed}
		if mod, ok := s.modules[id]; ok {
			rc.Label = mod.Title
		}
		for due, n := range m.openByDue {
			if due < today {
				rc.Overdue += n
			}
		}
		out = append(out, rc)
	}
	slices.SortFunc(out, func(a, b events.ReportCount) int {
		return cmp.Or(strings.Compare(a.Label, b.Label), strings.Compare(a.Key, b.Key))
	})
	return out
}

// ReportPage is a page of the report's rows (every active person × module on their list)
// in the default order, as PageBy would cut it from all of them sorted.
func (s *State) ReportPage(p events.Page) ([]ReportRowRef, events.PageInfo, error) {
	c := s.figures()
	c.mu.Lock()
	defer c.mu.Unlock()
	return events.PageSorted(p, ReportRowKey, c.rows)
}
