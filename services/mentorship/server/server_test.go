package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"onramp.dev/events"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/eventlog/eventlogtest"
	"onramp.dev/infra/rpc"
	"onramp.dev/infra/servicetest"
	"onramp.dev/services/mentorship"
	skillsserver "onramp.dev/services/skills/server"
)

// fixture is one mentorship service and the skills service it reads standing and gaps
// from, on a real embedded stack, with a key to sign tokens the way identity does. People
// are hired on the identity stream and skills recorded on the skills stream before the
// services start, as events recorded before they carried standing (skills restates them
// at start; mentorship replays both streams).
type fixture struct {
	t      *testing.T
	env    *servicetest.Stack
	js     jetstream.JetStream
	m      *Main
	skills *skillsserver.Main
	clock  *servicetest.Clock // the skills service's time source
	keys   *servicetest.Keys
	today  time.Time
	caller map[string]rpc.Caller
}

type staff struct {
	id, team, track string
	roles           []string
	lead            string
	startOffset     int
}

// org: team platform (lead lee, hires ada and bob), team security (mentors maya and max,
// lead sam), rex (a mentor with only a self-assessment), hr and eve (another hire).
var org = []staff{
	{"lee", "platform", "infrastructure", []string{events.RoleLead}, "", -900},
	{"ada", "platform", "infrastructure", []string{events.RoleHire}, "lee", -5},
	{"bob", "platform", "infrastructure", []string{events.RoleHire}, "lee", -3},
	{"sam", "security", "security", []string{events.RoleLead}, "", -900},
	{"maya", "security", "security", []string{events.RoleMentor}, "sam", -800},
	{"max", "ops", "infrastructure", []string{events.RoleMentor}, "", -800},
	{"rex", "ops", "operations", []string{events.RoleMentor}, "", -800},
	{"hr", "people", "project", []string{events.RoleHR}, "", -900},
	{"eve", "security", "security", []string{events.RoleHire}, "sam", -2},
}

func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, env: servicetest.Start(t), keys: servicetest.NewKeys(t), caller: map[string]rpc.Caller{}}
	f.js = f.env.JS
	f.today = time.Now().UTC()
	for _, p := range org {
		f.append(events.System, p.id, events.StaffHired{Email: p.id + "@example.org", Name: strings.ToUpper(p.id[:1]) + p.id[1:],
			Roles: p.roles, Team: p.team, Lead: p.lead, Track: p.track, StartDate: f.today.AddDate(0, 0, p.startOffset).Format(events.DateLayout)})
		f.caller[p.id] = f.token(p.id, p.team, p.roles...)
	}
	// maya: networking 4 verified, cloud 3 from training; max: networking 2 verified
	// (level of the target, not above); rex: networking 5 self-assessed only.
	f.append("sam", "maya", events.SkillVerified{Skill: "networking", Level: 4})
	f.append(events.System, "maya", events.SkillsEvidenced{SourceEvent: events.NewID(time.Now()), Module: "cloud-basics", Score: 90,
		Skills: []events.SkillLevel{{Skill: "cloud-computing", Level: 3}}})
	f.append("hr", "max", events.SkillVerified{Skill: "networking", Level: 2})
	f.append("rex", "rex", events.SkillAssessed{Skill: "networking", Level: 5})
	f.clock = servicetest.NewClock(time.Now())
	f.skills = f.startSkills()
	f.m = f.start("")
	return f
}

func (f *fixture) startSkills() *skillsserver.Main {
	f.t.Helper()
	return servicetest.Run[*skillsserver.Main](f.t)(skillsserver.New(f.env.NATS, f.env.Mongo.Database("skills"), slog.New(slog.DiscardHandler),
		skillsserver.Config{Now: f.clock.Now, SweepEvery: time.Hour, Keys: f.keys.Lookup}))
}

func (f *fixture) append(actor, subject string, p events.Payload) uint64 {
	f.t.Helper()
	_, seq := f.env.Append(f.t, actor, subject, p)
	return seq
}

func (f *fixture) start(durable string) *Main {
	f.t.Helper()
	return servicetest.Run[*Main](f.t)(New(f.env.NATS, f.env.Mongo.Database("mentorship"), slog.New(slog.DiscardHandler), Config{Now: f.clock.Now, Keys: f.keys.Lookup}))
}

func (f *fixture) token(id, team string, roles ...string) rpc.Caller {
	return f.keys.Caller(f.t, id, team, roles...)
}

func call[Resp any](f *fixture, op, who string, req any) (Resp, error) {
	c := f.caller[who]
	if who == "system" {
		c = servicetest.System
	}
	return servicetest.Call[Resp](f.env.NATS, events.MentorshipService, op, c, req)
}

func must[T any](t *testing.T) func(T, error) T { return servicetest.Must[T](t) }

// optIn gives who a profile offering skills.
func (f *fixture) optIn(who string, capacity int, skills ...string) {
	f.t.Helper()
	must[events.MentorProfileView](f.t)(call[events.MentorProfileView](f, events.OpProfilePut, who, events.MentorProfileRequest{Skills: skills, Capacity: capacity}))
}

func (f *fixture) propose(who, hire, mentor, reason string) (events.MentorshipView, error) {
	return call[events.MentorshipView](f, events.OpMentorshipPropose, who, events.ProposeRequest{Hire: hire, Mentor: mentor, Reason: reason})
}

// streamLast is the last sequence of the MENTORSHIP stream (0: empty).
func (f *fixture) streamLast() uint64 {
	f.t.Helper()
	n, err := bus.StreamLastSeq(context.Background(), f.js, "MENTORSHIP")
	if err != nil {
		f.t.Fatal(err)
	}
	return n
}

// count is how many events of type typ about id the MENTORSHIP stream holds.
func (f *fixture) count(typ, id string) uint64 {
	f.t.Helper()
	return servicetest.StreamMsgs(f.t, f.js, "MENTORSHIP", events.Subject(typ, id))
}

func code(err error) string { return events.CodeOf(err) }

func TestAcceptPublishesPairAcceptedOnce(t *testing.T) {
	f := setup(t)
	f.optIn("maya", 2, "networking", "cloud-computing")
	v := must[events.MentorshipView](t)(f.propose("lee", "ada", "maya", ""))
	if v.State != events.PairProposed || v.Score == 0 || len(v.Reasons) == 0 {
		t.Fatalf("proposal = %+v", v)
	}
	for range 2 { // accepting again changes nothing
		got := must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpMentorshipAccept, "maya", events.MentorshipRequest{ID: v.ID}))
		if got.State != events.PairActive {
			t.Fatalf("after accept: %s", got.State)
		}
	}
	if n := f.count(events.MentorshipAccepted{}.EventType(), v.ID); n != 1 {
		t.Fatalf("%d accepted events, want 1", n)
	}
	// The event is exactly the cross-domain contract the onboarding service consumes.
	s, _ := f.js.Stream(context.Background(), "MENTORSHIP")
	raw, err := s.GetLastMsgForSubject(context.Background(), events.Subject(events.MentorshipAccepted{}.EventType(), v.ID))
	if err != nil {
		t.Fatal(err)
	}
	env, err := events.Decode(raw.Data)
	if err != nil {
		t.Fatal(err)
	}
	var acc events.MentorshipAccepted
	if err := env.Payload(&acc); err != nil || acc.Hire != "ada" || acc.Mentor != "maya" || env.Actor != "maya" || env.Subject != v.ID {
		t.Fatalf("accepted event %+v %+v: %v", env, acc, err)
	}
	// A redelivered event (the projector seeing it again) changes nothing.
	before, _ := json.Marshal(must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpMentorshipGet, "hr", events.MentorshipRequest{ID: v.ID})))
	f.m.el.Read(func() {})
	func() {
		f.m.el.RLock()
		defer f.m.el.RUnlock()
	}()
	if _, err := f.m.state.Apply(env, raw.Sequence); err != nil {
		t.Fatal(err)
	}
	after, _ := json.Marshal(must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpMentorshipGet, "hr", events.MentorshipRequest{ID: v.ID})))
	if string(before) != string(after) {
		t.Fatalf("redelivery changed the mentorship:\n%s\n%s", before, after)
	}
	if l := f.m.state.LoadOf("maya"); l.Active != 1 || l.Proposed != 0 {
		t.Fatalf("load after redelivery = %+v", l)
	}
}

func TestProposalRules(t *testing.T) {
	f := setup(t)
	f.optIn("maya", 1, "networking")
	f.optIn("max", 2, "networking")
	if _, err := call[events.MentorProfileView](f, events.OpProfilePut, "rex", events.MentorProfileRequest{Skills: []string{"networking"}, Capacity: 1}); code(err) != events.CodeInvalid {
		t.Fatalf("self-assessed skill offered: %v", err)
	}
	first := must[events.MentorshipView](t)(f.propose("lee", "ada", "maya", ""))
	cases := []struct {
		name, who, hire, mentor, reason, code, contains string
	}{
		{"mentor equals hire", "lee", "bob", "bob", "", events.CodeInvalid, "themselves"},
		{"lead of another team", "sam", "bob", "max", "", events.CodeForbidden, ""},
		{"a mentor may not propose", "maya", "bob", "max", "", events.CodeForbidden, ""},
		{"hire may not propose", "bob", "bob", "max", "", events.CodeForbidden, ""},
		{"not opted in", "lee", "bob", "rex", "", events.CodeInvalid, "opted in"},
		{"own lead", "hr", "eve", "sam", "", events.CodeInvalid, ""},
		{"hire already has one", "lee", "ada", "max", "", events.CodeConflict, "already has"},
		{"at capacity, lead", "lee", "bob", "maya", "", events.CodeConflict, "at capacity (1 of 1"},
		{"at capacity, HR without reason", "hr", "bob", "maya", "", events.CodeConflict, "reason"},
		{"unknown hire, lead", "lee", "nobody", "max", "", events.CodeForbidden, ""},
		{"unknown hire, HR", "hr", "nobody", "max", "", events.CodeInvalid, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			before := f.streamLast()
			_, err := f.propose(c.who, c.hire, c.mentor, c.reason)
			if code(err) != c.code || !strings.Contains(err.Error(), c.contains) {
				t.Fatalf("err = %v, want %s containing %q", err, c.code, c.contains)
			}
			if f.streamLast() != before {
				t.Fatal("a refused proposal appended an event")
			}
		})
	}
	// HR overrides the capacity with a reason, which is recorded.
	v := must[events.MentorshipView](t)(f.propose("hr", "bob", "maya", "only security expert free this month"))
	if v.Override != "only security expert free this month" || v.State != events.PairProposed {
		t.Fatalf("override = %+v", v)
	}
	_ = first
}

func TestLifecycleAuthorization(t *testing.T) {
	f := setup(t)
	f.optIn("maya", 2, "networking")
	f.optIn("max", 2, "networking")
	v := must[events.MentorshipView](t)(f.propose("lee", "ada", "maya", ""))
	refused := func(what, who, op string, req any, want string) {
		t.Helper()
		before := f.streamLast()
		_, err := call[events.MentorshipView](f, op, who, req)
		if code(err) != want {
			t.Errorf("%s as %s: %v, want %s", what, who, err, want)
		}
		if f.streamLast() != before {
			t.Errorf("%s as %s changed the stream", what, who)
		}
	}
	id := events.MentorshipRequest{ID: v.ID}
	for _, who := range []string{"max", "lee", "ada", "hr", "sam"} {
		refused("accept someone else's proposal", who, events.OpMentorshipAccept, id, events.CodeForbidden)
		refused("decline someone else's proposal", who, events.OpMentorshipDecline, id, events.CodeForbidden)
	}
	refused("accept unknown", "maya", events.OpMentorshipAccept, events.MentorshipRequest{ID: "nope"}, events.CodeForbidden)
	refused("accept unknown as HR", "hr", events.OpMentorshipAccept, events.MentorshipRequest{ID: "nope"}, events.CodeNotFound)
	checkin := events.CheckinRequest{ID: v.ID, Date: f.today.Format(events.DateLayout), Notes: "talked"}
	refused("check-in before accept", "maya", events.OpCheckinLog, checkin, events.CodeConflict)
	must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpMentorshipAccept, "maya", id))
	for _, who := range []string{"lee", "hr", "max", "sam", "bob"} {
		refused("check-in by a non-participant", who, events.OpCheckinLog, checkin, events.CodeForbidden)
	}
	refused("check-in without notes", "ada", events.OpCheckinLog, events.CheckinRequest{ID: v.ID, Date: "soon"}, events.CodeInvalid)
	refused("check-in with unknown skill", "ada", events.OpCheckinLog, events.CheckinRequest{ID: v.ID, Date: checkin.Date, Notes: "x", Skills: []string{"juggling"}}, events.CodeInvalid)
	got := must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpCheckinLog, "ada", events.CheckinRequest{ID: v.ID,
		Date: f.today.AddDate(0, 0, 7).Format(events.DateLayout), Notes: "plan the VLAN lab", NextSteps: "read the runbook", Skills: []string{"networking"}}))
	if len(got.Checkins) != 1 || !got.Checkins[0].Upcoming || got.Checkins[0].By != "ada" {
		t.Fatalf("check-ins = %+v", got.Checkins)
	}
	// Visible to the pair and the hire's lead; not to others.
	for who, want := range map[string]string{"ada": "", "maya": "", "lee": "", "hr": "", "sam": events.CodeForbidden, "max": events.CodeForbidden, "bob": events.CodeForbidden} {
		if _, err := call[events.MentorshipView](f, events.OpMentorshipGet, who, id); code(err) != want && !(want == "" && err == nil) {
			t.Errorf("get as %s: %v", who, err)
		}
	}
	refused("feedback before the end", "ada", events.OpFeedbackGive, events.FeedbackRequest{ID: v.ID, Rating: 5}, events.CodeConflict)
	refused("end without reason", "lee", events.OpMentorshipEnd, id, events.CodeInvalid)
	refused("end by an outsider", "sam", events.OpMentorshipEnd, events.MentorshipRequest{ID: v.ID, Reason: "x"}, events.CodeForbidden)
	ended := must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpMentorshipEnd, "lee", events.MentorshipRequest{ID: v.ID, Reason: "probation over"}))
	if ended.State != events.PairEnded || ended.EndReason != "probation over" {
		t.Fatalf("ended = %+v", ended)
	}
	refused("feedback by the lead", "lee", events.OpFeedbackGive, events.FeedbackRequest{ID: v.ID, Rating: 5}, events.CodeForbidden)
	refused("feedback out of range", "ada", events.OpFeedbackGive, events.FeedbackRequest{ID: v.ID, Rating: 9}, events.CodeInvalid)
	must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpFeedbackGive, "ada", events.FeedbackRequest{ID: v.ID, Rating: 5, Text: "very helpful"}))
	refused("feedback twice", "ada", events.OpFeedbackGive, events.FeedbackRequest{ID: v.ID, Rating: 4}, events.CodeConflict)
	if lv := must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpMentorshipGet, "lee", id)); lv.Feedback != nil {
		t.Errorf("the lead sees feedback: %+v", lv.Feedback)
	}
	if l := f.m.state.LoadOf("maya"); l.Total() != 0 {
		t.Errorf("load after end = %+v", l)
	}
	// After the end a new mentor can be proposed.
	must[events.MentorshipView](t)(f.propose("lee", "ada", "max", ""))
}

func TestSuggestionsRankedWithReasons(t *testing.T) {
	f := setup(t)
	f.optIn("maya", 2, "networking", "cloud-computing")
	f.optIn("max", 1, "networking")
	got := must[events.SuggestionsReply](t)(call[events.SuggestionsReply](f, events.OpSuggestions, "lee", events.SuggestionsRequest{Hire: "ada"}))
	if len(got.Gaps) == 0 || len(got.Items) != 2 || got.Items[0].Mentor != "maya" {
		t.Fatalf("suggestions = %+v", got)
	}
	if r := strings.Join(got.Items[0].Reasons, " "); !strings.Contains(r, "Covers 2 of") || !strings.Contains(r, "Networking (level 4 for target 2)") {
		t.Fatalf("maya's reasons: %q", r)
	}
	if r := strings.Join(got.Items[1].Reasons, " "); !strings.Contains(r, "Same track") {
		t.Fatalf("max's reasons: %q", r)
	}
	// Deterministic: the same data gives the same answer.
	again := must[events.SuggestionsReply](t)(call[events.SuggestionsReply](f, events.OpSuggestions, "hr", events.SuggestionsRequest{Hire: "ada"}))
	a, _ := json.Marshal(got.Items)
	b, _ := json.Marshal(again.Items)
	if string(a) != string(b) {
		t.Fatalf("not deterministic:\n%s\n%s", a, b)
	}
	// Fill max: the lead no longer sees him; HR does, marked at capacity, last.
	must[events.MentorshipView](t)(f.propose("lee", "bob", "max", ""))
	if l := must[events.SuggestionsReply](t)(call[events.SuggestionsReply](f, events.OpSuggestions, "lee", events.SuggestionsRequest{Hire: "ada"})); len(l.Items) != 1 {
		t.Fatalf("lead sees %d", len(l.Items))
	}
	h := must[events.SuggestionsReply](t)(call[events.SuggestionsReply](f, events.OpSuggestions, "hr", events.SuggestionsRequest{Hire: "ada"}))
	if len(h.Items) != 2 || !h.Items[1].AtCapacity {
		t.Fatalf("HR sees %+v", h.Items)
	}
	for who, want := range map[string]string{"sam": events.CodeForbidden, "maya": events.CodeForbidden, "ada": events.CodeForbidden} {
		if _, err := call[events.SuggestionsReply](f, events.OpSuggestions, who, events.SuggestionsRequest{Hire: "ada"}); code(err) != want {
			t.Errorf("suggestions as %s: %v", who, err)
		}
	}
}

func TestStateSurvivesRestartAndSeedIsIdempotent(t *testing.T) {
	f := setup(t)
	req := events.MentorshipSeedRequest{Mentor: "maya", Skills: []string{"networking"}, Capacity: 3, Hire: "ada", Proposer: "lee",
		Checkin: &events.CheckinRequest{Date: f.today.Format(events.DateLayout), Notes: "first coffee"}}
	if _, err := call[events.MentorshipView](f, events.OpMentorshipSeed, "lee", req); code(err) != events.CodeForbidden {
		t.Fatalf("seed by a person: %v", err)
	}
	v := must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpMentorshipSeed, "system", req))
	last := f.streamLast()
	again := must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpMentorshipSeed, "system", req))
	if v.State != events.PairActive || len(v.Checkins) != 1 || again.ID != v.ID || f.streamLast() != last {
		t.Fatalf("seed: %+v, again %+v (stream %d → %d)", v, again, last, f.streamLast())
	}
	// A second process on the same store and stream (its own projector) sees the same.
	_ = f.m.Close()
	m2 := f.start("mentorship-projector")
	f.m = m2
	got := must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpMentorshipGet, "maya", events.MentorshipRequest{ID: v.ID}))
	if got.State != events.PairActive || len(got.Checkins) != 1 || m2.state.LoadOf("maya").Active != 1 {
		t.Fatalf("after restart: %+v", got)
	}
}

func TestEventLogConformance(t *testing.T) {
	f := setup(t)
	_ = f.m.Close()
	eventlogtest.Run(t, f.env.Env, eventlogtest.Service{
		Stream: "MENTORSHIP", DB: "mentorship",
		Record: func() string { return "onramp.mentorship.profile.maya.poisoned" },
		New: func(t *testing.T, nc *nats.Conn, db *mongo.Database) (eventlogtest.Main, *eventlog.Log) {
			m, err := New(nc, db, slog.New(slog.DiscardHandler), Config{Keys: f.keys.Lookup})
			if err != nil {
				t.Fatal(err)
			}
			return m, m.el
		},
		Command: func(t *testing.T, n int) error {
			_, err := call[events.MentorProfileView](f, events.OpProfilePut, "maya", events.MentorProfileRequest{
				Skills: []string{"networking"}, Capacity: n%10 + 1, Notes: fmt.Sprint("update ", n)})
			return err
		},
	})
}

// Coverage answers one list a page at a time: hires without an active mentor, hires with
// one, mentors (HR only); the totals count every hire.
func TestCoverageListsPage(t *testing.T) {
	f := setup(t)
	f.optIn("maya", 2, "networking", "cloud-computing")
	v := must[events.MentorshipView](t)(f.propose("lee", "ada", "maya", ""))
	must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpMentorshipAccept, "maya", events.MentorshipRequest{ID: v.ID}))
	f.optIn("max", 1, "networking")
	tests := []struct {
		who, list string
		limit     int
		want      []string // every id listed, in order, over all pages
		code      string
	}{
		{"hr", "", 1, []string{"bob", "eve"}, ""},
		{"hr", events.CoverageWith, 1, []string{"ada"}, ""},
		{"hr", events.CoverageMentors, 1, []string{"max", "maya"}, ""},
		{"lee", events.CoverageWithout, 5, []string{"bob"}, ""},
		{"lee", events.CoverageMentors, 5, nil, events.CodeForbidden},
		{"hr", "everyone", 5, nil, events.CodeInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.who+" "+tt.list, func(t *testing.T) {
			req := events.CoverageRequest{Page: events.Page{Limit: tt.limit}, List: tt.list}
			var got []string
			for pages := 0; pages < 10; pages++ {
				cov, err := call[events.CoverageReply](f, events.OpMentorCoverage, tt.who, req)
				if tt.code != "" {
					if code(err) != tt.code {
						t.Fatalf("err %v, want %s", err, tt.code)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				if len(cov.Hires)+len(cov.Mentors) > tt.limit || cov.Total != len(tt.want) {
					t.Fatalf("page of %d+%d rows, total %d", len(cov.Hires), len(cov.Mentors), cov.Total)
				}
				if tt.who == "hr" && (cov.Without != 2 || cov.With != 1) {
					t.Fatalf("totals: %d without, %d with", cov.Without, cov.With)
				}
				for _, h := range cov.Hires {
					got = append(got, h.Hire)
				}
				for _, m := range cov.Mentors {
					got = append(got, m.Mentor)
				}
				if req.Cursor = cov.Next; req.Cursor == "" {
					break
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Fatalf("listed %v, want %v", got, tt.want)
			}
		})
	}
	// A mentorship accepted since moves the hire between the lists at once.
	v = must[events.MentorshipView](t)(f.propose("lee", "bob", "maya", ""))
	must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpMentorshipAccept, "maya", events.MentorshipRequest{ID: v.ID}))
	cov := must[events.CoverageReply](t)(call[events.CoverageReply](f, events.OpMentorCoverage, "hr", events.CoverageRequest{List: events.CoverageWith}))
	if cov.Total != 2 || cov.With != 2 || cov.Without != 1 {
		t.Fatalf("after bob's mentorship: %+v", cov)
	}
}

// TestCheckinEditedByItsAuthorForADay: the author of a check-in may change it for 24
// hours while the mentorship is active; nobody else may, and the flag says so.
func TestCheckinEditedByItsAuthorForADay(t *testing.T) {
	f := setup(t)
	f.optIn("maya", 2, "networking")
	v := must[events.MentorshipView](t)(f.propose("lee", "ada", "maya", ""))
	must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpMentorshipAccept, "maya", events.MentorshipRequest{ID: v.ID}))
	date := f.today.Format(events.DateLayout)
	logged := must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpCheckinLog, "ada", events.CheckinRequest{ID: v.ID, Date: date, Notes: "VLANs"}))
	cid := logged.Checkins[0].ID
	if !logged.Checkins[0].CanEdit || logged.Checkins[0].Edited {
		t.Fatalf("the author's fresh check-in: %+v", logged.Checkins[0])
	}
	if mv := must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpMentorshipGet, "maya", events.MentorshipRequest{ID: v.ID})); mv.Checkins[0].CanEdit {
		t.Fatal("the other participant may edit the hire's check-in")
	}
	edit := events.CheckinRequest{ID: v.ID, Checkin: cid, Date: date, Notes: "VLANs and trunking", Skills: []string{"networking"}}
	tests := []struct {
		name, who string
		req       events.CheckinRequest
		want      string
	}{
		{"the mentor", "maya", edit, events.CodeForbidden},
		{"the lead", "lee", edit, events.CodeForbidden},
		{"an outsider", "sam", edit, events.CodeForbidden},
		{"an unknown check-in", "ada", events.CheckinRequest{ID: v.ID, Checkin: "nope", Date: date, Notes: "x"}, events.CodeNotFound},
		{"without notes", "ada", events.CheckinRequest{ID: v.ID, Checkin: cid, Date: date}, events.CodeInvalid},
	}
	for _, tt := range tests {
		before := f.streamLast()
		if _, err := call[events.MentorshipView](f, events.OpCheckinEdit, tt.who, tt.req); code(err) != tt.want {
			t.Errorf("%s: %v, want %s", tt.name, err, tt.want)
		}
		if f.streamLast() != before {
			t.Errorf("%s changed the stream", tt.name)
		}
	}
	got := must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpCheckinEdit, "ada", edit))
	if c := got.Checkins[0]; len(got.Checkins) != 1 || c.Notes != "VLANs and trunking" || !c.Edited || len(c.Skills) != 1 || c.ID != cid {
		t.Fatalf("after the edit: %+v", got.Checkins)
	}
	f.clock.Add(24*time.Hour + time.Minute)
	if _, err := call[events.MentorshipView](f, events.OpCheckinEdit, "ada", edit); code(err) != events.CodeConflict {
		t.Fatalf("an edit after 24 hours: %v", err)
	}
	if late := must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpMentorshipGet, "ada", events.MentorshipRequest{ID: v.ID})); late.Checkins[0].CanEdit {
		t.Fatal("a day-old check-in is still editable")
	}
}

// HR's coverage lists read from the lists kept per event agree with the lists worked out
// from the directory and every mentorship — with a hire disabled, mentorships accepted
// and ended — and after a restart.
func TestWholeCoverageAgreesWithTheGeneralPath(t *testing.T) {
	f := setup(t)
	f.optIn("maya", 3, "networking", "cloud-computing")
	v := must[events.MentorshipView](t)(f.propose("lee", "ada", "maya", ""))
	must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpMentorshipAccept, "maya", events.MentorshipRequest{ID: v.ID}))
	must[events.MentorshipView](t)(f.propose("lee", "bob", "maya", ""))
	f.append("hr", "eve", events.StaffDisabled{Reason: "left"})
	compare := func(t *testing.T, m *Main, step string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for p, _ := m.dir.Person("eve"); p.Active; p, _ = m.dir.Person("eve") {
			if time.Now().After(deadline) {
				t.Fatal("eve not disabled")
			}
			time.Sleep(10 * time.Millisecond)
		}
		hr := mentorship.Person{ID: "hr", Roles: []string{events.RoleHR}, Active: true}
		for _, list := range []string{events.CoverageWithout, events.CoverageWith} {
			for page := (events.Page{Limit: 1}); ; {
				q := events.CoverageRequest{Page: page, List: list}
				got, err := m.wholeCoverage(q)
				if err != nil {
					t.Fatal(err)
				}
				l := m.coverageList(hr, q)
				want := events.CoverageReply{List: list, Mentors: []events.CoverageMentor{}, Without: l.without, With: l.with}
				if want.Hires, want.PageInfo, err = events.PageBy(page, l.hires, hireKey); err != nil {
					t.Fatal(err)
				}
				for i := range want.Hires {
					if want.Hires[i].Mentor != "" {
						want.Hires[i].MentorName = m.name(want.Hires[i].Mentor)
					}
				}
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				if string(g) != string(w) {
					t.Fatalf("%s, %s from %q:\nkept       %s\nworked out %s", step, list, page.Cursor, g, w)
				}
				if page.Cursor = got.Next; page.Cursor == "" {
					break
				}
			}
		}
	}
	compare(t, f.m, "running")
	_ = f.m.Close()
	compare(t, f.start(""), "restarted")
}
