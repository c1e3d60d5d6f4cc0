// Package views holds Onramp's web pages as typed templ components.
//
// Every page takes a [Page] (what the layout needs) and, where it has one, a
// small view model. The pages work without JavaScript: navigation is plain
// links and every action is a plain HTML form that POSTs. The vendored htmx
// (see package onramp.dev/views/static) only enhances them through hx-boost.
//
// The markup is written for a strict Content Security Policy
// (script-src 'self'; style-src 'self'): no inline scripts, no event handler
// attributes and no style attributes. All styling lives in
// /static/onramp.css.
//
// Element ids and data attributes named in the component docs are stable and
// may be used by tests and by the web service.
package views

import (
	"slices"

	"onramp.dev/events/identityapi"
)

// Page is what every page's layout needs.
type Page struct {
	// Title is the page's own title; the layout renders "<Title> · Onramp".
	// When empty, each page uses a sensible default.
	Title string
	// User is the signed-in user, or nil when signed out.
	User *User
	// Flash is an optional one-line notice shown at the top of the page.
	Flash string
	// Path is the page's URL path; the header marks the link of its section as current.
	Path string
	// Description is the page's meta description; a general one when empty.
	Description string
}

// User is the signed-in person as the views see them.
type User struct {
	ID, Name, Email string
	// Opens lists the sections of the portal the user may open, as identity decided
	// them; the navigation links exactly these.
	Opens []identityapi.Section
}

// May reports whether the user may open section s. It is false for a nil user.
func (u *User) May(s identityapi.Section) bool {
	return u != nil && slices.Contains(u.Opens, s)
}

// LoginForm is the state of the sign-in form.
type LoginForm struct {
	// Email is kept when the form is shown again after a failed attempt.
	Email string
	// Error is a form-level message such as "Wrong email or password".
	Error string
	// Next is the path to return to after signing in (hidden field "next").
	Next string
}

// HomeCard is one card on the home page: a title, a short text and a link.
type HomeCard struct {
	Title, Text string
	// Href is where the card's link goes; no link is shown when empty.
	Href string
	// Label is the link text; "Open" when empty.
	Label string
}

// Home is the signed-in user's home page.
type Home struct {
	// Greeting is shown as the page's heading, for example "Welcome, Ada".
	Greeting string
	// Roles are the user's roles, shown as badges.
	Roles []string
	// Cards are the role-specific things to do next.
	Cards []HomeCard
	// Track, Team and StartDate describe a new hire; each is shown only when set.
	Track, Team, StartDate string
	// Progress is the hire's own onboarding progress, when they have a plan.
	Progress *HomeProgress
	// Now is what is due this week (and anything overdue), due first: "what now?".
	Now []HomeItem
	// NowHeading introduces Now; empty hides the section.
	NowHeading string
	// Mentor is the hire's mentor and last check-in, when they have one.
	Mentor *HomeMentor
	// Mentees are the people the viewer mentors now, each with their last check-in.
	Mentees []HomeMentor
	// Counts are figures that link to the list behind them (leads, HR, admin).
	Counts []HomeCount
	// Hires are the lead's (or HR's) new hires with their progress.
	Hires []HomeHire
	// Charts are small bar charts of the counts; Trends the last weeks (HR, admin).
	Charts []BarChart
	Trends []TrendChart
}

// HomeProgress is an onboarding's progress.
type HomeProgress struct {
	Done, Total, Overdue int
	Href                 string
}

// HomeItem is one thing to do: a task or a training module.
type HomeItem struct {
	Kind, Title, Href, Due string
}

// HomeMentor is the hire's mentor, or one of a mentor's mentees.
type HomeMentor struct {
	// ID is the other person (their name links to their profile); Href the mentorship.
	ID, Name, LastCheckin, Href string
}

// HomeCount is a figure that links to its list; Alert marks one that needs attention.
type HomeCount struct {
	Label, Href string
	Value       int
	Alert       bool
}

// HomeHire is one hire on a lead's home: progress and overdue tasks.
type HomeHire struct {
	// ID is the hire (their name links to their profile); Href their plan.
	ID, Name, Href, Next string
	Done, Total, Late    int
}

// PersonRow is one person in the People table.
type PersonRow struct {
	ID, Name, Email string
	// Roles is a display string, for example "hire, mentor".
	Roles string
	// Team, Track and StartDate are shown as given.
	Team, Track, StartDate string
	// Status is for example "active", "invited" or "disabled". Everyone whose
	// status is not "disabled" gets a Disable button.
	Status string
	// NeedsPassword is true while the person has not set a password yet; they
	// get a "New set-password link" button.
	NeedsPassword bool
	// Protected is true when the viewer may not act on this account (someone with the
	// hr or admin role, seen by someone who is not an admin): the row has no buttons.
	Protected bool
	// Self marks the viewer's own row: it has no Disable button.
	Self bool
}

// InviteForm is the state of the invite form on the People page.
type InviteForm struct {
	Email, Name, Track, Team string
	// Lead is the id of the new person's lead, or empty.
	Lead string
	// StartDate is in the form YYYY-MM-DD (an <input type="date"> value).
	StartDate string
	// Fields holds per-field error messages keyed by form field name:
	// email, name, track, team, lead, start_date.
	Fields map[string]string
	// Error is a form-level error message.
	Error string
}

// Option is one choice in a select or datalist.
type Option struct{ Value, Label string }

// Invited is the one-time set-password link shown to HR right after an invite
// (or after asking for a new link).
type Invited struct {
	Name, Email, Link string
	// Warning, when set, says that some of the plan's early tasks are due at once.
	Warning string
}

// PeopleView is the People page.
type PeopleView struct {
	People []PersonRow
	// Query is the search the rows match; Sort their order ("name", "team" or
	// "start_date"; empty: name); Pager where they sit in the list.
	Query string
	Sort  string
	Pager Pager
	Form  InviteForm
	// Tracks are the role tracks for <select name="track">.
	Tracks []Option
	// Teams are existing teams, offered in a <datalist>; a new team may be typed.
	Teams []Option
	// Leads are the people who can lead (Value is the person id), for
	// <select name="lead">, which also has an empty "—" option.
	Leads []Option
	// Invited is non-nil right after a successful invite.
	Invited *Invited
	// Problem is a refused action's message, shown at the top (id="people-problem").
	Problem string
	// CanInvite reports whether the viewer may manage people: it shows the
	// invite form and the per-person actions (new link, disable).
	CanInvite bool
}

// SetPasswordForm is the state of the set-password form reached from a
// one-time link.
type SetPasswordForm struct {
	// Token is the one-time token from the link (hidden field "token").
	Token string
	// Name greets the person when set.
	Name string
	// Error is a form-level error message.
	Error string
	// Fields holds per-field error messages keyed "password" and "confirm".
	Fields map[string]string
}

// Confirm is the question asked before a destructive action.
type Confirm struct {
	// Title is the page heading, for example "Disable Hana Hughes?".
	Title string
	// Question says what will happen; Detail, when set, what follows from it.
	Question, Detail string
	// Action is the URL the confirmed form posts to.
	Action string
	// Fields are the original form's fields (Value: name, Label: value), sent again.
	Fields []Option
	// Button is the confirming button's text, for example "Disable".
	Button string
	// Cancel is where the Cancel link goes.
	Cancel string
}
