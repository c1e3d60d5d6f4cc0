package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
	"onramp.dev/events/mentorshipapi"
	"onramp.dev/events/onboardingapi"
	"onramp.dev/infra/rpc"
	"onramp.dev/views"
)

// Mentorship pages and API. Every call goes to the mentorship service with the viewer's
// token; the service decides what the viewer may see and do.

func (m *Main) mentorshipPages() []route {
	return []route{
		{"GET /mentorship", m.page(m.mentorshipHome)},
		{"GET /mentorship/profile", m.page(m.mentorProfilePage)},
		{"POST /mentorship/profile", m.page(m.mentorProfileSave)},
		{"GET /mentorship/find", m.page(m.findMentorPage)},
		{"POST /mentorship/propose", m.page(m.proposeForm)},
		{"GET /mentorship/pairs/{id}", m.page(m.mentorshipPairPage)},
		{"POST /mentorship/pairs/{id}/accept", m.page(m.mentorshipForm(events.OpMentorshipAccept))},
		{"POST /mentorship/pairs/{id}/decline", m.page(m.mentorshipForm(events.OpMentorshipDecline))},
		{"POST /mentorship/pairs/{id}/end", m.page(m.mentorshipForm(events.OpMentorshipEnd))},
		{"POST /mentorship/pairs/{id}/checkins", m.page(m.mentorshipForm(events.OpCheckinLog))},
		{"POST /mentorship/pairs/{id}/checkins/{checkin}", m.page(m.mentorshipForm(events.OpCheckinEdit))},
		{"POST /mentorship/pairs/{id}/feedback", m.page(m.mentorshipForm(events.OpFeedbackGive))},
		{"GET /mentorship/coverage", m.page(m.mentorCoveragePage)},
		{"GET /mentorship/coverage.csv", m.page(m.mentorCoverageExport("csv"))},
		{"GET /mentorship/coverage.xlsx", m.page(m.mentorCoverageExport("xlsx"))},
	}
}

func (m *Main) mentorshipAPI() []route {
	return []route{
		{"GET /api/v1/mentors", m.api(m.apiMentors)},
		{"POST /api/v1/mentors/{id}/nomination", m.api(m.apiNominate)},
		{"GET /api/v1/me/mentor-profile", m.api(m.apiMyMentorProfile)},
		{"PUT /api/v1/me/mentor-profile", m.api(m.apiPutMentorProfile)},
		{"GET /api/v1/mentorship/suggestions", m.api(m.apiSuggestions)},
		{"GET /api/v1/mentorship/coverage", m.api(m.apiMentorCoverage)},
		{"GET /api/v1/mentorships", m.api(m.apiMentorships)},
		{"POST /api/v1/mentorships", m.api(m.apiPropose)},
		{"GET /api/v1/mentorships/{id}", m.api(m.apiMentorship)},
		{"POST /api/v1/mentorships/{id}/accept", m.api(m.apiMentorshipStep(mentorshipapi.OpMentorshipAccept))},
		{"POST /api/v1/mentorships/{id}/decline", m.api(m.apiMentorshipStep(mentorshipapi.OpMentorshipDecline))},
		{"POST /api/v1/mentorships/{id}/end", m.api(m.apiMentorshipStep(mentorshipapi.OpMentorshipEnd))},
		{"POST /api/v1/mentorships/{id}/checkins", m.api(m.apiCheckin)},
		{"PATCH /api/v1/mentorships/{id}/checkins/{checkin}", m.api(m.apiCheckinEdit)},
		{"POST /api/v1/mentorships/{id}/feedback", m.api(m.apiFeedback)},
	}
}

// --- API ---

func (m *Main) apiMentors(w http.ResponseWriter, r *http.Request, v *viewer) {
	page, err := listPage(r)
	if err != nil {
		writeError(w, err)
		return
	}
	apiCall(m, w, r, v, mentorshipapi.OpMentorsList, events.MentorsRequest{Page: page}, http.StatusOK)
}

func (m *Main) apiMyMentorProfile(w http.ResponseWriter, r *http.Request, v *viewer) {
	apiCall(m, w, r, v, mentorshipapi.OpProfileGet, events.MentorProfileRequest{}, http.StatusOK)
}

type mentorProfileBody struct {
	State    string   `json:"state"`
	Skills   []string `json:"skills"`
	Capacity int      `json:"capacity"`
	Notes    string   `json:"notes"`
}

func (m *Main) apiPutMentorProfile(w http.ResponseWriter, r *http.Request, v *viewer) {
	var b mentorProfileBody
	if err := decode(w, r, &b); err != nil {
		writeError(w, err)
		return
	}
	apiCall(m, w, r, v, mentorshipapi.OpProfilePut, events.MentorProfileRequest{State: b.State, Skills: b.Skills, Capacity: b.Capacity, Notes: b.Notes},
		http.StatusOK)
}

func (m *Main) apiNominate(w http.ResponseWriter, r *http.Request, v *viewer) {
	var b struct {
		Note string `json:"note"`
	}
	if err := decodeOptional(w, r, &b); err != nil {
		writeError(w, err)
		return
	}
	apiCall(m, w, r, v, mentorshipapi.OpProfileNominate, events.NominateRequest{Person: r.PathValue("id"), Note: b.Note}, http.StatusOK)
}

func (m *Main) apiSuggestions(w http.ResponseWriter, r *http.Request, v *viewer) {
	apiCall(m, w, r, v, mentorshipapi.OpSuggestions, events.SuggestionsRequest{Hire: r.URL.Query().Get("hire")}, http.StatusOK)
}

func (m *Main) apiMentorCoverage(w http.ResponseWriter, r *http.Request, v *viewer) {
	page, err := listPage(r)
	if err != nil {
		writeError(w, err)
		return
	}
	apiCall(m, w, r, v, mentorshipapi.OpMentorCoverage, events.CoverageRequest{Page: page, List: r.URL.Query().Get("list")}, http.StatusOK)
}

func (m *Main) apiMentorships(w http.ResponseWriter, r *http.Request, v *viewer) {
	q := r.URL.Query()
	page, err := listPage(r)
	if err != nil {
		writeError(w, err)
		return
	}
	apiCall(m, w, r, v, mentorshipapi.OpMentorshipList, events.MentorshipsRequest{Page: page, Hire: q.Get("hire"), State: q.Get("state")}, http.StatusOK)
}

func (m *Main) apiMentorship(w http.ResponseWriter, r *http.Request, v *viewer) {
	apiCall(m, w, r, v, mentorshipapi.OpMentorshipGet, events.MentorshipRequest{ID: r.PathValue("id")}, http.StatusOK)
}

func (m *Main) apiPropose(w http.ResponseWriter, r *http.Request, v *viewer) {
	var b events.ProposeRequest
	if err := decode(w, r, &b); err != nil {
		writeError(w, err)
		return
	}
	out, err := rpc.Do(r.Context(), m.nc, mentorshipapi.OpMentorshipPropose, v.caller(), b)
	if err != nil {
		m.logFailure(r, err)
		writeError(w, err)
		return
	}
	w.Header().Set("Location", "/api/v1/mentorships/"+out.ID)
	writeJSON(w, http.StatusCreated, out)
}

// pairSteps are the operations that move a mentorship on: accept, decline, end.
var pairSteps = map[string]events.Op[events.MentorshipRequest, events.MentorshipView]{
	events.OpMentorshipAccept:  mentorshipapi.OpMentorshipAccept,
	events.OpMentorshipDecline: mentorshipapi.OpMentorshipDecline,
	events.OpMentorshipEnd:     mentorshipapi.OpMentorshipEnd,
}

func (m *Main) apiMentorshipStep(op events.Op[events.MentorshipRequest, events.MentorshipView]) func(w http.ResponseWriter, r *http.Request, v *viewer) {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		var b struct {
			Reason string `json:"reason"`
		}
		if err := decodeOptional(w, r, &b); err != nil {
			writeError(w, err)
			return
		}
		apiCall(m, w, r, v, op, events.MentorshipRequest{ID: r.PathValue("id"), Reason: b.Reason}, http.StatusOK)
	}
}

type checkinBody struct {
	Date      string   `json:"date"`
	Notes     string   `json:"notes"`
	NextSteps string   `json:"next_steps"`
	Skills    []string `json:"skills"`
}

func (m *Main) apiCheckin(w http.ResponseWriter, r *http.Request, v *viewer) {
	var b checkinBody
	if err := decode(w, r, &b); err != nil {
		writeError(w, err)
		return
	}
	apiCall(m, w, r, v, mentorshipapi.OpCheckinLog, events.CheckinRequest{ID: r.PathValue("id"), Date: b.Date, Notes: b.Notes, NextSteps: b.NextSteps, Skills: b.Skills},
		http.StatusCreated)
}

// apiCheckinEdit changes a check-in; mentorship decides who may (its author, for a day).
func (m *Main) apiCheckinEdit(w http.ResponseWriter, r *http.Request, v *viewer) {
	var b checkinBody
	if err := decode(w, r, &b); err != nil {
		writeError(w, err)
		return
	}
	apiCall(m, w, r, v, mentorshipapi.OpCheckinEdit, events.CheckinRequest{ID: r.PathValue("id"), Checkin: r.PathValue("checkin"), Date: b.Date,
		Notes: b.Notes, NextSteps: b.NextSteps, Skills: b.Skills}, http.StatusOK)
}

func (m *Main) apiFeedback(w http.ResponseWriter, r *http.Request, v *viewer) {
	var b struct {
		Rating int    `json:"rating"`
		Text   string `json:"text"`
	}
	if err := decode(w, r, &b); err != nil {
		writeError(w, err)
		return
	}
	apiCall(m, w, r, v, mentorshipapi.OpFeedbackGive, events.FeedbackRequest{ID: r.PathValue("id"), Rating: b.Rating, Text: b.Text}, http.StatusCreated)
}

// --- pages ---

func mentorshipCard(x events.MentorshipView, skillName func(string) string) views.MentorshipCard {
	c := views.MentorshipCard{ID: x.ID, HireID: x.Hire, HireName: x.HireName, MentorID: x.Mentor, MentorName: x.MentorName, State: x.State,
		PlanHref: "/onboarding/plans/" + url.PathEscape(events.PlanID(x.Hire)), Reasons: x.Reasons, Reason: x.Reason, Override: x.Override,
		EndReason: x.EndReason, DeclineReason: x.DeclineReason, Score: x.Score, CanRespond: x.CanRespond, CanCheckin: x.CanCheckin,
		CanEnd: x.CanEnd, CanFeedback: x.CanFeedback}
	if t, err := time.Parse(time.RFC3339, x.Proposed); err == nil {
		c.Proposed = events.Date(t)
	}
	for _, g := range x.Gaps {
		c.Gaps = append(c.Gaps, views.MentorGap{Name: g.Name, Level: g.Level, Target: g.Target})
	}
	for _, ch := range x.Checkins {
		c.Checkins = append(c.Checkins, views.MentorCheckin{ID: ch.ID, Date: ch.Date, Notes: ch.Notes, NextSteps: ch.NextSteps, By: ch.ByName, ByID: ch.By,
			Skills: strings.Join(mapped(ch.Skills, skillName), ", "), SkillIDs: ch.Skills, Upcoming: ch.Upcoming, Edited: ch.Edited, CanEdit: ch.CanEdit})
	}
	for _, f := range x.Feedback {
		c.Feedback = append(c.Feedback, fmt.Sprintf("%s: %d/5 %s", f.FromName, f.Rating, f.Text))
	}
	return c
}

func (m *Main) mentorshipHome(w http.ResponseWriter, r *http.Request, v *viewer) {
	// The viewer's own mentorships (as hire or mentor): a handful, whatever HR may see.
	list, err := rpc.Do(r.Context(), m.nc, mentorshipapi.OpMentorshipList, v.caller(), events.MentorshipsRequest{Page: events.Page{Limit: events.MaxPageRows}, Involving: v.ID})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	prof, err := rpc.Do(r.Context(), m.nc, mentorshipapi.OpProfileGet, v.caller(), events.MentorProfileRequest{})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	h := views.MentorshipHome{ProfileState: prof.State, NominatedBy: prof.NominatedBy, CanFind: v.May(identityapi.FindMentor),
		CanCoverage: v.May(identityapi.MentorCoverage)}
	var names func(string) string // the catalogue is fetched once, if a check-in names skills
	skillName := func(id string) string {
		if names == nil {
			names = optionNamer(m.skillOptions(r.Context(), v))
		}
		return names(id)
	}
	for _, x := range list.Items {
		open := x.State == events.PairProposed || x.State == events.PairActive
		switch {
		case x.Hire == v.ID && (open || h.Mine == nil):
			c := mentorshipCard(x, skillName)
			c.PlanHref = "/onboarding"
			if h.Mine == nil || open {
				h.Mine = &c
			}
		case x.Mentor == v.ID && x.State == events.PairProposed:
			h.Invitations = append(h.Invitations, mentorshipCard(x, skillName))
		case x.Mentor == v.ID && x.State == events.PairActive:
			c := mentorshipCard(x, skillName)
			// The onboarding service lets an active mentor see the plan: sum it up here.
			plan, err := rpc.Do(r.Context(), m.nc, onboardingapi.OpPlanGet, v.caller(), events.PlanRequest{ID: "plan-" + x.Hire})
			if err == nil {
				c.Progress = fmt.Sprintf("Onboarding: %d of %d tasks done (%s)", plan.Progress.Done, plan.Progress.Total, strings.ToLower(stateName(plan.State)))
				if plan.Overdue > 0 {
					c.Progress += fmt.Sprintf(", %d overdue", plan.Overdue)
				}
			}
			h.Mentees = append(h.Mentees, c)
		}
	}
	m.render(w, r, http.StatusOK, views.MentorshipHomePage(m.pageFor(r, "Mentorship"), h))
}

func (m *Main) mentorProfilePage(w http.ResponseWriter, r *http.Request, v *viewer) {
	m.renderMentorProfile(w, r, v, http.StatusOK, nil, false)
}

// renderMentorProfile shows the profile form; failed carries a refused save's input.
func (m *Main) renderMentorProfile(w http.ResponseWriter, r *http.Request, v *viewer, code int, failed *views.MentorProfileForm, saved bool) {
	prof, err := rpc.Do(r.Context(), m.nc, mentorshipapi.OpProfileGet, v.caller(), events.MentorProfileRequest{})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	form := views.MentorProfileForm{State: prof.State, Notes: prof.Notes, Load: prof.Load, Capacity: "2", Saved: saved}
	if prof.Capacity > 0 {
		form.Capacity = strconv.Itoa(prof.Capacity)
	}
	offered := map[string]bool{}
	for _, s := range prof.Skills {
		offered[s.Skill] = true
	}
	if failed != nil {
		form.State, form.Capacity, form.Notes, form.Fields, form.Error = failed.State, failed.Capacity, failed.Notes, failed.Fields, failed.Error
		offered = map[string]bool{}
		for _, s := range failed.Skills {
			offered[s.ID] = true
		}
	}
	for _, s := range prof.Eligible {
		form.Skills = append(form.Skills, views.MentorSkillRow{ID: s.Skill, Name: s.Name, Level: s.Level, Source: s.Source, Offered: offered[s.Skill]})
	}
	m.render(w, r, code, views.MentorProfilePage(m.pageFor(r, "Mentor profile"), form))
}

func (m *Main) mentorProfileSave(w http.ResponseWriter, r *http.Request, v *viewer) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		m.fail(w, r, events.Errorf(events.CodeBadRequest, "malformed form"))
		return
	}
	form := views.MentorProfileForm{State: r.PostFormValue("state"), Capacity: r.PostFormValue("capacity"), Notes: r.PostFormValue("notes")}
	req := events.MentorProfileRequest{State: form.State, Skills: r.PostForm["skills"], Notes: form.Notes}
	for _, s := range req.Skills {
		form.Skills = append(form.Skills, views.MentorSkillRow{ID: s})
	}
	capacity, err := strconv.Atoi(strings.TrimSpace(form.Capacity))
	if err != nil {
		capacity = 0 // the service explains the range
	}
	req.Capacity = capacity
	_, err = rpc.Do(r.Context(), m.nc, mentorshipapi.OpProfilePut, v.caller(), req)
	var e *events.Error
	if errors.As(err, &e) && e.Code == events.CodeInvalid {
		form.Fields, form.Error = e.Fields, e.Message
		m.renderMentorProfile(w, r, v, http.StatusUnprocessableEntity, &form, false)
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.renderMentorProfile(w, r, v, http.StatusOK, nil, true)
}

func (m *Main) findMentorPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	m.renderFindMentor(w, r, v, http.StatusOK, r.URL.Query().Get("hire"), "", "")
}

func (m *Main) renderFindMentor(w http.ResponseWriter, r *http.Request, v *viewer, code int, hire, problem, reason string) {
	if !v.May(identityapi.FindMentor) {
		m.fail(w, r, events.Errorf(events.CodeForbidden, "find a mentor is for leads and HR"))
		return
	}
	// The picker offers the first hires without an active mentor (and the one chosen).
	cov, err := rpc.Do(r.Context(), m.nc, mentorshipapi.OpMentorCoverage, v.caller(), events.CoverageRequest{Page: events.Page{Limit: events.MaxLimit}})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	page := views.FindMentor{Hire: hire, Error: problem, Reason: reason}
	for _, h := range cov.Hires {
		label := h.Name + " (" + h.Team + ")"
		if h.State != "none" {
			label += " — " + h.State + " with " + h.MentorName
		}
		page.Hires = append(page.Hires, views.Option{Value: h.Hire, Label: label})
	}
	if hire == "" {
		for _, h := range cov.Hires { // the first hire without a mentor
			if h.State == "none" {
				page.Hire = h.Hire
				break
			}
		}
	}
	if page.Hire != "" {
		s, err := rpc.Do(r.Context(), m.nc, mentorshipapi.OpSuggestions, v.caller(), events.SuggestionsRequest{Hire: page.Hire})
		if err != nil {
			m.fail(w, r, err)
			return
		}
		page.HireName, page.Current = s.HireName, s.Current
		for _, g := range s.Gaps {
			page.Gaps = append(page.Gaps, views.MentorGap{Name: g.Name, Level: g.Level, Target: g.Target})
		}
		for _, x := range s.Items {
			page.Suggestions = append(page.Suggestions, views.MentorSuggestion{ID: x.Mentor, Name: x.Name, Score: x.Score, Reasons: x.Reasons,
				Capacity: x.Capacity, Load: x.Load, AtCapacity: x.AtCapacity, CanPropose: x.CanPropose})
		}
	}
	m.render(w, r, code, views.FindMentorPage(m.pageFor(r, "Find a mentor"), page))
}

func (m *Main) proposeForm(w http.ResponseWriter, r *http.Request, v *viewer) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	req := events.ProposeRequest{Hire: r.PostFormValue("hire"), Mentor: r.PostFormValue("mentor"), Reason: r.PostFormValue("reason")}
	out, err := rpc.Do(r.Context(), m.nc, mentorshipapi.OpMentorshipPropose, v.caller(), req)
	var e *events.Error
	if errors.As(err, &e) && (e.Code == events.CodeInvalid || e.Code == events.CodeConflict) {
		msg := e.Message
		for _, f := range e.Fields {
			msg += " " + f
		}
		m.renderFindMentor(w, r, v, status(e), req.Hire, msg, req.Reason)
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/mentorship/pairs/"+url.PathEscape(out.ID), http.StatusSeeOther)
}

func (m *Main) mentorshipPairPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	m.renderMentorshipPair(w, r, v, http.StatusOK, "", nil, "")
}

// renderMentorshipPair shows a mentorship; fields are the messages of the log form, or of
// check-in editing's edit form when it is set.
func (m *Main) renderMentorshipPair(w http.ResponseWriter, r *http.Request, v *viewer, code int, problem string, fields map[string]string, editing string) {
	x, err := rpc.Do(r.Context(), m.nc, mentorshipapi.OpMentorshipGet, v.caller(), events.MentorshipRequest{ID: r.PathValue("id")})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	skills := m.skillOptions(r.Context(), v)
	page := views.MentorshipPage{Card: mentorshipCard(x, optionNamer(skills)), Error: problem, Fields: fields, Today: time.Now().Format(events.DateLayout), Editing: editing}
	if x.Hire == v.ID {
		page.Card.PlanHref = "/onboarding"
	}
	page.Skills = skills
	m.render(w, r, code, views.MentorshipPairPage(m.pageFor(r, "Mentorship"), page))
}

// mentorshipForm handles the forms on a mentorship's page: success goes back to the page
// (PRG); a refusal the user can fix re-renders it with the message.
func (m *Main) mentorshipForm(op string) func(w http.ResponseWriter, r *http.Request, v *viewer) {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
		if err := r.ParseForm(); err != nil {
			m.fail(w, r, events.Errorf(events.CodeBadRequest, "malformed form"))
			return
		}
		id := r.PathValue("id")
		if op == events.OpMentorshipEnd && !m.confirmEnd(w, r, v, id) {
			return
		}
		var out events.MentorshipView
		var err error
		switch op {
		case events.OpCheckinLog, events.OpCheckinEdit:
			checkin := mentorshipapi.OpCheckinLog
			if op == events.OpCheckinEdit {
				checkin = mentorshipapi.OpCheckinEdit
			}
			out, err = rpc.Do(r.Context(), m.nc, checkin, v.caller(), events.CheckinRequest{ID: id, Checkin: r.PathValue("checkin"), Date: r.PostFormValue("date"),
				Notes: r.PostFormValue("notes"), NextSteps: r.PostFormValue("next_steps"), Skills: r.PostForm["skills"]})
		case events.OpFeedbackGive:
			rating, _ := strconv.Atoi(r.PostFormValue("rating"))
			out, err = rpc.Do(r.Context(), m.nc, mentorshipapi.OpFeedbackGive, v.caller(), events.FeedbackRequest{ID: id, Rating: rating, Text: r.PostFormValue("text")})
		default:
			out, err = rpc.Do(r.Context(), m.nc, pairSteps[op], v.caller(), events.MentorshipRequest{ID: id, Reason: r.PostFormValue("reason")})
		}
		var e *events.Error
		if errors.As(err, &e) && (e.Code == events.CodeInvalid || e.Code == events.CodeConflict) {
			m.renderMentorshipPair(w, r, v, status(e), e.Message, e.Fields, r.PathValue("checkin"))
			return
		}
		if err != nil {
			m.fail(w, r, err)
			return
		}
		target := "/mentorship/pairs/" + url.PathEscape(id)
		if op == events.OpMentorshipDecline {
			target = "/mentorship"
		}
		setFlash(w, map[string]string{
			events.OpMentorshipAccept:  "You are now " + out.HireName + "’s mentor.",
			events.OpMentorshipDecline: "You declined to mentor " + out.HireName + ".",
			events.OpMentorshipEnd:     "The mentorship of " + out.HireName + " with " + out.MentorName + " has ended.",
			events.OpCheckinLog:        "Check-in logged.",
			events.OpCheckinEdit:       "Check-in changed.",
			events.OpFeedbackGive:      "Thank you for your feedback.",
		}[op])
		http.Redirect(w, r, target, http.StatusSeeOther)
	}
}

// confirmEnd asks before a mentorship ends (see confirmed).
func (m *Main) confirmEnd(w http.ResponseWriter, r *http.Request, v *viewer, id string) bool {
	if r.PostFormValue("confirm") == "1" {
		return true
	}
	x, err := rpc.Do(r.Context(), m.nc, mentorshipapi.OpMentorshipGet, v.caller(), events.MentorshipRequest{ID: id})
	if err != nil {
		m.fail(w, r, err)
		return false
	}
	return m.confirmed(w, r, views.Confirm{
		Title:    "End the mentorship?",
		Question: "End the mentorship of " + x.HireName + " with " + x.MentorName + "? Check-ins stop; both can then leave feedback.",
		Detail:   "An ended mentorship cannot be reopened; the hire's lead or HR can propose a new one.",
		Button:   "End mentorship", Cancel: "/mentorship/pairs/" + url.PathEscape(id),
	})
}

// coverageList fetches one page of a coverage list.
func (m *Main) coverageList(r *http.Request, v *viewer, list string, page events.Page) (events.CoverageReply, error) {
	cov, err := rpc.Do(r.Context(), m.nc, mentorshipapi.OpMentorCoverage, v.caller(), events.CoverageRequest{Page: page, List: list})
	return cov, err
}

// mentorCoveragePage shows HR three lists, each paged on its own (?without=, ?with=,
// ?mentors= are their cursors).
func (m *Main) mentorCoveragePage(w http.ResponseWriter, r *http.Request, v *viewer) {
	if !v.May(identityapi.MentorCoverage) {
		m.fail(w, r, events.Errorf(events.CodeForbidden, "coverage is for HR"))
		return
	}
	base, err := listPage(r)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	var page views.MentorCoverage
	page.Query = base.Query
	nm := m.names(r.Context())
	for _, list := range []string{events.CoverageWithout, events.CoverageWith, events.CoverageMentors} {
		pg := base
		pg.Cursor = r.URL.Query().Get(list)
		cov, err := m.coverageList(r, v, list, pg)
		if err != nil {
			m.fail(w, r, err)
			return
		}
		pager := pagerAt(r, list, cov.PageInfo, max(len(cov.Hires), len(cov.Mentors)))
		page.WithoutTotal, page.WithTotal = cov.Without, cov.With
		for _, h := range cov.Hires {
			row := views.CoverageHireRow{ID: h.Hire, Name: h.Name, Team: h.Team, Track: nm.track(h.Track), StartDate: h.StartDate, Mentor: h.MentorName, State: h.State}
			if list == events.CoverageWith {
				row.Href = "/mentorship/pairs/" + url.PathEscape(h.Mentorship)
				page.With = append(page.With, row)
			} else {
				page.Without = append(page.Without, row)
			}
		}
		for _, x := range cov.Mentors {
			page.Mentors = append(page.Mentors, views.CoverageMentorRow{ID: x.Mentor, Name: x.Name, Team: x.Team, State: x.State, Active: x.Active, Proposed: x.Proposed,
				Capacity: x.Capacity, Full: x.Capacity > 0 && x.Active+x.Proposed >= x.Capacity})
		}
		switch list {
		case events.CoverageWithout:
			page.WithoutPager = pager
		case events.CoverageWith:
			page.WithPager = pager
		default:
			page.MentorsPager = pager
		}
	}
	m.render(w, r, http.StatusOK, views.MentorCoveragePage(m.pageFor(r, "Mentor coverage"), page))
}

// coverageRow is a row of the mentor coverage export: a hire or a mentor.
type coverageRow struct {
	hire   *events.CoverageHire
	mentor *events.CoverageMentor
}

// hireOrMentor reads a text cell from whichever the row holds.
func hireOrMentor(h func(*events.CoverageHire) any, mt func(*events.CoverageMentor) any) func(coverageRow) any {
	return func(r coverageRow) any {
		if r.hire != nil {
			return h(r.hire)
		}
		if mt == nil {
			return nil
		}
		return mt(r.mentor)
	}
}

func mentorOnly(f func(*events.CoverageMentor) any) func(coverageRow) any {
	return func(r coverageRow) any {
		if r.mentor == nil {
			return nil
		}
		return f(r.mentor)
	}
}

// mentorCoverageSpec is the coverage export's writer: hires with their mentorship state,
// then mentors with their load against capacity.
var mentorCoverageSpec = reportSpec[coverageRow]{name: "mentor-coverage", sheet: "Mentor coverage", columns: []column[coverageRow]{
	{key: "kind", title: "Kind", value: hireOrMentor(func(*events.CoverageHire) any { return "hire" }, func(*events.CoverageMentor) any { return "mentor" })},
	{key: "id", title: "Id", download: true, value: hireOrMentor(func(h *events.CoverageHire) any { return h.Hire }, func(x *events.CoverageMentor) any { return x.Mentor })},
	{key: "name", title: "Name", width: 24, value: hireOrMentor(func(h *events.CoverageHire) any { return h.Name }, func(x *events.CoverageMentor) any { return x.Name })},
	{key: "team", title: "Team", value: hireOrMentor(func(h *events.CoverageHire) any { return h.Team }, func(x *events.CoverageMentor) any { return x.Team })},
	{key: "track", title: "Track", value: hireOrMentor(func(h *events.CoverageHire) any { return h.Track }, nil)},
	{key: "start_date", title: "Start date", kind: dateCell, value: hireOrMentor(func(h *events.CoverageHire) any { return day(h.StartDate) }, nil)},
	{key: "mentorship_state", title: "State", value: hireOrMentor(func(h *events.CoverageHire) any { return h.State }, func(x *events.CoverageMentor) any { return x.State })},
	{key: "mentor", title: "Mentor", width: 24, value: hireOrMentor(func(h *events.CoverageHire) any { return h.MentorName }, nil)},
	{key: "active", title: "Active mentorships", kind: numberCell, value: mentorOnly(func(x *events.CoverageMentor) any { return x.Active })},
	{key: "proposed", title: "Proposed mentorships", kind: numberCell, value: mentorOnly(func(x *events.CoverageMentor) any { return x.Proposed })},
	{key: "capacity", title: "Capacity", kind: numberCell, value: mentorOnly(func(x *events.CoverageMentor) any { return x.Capacity })},
}}

// mentorCoverageExport downloads hires with their mentorship state (without a mentor,
// then with one), then mentors with their load against capacity, list by list and page
// by page, as format (csv or xlsx).
func (m *Main) mentorCoverageExport(format string) func(w http.ResponseWriter, r *http.Request, v *viewer) {
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		if !v.May(identityapi.MentorCoverage) {
			m.fail(w, r, events.Errorf(events.CodeForbidden, "coverage is for HR"))
			return
		}
		release, ok := m.startExport(w, r)
		if !ok {
			return
		}
		defer release()
		lists := []string{events.CoverageWithout, events.CoverageWith, events.CoverageMentors}
		// The export's cursor is "<list index> <the list's cursor>".
		writeReport(m, w, r, mentorCoverageSpec, format, func(ctx context.Context, cursor string) ([]coverageRow, string, error) {
			at, inner, _ := strings.Cut(cursor, " ")
			i, _ := strconv.Atoi(at)
			cov, err := m.coverageList(r.WithContext(ctx), v, lists[i], events.Page{Limit: events.MaxPageRows, Cursor: inner})
			if err != nil {
				return nil, "", err
			}
			rows := make([]coverageRow, 0, len(cov.Hires)+len(cov.Mentors))
			for j := range cov.Hires {
				rows = append(rows, coverageRow{hire: &cov.Hires[j]})
			}
			for j := range cov.Mentors {
				rows = append(rows, coverageRow{mentor: &cov.Mentors[j]})
			}
			switch {
			case cov.Next != "":
				return rows, strconv.Itoa(i) + " " + cov.Next, nil
			case i+1 < len(lists):
				return rows, strconv.Itoa(i+1) + " ", nil
			}
			return rows, "", nil
		})
	}
}
