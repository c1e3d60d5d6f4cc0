// Package training is the domain of Onramp's training service: the module catalogue,
// assignments (to a person, a team or a track, with a due date), every learner's progress
// (lessons read, quiz attempts graded on the server, extra attempts granted) and the rules
// for who may see and do what. It holds the in-memory state built from training events and
// knows nothing of NATS, MongoDB or HTTP (see ./server).
//
// Two kinds of documents hold the state:
//   - an assignment record ("asg-<uuid>") — the rule (module, person/team/track, due date)
//     and the people it reached, so assigning a module to a track of 10,000 is one event and
//     one new document, not 10,000 updates;
//   - a learner record ("learner-<person>") — the learner's progress per module.
//
// A learner's list joins the two in memory.
package training

import (
	"cmp"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	curriculum "onramp.dev/content/training"
	"onramp.dev/events"
)

// Assignment is one assignment record: a document keyed by its id.
type Assignment struct {
	ID      string    `bson:"_id"`
	Seq     uint64    `bson:"seq"`
	Module  string    `bson:"module"`
	Kind    string    `bson:"kind"`
	Target  string    `bson:"target"`
	Due     string    `bson:"due"`
	By      string    `bson:"by"`
	Created time.Time `bson:"created"`
	People  []string  `bson:"people"` // everyone it reached, in order
}

// DocID implements the store's document interface.
func (a Assignment) DocID() string { return a.ID }

// View is how the assignment is shown.
func (a *Assignment) View() events.AssignmentView {
	return events.AssignmentView{ID: a.ID, Module: a.Module, Kind: a.Kind, Target: a.Target, Due: a.Due,
		People: len(a.People), By: a.By, Created: a.Created.UTC().Format(time.RFC3339)}
}

// Learner is one person's training record: a document keyed "learner-<person>".
type Learner struct {
	ID      string      `bson:"_id"`
	Person  string      `bson:"person"`
	Seq     uint64      `bson:"seq"` // stream sequence of the last event about this learner
	Modules []*Progress `bson:"modules"`
}

// DocID implements the store's document interface.
func (l Learner) DocID() string { return l.ID }

// LearnerID is the document id of a person's learner record.
func LearnerID(person string) string { return "learner-" + person }

// Progress is a learner's progress on one module.
type Progress struct {
	Module      string    `bson:"module"`
	Enrolled    bool      `bson:"enrolled,omitempty"`
	Read        []string  `bson:"read,omitempty"`
	Attempts    int       `bson:"attempts"`
	Granted     int       `bson:"granted,omitempty"` // extra attempts granted
	Passed      bool      `bson:"passed,omitempty"`
	PassedAt    time.Time `bson:"passed_at,omitzero"`
	PassSent    bool      `bson:"pass_sent,omitempty"` // module.passed published
	Best        int       `bson:"best,omitempty"`
	Last        *Attempt  `bson:"last,omitempty"`
	OverdueSent string    `bson:"overdue_sent,omitempty"` // the due date reported overdue
}

// AttemptsLeft is how many quiz attempts the learner has left at a module that allows
// maxAttempts: those plus the attempts granted, less those used. Every rule and view
// counts them here.
func (p *Progress) AttemptsLeft(maxAttempts int) int {
	return max(0, maxAttempts+p.Granted-p.Attempts)
}

// MayAttempt reports whether the learner may submit an attempt (DecideAttempt's rule): not
// after passing, and not beyond their attempts.
func (p *Progress) MayAttempt(maxAttempts int) bool {
	return !p.Passed && p.AttemptsLeft(maxAttempts) > 0
}

// Attempt is the last graded attempt, kept to show the result page again.
type Attempt struct {
	N       int                 `bson:"n"`
	Score   int                 `bson:"score"`
	Passed  bool                `bson:"passed"`
	Answers map[string][]string `bson:"answers"`
	Correct map[string]bool     `bson:"correct"`
	At      time.Time           `bson:"at"`
}

// Progress returns the learner's progress on module, if any.
func (l *Learner) Progress(module string) *Progress {
	for _, p := range l.Modules {
		if p.Module == module {
			return p
		}
	}
	return nil
}

func (l *Learner) progress(module string) *Progress {
	if p := l.Progress(module); p != nil {
		return p
	}
	p := &Progress{Module: module}
	l.Modules = append(l.Modules, p)
	return p
}

// Clone is a deep copy (for writing outside the state's lock).
func (l *Learner) Clone() Learner {
	c := *l
	c.Modules = make([]*Progress, len(l.Modules))
	for i, p := range l.Modules {
		cp := *p
		cp.Read = slices.Clone(p.Read)
		if p.Last != nil {
			last := *p.Last
			cp.Last = &last
		}
		c.Modules[i] = &cp
	}
	return c
}

// Member is a person as the training rules need them (from the directory).
type Member struct {
	ID, Name, Team, Track string
	Roles                 []string
	Active                bool
}

// Has reports whether m holds any of roles.
func (m Member) Has(roles ...string) bool {
	return slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(m.Roles, r) })
}

// Directory answers who people are (the service adapts infra/directory).
type Directory interface {
	Member(id string) (Member, bool)
	// Members returns the active people match admits.
	Members(match func(Member) bool) []Member
}

// Caller is who asks: a person (from their verified token) or the system.
type Caller struct {
	ID     string
	Roles  []string
	Team   string
	System bool
}

// Has reports whether c holds any of roles.
func (c Caller) Has(roles ...string) bool {
	return slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(c.Roles, r) })
}

// Manager reports whether c sees and manages everyone's training (HR, admin, system).
func (c Caller) Manager() bool { return c.System || c.Has(events.ManagerRoles...) }

// CanSee reports whether c may see person m's training: their own, a lead their team's,
// HR and admin everyone's.
func CanSee(c Caller, m Member) bool {
	switch {
	case c.Manager(), c.ID == m.ID:
		return true
	case c.Has(events.RoleLead):
		return c.Team == m.Team
	}
	return false
}

// Errors callers can act on.
var (
	ErrForbidden      = events.Errorf(events.CodeForbidden, "you may not do that")
	ErrUnknownModule  = events.Errorf(events.CodeNotFound, "no such module")
	ErrUnknownLesson  = events.Errorf(events.CodeNotFound, "no such lesson in this module")
	ErrAlreadyPassed  = events.Errorf(events.CodeConflict, "you have passed this module already")
	ErrNoAttemptsLeft = events.Errorf(events.CodeConflict, "no attempts left")
)

// State is the training read model. It is not safe for concurrent use; the server guards it.
type State struct {
	modules     map[string]*curriculum.Module
	order       []string // module ids in catalogue order
	learners    map[string]*Learner
	assignments map[string]*Assignment
	reach       map[string]map[string][]string // person → module → assignment ids

	// weeks counts, per week of due dates (its Monday), the assignments due and those
	// passed by their due date. Events keep it current; after documents are loaded it
	// is counted once, on first use.
	weeksMu    sync.Mutex
	weeks      map[string]*events.ComplianceWeek
	weeksStale bool

	complianceOnce sync.Once
	compliance     *compliance // see compliance.go
}

// NewState returns an empty state over the catalogue.
func NewState(mods []curriculum.Module) *State {
	s := &State{modules: map[string]*curriculum.Module{}, learners: map[string]*Learner{},
		assignments: map[string]*Assignment{}, reach: map[string]map[string][]string{}}
	for i := range mods {
		s.modules[mods[i].ID] = &mods[i]
		s.order = append(s.order, mods[i].ID)
	}
	return s
}

// Module returns a catalogue module (with its answer key: never send it as is).
func (s *State) Module(id string) (*curriculum.Module, bool) { m, ok := s.modules[id]; return m, ok }

// Modules returns the catalogue in order.
func (s *State) Modules() []*curriculum.Module {
	out := make([]*curriculum.Module, len(s.order))
	for i, id := range s.order {
		out[i] = s.modules[id]
	}
	return out
}

// LoadLearner adds a stored learner document (at start).
func (s *State) LoadLearner(l Learner) {
	s.learners[l.Person] = &l
	s.weeksStale = true
	s.refigure(l.Person)
}

// LoadAssignment adds a stored assignment document (at start).
func (s *State) LoadAssignment(a Assignment) {
	s.assignments[a.ID] = &a
	s.addReach(&a, a.People)
	s.weeksStale = true
	for _, p := range a.People {
		s.figure(p, a.Module)
	}
}

func (s *State) addReach(a *Assignment, people []string) {
	for _, p := range people {
		byModule := s.reach[p]
		if byModule == nil {
			byModule = map[string][]string{}
			s.reach[p] = byModule
		}
		if !slices.Contains(byModule[a.Module], a.ID) {
			byModule[a.Module] = append(byModule[a.Module], a.ID)
		}
	}
}

// Learner returns a person's learner record, if any event concerned them.
func (s *State) Learner(person string) (*Learner, bool) { l, ok := s.learners[person]; return l, ok }

// Assignment returns an assignment record.
func (s *State) Assignment(id string) (*Assignment, bool) { a, ok := s.assignments[id]; return a, ok }

// Assignments returns the assignments admitted by match, oldest first.
func (s *State) Assignments(match func(*Assignment) bool) []*Assignment {
	var out []*Assignment
	for _, a := range s.assignments {
		if match(a) {
			out = append(out, a)
		}
	}
	slices.SortFunc(out, func(a, b *Assignment) int { return cmp.Or(a.Created.Compare(b.Created), strings.Compare(a.ID, b.ID)) })
	return out
}

// LearnerSeq is the stream sequence of the last event about person (0: none).
func (s *State) LearnerSeq(person string) uint64 {
	if l, ok := s.learners[person]; ok {
		return l.Seq
	}
	return 0
}

// People returns everyone with any assignment or progress.
func (s *State) People() []string {
	set := map[string]bool{}
	for p := range s.reach {
		set[p] = true
	}
	for p, l := range s.learners {
		if len(l.Modules) > 0 {
			set[p] = true
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// Doc keys the projector writes.
func learnerKey(person string) string { return "learner:" + person }
func assignmentKey(id string) string  { return "assignment:" + id }

// Apply folds one training event, stored at stream sequence seq, into the state. Applying
// an event again changes nothing. It returns the keys ("learner:<person>",
// "assignment:<id>") of the documents the event concerns.
func (s *State) Apply(env events.Envelope, seq uint64) ([]string, error) {
	switch env.Type {
	case events.AssignmentCreated{}.EventType():
		var e events.AssignmentCreated
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		keys := []string{assignmentKey(env.Subject)}
		if _, ok := s.assignments[env.Subject]; ok {
			return keys, nil
		}
		a := &Assignment{ID: env.Subject, Seq: seq, Module: e.Module, Kind: e.Kind, Target: e.Target, Due: e.Due,
			By: env.Actor, Created: env.Time, People: slices.Clone(e.People)}
		s.assignments[a.ID] = a
		s.addReach(a, e.People)
		s.countDue(a, e.People)
		for _, p := range e.People {
			s.figure(p, a.Module)
		}
		return keys, nil

	case events.AssignmentReached{}.EventType():
		var e events.AssignmentReached
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		a, ok := s.assignments[env.Subject]
		if !ok {
			return nil, fmt.Errorf("%w: %s for unknown assignment %s", events.ErrInvalid, env.Type, env.Subject)
		}
		keys := []string{assignmentKey(a.ID)}
		if seq <= a.Seq {
			return keys, nil
		}
		a.Seq = seq
		var fresh []string
		for _, p := range e.People {
			if !slices.Contains(a.People, p) && !slices.Contains(fresh, p) {
				fresh = append(fresh, p)
			}
		}
		a.People = append(a.People, fresh...)
		s.addReach(a, fresh)
		s.countDue(a, fresh)
		for _, p := range fresh {
			s.figure(p, a.Module)
		}
		return keys, nil
	}

	person, module, apply, err := s.learnerEvent(env)
	if err != nil {
		return nil, err
	}
	l, ok := s.learners[person]
	if !ok {
		l = &Learner{ID: LearnerID(person), Person: person}
		s.learners[person] = l
	}
	keys := []string{learnerKey(person)}
	if seq <= l.Seq {
		return keys, nil
	}
	l.Seq = seq
	prog := l.progress(module)
	wasPassed := prog.Passed
	apply(prog)
	if prog.Passed && !wasPassed {
		prog.PassedAt = env.Time
		for _, id := range s.reach[person][module] {
			if a := s.assignments[id]; a != nil && passedBy(prog, a.Due) {
				s.week(a.Due).OnTime++
			}
		}
	}
	s.figure(person, module)
	return keys, nil
}

// week is the count of the week holding day (YYYY-MM-DD).
func (s *State) week(day string) *events.ComplianceWeek {
	if s.weeks == nil {
		s.weeks = map[string]*events.ComplianceWeek{}
	}
	monday := events.Monday(day)
	w := s.weeks[monday]
	if w == nil {
		w = &events.ComplianceWeek{Week: monday}
		s.weeks[monday] = w
	}
	return w
}

// countDue counts assignment a as due for people, and as passed in time for those who
// passed its module already.
func (s *State) countDue(a *Assignment, people []string) {
	if a.Due == "" {
		return
	}
	w := s.week(a.Due)
	for _, p := range people {
		w.Due++
		if l := s.learners[p]; l != nil {
			if prog := l.Progress(a.Module); prog != nil && passedBy(prog, a.Due) {
				w.OnTime++
			}
		}
	}
}

// passedBy tells whether a module was passed by the end of day due. A pass stored before
// passes were dated counts as in time.
func passedBy(p *Progress, due string) bool {
	if !p.Passed {
		return false
	}
	at := p.PassedAt
	if at.IsZero() && p.Last != nil && p.Last.Passed {
		at = p.Last.At
	}
	return at.IsZero() || events.Date(at) <= due
}

// ComplianceTrend is the n weeks of due dates up to the week of today, oldest first:
// per week the assignments due and those passed by their due date. Callers hold at least
// the model's read lock.
func (s *State) ComplianceTrend(n int, today string) []events.ComplianceWeek {
	s.weeksMu.Lock()
	defer s.weeksMu.Unlock()
	if s.weeksStale {
		s.weeks, s.weeksStale = nil, false
		for _, a := range s.assignments {
			s.countDue(a, a.People)
		}
	}
	weeks := events.Weeks(n, today)
	if weeks == nil {
		return nil
	}
	out := make([]events.ComplianceWeek, len(weeks))
	for i, m := range weeks {
		out[i] = events.ComplianceWeek{Week: m}
		if w := s.weeks[m]; w != nil {
			out[i] = *w
		}
	}
	return out
}

// learnerEvent decodes an event about a learner and returns how it changes their
// progress on the module.
func (s *State) learnerEvent(env events.Envelope) (person, module string, apply func(*Progress), err error) {
	decode := func(person, module string) (string, string, error) {
		if person != env.Subject {
			return "", "", fmt.Errorf("%w: %s about %s on subject %s", events.ErrInvalid, env.Type, person, env.Subject)
		}
		return person, module, nil
	}
	switch env.Type {
	case events.ModuleEnrolled{}.EventType():
		var e events.ModuleEnrolled
		if err := env.Payload(&e); err != nil {
			return "", "", nil, err
		}
		person, module, err = decode(e.Person, e.Module)
		return person, module, func(p *Progress) { p.Enrolled = true }, err
	case events.ModuleStarted{}.EventType():
		var e events.ModuleStarted
		if err := env.Payload(&e); err != nil {
			return "", "", nil, err
		}
		person, module, err = decode(e.Person, e.Module)
		return person, module, func(p *Progress) { addRead(p, e.Lesson) }, err
	case events.LessonRead{}.EventType():
		var e events.LessonRead
		if err := env.Payload(&e); err != nil {
			return "", "", nil, err
		}
		person, module, err = decode(e.Person, e.Module)
		return person, module, func(p *Progress) { addRead(p, e.Lesson) }, err
	case events.AttemptGraded{}.EventType():
		var e events.AttemptGraded
		if err := env.Payload(&e); err != nil {
			return "", "", nil, err
		}
		person, module, err = decode(e.Person, e.Module)
		return person, module, func(p *Progress) {
			p.Attempts = max(p.Attempts, e.Attempt)
			p.Best = max(p.Best, e.Score)
			p.Passed = p.Passed || e.Passed
			p.Last = &Attempt{N: e.Attempt, Score: e.Score, Passed: e.Passed, Answers: e.Answers, Correct: e.Correct, At: env.Time}
		}, err
	case events.ModulePassed{}.EventType():
		var e events.ModulePassed
		if err := env.Payload(&e); err != nil {
			return "", "", nil, err
		}
		person, module, err = decode(e.Person, e.Module)
		return person, module, func(p *Progress) { p.Passed, p.PassSent = true, true }, err
	case events.AttemptGranted{}.EventType():
		var e events.AttemptGranted
		if err := env.Payload(&e); err != nil {
			return "", "", nil, err
		}
		person, module, err = decode(e.Person, e.Module)
		return person, module, func(p *Progress) { p.Granted++ }, err
	case events.AssignmentOverdue{}.EventType():
		var e events.AssignmentOverdue
		if err := env.Payload(&e); err != nil {
			return "", "", nil, err
		}
		person, module, err = decode(e.Person, e.Module)
		return person, module, func(p *Progress) { p.OverdueSent = e.Due }, err
	}
	return "", "", nil, fmt.Errorf("%w: training does not know event type %s", events.ErrInvalid, env.Type)
}

func addRead(p *Progress, lesson string) {
	if !slices.Contains(p.Read, lesson) {
		p.Read = append(p.Read, lesson)
	}
}

// Due is the earliest due date of the assignments of module that reached person ("" if
// none did).
func (s *State) Due(person, module string) (string, []string) {
	ids := s.reach[person][module]
	due := ""
	for _, id := range ids {
		if a := s.assignments[id]; a != nil && (due == "" || a.Due < due) {
			due = a.Due
		}
	}
	return due, ids
}

// Item is person's state on module as of today; ok is false if the module is neither
// assigned to them nor started or enrolled.
func (s *State) Item(person, module, today string) (events.LearnerItem, bool) {
	mod, ok := s.modules[module]
	if !ok {
		return events.LearnerItem{}, false
	}
	due, ids := s.Due(person, module)
	var p *Progress
	if l, ok := s.learners[person]; ok {
		p = l.Progress(module)
	}
	if len(ids) == 0 && p == nil {
		return events.LearnerItem{}, false
	}
	if p == nil {
		p = &Progress{Module: module}
	}
	it := events.LearnerItem{
		Module: module, Title: mod.Title, Attempts: p.Attempts, LessonsRead: len(p.Read), Lessons: len(mod.Lessons),
		AttemptsLeft: p.AttemptsLeft(mod.MaxAttempts), CanAttempt: p.MayAttempt(mod.MaxAttempts), Assigned: len(ids) > 0,
	}
	if due != "" {
		it.Due = &due
	}
	if p.Last != nil {
		score, best := p.Last.Score, p.Best
		it.Score, it.Best = &score, &best
	}
	it.Status = status(p, it.AttemptsLeft, due, today)
	return it, true
}

func status(p *Progress, left int, due, today string) string {
	switch {
	case p.Passed:
		return events.StatusPassed
	case p.Attempts > 0 && left == 0:
		return events.StatusFailed
	case due != "" && due < today:
		return events.StatusOverdue
	case p.Attempts > 0:
		return events.StatusFailed
	case len(p.Read) > 0:
		return events.StatusInProgress
	}
	return events.StatusAssigned
}

// Items is person's training list: due first (earliest due date first, then those without
// one), then by title.
func (s *State) Items(person, today string) []events.LearnerItem {
	out := []events.LearnerItem{}
	for _, id := range s.order {
		if it, ok := s.Item(person, id, today); ok {
			out = append(out, it)
		}
	}
	SortItems(out)
	return out
}

// SortItems orders items: open ones by due date (none last), then passed ones.
func SortItems(items []events.LearnerItem) {
	rank := func(it events.LearnerItem) int {
		if it.Status == events.StatusPassed {
			return 1
		}
		return 0
	}
	due := func(it events.LearnerItem) string {
		if it.Due == nil {
			return "9999-12-31"
		}
		return *it.Due
	}
	slices.SortStableFunc(items, func(a, b events.LearnerItem) int {
		return cmp.Or(cmp.Compare(rank(a), rank(b)), strings.Compare(due(a), due(b)), strings.Compare(a.Title, b.Title))
	})
}

// Public is a module as it may be sent before an attempt: no answer key, no explanations,
// no Markdown source.
func Public(m *curriculum.Module) events.ModuleView {
	p := m.Public()
	v := events.ModuleView{ID: p.ID, Title: p.Title, Summary: p.Summary, Minutes: p.Minutes, Tracks: p.Tracks,
		PassMark: p.PassMark, MaxAttempts: p.MaxAttempts, Skills: []events.SkillLevel{}, Lessons: []events.LessonView{}}
	for _, sk := range p.Skills {
		v.Skills = append(v.Skills, events.SkillLevel{Skill: sk.Skill, Level: sk.Level})
	}
	for _, l := range p.Lessons {
		v.Lessons = append(v.Lessons, events.LessonView{ID: l.ID, Title: l.Title, HTML: l.HTML})
	}
	v.Quiz.Questions = []events.QuestionView{}
	for _, q := range p.Quiz.Questions {
		qv := events.QuestionView{ID: q.ID, Text: q.Text, Kind: q.Kind, Choices: []events.ChoiceView{}}
		for _, c := range q.Choices {
			qv.Choices = append(qv.Choices, events.ChoiceView{ID: c.ID, Text: c.Text})
		}
		v.Quiz.Questions = append(v.Quiz.Questions, qv)
	}
	return v
}

// Listed is a module as lists show it: titles of its lessons, no lesson text and no quiz
// (those travel only when one module is opened).
func Listed(m *curriculum.Module) events.ModuleView {
	v := Public(m)
	for i := range v.Lessons {
		v.Lessons[i].HTML = ""
	}
	v.Quiz.Questions = []events.QuestionView{}
	return v
}

// Result is the outcome of the learner's last attempt, with explanations (it was submitted).
func (s *State) Result(person, module string) (events.AttemptResult, bool) {
	mod, ok := s.modules[module]
	l, ok2 := s.learners[person]
	if !ok || !ok2 {
		return events.AttemptResult{}, false
	}
	p := l.Progress(module)
	if p == nil || p.Last == nil {
		return events.AttemptResult{}, false
	}
	r := events.AttemptResult{Attempt: p.Last.N, Score: p.Last.Score, Passed: p.Last.Passed, PassMark: mod.PassMark,
		AttemptsLeft: p.AttemptsLeft(mod.MaxAttempts), Correct: p.Last.Correct, Answers: p.Last.Answers,
		Explanations: map[string]string{}}
	if p.Passed {
		r.AttemptsLeft = 0
	}
	for _, q := range mod.Quiz.Questions {
		r.Explanations[q.ID] = q.Explanation
	}
	return r, true
}

func invalid(msg string, fields map[string]string) *events.Error {
	return &events.Error{Code: events.CodeInvalid, Message: msg, Fields: fields}
}

// Audience is who an assignment reaches now.
type Audience struct {
	Kind, Target string
	People       []string
}

// DecideAssign checks an assignment request and returns the created event's payload (with
// the people it reaches now, at most events.MaxPeoplePerEvent; the rest in Rest).
// Leads assign to a person of their own team or to their own team; HR and admin to
// anyone, any team or any track.
func (s *State) DecideAssign(c Caller, req events.AssignRequest, dir Directory, today string) (events.AssignmentCreated, []string, error) {
	if !c.Manager() && !c.Has(events.RoleLead) {
		return events.AssignmentCreated{}, nil, events.Errorf(events.CodeForbidden, "only a team lead or HR may assign training")
	}
	fields := map[string]string{}
	mod := strings.TrimSpace(req.Module)
	if _, ok := s.modules[mod]; !ok {
		fields["module"] = "Choose a module from the catalogue."
	}
	person, team, track := strings.TrimSpace(req.Person), strings.TrimSpace(req.Team), strings.TrimSpace(req.Track)
	targets := 0
	for _, t := range []string{person, team, track} {
		if t != "" {
			targets++
		}
	}
	if targets != 1 {
		fields["target"] = "Assign to exactly one of a person, a team or a track."
	}
	due, err := time.Parse(events.DateLayout, strings.TrimSpace(req.Due))
	switch {
	case err != nil:
		fields["due"] = "Enter the due date, " + events.DateExample + "."
	case due.Format(events.DateLayout) < today:
		fields["due"] = "The due date is in the past."
	case due.Format(events.DateLayout) > addYears(today, 2):
		fields["due"] = "The due date must be within two years."
	}
	e := events.AssignmentCreated{Module: mod, Due: strings.TrimSpace(req.Due)}
	var people []string
	switch {
	case targets != 1:
	case person != "":
		e.Kind, e.Target = events.AssignPerson, person
		m, ok := dir.Member(person)
		if !c.Manager() && (!ok || m.Team != c.Team) {
			return e, nil, events.Errorf(events.CodeForbidden, "leads assign training only to people in their own team")
		}
		if !ok || !m.Active {
			fields["person"] = "Choose an active person."
		}
		people = []string{person}
	case team != "":
		e.Kind, e.Target = events.AssignTeam, team
		if !c.Manager() && team != c.Team {
			return e, nil, events.Errorf(events.CodeForbidden, "leads assign training only to their own team")
		}
		if !events.IsToken(team) {
			fields["team"] = "Enter a team id."
		}
		for _, m := range dir.Members(func(m Member) bool { return m.Team == team }) {
			people = append(people, m.ID)
		}
	case track != "":
		e.Kind, e.Target = events.AssignTrack, track
		if !c.Manager() {
			return e, nil, events.Errorf(events.CodeForbidden, "only HR may assign training to a whole track")
		}
		if !IsTrack(track) {
			fields["track"] = "Choose one of the role tracks."
		}
		for _, m := range dir.Members(func(m Member) bool { return m.Track == track }) {
			people = append(people, m.ID)
		}
	}
	if len(fields) > 0 {
		return e, nil, invalid("Some fields need attention.", fields)
	}
	slices.Sort(people)
	n := min(len(people), events.MaxPeoplePerEvent)
	e.People = people[:n:n]
	return e, people[n:], nil
}

// IsTrack reports whether id is a known role track (set by the server from content).
var IsTrack = func(id string) bool { return id != "" }

func addYears(day string, n int) string {
	t, err := time.Parse(events.DateLayout, day)
	if err != nil {
		return day
	}
	return t.AddDate(n, 0, 0).Format(events.DateLayout)
}

// Reached lists the team and track assignments that should reach m but have not.
func (s *State) Reached(m Member) []*Assignment {
	return s.Assignments(func(a *Assignment) bool {
		match := (a.Kind == events.AssignTeam && a.Target == m.Team) || (a.Kind == events.AssignTrack && a.Target == m.Track)
		return match && !slices.Contains(s.reach[m.ID][a.Module], a.ID)
	})
}

// enrolled reports whether person has the module assigned or has enrolled or started it.
func (s *State) enrolled(person, module string) bool {
	if len(s.reach[person][module]) > 0 {
		return true
	}
	if l, ok := s.learners[person]; ok {
		if p := l.Progress(module); p != nil && (p.Enrolled || len(p.Read) > 0 || p.Attempts > 0) {
			return true
		}
	}
	return false
}

// DecideEnrol self-enrols person in module; ok is false if nothing needs to happen
// (assigned, enrolled or started already).
func (s *State) DecideEnrol(person, module string) (events.ModuleEnrolled, bool, error) {
	if _, ok := s.modules[module]; !ok {
		return events.ModuleEnrolled{}, false, ErrUnknownModule
	}
	if s.enrolled(person, module) {
		return events.ModuleEnrolled{}, false, nil
	}
	return events.ModuleEnrolled{Person: person, Module: module}, true, nil
}

// DecideRead records that person read a lesson: module.started for the first lesson read
// of the module, lesson.read for the next ones, nothing for a lesson read before.
func (s *State) DecideRead(person, module, lesson string) (events.Payload, error) {
	mod, ok := s.modules[module]
	if !ok {
		return nil, ErrUnknownModule
	}
	if !slices.ContainsFunc(mod.Lessons, func(l curriculum.Lesson) bool { return l.ID == lesson }) {
		return nil, ErrUnknownLesson
	}
	var p *Progress
	if l, ok := s.learners[person]; ok {
		p = l.Progress(module)
	}
	switch {
	case p == nil || len(p.Read) == 0:
		return events.ModuleStarted{Person: person, Module: module, Lesson: lesson}, nil
	case slices.Contains(p.Read, lesson):
		return nil, nil
	}
	return events.LessonRead{Person: person, Module: module, Lesson: lesson}, nil
}

// DecideAttempt grades an attempt on the server. It returns the graded event and, on the
// learner's first pass, the module.passed event (nil otherwise). Malformed answers are a
// 422; an attempt after the last allowed one, or after passing, a 409.
func (s *State) DecideAttempt(person, module string, answers map[string][]string) (events.AttemptGraded, *events.ModulePassed, error) {
	mod, ok := s.modules[module]
	if !ok {
		return events.AttemptGraded{}, nil, ErrUnknownModule
	}
	var p Progress
	if l, ok := s.learners[person]; ok {
		if pp := l.Progress(module); pp != nil {
			p = *pp
		}
	}
	if p.Passed {
		return events.AttemptGraded{}, nil, ErrAlreadyPassed
	}
	if !p.MayAttempt(mod.MaxAttempts) {
		allowed := mod.MaxAttempts + p.Granted
		return events.AttemptGraded{}, nil, &events.Error{Code: events.CodeConflict, Message: fmt.Sprintf(
			"You have used all %d attempts at %q. Ask your lead or HR to grant you another attempt.", allowed, mod.Title)}
	}
	answered := 0
	for _, a := range answers {
		if len(a) > 0 {
			answered++
		}
	}
	if answered == 0 {
		return events.AttemptGraded{}, nil, invalid("Answer at least one question.", map[string]string{"answers": "No question was answered."})
	}
	res, err := mod.Grade(answers)
	if err != nil {
		field := "answers"
		msg := "The answers do not match this quiz."
		switch {
		case errors.Is(err, curriculum.ErrUnknownQuestion):
			msg = "An answer names a question this quiz does not have."
		case errors.Is(err, curriculum.ErrUnknownChoice):
			msg = "An answer names a choice its question does not have."
		case errors.Is(err, curriculum.ErrTooManyChoices):
			msg = "A single-choice question has more than one answer."
		default:
			return events.AttemptGraded{}, nil, fmt.Errorf("training: grade %s: %w", module, err)
		}
		return events.AttemptGraded{}, nil, invalid(msg, map[string]string{field: err.Error()})
	}
	clean := make(map[string][]string, len(answers))
	for q, a := range answers {
		set := slices.Clone(a)
		slices.Sort(set)
		clean[q] = slices.Compact(set)
	}
	g := events.AttemptGraded{Person: person, Module: module, Attempt: p.Attempts + 1, Score: res.Score, Passed: res.Passed,
		Answers: clean, Correct: res.Correct}
	if !res.Passed {
		return g, nil, nil
	}
	return g, s.passed(person, mod, res.Score), nil
}

func (s *State) passed(person string, mod *curriculum.Module, score int) *events.ModulePassed {
	e := &events.ModulePassed{Person: person, Module: mod.ID, Title: mod.Title, Score: score, Skills: []events.SkillLevel{}}
	for _, sk := range mod.Skills {
		e.Skills = append(e.Skills, events.SkillLevel{Skill: sk.Skill, Level: sk.Level})
	}
	return e
}

// DecideGrant gives person one more attempt at module; only when they have none left and
// have not passed.
func (s *State) DecideGrant(c Caller, m Member, module string) (events.AttemptGranted, error) {
	if !c.Manager() && !(c.Has(events.RoleLead) && c.Team == m.Team && c.ID != m.ID) {
		return events.AttemptGranted{}, events.Errorf(events.CodeForbidden, "only the person's lead or HR may grant another attempt")
	}
	mod, ok := s.modules[module]
	if !ok {
		return events.AttemptGranted{}, ErrUnknownModule
	}
	var p Progress
	if l, ok := s.learners[m.ID]; ok {
		if pp := l.Progress(module); pp != nil {
			p = *pp
		}
	}
	switch {
	case p.Passed:
		return events.AttemptGranted{}, events.Errorf(events.CodeConflict, "%s has passed this module already", m.Name)
	case p.AttemptsLeft(mod.MaxAttempts) > 0:
		return events.AttemptGranted{}, events.Errorf(events.CodeConflict, "%s still has attempts left", m.Name)
	}
	return events.AttemptGranted{Person: m.ID, Module: module}, nil
}

// Overdue is a learner's module that is overdue and not reported yet.
type Overdue struct {
	Person, Module, Due string
	Assignments         []string
}

// DueOverdue lists learner modules past their due date, unpassed, not yet reported for
// that due date.
func (s *State) DueOverdue(today string) []Overdue {
	var out []Overdue
	for _, person := range slices.Sorted(maps.Keys(s.reach)) {
		for _, module := range slices.Sorted(maps.Keys(s.reach[person])) {
			if o, ok := s.OverdueOf(person, module, today); ok {
				out = append(out, o)
			}
		}
	}
	return out
}

// OverdueOf reports whether person's module needs an overdue report today.
func (s *State) OverdueOf(person, module, today string) (Overdue, bool) {
	due, ids := s.Due(person, module)
	if due == "" || due >= today {
		return Overdue{}, false
	}
	if l, ok := s.learners[person]; ok {
		if p := l.Progress(module); p != nil && (p.Passed || p.OverdueSent == due) {
			return Overdue{}, false
		}
	}
	return Overdue{Person: person, Module: module, Due: due, Assignments: slices.Clone(ids)}, true
}

// Unannounced lists learners who passed a module (attempt graded) whose module.passed was
// not published (a crash between the two appends).
func (s *State) Unannounced() []events.ModulePassed {
	var out []events.ModulePassed
	for _, person := range slices.Sorted(maps.Keys(s.learners)) {
		for _, p := range s.learners[person].Modules {
			if p.Passed && !p.PassSent && p.Last != nil {
				if mod, ok := s.modules[p.Module]; ok {
					out = append(out, *s.passed(person, mod, p.Last.Score))
				}
			}
		}
	}
	return out
}
