package e2e

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"onramp.dev/services/web"
)

// The identities of the authorization matrix: every role of the demo organisation, a lead
// of another team, a disabled account, no token at all, and (in a second pass, after the
// mentorship ends) the former mentor.
const (
	idAdmin   = "admin"
	idHR      = "hr"
	idLead    = "lead"
	idIT      = "it"
	idMentor  = "mentor"
	idHire    = "hire"
	idOther   = "other-lead" // a lead of team security; the demo hire is in platform
	idFormer  = "former-mentor"
	idOff     = "disabled"
	idNobody  = "anonymous"
	everybody = "*" // public: no sign-in needed, not part of the matrix
)

var signedIn = []string{idAdmin, idHR, idLead, idIT, idMentor, idHire, idOther, idFormer}

// matrixRoute is one row of the expectations table: a concrete request for a route
// pattern and who may make it. Everyone else must be refused (401, 403, 404, or a page's
// redirect to the login form). Allowed GETs must succeed; allowed changes are not made
// (their effects are the domain tests' business), refused ones are. The former mentor
// stays a participant of the ended mentorship itself (its state answers 409 there) but
// loses the hire's plan.
type matrixRoute struct {
	path, body string
	allow      []string
}

// mayBeAbsent are reads that, allowed, may still answer 404: nothing there yet (no quiz
// result before an attempt).
var mayBeAbsent = map[string]bool{"GET /training/modules/{id}/result": true, "GET /calendar/items/{file}": true}

func who(ids ...string) []string { return ids }

// authzTable is the one table of expected outcomes, keyed by route pattern. {plan},
// {task}, {pair}, {module}, {lesson} and {skill} are filled in from the demo data.
var authzTable = map[string]matrixRoute{
	// sign-in and public documents
	"GET /login":                {"/login", "", who(everybody)},
	"POST /login":               {"/login", "", who(everybody)},
	"POST /logout":              {"/logout", "", who(everybody)},
	"GET /set-password":         {"/set-password", "", who(everybody)},
	"POST /set-password":        {"/set-password", "", who(everybody)},
	"POST /api/v1/auth/token":   {"/api/v1/auth/token", "", who(everybody)},
	"GET /api/v1/openapi.json":  {"/api/v1/openapi.json", "", who(everybody)},
	"POST /api/v1/auth/logout":  {"/api/v1/auth/logout", "", signedIn},
	"GET /{$}":                  {"/", "", signedIn},
	"GET /live":                 {"/live?topic=onboarding.task.{plan}", "", who(idAdmin, idHR, idLead, idMentor, idHire)},
	"GET /api/v1/me":            {"/api/v1/me", "", signedIn},
	"GET /api/v1/people":        {"/api/v1/people", "", who(idAdmin, idHR, idLead, idOther)},
	"GET /api/v1/people/{id}":   {"/api/v1/people/demo-hire", "", who(idAdmin, idHR, idLead, idMentor, idHire)}, // the mentor while the mentorship lasts
	"POST /api/v1/people":       {"/api/v1/people", `{"email":"m@demo.onramp","name":"M","track":"security","team":"security","lead":"","start_date":"{today}"}`, who(idAdmin, idHR)},
	"GET /people":               {"/people", "", who(idAdmin, idHR, idLead, idOther)},
	"POST /people":              {"/people", "email=m%40demo.onramp&name=M&track=security&team=security&start_date={today}", who(idAdmin, idHR)},
	"GET /people/{id}":          {"/people/demo-hire", "", who(idAdmin, idHR, idLead, idMentor, idHire)}, // the mentor while the mentorship lasts
	"POST /people/{id}/link":    {"/people/demo-hire/link", "", who(idAdmin, idHR)},
	"POST /people/{id}/disable": {"/people/demo-hire/disable", "reason=x&confirm=1", who(idAdmin, idHR)},
	"POST /people/{id}/enable":  {"/people/demo-hire/enable", "confirm=1", who(idAdmin, idHR)},

	// notifications and calendars: each person's own
	"GET /notifications":                      {"/notifications", "", signedIn},
	"GET /notifications/bell":                 {"/notifications/bell", "", signedIn},
	"POST /notifications/read-all":            {"/notifications/read-all", "", signedIn},
	"POST /notifications/{id}/read":           {"/notifications/none/read", "", signedIn},
	"GET /settings/notifications":             {"/settings/notifications", "", signedIn},
	"POST /settings/notifications":            {"/settings/notifications", "", signedIn},
	"POST /settings/calendar/reset":           {"/settings/calendar/reset", "", signedIn},
	"GET /admin/mail":                         {"/admin/mail", "", who()},              // demo mode only; the test portal is not
	"GET /calendar/{file}":                    {"/calendar/x.ics", "", who(everybody)}, // the secret URL is the credential
	"GET /calendar/items/{file}":              {"/calendar/items/none.ics", "", signedIn},
	"GET /api/v1/me/notifications":            {"/api/v1/me/notifications", "", signedIn},
	"POST /api/v1/me/notifications/read-all":  {"/api/v1/me/notifications/read-all", "", signedIn},
	"POST /api/v1/me/notifications/{id}/read": {"/api/v1/me/notifications/none/read", "", signedIn},
	"GET /api/v1/me/notification-settings":    {"/api/v1/me/notification-settings", "", signedIn},
	"PUT /api/v1/me/notification-settings":    {"/api/v1/me/notification-settings", `{}`, signedIn},
	"GET /api/v1/me/calendar":                 {"/api/v1/me/calendar", "", signedIn},
	"POST /api/v1/me/calendar/reset":          {"/api/v1/me/calendar/reset", "", signedIn},
	"GET /api/v1/me/tasks":                    {"/api/v1/me/tasks", "", signedIn},
	"GET /api/v1/me/training":                 {"/api/v1/me/training", "", signedIn},
	"GET /api/v1/me/mentor-profile":           {"/api/v1/me/mentor-profile", "", signedIn},
	"PUT /api/v1/me/mentor-profile":           {"/api/v1/me/mentor-profile", `{"skills":[],"capacity":1}`, signedIn},

	// onboarding
	"GET /onboarding":                             {"/onboarding", "", signedIn},
	"GET /onboarding/plans/{id}":                  {"/onboarding/plans/{plan}", "", who(idAdmin, idHR, idLead, idMentor, idHire)},
	"POST /onboarding/plans/{id}/tasks":           {"/onboarding/plans/{plan}/tasks", "title=t&owner=hire&due={today}", who(idAdmin, idHR, idLead)},
	"POST /onboarding/tasks/{id}/complete":        {"/onboarding/tasks/{task}/complete", "evidence=e", who(idAdmin, idHR, idHire)},
	"POST /onboarding/tasks/{id}/reopen":          {"/onboarding/tasks/{task}/reopen", "reason=r", who(idAdmin, idHR, idHire)},
	"POST /onboarding/tasks/{id}/remove":          {"/onboarding/tasks/{task}/remove", "reason=r&confirm=1", who(idAdmin, idHR, idLead)},
	"POST /onboarding/tasks/{id}/change":          {"/onboarding/tasks/{task}/change", "due={today}", who(idAdmin, idHR, idLead)},
	"GET /onboarding/tasks":                       {"/onboarding/tasks", "", signedIn},
	"GET /onboarding/team":                        {"/onboarding/team", "", who(idLead, idOther)},
	"GET /onboarding/all":                         {"/onboarding/all", "", who(idAdmin, idHR)},
	"GET /onboarding/all.csv":                     {"/onboarding/all.csv", "", who(idAdmin, idHR)},
	"GET /onboarding/all.xlsx":                    {"/onboarding/all.xlsx", "", who(idAdmin, idHR)},
	"GET /api/v1/onboarding/plans":                {"/api/v1/onboarding/plans", "", signedIn},
	"GET /api/v1/onboarding/plans/{id}":           {"/api/v1/onboarding/plans/{plan}", "", who(idAdmin, idHR, idLead, idMentor, idHire)},
	"POST /api/v1/onboarding/plans/{id}/tasks":    {"/api/v1/onboarding/plans/{plan}/tasks", `{"title":"t","owner":"hire","due":"{today}"}`, who(idAdmin, idHR, idLead)},
	"POST /api/v1/onboarding/tasks/{id}/complete": {"/api/v1/onboarding/tasks/{task}/complete", `{"evidence":"e"}`, who(idAdmin, idHR, idHire)},
	"POST /api/v1/onboarding/tasks/{id}/reopen":   {"/api/v1/onboarding/tasks/{task}/reopen", `{"reason":"r"}`, who(idAdmin, idHR, idHire)},
	"PATCH /api/v1/onboarding/tasks/{id}":         {"/api/v1/onboarding/tasks/{task}", `{"due":"{today}"}`, who(idAdmin, idHR, idLead)},
	"DELETE /api/v1/onboarding/tasks/{id}":        {"/api/v1/onboarding/tasks/{task}", `{"reason":"r"}`, who(idAdmin, idHR, idLead)},

	// skills
	"GET /skills":                                           {"/skills", "", signedIn},
	"GET /skills/team":                                      {"/skills/team", "", who(idAdmin, idHR, idLead, idOther)},
	"GET /skills/reports":                                   {"/skills/reports", "", who(idAdmin, idHR, idLead, idOther)}, // a lead: their team's matrix
	"GET /skills/import":                                    {"/skills/import", "", who(idAdmin, idHR)},
	"POST /skills/import":                                   {"/skills/import", "", who(idAdmin, idHR)},
	"GET /people/{id}/skills":                               {"/people/demo-hire/skills", "", who(idAdmin, idHR, idLead, idHire)},
	"POST /people/{id}/skills/assess":                       {"/people/demo-hire/skills/assess", "skill={skill}&level=2", who(idHire)},
	"POST /people/{id}/skills/verify":                       {"/people/demo-hire/skills/verify", "skill={skill}&level=2", who(idAdmin, idHR, idLead)},
	"POST /people/{id}/skills/certifications":               {"/people/demo-hire/skills/certifications", "name=C&issuer=I&issued={today}", who(idAdmin, idHR, idLead, idHire)},
	"GET /api/v1/skills":                                    {"/api/v1/skills", "", signedIn},
	"POST /api/v1/skills/import":                            {"/api/v1/skills/import", `{"filename":"a.yaml","content":"[]"}`, who(idAdmin, idHR)},
	"GET /api/v1/people/{id}/skills":                        {"/api/v1/people/demo-hire/skills", "", who(idAdmin, idHR, idLead, idHire)},
	"POST /api/v1/people/{id}/skills/{skill}/assessments":   {"/api/v1/people/demo-hire/skills/{skill}/assessments", `{"level":2}`, who(idHire)},
	"POST /api/v1/people/{id}/skills/{skill}/verifications": {"/api/v1/people/demo-hire/skills/{skill}/verifications", `{"level":2}`, who(idAdmin, idHR, idLead)},
	"POST /api/v1/people/{id}/certifications":               {"/api/v1/people/demo-hire/certifications", `{"name":"C","issuer":"I","issued":"{today}"}`, who(idAdmin, idHR, idLead, idHire)},
	"GET /api/v1/reports/skill-matrix":                      {"/api/v1/reports/skill-matrix", "", who(idAdmin, idHR, idLead, idOther)},
	"GET /api/v1/reports/coverage":                          {"/api/v1/reports/coverage", "", who(idAdmin, idHR)},
	"GET /api/v1/reports/gaps":                              {"/api/v1/reports/gaps", "", who(idAdmin, idHR)},
	"GET /api/v1/reports/certifications":                    {"/api/v1/reports/certifications", "", who(idAdmin, idHR)},

	// training
	"GET /training":                                            {"/training", "", signedIn},
	"POST /training/modules/{id}/enrol":                        {"/training/modules/{module}/enrol", "", signedIn},
	"GET /training/modules/{id}":                               {"/training/modules/{module}", "", signedIn},
	"GET /training/modules/{id}/lessons/{lesson}":              {"/training/modules/{module}/lessons/{lesson}", "", signedIn},
	"POST /training/modules/{id}/lessons/{lesson}/read":        {"/training/modules/{module}/lessons/{lesson}/read", "", signedIn},
	"GET /training/modules/{id}/quiz":                          {"/training/modules/{module}/quiz", "", signedIn},
	"POST /training/modules/{id}/quiz":                         {"/training/modules/{module}/quiz", "", signedIn},
	"GET /training/modules/{id}/result":                        {"/training/modules/{module}/result", "", signedIn},
	"GET /training/team":                                       {"/training/team", "", who(idAdmin, idHR, idLead, idOther)},
	"POST /training/assignments":                               {"/training/assignments", "team=platform&module={module}&due={today}", who(idAdmin, idHR, idLead)},
	"POST /training/grants":                                    {"/training/grants", "person=demo-hire&module={module}", who(idAdmin, idHR, idLead)},
	"GET /training/report":                                     {"/training/report", "", who(idAdmin, idHR)},
	"GET /training/report.csv":                                 {"/training/report.csv", "", who(idAdmin, idHR)},
	"GET /training/report.xlsx":                                {"/training/report.xlsx", "", who(idAdmin, idHR)},
	"GET /api/v1/training/modules":                             {"/api/v1/training/modules", "", signedIn},
	"GET /api/v1/training/modules/{id}":                        {"/api/v1/training/modules/{module}", "", signedIn},
	"POST /api/v1/training/assignments":                        {"/api/v1/training/assignments", `{"module":"{module}","person":"demo-hire","due":"{today}"}`, who(idAdmin, idHR, idLead)},
	"POST /api/v1/training/modules/{id}/attempts":              {"/api/v1/training/modules/{module}/attempts", `{"answers":{}}`, signedIn},
	"POST /api/v1/training/modules/{id}/enrolment":             {"/api/v1/training/modules/{module}/enrolment", "", signedIn},
	"POST /api/v1/training/modules/{id}/lessons/{lesson}/read": {"/api/v1/training/modules/{module}/lessons/{lesson}/read", "", signedIn},
	"POST /api/v1/training/grants":                             {"/api/v1/training/grants", `{"person":"demo-hire","module":"{module}"}`, who(idAdmin, idHR, idLead)},
	"GET /api/v1/training/team":                                {"/api/v1/training/team", "", who(idAdmin, idHR, idLead, idOther)},
	"GET /api/v1/training/report":                              {"/api/v1/training/report", "", who(idAdmin, idHR)},

	// mentorship
	"GET /mentorship":                        {"/mentorship", "", signedIn},
	"GET /mentorship/profile":                {"/mentorship/profile", "", signedIn},
	"POST /mentorship/profile":               {"/mentorship/profile", "capacity=1", signedIn},
	"GET /mentorship/find":                   {"/mentorship/find", "", who(idAdmin, idHR, idLead, idOther)},
	"POST /mentorship/propose":               {"/mentorship/propose", "hire=demo-hire&mentor=demo-mentor", who(idAdmin, idHR, idLead)},
	"GET /mentorship/pairs/{id}":             {"/mentorship/pairs/{pair}", "", who(idAdmin, idHR, idLead, idMentor, idHire, idFormer)},
	"POST /mentorship/pairs/{id}/accept":     {"/mentorship/pairs/{pair}/accept", "", who(idMentor, idFormer)},
	"POST /mentorship/pairs/{id}/decline":    {"/mentorship/pairs/{pair}/decline", "", who(idMentor, idFormer)},
	"POST /mentorship/pairs/{id}/end":        {"/mentorship/pairs/{pair}/end", "reason=x&confirm=1", who(idAdmin, idHR, idLead, idMentor, idHire, idFormer)},
	"POST /mentorship/pairs/{id}/checkins":   {"/mentorship/pairs/{pair}/checkins", "date={today}&notes=n", who(idMentor, idHire, idFormer)},
	"POST /mentorship/pairs/{id}/feedback":   {"/mentorship/pairs/{pair}/feedback", "rating=4", who(idMentor, idHire, idFormer)},
	"GET /mentorship/coverage":               {"/mentorship/coverage", "", who(idAdmin, idHR)},
	"GET /mentorship/coverage.csv":           {"/mentorship/coverage.csv", "", who(idAdmin, idHR)},
	"GET /mentorship/coverage.xlsx":          {"/mentorship/coverage.xlsx", "", who(idAdmin, idHR)},
	"GET /api/v1/mentors":                    {"/api/v1/mentors", "", signedIn},
	"POST /api/v1/mentors/{id}/nomination":   {"/api/v1/mentors/demo-hire/nomination", "", who(idAdmin, idHR, idLead)},
	"GET /api/v1/mentorship/suggestions":     {"/api/v1/mentorship/suggestions?hire=demo-hire", "", who(idAdmin, idHR, idLead)},
	"GET /api/v1/mentorship/coverage":        {"/api/v1/mentorship/coverage", "", who(idAdmin, idHR, idLead, idOther)},
	"GET /api/v1/mentorships":                {"/api/v1/mentorships", "", signedIn},
	"POST /api/v1/mentorships":               {"/api/v1/mentorships", `{"hire":"demo-hire","mentor":"demo-mentor"}`, who(idAdmin, idHR, idLead)},
	"GET /api/v1/mentorships/{id}":           {"/api/v1/mentorships/{pair}", "", who(idAdmin, idHR, idLead, idMentor, idHire, idFormer)},
	"POST /api/v1/mentorships/{id}/accept":   {"/api/v1/mentorships/{pair}/accept", "", who(idMentor, idFormer)},
	"POST /api/v1/mentorships/{id}/decline":  {"/api/v1/mentorships/{pair}/decline", "", who(idMentor, idFormer)},
	"POST /api/v1/mentorships/{id}/end":      {"/api/v1/mentorships/{pair}/end", `{"reason":"x"}`, who(idAdmin, idHR, idLead, idMentor, idHire, idFormer)},
	"POST /api/v1/mentorships/{id}/checkins": {"/api/v1/mentorships/{pair}/checkins", `{"date":"{today}","notes":"n"}`, who(idMentor, idHire, idFormer)},
	"POST /api/v1/mentorships/{id}/feedback": {"/api/v1/mentorships/{pair}/feedback", `{"rating":4}`, who(idMentor, idHire, idFormer)},

	// changing a check-in: the participants reach mentorship's rule (only its author, for
	// a day: services/mentorship/server TestCheckinEditedByItsAuthorForADay and e2e
	// TestCheckinChangedByItsAuthor); everyone else is refused before it
	"POST /mentorship/pairs/{id}/checkins/{checkin}":    {"/mentorship/pairs/{pair}/checkins/none", "date={today}&notes=n", who(idMentor, idHire, idFormer)},
	"PATCH /api/v1/mentorships/{id}/checkins/{checkin}": {"/api/v1/mentorships/{pair}/checkins/none", `{"date":"{today}","notes":"n"}`, who(idMentor, idHire, idFormer)},
}

// moreCells are further targets for some routes, in the same form: another person's
// privileged account, and the hire's lead and mentor (whose basic part the hire sees: the
// lead always, the mentor while the mentorship lasts).
var moreCells = map[string][]matrixRoute{
	"GET /people/{id}": {
		{"/people/demo-admin", "", who(idAdmin, idHR)},
		{"/people/demo-lead", "", who(idAdmin, idHR, idLead, idHire)},
		{"/people/demo-mentor", "", who(idAdmin, idHR, idMentor, idOther, idHire, idFormer)}, // the former mentor is still themself
	},
	"POST /people/{id}/link":    {{"/people/demo-admin/link", "", who(idAdmin)}},
	"POST /people/{id}/disable": {{"/people/demo-admin/disable", "reason=x&confirm=1", who(idAdmin)}},
	"POST /people/{id}/enable":  {{"/people/demo-admin/enable", "confirm=1", who(idAdmin)}},
	"GET /api/v1/people/{id}": {
		{"/api/v1/people/demo-admin", "", who(idAdmin, idHR)},
		{"/api/v1/people/demo-lead", "", who(idAdmin, idHR, idLead, idHire)},
		{"/api/v1/people/demo-mentor", "", who(idAdmin, idHR, idMentor, idOther, idHire, idFormer)},
	},
}

// TestAuthorizationMatrix runs every route of the router as every identity and fails on
// any unexpected allow (and on an allowed read that fails). A route missing from the table
// fails too, so a new route cannot go unclassified.
func TestAuthorizationMatrix(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	tok := map[string]string{idNobody: ""}
	for _, id := range []string{idAdmin, idHR, idLead, idIT, idMentor, idHire} {
		tok[id] = token(t, c, id+"@demo.onramp")
	}
	tok[idOther] = newPerson(t, c, tok[idAdmin], "other-lead@demo.onramp", "security", `["lead"]`)
	disabledID := ""
	tok[idOff], disabledID = newPersonID(t, c, tok[idAdmin], "gone@demo.onramp", "platform", `["hire"]`)
	if resp := c.do(t, "POST", "/people/"+disabledID+"/disable", "application/x-www-form-urlencoded", "reason=left&confirm=1", bearer(tok[idHR])...); resp.StatusCode != 303 {
		t.Fatalf("disable: %d", resp.StatusCode)
	}

	plan := decodeJSON[apiPlan](t, c.do(t, "GET", "/api/v1/onboarding/plans/"+demoPlan, "", "", bearer(tok[idHR])...))
	module := decodeJSON[struct {
		Lessons []struct {
			ID string `json:"id"`
		} `json:"lessons"`
	}](t, c.do(t, "GET", "/api/v1/training/modules/"+journeyModule, "", "", bearer(tok[idHire])...))
	skills := decodeJSON[struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}](t, c.do(t, "GET", "/api/v1/skills", "", "", bearer(tok[idHire])...))
	if len(module.Lessons) == 0 || len(skills.Items) == 0 {
		t.Fatal("no lessons or skills in the demo data")
	}
	fill := strings.NewReplacer(
		"{plan}", demoPlan,
		"{task}", plan.find(t, func(x apiTask) bool { return x.Owner == "hire" && !x.Done }).ID,
		"{pair}", demoMentorship(t, c, tok[idHR]).ID,
		"{module}", journeyModule, "{lesson}", module.Lessons[0].ID, "{skill}", skills.Items[0].ID,
		"{today}", time.Now().Format(time.DateOnly),
	)

	for _, pattern := range web.Routes() {
		if _, ok := authzTable[pattern]; !ok {
			t.Errorf("route %s has no row in the authorization table", pattern)
		}
	}
	run := func(ids []string) {
		type cell struct {
			pattern string
			matrixRoute
		}
		var cells []cell
		for _, pattern := range web.Routes() {
			if rt, ok := authzTable[pattern]; ok {
				cells = append(cells, cell{pattern, rt})
			}
			for _, rt := range moreCells[pattern] {
				cells = append(cells, cell{pattern, rt})
			}
		}
		for _, cl := range cells {
			pattern, rt := cl.pattern, cl.matrixRoute
			if slices.Contains(rt.allow, everybody) {
				continue
			}
			method, _, _ := strings.Cut(pattern, " ")
			path, body := fill.Replace(rt.path), fill.Replace(rt.body)
			for _, id := range ids {
				allowed := slices.Contains(rt.allow, id)
				if allowed && method != "GET" {
					continue // the change is allowed; making it is the domain tests' business
				}
				checkCell(t, c, method, path, body, id, tok[id], allowed, mayBeAbsent[pattern])
			}
		}
	}
	run([]string{idAdmin, idHR, idLead, idIT, idMentor, idHire, idOther, idOff, idNobody})

	// The mentorship ends: the mentor becomes the former mentor.
	if resp := c.do(t, "POST", "/api/v1/mentorships/"+fill.Replace("{pair}")+"/end", "application/json", `{"reason":"done"}`, bearer(tok[idHR])...); resp.StatusCode != 200 {
		t.Fatalf("end: %d", resp.StatusCode)
	}
	waitFor(t, "the plan without its mentor", func() bool {
		return c.do(t, "GET", "/api/v1/onboarding/plans/"+demoPlan, "", "", bearer(tok[idMentor])...).StatusCode == 403
	})
	tok[idFormer] = tok[idMentor]
	run([]string{idFormer})
	// The hire no longer sees their former mentor, nor the mentor them beyond the plan.
	for _, path := range []string{"/people/demo-mentor", "/api/v1/people/demo-mentor"} {
		checkCell(t, c, "GET", path, "", idHire, tok[idHire], false, false)
	}
	checkCell(t, c, "GET", "/api/v1/people/demo-hire", "", idFormer, tok[idFormer], false, false)
}

// checkCell makes one request as one identity and checks the outcome against the table.
func checkCell(t *testing.T, c *client, method, path, body, id, token string, allowed, absent bool) {
	t.Helper()
	ctype := "application/x-www-form-urlencoded"
	if strings.HasPrefix(path, "/api/") {
		ctype = "application/json"
	}
	var h []string
	if token != "" {
		h = bearer(token)
	}
	resp := c.do(t, method, path, ctype, body, h...)
	code := resp.StatusCode
	toLogin := code == http.StatusSeeOther && strings.HasPrefix(resp.Header.Get("Location"), "/login")
	refused := code == 401 || code == 403 || code == 404 || toLogin
	switch {
	case !allowed && !refused:
		t.Errorf("UNEXPECTED ALLOW: %s %s as %s: %d", method, path, id, code)
	case allowed && absent && code == 404:
	case allowed && (refused || code >= 400):
		t.Errorf("%s %s as %s: %d, want it allowed", method, path, id, code)
	}
}

// newPerson invites someone as the admin, sets their password through the link and
// returns a token.
func newPerson(t *testing.T, c *client, admin, email, team, roles string) string {
	tok, _ := newPersonID(t, c, admin, email, team, roles)
	return tok
}

func newPersonID(t *testing.T, c *client, admin, email, team, roles string) (string, string) {
	t.Helper()
	resp := c.do(t, "POST", "/api/v1/people", "application/json", `{"email":"`+email+`","name":"`+email+`","track":"security","team":"`+team+
		`","start_date":"`+time.Now().Format(time.DateOnly)+`","roles":`+roles+`}`, bearer(admin)...)
	inv := decodeJSON[struct {
		ID  string `json:"id"`
		URL string `json:"set_password_url"`
	}](t, resp)
	u, err := url.Parse(inv.URL)
	if resp.StatusCode != 201 || err != nil {
		t.Fatalf("invite %s: %d", email, resp.StatusCode)
	}
	form := url.Values{"token": {u.Query().Get("token")}, "password": {demoPassword}, "confirm": {demoPassword}}
	if r := newClient(c.base).do(t, "POST", "/set-password", "application/x-www-form-urlencoded", form.Encode()); r.StatusCode != 200 {
		t.Fatalf("set password for %s: %d", email, r.StatusCode)
	}
	return token(t, c, email), inv.ID
}
