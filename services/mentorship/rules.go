package mentorship

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"onramp.dev/events"
)

// Person is what the domain needs to know about someone (from the directory).
type Person struct {
	ID, Name, Team, Lead, Track, StartDate string
	Roles                                  []string
	Active                                 bool
}

// Has reports whether p holds any of roles.
func (p Person) Has(roles ...string) bool {
	return slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(p.Roles, r) })
}

// HR reports whether p is HR or an admin.
func (p Person) HR() bool { return p.Has(events.ManagerRoles...) }

// Leads reports whether p is a lead of other's team — the one rule for leads everywhere
// (identity refuses a named lead from another team, so the lead field grants nothing more).
func (p Person) Leads(other Person) bool {
	return p.ID != "" && p.Has(events.RoleLead) && p.Team == other.Team && p.ID != other.ID
}

func invalid(msg string, fields map[string]string) *events.Error {
	return &events.Error{Code: events.CodeInvalid, Message: msg, Fields: fields}
}

var (
	errForbidden = events.Errorf(events.CodeForbidden, "you may not do that")
)

// CanSee reports whether viewer may see mentorship p of hire: the two participants, the
// hire's lead, HR and admin.
func CanSee(viewer Person, p *Pair, hire Person) bool {
	return viewer.ID == p.Hire || viewer.ID == p.Mentor || viewer.HR() || viewer.Leads(hire)
}

// CanSeeFeedback: the participants, HR and admin.
func CanSeeFeedback(viewer Person, p *Pair) bool {
	return viewer.ID == p.Hire || viewer.ID == p.Mentor || viewer.HR()
}

// CanPropose reports whether viewer may propose mentors for hire: the hire's lead, HR and
// admin.
func CanPropose(viewer, hire Person) bool { return viewer.HR() || viewer.Leads(hire) }

// DecideProfile checks a person's own profile change. eligible are the skills they may
// mentor (verified or evidenced); active is how many mentees they have now.
func DecideProfile(req events.MentorProfileRequest, eligible []string, skillName func(string) string) (events.MentorProfileUpdated, error) {
	e := events.MentorProfileUpdated{State: strings.TrimSpace(req.State), Capacity: req.Capacity, Notes: strings.TrimSpace(req.Notes), Skills: []string{}}
	if e.State == "" {
		e.State = events.ProfileActive
	}
	fields := map[string]string{}
	if e.State != events.ProfileActive && e.State != events.ProfilePaused {
		fields["state"] = "Choose active or paused."
	}
	for _, s := range req.Skills {
		s = strings.TrimSpace(s)
		if s == "" || slices.Contains(e.Skills, s) {
			continue
		}
		if !slices.Contains(eligible, s) {
			fields["skills"] = fmt.Sprintf("You can only mentor skills where your level is verified or evidenced; %s is not.", skillName(s))
			continue
		}
		e.Skills = append(e.Skills, s)
	}
	slices.Sort(e.Skills)
	if len(e.Skills) == 0 && e.State == events.ProfileActive && fields["skills"] == "" {
		fields["skills"] = "Choose at least one skill you will mentor."
		if len(eligible) == 0 {
			fields["skills"] = "You have no verified or evidenced skill yet: ask your lead to verify one, or pass a training module."
		}
	}
	if e.Capacity < 1 || e.Capacity > events.MaxMentorCapacity {
		fields["capacity"] = fmt.Sprintf("Enter how many mentees you can take at once, 1 to %d.", events.MaxMentorCapacity)
	}
	if len(e.Notes) > 1000 {
		fields["notes"] = "Keep the notes under 1000 characters."
	}
	if len(fields) > 0 {
		return e, invalid("Some fields need attention.", fields)
	}
	return e, nil
}

// DecideNominate checks a nomination of person by viewer: their lead or HR, not
// themselves, not someone who already mentors.
func DecideNominate(viewer, person Person, cur *Profile, note string) (events.MentorNominated, error) {
	e := events.MentorNominated{Note: strings.TrimSpace(note)}
	if !viewer.HR() && !viewer.Leads(person) {
		return e, events.Errorf(events.CodeForbidden, "only the person's lead or HR may nominate them")
	}
	if viewer.ID == person.ID {
		return e, invalid("Set up your own profile instead.", map[string]string{"person": "That is you: opt in on your mentor profile."})
	}
	if !person.Active {
		return e, invalid("That person is not active.", map[string]string{"person": "Choose an active person."})
	}
	if len(e.Note) > 1000 {
		return e, invalid("The note is too long.", map[string]string{"note": "Keep it under 1000 characters."})
	}
	if cur != nil && (cur.State == events.ProfileActive || cur.State == events.ProfilePaused) {
		return e, events.Errorf(events.CodeConflict, "%s already has a mentor profile", person.Name)
	}
	return e, nil
}

// ProposeInput is everything a proposal is decided on.
type ProposeInput struct {
	Viewer      Person
	Hire        Person
	HireFound   bool
	Mentor      Person
	MentorFound bool
	Profile     *Profile // the mentor's, nil if none
	Load        Load     // the mentor's
	Open        *Pair    // the hire's open mentorship, nil if none
	Reason      string
	Match       *Match // the mentor's match for the hire (score and reasons)
}

// DecidePropose checks a proposal. Order: who may propose (403), the input (422), then
// the state (409: the hire already has a mentorship, the mentor is at capacity — which
// only HR may override, with a reason).
func DecidePropose(in ProposeInput) (events.MentorshipProposed, error) {
	reason := strings.TrimSpace(in.Reason)
	e := events.MentorshipProposed{Hire: in.Hire.ID, Mentor: in.Mentor.ID, Reason: reason}
	if !in.HireFound {
		if in.Viewer.HR() {
			return e, invalid("Choose a hire.", map[string]string{"hire": "No such person."})
		}
		return e, errForbidden
	}
	if !CanPropose(in.Viewer, in.Hire) {
		return e, events.Errorf(events.CodeForbidden, "only the hire's lead or HR may propose a mentor")
	}
	fields := map[string]string{}
	switch {
	case !in.Hire.Active || !in.Hire.Has(events.RoleHire):
		fields["hire"] = "Choose an active new hire."
	}
	switch {
	case in.Mentor.ID == "" && !in.MentorFound:
		fields["mentor"] = "Choose a mentor."
	case in.Mentor.ID == in.Hire.ID:
		fields["mentor"] = "A hire cannot mentor themselves: choose someone else."
	case !in.MentorFound || !in.Mentor.Active:
		fields["mentor"] = "Choose an active person."
	case in.Profile == nil || in.Profile.State != events.ProfileActive:
		fields["mentor"] = in.Mentor.Name + " has not opted in as a mentor."
	case in.Mentor.Leads(in.Hire), in.Hire.Lead == in.Mentor.ID:
		fields["mentor"] = in.Mentor.Name + " is the hire's own lead: choose someone outside the reporting line."
	}
	if len(reason) > 1000 {
		fields["reason"] = "Keep the reason under 1000 characters."
	}
	if len(fields) > 0 {
		return e, invalid("Some fields need attention.", fields)
	}
	if in.Open != nil {
		what := "an active mentorship"
		if in.Open.State == events.PairProposed {
			what = "a mentor proposed"
		}
		return e, &events.Error{Code: events.CodeConflict, Message: fmt.Sprintf("%s already has %s; end it before proposing another.", in.Hire.Name, what)}
	}
	if in.Load.Total() >= in.Profile.Capacity {
		full := fmt.Sprintf("%s is at capacity (%d of %d places taken)", in.Mentor.Name, in.Load.Total(), in.Profile.Capacity)
		if !in.Viewer.HR() {
			return e, &events.Error{Code: events.CodeConflict, Message: full + "; only HR can propose them, with a reason."}
		}
		if reason == "" {
			return e, &events.Error{Code: events.CodeConflict, Message: full + "; give a reason to override the capacity.",
				Fields: map[string]string{"reason": "Give a reason to propose a mentor who is at capacity."}}
		}
		e.Override = reason
	}
	if in.Match != nil {
		e.Score, e.Reasons = in.Match.Score, slices.Clone(in.Match.Reasons)
	}
	return e, nil
}

// MayPropose reports whether a suggested mentor may be proposed for a hire, as DecidePropose
// will decide it: not while the hire has an open mentorship, and a mentor at capacity only
// by HR (who overrides with a reason).
func MayPropose(viewer Person, m Match, hireHasOpen bool) bool {
	return !hireHasOpen && (!m.AtCapacity || viewer.HR())
}

// ErrNoChange means the command is already in effect (a repeated accept or decline).
var ErrNoChange = fmt.Errorf("mentorship: nothing to change")

// DecideAccept checks the proposed mentor's acceptance. Accepting an active mentorship
// again returns ErrNoChange.
func DecideAccept(viewer Person, p *Pair, prof *Profile, load Load) (events.MentorshipAccepted, error) {
	e := events.MentorshipAccepted{Hire: p.Hire, Mentor: p.Mentor}
	if viewer.ID != p.Mentor {
		return e, events.Errorf(events.CodeForbidden, "only the proposed mentor may accept")
	}
	switch p.State {
	case events.PairActive:
		return e, ErrNoChange
	case events.PairDeclined, events.PairEnded:
		return e, events.Errorf(events.CodeConflict, "this mentorship was %s", p.State)
	}
	if p.Override == "" && prof != nil && load.Active >= prof.Capacity {
		return e, events.Errorf(events.CodeConflict, "you are at capacity (%d of %d mentees); raise your capacity or end a mentorship first", load.Active, prof.Capacity)
	}
	return e, nil
}

// DecideDecline checks the proposed mentor's refusal.
func DecideDecline(viewer Person, p *Pair, reason string) (events.MentorshipDeclined, error) {
	e := events.MentorshipDeclined{Hire: p.Hire, Mentor: p.Mentor, Reason: strings.TrimSpace(reason)}
	if viewer.ID != p.Mentor {
		return e, events.Errorf(events.CodeForbidden, "only the proposed mentor may decline")
	}
	switch p.State {
	case events.PairDeclined:
		return e, ErrNoChange
	case events.PairActive, events.PairEnded:
		return e, events.Errorf(events.CodeConflict, "this mentorship is %s; it can no longer be declined", p.State)
	}
	if len(e.Reason) > 1000 {
		return e, invalid("The reason is too long.", map[string]string{"reason": "Keep it under 1000 characters."})
	}
	return e, nil
}

// DecideEnd checks an end (or, for a proposal, a withdrawal): by either participant, the
// hire's lead or HR, with a reason.
func DecideEnd(viewer Person, p *Pair, hire Person, reason string) (events.MentorshipEnded, error) {
	e := events.MentorshipEnded{Hire: p.Hire, Mentor: p.Mentor, Reason: strings.TrimSpace(reason)}
	if viewer.ID != p.Hire && viewer.ID != p.Mentor && !viewer.HR() && !viewer.Leads(hire) {
		return e, events.Errorf(events.CodeForbidden, "only the participants, the hire's lead or HR may end a mentorship")
	}
	if !p.Open() {
		return e, ErrNoChange
	}
	if e.Reason == "" || len(e.Reason) > 1000 {
		return e, invalid("Say why the mentorship ends.", map[string]string{"reason": "Give a reason (up to 1000 characters)."})
	}
	return e, nil
}

// DecideCheckin checks a check-in: by a participant, on an active mentorship, dated within
// a year either side of today, with notes; linked skills must be known.
func DecideCheckin(viewer Person, p *Pair, req events.CheckinRequest, id string, today time.Time, known func(string) bool) (events.CheckinLogged, error) {
	if viewer.ID != p.Hire && viewer.ID != p.Mentor {
		return events.CheckinLogged{}, events.Errorf(events.CodeForbidden, "only the mentor and the hire may log check-ins")
	}
	if p.State != events.PairActive {
		return events.CheckinLogged{}, events.Errorf(events.CodeConflict, "check-ins can only be logged while the mentorship is active (it is %s)", p.State)
	}
	return checkinOf(p, req, id, today, known)
}

// CheckinEditWindow is how long after logging a check-in its author may still change it.
const CheckinEditWindow = 24 * time.Hour

// CanEditCheckin reports whether viewer may change check-in c of p now: its author, within
// CheckinEditWindow of logging it, while the mentorship is active.
func CanEditCheckin(viewer Person, p *Pair, c *Checkin, now time.Time) bool {
	return c.By == viewer.ID && p.State == events.PairActive && now.Before(c.At.Add(CheckinEditWindow))
}

// DecideCheckinEdit decides a change to check-in req.Checkin: the same checks as logging
// it, and only by its author within a day.
func DecideCheckinEdit(viewer Person, p *Pair, req events.CheckinRequest, now time.Time, known func(string) bool) (events.CheckinEdited, error) {
	i := slices.IndexFunc(p.Checkins, func(c Checkin) bool { return c.ID == req.Checkin })
	switch {
	case i < 0:
		return events.CheckinEdited{}, events.Errorf(events.CodeNotFound, "no such check-in")
	case p.Checkins[i].By != viewer.ID:
		return events.CheckinEdited{}, events.Errorf(events.CodeForbidden, "only the person who logged a check-in may change it")
	case p.State != events.PairActive:
		return events.CheckinEdited{}, events.Errorf(events.CodeConflict, "check-ins can only be changed while the mentorship is active (it is %s)", p.State)
	case !CanEditCheckin(viewer, p, &p.Checkins[i], now):
		return events.CheckinEdited{}, events.Errorf(events.CodeConflict, "a check-in can only be changed within 24 hours of logging it")
	}
	e, err := checkinOf(p, req, req.Checkin, now, known)
	return events.CheckinEdited(e), err
}

// checkinOf checks a check-in's fields and returns it as logged.
func checkinOf(p *Pair, req events.CheckinRequest, id string, today time.Time, known func(string) bool) (events.CheckinLogged, error) {
	e := events.CheckinLogged{ID: id, Hire: p.Hire, Mentor: p.Mentor, Date: strings.TrimSpace(req.Date), Notes: strings.TrimSpace(req.Notes),
		NextSteps: strings.TrimSpace(req.NextSteps)}
	fields := map[string]string{}
	d, err := time.Parse(events.DateLayout, e.Date)
	switch {
	case err != nil:
		fields["date"] = "Enter the date of the check-in, " + events.DateExample + "."
	case d.Before(today.AddDate(-1, 0, -1)) || d.After(today.AddDate(1, 0, 0)):
		fields["date"] = "The date must be within a year of today."
	}
	if e.Notes == "" || len(e.Notes) > 4000 {
		fields["notes"] = "Write what you talked about (up to 4000 characters)."
	}
	if len(e.NextSteps) > 2000 {
		fields["next_steps"] = "Keep the next steps under 2000 characters."
	}
	for _, s := range req.Skills {
		s = strings.TrimSpace(s)
		if s == "" || slices.Contains(e.Skills, s) {
			continue
		}
		if !known(s) {
			fields["skills"] = "Choose skills from the catalogue."
			continue
		}
		e.Skills = append(e.Skills, s)
	}
	if len(e.Skills) > 20 {
		fields["skills"] = "Link at most 20 skills."
	}
	if len(fields) > 0 {
		return e, invalid("Some fields need attention.", fields)
	}
	return e, nil
}

// DecideFeedback checks feedback: from a participant, once, after the end.
func DecideFeedback(viewer Person, p *Pair, rating int, text string) (events.FeedbackGiven, error) {
	e := events.FeedbackGiven{Hire: p.Hire, Mentor: p.Mentor, From: viewer.ID, Rating: rating, Text: strings.TrimSpace(text)}
	if viewer.ID != p.Hire && viewer.ID != p.Mentor {
		return e, events.Errorf(events.CodeForbidden, "only the mentor and the hire may give feedback")
	}
	if p.State != events.PairEnded {
		return e, events.Errorf(events.CodeConflict, "feedback is given once the mentorship has ended")
	}
	if slices.ContainsFunc(p.Feedback, func(f Feedback) bool { return f.From == viewer.ID }) {
		return e, events.Errorf(events.CodeConflict, "you have already given feedback on this mentorship")
	}
	fields := map[string]string{}
	if rating < 1 || rating > 5 {
		fields["rating"] = "Choose a rating from 1 to 5."
	}
	if len(e.Text) > 2000 {
		fields["text"] = "Keep the feedback under 2000 characters."
	}
	if len(fields) > 0 {
		return e, invalid("Some fields need attention.", fields)
	}
	return e, nil
}
