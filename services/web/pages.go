package web

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/a-h/templ"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
	"onramp.dev/events/onboardingapi"
	"onramp.dev/infra/rpc"
	"onramp.dev/views"
)

// render writes a component with a status; it renders to a buffer first so a failure
// mid-way never sends half a page. Rendering is local work: a request deadline that
// passed while a service was busy must not turn the answer into an internal error.
func (m *Main) render(w http.ResponseWriter, r *http.Request, status int, c templ.Component) {
	var buf bytes.Buffer
	ctx := withDateFormat(context.WithoutCancel(r.Context()), dateFormatOf(r))
	// Names are rendered between markers, then linked where identity lets the viewer open
	// them (one question for the whole page).
	if err := c.Render(views.MarkNames(ctx), &buf); err != nil {
		m.log.Error("render failed", "path", r.URL.Path, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if status < 300 {
		clearFlash(w, r)
	}
	w.WriteHeader(status)
	page := views.LinkNames(buf.Bytes(), func(ids []string) []string { return m.visible(ctx, viewerFrom(r.Context()), ids) })
	_, _ = w.Write(withFormKeys(page))
}

// visible are those of ids whose profile v may open, as identity answers: none when no one
// is signed in or identity cannot say (the names then stay plain text).
func (m *Main) visible(ctx context.Context, v *viewer, ids []string) []string {
	if v == nil {
		return nil
	}
	var open []string
	for chunk := range slices.Chunk(ids, events.MaxVisibleIDs) {
		reply, err := rpc.Do(ctx, m.nc, identityapi.OpPeopleVisible, v.caller(), events.PeopleIDs{IDs: chunk})
		if err != nil {
			m.log.WarnContext(ctx, "names without links", "err", err)
			return open
		}
		open = append(open, reply.IDs...)
	}
	return open
}

func (m *Main) pageFor(r *http.Request, title string) views.Page {
	p := views.Page{Title: title, Path: r.URL.Path, Flash: flashOf(r)}
	if v := viewerFrom(r.Context()); v != nil {
		p.User = &views.User{ID: v.ID, Name: v.Name, Email: v.Email, Opens: v.Opens}
	}
	return p
}

// --- sign in and out ---

func (m *Main) loginPage(w http.ResponseWriter, r *http.Request) {
	if v, err := m.authenticate(w, r); err == nil && v != nil {
		http.Redirect(w, r, safeNext(r.URL.Query().Get("next")), http.StatusSeeOther)
		return
	}
	m.render(w, r, http.StatusOK, views.LoginPage(views.Page{Title: "Sign in"}, views.LoginForm{Next: safeNext(r.URL.Query().Get("next"))}))
}

func (m *Main) login(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	form := views.LoginForm{Email: r.PostFormValue("email"), Next: safeNext(r.PostFormValue("next"))}
	login := events.LoginRequest{Email: form.Email, Password: r.PostFormValue("password"), Client: clientAddr(r), Browser: true}
	if c, err := r.Cookie(cookieRefresh); err == nil {
		login.Refresh = c.Value // a device this account used before
	}
	tok, err := rpc.Do(r.Context(), m.nc, identityapi.OpLogin, rpc.Caller{}, login)
	if err != nil {
		e := publicError(err)
		switch e.Code {
		case events.CodeUnauthorized:
			form.Error = "Wrong e-mail address or password."
		case events.CodeTooMany:
			form.Error = "Too many failed attempts. Wait a moment, then try again."
		case events.CodeUnavailable:
			form.Error = "Sign-in is busy right now. Wait a moment, then try again."
		default:
			m.fail(w, r, err)
			return
		}
		setRetryAfter(w, e)
		m.render(w, r, status(e), views.LoginPage(views.Page{Title: "Sign in"}, form))
		return
	}
	setCookie(w, cookieAccess, tok.Token, sessionExpiry())
	setCookie(w, cookieRefresh, tok.Refresh, sessionExpiry())
	// The person's date format follows them to this browser (notify keeps it).
	if s, err := rpc.Call[events.NotifySettings](r.Context(), m.nc, events.RPC(events.NotifyService, events.OpNotifySettings), rpc.Caller{Token: tok.Token}, nil); err == nil {
		setDateFormat(w, r, s.DateFormat)
	}
	http.Redirect(w, r, form.Next, http.StatusSeeOther)
}

func (m *Main) logout(w http.ResponseWriter, r *http.Request) {
	var caller rpc.Caller
	if c, err := r.Cookie(cookieAccess); err == nil {
		caller.Token = c.Value
	}
	if tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		caller.Token = tok
	}
	var refresh string
	if c, err := r.Cookie(cookieRefresh); err == nil {
		refresh = c.Value
	}
	if _, err := rpc.Do(r.Context(), m.nc, identityapi.OpLogout, caller, events.RefreshRequest{Refresh: refresh}); err != nil {
		m.log.Warn("logout not recorded", "err", err)
	}
	m.sessions.forgetToken(caller.Token)
	clearSession(w)
	http.Redirect(w, r, "/login", http.StatusSeeOther)
}

// --- set-password links ---

func (m *Main) setPasswordPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	who, err := rpc.Do(r.Context(), m.nc, identityapi.OpLinkCheck, rpc.Caller{}, events.LinkRequest{Token: token})
	if err != nil {
		m.linkFailed(w, r, err)
		return
	}
	m.render(w, r, http.StatusOK, views.SetPasswordPage(views.Page{Title: "Choose a password"}, views.SetPasswordForm{Token: token, Name: who.Name}))
}

// setPassword runs once per form key (a double click must not answer "link already
// used" after the password was set).
func (m *Main) setPassword(w http.ResponseWriter, r *http.Request) {
	if !m.anonymousOnce(w, r, m.choosePassword, "password", "confirm") {
		m.choosePassword(w, r)
	}
}

func (m *Main) choosePassword(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	token, pw := r.PostFormValue("token"), r.PostFormValue("password")
	form := views.SetPasswordForm{Token: token}
	if pw != r.PostFormValue("confirm") {
		who, err := rpc.Do(r.Context(), m.nc, identityapi.OpLinkCheck, rpc.Caller{}, events.LinkRequest{Token: token})
		if err != nil {
			m.linkFailed(w, r, err)
			return
		}
		form.Name = who.Name
		form.Fields = map[string]string{"confirm": "The two passwords are not the same."}
		m.render(w, r, http.StatusUnprocessableEntity, views.SetPasswordPage(views.Page{Title: "Choose a password"}, form))
		return
	}
	_, err := rpc.Do(r.Context(), m.nc, identityapi.OpSetPassword, rpc.Caller{}, events.SetPasswordRequest{Token: token, Password: pw})
	var e *events.Error
	switch {
	case err == nil:
		m.render(w, r, http.StatusOK, views.PasswordSetPage(views.Page{Title: "Password set"}))
	case errors.As(err, &e) && e.Code == events.CodeInvalid:
		form.Fields = e.Fields
		if who, err := rpc.Do(r.Context(), m.nc, identityapi.OpLinkCheck, rpc.Caller{}, events.LinkRequest{Token: token}); err == nil {
			form.Name = who.Name
		}
		m.render(w, r, http.StatusUnprocessableEntity, views.SetPasswordPage(views.Page{Title: "Choose a password"}, form))
	default:
		m.linkFailed(w, r, err)
	}
}

func (m *Main) linkFailed(w http.ResponseWriter, r *http.Request, err error) {
	if events.CodeOf(err) == events.CodeGone {
		m.render(w, r, http.StatusGone, views.LinkInvalidPage(views.Page{Title: "Link not valid"}, publicError(err).Message))
		return
	}
	m.fail(w, r, err)
}

// --- home ---

// homeCards link the pages the header does not, each for those whose session opens its
// section (identity decides).
var homeCards = []struct {
	section identityapi.Section
	card    views.HomeCard
}{
	{identityapi.TeamBoard, views.HomeCard{Title: "Team onboarding", Text: "Each new hire in your team with progress, overdue tasks and what is due next.", Href: "/onboarding/team", Label: "Open the team board"}},
	{identityapi.AllOnboardings, views.HomeCard{Title: "All onboardings", Text: "Every active onboarding, filtered by track, team or overdue, with CSV export.", Href: "/onboarding/all", Label: "Open the overview"}},
	{identityapi.TeamSkills, views.HomeCard{Title: "Team skills", Text: "Your team's skill matrix as a heatmap; verify claimed levels.", Href: "/skills/team", Label: "Open the skill matrix"}},
	{identityapi.SkillReports, views.HomeCard{Title: "Skill reports", Text: "Skill matrix, coverage, gaps by team and expiring certifications, with CSV and XLSX downloads.", Href: "/skills/reports", Label: "Open skill reports"}},
	{identityapi.SkillImport, views.HomeCard{Title: "Import skills framework", Text: "Load your organisation's own skills framework from a CSV or YAML file.", Href: "/skills/import", Label: "Import a framework"}},
	{identityapi.TeamTraining, views.HomeCard{Title: "Team training", Text: "Assign modules with a due date and follow who is done, in progress or overdue.", Href: "/training/team", Label: "Open team training"}},
	{identityapi.TrainingReport, views.HomeCard{Title: "Training compliance", Text: "Assigned, passed and overdue per module and per person, with filters and CSV export.", Href: "/training/report", Label: "Open the compliance report"}},
	{identityapi.FindMentor, views.HomeCard{Title: "Find a mentor", Text: "Mentors ranked for a new hire by the skill gaps they cover, with the reasons.", Href: "/mentorship/find", Label: "Find a mentor"}},
	{identityapi.MentorCoverage, views.HomeCard{Title: "Mentor coverage", Text: "Hires without an active mentor and each mentor's load against capacity, with CSV export.", Href: "/mentorship/coverage", Label: "Open coverage"}},
}

// home answers "what now?" (see homeNow) and links the pages the header does not.
func (m *Main) home(w http.ResponseWriter, r *http.Request, v *viewer) {
	h := views.Home{Greeting: "Welcome, " + firstName(v.Name), Roles: events.WordsOfRoles(v.Roles), Track: m.names(r.Context()).track(v.Track), Team: v.Team, StartDate: v.StartDate}
	if v.May(identityapi.People) && !v.May(identityapi.ManagePeople) {
		h.Cards = append(h.Cards, views.HomeCard{Title: "My team", Text: "Everyone in team " + v.Team + ", with their track and start date.", Href: "/people", Label: "Open my team"})
	}
	h.Cards = append(h.Cards, views.HomeCard{Title: "My tasks", Text: "Onboarding tasks waiting on you, across every new hire, overdue first.", Href: "/onboarding/tasks", Label: "Open my tasks"})
	for _, c := range homeCards {
		if v.May(c.section) {
			h.Cards = append(h.Cards, c.card)
		}
	}
	h.Cards = append(h.Cards, views.HomeCard{Title: "API", Text: "Everything on these pages is also a JSON API, described by an OpenAPI document.", Href: "/api/v1/openapi.json", Label: "OpenAPI document"})
	m.homeNow(r, v, &h)
	m.render(w, r, http.StatusOK, views.HomePage(m.pageFor(r, "Home"), h))
}

func firstName(name string) string {
	if f, _, ok := strings.Cut(strings.TrimSpace(name), " "); ok {
		return f
	}
	return name
}

// --- people ---

func (m *Main) peoplePage(w http.ResponseWriter, r *http.Request, v *viewer) {
	m.renderPeople(w, r, v, http.StatusOK, views.InviteForm{}, nil)
}

func (m *Main) renderPeople(w http.ResponseWriter, r *http.Request, v *viewer, code int, form views.InviteForm, invited *views.Invited) {
	m.renderPeopleView(w, r, v, code, views.PeopleView{Form: form, Invited: invited})
}

// renderPeopleProblem shows the people page with a refusal at the top.
func (m *Main) renderPeopleProblem(w http.ResponseWriter, r *http.Request, v *viewer, code int, problem string) {
	m.renderPeopleView(w, r, v, code, views.PeopleView{Problem: problem})
}

func (m *Main) renderPeopleView(w http.ResponseWriter, r *http.Request, v *viewer, code int, pv views.PeopleView) {
	page, err := listPage(r)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	sort := r.URL.Query().Get("sort")
	list, err := rpc.Do(r.Context(), m.nc, identityapi.OpPeopleList, v.caller(), events.PeopleRequest{Page: page, Sort: sort})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	pv.CanInvite = list.CanInvite
	pv.Query, pv.Sort, pv.Pager = page.Query, sort, pagerFor(r, list.PageInfo, len(list.Items))
	nm := m.names(r.Context())
	for _, p := range list.Items {
		status := "active"
		switch {
		case !p.Active:
			status = "disabled"
		case p.NeedsPassword:
			status = "invited"
		}
		pv.People = append(pv.People, views.PersonRow{
			ID: p.ID, Name: p.Name, Email: p.Email, Roles: strings.Join(events.WordsOfRoles(p.Roles), ", "), Team: p.Team,
			Track: nm.track(p.Track), StartDate: p.StartDate, Status: status, NeedsPassword: p.NeedsPassword && p.Active,
			Protected: !p.CanManage, // identity decides (identity.CanManagePerson)
			Self:      p.ID == v.ID,
		})
	}
	if pv.CanInvite {
		// The invite form offers every team and every active lead, each from its own
		// bounded list rather than from the page of people shown.
		if pv.Teams, err = m.teamOptions(r, v); err != nil {
			m.fail(w, r, err)
			return
		}
		leads, err := rpc.Do(r.Context(), m.nc, identityapi.OpPeopleList, v.caller(),
			events.PeopleRequest{Page: events.Page{Limit: events.MaxPageRows}, Role: events.RoleLead, Active: true})
		if err != nil {
			m.fail(w, r, err)
			return
		}
		for _, p := range leads.Items {
			pv.Leads = append(pv.Leads, views.Option{Value: p.ID, Label: p.Name + " (" + p.Team + ")"})
		}
	}
	pv.Tracks = nm.trackOptions()
	title := "People"
	if !pv.CanInvite {
		title = "My team"
	}
	m.render(w, r, code, views.PeoplePage(m.pageFor(r, title), pv))
}

func (m *Main) invite(w http.ResponseWriter, r *http.Request, v *viewer) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	form := views.InviteForm{
		Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Track: r.PostFormValue("track"),
		Team: cmp.Or(strings.TrimSpace(r.PostFormValue("new_team")), r.PostFormValue("team")), Lead: r.PostFormValue("lead"), StartDate: r.PostFormValue("start_date"),
	}
	reply, err := rpc.Do(r.Context(), m.nc, identityapi.OpInvite, v.caller(), events.InviteRequest{
		Email: form.Email, Name: form.Name, Track: form.Track, Team: form.Team, Lead: form.Lead, StartDate: form.StartDate,
	})
	var e *events.Error
	if errors.As(err, &e) && (e.Code == events.CodeInvalid || e.Code == events.CodeConflict) {
		form.Fields, form.Error = e.Fields, e.Message
		m.renderPeople(w, r, v, status(e), form, nil)
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.renderPeople(w, r, v, http.StatusCreated, views.InviteForm{}, &views.Invited{Name: reply.Person.Name, Email: reply.Person.Email,
		Link: linkURL(r, reply.LinkToken), Warning: m.lateInviteWarning(r.Context(), reply.Person)})
}

// lateInviteWarning tells HR when a hire's start is so close that some "before day one"
// tasks of their track would fall before today: the onboarding service dates them today
// instead, and the people who own them should know they are due at once.
func (m *Main) lateInviteWarning(ctx context.Context, p events.Person) string {
	if p.Track == "" || p.StartDate == "" {
		return ""
	}
	info, err := rpc.Do(ctx, m.nc, onboardingapi.OpTemplatesInfo, rpc.Caller{},
		events.TemplatesInfoRequest{Track: p.Track, StartDate: p.StartDate})
	if err != nil {
		return ""
	}
	n := info.LateTasks
	switch n {
	case 0:
		return ""
	case 1:
		return "The start date is close: one task meant for before day one is due today instead of earlier. Let its owner know."
	}
	return fmt.Sprintf("The start date is close: %d tasks meant for before day one are due today instead of earlier. Let their owners (IT, HR, the lead) know.", n)
}

func (m *Main) issueLink(w http.ResponseWriter, r *http.Request, v *viewer) {
	reply, err := rpc.Do(r.Context(), m.nc, identityapi.OpIssueLink, v.caller(), events.PersonRequest{ID: r.PathValue("id")})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	m.renderPeople(w, r, v, http.StatusOK, views.InviteForm{}, &views.Invited{Name: reply.Person.Name, Email: reply.Person.Email, Link: linkURL(r, reply.LinkToken)})
}

func (m *Main) disable(w http.ResponseWriter, r *http.Request, v *viewer) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	id := r.PathValue("id")
	who, err := rpc.Do(r.Context(), m.nc, identityapi.OpPeopleGet, v.caller(), events.PersonRequest{ID: id})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	if !m.confirmed(w, r, views.Confirm{
		Title:    "Disable " + who.Name + "?",
		Question: who.Name + " is signed out everywhere at once and can no longer sign in.",
		Detail:   "Their onboarding plan, training and skills records stay as they are.",
		Button:   "Disable " + firstName(who.Name), Cancel: "/people",
	}) {
		return
	}
	_, err = rpc.Do(r.Context(), m.nc, identityapi.OpDisable, v.caller(), events.DisableRequest{ID: id, Reason: r.PostFormValue("reason")})
	if err == nil {
		m.sessions.forgetPerson(id)
		setFlash(w, who.Name+" is disabled and signed out. Re-enable them here at any time.")
	}
	if e := (*events.Error)(nil); errors.As(err, &e) && (e.Code == events.CodeInvalid || e.Code == events.CodeConflict) {
		// Identity refuses, for example, disabling oneself: say so on the people page.
		m.renderPeopleProblem(w, r, v, status(e), who.Name+": "+strings.TrimSuffix(e.Message, ".")+".")
		return
	}
	if err != nil {
		m.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/people", http.StatusSeeOther)
}

// enable lets a disabled person sign in again.
func (m *Main) enable(w http.ResponseWriter, r *http.Request, v *viewer) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	who, err := rpc.Do(r.Context(), m.nc, identityapi.OpEnable, v.caller(), events.DisableRequest{ID: r.PathValue("id")})
	if err != nil {
		m.fail(w, r, err)
		return
	}
	setFlash(w, who.Name+" can sign in again.")
	http.Redirect(w, r, "/people", http.StatusSeeOther)
}

// linkURL is the set-password address on the host the browser used.
func linkURL(r *http.Request, token string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	return scheme + "://" + r.Host + "/set-password?token=" + url.QueryEscape(token)
}

// teamOptions lists the teams the viewer may see (identity decides: every team for HR and
// admin, their own for a lead), for filter and assignment forms.
func (m *Main) teamOptions(r *http.Request, v *viewer) ([]views.Option, error) {
	teams, err := rpc.Do(r.Context(), m.nc, identityapi.OpTeams, v.caller(), events.None{})
	if err != nil {
		return nil, err
	}
	out := make([]views.Option, len(teams.Items))
	for i, t := range teams.Items {
		out[i] = views.Option{Value: t, Label: t}
	}
	return out, nil
}
