package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
	"onramp.dev/events/trainingapi"
	"onramp.dev/infra/rpc"
	"onramp.dev/views"
)

// Training pages and API. Every call goes to the training service with the viewer's
// token; the service decides what the viewer may see and do (learners their own, leads
// their team, HR everyone).

func (m *Main) trainingPages() []route {
	return []route{
		{"GET /training", m.page(m.myTraining)},
		{"POST /training/modules/{id}/enrol", m.page(m.enrolForm)},
		{"GET /training/modules/{id}", m.page(m.modulePage)},
		{"GET /training/modules/{id}/lessons/{lesson}", m.page(m.lessonPage)},
		{"POST /training/modules/{id}/lessons/{lesson}/read", m.page(m.lessonRead)},
		{"GET /training/modules/{id}/quiz", m.page(m.quizPage)},
		{"POST /training/modules/{id}/quiz", m.page(m.quizSubmit)},
		{"GET /training/modules/{id}/result", m.page(m.resultPage)},
		{"GET /training/team", m.page(m.teamTraining)},
		{"POST /training/assignments", m.page(m.assignForm)},
		{"POST /training/grants", m.page(m.grantForm)},
		{"GET /training/report", m.page(m.trainingReport)},
		{"GET /training/report.csv", m.page(m.trainingReportExport("csv"))},
		{"GET /training/report.xlsx", m.page(m.trainingReportExport("xlsx"))},
	}
}

func (m *Main) trainingAPI() []route {
	return []route{
		{"GET /api/v1/training/modules", m.api(m.apiModules)},
		{"GET /api/v1/training/modules/{id}", m.api(m.apiModule)},
		{"POST /api/v1/training/assignments", m.api(m.apiAssign)},
		{"GET /api/v1/me/training", m.api(m.apiMyTraining)},
		{"POST /api/v1/training/modules/{id}/attempts", m.api(m.apiAttempt)},
		{"POST /api/v1/training/modules/{id}/enrolment", m.api(m.apiEnrol)},
		{"POST /api/v1/training/modules/{id}/lessons/{lesson}/read", m.api(m.apiLessonRead)},
		{"POST /api/v1/training/grants", m.api(m.apiGrant)},
		{"GET /api/v1/training/team", m.api(m.apiTeamTraining)},
		{"GET /api/v1/training/report", m.api(m.apiTrainingReport)},
	}
}

// --- API ---

func (m *Main) apiReply(w http.ResponseWriter, r *http.Request, status int, v any, err error) {
	if err != nil {
		m.logFailure(r, err)
		writeError(w, err)
		return
	}
	writeJSON(w, status, v)
}

func (m *Main) apiModules(w http.ResponseWriter, r *http.Request, v *viewer) {
	out, err := rpc.Do(r.Context(), m.nc, trainingapi.OpModulesList, v.caller(), events.ModuleRequest{})
	m.apiReply(w, r, http.StatusOK, out, err)
}

func (m *Main) apiModule(w http.ResponseWriter, r *http.Request, v *viewer) {
	out, err := rpc.Do(r.Context(), m.nc, trainingapi.OpModuleGet, v.caller(), events.ModuleRequest{ID: r.PathValue("id")})
	m.apiReply(w, r, http.StatusOK, out, err)
}

type assignRequest struct {
	Module string `json:"module"`
	Person string `json:"person,omitempty"`
	Team   string `json:"team,omitempty"`
	Track  string `json:"track,omitempty"`
	Due    string `json:"due"`
}

func (m *Main) apiAssign(w http.ResponseWriter, r *http.Request, v *viewer) {
	var req assignRequest
	if err := decode(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	out, err := rpc.Do(r.Context(), m.nc, trainingapi.OpAssign, v.caller(), events.AssignRequest{
		Module: req.Module, Person: req.Person, Team: req.Team, Track: req.Track, Due: req.Due})
	m.apiReply(w, r, http.StatusCreated, out, err)
}

func (m *Main) apiMyTraining(w http.ResponseWriter, r *http.Request, v *viewer) {
	out, err := rpc.Do(r.Context(), m.nc, trainingapi.OpMyTraining, v.caller(), events.ModuleRequest{})
	m.apiReply(w, r, http.StatusOK, out, err)
}

type attemptRequest struct {
	Answers map[string][]string `json:"answers"`
}

func (m *Main) apiAttempt(w http.ResponseWriter, r *http.Request, v *viewer) {
	var req attemptRequest
	if err := decode(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	out, err := rpc.Do(r.Context(), m.nc, trainingapi.OpAttempt, v.caller(), events.AttemptRequest{Module: r.PathValue("id"), Answers: req.Answers})
	m.apiReply(w, r, http.StatusOK, out, err)
}

func (m *Main) apiEnrol(w http.ResponseWriter, r *http.Request, v *viewer) {
	out, err := rpc.Do(r.Context(), m.nc, trainingapi.OpEnrol, v.caller(), events.ModuleRequest{ID: r.PathValue("id")})
	m.apiReply(w, r, http.StatusOK, out, err)
}

func (m *Main) apiLessonRead(w http.ResponseWriter, r *http.Request, v *viewer) {
	out, err := rpc.Do(r.Context(), m.nc, trainingapi.OpLessonRead, v.caller(), events.LessonRequest{Module: r.PathValue("id"), Lesson: r.PathValue("lesson")})
	m.apiReply(w, r, http.StatusOK, out, err)
}

type grantRequest struct {
	Person string `json:"person"`
	Module string `json:"module"`
}

func (m *Main) apiGrant(w http.ResponseWriter, r *http.Request, v *viewer) {
	var req grantRequest
	if err := decode(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	out, err := rpc.Do(r.Context(), m.nc, trainingapi.OpGrant, v.caller(), events.GrantRequest(req))
	m.apiReply(w, r, http.StatusOK, out, err)
}

func (m *Main) apiTeamTraining(w http.ResponseWriter, r *http.Request, v *viewer) {
	page, err := listPage(r)
	if err != nil {
		writeError(w, err)
		return
	}
	out, err := rpc.Do(r.Context(), m.nc, trainingapi.OpTeamTraining, v.caller(), events.TeamRequest{Page: page, Team: r.URL.Query().Get("team")})
	m.apiReply(w, r, http.StatusOK, out, err)
}

// reportRequest reads the compliance report's filters, search and page.
func reportRequest(r *http.Request) (events.ReportRequest, error) {
	q := r.URL.Query()
	page, err := listPage(r)
	return events.ReportRequest{Page: page, Module: q.Get("module"), Team: q.Get("team"), Track: q.Get("track"), Status: q.Get("status"), Sort: q.Get("sort")}, err
}

func (m *Main) apiTrainingReport(w http.ResponseWriter, r *http.Request, v *viewer) {
	req, err := reportRequest(r)
	if err != nil {
		writeError(w, err)
		return
	}
	out, err := rpc.Do(r.Context(), m.nc, trainingapi.OpReport, v.caller(), req)
	m.apiReply(w, r, http.StatusOK, out, err)
}

// --- pages ---

var statusLabels = map[string]string{
	events.StatusAssigned: "assigned", events.StatusInProgress: "in progress", events.StatusPassed: "passed",
	events.StatusFailed: "failed", events.StatusOverdue: "overdue",
}

func statusLabel(it events.LearnerItem) string {
	label := statusLabels[it.Status]
	if it.Status == events.StatusFailed {
		if it.AttemptsLeft == 0 {
			return "failed — no attempts left"
		}
		return fmt.Sprintf("failed — %d attempt(s) left", it.AttemptsLeft)
	}
	if label == "" {
		return it.Status
	}
	return label
}

func trainingItem(it events.LearnerItem) views.TrainingItem {
	out := views.TrainingItem{Module: it.Module, Title: it.Title, Status: it.Status, StatusLabel: statusLabel(it), Score: "—",
		AttemptsLeft: it.AttemptsLeft, LessonsRead: it.LessonsRead, Lessons: it.Lessons}
	if it.Due != nil {
		out.Due = *it.Due
	}
	if it.Score != nil {
		out.Score = strconv.Itoa(*it.Score) + "%"
	}
	return out
}

func (m *Main) myTraining(w http.ResponseWriter, r *http.Request, v *viewer) {
	mine, err := rpc.Do(r.Context(), m.nc, trainingapi.OpMyTraining, v.caller(), events.ModuleRequest{})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	mods, err := rpc.Do(r.Context(), m.nc, trainingapi.OpModulesList, v.caller(), events.ModuleRequest{})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	page := views.TrainingMine{TeamLink: v.May(identityapi.TeamTraining), ReportLink: v.May(identityapi.TrainingReport)}
	have := map[string]bool{}
	for _, it := range mine.Items {
		page.Items = append(page.Items, trainingItem(it))
		have[it.Module] = true
	}
	for _, mod := range mods.Items {
		if !have[mod.ID] {
			page.Catalogue = append(page.Catalogue, views.TrainingModuleCard{ID: mod.ID, Title: mod.Title, Summary: mod.Summary, Minutes: mod.Minutes})
		}
	}
	m.render(w, r, http.StatusOK, views.TrainingMinePage(m.pageFor(r, "My training"), page))
}

func (m *Main) enrolForm(w http.ResponseWriter, r *http.Request, v *viewer) {
	id := r.PathValue("id")
	if _, err := rpc.Do(r.Context(), m.nc, trainingapi.OpEnrol, v.caller(), events.ModuleRequest{ID: id}); err != nil {
		m.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/training/modules/"+url.PathEscape(id), http.StatusSeeOther)
}

// moduleView loads the module and the viewer's progress on it; lesson marks the current one.
func (m *Main) moduleView(r *http.Request, v *viewer, id, lesson string) (views.TrainingModule, events.ModuleView, events.ProgressView, error) {
	mod, err := rpc.Do(r.Context(), m.nc, trainingapi.OpModuleGet, v.caller(), events.ModuleRequest{ID: id})
	if err != nil {
		return views.TrainingModule{}, mod, events.ProgressView{}, err
	}
	prog, err := rpc.Do(r.Context(), m.nc, trainingapi.OpProgress, v.caller(), events.ModuleRequest{ID: id})
	if err != nil {
		return views.TrainingModule{}, mod, prog, err
	}
	it := prog.Item
	out := views.TrainingModule{
		ID: mod.ID, Title: mod.Title, Summary: mod.Summary, Minutes: mod.Minutes, PassMark: mod.PassMark, MaxAttempts: mod.MaxAttempts,
		Read: len(prog.Read), Total: len(mod.Lessons), Status: it.Status, StatusLabel: statusLabel(it), AttemptsLeft: it.AttemptsLeft,
		Enrolled: prog.Enrolled, Passed: it.Status == events.StatusPassed, HasResult: prog.Last != nil, LessonsLen: len(mod.Lessons),
	}
	out.MaxAttempts = it.Attempts + it.AttemptsLeft
	if out.MaxAttempts < mod.MaxAttempts {
		out.MaxAttempts = mod.MaxAttempts
	}
	out.CanAttempt = it.CanAttempt
	if !prog.Enrolled {
		out.StatusLabel = "not enrolled"
	}
	if it.Due != nil {
		out.Due = *it.Due
	}
	for i, l := range mod.Lessons {
		link := views.TrainingLessonLink{ID: l.ID, Title: l.Title, Read: slices.Contains(prog.Read, l.ID), Current: l.ID == lesson}
		out.Lessons = append(out.Lessons, link)
		if l.ID == lesson {
			out.LessonID, out.LessonTitle, out.LessonHTML, out.LessonIndex = l.ID, l.Title, l.HTML, i
		}
	}
	if lesson != "" {
		i := out.LessonIndex
		if i > 0 {
			prev := out.Lessons[i-1]
			out.Prev = &prev
		}
		if i+1 < len(out.Lessons) {
			next := out.Lessons[i+1]
			out.Next = &next
		}
	}
	return out, mod, prog, nil
}

func (m *Main) modulePage(w http.ResponseWriter, r *http.Request, v *viewer) {
	page, _, _, err := m.moduleView(r, v, r.PathValue("id"), "")
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.render(w, r, http.StatusOK, views.TrainingModulePage(m.pageFor(r, page.Title), page))
}

// lessonPage shows a lesson; it changes nothing (reading is recorded by lessonRead).
func (m *Main) lessonPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, lesson := r.PathValue("id"), r.PathValue("lesson")
	page, _, _, err := m.moduleView(r, v, id, lesson)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.render(w, r, http.StatusOK, views.TrainingLessonPage(m.pageFor(r, page.LessonTitle), page))
}

// lessonRead records that the viewer read a lesson (again: nothing changes) and moves on:
// to the next lesson, to the quiz after the last one, or back to the module.
func (m *Main) lessonRead(w http.ResponseWriter, r *http.Request, v *viewer) {
	id, lesson := r.PathValue("id"), r.PathValue("lesson")
	if _, err := rpc.Do(r.Context(), m.nc, trainingapi.OpLessonRead, v.caller(), events.LessonRequest{Module: id, Lesson: lesson}); err != nil {
		m.fail(w, r, err)
		return
	}
	page, _, _, err := m.moduleView(r, v, id, lesson)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	base := "/training/modules/" + url.PathEscape(id)
	next := base
	switch {
	case page.Next != nil:
		// The next lesson opens at its start: without JavaScript the fragment moves the
		// reading and Tab position there; with htmx, live.js focuses its heading.
		next = base + "/lessons/" + url.PathEscape(page.Next.ID) + "#lesson"
	case page.CanAttempt:
		next = base + "/quiz"
	}
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func quizView(mod events.ModuleView, prog events.ProgressView, chosen map[string][]string) views.TrainingQuiz {
	q := views.TrainingQuiz{Module: mod.ID, Title: mod.Title, PassMark: mod.PassMark, AttemptsLeft: prog.Item.AttemptsLeft}
	for _, qu := range mod.Quiz.Questions {
		tq := views.TrainingQuestion{ID: qu.ID, Text: qu.Text, Multiple: qu.Kind == "multiple", Chosen: chosen[qu.ID]}
		for _, c := range qu.Choices {
			tq.Choices = append(tq.Choices, views.Option{Value: c.ID, Label: c.Text})
		}
		q.Questions = append(q.Questions, tq)
	}
	switch {
	case prog.Item.Status == events.StatusPassed:
		q.Blocked, q.Error = true, "You have passed this module already."
	case prog.Item.AttemptsLeft == 0:
		q.Blocked, q.Error = true, "You have used all your attempts. Ask your lead or HR to grant you another attempt."
	}
	return q
}

func (m *Main) quizPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	_, mod, prog, err := m.moduleView(r, v, r.PathValue("id"), "")
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.render(w, r, http.StatusOK, views.TrainingQuizPage(m.pageFor(r, "Quiz: "+mod.Title), quizView(mod, prog, nil)))
}

func (m *Main) quizSubmit(w http.ResponseWriter, r *http.Request, v *viewer) {
	id := r.PathValue("id")
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		m.fail(w, r, events.Errorf(events.CodeBadRequest, "malformed form"))
		return
	}
	mod, err := rpc.Do(r.Context(), m.nc, trainingapi.OpModuleGet, v.caller(), events.ModuleRequest{ID: id})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	answers := map[string][]string{}
	for _, q := range mod.Quiz.Questions {
		if a := r.PostForm[q.ID]; len(a) > 0 {
			answers[q.ID] = a
		}
	}
	if missing := len(mod.Quiz.Questions) - len(answers); missing > 0 && r.PostFormValue("anyway") != "1" {
		// Hold the submission back before it spends an attempt: the form comes back with
		// the answers given, the blank questions marked and a "Submit anyway" button.
		prog, err := rpc.Do(r.Context(), m.nc, trainingapi.OpProgress, v.caller(), events.ModuleRequest{ID: id})
		if err != nil {
			m.fail(w, r, err)
			return
		}
		q := quizView(mod, prog, answers)
		q.Unanswered = missing
		for i := range q.Questions {
			q.Questions[i].Unanswered = len(answers[q.Questions[i].ID]) == 0
		}
		m.render(w, r, http.StatusUnprocessableEntity, views.TrainingQuizPage(m.pageFor(r, "Quiz: "+mod.Title), q))
		return
	}
	_, err = rpc.Do(r.Context(), m.nc, trainingapi.OpAttempt, v.caller(), events.AttemptRequest{Module: id, Answers: answers})
	var e *events.Error
	if errors.As(err, &e) && (e.Code == events.CodeInvalid || e.Code == events.CodeConflict) {
		prog, perr := rpc.Do(r.Context(), m.nc, trainingapi.OpProgress, v.caller(), events.ModuleRequest{ID: id})
		if perr != nil {
			m.fail(w, r, perr)
			return
		}
		q := quizView(mod, prog, answers)
		q.Error = e.Message
		m.render(w, r, status(e), views.TrainingQuizPage(m.pageFor(r, "Quiz: "+mod.Title), q))
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/training/modules/"+url.PathEscape(id)+"/result", http.StatusSeeOther)
}

func (m *Main) resultPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	_, mod, prog, err := m.moduleView(r, v, r.PathValue("id"), "")
	if err != nil {
		m.fail(w, r, err)
		return
	}
	if prog.Last == nil {
		m.fail(w, r, events.Errorf(events.CodeNotFound, "You have not taken this quiz yet."))
		return
	}
	last := prog.Last
	res := views.TrainingResult{Module: mod.ID, Title: mod.Title, Score: last.Score, PassMark: last.PassMark, Passed: last.Passed,
		Attempt: last.Attempt, AttemptsLeft: last.AttemptsLeft}
	for _, q := range mod.Quiz.Questions {
		rq := views.TrainingResultQuestion{Text: q.Text, Correct: last.Correct[q.ID], Explanation: last.Explanations[q.ID]}
		for _, c := range q.Choices {
			if slices.Contains(last.Answers[q.ID], c.ID) {
				rq.Chosen = append(rq.Chosen, "“"+c.Text+"”")
			}
		}
		if len(rq.Chosen) == 0 {
			rq.Chosen = []string{"(not answered)"}
		}
		res.Questions = append(res.Questions, rq)
	}
	m.render(w, r, http.StatusOK, views.TrainingResultPage(m.pageFor(r, "Result: "+mod.Title), res))
}

// renderTeam renders the team training page for team ("" = the viewer's own).
func (m *Main) renderTeam(w http.ResponseWriter, r *http.Request, v *viewer, code int, team string, form views.TrainingAssignForm, notice string) {
	pg, err := listPage(r)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	reply, err := rpc.Do(r.Context(), m.nc, trainingapi.OpTeamTraining, v.caller(), events.TeamRequest{Page: pg, Team: team})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	mods, err := rpc.Do(r.Context(), m.nc, trainingapi.OpModulesList, v.caller(), events.ModuleRequest{})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	// The assign form offers the people of the team shown (HR picks the team first).
	people, err := rpc.Do(r.Context(), m.nc, identityapi.OpPeopleList, v.caller(),
		events.PeopleRequest{Page: events.Page{Limit: events.MaxPageRows}, Team: reply.Team, Active: true})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	page := views.TrainingTeam{Team: reply.Team, Self: "/training/team?team=" + url.QueryEscape(reply.Team), Form: form, Assigned: notice,
		Query: pg.Query, Pager: pagerFor(r, reply.PageInfo, len(reply.Items))}
	if r.Method == http.MethodGet {
		page.Self = selfURL(r)
	}
	if form.Team == "" && form.Person == "" && form.Track == "" && form.Module == "" {
		page.Form.Due = ""
	}
	for _, row := range reply.Items {
		it := trainingItem(row.LearnerItem)
		it.Person, it.Name, it.Team, it.Track = row.Person, row.Name, row.Team, row.Track
		it.CanGrant = row.CanGrant
		page.Rows = append(page.Rows, it)
	}
	for _, mod := range mods.Items {
		page.Modules = append(page.Modules, views.Option{Value: mod.ID, Label: mod.Title})
	}
	for _, p := range people.Items {
		page.People = append(page.People, views.Option{Value: p.ID, Label: p.Name + " (" + p.Team + ")"})
	}
	if v.May(identityapi.EveryTeam) {
		page.Tracks = m.names(r.Context()).trackOptions()
		if page.Teams, err = m.teamOptions(r, v); err != nil {
			m.fail(w, r, err)
			return
		}
	}
	m.render(w, r, code, views.TrainingTeamPage(m.pageFor(r, "Team training"), page))
}

func (m *Main) teamTraining(w http.ResponseWriter, r *http.Request, v *viewer) {
	m.renderTeam(w, r, v, http.StatusOK, r.URL.Query().Get("team"), views.TrainingAssignForm{}, "")
}

func (m *Main) assignForm(w http.ResponseWriter, r *http.Request, v *viewer) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	form := views.TrainingAssignForm{Module: r.PostFormValue("module"), Person: r.PostFormValue("person"),
		Team: strings.TrimSpace(r.PostFormValue("team")), Track: r.PostFormValue("track"), Due: r.PostFormValue("due")}
	teamPage := r.PostFormValue("team_page")
	a, err := rpc.Do(r.Context(), m.nc, trainingapi.OpAssign, v.caller(), events.AssignRequest{
		Module: form.Module, Person: form.Person, Team: form.Team, Track: form.Track, Due: form.Due})
	var e *events.Error
	if errors.As(err, &e) && (e.Code == events.CodeInvalid || e.Code == events.CodeForbidden) {
		form.Fields, form.Error = e.Fields, e.Message
		m.renderTeam(w, r, v, status(e), teamPage, form, "")
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	notice := fmt.Sprintf("Assigned to %d %s, due %s.", a.People, plural(a.People, "person", "people"), a.Due)
	m.renderTeam(w, r, v, http.StatusCreated, teamPage, views.TrainingAssignForm{}, notice)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func (m *Main) grantForm(w http.ResponseWriter, r *http.Request, v *viewer) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	team := r.PostFormValue("team")
	_, err := rpc.Do(r.Context(), m.nc, trainingapi.OpGrant, v.caller(), events.GrantRequest{Person: r.PostFormValue("person"), Module: r.PostFormValue("module")})
	var e *events.Error
	if errors.As(err, &e) && e.Code == events.CodeConflict {
		m.renderTeam(w, r, v, http.StatusConflict, team, views.TrainingAssignForm{}, "")
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/training/team?team="+url.QueryEscape(team), http.StatusSeeOther)
}

func (m *Main) trainingReport(w http.ResponseWriter, r *http.Request, v *viewer) {
	req, err := reportRequest(r)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	rep, err := rpc.Do(r.Context(), m.nc, trainingapi.OpReport, v.caller(), req)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	mods, err := rpc.Do(r.Context(), m.nc, trainingapi.OpModulesList, v.caller(), events.ModuleRequest{})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	teams, err := m.teamOptions(r, v)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	csvQuery := r.URL.Query()
	csvQuery.Del("cursor")
	csvQuery.Del("limit")
	page := views.TrainingReport{Module: req.Module, Team: req.Team, Track: req.Track, Status: req.Status, Tracks: m.names(r.Context()).trackOptions(),
		CSV: "/training/report.csv?" + csvQuery.Encode(), Teams: teams, Query: req.Query, Pager: pagerFor(r, rep.PageInfo, len(rep.Items))}
	page.Columns = sortColumns([]sortableColumn{
		{key: "name", title: "Person", sortable: true}, {key: "team", title: "Team", sortable: true},
		{key: "title", title: "Module", sortable: true}, {key: "due", title: "Due", sortable: true},
		{key: "status", title: "Status", sortable: true}, {key: "score", title: "Score", sortable: true},
	}, req.Sort, func(key string) string {
		u := r.URL.Query()
		u.Del("cursor")
		u.Set("sort", key)
		return "/training/report?" + u.Encode()
	})
	for _, mod := range mods.Items {
		page.Modules = append(page.Modules, views.Option{Value: mod.ID, Label: mod.Title})
	}
	for _, s := range []string{events.StatusAssigned, events.StatusInProgress, events.StatusPassed, events.StatusFailed, events.StatusOverdue} {
		page.Statuses = append(page.Statuses, views.Option{Value: s, Label: statusLabels[s]})
	}
	for _, c := range rep.Modules {
		page.ByModule = append(page.ByModule, views.TrainingCount(c))
	}
	for _, c := range rep.People {
		page.ByPerson = append(page.ByPerson, views.TrainingCount(c))
	}
	for _, row := range rep.Items {
		it := trainingItem(row.LearnerItem)
		it.Person, it.Name, it.Team, it.Track = row.Person, row.Name, row.Team, row.Track
		page.Rows = append(page.Rows, it)
	}
	m.render(w, r, http.StatusOK, views.TrainingReportPage(m.pageFor(r, "Training compliance"), page))
}

// trainingReportSpec is the compliance report's writer: one row per person and module.
var trainingReportSpec = reportSpec[events.TrainingRow]{name: "training-compliance", sheet: "Training compliance", columns: []column[events.TrainingRow]{
	{key: "person", title: "Person id", download: true, value: func(r events.TrainingRow) any { return r.Person }},
	{key: "name", title: "Name", width: 24, value: func(r events.TrainingRow) any { return r.Name }},
	{key: "team", title: "Team", value: func(r events.TrainingRow) any { return r.Team }},
	{key: "track", title: "Track", value: func(r events.TrainingRow) any { return r.Track }},
	{key: "module", title: "Module id", download: true, value: func(r events.TrainingRow) any { return r.Module }},
	{key: "title", title: "Module", width: 32, value: func(r events.TrainingRow) any { return r.Title }},
	{key: "assigned", title: "Assigned", kind: yesNoCell, value: func(r events.TrainingRow) any { return r.Assigned }},
	{key: "due", title: "Due", kind: dateCell, value: func(r events.TrainingRow) any {
		if r.Due == nil {
			return nil
		}
		return day(*r.Due)
	}},
	{key: "status", title: "Status", value: func(r events.TrainingRow) any { return r.Status }},
	{key: "score", title: "Score", kind: numberCell, value: func(r events.TrainingRow) any {
		if r.Score == nil {
			return nil
		}
		return *r.Score
	}},
	{key: "attempts", title: "Attempts", kind: numberCell, value: func(r events.TrainingRow) any { return r.Attempts }},
	{key: "attempts_left", title: "Attempts left", kind: numberCell, value: func(r events.TrainingRow) any { return r.AttemptsLeft }},
	{key: "lessons_read", title: "Lessons read", kind: numberCell, value: func(r events.TrainingRow) any { return r.LessonsRead }},
	{key: "lessons", title: "Lessons", kind: numberCell, value: func(r events.TrainingRow) any { return r.Lessons }},
}}

// trainingReportExport downloads the compliance report, with the page's filters, as
// format (csv or xlsx).
func (m *Main) trainingReportExport(format string) func(w http.ResponseWriter, r *http.Request, v *viewer) {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		req, err := reportRequest(r)
		if err != nil {
			m.fail(w, r, err)
			return
		}
		release, ok := m.startExport(w, r)
		if !ok {
			return
		}
		defer release()
		req.Limit = events.MaxPageRows
		writeReport(m, w, r, trainingReportSpec, format, func(ctx context.Context, cursor string) ([]events.TrainingRow, string, error) {
			req.Cursor = cursor
			rep, err := rpc.Do(r.Context(), m.nc, trainingapi.OpReport, v.caller(), req)
			if err != nil {
				return nil, "", err
			}
			return rep.Items, rep.Next, nil
		})
	}
}
