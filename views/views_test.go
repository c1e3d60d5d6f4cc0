package views_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/a-h/templ"

	"onramp.dev/events/identityapi"
	"onramp.dev/views"
	"onramp.dev/views/static"
)

// render renders c and returns the HTML and the parsed document.
func render(t *testing.T, c templ.Component) (string, *goquery.Document) {
	t.Helper()
	var buf bytes.Buffer
	if err := c.Render(context.Background(), &buf); err != nil {
		t.Fatalf("Render: %v", err)
	}
	html := buf.String()
	doc, err := goquery.NewDocumentFromReader(strings.NewReader(html))
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	return html, doc
}

// one returns the single element matching sel, failing unless there is exactly one.
func one(t *testing.T, doc *goquery.Document, sel string) *goquery.Selection {
	t.Helper()
	s := doc.Find(sel)
	if s.Length() != 1 {
		t.Fatalf("%q: found %d elements, want 1", sel, s.Length())
	}
	return s
}

// attr returns the attribute name of s, failing when it is missing.
func attr(t *testing.T, s *goquery.Selection, name string) string {
	t.Helper()
	v, ok := s.Attr(name)
	if !ok {
		t.Fatalf("element %s has no %s attribute", goquery.NodeName(s), name)
	}
	return v
}

func text(s *goquery.Selection) string { return strings.TrimSpace(s.Text()) }

var (
	hr = &views.User{ID: "u1", Name: "Hana HR", Email: "hana@example.com",
		Opens: []identityapi.Section{identityapi.People, identityapi.ManagePeople, identityapi.AllOnboardings, identityapi.FindMentor, identityapi.MentorCoverage}}
	hire = &views.User{ID: "u2", Name: "Nick New", Email: "nick@example.com", Opens: []identityapi.Section{identityapi.MyOnboarding}}
)

// samplePeople is a People page with every optional part filled in.
func samplePeople() views.PeopleView {
	return views.PeopleView{
		People: []views.PersonRow{
			{ID: "p1", Name: "Ada Active", Email: "ada@example.com", Roles: "lead", Team: "Core", Track: "Engineering", StartDate: "2025-01-06", Status: "active"},
			{ID: "p2", Name: "Ivy Invited", Email: "ivy@example.com", Roles: "hire", Team: "Core", Track: "Engineering", StartDate: "2025-03-03", Status: "invited", NeedsPassword: true},
			{ID: "p3", Name: "Dan Disabled", Email: "dan@example.com", Roles: "hire", Status: "disabled"},
			{ID: "p4", Name: "Hana Self", Email: "hana@example.com", Roles: "hr", Status: "active", Self: true},
		},
		Form: views.InviteForm{
			Email: "bad-email", Name: "Zoe", Track: "eng", Team: "New team", Lead: "p1", StartDate: "2025-04-01",
			Fields: map[string]string{"email": "Enter a valid email address.", "start_date": "Pick a start date."},
			Error:  "Please fix the errors below.",
		},
		Tracks:    []views.Option{{Value: "eng", Label: "Engineering"}, {Value: "ops", Label: "Operations"}},
		Teams:     []views.Option{{Value: "Core", Label: "Core"}},
		Leads:     []views.Option{{Value: "p1", Label: "Ada Active"}},
		Invited:   &views.Invited{Name: "Zoe", Email: "zoe@example.com", Link: "https://onramp.example/set-password?token=abc123"},
		CanInvite: true,
	}
}

// allPages is every page, signed in and out, with every optional part set.
func allPages() map[string]templ.Component {
	in := views.Page{Title: "T", User: hr, Flash: "Saved."}
	out := views.Page{}
	return map[string]templ.Component{
		"login":                views.LoginPage(out, views.LoginForm{Email: "a@example.com", Error: "Wrong email or password.", Next: "/people"}),
		"home":                 views.HomePage(in, views.Home{Greeting: "Hello", Roles: []string{"hr"}, Cards: []views.HomeCard{{Title: "People", Text: "Invite", Href: "/people", Label: "Open People"}}, Track: "Eng", Team: "Core", StartDate: "2025-01-06"}),
		"people":               views.PeoplePage(in, samplePeople()),
		"people read-only":     views.PeoplePage(views.Page{User: &views.User{Name: "L", Opens: []identityapi.Section{identityapi.People}}}, views.PeopleView{People: samplePeople().People}),
		"people empty":         views.PeoplePage(in, views.PeopleView{CanInvite: true}),
		"set-password":         views.SetPasswordPage(out, views.SetPasswordForm{Token: "tok", Name: "Zoe", Error: "Try again.", Fields: map[string]string{"password": "Too short.", "confirm": "Does not match."}}),
		"link-invalid":         views.LinkInvalidPage(out, ""),
		"link-invalid reason":  views.LinkInvalidPage(out, "This link was already used."),
		"password-set":         views.PasswordSetPage(out),
		"error 403 signed in":  views.ErrorPage(in, 403, "", ""),
		"error 404 signed out": views.ErrorPage(out, 404, "Not found", "No such page."),
		"error 500":            views.ErrorPage(out, 500, "", ""),
	}
}

func TestUserMay(t *testing.T) {
	u := &views.User{Opens: []identityapi.Section{identityapi.MyOnboarding, identityapi.OtherPlans}}
	for s, want := range map[identityapi.Section]bool{identityapi.MyOnboarding: true, identityapi.OtherPlans: true, identityapi.People: false, "": false} {
		if got := u.May(s); got != want {
			t.Errorf("May(%q) = %v, want %v", s, got, want)
		}
	}
	var nilUser *views.User
	if nilUser.May(identityapi.MyOnboarding) {
		t.Error("nil user May(onboarding.mine) = true")
	}
}

func TestLayoutHead(t *testing.T) {
	html, doc := render(t, views.HomePage(views.Page{Title: "Home", User: hr, Flash: "Welcome back."}, views.Home{Greeting: "Hi"}))

	if !strings.HasPrefix(strings.ToLower(html), "<!doctype html>") {
		t.Errorf("document does not start with <!doctype html>: %.40q", html)
	}
	if got := attr(t, one(t, doc, "html"), "lang"); got != "en" {
		t.Errorf("lang = %q", got)
	}
	one(t, doc, "head meta[charset]")
	one(t, doc, `head meta[name="viewport"]`)
	if got := text(one(t, doc, "head title")); got != "Home · Onramp" {
		t.Errorf("title = %q", got)
	}
	hashed := regexp.MustCompile(`^/static/[a-z.]+\.[0-9a-f]{10}\.(css|js|svg)$`)
	if got := attr(t, one(t, doc, `head link[rel="stylesheet"]`), "href"); got != static.Path("onramp.css") || !hashed.MatchString(got) {
		t.Errorf("stylesheet = %q", got)
	}
	if got := attr(t, one(t, doc, `head link[rel="icon"]`), "href"); got != static.Path("favicon.svg") || !hashed.MatchString(got) {
		t.Errorf("icon = %q", got)
	}
	if got := attr(t, one(t, doc, `head meta[name="description"]`), "content"); len(got) < 50 {
		t.Errorf("meta description = %q", got)
	}
	scripts := doc.Find("head script")
	if scripts.Length() != 2 {
		t.Fatalf("%d head scripts, want htmx and live.js", scripts.Length())
	}
	for i, want := range []string{static.Path("htmx.min.js"), static.Path("live.js")} {
		s := scripts.Eq(i)
		if got := attr(t, s, "src"); got != want {
			t.Errorf("script %d src = %q, want %q", i, got, want)
		}
		attr(t, s, "defer")
	}

	var cfg map[string]any
	if err := json.Unmarshal([]byte(attr(t, one(t, doc, `meta[name="htmx-config"]`), "content")), &cfg); err != nil {
		t.Fatalf("htmx-config is not JSON: %v", err)
	}
	if v, ok := cfg["includeIndicatorStyles"]; !ok || v != false {
		t.Errorf("htmx-config includeIndicatorStyles = %v, want false", v)
	}

	if got := attr(t, one(t, doc, "body"), "hx-boost"); got != "true" {
		t.Errorf("hx-boost = %q", got)
	}
	if got := attr(t, one(t, doc, "header a.brand"), "href"); got != "/" || text(doc.Find("header a.brand")) != "Onramp" {
		t.Errorf("brand link = %q %q", got, text(doc.Find("header a.brand")))
	}
	if got := text(one(t, doc, `main [role="status"]`)); got != "Welcome back." {
		t.Errorf("flash = %q", got)
	}
	if got := text(one(t, doc, "#user-name")); got != hr.Name {
		t.Errorf("user name = %q", got)
	}
	logout := one(t, doc, "button#logout").Closest("form")
	if attr(t, logout, "method") != "post" || attr(t, logout, "action") != "/logout" {
		t.Errorf("logout form = %s %s", attr(t, logout, "method"), attr(t, logout, "action"))
	}
}

func TestLayoutDefaultTitleAndNoFlash(t *testing.T) {
	_, doc := render(t, views.LoginPage(views.Page{}, views.LoginForm{}))
	if got := text(doc.Find("title")); got != "Sign in · Onramp" {
		t.Errorf("title = %q", got)
	}
	if n := doc.Find(`[role="status"]`).Length(); n != 0 {
		t.Errorf("found %d status elements without a flash", n)
	}
}

// The header links exactly the sections identity opened for the user.
func TestNavBySections(t *testing.T) {
	tests := []struct {
		name       string
		user       *views.User
		wantNav    bool
		wantPeople bool
	}{
		{"signed out", nil, false, false},
		{"own onboarding", &views.User{Name: "H", Opens: []identityapi.Section{identityapi.MyOnboarding}}, true, false},
		{"other plans", &views.User{Name: "M", Opens: []identityapi.Section{identityapi.OtherPlans}}, true, false},
		{"nothing", &views.User{Name: "N"}, true, false},
		{"people", &views.User{Name: "L", Opens: []identityapi.Section{identityapi.People}}, true, true},
		{"people and more", &views.User{Name: "R", Opens: []identityapi.Section{identityapi.MyOnboarding, identityapi.People, identityapi.ManagePeople}}, true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, doc := render(t, views.ErrorPage(views.Page{User: tt.user}, 404, "", ""))
			nav := doc.Find("header nav")
			if got := nav.Length() == 1; got != tt.wantNav {
				t.Fatalf("nav shown = %v, want %v", got, tt.wantNav)
			}
			if got := doc.Find("button#logout").Length() == 1; got != tt.wantNav {
				t.Errorf("logout shown = %v, want %v", got, tt.wantNav)
			}
			if !tt.wantNav {
				return
			}
			var links []string
			nav.Find("a").Each(func(_ int, a *goquery.Selection) { links = append(links, text(a)) })
			if !slices.Contains(links, "Home") {
				t.Errorf("nav links %q lack Home", links)
			}
			if got := slices.Contains(links, "People"); got != tt.wantPeople {
				t.Errorf("nav links %q: People shown = %v, want %v", links, got, tt.wantPeople)
			}
		})
	}
}

func TestLoginPage(t *testing.T) {
	_, doc := render(t, views.LoginPage(views.Page{}, views.LoginForm{Email: "ada@example.com", Error: "Wrong email or password.", Next: "/people?tab=all"}))

	form := one(t, doc, "form#login-form")
	if attr(t, form, "method") != "post" || attr(t, form, "action") != "/login" {
		t.Errorf("form = %s %s", attr(t, form, "method"), attr(t, form, "action"))
	}
	tests := []struct {
		sel, name, typ, autocomplete, value string
	}{
		{"#email", "email", "email", "username", "ada@example.com"},
		{"#password", "password", "password", "current-password", ""},
		{`input[name="next"]`, "next", "hidden", "", "/people?tab=all"},
	}
	for _, tt := range tests {
		in := form.Find(tt.sel)
		if in.Length() != 1 {
			t.Errorf("%s: found %d in the form", tt.sel, in.Length())
			continue
		}
		if got := attr(t, in, "name"); got != tt.name {
			t.Errorf("%s name = %q, want %q", tt.sel, got, tt.name)
		}
		if got := attr(t, in, "type"); got != tt.typ {
			t.Errorf("%s type = %q, want %q", tt.sel, got, tt.typ)
		}
		if got, _ := in.Attr("autocomplete"); got != tt.autocomplete {
			t.Errorf("%s autocomplete = %q, want %q", tt.sel, got, tt.autocomplete)
		}
		if got, _ := in.Attr("value"); got != tt.value {
			t.Errorf("%s value = %q, want %q", tt.sel, got, tt.value)
		}
	}
	if got := attr(t, form.Find("#login-submit"), "type"); got != "submit" {
		t.Errorf("submit type = %q", got)
	}
	if got := text(one(t, doc, `[role="alert"]`)); got != "Wrong email or password." {
		t.Errorf("error = %q", got)
	}
	for _, id := range []string{"email", "password"} {
		if doc.Find(`label[for="`+id+`"]`).Length() != 1 {
			t.Errorf("no label for #%s", id)
		}
	}
}

func TestHomePage(t *testing.T) {
	h := views.Home{
		Greeting: "Welcome, Nick",
		Roles:    []string{"hire", "mentor"},
		Cards: []views.HomeCard{
			{Title: "Your track", Text: "Start here.", Href: "/track", Label: "Open track"},
			{Title: "No label", Href: "/x"},
			{Title: "Evil", Href: "javascript:alert(1)"},
			{Title: "No link"},
		},
		Track: "Engineering", Team: "Core", StartDate: "2025-01-06",
	}
	_, doc := render(t, views.HomePage(views.Page{User: hire}, h))

	home := one(t, doc, "#home")
	if got := text(home.Find("h1#greeting")); got != "Welcome, Nick" {
		t.Errorf("greeting = %q", got)
	}
	cards := home.Find(".card")
	if cards.Length() != 4 {
		t.Fatalf("cards = %d, want 4", cards.Length())
	}
	wantLinks := []struct{ href, label string }{{"/track", "Open track"}, {"/x", "Open"}, {"about:invalid#TemplFailedSanitizationURL", "Open"}}
	for i, w := range wantLinks {
		a := cards.Eq(i).Find("a")
		if got := attr(t, a, "href"); got != w.href || text(a) != w.label {
			t.Errorf("card %d link = %q %q, want %q %q", i, got, text(a), w.href, w.label)
		}
	}
	if cards.Eq(3).Find("a").Length() != 0 {
		t.Error("card without Href has a link")
	}
	for _, want := range []string{"Engineering", "Core", "Mon 6 Jan 2025"} {
		if !strings.Contains(text(home.Find("#facts")), want) {
			t.Errorf("facts %q lack %q", text(home.Find("#facts")), want)
		}
	}
	if got := home.Find("#roles .badge").Length(); got != 2 {
		t.Errorf("role badges = %d, want 2", got)
	}

	_, doc = render(t, views.HomePage(views.Page{User: hire}, views.Home{Greeting: "Hi"}))
	if doc.Find("#facts, #roles, #cards").Length() != 0 {
		t.Error("empty home shows facts, roles or cards")
	}
}

func TestPeoplePageTable(t *testing.T) {
	v := samplePeople()
	_, doc := render(t, views.PeoplePage(views.Page{User: hr}, v))

	rows := one(t, doc, "table#people").Find("tr[data-person-id]")
	if rows.Length() != len(v.People) {
		t.Fatalf("rows = %d, want %d", rows.Length(), len(v.People))
	}
	tests := []struct {
		id          string
		name        string
		wantLink    bool
		wantDisable bool
	}{
		{"p1", "Ada Active", false, true},
		{"p2", "Ivy Invited", true, true},
		{"p3", "Dan Disabled", false, false},
		{"p4", "Hana Self", false, false}, // no Disable on one's own row
	}
	for _, tt := range tests {
		row := doc.Find(`tr[data-person-id="` + tt.id + `"]`)
		if row.Length() != 1 {
			t.Errorf("%s: %d rows", tt.id, row.Length())
			continue
		}
		if !strings.Contains(row.Text(), tt.name) {
			t.Errorf("%s: row %q lacks %q", tt.id, text(row), tt.name)
		}
		checkAction(t, row, "/people/"+tt.id+"/link", "New set-password link", tt.wantLink)
		checkAction(t, row, "/people/"+tt.id+"/disable", "Disable", tt.wantDisable)
		checkAction(t, row, "/people/"+tt.id+"/enable", "Re-enable", tt.id == "p3")
	}
}

// checkAction checks that row has (or lacks) a POST form to action with a
// submit button labelled label.
func checkAction(t *testing.T, row *goquery.Selection, action, label string, want bool) {
	t.Helper()
	form := row.Find(`form[action="` + action + `"]`)
	if got := form.Length() == 1; got != want {
		t.Errorf("form %s shown = %v, want %v", action, got, want)
		return
	}
	if !want {
		return
	}
	if got := attr(t, form, "method"); got != "post" {
		t.Errorf("form %s method = %q", action, got)
	}
	// The visible label, then (for screen readers) whom or what it acts on.
	if got := text(form.Find(`button[type="submit"]`)); !strings.HasPrefix(got, label) {
		t.Errorf("form %s button = %q, want %q…", action, got, label)
	}
}

func TestPeoplePageEscapesPersonID(t *testing.T) {
	v := views.PeopleView{CanInvite: true, People: []views.PersonRow{{ID: "a/b c", Name: "X", Status: "active", NeedsPassword: true}}}
	_, doc := render(t, views.PeoplePage(views.Page{User: hr}, v))
	row := one(t, doc, "tr[data-person-id]")
	if got := attr(t, row, "data-person-id"); got != "a/b c" {
		t.Errorf("data-person-id = %q", got)
	}
	checkAction(t, row, "/people/a%2Fb%20c/disable", "Disable", true)
	checkAction(t, row, "/people/a%2Fb%20c/link", "New set-password link", true)
}

func TestPeoplePageInviteForm(t *testing.T) {
	v := samplePeople()
	_, doc := render(t, views.PeoplePage(views.Page{User: hr}, v))

	form := one(t, doc, "form#invite-form")
	if attr(t, form, "method") != "post" || attr(t, form, "action") != "/people" {
		t.Errorf("invite form = %s %s", attr(t, form, "method"), attr(t, form, "action"))
	}
	if got := attr(t, form.Find("#invite-submit"), "type"); got != "submit" {
		t.Errorf("submit type = %q", got)
	}
	if got := text(one(t, doc, "#invite-error")); got != v.Form.Error {
		t.Errorf("form error = %q", got)
	}

	// Each field: its control, value and error message sit together in one
	// .field wrapper, and the control points at the message.
	tests := []struct {
		name, tag, typ, value, err string
	}{
		{"email", "input", "email", "bad-email", "Enter a valid email address."},
		{"name", "input", "text", "Zoe", ""},
		{"track", "select", "", "eng", ""},
		{"team", "select", "", "", ""},                // "New team" is not a listed team…
		{"new_team", "input", "text", "New team", ""}, // …so it stays in the new-team box
		{"lead", "select", "", "p1", ""},
		{"start_date", "input", "date", "2025-04-01", "Pick a start date."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wrap := form.Find(`.field[data-field="` + tt.name + `"]`)
			if wrap.Length() != 1 {
				t.Fatalf("%d .field wrappers", wrap.Length())
			}
			ctl := wrap.Find(`[name="` + tt.name + `"]`)
			if ctl.Length() != 1 || goquery.NodeName(ctl) != tt.tag {
				t.Fatalf("control: %d %s, want one %s", ctl.Length(), goquery.NodeName(ctl), tt.tag)
			}
			if tt.typ != "" {
				if got := attr(t, ctl, "type"); got != tt.typ {
					t.Errorf("type = %q, want %q", got, tt.typ)
				}
			}
			var value string
			if tt.tag == "select" {
				value, _ = ctl.Find("option[selected]").Attr("value")
			} else {
				value, _ = ctl.Attr("value")
			}
			if value != tt.value {
				t.Errorf("value = %q, want %q", value, tt.value)
			}
			id := attr(t, ctl, "id")
			if wrap.Find(`label[for="`+id+`"]`).Length() != 1 {
				t.Errorf("no label for #%s", id)
			}
			msg := wrap.Find(".error")
			if tt.err == "" {
				if msg.Length() != 0 {
					t.Errorf("unexpected error %q", text(msg))
				}
				if _, ok := ctl.Attr("aria-invalid"); ok {
					t.Error("aria-invalid set without an error")
				}
				return
			}
			if got := text(msg); got != tt.err {
				t.Fatalf("error = %q, want %q", got, tt.err)
			}
			if got := attr(t, ctl, "aria-invalid"); got != "true" {
				t.Errorf("aria-invalid = %q", got)
			}
			if !slices.Contains(strings.Fields(attr(t, ctl, "aria-describedby")), attr(t, msg, "id")) {
				t.Errorf("aria-describedby %q does not name the error %q", attr(t, ctl, "aria-describedby"), attr(t, msg, "id"))
			}
		})
	}

	lead := form.Find(`select[name="lead"] option`)
	if first := lead.First(); attr(t, first, "value") != "" || text(first) != "—" {
		t.Errorf("first lead option = %q %q, want empty value and —", attr(t, first, "value"), text(first))
	}
	if lead.Length() != 1+len(v.Leads) {
		t.Errorf("lead options = %d, want %d", lead.Length(), 1+len(v.Leads))
	}
	if got := form.Find(`select[name="track"] option[value]`).Length(); got < len(v.Tracks) {
		t.Errorf("track options = %d", got)
	}
	if form.Find(`select[name="team"] option[value="Core"]`).Length() != 1 {
		t.Error("the team list lacks Core")
	}
}

func TestPeoplePageInvited(t *testing.T) {
	v := samplePeople()
	_, doc := render(t, views.PeoplePage(views.Page{User: hr}, v))
	a := one(t, doc, "#invite-link a")
	if got := attr(t, a, "href"); got != v.Invited.Link {
		t.Errorf("invite href = %q, want %q", got, v.Invited.Link)
	}
	if got := text(a); got != v.Invited.Link {
		t.Errorf("invite link text = %q", got)
	}
	for _, want := range []string{"Zoe", "zoe@example.com"} {
		if !strings.Contains(doc.Find("#invite-link").Text(), want) {
			t.Errorf("invite notice lacks %q", want)
		}
	}
	// Pages with secrets keep out of htmx's history cache.
	if doc.Find(`[hx-history="false"]`).Length() == 0 {
		t.Error(`people page lacks hx-history="false"`)
	}

	v.Invited = nil
	_, doc = render(t, views.PeoplePage(views.Page{User: hr}, v))
	if doc.Find("#invite-link").Length() != 0 {
		t.Error("invite link shown without Invited")
	}
}

func TestPeoplePageReadOnly(t *testing.T) {
	v := samplePeople()
	v.CanInvite = false
	_, doc := render(t, views.PeoplePage(views.Page{User: &views.User{Name: "L", Opens: []identityapi.Section{identityapi.People}}}, v))
	if got := doc.Find("table#people tr[data-person-id]").Length(); got != len(v.People) {
		t.Errorf("rows = %d", got)
	}
	if doc.Find("#invite-form").Length() != 0 {
		t.Error("invite form shown without CanInvite")
	}
	if n := doc.Find("table#people form").Length(); n != 0 {
		t.Errorf("%d action forms shown without CanInvite", n)
	}
}

func TestSetPasswordPage(t *testing.T) {
	f := views.SetPasswordForm{Token: "tok-123", Name: "Zoe", Fields: map[string]string{"confirm": "The passwords don't match."}}
	_, doc := render(t, views.SetPasswordPage(views.Page{}, f))

	form := one(t, doc, "form:has(#set-password-submit)")
	if attr(t, form, "method") != "post" || attr(t, form, "action") != "/set-password" {
		t.Errorf("form = %s %s", attr(t, form, "method"), attr(t, form, "action"))
	}
	token := form.Find(`input[name="token"]`)
	if attr(t, token, "type") != "hidden" || attr(t, token, "value") != "tok-123" {
		t.Errorf("token = %s %q", attr(t, token, "type"), attr(t, token, "value"))
	}
	for _, id := range []string{"password", "confirm"} {
		in := form.Find("#" + id)
		if attr(t, in, "name") != id || attr(t, in, "type") != "password" || attr(t, in, "autocomplete") != "new-password" {
			t.Errorf("#%s: name=%q type=%q autocomplete=%q", id, attr(t, in, "name"), attr(t, in, "type"), attr(t, in, "autocomplete"))
		}
	}
	if !strings.Contains(form.Text(), "8–128 characters") {
		t.Error("no 8–128 characters hint")
	}
	if got := text(form.Find(`[data-field="confirm"] .error`)); got != "The passwords don't match." {
		t.Errorf("confirm error = %q", got)
	}
	if n := form.Find(`[data-field="password"] .error`).Length(); n != 0 {
		t.Errorf("password has %d errors, want 0", n)
	}
	if !strings.Contains(doc.Find("main").Text(), "Zoe") {
		t.Error("name not shown")
	}
	if doc.Find(`[hx-history="false"]`).Length() == 0 {
		t.Error(`set-password page lacks hx-history="false"`)
	}
}

func TestSimplePages(t *testing.T) {
	tests := []struct {
		name     string
		c        templ.Component
		id       string
		contains []string
		link     string
	}{
		{"link invalid", views.LinkInvalidPage(views.Page{}, ""), "link-invalid", []string{"expired", "already used", "HR"}, "/login"},
		{"link invalid reason", views.LinkInvalidPage(views.Page{}, "This link was already used on 3 May."), "link-invalid", []string{"already used on 3 May", "HR"}, "/login"},
		{"password set", views.PasswordSetPage(views.Page{}), "password-set", []string{"Password set", "Sign in"}, "/login"},
		{"403", views.ErrorPage(views.Page{User: hire}, 403, "", ""), "error", []string{"Forbidden", "access"}, "/"},
		{"404", views.ErrorPage(views.Page{}, 404, "Page not found", "Nothing lives here."), "error", []string{"Page not found", "Nothing lives here."}, "/"},
		{"500", views.ErrorPage(views.Page{}, 500, "", ""), "error", []string{"Internal Server Error", "try again"}, "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, doc := render(t, tt.c)
			el := one(t, doc, "main #"+tt.id)
			for _, want := range tt.contains {
				if !strings.Contains(el.Text(), want) {
					t.Errorf("#%s %q lacks %q", tt.id, text(el), want)
				}
			}
			if el.Find(`a[href="`+tt.link+`"]`).Length() == 0 {
				t.Errorf("#%s has no link to %s", tt.id, tt.link)
			}
		})
	}
}

func TestErrorPageStatus(t *testing.T) {
	for _, status := range []int{403, 404, 500} {
		_, doc := render(t, views.ErrorPage(views.Page{}, status, "", ""))
		want := map[int]string{403: "403", 404: "404", 500: "500"}[status]
		if got := attr(t, one(t, doc, "#error"), "data-status"); got != want {
			t.Errorf("data-status = %q, want %q", got, want)
		}
	}
}

// TestCSPSafe checks every page against the Content Security Policy: no
// style attributes or elements, no inline scripts, no event handler
// attributes and no javascript: URLs. It also checks that ids are unique.
func TestCSPSafe(t *testing.T) {
	for name, c := range allPages() {
		t.Run(name, func(t *testing.T) {
			_, doc := render(t, c)
			if n := doc.Find("style").Length(); n != 0 {
				t.Errorf("%d <style> elements", n)
			}
			doc.Find("script").Each(func(_ int, s *goquery.Selection) {
				if strings.TrimSpace(s.Text()) != "" {
					t.Errorf("inline script content %q", s.Text())
				}
				if src, _ := s.Attr("src"); !strings.HasPrefix(src, "/static/") {
					t.Errorf("script src %q is not under /static/", src)
				}
			})
			ids := map[string]bool{}
			doc.Find("*").Each(func(_ int, s *goquery.Selection) {
				for _, a := range s.Nodes[0].Attr {
					key := strings.ToLower(a.Key)
					switch {
					case key == "style":
						t.Errorf("<%s> has a style attribute", goquery.NodeName(s))
					case strings.HasPrefix(key, "on"):
						t.Errorf("<%s> has event handler %s", goquery.NodeName(s), a.Key)
					case strings.HasPrefix(key, "hx-on"):
						t.Errorf("<%s> has %s (needs eval)", goquery.NodeName(s), a.Key)
					case strings.Contains(strings.ToLower(a.Val), "javascript:"):
						t.Errorf("<%s %s=%q>", goquery.NodeName(s), a.Key, a.Val)
					case key == "id":
						if ids[a.Val] {
							t.Errorf("duplicate id %q", a.Val)
						}
						ids[a.Val] = true
					}
				}
			})
			// Every form POSTs or GETs to this site (form-action 'self').
			doc.Find("form").Each(func(_ int, f *goquery.Selection) {
				if a, _ := f.Attr("action"); !strings.HasPrefix(a, "/") {
					t.Errorf("form action %q is not a local path", a)
				}
			})
		})
	}
}

// TestEscaping checks that user-supplied text is escaped everywhere it is shown.
func TestEscaping(t *testing.T) {
	const evil = `<script>alert("x")</script><b onmouseover=1>`
	p := views.Page{Title: evil, User: &views.User{Name: evil, Opens: hr.Opens}, Flash: evil}
	tests := []struct {
		name string
		c    templ.Component
		sel  []string
	}{
		{"home", views.HomePage(p, views.Home{Greeting: evil, Roles: []string{evil}, Cards: []views.HomeCard{{Title: evil, Text: evil, Href: "/", Label: evil}}, Track: evil}),
			[]string{"#user-name", "#flash", "#greeting", "#roles .badge", ".card h3"}},
		{"people", views.PeoplePage(p, views.PeopleView{
			People:    []views.PersonRow{{ID: evil, Name: evil, Email: evil, Status: evil}},
			Form:      views.InviteForm{Error: evil, Fields: map[string]string{"email": evil}},
			Invited:   &views.Invited{Name: evil, Link: "/set-password?token=x"},
			CanInvite: true,
		}), []string{"tr[data-person-id] th", "#invite-error", `[data-field="email"] .error`, "#invite-link strong"}},
		{"login", views.LoginPage(views.Page{}, views.LoginForm{Error: evil}), []string{"#login-error"}},
		{"set-password", views.SetPasswordPage(views.Page{}, views.SetPasswordForm{Error: evil}), []string{"#set-password-error"}},
		{"link-invalid", views.LinkInvalidPage(views.Page{}, evil), []string{"#link-invalid p"}},
		{"error", views.ErrorPage(views.Page{}, 500, evil, evil), []string{"#error h1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			html, doc := render(t, tt.c)
			if strings.Contains(html, "<script>alert") || strings.Contains(html, "<b onmouseover") {
				t.Error("raw markup from data in the output")
			}
			if n := doc.Find("script").Length(); n != 2 {
				t.Errorf("%d script elements, want 2 (htmx, live.js)", n)
			}
			if n := doc.Find("b").Length(); n != 0 {
				t.Errorf("%d injected <b> elements", n)
			}
			for _, sel := range tt.sel {
				if got := text(doc.Find(sel).First()); got != evil {
					t.Errorf("%s text = %q, want %q", sel, got, evil)
				}
			}
		})
	}
}

// TestClassesStyled checks that every class the pages use is in onramp.css.
func TestClassesStyled(t *testing.T) {
	css, err := fs.ReadFile(static.FS, "onramp.css")
	if err != nil {
		t.Fatal(err)
	}
	styled := map[string]bool{}
	for _, m := range regexp.MustCompile(`\.([a-zA-Z][\w-]*)`).FindAllStringSubmatch(string(css), -1) {
		styled[m[1]] = true
	}
	for name, c := range allPages() {
		_, doc := render(t, c)
		doc.Find("[class]").Each(func(_ int, s *goquery.Selection) {
			for _, class := range strings.Fields(attr(t, s, "class")) {
				if !styled[class] {
					t.Errorf("%s: class %q is not in onramp.css", name, class)
				}
			}
		})
	}
}

// The header marks the current section with aria-current and offers Mentorship to all.
func TestNavMarksTheCurrentSection(t *testing.T) {
	for _, tc := range []struct{ path, current string }{
		{"/", "nav-home"},
		{"/training/modules/backup/quiz", "nav-training"},
		{"/mentorship/pairs/p1", "nav-mentorship"},
		{"/people", "nav-people"},
		{"/onboarding/tasks", "nav-onboarding"},
	} {
		_, doc := render(t, views.HomePage(views.Page{User: hr, Path: tc.path}, views.Home{Greeting: "Hi"}))
		one(t, doc, "#nav-mentorship")
		cur := doc.Find(`header nav a[aria-current="page"]`)
		if cur.Length() != 1 || attr(t, cur, "id") != tc.current {
			t.Errorf("%s: current links %d, first %q; want %s", tc.path, cur.Length(), cur.AttrOr("id", ""), tc.current)
		}
	}
}
