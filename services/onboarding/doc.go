package onboarding

import "time"

// PlanDoc is how a plan is stored: its document keyed by "plan-<hire>" (and its entry in
// snapshots written before the compact format, which still load). It holds every task
// whole, so the stored documents read as they did before the model held tasks compactly.
type PlanDoc struct {
	ID              string    `bson:"_id"`
	Seq             uint64    `bson:"seq"` // stream sequence of the last event applied
	Hire            string    `bson:"hire"`
	Name            string    `bson:"name"`
	Team            string    `bson:"team"`
	Lead            string    `bson:"lead,omitempty"`
	Mentor          string    `bson:"mentor,omitempty"`
	Track           string    `bson:"track"`
	StartDate       string    `bson:"start_date"`
	TemplateVersion int       `bson:"template_version"`
	Created         time.Time `bson:"created"`
	Tasks           []TaskDoc `bson:"tasks"`
	Completed       bool      `bson:"completed"` // plan.completed is on the stream for the current state
	CompletedAt     time.Time `bson:"completed_at,omitzero"`
	Problem         string    `bson:"problem,omitempty"` // why no plan could be made
	Handled         []string  `bson:"handled"`           // ids of other domains' events applied to this plan
	History         []Entry   `bson:"history"`
}

// DocID implements the store's document interface.
func (d PlanDoc) DocID() string { return d.ID }

// TaskDoc is a task as stored: its template's words and what is its own, together.
type TaskDoc struct {
	ID            string    `bson:"id"`
	Title         string    `bson:"title"`
	Description   string    `bson:"description,omitempty"`
	Section       string    `bson:"section"`
	Owner         string    `bson:"owner"`
	Assignee      string    `bson:"assignee,omitempty"`
	Due           string    `bson:"due"`
	NeedsEvidence bool      `bson:"needs_evidence,omitempty"`
	Module        string    `bson:"module,omitempty"`
	Done          bool      `bson:"done"`
	DoneAt        time.Time `bson:"done_at,omitzero"`
	DoneBy        string    `bson:"done_by,omitempty"`
	OnBehalfOf    string    `bson:"on_behalf_of,omitempty"`
	Evidence      string    `bson:"evidence,omitempty"`
	OverdueSent   string    `bson:"overdue_sent,omitempty"` // the due date task.overdue was published for
}

// Doc returns the plan as stored (a copy: the model may change on).
func (p *Plan) Doc() PlanDoc {
	d := PlanDoc{ID: p.ID, Seq: p.Seq, Hire: p.Hire, Name: p.Name, Team: p.Team, Lead: p.Lead, Mentor: p.Mentor,
		Track: p.Track, StartDate: p.StartDate, TemplateVersion: p.TemplateVersion, Created: p.Created,
		Completed: p.Completed, CompletedAt: p.CompletedAt, Problem: p.Problem,
		Handled: append([]string(nil), p.Handled...), History: p.HistoryDocs(),
		Tasks: make([]TaskDoc, len(p.Tasks))}
	for i, t := range p.Tasks {
		m := t.get()
		d.Tasks[i] = TaskDoc{ID: t.ID, Title: t.Title, Description: t.Description, Section: t.Section, Owner: t.Owner,
			Assignee: t.Assignee(), Due: t.Due(), NeedsEvidence: t.NeedsEvidence, Module: t.Module, Done: t.Done,
			DoneAt: m.DoneAt, DoneBy: m.DoneBy, OnBehalfOf: m.OnBehalfOf, Evidence: m.Evidence, OverdueSent: t.OverdueSent()}
	}
	return d
}
