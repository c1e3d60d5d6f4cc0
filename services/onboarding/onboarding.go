// Package onboarding is the domain of Onramp's onboarding service: each hire's plan (one
// aggregate, tasks inside), made from their track's template, who may see and change it,
// progress, queues and overdue tasks. It holds the rules and the in-memory state built from
// onboarding events; it knows nothing of NATS, MongoDB or HTTP (see ./server).
package onboarding

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strings"
	"sync"
	"time"
	"unique"

	tpl "onramp.dev/content/onboarding"
	"onramp.dev/events"
)

// Plan is one hire's onboarding plan, as the model holds it (stored as a PlanDoc).
type Plan struct {
	ID              string
	Seq             uint64 // stream sequence of the last event applied
	Hire            string
	Name            string
	Team            string
	Lead            string
	Mentor          string
	Track           string
	StartDate       string
	TemplateVersion int
	Created         time.Time
	Tasks           []Task
	Completed       bool // plan.completed is on the stream for the current state
	CompletedAt     time.Time
	Problem         string   // why no plan could be made
	Handled         []string // ids of other domains' events applied to this plan
	History         history  // see HistoryDocs
}

// Task is one task of a plan, as the model holds it: 40 bytes. What it takes from its
// template — its key, words and owner — is its TaskText, one copy per process for every
// plan made from the template; its assignee is a handle to the process's one copy; its
// due date, and the due date an overdue notice went out for, day numbers; what only a done
// or reopened task has is behind one pointer, set only then. It is stored whole (TaskDoc).
type Task struct {
	*TaskText
	assignee unique.Handle[string] // zero: nobody
	more     *taskMore             // nil: none of it
	due      day
	overdue  day // the due date task.overdue was published for (0: none, or kept in more)
	Done     bool
}

// Assignee is who does the task: a person, the IT or HR queue, or nobody yet ("").
func (t *Task) Assignee() string { return text(t.assignee) }

var (
	noOne   unique.Handle[string]
	itQueue = unique.Make(events.QueueIT)
	hrQueue = unique.Make(events.QueueHR)
)

// handle is the process's one copy of s as a handle (the zero one for "").
func handle(s string) unique.Handle[string] {
	if s == "" {
		return noOne
	}
	return unique.Make(s)
}

// TaskText is what a task takes from its template (and its owner: changing a task's
// owner points it at another text). Plans share it: never change one in place.
type TaskText struct {
	ID            string
	Title         string
	Description   string
	Section       string
	Module        string
	Owner         string
	NeedsEvidence bool
}

// taskMore is what few tasks have: who did them and when, and the due date an overdue
// notice went out for.
type taskMore struct {
	DoneAt      time.Time
	DoneBy      string
	OnBehalfOf  string
	Evidence    string
	OverdueSent string // the due date task.overdue was published for
	BadDue      string // a due date that is no date, kept as it came (events never carry one)
}

// Due is the task's due date (DateLayout).
func (t *Task) Due() string {
	if t.due == badDay {
		return t.more.BadDue
	}
	return t.due.String()
}

// DoneAt is when the task was done (zero: open).
func (t *Task) DoneAt() time.Time { return t.get().DoneAt }

// DoneBy is who did the task.
func (t *Task) DoneBy() string { return t.get().DoneBy }

// OnBehalfOf is whom the one who did the task acted for ("": themselves).
func (t *Task) OnBehalfOf() string { return t.get().OnBehalfOf }

// Evidence is the note left when the task was done.
func (t *Task) Evidence() string { return t.get().Evidence }

// OverdueSent is the due date task.overdue was published for ("": none).
func (t *Task) OverdueSent() string {
	if t.overdue != 0 {
		return t.overdue.String()
	}
	return t.get().OverdueSent
}

// setOverdueSent records the due date task.overdue was published for ("": none). A date
// is kept in the task itself, not behind more: every open task of a hire who is behind has
// one (at 10,000 hires three weeks in, 27 MB of taskMore for that date alone). Text that
// is no date (or day 0) stays in more, as it came.
func (t *Task) setOverdueSent(s string) {
	if d, ok := parseDay(s); s != "" && ok && d != 0 {
		t.overdue = d
		s = ""
	} else {
		t.overdue = 0
	}
	t.edit(func(m *taskMore) { m.OverdueSent = shared(s) })
}

var noMore taskMore

func (t *Task) get() *taskMore {
	if t.more == nil {
		return &noMore
	}
	return t.more
}

// edit changes what few tasks have; the task keeps none of it when it is all empty.
func (t *Task) edit(change func(*taskMore)) {
	m := *t.get()
	change(&m)
	if m == (taskMore{}) {
		t.more = nil
		return
	}
	t.more = &m
}

// setDue sets the due date (DateLayout).
func (t *Task) setDue(due string) {
	d, ok := parseDay(due)
	t.due = d
	if ok && t.get().BadDue == "" {
		return
	}
	t.edit(func(m *taskMore) {
		m.BadDue = ""
		if !ok {
			m.BadDue = due
		}
	})
}

// compareDue orders tasks by due date (no date first), as their dates in DateLayout sort.
func compareDue(a, b *Task) int {
	if a.due != badDay && b.due != badDay {
		return cmp.Compare(a.due, b.due)
	}
	return cmp.Compare(a.Due(), b.Due())
}

// dueBefore reports whether the due date is before day (DateLayout), allocating nothing.
func (t *Task) dueBefore(day string) bool {
	if t.due == badDay {
		return t.more.BadDue < day
	}
	var b [10]byte
	return string(t.due.put(b[:0])) < day
}

// day is a date as the number of days since 1970-01-01 (UTC); noDay is no date and
// badDay one that could not be read.
type day int32

const (
	noDay  day = math.MinInt32
	badDay day = math.MinInt32 + 1
)

// parseDay reads a date in DateLayout ("" is noDay); ok is false when s is no date.
func parseDay(s string) (day, bool) {
	if s == "" {
		return noDay, true
	}
	t, err := time.Parse(events.DateLayout, s)
	if err != nil {
		return badDay, false
	}
	return day(t.Unix() / 86400), true
}

// String is the day in DateLayout ("" for noDay).
func (d day) String() string {
	if d == noDay || d == badDay {
		return ""
	}
	return string(d.put(make([]byte, 0, 10)))
}

// put appends the day in DateLayout (years 0 to 9999, as time.Parse reads them).
func (d day) put(b []byte) []byte {
	if d == noDay || d == badDay {
		return b
	}
	// Days to the civil date (H. Hinnant, "chrono-compatible low-level date algorithms").
	z := int64(d) + 719468
	era := z / 146097
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	dd := doy - (153*mp+2)/5 + 1
	m := mp + 3
	if mp >= 10 {
		m = mp - 9
	}
	if m <= 2 {
		y++
	}
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+m/10), byte('0'+m%10), '-', byte('0'+dd/10), byte('0'+dd%10))
}

// Entry is one line of a plan's history.
type Entry struct {
	Seq        uint64    `bson:"seq"`
	Time       time.Time `bson:"time"`
	Actor      string    `bson:"actor"`
	Type       string    `bson:"type"`
	Task       string    `bson:"task,omitempty"`
	Detail     string    `bson:"detail,omitempty"`
	OnBehalfOf string    `bson:"on_behalf_of,omitempty"`
}

// Task returns the task with key id.
func (p *Plan) Task(id string) (*Task, bool) {
	i := slices.IndexFunc(p.Tasks, func(t Task) bool { return t.ID == id })
	if i < 0 {
		return nil, false
	}
	return &p.Tasks[i], true
}

// HasHandled reports whether the plan already reflects another domain's event.
func (p *Plan) HasHandled(eventID string) bool { return slices.Contains(p.Handled, eventID) }

// Overdue reports whether t is past its due date and not done on day today (DateLayout).
func (t *Task) Overdue(today string) bool { return !t.Done && t.dueBefore(today) }

// Count is done of total.
type Count struct{ Done, Total int }

// Progress counts done tasks overall and per owner.
func (p *Plan) Progress() (Count, map[string]Count) {
	var all Count
	per := map[string]Count{}
	for _, t := range p.Tasks {
		c := per[t.Owner]
		c.Total++
		all.Total++
		if t.Done {
			c.Done++
			all.Done++
		}
		per[t.Owner] = c
	}
	return all, per
}

// State is not started, in progress or complete (or problem: no plan could be made).
func (p *Plan) State() string {
	if p.Problem != "" {
		return events.PlanProblem
	}
	c, _ := p.Progress()
	switch {
	case c.Total > 0 && c.Done == c.Total:
		return events.PlanComplete
	case c.Done == 0:
		return events.PlanNotStarted
	}
	return events.PlanInProgress
}

// AllDone reports whether the plan has tasks and every one is done.
func (p *Plan) AllDone() bool { c, _ := p.Progress(); return c.Total > 0 && c.Done == c.Total }

// OverdueCount counts overdue tasks on day today.
func (p *Plan) OverdueCount(today string) int {
	n := 0
	for i := range p.Tasks {
		if p.Tasks[i].Overdue(today) {
			n++
		}
	}
	return n
}

// NextDue is the open task due soonest (overdue ones first), or nil.
func (p *Plan) NextDue() *Task {
	var best *Task
	for i := range p.Tasks {
		t := &p.Tasks[i]
		if !t.Done && (best == nil || compareDue(t, best) < 0) {
			best = t
		}
	}
	return best
}

// State is the onboarding read model: every plan, built from events. It is not safe for
// concurrent use; the server guards it.
type State struct {
	plans  map[string]*Plan
	maxSeq uint64

	// The plans' order (by start date, then name, then id) overall and per team, rebuilt
	// when a plan is added (plans are never removed, and their hire's start date, name and
	// team never change), so listing a page or a team's plans never sorts every plan.
	// Readers share the state, so the indexes have their own lock.
	orderMu sync.Mutex
	ordered []string
	byTeam  map[string][]string

	// weeks counts, per week (its Monday), the onboardings that start in it and those
	// completed in it, kept as events are applied so a trend never reads every plan.
	weeks map[string]*events.WeekCount
	// Kept as each event is applied, so HR's figures cost the same at any size: the hires
	// who got no plan, and the plans by the due date of their earliest open task — a plan
	// is behind on any day after that date, so who is behind stays right as days pass.
	problems map[string]bool
	firstDue map[string]string          // plan → due date of its earliest open task
	byDue    map[string]map[string]bool // that date → plans

	// The task queues, kept as events are applied. The shared queues — IT's, HR's and each
	// team's lead's (see queueOf), which grow with the organisation — hold their open tasks
	// ordered by due date: an open task is overdue exactly when its due date is before
	// today, so "overdue first, then by due date" is this order on every day, and a page
	// costs a page. A person's own tasks are found through the plans they have open tasks
	// on (their own, their team's as lead, their mentees'), which do not grow with the
	// organisation; keeping every one of them sorted too would cost about 8 MB of memory
	// per 1,000 plans.
	queues    map[string]*events.Sorted[queued]
	inQueues  map[string][]queueEntry // plan → its tasks' places in the shared queues
	assignees map[string][]string     // plan → the people with open tasks on it
	byPerson  map[string][]string     // person → the plans they have open tasks on
	scratch   []queueEntry            // requeue's lists, reused
	people    []string

	texts map[TaskText]*TaskText // the one copy of each task's template words (text)
}

// queued is a task's place in a queue (24 bytes). It holds copies of the fields that order
// it (a task's due date changes in place, and tasks move in their plan's slice), so it is
// found again after the task has changed.
type queued struct {
	plan *Plan
	task *TaskText // its key: ID
	due  day
}

// queueEntry is where one task of a plan sits in the queues (16 bytes): the queue, and the
// task as it was queued.
type queueEntry struct {
	task *TaskText
	due  day
	kind queueKind
}

// queueKind is which shared queue an open task is in: IT's, HR's or its plan's team's (a
// plan's team never changes, so with the plan it names the queue).
type queueKind uint8

const (
	noQueue queueKind = iota
	queueIT
	queueHR
	queueOfTeam
)

// name is the name of the queue of kind k for plan p.
func (k queueKind) name(p *Plan) string {
	switch k {
	case queueIT:
		return events.QueueIT
	case queueHR:
		return events.QueueHR
	case queueOfTeam:
		return shared(queueTeam + p.Team)
	}
	return ""
}

// NewState returns an empty state.
func NewState() *State {
	return &State{plans: map[string]*Plan{}, weeks: map[string]*events.WeekCount{}, problems: map[string]bool{}, firstDue: map[string]string{}, byDue: map[string]map[string]bool{},
		queues: map[string]*events.Sorted[queued]{}, inQueues: map[string][]queueEntry{}, assignees: map[string][]string{}, byPerson: map[string][]string{},
		texts: map[TaskText]*TaskText{}}
}

// Load adds a stored plan (a snapshot's).
func (s *State) Load(d PlanDoc) {
	p := Plan{ID: d.ID, Seq: d.Seq, Hire: d.Hire, Name: d.Name, Team: shared(d.Team), Lead: shared(d.Lead), Mentor: shared(d.Mentor),
		Track: shared(d.Track), StartDate: shared(d.StartDate), TemplateVersion: d.TemplateVersion, Created: d.Created,
		Completed: d.Completed, CompletedAt: d.CompletedAt, Problem: d.Problem, Handled: d.Handled,
		Tasks: make([]Task, len(d.Tasks))}
	for i, t := range d.Tasks {
		p.Tasks[i] = Task{TaskText: s.text(TaskText{ID: t.ID, Title: t.Title, Description: t.Description, Section: t.Section,
			Module: t.Module, Owner: t.Owner, NeedsEvidence: t.NeedsEvidence}), assignee: handle(t.Assignee), Done: t.Done}
		p.Tasks[i].setDue(t.Due)
		p.Tasks[i].edit(func(m *taskMore) {
			m.DoneAt, m.DoneBy, m.OnBehalfOf, m.Evidence = t.DoneAt, shared(t.DoneBy), shared(t.OnBehalfOf), t.Evidence
		})
		p.Tasks[i].setOverdueSent(t.OverdueSent)
	}
	for _, e := range d.History {
		p.History.add(e)
	}
	s.put(&p)
}

// put adds a plan: a new one, or one made from a stored one (replacing one loaded before).
func (s *State) put(p *Plan) {
	if old, ok := s.plans[p.ID]; ok { // loaded again: its old counts and places in the queues go
		s.countWeeks(old, -1)
		for _, e := range s.inQueues[old.ID] {
			s.unqueue(old, e)
		}
		delete(s.inQueues, old.ID)
	}
	s.plans[p.ID] = p
	s.maxSeq = max(s.maxSeq, p.Seq)
	s.countWeeks(p, 1)
	s.recount(p)
}

// unqueue takes a task of p out of the shared queue it is in (the queue goes once empty).
func (s *State) unqueue(p *Plan, e queueEntry) {
	name := e.kind.name(p)
	s.queues[name].Remove(queued{plan: p, task: e.task, due: e.due})
	if s.queues[name].Len() == 0 {
		delete(s.queues, name)
	}
}

// text is a handle's string ("" for the zero handle).
func text(h unique.Handle[string]) string {
	if h == noOne {
		return ""
	}
	return h.Value()
}

// HistoryDocs is the plan's history, oldest first.
func (p *Plan) HistoryDocs() []Entry { return p.History.Docs() }

// countWeeks adds n to the weeks p started and completed in.
func (s *State) countWeeks(p *Plan, n int) {
	if p.Problem == "" {
		s.week(p.StartDate).Started += n
	}
	if p.Completed && !p.CompletedAt.IsZero() {
		s.week(events.Date(p.CompletedAt)).Completed += n
	}
}

// week is the count of the week holding day (YYYY-MM-DD).
func (s *State) week(day string) *events.WeekCount {
	monday := events.Monday(day)
	w := s.weeks[monday]
	if w == nil {
		w = &events.WeekCount{Week: monday}
		s.weeks[monday] = w
	}
	return w
}

// Trend is the weekly counts of the n weeks up to the week of today, oldest first; weeks
// without onboardings count zero.
func (s *State) Trend(n int, today string) []events.WeekCount {
	weeks := events.Weeks(n, today)
	if weeks == nil {
		return nil
	}
	out := make([]events.WeekCount, len(weeks))
	for i, monday := range weeks {
		out[i] = events.WeekCount{Week: monday}
		if w := s.weeks[monday]; w != nil {
			out[i] = *w
		}
	}
	return out
}

// recount updates the kept figures for p after a change to it: the plan's own tasks only.
func (s *State) recount(p *Plan) {
	if p.Problem != "" {
		s.problems[p.ID] = true
	}
	s.requeue(p)
	due := ""
	if t := p.NextDue(); t != nil {
		due = t.Due()
	}
	old, had := s.firstDue[p.ID]
	if had && old == due {
		return
	}
	if had {
		delete(s.byDue[old], p.ID)
		if len(s.byDue[old]) == 0 {
			delete(s.byDue, old)
		}
		delete(s.firstDue, p.ID)
	}
	if due == "" {
		return
	}
	s.firstDue[p.ID] = due
	if s.byDue[due] == nil {
		s.byDue[due] = map[string]bool{}
	}
	s.byDue[due][p.ID] = true
}

// Overview is the organisation's onboarding at a glance on a day: the plans made, the
// hires who got none, and the plans with a task overdue ("behind schedule").
type Overview struct{ Plans, Problems, Behind int }

// Overview counts from the kept figures: its cost grows with the number of distinct due
// dates, not with the plans.
func (s *State) Overview(today string) Overview {
	o := Overview{Plans: len(s.plans) - len(s.problems), Problems: len(s.problems)}
	for due, ids := range s.byDue {
		if due < today {
			o.Behind += len(ids)
		}
	}
	return o
}

// Behind returns the plans with a task overdue on day today, at most limit of them, first
// in the plans' order (start date, name). It reads the plans by due date, or walks the
// plans' order while that is the shorter way.
func (s *State) Behind(today string, limit int) []*Plan {
	n := s.Overview(today).Behind
	if n == 0 || limit <= 0 {
		return nil
	}
	if limit*len(s.plans) < n*n { // many behind: the first few are found early in the order
		return s.First(limit, func(p *Plan) bool { return p.OverdueCount(today) > 0 })
	}
	return firstInOrder(s.behind(today), limit)
}

// behind returns the plans with a task overdue on day today, in no order.
func (s *State) behind(today string) []*Plan {
	var out []*Plan
	for due, ids := range s.byDue {
		if due < today {
			for id := range ids {
				out = append(out, s.plans[id])
			}
		}
	}
	return out
}

// Problems returns the hires who got no plan, at most limit of them, in the plans' order.
func (s *State) Problems(limit int) []*Plan {
	out := make([]*Plan, 0, len(s.problems))
	for id := range s.problems {
		out = append(out, s.plans[id])
	}
	return firstInOrder(out, limit)
}

// First returns the first limit plans keep admits, in order, reading no further.
func (s *State) First(limit int, keep func(*Plan) bool) []*Plan {
	all, _ := s.order()
	var out []*Plan
	for _, id := range all {
		if len(out) == limit {
			break
		}
		if p := s.plans[id]; keep(p) {
			out = append(out, p)
		}
	}
	return out
}

func comparePlans(a, b *Plan) int {
	return cmp.Or(cmp.Compare(a.StartDate, b.StartDate), cmp.Compare(a.Name, b.Name), cmp.Compare(a.ID, b.ID))
}

func firstInOrder(plans []*Plan, limit int) []*Plan {
	slices.SortFunc(plans, comparePlans)
	return plans[:min(limit, len(plans))]
}

// Plan returns the plan with id.
func (s *State) Plan(id string) (*Plan, bool) { p, ok := s.plans[id]; return p, ok }

// Plans returns the plans keep admits, by start date then name.
func (s *State) Plans(keep func(*Plan) bool) []*Plan {
	all, _ := s.order()
	return s.keep(all, keep)
}

// TeamPlans returns the plans of team's hires that keep admits, by start date then name.
// It reads the team's plans only.
func (s *State) TeamPlans(team string, keep func(*Plan) bool) []*Plan {
	_, byTeam := s.order()
	return s.keep(byTeam[team], keep)
}

func (s *State) keep(ids []string, keep func(*Plan) bool) []*Plan {
	var out []*Plan
	for _, id := range ids {
		if p := s.plans[id]; keep(p) {
			out = append(out, p)
		}
	}
	return out
}

// order returns the plan ids in order, overall and per team.
func (s *State) order() ([]string, map[string][]string) {
	s.orderMu.Lock()
	defer s.orderMu.Unlock()
	if len(s.ordered) == len(s.plans) {
		return s.ordered, s.byTeam
	}
	ids := make([]string, 0, len(s.plans))
	for id := range s.plans {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(x, y string) int { return comparePlans(s.plans[x], s.plans[y]) })
	byTeam := map[string][]string{}
	for _, id := range ids {
		t := s.plans[id].Team
		byTeam[t] = append(byTeam[t], id)
	}
	s.ordered, s.byTeam = ids, byTeam
	return ids, byTeam
}

// Len is the number of plan documents (including problems).
func (s *State) Len() int { return len(s.plans) }

// Apply folds one onboarding event, stored at stream sequence seq, into the state.
// Applying an event again changes nothing. It returns the ids of the documents it touched.
func (s *State) Apply(env events.Envelope, seq uint64) ([]string, error) {
	s.maxSeq = max(s.maxSeq, seq)
	id := env.Subject
	switch env.Type {
	case events.PlanCreated{}.EventType():
		var e events.PlanCreated
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		if id != events.PlanID(e.Hire) {
			return nil, fmt.Errorf("%w: plan %s for hire %s", events.ErrInvalid, id, e.Hire)
		}
		if _, ok := s.plans[id]; ok {
			return []string{id}, nil
		}
		p := &Plan{ID: id, Seq: seq, Hire: e.Hire, Name: e.Name, Team: shared(e.Team), Lead: shared(e.Lead), Track: shared(e.Track),
			StartDate: shared(e.StartDate), TemplateVersion: e.TemplateVersion, Created: env.Time, Handled: []string{e.Source},
			Tasks: make([]Task, 0, len(e.Tasks))}
		for _, t := range e.Tasks {
			p.Tasks = append(p.Tasks, s.taskFrom(t))
		}
		p.History.add(Entry{Seq: seq, Time: env.Time, Actor: env.Actor, Type: env.Type,
			Detail: fmt.Sprintf("made from the %s template, version %d, with %d tasks", e.Track, e.TemplateVersion, len(e.Tasks))})
		s.put(p)
		return []string{id}, nil

	case events.PlanRejected{}.EventType():
		var e events.PlanRejected
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		if _, ok := s.plans[id]; ok {
			return []string{id}, nil
		}
		p := &Plan{ID: id, Seq: seq, Hire: e.Hire, Name: e.Name, Team: e.Team, Track: e.Track, Created: env.Time,
			Problem: e.Reason, Handled: []string{e.Source}}
		p.History.add(Entry{Seq: seq, Time: env.Time, Actor: env.Actor, Type: env.Type, Detail: e.Reason})
		s.put(p)
		return []string{id}, nil
	}

	// Every other event changes an existing plan.
	p, ok := s.plans[id]
	if !ok {
		return nil, fmt.Errorf("%w: %s for unknown plan %s", events.ErrInvalid, env.Type, id)
	}
	if seq <= p.Seq {
		return []string{id}, nil // applied already
	}
	entry := Entry{Seq: seq, Time: env.Time, Actor: shared(env.Actor), Type: shared(env.Type)}
	wasCompleted := p.Completed
	switch env.Type {
	case events.PlanCompleted{}.EventType():
		var e events.PlanCompleted
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		p.Completed = true
		entry.Detail = fmt.Sprintf("all %d tasks done", e.Tasks)

	case events.TaskCompleted{}.EventType():
		var e events.TaskCompleted
		t, err := taskEvent(env, p, &e, func() string { return e.Task })
		if err != nil {
			return nil, err
		}
		t.Done = true
		t.edit(func(m *taskMore) {
			m.DoneAt, m.DoneBy, m.OnBehalfOf, m.Evidence = env.Time, shared(env.Actor), shared(e.OnBehalfOf), e.Evidence
		})
		entry.Task, entry.Detail, entry.OnBehalfOf = t.ID, e.Evidence, e.OnBehalfOf

	case events.TaskReopened{}.EventType():
		var e events.TaskReopened
		t, err := taskEvent(env, p, &e, func() string { return e.Task })
		if err != nil {
			return nil, err
		}
		t.Done = false
		t.edit(func(m *taskMore) { m.DoneAt, m.DoneBy, m.OnBehalfOf, m.Evidence = time.Time{}, "", "", "" })
		p.Completed = false
		entry.Task, entry.Detail, entry.OnBehalfOf = t.ID, e.Reason, e.OnBehalfOf

	case events.TaskAdded{}.EventType():
		var e events.TaskAdded
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		if _, dup := p.Task(e.Task.ID); dup {
			return nil, fmt.Errorf("%w: task %s already on plan %s", events.ErrInvalid, e.Task.ID, id)
		}
		p.Tasks = append(p.Tasks, s.taskFrom(e.Task))
		p.Completed = false
		entry.Task, entry.Detail = e.Task.ID, fmt.Sprintf("%q for %s, due %s", e.Task.Title, e.Task.Owner, e.Task.Due)

	case events.TaskRemoved{}.EventType():
		var e events.TaskRemoved
		if _, err := taskEvent(env, p, &e, func() string { return e.Task }); err != nil {
			return nil, err
		}
		p.Tasks = slices.DeleteFunc(p.Tasks, func(t Task) bool { return t.ID == e.Task })
		entry.Task, entry.Detail = e.Task, e.Reason

	case events.TaskChanged{}.EventType():
		var e events.TaskChanged
		t, err := taskEvent(env, p, &e, func() string { return e.Task })
		if err != nil {
			return nil, err
		}
		var parts []string
		if e.Due != "" {
			parts = append(parts, "due "+t.Due()+" → "+e.Due)
			t.setDue(e.Due)
			t.setOverdueSent("")
		}
		if e.Owner != "" {
			parts = append(parts, "owner "+t.Owner+" → "+e.Owner)
			text := *t.TaskText
			text.Owner = e.Owner
			t.TaskText, t.assignee = s.text(text), handle(e.Assignee)
		}
		entry.Task, entry.Detail = t.ID, strings.Join(parts, ", ")

	case events.TaskOverdue{}.EventType():
		var e events.TaskOverdue
		t, err := taskEvent(env, p, &e, func() string { return e.Task })
		if err != nil {
			return nil, err
		}
		t.setOverdueSent(e.Due)
		entry.Task, entry.Detail = t.ID, "overdue since "+e.Due

	case events.TasksReassigned{}.EventType():
		var e events.TasksReassigned
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		for _, key := range e.Tasks {
			if t, ok := p.Task(key); ok {
				t.assignee = handle(e.To)
			}
		}
		if e.Mentor != "" {
			p.Mentor = shared(e.Mentor)
		}
		if e.EndedMentor != "" && p.Mentor == e.EndedMentor {
			p.Mentor = ""
		}
		p.Handled = append(p.Handled, e.Source)
		entry.Detail = fmt.Sprintf("%d tasks moved to %s", len(e.Tasks), e.To)

	default:
		return nil, fmt.Errorf("%w: onboarding does not know event type %s", events.ErrInvalid, env.Type)
	}
	switch {
	case p.Completed && !wasCompleted:
		p.CompletedAt = env.Time
		s.week(events.Date(env.Time)).Completed++
	case !p.Completed && wasCompleted:
		if !p.CompletedAt.IsZero() {
			s.week(events.Date(p.CompletedAt)).Completed--
		}
		p.CompletedAt = time.Time{}
	}
	p.Seq = seq
	p.History.add(entry)
	s.recount(p)
	return []string{id}, nil
}

// taskEvent decodes a task event and finds its task on p.
func taskEvent(env events.Envelope, p *Plan, payload events.Payload, key func() string) (*Task, error) {
	if err := env.Payload(payload); err != nil {
		return nil, err
	}
	t, ok := p.Task(key())
	if !ok {
		return nil, fmt.Errorf("%w: %s for unknown task %s on %s", events.ErrInvalid, env.Type, key(), p.ID)
	}
	return t, nil
}

func (s *State) taskFrom(t events.PlanTask) Task {
	out := Task{TaskText: s.text(TaskText{ID: t.ID, Title: t.Title, Description: t.Description, Section: t.Section,
		Module: t.Module, Owner: t.Owner, NeedsEvidence: t.NeedsEvidence}), assignee: handle(t.Assignee)}
	out.setDue(t.Due)
	return out
}

// text is the one copy of a task's template words, key and owner for every plan: with
// 10,000 plans of about 40 tasks each, those were most of the model.
func (s *State) text(text TaskText) *TaskText {
	tt, ok := s.texts[text]
	if !ok {
		text.ID, text.Title, text.Description = shared(text.ID), shared(text.Title), shared(text.Description)
		text.Section, text.Module, text.Owner = shared(text.Section), shared(text.Module), shared(text.Owner)
		tt = &text
		s.texts[text] = tt
	}
	return tt
}

// shared returns the process's one copy of s (unique.Make: kept while anything uses it).
func shared(s string) string {
	if s == "" {
		return ""
	}
	return unique.Make(s).Value()
}

// --- deciding ---

// Hired is what plan creation needs to know about a hire.
type Hired struct {
	Hire, Name, Team, Lead, Track, StartDate string
	Source                                   string // the hired event's id
	// Invited is the day of the hired event (DateLayout); empty: the template's dates stand.
	Invited string
}

// Assignee resolves a task owner to who does it on a plan: the hire, their lead, the IT
// or HR queue, or the mentor — the lead until a mentor is assigned.
func Assignee(owner, hire, lead, mentor string) string {
	switch owner {
	case events.OwnerHire:
		return hire
	case events.OwnerLead:
		return lead
	case events.OwnerIT:
		return events.QueueIT
	case events.OwnerHR:
		return events.QueueHR
	case events.OwnerMentor:
		if mentor != "" {
			return mentor
		}
		return lead
	}
	return ""
}

// DecideCreate makes the plan for a hire from their track's template, or, when the track
// has none, the problem HR will see.
func DecideCreate(h Hired, templates map[string]tpl.Template) (events.Payload, error) {
	start, err := time.Parse(events.DateLayout, h.StartDate)
	if err != nil {
		return nil, fmt.Errorf("%w: start date %q", events.ErrInvalid, h.StartDate)
	}
	t, ok := templates[h.Track]
	if !ok {
		return events.PlanRejected{Hire: h.Hire, Name: h.Name, Team: h.Team, Track: h.Track, Source: h.Source,
			Reason: fmt.Sprintf("no onboarding template for track %q", h.Track)}, nil
	}
	e := events.PlanCreated{Hire: h.Hire, Name: h.Name, Team: h.Team, Lead: h.Lead, Track: h.Track, StartDate: h.StartDate,
		TemplateVersion: t.Version, Source: h.Source}
	for _, task := range t.Tasks {
		e.Tasks = append(e.Tasks, events.PlanTask{
			ID: task.ID, Title: task.Title, Description: task.Description, Section: task.Section, Owner: task.Owner,
			Assignee: Assignee(task.Owner, h.Hire, h.Lead, ""), Due: notBeforeInvite(task.DueDate(start).Format(events.DateLayout), h),
			NeedsEvidence: task.NeedsEvidence, Module: task.Module,
		})
	}
	return e, nil
}

// notBeforeInvite moves a due date that falls before the invite to the invite's day, so a
// hire invited close to their start date does not begin with overdue "before day one"
// tasks. A hire entered after they started (invited after the start date) keeps the
// template's dates: their plan is a record of what was due.
func notBeforeInvite(due string, h Hired) string {
	if h.Invited != "" && h.Invited <= h.StartDate && due < h.Invited {
		return h.Invited
	}
	return due
}

// Caller is who asks: a person (from their verified token) or the system itself.
type Caller struct {
	ID     string
	Roles  []string
	Team   string
	System bool
}

// Has reports whether the caller holds any of roles.
func (c Caller) Has(roles ...string) bool {
	return slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(c.Roles, r) })
}

func (c Caller) actor() string {
	if c.System {
		return events.System
	}
	return c.ID
}

// Actor is the id recorded as the actor of the caller's events.
func (c Caller) Actor() string { return c.actor() }

func (c Caller) admin() bool { return c.System || c.Has(events.ManagerRoles...) }

// leads reports whether c is a lead of the plan's team — the one rule for leads everywhere
// (identity refuses a named lead from another team, so the lead field grants nothing more).
func (c Caller) leads(p *Plan) bool {
	return c.Has(events.RoleLead) && c.Team == p.Team
}

// CanView reports whether c may see plan p: the hire, the lead of their team, their
// mentor, HR and admin.
func CanView(c Caller, p *Plan) bool {
	switch {
	case c.admin(), c.ID == p.Hire, c.leads(p):
		return true
	case p.Mentor != "" && c.ID == p.Mentor:
		return true
	}
	return false
}

// CanManage reports whether c may add, remove and change tasks on p: the lead of the
// hire's team, HR and admin.
func CanManage(c Caller, p *Plan) bool { return c.admin() || c.leads(p) }

// mayDo reports whether c may complete or reopen t, and for whom they act when it is not
// their own task (HR and admin acting on behalf of the assignee).
func mayDo(c Caller, p *Plan, t *Task) (onBehalfOf string, ok bool) {
	own := false
	switch t.Owner {
	case events.OwnerHire, events.OwnerMentor:
		own = c.ID != "" && c.ID == t.Assignee()
	case events.OwnerLead:
		own = c.ID != "" && c.ID == t.Assignee() || t.Assignee() == "" && c.leads(p)
	case events.OwnerIT:
		own = c.Has(events.RoleIT)
	case events.OwnerHR:
		own = c.Has(events.RoleHR)
	}
	if own {
		return "", true
	}
	if c.admin() {
		return cmp.Or(t.Assignee(), t.Owner), true
	}
	return "", false
}

// CanDo reports whether c may complete or reopen t on p.
func CanDo(c Caller, p *Plan, t *Task) bool { _, ok := mayDo(c, p, t); return ok }

// Errors callers can act on.
var (
	ErrForbidden    = events.Errorf(events.CodeForbidden, "you may not do that")
	ErrPlanNotFound = events.Errorf(events.CodeNotFound, "no such plan")
	ErrTaskNotFound = events.Errorf(events.CodeNotFound, "no such task")
)

// SplitTaskID splits an API task id "<planID>.<taskKey>".
func SplitTaskID(id string) (plan, key string, ok bool) {
	plan, key, ok = strings.Cut(id, ".")
	return plan, key, ok && plan != "" && key != ""
}

// findTask finds a task for c: a plan c may not see answers forbidden, not "not found",
// so nobody learns which hires exist.
func (s *State) findTask(c Caller, id string) (*Plan, *Task, error) {
	planID, key, ok := SplitTaskID(id)
	if !ok {
		return nil, nil, ErrTaskNotFound
	}
	p, found := s.plans[planID]
	if !found || p.Problem != "" {
		if c.admin() {
			return nil, nil, ErrTaskNotFound
		}
		return nil, nil, ErrForbidden
	}
	t, found := p.Task(key)
	if !found {
		if CanView(c, p) || c.Has(events.RoleIT) {
			return nil, nil, ErrTaskNotFound
		}
		return nil, nil, ErrForbidden
	}
	return p, t, nil
}

// DecideComplete checks a completion. It returns the plan and a nil payload when the task
// is done already (completing twice changes nothing).
func (s *State) DecideComplete(c Caller, id, evidence string) (*Plan, *events.TaskCompleted, error) {
	p, t, err := s.findTask(c, id)
	if err != nil {
		return nil, nil, err
	}
	onBehalf, ok := mayDo(c, p, t)
	if !ok {
		return nil, nil, ErrForbidden
	}
	if t.Done {
		return p, nil, nil
	}
	evidence = strings.TrimSpace(evidence)
	if t.NeedsEvidence && evidence == "" {
		return nil, nil, &events.Error{Code: events.CodeInvalid, Message: "This task needs evidence.",
			Fields: map[string]string{"evidence": "Leave a note or a link showing the task is done."}}
	}
	if len(evidence) > 2000 {
		return nil, nil, &events.Error{Code: events.CodeInvalid, Message: "The evidence is too long.",
			Fields: map[string]string{"evidence": "At most 2000 characters."}}
	}
	return p, &events.TaskCompleted{Task: t.ID, Evidence: evidence, OnBehalfOf: onBehalf}, nil
}

// DecideReopen checks a reopening; a nil payload means the task is open already.
func (s *State) DecideReopen(c Caller, id, reason string) (*Plan, *events.TaskReopened, error) {
	p, t, err := s.findTask(c, id)
	if err != nil {
		return nil, nil, err
	}
	onBehalf, ok := mayDo(c, p, t)
	if !ok {
		return nil, nil, ErrForbidden
	}
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 1000 {
		return nil, nil, &events.Error{Code: events.CodeInvalid, Message: "Say why the task is reopened.",
			Fields: map[string]string{"reason": "Give a reason (up to 1000 characters)."}}
	}
	if !t.Done {
		return p, nil, nil
	}
	return p, &events.TaskReopened{Task: t.ID, Reason: reason, OnBehalfOf: onBehalf}, nil
}

func (s *State) managedPlan(c Caller, planID string) (*Plan, error) {
	p, ok := s.plans[planID]
	if !ok || p.Problem != "" {
		if c.admin() {
			return nil, ErrPlanNotFound
		}
		return nil, ErrForbidden
	}
	if !CanManage(c, p) {
		return nil, ErrForbidden
	}
	return p, nil
}

// SectionFor is the section a task due on due belongs to in a plan starting on start.
func SectionFor(start, due string) string {
	s, err1 := time.Parse(events.DateLayout, start)
	d, err2 := time.Parse(events.DateLayout, due)
	if err1 != nil || err2 != nil {
		return tpl.Sections[0].ID
	}
	day := int(d.Sub(s).Hours()/24) + 1
	for _, sec := range tpl.Sections {
		if day <= sec.LastDay {
			return sec.ID
		}
	}
	return tpl.Sections[len(tpl.Sections)-1].ID
}

// dueProblem says what is wrong with a task's due date on a plan starting on start, or "":
// it must be a date from a year before the start date to two years after today.
func dueProblem(start, due string, today time.Time) string {
	d, err := time.Parse(events.DateLayout, due)
	if err != nil {
		return "Enter the due date, " + events.DateExample + "."
	}
	earliest := today.AddDate(-1, 0, 0)
	if s, err := time.Parse(events.DateLayout, start); err == nil {
		earliest = s.AddDate(-1, 0, 0)
	}
	latest := time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC).AddDate(2, 0, 0)
	if d.Before(earliest) || d.After(latest) {
		return fmt.Sprintf("Choose a date from %s to %s.", earliest.Format(events.DateLayout), latest.Format(events.DateLayout))
	}
	return ""
}

// DecideAdd checks a new task for a plan; key is the new task's id within the plan.
func (s *State) DecideAdd(c Caller, req events.AddTaskRequest, key string, today time.Time) (*Plan, events.TaskAdded, error) {
	p, err := s.managedPlan(c, req.Plan)
	if err != nil {
		return nil, events.TaskAdded{}, err
	}
	fields := map[string]string{}
	title := events.CleanText(req.Title)
	if title == "" || len(title) > 200 {
		fields["title"] = "Give the task a title (up to 200 characters)."
	}
	if len(req.Description) > 2000 {
		fields["description"] = "At most 2000 characters."
	}
	if !slices.Contains(events.TaskOwners, req.Owner) {
		fields["owner"] = "Choose who owns the task: hire, lead, it, hr or mentor."
	}
	if problem := dueProblem(p.StartDate, req.Due, today); problem != "" {
		fields["due"] = problem
	}
	if len(fields) > 0 {
		return nil, events.TaskAdded{}, &events.Error{Code: events.CodeInvalid, Message: "Some fields need attention.", Fields: fields}
	}
	return p, events.TaskAdded{Task: events.PlanTask{
		ID: key, Title: title, Description: events.CleanText(req.Description), Section: SectionFor(p.StartDate, req.Due),
		Owner: req.Owner, Assignee: Assignee(req.Owner, p.Hire, p.Lead, p.Mentor), Due: req.Due, NeedsEvidence: req.NeedsEvidence,
	}}, nil
}

// DecideRemove checks removing a task.
func (s *State) DecideRemove(c Caller, id, reason string) (*Plan, events.TaskRemoved, error) {
	p, t, err := s.findTask(c, id)
	if err != nil {
		return nil, events.TaskRemoved{}, err
	}
	if !CanManage(c, p) {
		return nil, events.TaskRemoved{}, ErrForbidden
	}
	if len(p.Tasks) == 1 {
		return nil, events.TaskRemoved{}, &events.Error{Code: events.CodeConflict, Message: "A plan keeps at least one task."}
	}
	if len(reason) > events.MaxReason {
		return nil, events.TaskRemoved{}, &events.Error{Code: events.CodeInvalid, Message: "The reason is too long.",
			Fields: map[string]string{"reason": fmt.Sprintf("At most %d characters.", events.MaxReason)}}
	}
	return p, events.TaskRemoved{Task: t.ID, Reason: strings.TrimSpace(reason)}, nil
}

// DecideChange checks a change of due date and/or owner; a nil payload means nothing
// changes.
func (s *State) DecideChange(c Caller, req events.ChangeTaskRequest, today time.Time) (*Plan, *events.TaskChanged, error) {
	p, t, err := s.findTask(c, req.ID)
	if err != nil {
		return nil, nil, err
	}
	if !CanManage(c, p) {
		return nil, nil, ErrForbidden
	}
	fields := map[string]string{}
	if req.Due == "" && req.Owner == "" {
		fields["due"] = "Give a new due date or owner."
	}
	if req.Due != "" {
		if problem := dueProblem(p.StartDate, req.Due, today); problem != "" {
			fields["due"] = problem
		}
	}
	if req.Owner != "" && !slices.Contains(events.TaskOwners, req.Owner) {
		fields["owner"] = "Choose who owns the task: hire, lead, it, hr or mentor."
	}
	if len(fields) > 0 {
		return nil, nil, &events.Error{Code: events.CodeInvalid, Message: "Some fields need attention.", Fields: fields}
	}
	e := events.TaskChanged{Task: t.ID}
	if req.Due != "" && req.Due != t.Due() {
		e.Due = req.Due
	}
	if req.Owner != "" && req.Owner != t.Owner {
		e.Owner, e.Assignee = req.Owner, Assignee(req.Owner, p.Hire, p.Lead, p.Mentor)
	}
	if e.Due == "" && e.Owner == "" {
		return p, nil, nil
	}
	return p, &e, nil
}

// DecideMentor moves the hire's mentor-owned tasks to the mentor who accepted. ok is
// false when there is nothing to do (already handled).
func DecideMentor(p *Plan, mentor, source string) (events.TasksReassigned, bool) {
	if p.HasHandled(source) {
		return events.TasksReassigned{}, false
	}
	e := events.TasksReassigned{To: mentor, Mentor: mentor, Source: source, Tasks: []string{}}
	for _, t := range p.Tasks {
		if t.Owner == events.OwnerMentor && t.Assignee() != mentor && !t.Done {
			e.Tasks = append(e.Tasks, t.ID)
			if e.From == "" {
				e.From = t.Assignee()
			}
		}
	}
	return e, true
}

// DecideMentorEnded hands the open mentor-owned tasks of a mentor whose mentorship ended
// back to the hire's lead, and ends the mentor's access to the plan. A mentorship that is
// not the plan's current one (a newer mentor accepted since) moves nothing. ok is false
// when there is nothing to do (already handled).
func DecideMentorEnded(p *Plan, mentor, source string) (events.TasksReassigned, bool) {
	if p.HasHandled(source) {
		return events.TasksReassigned{}, false
	}
	// Back to the lead (the HR queue for a hire without one).
	e := events.TasksReassigned{From: mentor, To: cmp.Or(p.Lead, events.QueueHR), EndedMentor: mentor, Source: source, Tasks: []string{}}
	if p.Mentor != mentor {
		return e, true // recorded as handled; nothing moves
	}
	for _, t := range p.Tasks {
		if t.Owner == events.OwnerMentor && t.Assignee() == mentor && !t.Done {
			e.Tasks = append(e.Tasks, t.ID)
		}
	}
	return e, true
}

// OverdueTask names a task whose overdue event is due.
type OverdueTask struct {
	Plan, Task, Due, Assignee string
}

// DueOverdue lists the tasks overdue on day today whose task.overdue was not published
// for their current due date. It reads only the plans behind schedule (by the due-date
// index), not every plan.
func (s *State) DueOverdue(today string) []OverdueTask {
	var out []OverdueTask
	for _, p := range s.behind(today) {
		for i := range p.Tasks {
			t := &p.Tasks[i]
			if t.Overdue(today) && t.OverdueSent() != t.Due() {
				out = append(out, OverdueTask{Plan: p.ID, Task: t.ID, Due: t.Due(), Assignee: t.Assignee()})
			}
		}
	}
	slices.SortFunc(out, func(a, b OverdueTask) int { return cmp.Or(cmp.Compare(a.Plan, b.Plan), cmp.Compare(a.Task, b.Task)) })
	return out
}

// queueTeam prefixes the name of a team lead's queue (tasks for the lead that no one in
// particular is assigned).
const queueTeam = "team:"

// queueOf is the shared queue an open task t is in (none: a person's own task, or done).
func queueOf(t *Task) queueKind {
	switch {
	case t.Done:
		return noQueue
	case t.assignee == itQueue:
		return queueIT
	case t.assignee == hrQueue:
		return queueHR
	case t.assignee == noOne && t.Owner == events.OwnerLead:
		return queueOfTeam
	}
	return noQueue
}

// ownedBy is the person whose own open task t is ("": none).
func ownedBy(t *Task) string {
	if t.Done || t.assignee == noOne || t.assignee == itQueue || t.assignee == hrQueue {
		return ""
	}
	return t.Assignee()
}

// callerQueues are the shared queues whose tasks are c's to do: the IT queue for IT, the
// HR queue for HR, the team's for its lead.
func callerQueues(c Caller) []string {
	var out []string
	if c.Has(events.RoleIT) {
		out = append(out, events.QueueIT)
	}
	if c.Has(events.RoleHR) {
		out = append(out, events.QueueHR)
	}
	if c.Has(events.RoleLead) && c.Team != "" {
		out = append(out, queueTeam+c.Team)
	}
	return out
}

// compareQueued is the queues' order: due date, hire's name, plan, task.
func compareQueued(a, b queued) int {
	return cmp.Or(cmp.Compare(a.due, b.due), cmp.Compare(a.plan.Name, b.plan.Name),
		cmp.Compare(a.plan.ID, b.plan.ID), cmp.Compare(a.task.ID, b.task.ID))
}

// queueKey is a queued task's place in the queues' order, as a string (for cursors).
func queueKey(q queued) string {
	return q.due.String() + "\x00" + q.plan.Name + "\x00" + q.plan.ID + "\x00" + q.task.ID
}

// requeue moves p's tasks to the queues they are in now: its own tasks only.
func (s *State) requeue(p *Plan) {
	now, people := s.scratch[:0], s.people[:0]
	for i := range p.Tasks {
		t := &p.Tasks[i]
		if k := queueOf(t); k != noQueue {
			now = append(now, queueEntry{task: t.TaskText, due: t.due, kind: k})
		}
		if who := ownedBy(t); who != "" && !slices.Contains(people, who) {
			people = append(people, who)
		}
	}
	s.scratch, s.people = now, people
	old := s.inQueues[p.ID]
	for _, e := range old {
		if !slices.Contains(now, e) {
			s.unqueue(p, e)
		}
	}
	for _, e := range now {
		if !slices.Contains(old, e) {
			name := e.kind.name(p)
			q := s.queues[name]
			if q == nil {
				q = events.NewSorted(compareQueued)
				s.queues[name] = q
			}
			q.Add(queued{plan: p, task: e.task, due: e.due})
		}
	}
	switch {
	case len(now) == 0:
		delete(s.inQueues, p.ID)
	case !slices.Equal(now, old): // kept at its length: the scratch list is reused
		s.inQueues[p.ID] = append(make([]queueEntry, 0, len(now)), now...)
	}
	was := s.assignees[p.ID]
	for _, who := range was {
		if !slices.Contains(people, who) {
			plans := slices.DeleteFunc(s.byPerson[who], func(id string) bool { return id == p.ID })
			if len(plans) == 0 {
				delete(s.byPerson, who)
			} else {
				s.byPerson[who] = plans
			}
		}
	}
	for _, who := range people {
		if !slices.Contains(was, who) {
			s.byPerson[who] = append(s.byPerson[who], p.ID)
		}
	}
	switch {
	case len(people) == 0:
		delete(s.assignees, p.ID)
	case !slices.Equal(people, was):
		s.assignees[p.ID] = append(make([]string, 0, len(people)), people...)
	}
}

// Queue returns a page of the open tasks that are c's to do across every plan, overdue
// first, then by due date, hire and task: their own (as hire, lead or mentor), read from
// the plans they have open tasks on, and the shared queues they serve, at most a page of
// each.
func (s *State) Queue(c Caller, page events.Page) ([]QueueItem, events.PageInfo, error) {
	var sets []*events.Sorted[queued]
	if c.ID != "" && len(s.byPerson[c.ID]) > 0 {
		own := events.NewSorted(compareQueued)
		for _, id := range s.byPerson[c.ID] {
			p := s.plans[id]
			for i := range p.Tasks {
				if t := &p.Tasks[i]; ownedBy(t) == c.ID {
					own.Add(queued{plan: p, task: t.TaskText, due: t.due})
				}
			}
		}
		sets = append(sets, own)
	}
	for _, name := range callerQueues(c) {
		if q := s.queues[name]; q != nil {
			sets = append(sets, q)
		}
	}
	rows, info, err := events.PageSorted(page, queueKey, sets...)
	if err != nil {
		return nil, events.PageInfo{}, err
	}
	out := make([]QueueItem, 0, len(rows))
	for _, q := range rows {
		if t, ok := q.plan.Task(q.task.ID); ok {
			out = append(out, QueueItem{Plan: q.plan, Task: t})
		}
	}
	return out, info, nil
}

// QueueItem is one task in someone's queue.
type QueueItem struct {
	Plan *Plan
	Task *Task
}

// Names finds a person's display name by id ("" when unknown).
type Names func(id string) string

// TaskView is how the API shows t on p to c.
func TaskView(c Caller, p *Plan, t *Task, today string, names Names) events.TaskView {
	v := events.TaskView{
		ID: p.ID + "." + t.ID, Key: t.ID, Title: t.Title, Description: t.Description, Section: t.Section, Owner: t.Owner,
		Assignee: t.Assignee(), Due: t.Due(), Done: t.Done, DoneBy: t.DoneBy(), OnBehalfOf: t.OnBehalfOf(), Evidence: t.Evidence(),
		Overdue: t.Overdue(today), NeedsEvidence: t.NeedsEvidence, Module: t.Module, CanComplete: CanDo(c, p, t),
	}
	switch t.Assignee() {
	case events.QueueIT:
		v.AssigneeName = "IT"
	case events.QueueHR:
		v.AssigneeName = "HR"
	case "":
		v.AssigneeName = "nobody yet"
	default:
		if names != nil {
			v.AssigneeName = names(t.Assignee())
		}
	}
	if t.DoneBy() != "" && names != nil {
		v.DoneByName = names(t.DoneBy())
	}
	if !t.DoneAt().IsZero() {
		v.DoneAt = t.DoneAt().UTC().Format(time.RFC3339)
	}
	return v
}

// View is how the API shows p to c; withTasks adds tasks and history.
func View(c Caller, p *Plan, today string, names Names, withTasks bool) events.PlanView {
	all, per := p.Progress()
	v := events.PlanView{
		ID: p.ID, Hire: p.Hire, HireName: p.Name, Team: p.Team, Lead: p.Lead, Mentor: p.Mentor, Track: p.Track,
		StartDate: p.StartDate, TemplateVersion: p.TemplateVersion, Progress: events.Progress{Done: all.Done, Total: all.Total},
		ByOwner: map[string]events.Progress{}, State: p.State(), Overdue: p.OverdueCount(today), Problem: p.Problem,
		Tasks: []events.TaskView{}, CanManage: p.Problem == "" && CanManage(c, p),
	}
	for o, n := range per {
		v.ByOwner[o] = events.Progress{Done: n.Done, Total: n.Total}
	}
	if t := p.NextDue(); t != nil {
		tv := TaskView(c, p, t, today, names)
		v.NextDue = &tv
	}
	if withTasks {
		for i := range p.Tasks {
			v.Tasks = append(v.Tasks, TaskView(c, p, &p.Tasks[i], today, names))
		}
		for _, h := range p.HistoryDocs() {
			v.History = append(v.History, events.HistoryEntry{Time: h.Time.UTC().Format(time.RFC3339), Actor: h.Actor, Type: h.Type,
				Task: h.Task, Detail: h.Detail, OnBehalfOf: h.OnBehalfOf})
		}
	}
	return v
}
