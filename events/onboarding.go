package events

import (
	"strings"
	"time"
)

// Onboarding events. Every event about a hire's plan — the plan's own and its tasks' —
// has the plan id ("plan-<hireID>") as its subject, so one plan's whole history is the
// filter OnboardingPlanFilter(planID) and one command's optimistic-concurrency check
// covers plan and task events alike.

// Owners of onboarding tasks (the template's owner field).
const (
	OwnerHire   = "hire"
	OwnerLead   = "lead"
	OwnerIT     = "it"
	OwnerHR     = "hr"
	OwnerMentor = "mentor"
)

// TaskOwners lists the task owners in display order.
var TaskOwners = []string{OwnerHire, OwnerLead, OwnerIT, OwnerHR, OwnerMentor}

// Queue assignees: tasks owned by IT or HR go to the department's shared queue rather
// than to one person.
const (
	QueueIT = "queue:it"
	QueueHR = "queue:hr"
)

// PlanID is the id of a hire's onboarding plan (and of its document).
func PlanID(hire string) string { return "plan-" + hire }

// OnboardingPlanFilter covers every event about one plan: onramp.onboarding.*.<planID>.>.
func OnboardingPlanFilter(planID string) string {
	return Prefix + ".onboarding.*." + planID + ".>"
}

// PlanTask is one task of a plan as it travels in events: resolved to an assignee (a
// person id, a queue, or "" while nobody can take it) and an absolute due date.
type PlanTask struct {
	ID            string `json:"id"`
	Title         string `json:"title"`
	Description   string `json:"description,omitempty"`
	Section       string `json:"section"`
	Owner         string `json:"owner"`
	Assignee      string `json:"assignee,omitempty"`
	Due           string `json:"due"` // DateLayout
	NeedsEvidence bool   `json:"needs_evidence,omitempty"`
	Module        string `json:"module,omitempty"` // the training module the task is about
}

func isOwner(o string) bool {
	for _, x := range TaskOwners {
		if x == o {
			return true
		}
	}
	return false
}

func isDate(s string) bool { _, err := time.Parse(DateLayout, s); return err == nil }

func (t PlanTask) problems(prefix string, p map[string]string) {
	if !IsToken(t.ID) {
		p[prefix+"id"] = "must be an id without dots or spaces"
	}
	if strings.TrimSpace(t.Title) == "" || len(t.Title) > 200 {
		p[prefix+"title"] = "must be 1–200 characters"
	}
	if len(t.Description) > 2000 {
		p[prefix+"description"] = "must be at most 2000 characters"
	}
	if t.Section == "" {
		p[prefix+"section"] = "is required"
	}
	if !isOwner(t.Owner) {
		p[prefix+"owner"] = "must be one of hire, lead, it, hr, mentor"
	}
	if t.Assignee != "" && !IsToken(t.Assignee) {
		p[prefix+"assignee"] = "must be a person id or a queue"
	}
	if !isDate(t.Due) {
		p[prefix+"due"] = "must be a date like 2026-01-31"
	}
}

// PlanCreated: a hire's plan was made from their track's template
// (onboarding.plan.created v1). Subject: the plan id.
type PlanCreated struct {
	Hire            string     `json:"hire"`
	Name            string     `json:"name"`
	Team            string     `json:"team"`
	Lead            string     `json:"lead,omitempty"`
	Track           string     `json:"track"`
	StartDate       string     `json:"start_date"`
	TemplateVersion int        `json:"template_version"`
	Source          string     `json:"source"` // id of the identity.staff.hired event
	Tasks           []PlanTask `json:"tasks"`
}

func (PlanCreated) EventType() string { return "onboarding.plan.created" }
func (PlanCreated) EventVersion() int { return 1 }
func (e PlanCreated) Validate() error {
	p := map[string]string{}
	if !IsToken(e.Hire) {
		p["hire"] = "is required"
	}
	if strings.TrimSpace(e.Name) == "" {
		p["name"] = "is required"
	}
	if e.Track == "" {
		p["track"] = "is required"
	}
	if !isDate(e.StartDate) {
		p["start_date"] = "must be a date like 2026-01-31"
	}
	if e.TemplateVersion < 1 {
		p["template_version"] = "must be ≥ 1"
	}
	if len(e.Tasks) == 0 {
		p["tasks"] = "at least one task"
	}
	seen := map[string]bool{}
	for _, t := range e.Tasks {
		t.problems("tasks.", p)
		if seen[t.ID] {
			p["tasks.id"] = "duplicate task id " + t.ID
		}
		seen[t.ID] = true
	}
	return invalid(p)
}

// PlanRejected: a hire could not get a plan (their track has no template); HR sees the
// problem (onboarding.plan.rejected v1). Subject: the plan id.
type PlanRejected struct {
	Hire   string `json:"hire"`
	Name   string `json:"name"`
	Team   string `json:"team"`
	Track  string `json:"track"`
	Reason string `json:"reason"`
	Source string `json:"source"`
}

func (PlanRejected) EventType() string { return "onboarding.plan.rejected" }
func (PlanRejected) EventVersion() int { return 1 }
func (e PlanRejected) Validate() error {
	p := map[string]string{}
	if !IsToken(e.Hire) {
		p["hire"] = "is required"
	}
	if strings.TrimSpace(e.Reason) == "" {
		p["reason"] = "is required"
	}
	return invalid(p)
}

// PlanCompleted: every task of the plan is done (onboarding.plan.completed v1).
type PlanCompleted struct {
	Hire  string `json:"hire"`
	Tasks int    `json:"tasks"`
}

func (PlanCompleted) EventType() string { return "onboarding.plan.completed" }
func (PlanCompleted) EventVersion() int { return 1 }
func (e PlanCompleted) Validate() error {
	p := map[string]string{}
	if !IsToken(e.Hire) {
		p["hire"] = "is required"
	}
	if e.Tasks < 1 {
		p["tasks"] = "must be ≥ 1"
	}
	return invalid(p)
}

// TaskCompleted: a task was done (onboarding.task.completed v1). The envelope's actor is
// who did it; OnBehalfOf is the assignee when someone else (HR, admin) acted for them.
type TaskCompleted struct {
	Task       string `json:"task"`
	Evidence   string `json:"evidence,omitempty"`
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

func (TaskCompleted) EventType() string { return "onboarding.task.completed" }
func (TaskCompleted) EventVersion() int { return 1 }
func (e TaskCompleted) Validate() error {
	p := map[string]string{}
	if !IsToken(e.Task) {
		p["task"] = "is required"
	}
	if len(e.Evidence) > 2000 {
		p["evidence"] = "must be at most 2000 characters"
	}
	return invalid(p)
}

// TaskReopened: a done task is open again, with the reason (onboarding.task.reopened v1).
type TaskReopened struct {
	Task       string `json:"task"`
	Reason     string `json:"reason"`
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

func (TaskReopened) EventType() string { return "onboarding.task.reopened" }
func (TaskReopened) EventVersion() int { return 1 }
func (e TaskReopened) Validate() error {
	p := map[string]string{}
	if !IsToken(e.Task) {
		p["task"] = "is required"
	}
	if strings.TrimSpace(e.Reason) == "" || len(e.Reason) > 1000 {
		p["reason"] = "must be 1–1000 characters"
	}
	return invalid(p)
}

// TaskAdded: a lead or HR added a task to one hire's plan (onboarding.task.added v1).
type TaskAdded struct {
	Task PlanTask `json:"task"`
}

func (TaskAdded) EventType() string { return "onboarding.task.added" }
func (TaskAdded) EventVersion() int { return 1 }
func (e TaskAdded) Validate() error {
	p := map[string]string{}
	e.Task.problems("task.", p)
	return invalid(p)
}

// TaskRemoved: a task was taken off one hire's plan (onboarding.task.removed v1).
type TaskRemoved struct {
	Task   string `json:"task"`
	Reason string `json:"reason,omitempty"`
}

func (TaskRemoved) EventType() string { return "onboarding.task.removed" }
func (TaskRemoved) EventVersion() int { return 1 }
func (e TaskRemoved) Validate() error {
	p := map[string]string{}
	if !IsToken(e.Task) {
		p["task"] = "is required"
	}
	if len(e.Reason) > MaxReason {
		p["reason"] = "is too long"
	}
	return invalid(p)
}

// MaxReason bounds free-text reasons kept for good in events and histories.
const MaxReason = 1000

// TaskChanged: a task's due date or owner changed on one plan (onboarding.task.changed
// v1). Empty fields are unchanged; a new owner comes with its resolved assignee.
type TaskChanged struct {
	Task     string `json:"task"`
	Due      string `json:"due,omitempty"`
	Owner    string `json:"owner,omitempty"`
	Assignee string `json:"assignee,omitempty"`
}

func (TaskChanged) EventType() string { return "onboarding.task.changed" }
func (TaskChanged) EventVersion() int { return 1 }
func (e TaskChanged) Validate() error {
	p := map[string]string{}
	if !IsToken(e.Task) {
		p["task"] = "is required"
	}
	if e.Due == "" && e.Owner == "" {
		p["due"] = "give a new due date or owner"
	}
	if e.Due != "" && !isDate(e.Due) {
		p["due"] = "must be a date like 2026-01-31"
	}
	if e.Owner != "" && !isOwner(e.Owner) {
		p["owner"] = "must be one of hire, lead, it, hr, mentor"
	}
	if e.Assignee != "" && !IsToken(e.Assignee) {
		p["assignee"] = "must be a person id or a queue"
	}
	return invalid(p)
}

// TaskOverdue: a task passed its due date without being done (onboarding.task.overdue
// v1); published once per task and due date.
type TaskOverdue struct {
	Task     string `json:"task"`
	Due      string `json:"due"`
	Assignee string `json:"assignee,omitempty"`
}

func (TaskOverdue) EventType() string { return "onboarding.task.overdue" }
func (TaskOverdue) EventVersion() int { return 1 }
func (e TaskOverdue) Validate() error {
	p := map[string]string{}
	if !IsToken(e.Task) {
		p["task"] = "is required"
	}
	if !isDate(e.Due) {
		p["due"] = "must be a date like 2026-01-31"
	}
	return invalid(p)
}

// TasksReassigned: tasks moved from one assignee to another because of another domain's
// event, e.g. a mentor accepted the hire (onboarding.task.reassigned v1). Source is that
// event's id; the plan records it so a redelivery changes nothing.
type TasksReassigned struct {
	Tasks  []string `json:"tasks"`
	From   string   `json:"from,omitempty"`
	To     string   `json:"to"`
	Mentor string   `json:"mentor,omitempty"` // the plan's mentor from now on
	// EndedMentor: the mentorship with this mentor ended; if they are still the plan's
	// mentor, the plan has none from now on (their open tasks go back to the lead).
	EndedMentor string `json:"ended_mentor,omitempty"`
	Source      string `json:"source"`
}

func (TasksReassigned) EventType() string { return "onboarding.task.reassigned" }
func (TasksReassigned) EventVersion() int { return 1 }
func (e TasksReassigned) Validate() error {
	p := map[string]string{}
	for _, t := range e.Tasks {
		if !IsToken(t) {
			p["tasks"] = "each must be a task id"
		}
	}
	if !IsToken(e.To) {
		p["to"] = "is required"
	}
	if e.Source == "" {
		p["source"] = "is required"
	}
	return invalid(p)
}

// Onboarding operations (service "onboarding").
const (
	OnboardingService = "onboarding"
	OpPlansList       = "plans.list"     // PlansRequest → PlansReply (scoped to the caller)
	OpPlanGet         = "plans.get"      // PlanRequest → PlanView
	OpMyTasks         = "tasks.mine"     // QueueRequest → QueueReply
	OpTaskComplete    = "task.complete"  // TaskRequest → PlanView
	OpTaskReopen      = "task.reopen"    // TaskRequest → PlanView
	OpTaskAdd         = "task.add"       // AddTaskRequest → PlanView
	OpTaskRemove      = "task.remove"    // TaskRequest → PlanView
	OpTaskChange      = "task.change"    // ChangeTaskRequest → PlanView
	OpTemplatesInfo   = "templates.info" // TemplatesInfoRequest → TemplatesInfo (any caller)
)

// TemplatesInfoRequest asks what onboarding plans are made of; with a track and a start
// date it also counts the template's tasks that would be due before today.
type TemplatesInfoRequest struct {
	Track     string `json:"track,omitempty"`
	StartDate string `json:"start_date,omitempty"` // DateLayout
}

// NamedItem is an id with its display name.
type NamedItem struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// TemplatesInfo is what onboarding plans are made of, in display order: the sections of a
// plan, the owners of tasks and the role tracks (each with its template). LateTasks counts,
// for the request's track and start date, the template's tasks whose due date is already
// past today (the service dates them today instead); 0 without a track and start date.
type TemplatesInfo struct {
	Sections  []NamedItem `json:"sections"`
	Owners    []NamedItem `json:"owners"`
	Tracks    []NamedItem `json:"tracks"`
	LateTasks int         `json:"late_tasks"`
}

// PlansRequest asks for one page of the plans list, sorted by start date, then name;
// Query searches hires' names. Every filter is optional.
type PlansRequest struct {
	Page
	Hire        string `json:"hire,omitempty"`
	Track       string `json:"track,omitempty"`
	Team        string `json:"team,omitempty"`
	OverdueOnly bool   `json:"overdue_only,omitempty"`
	// Trend asks for the weekly trend of the last Trend weeks (HR and admin; at most
	// MaxTrendWeeks) beside the page.
	Trend int `json:"trend,omitempty"`
}

// MaxTrendWeeks is the longest weekly trend a service answers.
const MaxTrendWeeks = 52

// WeekCount is one week of a trend: the week's Monday (YYYY-MM-DD), the onboardings that
// started that week (by start date) and those completed that week.
type WeekCount struct {
	Week      string `json:"week"`
	Started   int    `json:"started"`
	Completed int    `json:"completed"`
}

// PlanRequest names a plan by id ("plan-<hire>").
type PlanRequest struct {
	ID string `json:"id"`
}

// TaskRequest acts on one task: ID is "<planID>.<taskID>" (see TaskView.ID).
// Evidence goes with complete, Reason with reopen and remove.
type TaskRequest struct {
	ID       string `json:"id"`
	Evidence string `json:"evidence,omitempty"`
	Reason   string `json:"reason,omitempty"`
}

// AddTaskRequest adds a task to one plan.
type AddTaskRequest struct {
	Plan          string `json:"plan"`
	Title         string `json:"title"`
	Description   string `json:"description,omitempty"`
	Owner         string `json:"owner"`
	Due           string `json:"due"` // DateLayout
	NeedsEvidence bool   `json:"needs_evidence,omitempty"`
}

// ChangeTaskRequest changes a task's due date and/or owner.
type ChangeTaskRequest struct {
	ID    string `json:"id"`
	Due   string `json:"due,omitempty"`
	Owner string `json:"owner,omitempty"`
}

// Progress is done of total tasks.
type Progress struct {
	Done  int `json:"done"`
	Total int `json:"total"`
}

// Plan states.
const (
	PlanNotStarted = "not_started"
	PlanInProgress = "in_progress"
	PlanComplete   = "complete"
	PlanProblem    = "problem" // no plan could be made (see PlanView.Problem)
)

// TaskView is one task as the API shows it. ID is "<planID>.<taskID>", unique across
// plans; Key is the task's id within its plan (the template's id for template tasks).
type TaskView struct {
	ID            string `json:"id"`
	Key           string `json:"key"`
	Title         string `json:"title"`
	Description   string `json:"description,omitempty"`
	Section       string `json:"section"`
	Owner         string `json:"owner"`
	Assignee      string `json:"assignee"`
	AssigneeName  string `json:"assignee_name,omitempty"`
	Due           string `json:"due"`
	Done          bool   `json:"done"`
	DoneAt        string `json:"done_at,omitempty"`
	DoneBy        string `json:"done_by,omitempty"`
	DoneByName    string `json:"done_by_name,omitempty"`
	OnBehalfOf    string `json:"on_behalf_of,omitempty"`
	Evidence      string `json:"evidence,omitempty"`
	Overdue       bool   `json:"overdue"`
	NeedsEvidence bool   `json:"needs_evidence"`
	Module        string `json:"module,omitempty"` // the training module the task is about
	// CanComplete: the caller may complete (or, when done, reopen) the task.
	CanComplete bool `json:"can_complete"`
	// Set in queues only: whose plan the task belongs to.
	Plan     string `json:"plan,omitempty"`
	Hire     string `json:"hire,omitempty"`
	HireName string `json:"hire_name,omitempty"`
}

// HistoryEntry is one change to a plan.
type HistoryEntry struct {
	Time       string `json:"time"`
	Actor      string `json:"actor"`
	Type       string `json:"type"`
	Task       string `json:"task,omitempty"`
	Detail     string `json:"detail,omitempty"`
	OnBehalfOf string `json:"on_behalf_of,omitempty"`
}

// PlanView is a plan as the API shows it.
type PlanView struct {
	ID              string              `json:"id"`
	Hire            string              `json:"hire"`
	HireName        string              `json:"hire_name"`
	Team            string              `json:"team"`
	Lead            string              `json:"lead,omitempty"`
	Mentor          string              `json:"mentor,omitempty"`
	Track           string              `json:"track"`
	StartDate       string              `json:"start_date"`
	TemplateVersion int                 `json:"template_version"`
	Progress        Progress            `json:"progress"`
	ByOwner         map[string]Progress `json:"by_owner"`
	State           string              `json:"state"`
	Overdue         int                 `json:"overdue"`
	NextDue         *TaskView           `json:"next_due,omitempty"`
	Problem         string              `json:"problem,omitempty"`
	Tasks           []TaskView          `json:"tasks,omitempty"` // plans.get only
	History         []HistoryEntry      `json:"history,omitempty"`
	// What the caller may do: complete/reopen is per task (TaskView.Done and the rules),
	// Manage is add/remove/change tasks.
	CanManage bool `json:"can_manage"`
}

// PlansReply is one page of plans; Problems are hires who got no plan (HR and admin only;
// at most MaxProblems of them, ProblemsTotal in all).
type PlansReply struct {
	Items []PlanView `json:"items"`
	PageInfo
	Problems      []PlanView `json:"problems,omitempty"`
	ProblemsTotal int        `json:"problems_total,omitempty"`
	// Trend is the weekly trend asked for, oldest week first.
	Trend []WeekCount `json:"trend,omitempty"`
}

// MaxProblems is the most problems a plans reply lists.
const MaxProblems = 50

// QueueRequest asks for one page of the caller's open tasks.
type QueueRequest struct {
	Page
}

// QueueReply is one page of the caller's open tasks across hires: overdue first, then by
// due date, hire name and task.
type QueueReply struct {
	Items []TaskView `json:"items"`
	PageInfo
}
