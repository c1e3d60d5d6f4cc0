package web

import (
	"cmp"
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"time"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
	"onramp.dev/events/onboardingapi"
	"onramp.dev/infra/rpc"
	"onramp.dev/views"
)

// Onboarding pages and API. Every call goes to the onboarding service with the viewer's
// token; the service decides what the viewer may see and do.

func (m *Main) onboardingPages() []route {
	return []route{
		{"GET /onboarding", m.page(m.myOnboarding)},
		{"GET /onboarding/plans/{id}", m.page(m.planPage)},
		{"POST /onboarding/plans/{id}/tasks", m.page(m.addTaskForm)},
		{"POST /onboarding/tasks/{id}/complete", m.page(m.taskForm(onboardingapi.OpTaskComplete))},
		{"POST /onboarding/tasks/{id}/reopen", m.page(m.taskForm(onboardingapi.OpTaskReopen))},
		{"POST /onboarding/tasks/{id}/remove", m.page(m.taskForm(onboardingapi.OpTaskRemove))},
		{"POST /onboarding/tasks/{id}/change", m.page(m.changeTaskForm)},
		{"GET /onboarding/tasks", m.page(m.myTasksPage)},
		{"GET /onboarding/team", m.page(m.teamBoard)},
		{"GET /onboarding/all", m.page(m.allOnboardings)},
		{"GET /onboarding/all.csv", m.page(m.allOnboardingsExport("csv"))},
		{"GET /onboarding/all.xlsx", m.page(m.allOnboardingsExport("xlsx"))},
	}
}

func (m *Main) onboardingAPI() []route {
	return []route{
		{"GET /api/v1/onboarding/plans", m.api(m.apiPlans)},
		{"GET /api/v1/onboarding/plans/{id}", m.api(m.apiPlan)},
		{"POST /api/v1/onboarding/plans/{id}/tasks", m.api(m.apiAddTask)},
		{"POST /api/v1/onboarding/tasks/{id}/complete", m.api(m.apiCompleteTask)},
		{"POST /api/v1/onboarding/tasks/{id}/reopen", m.api(m.apiReopenTask)},
		{"PATCH /api/v1/onboarding/tasks/{id}", m.api(m.apiChangeTask)},
		{"DELETE /api/v1/onboarding/tasks/{id}", m.api(m.apiRemoveTask)},
		{"GET /api/v1/me/tasks", m.api(m.apiMyTasks)},
	}
}

// --- API ---

func (m *Main) apiPlans(w http.ResponseWriter, r *http.Request, v *viewer) {
	q := r.URL.Query()
	page, err := listPage(r)
	if err != nil {
		writeError(w, err)
		return
	}
	req := events.PlansRequest{Page: page, Hire: q.Get("hire"), Track: q.Get("track"), Team: q.Get("team")}
	switch q.Get("overdue") {
	case "", "false", "0":
	case "true", "1":
		req.OverdueOnly = true
	default:
		writeError(w, &events.Error{Code: events.CodeInvalid, Message: "overdue must be true or false", Fields: map[string]string{"overdue": "true or false"}})
		return
	}
	apiCall(m, w, r, v, onboardingapi.OpPlansList, req, http.StatusOK)
}

func (m *Main) apiPlan(w http.ResponseWriter, r *http.Request, v *viewer) {
	apiCall(m, w, r, v, onboardingapi.OpPlanGet, events.PlanRequest{ID: r.PathValue("id")}, http.StatusOK)
}

func (m *Main) apiMyTasks(w http.ResponseWriter, r *http.Request, v *viewer) {
	page, err := listPage(r)
	if err != nil {
		writeError(w, err)
		return
	}
	apiCall(m, w, r, v, onboardingapi.OpMyTasks, events.QueueRequest{Page: page}, http.StatusOK)
}

type addTaskBody struct {
	Title         string `json:"title"`
	Description   string `json:"description"`
	Owner         string `json:"owner"`
	Due           string `json:"due"`
	NeedsEvidence bool   `json:"needs_evidence"`
}

func (m *Main) apiAddTask(w http.ResponseWriter, r *http.Request, v *viewer) {
	var b addTaskBody
	if err := decode(w, r, &b); err != nil {
		writeError(w, err)
		return
	}
	apiCall(m, w, r, v, onboardingapi.OpTaskAdd, events.AddTaskRequest{Plan: r.PathValue("id"), Title: b.Title, Description: b.Description,
		Owner: b.Owner, Due: b.Due, NeedsEvidence: b.NeedsEvidence}, http.StatusCreated)
}

// decodeOptional decodes a JSON body if there is one.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	if r.ContentLength == 0 {
		return nil
	}
	return decode(w, r, v)
}

func (m *Main) apiCompleteTask(w http.ResponseWriter, r *http.Request, v *viewer) {
	var b struct {
		Evidence string `json:"evidence"`
	}
	if err := decodeOptional(w, r, &b); err != nil {
		writeError(w, err)
		return
	}
	apiCall(m, w, r, v, onboardingapi.OpTaskComplete, events.TaskRequest{ID: r.PathValue("id"), Evidence: b.Evidence}, http.StatusOK)
}

func (m *Main) apiReopenTask(w http.ResponseWriter, r *http.Request, v *viewer) {
	var b struct {
		Reason string `json:"reason"`
	}
	if err := decodeOptional(w, r, &b); err != nil {
		writeError(w, err)
		return
	}
	apiCall(m, w, r, v, onboardingapi.OpTaskReopen, events.TaskRequest{ID: r.PathValue("id"), Reason: b.Reason}, http.StatusOK)
}

func (m *Main) apiChangeTask(w http.ResponseWriter, r *http.Request, v *viewer) {
	var b struct {
		Due   string `json:"due"`
		Owner string `json:"owner"`
	}
	if err := decode(w, r, &b); err != nil {
		writeError(w, err)
		return
	}
	apiCall(m, w, r, v, onboardingapi.OpTaskChange, events.ChangeTaskRequest{ID: r.PathValue("id"), Due: b.Due, Owner: b.Owner}, http.StatusOK)
}

func (m *Main) apiRemoveTask(w http.ResponseWriter, r *http.Request, v *viewer) {
	apiCall(m, w, r, v, onboardingapi.OpTaskRemove, events.TaskRequest{ID: r.PathValue("id"), Reason: r.URL.Query().Get("reason")}, http.StatusOK)
}

// planRef is what a task action answers someone who may act on the task but not see its
// plan (IT completing from its queue): the plan's id, and that it is not visible to them.
type planRef struct {
	ID      string `json:"id"`
	Visible bool   `json:"visible"`
}

// --- pages ---

func (m *Main) myOnboarding(w http.ResponseWriter, r *http.Request, v *viewer) {
	if !v.May(identityapi.MyOnboarding) {
		http.Redirect(w, r, "/onboarding/tasks", http.StatusSeeOther)
		return
	}
	m.renderPlan(w, r, v, events.PlanID(v.ID), "/onboarding", http.StatusOK, "", "", views.AddTaskForm{})
}

func (m *Main) planPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	id := r.PathValue("id")
	self := "/onboarding/plans/" + url.PathEscape(id)
	if id == events.PlanID(v.ID) {
		self = "/onboarding"
	}
	m.renderPlan(w, r, v, id, self, http.StatusOK, "", "", views.AddTaskForm{})
}

// renderPlan shows a plan; taskErr is shown on task errTask, add is the add form's state.
func (m *Main) renderPlan(w http.ResponseWriter, r *http.Request, v *viewer, id, self string, code int, errTask, taskErr string, add views.AddTaskForm) {
	p, err := rpc.Do(r.Context(), m.nc, onboardingapi.OpPlanGet, v.caller(), events.PlanRequest{ID: id})
	if err != nil {
		if id == events.PlanID(v.ID) && events.CodeOf(err) == events.CodeNotFound {
			m.fail(w, r, events.Errorf(events.CodeNotFound, "Your onboarding plan is not ready yet. It appears a moment after HR adds you; try again shortly."))
			return
		}
		m.fail(w, r, err)
		return
	}
	heading := "Onboarding: " + p.HireName
	if p.Hire == v.ID {
		heading = "My onboarding"
	}
	nm := m.names(r.Context())
	pv := views.OnboardingPlan{
		ID: p.ID, Heading: heading, HireName: p.HireName, Track: nm.track(p.Track), Team: p.Team, StartDate: p.StartDate,
		Self: self, Done: p.Progress.Done, Total: p.Progress.Total, State: stateName(p.State), Overdue: p.Overdue,
		CanManage: p.CanManage, Add: add,
	}
	for _, o := range events.TaskOwners {
		if c, ok := p.ByOwner[o]; ok {
			pv.ByOwner = append(pv.ByOwner, views.OwnerProgress{Owner: nm.owner(o), Done: c.Done, Total: c.Total})
		}
		pv.Owners = append(pv.Owners, views.Option{Value: o, Label: nm.owner(o)})
	}
	if p.CanManage {
		pv.Filter = views.PlanFilter{Owner: r.URL.Query().Get("owner"), Show: r.URL.Query().Get("show")}
	}
	names := m.planNames(r, v, p)
	ctx := withDateFormat(r.Context(), dateFormatOf(r))
	for _, s := range nm.info.Sections {
		sec := views.OnboardingSection{ID: s.ID, Name: s.Name}
		tasks := slices.Clone(p.Tasks)
		slices.SortStableFunc(tasks, func(a, b events.TaskView) int { return strings.Compare(a.Due, b.Due) })
		for _, t := range tasks {
			if t.Section != s.ID || !pv.Filter.Keeps(t.Owner, t.Done, t.Overdue) {
				continue
			}
			tv := taskRow(ctx, t, names, nm)
			if t.ID == errTask {
				tv.Error = taskErr
			}
			sec.Tasks = append(sec.Tasks, tv)
		}
		if len(sec.Tasks) > 0 {
			pv.Sections = append(pv.Sections, sec)
		}
	}
	titles := map[string]string{}
	for _, t := range p.Tasks {
		titles[t.ID], titles[t.Key] = t.Title, t.Title
	}
	for i := len(p.History) - 1; i >= 0; i-- { // newest first
		h := p.History[i]
		ev := views.OnboardingEvent{Time: h.Time, Who: names(h.Actor), What: historyWhat(h, titles, names), Detail: historyDetail(ctx, h)}
		if h.Actor != events.System && !strings.HasPrefix(h.Actor, "queue:") {
			ev.WhoID = h.Actor
		}
		pv.History = append(pv.History, ev)
	}
	m.render(w, r, code, views.OnboardingPlanPage(m.pageFor(r, heading), pv))
}

func stateName(s string) string {
	return map[string]string{events.PlanNotStarted: "Not started", events.PlanInProgress: "In progress",
		events.PlanComplete: "Complete", events.PlanProblem: "Problem"}[s]
}

// planNames names the people and queues a plan mentions: from the plan itself (the hire,
// assignees, who did what), then identity for anyone else (their name, if the viewer may
// see them). Never an id on the page.
func (m *Main) planNames(r *http.Request, v *viewer, p events.PlanView) func(string) string {
	nm := m.names(r.Context())
	known := map[string]string{
		p.Hire:         p.HireName,
		events.QueueIT: nm.owner(events.OwnerIT), events.QueueHR: nm.owner(events.OwnerHR),
	}
	for _, t := range p.Tasks {
		if t.AssigneeName != "" {
			known[t.Assignee] = t.AssigneeName
		}
		if t.DoneByName != "" {
			known[t.DoneBy] = t.DoneByName
		}
	}
	return m.namer(r, v, known)
}

// namer names people by id for a page: from known (a cache it fills), else from identity
// (if the viewer may see the person), else "someone else" — never the id itself.
func (m *Main) namer(r *http.Request, v *viewer, known map[string]string) func(string) string {
	if known == nil {
		known = map[string]string{}
	}
	known[v.ID], known[events.System] = v.Name, "Onramp"
	return func(id string) string {
		if id == "" {
			return ""
		}
		if n, ok := known[id]; ok {
			return n
		}
		n := "someone else"
		if who, err := rpc.Do(r.Context(), m.nc, identityapi.OpPeopleGet, v.caller(), events.PersonRequest{ID: id}); err == nil && who.Name != "" {
			n = who.Name
		}
		known[id] = n
		return n
	}
}

// historyWords are the plan events in words, after the actor's name.
var historyWords = map[string]string{
	"onboarding.plan.created": "created the plan", "onboarding.plan.rejected": "could not create the plan",
	"onboarding.plan.completed": "completed the plan", "onboarding.task.completed": "completed",
	"onboarding.task.reopened": "reopened", "onboarding.task.added": "added", "onboarding.task.removed": "removed",
	"onboarding.task.changed": "changed", "onboarding.task.overdue": "marked as overdue",
	"onboarding.task.reassigned": "gave the mentor's tasks to the new mentor",
}

func historyWhat(h events.HistoryEntry, titles map[string]string, names func(string) string) string {
	what, ok := historyWords[h.Type]
	if !ok {
		what = strings.ReplaceAll(strings.TrimPrefix(h.Type, "onboarding."), ".", " ")
		what = strings.ReplaceAll(what, "_", " ")
	}
	if h.Task != "" {
		what += " “" + cmp.Or(titles[h.Task], "a task") + "”"
	}
	if h.OnBehalfOf != "" {
		what += " on behalf of " + names(h.OnBehalfOf)
	}
	return what
}

// isoDay finds calendar days in a history detail, to write them as people read them.
var isoDay = regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`)

// historyDetail is the entry's detail (a reason, a change) with days in words; an added
// task's detail repeats its title and owner code, so it is left out.
func historyDetail(ctx context.Context, h events.HistoryEntry) string {
	if h.Type == "onboarding.task.added" {
		return ""
	}
	return isoDay.ReplaceAllStringFunc(h.Detail, func(d string) string {
		t, err := time.Parse(events.DateLayout, d)
		if err != nil {
			return d
		}
		return views.DayText(ctx, t)
	})
}

// taskRow is a task for the page; ctx carries the viewer's date style (for the done note).
func taskRow(ctx context.Context, t events.TaskView, names func(string) string, nm names) views.OnboardingTask {
	row := views.OnboardingTask{
		ID: t.ID, Title: t.Title, Description: t.Description, Owner: nm.owner(t.Owner), OwnerID: t.Owner, Due: t.Due, Done: t.Done,
		Evidence: t.Evidence, Overdue: t.Overdue, NeedsEvidence: t.NeedsEvidence, CanComplete: t.CanComplete, Module: t.Module,
	}
	if !t.CanComplete {
		row.Waiting = "Waiting on " + cmp.Or(t.AssigneeName, names(t.Assignee), nm.owner(t.Owner))
	}
	if t.Done {
		row.DoneNote = "Done by " + cmp.Or(t.DoneByName, names(t.DoneBy))
		if t.OnBehalfOf != "" {
			row.DoneNote += " on behalf of " + names(t.OnBehalfOf)
		}
		if d := t.DoneAt; d != "" {
			if at, err := time.Parse(time.RFC3339, d); err == nil {
				row.DoneNote += " on " + views.DayText(ctx, at.UTC())
			}
		}
	}
	return row
}

// taskForm handles the complete, reopen and remove forms: on success back to where the
// form was (PRG); a refusal the user can fix re-renders the page with the message.
func (m *Main) taskForm(op events.Op[events.TaskRequest, events.PlanView]) func(w http.ResponseWriter, r *http.Request, v *viewer) {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		id := r.PathValue("id")
		next := safeNext(r.PostFormValue("next"))
		if next == "/" {
			next = "/onboarding/tasks"
		}
		req := events.TaskRequest{ID: id, Evidence: r.PostFormValue("evidence"), Reason: r.PostFormValue("reason")}
		if op == onboardingapi.OpTaskRemove && !m.confirmRemove(w, r, v, id, next) {
			return
		}
		p, err := rpc.Do(r.Context(), m.nc, op, v.caller(), req)
		if err == nil {
			setFlash(w, taskFlash(op.Name, id, p))
		}
		m.taskDone(w, r, v, id, next, err)
	}
}

// taskFlash confirms a task form on the page that follows.
func taskFlash(op, id string, p events.PlanView) string {
	title := "The task"
	for _, t := range p.Tasks {
		if t.ID == id {
			title = "“" + t.Title + "”"
		}
	}
	switch op {
	case events.OpTaskComplete:
		return title + " is done."
	case events.OpTaskReopen:
		return title + " is open again."
	case events.OpTaskRemove:
		return "The task is removed from " + p.HireName + "’s plan."
	}
	return ""
}

// confirmRemove asks before a task leaves a plan (see confirmed).
func (m *Main) confirmRemove(w http.ResponseWriter, r *http.Request, v *viewer, id, next string) bool {
	if r.PostFormValue("confirm") == "1" {
		return true
	}
	planID, _, _ := strings.Cut(id, ".")
	p, err := rpc.Do(r.Context(), m.nc, onboardingapi.OpPlanGet, v.caller(), events.PlanRequest{ID: planID})
	if err != nil {
		m.fail(w, r, err)
		return false
	}
	title := "this task"
	for _, t := range p.Tasks {
		if t.ID == id {
			title = "“" + t.Title + "”"
		}
	}
	return m.confirmed(w, r, views.Confirm{
		Title:    "Remove a task from " + p.HireName + "’s plan?",
		Question: "Remove " + title + " from " + p.HireName + "’s onboarding plan?",
		Detail:   "The plan's history keeps a record of the removal. To bring the task back, add it again.",
		Button:   "Remove task", Cancel: next,
	})
}

// taskDone answers a task form: back to next, or the same page again with the message of
// an invalid request next to the task.
func (m *Main) taskDone(w http.ResponseWriter, r *http.Request, v *viewer, id, next string, err error) {
	var e *events.Error
	if errors.As(err, &e) && e.Code == events.CodeInvalid {
		msg := e.Message
		for _, f := range e.Fields {
			msg = f
		}
		if next == "/onboarding/tasks" {
			m.renderMyTasks(w, r, v, http.StatusUnprocessableEntity, id, msg)
			return
		}
		planID, _, _ := strings.Cut(id, ".")
		m.renderPlan(w, r, v, planID, next, http.StatusUnprocessableEntity, id, msg, views.AddTaskForm{})
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

// changeTaskForm moves a task's due date or gives it to another owner (lead or HR); only
// what differs from the form's original values is sent, so an untouched field stays as is.
func (m *Main) changeTaskForm(w http.ResponseWriter, r *http.Request, v *viewer) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	id := r.PathValue("id")
	next := safeNext(r.PostFormValue("next"))
	req := events.ChangeTaskRequest{ID: id}
	if due := r.PostFormValue("due"); due != r.PostFormValue("due_was") {
		req.Due = due
	}
	if owner := r.PostFormValue("owner"); owner != r.PostFormValue("owner_was") {
		req.Owner = owner
	}
	if req.Due == "" && req.Owner == "" {
		http.Redirect(w, r, next, http.StatusSeeOther)
		return
	}
	_, err := rpc.Do(r.Context(), m.nc, onboardingapi.OpTaskChange, v.caller(), req)
	m.taskDone(w, r, v, id, next, err)
}

func (m *Main) addTaskForm(w http.ResponseWriter, r *http.Request, v *viewer) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	id := r.PathValue("id")
	form := views.AddTaskForm{Title: r.PostFormValue("title"), Description: r.PostFormValue("description"),
		Owner: r.PostFormValue("owner"), Due: r.PostFormValue("due"), NeedsEvidence: r.PostFormValue("needs_evidence") != ""}
	_, err := rpc.Do(r.Context(), m.nc, onboardingapi.OpTaskAdd, v.caller(), events.AddTaskRequest{Plan: id, Title: form.Title, Description: form.Description,
		Owner: form.Owner, Due: form.Due, NeedsEvidence: form.NeedsEvidence})
	var e *events.Error
	if errors.As(err, &e) && e.Code == events.CodeInvalid {
		form.Fields, form.Error = e.Fields, e.Message
		m.renderPlan(w, r, v, id, "/onboarding/plans/"+url.PathEscape(id), http.StatusUnprocessableEntity, "", "", form)
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/onboarding/plans/"+url.PathEscape(id), http.StatusSeeOther)
}

func (m *Main) myTasksPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	m.renderMyTasks(w, r, v, http.StatusOK, "", "")
}

func (m *Main) renderMyTasks(w http.ResponseWriter, r *http.Request, v *viewer, code int, errTask, msg string) {
	page, err := listPage(r)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	q, err := rpc.Do(r.Context(), m.nc, onboardingapi.OpMyTasks, v.caller(), events.QueueRequest{Page: page})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	mt := views.MyTasks{Pager: pagerFor(r, q.PageInfo, len(q.Items)), Self: "/onboarding/tasks"}
	if r.Method == http.MethodGet {
		mt.Self = selfURL(r)
	}
	nm := m.names(r.Context())
	names := func(id string) string {
		return map[string]string{events.QueueIT: nm.owner(events.OwnerIT), events.QueueHR: nm.owner(events.OwnerHR), v.ID: v.Name}[id]
	}
	ctx := withDateFormat(r.Context(), dateFormatOf(r))
	for _, t := range q.Items {
		row := taskRow(ctx, t, names, nm)
		row.Hire = t.HireName
		if t.Hire == v.ID {
			row.PlanHref = "/onboarding"
		} else if v.May(identityapi.OtherPlans) {
			row.PlanHref = "/onboarding/plans/" + url.PathEscape(t.Plan)
		}
		if t.ID == errTask {
			row.Error = msg
		}
		mt.Tasks = append(mt.Tasks, row)
	}
	m.render(w, r, code, views.MyTasksPage(m.pageFor(r, "My tasks"), mt))
}

func (m *Main) teamBoard(w http.ResponseWriter, r *http.Request, v *viewer) {
	if !v.May(identityapi.TeamBoard) {
		m.fail(w, r, events.Errorf(events.CodeForbidden, "team boards are for leads"))
		return
	}
	page, err := listPage(r)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	list, err := rpc.Do(r.Context(), m.nc, onboardingapi.OpPlansList, v.caller(), events.PlansRequest{Page: page, Team: v.Team})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	b := views.OnboardingBoard{Heading: "Team " + v.Team + " onboarding", Self: selfURL(r), Rows: planRows(list.Items, m.names(r.Context())),
		Query: page.Query, Pager: pagerFor(r, list.PageInfo, len(list.Items))}
	m.render(w, r, http.StatusOK, views.OnboardingBoardPage(m.pageFor(r, "Team board"), b))
}

// overviewRequest reads HR's filters from the query.
func overviewRequest(r *http.Request) events.PlansRequest {
	q := r.URL.Query()
	return events.PlansRequest{Page: events.Page{Query: strings.TrimSpace(q.Get("q"))}, Track: q.Get("track"), Team: q.Get("team"),
		OverdueOnly: q.Get("overdue") == "1" || q.Get("overdue") == "true"}
}

func (m *Main) allOnboardings(w http.ResponseWriter, r *http.Request, v *viewer) {
	if !v.May(identityapi.AllOnboardings) {
		m.fail(w, r, events.Errorf(events.CodeForbidden, "the overview is for HR"))
		return
	}
	req := overviewRequest(r)
	page, err := listPage(r)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	req.Page = page
	list, err := rpc.Do(r.Context(), m.nc, onboardingapi.OpPlansList, v.caller(), req)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	query := r.URL.Query()
	query.Del("cursor")
	b := views.OnboardingBoard{
		Heading: "All onboardings", Self: selfURL(r), CSV: "/onboarding/all.csv", Rows: planRows(list.Items, m.names(r.Context())),
		Filters: true, Track: req.Track, Team: req.Team, OverdueOnly: req.OverdueOnly,
		Query: page.Query, Pager: pagerFor(r, list.PageInfo, len(list.Items)), ProblemsTotal: list.ProblemsTotal,
	}
	if len(query) > 0 {
		b.CSV += "?" + query.Encode()
	}
	b.Tracks = m.names(r.Context()).trackOptions()
	if b.Teams, err = m.teamOptions(r, v); err != nil {
		m.fail(w, r, err)
		return
	}
	for _, p := range list.Problems {
		b.Problems = append(b.Problems, views.PlanProblem{HireName: p.HireName, Team: p.Team, Track: p.Track, Reason: p.Problem})
	}
	m.render(w, r, http.StatusOK, views.OnboardingBoardPage(m.pageFor(r, "All onboardings"), b))
}

func planRows(items []events.PlanView, nm names) []views.PlanRow {
	rows := []views.PlanRow{}
	for _, p := range items {
		row := views.PlanRow{
			ID: p.ID, Href: "/onboarding/plans/" + url.PathEscape(p.ID), Hire: p.Hire, HireName: p.HireName, Team: p.Team, Track: nm.track(p.Track),
			StartDate: p.StartDate, State: stateName(p.State), Done: p.Progress.Done, Total: p.Progress.Total, Overdue: p.Overdue,
		}
		if p.NextDue != nil {
			row.NextDue, row.NextDueDate = p.NextDue.Title, p.NextDue.Due
		}
		rows = append(rows, row)
	}
	return rows
}

// onboardingsSpec is HR's overview's writer: one row per plan.
var onboardingsSpec = reportSpec[events.PlanView]{name: "onboardings", sheet: "All onboardings", columns: []column[events.PlanView]{
	{key: "plan", title: "Plan id", download: true, value: func(p events.PlanView) any { return p.ID }},
	{key: "hire", title: "Hire id", download: true, value: func(p events.PlanView) any { return p.Hire }},
	{key: "name", title: "Name", width: 24, value: func(p events.PlanView) any { return p.HireName }},
	{key: "team", title: "Team", value: func(p events.PlanView) any { return p.Team }},
	{key: "track", title: "Track", value: func(p events.PlanView) any { return p.Track }},
	{key: "start_date", title: "Start date", kind: dateCell, value: func(p events.PlanView) any { return day(p.StartDate) }},
	{key: "template_version", title: "Template version", kind: numberCell, value: func(p events.PlanView) any { return p.TemplateVersion }},
	{key: "state", title: "State", value: func(p events.PlanView) any { return p.State }},
	{key: "done", title: "Tasks done", kind: numberCell, value: func(p events.PlanView) any { return p.Progress.Done }},
	{key: "total", title: "Tasks", kind: numberCell, value: func(p events.PlanView) any { return p.Progress.Total }},
	{key: "overdue", title: "Overdue", kind: numberCell, value: func(p events.PlanView) any { return p.Overdue }},
	{key: "next_due", title: "Next task", width: 32, value: func(p events.PlanView) any {
		if p.NextDue == nil {
			return nil
		}
		return p.NextDue.Title
	}},
	{key: "next_due_date", title: "Next task due", kind: dateCell, value: func(p events.PlanView) any {
		if p.NextDue == nil {
			return nil
		}
		return day(p.NextDue.Due)
	}},
}}

// allOnboardingsExport downloads HR's overview, with the same filters, as format (csv or
// xlsx).
func (m *Main) allOnboardingsExport(format string) func(w http.ResponseWriter, r *http.Request, v *viewer) {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		if !v.May(identityapi.AllOnboardings) {
			m.fail(w, r, events.Errorf(events.CodeForbidden, "the overview is for HR"))
			return
		}
		release, ok := m.startExport(w, r)
		if !ok {
			return
		}
		defer release()
		req := overviewRequest(r)
		req.Limit = plansPerExportPage
		writeReport(m, w, r, onboardingsSpec, format, func(ctx context.Context, cursor string) ([]events.PlanView, string, error) {
			req.Cursor = cursor
			list, err := rpc.Do(ctx, m.nc, onboardingapi.OpPlansList, v.caller(), req)
			if err != nil {
				return nil, "", err
			}
			return list.Items, list.Next, nil
		})
	}
}

// plansPerExportPage is how many plans the CSV export asks for at a time: a plan's view is
// about 1 KB, so a page stays near 250 KB, far below NATS's default 1 MB payload.
const plansPerExportPage = 250
