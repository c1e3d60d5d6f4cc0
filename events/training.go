package events

import (
	"strings"
	"time"
)

// SkillLevel is a skill id at a level of the seven-step responsibility scale.
type SkillLevel struct {
	Skill string `json:"skill"`
	Level int    `json:"level"`
}

// ModulePassed: a learner passed a training module's quiz (training.module.passed v1).
// Subject: the learner's person id. The skills service turns Skills into evidence.
type ModulePassed struct {
	Person string       `json:"person"`
	Module string       `json:"module"`
	Title  string       `json:"title"`
	Score  int          `json:"score"` // percent
	Skills []SkillLevel `json:"skills"`
}

func (ModulePassed) EventType() string { return "training.module.passed" }
func (ModulePassed) EventVersion() int { return 1 }
func (e ModulePassed) Validate() error {
	p := map[string]string{}
	if !IsToken(e.Person) {
		p["person"] = "is required"
	}
	if !IsToken(e.Module) {
		p["module"] = "is required"
	}
	if e.Score < 0 || e.Score > 100 {
		p["score"] = "must be 0–100"
	}
	for _, s := range e.Skills {
		if strings.TrimSpace(s.Skill) == "" || s.Level < 1 || s.Level > 7 {
			p["skills"] = "each needs a skill id and a level 1–7"
		}
	}
	return invalid(p)
}

// Training's own events. Events about a learner use the learner's person id as subject,
// so every event about one learner is on onramp.training.*.<person>.> (TrainingLearnerFilter);
// events about an assignment record use its id ("asg-<uuid>") as subject.

// TrainingLearnerFilter covers every event about one learner: onramp.training.*.<person>.>.
func TrainingLearnerFilter(person string) string { return Prefix + ".training.*." + person + ".>" }

// Assignment targets.
const (
	AssignPerson = "person"
	AssignTeam   = "team"
	AssignTrack  = "track"
)

// AssignmentCreated: a lead or HR assigned a module to a person, a team or a track
// (training.assignment.created v1). Subject: the assignment id. People are the active
// people the assignment reached when it was made; team and track assignments keep
// reaching people who join later (AssignmentReached).
type AssignmentCreated struct {
	Module string   `json:"module"`
	Kind   string   `json:"kind"`   // AssignPerson, AssignTeam or AssignTrack
	Target string   `json:"target"` // person id, team id or track id
	Due    string   `json:"due"`    // DateLayout
	People []string `json:"people"`
}

func (AssignmentCreated) EventType() string { return "training.assignment.created" }
func (AssignmentCreated) EventVersion() int { return 1 }
func (e AssignmentCreated) Validate() error {
	p := map[string]string{}
	if !IsToken(e.Module) {
		p["module"] = "is required"
	}
	if e.Kind != AssignPerson && e.Kind != AssignTeam && e.Kind != AssignTrack {
		p["kind"] = "must be person, team or track"
	}
	if !IsToken(e.Target) {
		p["target"] = "is required"
	}
	if _, err := time.Parse(DateLayout, e.Due); err != nil {
		p["due"] = "must be a date like 2026-01-31"
	}
	if len(e.People) > MaxPeoplePerEvent {
		p["people"] = "too many for one event"
	}
	for _, id := range e.People {
		if !IsToken(id) {
			p["people"] = "must be person ids"
		}
	}
	return invalid(p)
}

// MaxPeoplePerEvent bounds the people listed in one assignment event (about 40 bytes
// each, well under NATS's 1 MB message limit); larger audiences continue in
// AssignmentReached events.
const MaxPeoplePerEvent = 12000

// AssignmentReached: an assignment reached more people — the rest of a large audience, or
// someone who joined the team or track later (training.assignment.reached v1). Subject:
// the assignment id. Source is the identity event that caused it, if any.
type AssignmentReached struct {
	Module string   `json:"module"`
	People []string `json:"people"`
	Source string   `json:"source,omitempty"`
}

func (AssignmentReached) EventType() string { return "training.assignment.reached" }
func (AssignmentReached) EventVersion() int { return 1 }
func (e AssignmentReached) Validate() error {
	p := map[string]string{}
	if !IsToken(e.Module) {
		p["module"] = "is required"
	}
	if len(e.People) == 0 || len(e.People) > MaxPeoplePerEvent {
		p["people"] = "1 to MaxPeoplePerEvent person ids"
	}
	for _, id := range e.People {
		if !IsToken(id) {
			p["people"] = "must be person ids"
		}
	}
	return invalid(p)
}

// learnerModule checks the person and module fields every learner event has.
func learnerModule(person, module string, p map[string]string) {
	if !IsToken(person) {
		p["person"] = "is required"
	}
	if !IsToken(module) {
		p["module"] = "is required"
	}
}

// ModuleEnrolled: a learner enrolled in a module themselves (training.module.enrolled v1).
// Subject: the learner.
type ModuleEnrolled struct {
	Person string `json:"person"`
	Module string `json:"module"`
}

func (ModuleEnrolled) EventType() string { return "training.module.enrolled" }
func (ModuleEnrolled) EventVersion() int { return 1 }
func (e ModuleEnrolled) Validate() error {
	p := map[string]string{}
	learnerModule(e.Person, e.Module, p)
	return invalid(p)
}

// ModuleStarted: a learner opened the first lesson of a module (training.module.started
// v1); that lesson counts as read. Subject: the learner.
type ModuleStarted struct {
	Person string `json:"person"`
	Module string `json:"module"`
	Lesson string `json:"lesson"`
}

func (ModuleStarted) EventType() string { return "training.module.started" }
func (ModuleStarted) EventVersion() int { return 1 }
func (e ModuleStarted) Validate() error {
	p := map[string]string{}
	learnerModule(e.Person, e.Module, p)
	if !IsToken(e.Lesson) {
		p["lesson"] = "is required"
	}
	return invalid(p)
}

// LessonRead: a learner read another lesson of a started module (training.lesson.read v1).
// Subject: the learner.
type LessonRead struct {
	Person string `json:"person"`
	Module string `json:"module"`
	Lesson string `json:"lesson"`
}

func (LessonRead) EventType() string { return "training.lesson.read" }
func (LessonRead) EventVersion() int { return 1 }
func (e LessonRead) Validate() error {
	p := map[string]string{}
	learnerModule(e.Person, e.Module, p)
	if !IsToken(e.Lesson) {
		p["lesson"] = "is required"
	}
	return invalid(p)
}

// AttemptGraded: the server graded a quiz attempt (training.attempt.graded v1). Subject:
// the learner. Attempt counts from 1.
type AttemptGraded struct {
	Person  string              `json:"person"`
	Module  string              `json:"module"`
	Attempt int                 `json:"attempt"`
	Score   int                 `json:"score"` // percent
	Passed  bool                `json:"passed"`
	Answers map[string][]string `json:"answers"`
	Correct map[string]bool     `json:"correct"`
}

func (AttemptGraded) EventType() string { return "training.attempt.graded" }
func (AttemptGraded) EventVersion() int { return 1 }
func (e AttemptGraded) Validate() error {
	p := map[string]string{}
	learnerModule(e.Person, e.Module, p)
	if e.Attempt < 1 {
		p["attempt"] = "must be ≥ 1"
	}
	if e.Score < 0 || e.Score > 100 {
		p["score"] = "must be 0–100"
	}
	return invalid(p)
}

// AttemptGranted: a lead or HR granted a learner one more attempt at a module
// (training.attempt.granted v1). Subject: the learner.
type AttemptGranted struct {
	Person string `json:"person"`
	Module string `json:"module"`
}

func (AttemptGranted) EventType() string { return "training.attempt.granted" }
func (AttemptGranted) EventVersion() int { return 1 }
func (e AttemptGranted) Validate() error {
	p := map[string]string{}
	learnerModule(e.Person, e.Module, p)
	return invalid(p)
}

// AssignmentOverdue: a learner's assigned module passed its due date unpassed
// (training.assignment.overdue v1), published once per due date. Subject: the learner.
type AssignmentOverdue struct {
	Person      string   `json:"person"`
	Module      string   `json:"module"`
	Due         string   `json:"due"`
	Assignments []string `json:"assignments"`
}

func (AssignmentOverdue) EventType() string { return "training.assignment.overdue" }
func (AssignmentOverdue) EventVersion() int { return 1 }
func (e AssignmentOverdue) Validate() error {
	p := map[string]string{}
	learnerModule(e.Person, e.Module, p)
	if _, err := time.Parse(DateLayout, e.Due); err != nil {
		p["due"] = "must be a date like 2026-01-31"
	}
	return invalid(p)
}

// Training operations (service "training"). As, in requests, lets a trusted tool
// (CallerSystem, e.g. demo seeding) act as a person; it is ignored for everyone else.
const (
	TrainingService = "training"
	OpModulesList   = "modules.list"       // {} → ModulesReply (public: no answers)
	OpModuleGet     = "modules.get"        // ModuleRequest → ModuleView
	OpAssign        = "assignments.create" // AssignRequest → AssignmentView
	OpMyTraining    = "learner.mine"       // ModuleRequest (As only) → LearnerReply
	OpProgress      = "learner.progress"   // ModuleRequest → ProgressView (the caller's own)
	OpEnrol         = "learner.enrol"      // ModuleRequest → LearnerItem
	OpLessonRead    = "lesson.read"        // LessonRequest → LearnerItem
	OpAttempt       = "attempt.submit"     // AttemptRequest → AttemptResult
	OpGrant         = "attempt.grant"      // GrantRequest → LearnerItem
	OpTeamTraining  = "team"               // TeamRequest → TeamReply
	OpReport        = "report"             // ReportRequest → ReportReply
)

// Learner statuses.
const (
	StatusAssigned   = "assigned"
	StatusInProgress = "in_progress"
	StatusPassed     = "passed"
	StatusFailed     = "failed"
	StatusOverdue    = "overdue"
)

// ModuleView is a module as browsers and API clients see it: never with answers.
type ModuleView struct {
	ID          string       `json:"id"`
	Title       string       `json:"title"`
	Summary     string       `json:"summary"`
	Minutes     int          `json:"minutes"`
	Tracks      []string     `json:"tracks"`
	PassMark    int          `json:"pass_mark"`
	MaxAttempts int          `json:"max_attempts"`
	Skills      []SkillLevel `json:"skills"`
	Lessons     []LessonView `json:"lessons"`
	Quiz        QuizView     `json:"quiz"`
}

// LessonView is one lesson; HTML is rendered from Markdown in safe mode (absent in lists).
type LessonView struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	HTML  string `json:"html,omitempty"`
}

type QuizView struct {
	Questions []QuestionView `json:"questions"`
}

type QuestionView struct {
	ID      string       `json:"id"`
	Text    string       `json:"text"`
	Kind    string       `json:"kind"` // single or multiple
	Choices []ChoiceView `json:"choices"`
}

type ChoiceView struct {
	ID   string `json:"id"`
	Text string `json:"text"`
}

// ModulesReply lists the catalogue: each module with its lessons' titles, without lesson
// text or quiz (modules.get has those).
type ModulesReply struct {
	Items []ModuleView `json:"items"`
}

type ModuleRequest struct {
	ID string `json:"id"`
	As string `json:"as,omitempty"`
}

// AssignRequest names exactly one of Person, Team, Track. ID fixes the assignment id for
// trusted tools (idempotent seeding); others get a new one.
type AssignRequest struct {
	Module string `json:"module"`
	Person string `json:"person,omitempty"`
	Team   string `json:"team,omitempty"`
	Track  string `json:"track,omitempty"`
	Due    string `json:"due"`
	ID     string `json:"id,omitempty"`
	As     string `json:"as,omitempty"`
}

type AssignmentView struct {
	ID      string `json:"id"`
	Module  string `json:"module"`
	Kind    string `json:"kind"`
	Target  string `json:"target"`
	Due     string `json:"due"`
	People  int    `json:"people"` // how many people it reaches now
	By      string `json:"by"`
	Created string `json:"created"` // RFC 3339
}

// LearnerItem is one module on a learner's list.
type LearnerItem struct {
	Module       string  `json:"module"`
	Title        string  `json:"title"`
	Status       string  `json:"status"`
	Due          *string `json:"due"`   // null when only self-enrolled
	Score        *int    `json:"score"` // last attempt's score; null before any
	Best         *int    `json:"best,omitempty"`
	Attempts     int     `json:"attempts"`
	AttemptsLeft int     `json:"attempts_left"`
	// CanAttempt: the learner may submit an attempt now (training.Progress.MayAttempt).
	CanAttempt  bool `json:"can_attempt"`
	LessonsRead int  `json:"lessons_read"`
	Lessons     int  `json:"lessons"`
	Assigned    bool `json:"assigned"`
}

type LearnerReply struct {
	Items []LearnerItem `json:"items"`
}

// ProgressView is the caller's progress on one module: the item, the lessons read and the
// last graded attempt (with explanations: it was submitted).
type ProgressView struct {
	Item     LearnerItem    `json:"item"`
	Enrolled bool           `json:"enrolled"` // assigned or self-enrolled
	Read     []string       `json:"read"`
	Last     *AttemptResult `json:"last,omitempty"`
}

type LessonRequest struct {
	Module string `json:"module"`
	Lesson string `json:"lesson"`
	As     string `json:"as,omitempty"`
}

type AttemptRequest struct {
	Module  string              `json:"module"`
	Answers map[string][]string `json:"answers"`
	As      string              `json:"as,omitempty"`
}

type AttemptResult struct {
	Attempt      int                 `json:"attempt"`
	Score        int                 `json:"score"`
	Passed       bool                `json:"passed"`
	PassMark     int                 `json:"pass_mark"`
	AttemptsLeft int                 `json:"attempts_left"`
	Correct      map[string]bool     `json:"correct"`
	Explanations map[string]string   `json:"explanations"`
	Answers      map[string][]string `json:"answers"`
}

type GrantRequest struct {
	Person string `json:"person"`
	Module string `json:"module"`
}

// TeamRequest asks for one page of a team's training table (rows sorted by person name,
// then module); empty Team: the caller's own team. Query searches people's names.
type TeamRequest struct {
	Page
	Team string `json:"team,omitempty"`
	// Person narrows the rows to one member (their profile page); Team is then theirs.
	Person string `json:"person,omitempty"`
}

// TrainingRow is one learner × module.
type TrainingRow struct {
	Person string `json:"person"`
	Name   string `json:"name"`
	Team   string `json:"team"`
	Track  string `json:"track"`
	LearnerItem
	// CanGrant: the caller may grant this person another attempt (training.State.DecideGrant).
	CanGrant bool `json:"can_grant,omitempty"`
}

type TeamReply struct {
	Team  string        `json:"team"`
	Items []TrainingRow `json:"items"`
	PageInfo
}

// ReportRequest asks for one page of the compliance report's rows (sorted by person name,
// then module); empty filters match everything, and Query searches people's names and
// e-mail addresses.
type ReportRequest struct {
	Page
	Module string `json:"module,omitempty"`
	Team   string `json:"team,omitempty"`
	Track  string `json:"track,omitempty"`
	Status string `json:"status,omitempty"`
	// Sort is a column of the rows (name, team, title, due, status, score), descending
	// after a "-"; empty: by name.
	Sort string `json:"sort,omitempty"`
	// Trend asks for the weekly compliance trend of the last Trend weeks (at most
	// MaxTrendWeeks) beside the page; it covers everyone, whatever the filters.
	Trend int `json:"trend,omitempty"`
}

// ComplianceWeek is one week of the compliance trend: the week's Monday (YYYY-MM-DD),
// how many assignments (per person) fell due in it, and how many of those were passed by
// their due date.
type ComplianceWeek struct {
	Week   string `json:"week"`
	Due    int    `json:"due"`
	OnTime int    `json:"on_time"`
}

// ReportCount is one line of the compliance summary.
type ReportCount struct {
	Key      string `json:"key"`   // module id or person id
	Label    string `json:"label"` // module title or person name
	Assigned int    `json:"assigned"`
	Passed   int    `json:"passed"`
	Overdue  int    `json:"overdue"`
}

// ReportReply is the compliance summary per module (over every row the filters match),
// and one page of rows with the summary of the people on that page.
type ReportReply struct {
	Modules []ReportCount `json:"modules"`
	People  []ReportCount `json:"people"`
	Items   []TrainingRow `json:"items"`
	PageInfo
	// Trend is the weekly compliance trend asked for, oldest week first.
	Trend []ComplianceWeek `json:"trend,omitempty"`
}

// Key is the row's place in a training table: person name, person id, module.
func (r TrainingRow) Key() string { return r.Name + "\x00" + r.Person + "\x00" + r.Module }
