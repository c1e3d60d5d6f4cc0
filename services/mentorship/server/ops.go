package server

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"onramp.dev/content"
	"onramp.dev/events"
	"onramp.dev/events/mentorshipapi"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/directory"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/idempotency"
	"onramp.dev/infra/rpc"
	"onramp.dev/services/mentorship"
)

type empty = events.None

func (m *Main) register() error {
	svc, err := rpc.NewService(m.nc, events.MentorshipService, "1.0.0", m.log)
	if err != nil {
		return err
	}
	m.svc = svc
	for _, err := range []error{
		rpc.Serve(svc, mentorshipapi.OpMentorsList, m.opMentors),
		rpc.Serve(svc, mentorshipapi.OpProfileGet, m.opProfileGet),
		rpc.Serve(svc, mentorshipapi.OpProfilePut, m.opProfilePut),
		rpc.Serve(svc, mentorshipapi.OpProfileNominate, m.opNominate),
		rpc.Serve(svc, mentorshipapi.OpSuggestions, m.opSuggestions),
		rpc.Serve(svc, mentorshipapi.OpMentorshipList, m.opList),
		rpc.Serve(svc, mentorshipapi.OpPartners, m.opPartners),
		rpc.Serve(svc, mentorshipapi.OpMentorshipGet, m.opGet),
		rpc.Serve(svc, mentorshipapi.OpMentorshipPropose, m.opPropose),
		rpc.Serve(svc, mentorshipapi.OpMentorshipAccept, m.lifecycle(events.OpMentorshipAccept)),
		rpc.Serve(svc, mentorshipapi.OpMentorshipDecline, m.lifecycle(events.OpMentorshipDecline)),
		rpc.Serve(svc, mentorshipapi.OpMentorshipEnd, m.lifecycle(events.OpMentorshipEnd)),
		rpc.Serve(svc, mentorshipapi.OpCheckinLog, m.opCheckin),
		rpc.Serve(svc, mentorshipapi.OpCheckinEdit, m.opCheckinEdit),
		rpc.Serve(svc, mentorshipapi.OpFeedbackGive, m.opFeedback),
		rpc.Serve(svc, mentorshipapi.OpMentorCoverage, m.opCoverage),
		rpc.Serve(svc, mentorshipapi.OpMentorshipSeed, m.opSeed),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

var (
	errUnauthorized = events.Errorf(events.CodeUnauthorized, "sign in again")
	errForbidden    = events.Errorf(events.CodeForbidden, "you may not do that")
	errNoPair       = events.Errorf(events.CodeNotFound, "no such mentorship")
)

func toPerson(p directory.Person) mentorship.Person {
	return mentorship.Person{ID: p.ID, Name: p.Name, Team: p.Team, Lead: p.Lead, Track: p.Track, StartDate: p.StartDate,
		Roles: p.Roles, Active: p.Active}
}

// authenticate verifies the caller's token. Roles and team come from the directory when it
// knows the person (so they are current), else from the token.
func (m *Main) authenticate(ctx context.Context, c rpc.Caller) (mentorship.Person, error) {
	// A page that refreshes itself because something changed must see that change.
	m.el.Fresh(ctx, 2*time.Second)
	claims, err := m.verify.Verify(ctx, c.Token)
	if err != nil {
		return mentorship.Person{}, errUnauthorized
	}
	if p, ok := m.dir.Person(claims.Subject); ok {
		if !p.Active {
			return mentorship.Person{}, errUnauthorized
		}
		return toPerson(p), nil
	}
	return mentorship.Person{ID: claims.Subject, Name: claims.Name, Team: claims.Team, Roles: claims.Roles, Active: true}, nil
}

func (m *Main) person(id string) (mentorship.Person, bool) {
	p, ok := m.dir.Person(id)
	if !ok {
		return mentorship.Person{ID: id, Name: id}, false
	}
	return toPerson(p), true
}

func (m *Main) name(id string) string {
	if p, ok := m.dir.Person(id); ok {
		return p.Name
	}
	return id
}

// skillName is a skill's name in the effective catalogue (its id if unknown).
func (m *Main) skillName(id string) string {
	if s, ok := m.skill(id); ok {
		return s.Name
	}
	return id
}

// skill looks a skill up in the effective catalogue, as the skills service announced it.
func (m *Main) skill(id string) (events.Skill, bool) {
	m.catMu.RLock()
	defer m.catMu.RUnlock()
	return m.cat.Skill(id)
}

// trackNames are the role tracks' display names, read once.
var trackNames = func() map[string]string {
	out := map[string]string{}
	ts, _ := content.Tracks()
	for _, t := range ts {
		out[t.ID] = t.Name
	}
	return out
}()

func trackName(id string) string {
	if n, ok := trackNames[id]; ok {
		return n
	}
	if id == "" {
		return "none"
	}
	return id
}

// MaxSuggestions is how many ranked mentors a suggestions request answers.
const MaxSuggestions = 20

func (m *Main) today() string { return events.Date(m.cfg.Now()) }

// --- profiles ---

// profileView shows a profile; the caller holds el's read lock. withEligible adds the
// skills the person could offer.
func (m *Main) profileView(person string, p *mentorship.Profile, withEligible bool) events.MentorProfileView {
	who, _ := m.person(person)
	v := events.MentorProfileView{Person: person, Name: who.Name, Team: who.Team, Track: who.Track, State: "none", Skills: []events.MentorSkill{}}
	m.bookMu.RLock()
	defer m.bookMu.RUnlock()
	if p != nil {
		v.State, v.Capacity, v.Notes, v.NominatedBy = p.State, p.Capacity, p.Notes, p.NominatedBy
		v.Load = m.state.LoadOf(person).Total()
		for _, s := range p.Skills {
			l, src := m.book.Mentorable(person, s)
			v.Skills = append(v.Skills, events.MentorSkill{Skill: s, Name: m.skillName(s), Level: l, Source: src})
		}
	}
	if withEligible {
		v.Eligible = []events.MentorSkill{}
		for _, s := range m.book.Eligible(person) {
			l, src := m.book.Mentorable(person, s)
			v.Eligible = append(v.Eligible, events.MentorSkill{Skill: s, Name: m.skillName(s), Level: l, Source: src})
		}
	}
	return v
}

// opMentors lists the mentors who take mentees (HR and admin: every profile, also paused
// and nominated ones), by name.
func (m *Main) opMentors(ctx context.Context, r rpc.Request[events.MentorsRequest]) (events.MentorsReply, error) {
	viewer, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.MentorsReply{}, err
	}
	q := r.Body.Page
	type mentor struct {
		p   *mentorship.Profile
		key string
	}
	m.el.RLock()
	defer m.el.RUnlock()
	var found []mentor
	m.state.Profiles(func(p *mentorship.Profile) {
		if p.State == events.ProfileActive || viewer.HR() {
			if who := m.name(p.ID); q.Matches(who) {
				found = append(found, mentor{p, who + "\x00" + p.ID})
			}
		}
	})
	slices.SortFunc(found, func(a, b mentor) int { return strings.Compare(a.key, b.key) })
	page, info, err := events.PageBy(q, found, func(x mentor) string { return x.key })
	if err != nil {
		return events.MentorsReply{}, err
	}
	// Only the page's profiles are turned into views.
	out := events.MentorsReply{Items: make([]events.MentorProfileView, 0, len(page)), PageInfo: info}
	for _, x := range page {
		out.Items = append(out.Items, m.profileView(x.p.ID, x.p, false))
	}
	return out, nil
}

func (m *Main) opProfileGet(ctx context.Context, r rpc.Request[events.MentorProfileRequest]) (events.MentorProfileView, error) {
	viewer, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.MentorProfileView{}, err
	}
	id := r.Body.Person
	if id == "" {
		id = viewer.ID
	}
	if id != viewer.ID {
		who, ok := m.person(id)
		if !ok && !viewer.HR() {
			return events.MentorProfileView{}, errForbidden
		}
		if !viewer.HR() && !viewer.Leads(who) {
			return events.MentorProfileView{}, errForbidden
		}
	}
	m.el.RLock()
	defer m.el.RUnlock()
	p, _ := m.state.Profile(id)
	return m.profileView(id, p, id == viewer.ID), nil
}

func (m *Main) opProfilePut(ctx context.Context, r rpc.Request[events.MentorProfileRequest]) (events.MentorProfileView, error) {
	viewer, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.MentorProfileView{}, err
	}
	if r.Body.Person != "" && r.Body.Person != viewer.ID {
		return events.MentorProfileView{}, events.Errorf(events.CodeForbidden, "you can only change your own mentor profile")
	}
	return m.putProfile(ctx, viewer.ID, viewer.ID, r.Body)
}

func (m *Main) putProfile(ctx context.Context, actor, person string, req events.MentorProfileRequest) (events.MentorProfileView, error) {
	defer m.el.Lock("profile:" + person)()
	err := eventlog.Retry(func() error {
		m.el.RLock()
		var seq uint64
		if p, ok := m.state.Profile(person); ok {
			seq = p.Seq
		}
		m.el.RUnlock()
		m.bookMu.RLock()
		eligible := m.book.Eligible(person)
		m.bookMu.RUnlock()
		e, err := mentorship.DecideProfile(req, eligible, m.skillName)
		if err != nil {
			return err
		}
		return m.commit(ctx, actor, person, e, events.RecordFilter("mentorship", "profile", person), seq)
	})
	if err != nil {
		return events.MentorProfileView{}, err
	}
	m.el.RLock()
	defer m.el.RUnlock()
	p, _ := m.state.Profile(person)
	return m.profileView(person, p, true), nil
}

func (m *Main) opNominate(ctx context.Context, r rpc.Request[events.NominateRequest]) (events.MentorProfileView, error) {
	viewer, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.MentorProfileView{}, err
	}
	who, ok := m.person(r.Body.Person)
	if !ok {
		if viewer.HR() {
			return events.MentorProfileView{}, events.Errorf(events.CodeNotFound, "no such person")
		}
		return events.MentorProfileView{}, errForbidden
	}
	defer m.el.Lock("profile:" + who.ID)()
	err = eventlog.Retry(func() error {
		m.el.RLock()
		p, _ := m.state.Profile(who.ID)
		var seq uint64
		var cur *mentorship.Profile
		if p != nil {
			c := *p
			cur, seq = &c, p.Seq
		}
		m.el.RUnlock()
		e, err := mentorship.DecideNominate(viewer, who, cur, r.Body.Note)
		if err != nil {
			return err
		}
		return m.commit(ctx, viewer.ID, who.ID, e, events.RecordFilter("mentorship", "profile", who.ID), seq)
	})
	if err != nil {
		return events.MentorProfileView{}, err
	}
	m.el.RLock()
	defer m.el.RUnlock()
	p, _ := m.state.Profile(who.ID)
	return m.profileView(who.ID, p, false), nil
}

// commit appends an event expecting lastSeq to be the last on filter.
func (m *Main) commit(ctx context.Context, actor, subject string, p events.Payload, filter string, lastSeq uint64) error {
	env, err := events.New(actor, subject, p, m.cfg.Now())
	if err != nil {
		return err
	}
	_, err = m.el.Commit(ctx, env, bus.Expect{Filter: filter, LastSeq: lastSeq})
	return err
}

// --- matching ---

// hireFor finds the hire a lead or HR asks about: 403 for people the viewer may not
// propose for (whether or not they exist), 404 for HR asking about nobody.
func (m *Main) hireFor(viewer mentorship.Person, id string) (mentorship.Person, error) {
	hire, ok := m.person(id)
	if !ok {
		if viewer.HR() {
			return hire, events.Errorf(events.CodeNotFound, "no such person")
		}
		return hire, errForbidden
	}
	if !mentorship.CanPropose(viewer, hire) {
		return hire, events.Errorf(events.CodeForbidden, "only the hire's lead or HR may look for their mentor")
	}
	return hire, nil
}

// suggest ranks the mentors for a hire with gaps; the caller holds el's read lock.
func (m *Main) suggest(hire mentorship.Person, gaps []mentorship.Gap, withFull bool) []mentorship.Match {
	m.bookMu.RLock()
	defer m.bookMu.RUnlock()
	open, _ := m.state.OpenFor(hire.ID)
	return mentorship.Suggest(hire, gaps, mentorship.WithoutOwnPlace(m.state.Candidates(m.person, m.book), open), withFull, trackName)
}

func (m *Main) opSuggestions(ctx context.Context, r rpc.Request[events.SuggestionsRequest]) (events.SuggestionsReply, error) {
	viewer, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.SuggestionsReply{}, err
	}
	if strings.TrimSpace(r.Body.Hire) == "" {
		return events.SuggestionsReply{}, &events.Error{Code: events.CodeInvalid, Message: "choose a hire", Fields: map[string]string{"hire": "is required"}}
	}
	hire, err := m.hireFor(viewer, r.Body.Hire)
	if err != nil {
		return events.SuggestionsReply{}, err
	}
	return m.Suggestions(ctx, viewer, hire)
}

// Suggestions answers the ranked mentors for a hire, each with whether viewer may propose
// them now; mentors at capacity are ranked for HR only.
func (m *Main) Suggestions(ctx context.Context, viewer, hire mentorship.Person) (events.SuggestionsReply, error) {
	withFull := viewer.HR()
	gaps, err := m.gaps(ctx, hire.ID)
	if err != nil {
		return events.SuggestionsReply{}, err
	}
	m.el.RLock()
	matches := m.suggest(hire, gaps, withFull)
	var current string
	if p, ok := m.state.OpenFor(hire.ID); ok {
		current = p.ID
	}
	m.el.RUnlock()
	out := events.SuggestionsReply{Hire: hire.ID, HireName: hire.Name, Gaps: gaps, Items: []events.Suggestion{}, Current: current, Total: len(matches)}
	matches = matches[:min(len(matches), MaxSuggestions)]
	for _, x := range matches {
		out.Items = append(out.Items, events.Suggestion{Mentor: x.Mentor, Name: x.Name, Score: x.Score, Reasons: x.Reasons,
			Covers: x.Covers, Capacity: x.Capacity, Load: x.Load, AtCapacity: x.AtCapacity, CanPropose: mentorship.MayPropose(viewer, x, current != "")})
	}
	return out, nil
}

// HirePerson looks a person up in the directory (the benchmark).
func (m *Main) HirePerson(id string) (mentorship.Person, bool) { return m.person(id) }

// --- lifecycle ---

func (m *Main) opPropose(ctx context.Context, r rpc.Request[events.ProposeRequest]) (events.MentorshipView, error) {
	viewer, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.MentorshipView{}, err
	}
	return m.propose(ctx, viewer, r.Body)
}

func (m *Main) propose(ctx context.Context, viewer mentorship.Person, req events.ProposeRequest) (events.MentorshipView, error) {
	id := idempotency.RecordID(ctx, m.cfg.Now())
	var gaps []mentorship.Gap
	if hire, ok := m.person(strings.TrimSpace(req.Hire)); ok && strings.TrimSpace(req.Mentor) != "" && mentorship.CanPropose(viewer, hire) {
		var err error
		if gaps, err = m.gaps(ctx, hire.ID); err != nil {
			return events.MentorshipView{}, err
		}
	}
	unlock := m.el.Lock("pairs")
	err := eventlog.Retry(func() error {
		in := mentorship.ProposeInput{Viewer: viewer, Reason: req.Reason}
		in.Hire, in.HireFound = m.person(strings.TrimSpace(req.Hire))
		in.Mentor, in.MentorFound = m.person(strings.TrimSpace(req.Mentor))
		if strings.TrimSpace(req.Mentor) == "" {
			in.Mentor = mentorship.Person{}
		}
		m.el.RLock()
		if p, ok := m.state.Profile(in.Mentor.ID); ok {
			c := *p
			in.Profile = &c
		}
		in.Load = m.state.LoadOf(in.Mentor.ID)
		if p, ok := m.state.OpenFor(in.Hire.ID); ok {
			c := p.Copy()
			in.Open = &c
		}
		if in.Profile != nil && in.HireFound && in.MentorFound {
			m.bookMu.RLock()
			for _, c := range m.state.Candidates(m.person, m.book) {
				if c.Person.ID == in.Mentor.ID {
					x := mentorship.Score(in.Hire, gaps, c, trackName)
					in.Match = &x
				}
			}
			m.bookMu.RUnlock()
		}
		last := m.state.LastPair()
		m.el.RUnlock()
		e, err := mentorship.DecidePropose(in)
		if err != nil {
			return err
		}
		return m.commit(ctx, viewer.ID, id, e, events.MentorshipPairsFilter, last)
	})
	unlock()
	if err != nil {
		return events.MentorshipView{}, err
	}
	return m.viewOf(ctx, viewer, id)
}

// lifecycle handles accept, decline and end.
func (m *Main) lifecycle(op string) func(context.Context, rpc.Request[events.MentorshipRequest]) (events.MentorshipView, error) {
	return func(ctx context.Context, r rpc.Request[events.MentorshipRequest]) (events.MentorshipView, error) {
		viewer, err := m.authenticate(ctx, r.Caller)
		if err != nil {
			return events.MentorshipView{}, err
		}
		return m.transition(ctx, viewer, op, r.Body)
	}
}

func (m *Main) transition(ctx context.Context, viewer mentorship.Person, op string, req events.MentorshipRequest) (events.MentorshipView, error) {
	unlock := m.el.Lock("pairs")
	err := eventlog.Retry(func() error {
		m.el.RLock()
		p, ok := m.state.Pair(req.ID)
		var pair mentorship.Pair
		var prof *mentorship.Profile
		var load mentorship.Load
		if ok {
			pair = p.Copy()
			if x, found := m.state.Profile(p.Mentor); found {
				c := *x
				prof = &c
			}
			load = m.state.LoadOf(p.Mentor)
		}
		last := m.state.LastPair()
		m.el.RUnlock()
		if !ok {
			return m.missing(viewer)
		}
		hire, _ := m.person(pair.Hire)
		if !mentorship.CanSee(viewer, &pair, hire) {
			return errForbidden
		}
		var e events.Payload
		var err error
		switch op {
		case events.OpMentorshipAccept:
			e, err = mentorship.DecideAccept(viewer, &pair, prof, load)
		case events.OpMentorshipDecline:
			e, err = mentorship.DecideDecline(viewer, &pair, req.Reason)
		default:
			e, err = mentorship.DecideEnd(viewer, &pair, hire, req.Reason)
		}
		if err != nil {
			return err
		}
		return m.commit(ctx, viewer.ID, pair.ID, e, events.MentorshipPairsFilter, last)
	})
	unlock()
	if err != nil && !errors.Is(err, mentorship.ErrNoChange) {
		return events.MentorshipView{}, err
	}
	return m.viewOf(ctx, viewer, req.ID)
}

// missing is the answer for an unknown mentorship: 404 for HR, 403 for others (nobody
// learns which ids exist).
func (m *Main) missing(viewer mentorship.Person) error {
	if viewer.HR() {
		return errNoPair
	}
	return errForbidden
}

func (m *Main) opCheckin(ctx context.Context, r rpc.Request[events.CheckinRequest]) (events.MentorshipView, error) {
	viewer, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.MentorshipView{}, err
	}
	return m.checkin(ctx, viewer, r.Body)
}

func (m *Main) checkin(ctx context.Context, viewer mentorship.Person, req events.CheckinRequest) (events.MentorshipView, error) {
	cid := idempotency.RecordID(ctx, m.cfg.Now())
	err := m.onPair(ctx, viewer, req.ID, func(p *mentorship.Pair) (events.Payload, error) {
		return mentorship.DecideCheckin(viewer, p, req, cid, m.cfg.Now(), func(s string) bool { _, ok := m.skill(s); return ok })
	})
	if err != nil {
		return events.MentorshipView{}, err
	}
	return m.viewOf(ctx, viewer, req.ID)
}

func (m *Main) opCheckinEdit(ctx context.Context, r rpc.Request[events.CheckinRequest]) (events.MentorshipView, error) {
	viewer, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.MentorshipView{}, err
	}
	err = m.onPair(ctx, viewer, r.Body.ID, func(p *mentorship.Pair) (events.Payload, error) {
		return mentorship.DecideCheckinEdit(viewer, p, r.Body, m.cfg.Now(), func(s string) bool { _, ok := m.skill(s); return ok })
	})
	if err != nil {
		return events.MentorshipView{}, err
	}
	return m.viewOf(ctx, viewer, r.Body.ID)
}

func (m *Main) opFeedback(ctx context.Context, r rpc.Request[events.FeedbackRequest]) (events.MentorshipView, error) {
	viewer, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.MentorshipView{}, err
	}
	err = m.onPair(ctx, viewer, r.Body.ID, func(p *mentorship.Pair) (events.Payload, error) {
		return mentorship.DecideFeedback(viewer, p, r.Body.Rating, r.Body.Text)
	})
	if err != nil {
		return events.MentorshipView{}, err
	}
	return m.viewOf(ctx, viewer, r.Body.ID)
}

// onPair decides and appends an event about one mentorship under its lock, expecting its
// last event.
func (m *Main) onPair(ctx context.Context, viewer mentorship.Person, id string, decide func(*mentorship.Pair) (events.Payload, error)) error {
	defer m.el.Lock(id)()
	return eventlog.Retry(func() error {
		m.el.RLock()
		p, ok := m.state.Pair(id)
		var pair mentorship.Pair
		if ok {
			pair = p.Copy()
		}
		m.el.RUnlock()
		if !ok {
			return m.missing(viewer)
		}
		hire, _ := m.person(pair.Hire)
		if !mentorship.CanSee(viewer, &pair, hire) {
			return errForbidden
		}
		e, err := decide(&pair)
		if err != nil {
			return err
		}
		return m.commit(ctx, viewer.ID, id, e, events.MentorshipFilter(id), pair.Seq)
	})
}

// --- reads ---

func (m *Main) viewOf(ctx context.Context, viewer mentorship.Person, id string) (events.MentorshipView, error) {
	m.el.RLock()
	p, ok := m.state.Pair(id)
	if !ok {
		m.el.RUnlock()
		return events.MentorshipView{}, m.missing(viewer)
	}
	hire, _ := m.person(p.Hire)
	if !mentorship.CanSee(viewer, p, hire) {
		m.el.RUnlock()
		return events.MentorshipView{}, errForbidden
	}
	v := m.view(viewer, p, hire)
	m.el.RUnlock()
	m.addGaps(ctx, []*events.MentorshipView{&v})
	return v, nil
}

// view shows a mentorship to viewer (who may see it); the caller holds el's read lock.
func (m *Main) view(viewer mentorship.Person, p *mentorship.Pair, hire mentorship.Person) events.MentorshipView {
	v := events.MentorshipView{
		ID: p.ID, Hire: p.Hire, HireName: hire.Name, Mentor: p.Mentor, MentorName: m.name(p.Mentor), State: p.State,
		ProposedBy: p.ProposedBy, Reason: p.Reason, Override: p.Override, Score: p.Score, Reasons: append([]string{}, p.Reasons...),
		Proposed: stamp(p.Proposed), Accepted: stamp(p.Accepted), Ended: stamp(p.Ended), EndReason: p.EndReason,
		DeclineReason: p.DeclineReason, Checkins: []events.CheckinView{},
	}
	today := m.today()
	now := m.cfg.Now()
	for _, c := range p.Checkins {
		v.Checkins = append(v.Checkins, events.CheckinView{ID: c.ID, Date: c.Date, Notes: c.Notes, NextSteps: c.NextSteps,
			Skills: append([]string{}, c.Skills...), By: c.By, ByName: m.name(c.By), Upcoming: c.Date > today,
			Edited: !c.Edited.IsZero(), CanEdit: mentorship.CanEditCheckin(viewer, p, &c, now)})
	}
	slices.SortStableFunc(v.Checkins, func(a, b events.CheckinView) int { return strings.Compare(b.Date, a.Date) })
	if mentorship.CanSeeFeedback(viewer, p) {
		v.Feedback = []events.FeedbackView{}
		for _, f := range p.Feedback {
			v.Feedback = append(v.Feedback, events.FeedbackView{From: f.From, FromName: m.name(f.From), Rating: f.Rating, Text: f.Text})
		}
	}
	v.Gaps = []events.SkillGap{} // filled in by addGaps, outside the lock
	participant := viewer.ID == p.Hire || viewer.ID == p.Mentor
	v.CanRespond = viewer.ID == p.Mentor && p.State == events.PairProposed
	v.CanCheckin = participant && p.State == events.PairActive
	v.CanEnd = p.Open() && (participant || viewer.HR() || viewer.Leads(hire))
	v.CanFeedback = participant && p.State == events.PairEnded && !slices.ContainsFunc(p.Feedback, func(f mentorship.Feedback) bool { return f.From == viewer.ID })
	return v
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (m *Main) opGet(ctx context.Context, r rpc.Request[events.MentorshipRequest]) (events.MentorshipView, error) {
	viewer, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.MentorshipView{}, err
	}
	return m.viewOf(ctx, viewer, r.Body.ID)
}

// opList lists the mentorships the caller may see: their own (as hire or mentor), their
// team's hires' (a lead), everyone's (HR, admin); filtered by hire and state.
func (m *Main) opList(ctx context.Context, r rpc.Request[events.MentorshipsRequest]) (events.MentorshipsReply, error) {
	viewer, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.MentorshipsReply{}, err
	}
	q := r.Body
	m.el.RLock()
	visible := m.state.Pairs(func(p *mentorship.Pair) bool {
		if (q.Hire != "" && p.Hire != q.Hire) || (q.State != "" && p.State != q.State) ||
			(q.Involving != "" && p.Hire != q.Involving && p.Mentor != q.Involving) {
			return false
		}
		hire, _ := m.person(p.Hire)
		return mentorship.CanSee(viewer, p, hire)
	})
	page, info, err := events.PageOf(q.Page, visible)
	if err != nil {
		m.el.RUnlock()
		return events.MentorshipsReply{}, err
	}
	out := events.MentorshipsReply{Items: make([]events.MentorshipView, 0, len(page)), PageInfo: info}
	for _, p := range page {
		hire, _ := m.person(p.Hire)
		out.Items = append(out.Items, m.view(viewer, p, hire))
	}
	m.el.RUnlock()
	views := make([]*events.MentorshipView, len(out.Items))
	for i := range out.Items {
		views[i] = &out.Items[i]
	}
	m.addGaps(ctx, views)
	return out, nil
}

// opPartners answers who the caller is in a mentorship with now: identity asks it to let
// a hire and their mentor open each other's profile while the mentorship lasts.
func (m *Main) opPartners(ctx context.Context, r rpc.Request[empty]) (events.PeopleIDs, error) {
	viewer, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.PeopleIDs{}, err
	}
	m.el.RLock()
	defer m.el.RUnlock()
	return events.PeopleIDs{IDs: m.state.Partners(viewer.ID)}, nil
}

// opCoverage: HR and admin see every hire with their mentorship and every mentor's load
// against capacity; a lead sees their team's hires (to find mentors for them).
func (m *Main) opCoverage(ctx context.Context, r rpc.Request[events.CoverageRequest]) (events.CoverageReply, error) {
	viewer, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.CoverageReply{}, err
	}
	if !viewer.HR() && !viewer.Has(events.RoleLead) {
		return events.CoverageReply{}, events.Errorf(events.CodeForbidden, "coverage is for HR and leads")
	}
	q := r.Body
	if q.List == "" {
		q.List = events.CoverageWithout
	}
	switch q.List {
	case events.CoverageWithout, events.CoverageWith:
	case events.CoverageMentors:
		if !viewer.HR() {
			return events.CoverageReply{}, events.Errorf(events.CodeForbidden, "mentor load is for HR")
		}
	default:
		return events.CoverageReply{}, &events.Error{Code: events.CodeInvalid, Message: "list must be without, with or mentors",
			Fields: map[string]string{"list": "must be without, with or mentors"}}
	}
	if viewer.HR() && q.List != events.CoverageMentors && strings.TrimSpace(q.Query) == "" {
		return m.wholeCoverage(q)
	}
	// The list is found and sorted once per state of the mentorships and the directory,
	// per viewer's scope, list and search; pages are cut from it.
	scope := "hr"
	if !viewer.HR() {
		scope = viewer.ID + "\x00" + viewer.Team
	}
	version := fmt.Sprintf("%d/%d", m.el.Applied(), m.dir.Applied())
	key := strings.Join([]string{scope, q.List, strings.ToLower(strings.TrimSpace(q.Query))}, "\x00")
	l := m.coverage.Get(version, key, func() coverageList { return m.coverageList(viewer, q) })
	out := events.CoverageReply{List: q.List, Hires: []events.CoverageHire{}, Mentors: []events.CoverageMentor{}, Without: l.without, With: l.with}
	if q.List == events.CoverageMentors {
		if out.Mentors, out.PageInfo, err = events.PageBy(q.Page, l.mentors, mentorKey); err != nil {
			return events.CoverageReply{}, err
		}
		return out, nil
	}
	if out.Hires, out.PageInfo, err = events.PageBy(q.Page, l.hires, hireKey); err != nil {
		return events.CoverageReply{}, err
	}
	m.el.RLock()
	defer m.el.RUnlock()
	for i := range out.Hires {
		if out.Hires[i].Mentor != "" {
			out.Hires[i].MentorName = m.name(out.Hires[i].Mentor)
		}
	}
	return out, nil
}

// wholeCoverage is a page of every hire with or without a mentor, as HR sees it, read
// from the lists the state keeps: a page costs a page.
func (m *Main) wholeCoverage(q events.CoverageRequest) (events.CoverageReply, error) {
	m.el.RLock()
	defer m.el.RUnlock()
	refs, info, without, with, err := m.state.Coverage(q.List == events.CoverageWith, q.Page)
	if err != nil {
		return events.CoverageReply{}, err
	}
	out := events.CoverageReply{List: q.List, Hires: make([]events.CoverageHire, 0, len(refs)), Mentors: []events.CoverageMentor{},
		Without: without, With: with, PageInfo: info}
	for _, ref := range refs {
		h, _ := m.dir.Person(ref.Hire)
		row := events.CoverageHire{Hire: ref.Hire, Name: ref.Name, Team: h.Team, Track: h.Track, StartDate: h.StartDate, State: "none"}
		if p, ok := m.state.OpenFor(ref.Hire); ok {
			row.Mentorship, row.Mentor, row.State = p.ID, p.Mentor, p.State
		}
		if row.Mentor != "" {
			row.MentorName = m.name(row.Mentor)
		}
		out.Hires = append(out.Hires, row)
	}
	return out, nil
}

func hireKey(h events.CoverageHire) string     { return h.Name + "\x00" + h.Hire }
func mentorKey(x events.CoverageMentor) string { return x.Name + "\x00" + x.Mentor }

// coverageList is one coverage list as a viewer sees it, sorted by name, with how many
// hires are without and with an active mentor.
type coverageList struct {
	hires         []events.CoverageHire
	mentors       []events.CoverageMentor
	without, with int
}

func (m *Main) coverageList(viewer mentorship.Person, q events.CoverageRequest) coverageList {
	hires := m.dir.Find(func(p directory.Person) bool {
		return p.Has(events.RoleHire) && (viewer.HR() || viewer.Leads(toPerson(p)))
	})
	m.el.RLock()
	defer m.el.RUnlock()
	var l coverageList
	for _, h := range hires {
		row := events.CoverageHire{Hire: h.ID, Name: h.Name, Team: h.Team, Track: h.Track, StartDate: h.StartDate, State: "none"}
		if p, ok := m.state.OpenFor(h.ID); ok {
			row.Mentorship, row.Mentor, row.State = p.ID, p.Mentor, p.State
		}
		with := row.State == events.PairActive
		if with {
			l.with++
		} else {
			l.without++
		}
		if q.List != events.CoverageMentors && with == (q.List == events.CoverageWith) && q.Matches(row.Name) {
			l.hires = append(l.hires, row)
		}
	}
	if q.List == events.CoverageMentors {
		m.state.Profiles(func(p *mentorship.Profile) {
			who, _ := m.person(p.ID)
			if q.Matches(who.Name) {
				load := m.state.LoadOf(p.ID)
				l.mentors = append(l.mentors, events.CoverageMentor{Mentor: p.ID, Name: who.Name, Team: who.Team, State: p.State,
					Active: load.Active, Proposed: load.Proposed, Capacity: p.Capacity})
			}
		})
		slices.SortFunc(l.mentors, func(a, b events.CoverageMentor) int { return strings.Compare(mentorKey(a), mentorKey(b)) })
	}
	return l
}

// --- demo data ---

// opSeed sets up demo data idempotently (system callers only): the mentor's profile
// unless they have one, and — with a hire — an active mentorship proposed by Proposer and
// accepted by the mentor unless the hire has an open one, with the check-in logged once.
func (m *Main) opSeed(ctx context.Context, r rpc.Request[events.MentorshipSeedRequest]) (events.MentorshipView, error) {
	if !r.Caller.System {
		return events.MentorshipView{}, errForbidden
	}
	b := r.Body
	// Seeding follows seeding of people and skills: let the read models catch up first.
	m.dir.CatchUp(ctx, 10*time.Second)
	if last, err := bus.LastSeq(ctx, m.js, "SKILLS", events.Prefix+".skills.record.>"); err == nil {
		m.WaitSkills(ctx, last, 10*time.Second)
	}
	mentor, ok := m.person(b.Mentor)
	if !ok {
		return events.MentorshipView{}, events.Errorf(events.CodeNotFound, "no person %s", b.Mentor)
	}
	m.el.RLock()
	prof, has := m.state.Profile(mentor.ID)
	active := has && prof.State == events.ProfileActive
	m.el.RUnlock()
	if !active {
		if _, err := m.putProfile(ctx, mentor.ID, mentor.ID, events.MentorProfileRequest{Skills: b.Skills, Capacity: b.Capacity, Notes: b.Notes}); err != nil {
			return events.MentorshipView{}, err
		}
	}
	if b.Hire == "" {
		return events.MentorshipView{}, nil
	}
	proposer, ok := m.person(b.Proposer)
	if !ok {
		return events.MentorshipView{}, events.Errorf(events.CodeNotFound, "no person %s", b.Proposer)
	}
	m.el.RLock()
	open, has := m.state.OpenFor(b.Hire)
	var id, state string
	var checkins int
	if has {
		id, state, checkins = open.ID, open.State, len(open.Checkins)
	}
	m.el.RUnlock()
	if !has {
		v, err := m.propose(ctx, proposer, events.ProposeRequest{Hire: b.Hire, Mentor: mentor.ID, Reason: "demo data"})
		if err != nil {
			return events.MentorshipView{}, err
		}
		id, state = v.ID, v.State
	}
	if m.pairMentor(id) != mentor.ID {
		return m.viewOf(ctx, proposer, id) // the hire has another mentor: leave it
	}
	if state == events.PairProposed {
		if _, err := m.transition(ctx, mentor, events.OpMentorshipAccept, events.MentorshipRequest{ID: id}); err != nil {
			return events.MentorshipView{}, err
		}
	}
	if b.Checkin != nil && checkins == 0 {
		c := *b.Checkin
		c.ID = id
		if _, err := m.checkin(ctx, mentor, c); err != nil {
			return events.MentorshipView{}, err
		}
	}
	return m.viewOf(ctx, mentor, id)
}

func (m *Main) pairMentor(id string) string {
	m.el.RLock()
	defer m.el.RUnlock()
	if p, ok := m.state.Pair(id); ok {
		return p.Mentor
	}
	return ""
}
