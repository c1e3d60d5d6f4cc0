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

	curriculum "onramp.dev/content/training"
	"onramp.dev/events"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/consumer"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/eventlog/eventlogtest"
	"onramp.dev/infra/rpc"
	"onramp.dev/infra/servicetest"
	"onramp.dev/infra/store"
	"onramp.dev/services/training"
)

// fixture is one training service on a real embedded stack, with a key to sign tokens
// the way identity does and a clock the test can move.
type fixture struct {
	t     *testing.T
	env   *servicetest.Stack
	js    jetstream.JetStream
	m     *Main
	keys  *servicetest.Keys
	clock *servicetest.Clock
	day0  time.Time
}

func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, env: servicetest.Start(t), keys: servicetest.NewKeys(t)}
	f.js = f.env.JS
	f.day0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	f.clock = servicetest.NewClock(f.day0)
	f.m = f.start()
	return f
}

func (f *fixture) setNow(t time.Time) { f.clock.Set(t) }

func (f *fixture) config() Config {
	return Config{Now: f.clock.Now, SweepEvery: -1, Keys: f.keys.Lookup}
}

func (f *fixture) start() *Main {
	f.t.Helper()
	return servicetest.Run[*Main](f.t)(New(f.env.NATS, f.env.Mongo.Database("training"), slog.New(slog.DiscardHandler), f.config()))
}

type person struct {
	id, team string
	caller   rpc.Caller
}

// hire appends identity.staff.hired for id and returns them with a token.
func (f *fixture) hire(id, team, track string, roles ...string) person {
	f.t.Helper()
	env := f.hiredEvent(id, team, track, roles...)
	if _, err := bus.Append(context.Background(), f.js, env, bus.Expect{}); err != nil {
		f.t.Fatal(err)
	}
	waitFor(f.t, "directory knows "+id, func() bool { _, ok := f.m.dir.Person(id); return ok })
	return person{id: id, team: team, caller: f.keys.Caller(f.t, id, team, roles...)}
}

func (f *fixture) hiredEvent(id, team, track string, roles ...string) events.Envelope {
	f.t.Helper()
	e := events.StaffHired{Email: id + "@example.org", Name: "Name " + id, Roles: roles, Team: team, Track: track, StartDate: "2026-11-01"}
	env, err := events.New("hr", id, e, time.Now())
	if err != nil {
		f.t.Fatal(err)
	}
	return env
}

var system = servicetest.System

func call[Resp any](f *fixture, op string, c rpc.Caller, req any) (Resp, error) {
	return servicetest.Call[Resp](f.env.NATS, events.TrainingService, op, c, req)
}

var waitFor = servicetest.WaitFor

func (f *fixture) lastSeq() uint64 {
	f.t.Helper()
	seq, err := bus.StreamLastSeq(context.Background(), f.js, "TRAINING")
	if err != nil {
		f.t.Fatal(err)
	}
	return seq
}

func (f *fixture) module(id string) *curriculum.Module {
	mod, ok := f.m.state.Module(id)
	if !ok {
		f.t.Fatalf("no module %s", id)
	}
	return mod
}

func answers(mod *curriculum.Module, right bool) map[string][]string {
	out := map[string][]string{}
	for _, q := range mod.Quiz.Questions {
		for _, c := range q.Choices {
			if c.Correct == right && (right || len(out[q.ID]) == 0) {
				out[q.ID] = append(out[q.ID], c.ID)
			}
		}
	}
	return out
}

func (f *fixture) mine(p person) []events.LearnerItem {
	f.t.Helper()
	r, err := call[events.LearnerReply](f, events.OpMyTraining, p.caller, events.ModuleRequest{})
	if err != nil {
		f.t.Fatal(err)
	}
	return r.Items
}

const mod = "backup-and-restore"

func TestAssignReadFailRetakePass(t *testing.T) {
	f := setup(t)
	lead := f.hire("lead", "platform", "infrastructure", events.RoleLead)
	hire := f.hire("hire", "platform", "infrastructure", events.RoleHire)
	hr := f.hire("hr", "people", "project", events.RoleHR)

	// A subscriber sees module.passed exactly as the skills service will.
	passedCh := make(chan events.Envelope, 4)
	sub, err := f.env.NATS.Subscribe(events.TypeFilter(events.ModulePassed{}.EventType()), func(msg *nats.Msg) {
		if env, err := events.Decode(msg.Data); err == nil {
			passedCh <- env
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	defer sub.Unsubscribe()

	// The module never carries answers to the learner.
	view, err := call[events.ModuleView](f, events.OpModuleGet, hire.caller, events.ModuleRequest{ID: mod})
	if err != nil {
		t.Fatal(err)
	}
	// The catalogue lists titles: no lesson text, no quiz; opening one module has both.
	list, err := call[events.ModulesReply](f, events.OpModulesList, hire.caller, events.ModuleRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list.Items {
		if len(m.Lessons) == 0 || m.Lessons[0].Title == "" || m.Lessons[0].HTML != "" || len(m.Quiz.Questions) != 0 {
			t.Fatalf("listed module %s carries lesson text or quiz (or no lesson titles)", m.ID)
		}
	}
	if view.Lessons[0].HTML == "" || len(view.Quiz.Questions) == 0 {
		t.Fatal("the opened module lacks its lessons or quiz")
	}
	raw, _ := json.Marshal(view)
	for _, leak := range []string{`"correct"`, `"explanation"`, `"markdown"`} {
		if strings.Contains(string(raw), leak) {
			t.Fatalf("module view leaks %s", leak)
		}
	}

	due := f.day0.AddDate(0, 0, 7).Format(events.DateLayout)
	a, err := call[events.AssignmentView](f, events.OpAssign, lead.caller, events.AssignRequest{Module: mod, Person: hire.id, Due: due})
	if err != nil {
		t.Fatal(err)
	}
	if a.People != 1 || a.Kind != events.AssignPerson || a.By != lead.id {
		t.Fatalf("assignment = %+v", a)
	}
	items := f.mine(hire)
	if len(items) != 1 || items[0].Status != events.StatusAssigned || items[0].Due == nil || *items[0].Due != due || items[0].Score != nil {
		t.Fatalf("items = %+v", items)
	}
	m := f.module(mod)
	for _, l := range m.Lessons {
		if _, err := call[events.LearnerItem](f, events.OpLessonRead, hire.caller, events.LessonRequest{Module: mod, Lesson: l.ID}); err != nil {
			t.Fatal(err)
		}
	}
	seq := f.lastSeq()
	if _, err := call[events.LearnerItem](f, events.OpLessonRead, hire.caller, events.LessonRequest{Module: mod, Lesson: m.Lessons[0].ID}); err != nil || f.lastSeq() != seq {
		t.Fatalf("reading a lesson again appended an event (%v)", err)
	}
	for i := 1; i <= m.MaxAttempts; i++ {
		res, err := call[events.AttemptResult](f, events.OpAttempt, hire.caller, events.AttemptRequest{Module: mod, Answers: answers(m, false)})
		if err != nil {
			t.Fatal(err)
		}
		if res.Passed || res.AttemptsLeft != m.MaxAttempts-i || len(res.Explanations) != len(m.Quiz.Questions) {
			t.Fatalf("attempt %d: %+v", i, res)
		}
	}
	_, err = call[events.AttemptResult](f, events.OpAttempt, hire.caller, events.AttemptRequest{Module: mod, Answers: answers(m, true)})
	if events.CodeOf(err) != events.CodeConflict {
		t.Fatalf("attempt after the last: %v, want conflict", err)
	}
	if _, err := call[events.LearnerItem](f, events.OpGrant, hire.caller, events.GrantRequest{Person: hire.id, Module: mod}); events.CodeOf(err) != events.CodeForbidden {
		t.Fatalf("hire grants themselves: %v", err)
	}
	// The lead's team table offers a grant exactly where the grant rule allows one.
	canGrant := func(when string, want bool) {
		t.Helper()
		team, err := call[events.TeamReply](f, events.OpTeamTraining, lead.caller, events.TeamRequest{})
		if err != nil || len(team.Items) != 1 || team.Items[0].CanGrant != want {
			t.Fatalf("team %s: %+v %v, want can_grant=%v", when, team, err, want)
		}
	}
	canGrant("without attempts left", true)
	it, err := call[events.LearnerItem](f, events.OpGrant, lead.caller, events.GrantRequest{Person: hire.id, Module: mod})
	if err != nil || it.AttemptsLeft != 1 || !it.CanAttempt {
		t.Fatalf("grant: %+v %v", it, err)
	}
	canGrant("after the grant", false)
	// The report before the pass (kept for the next request with the same filters) …
	if rep, err := call[events.ReportReply](f, events.OpReport, hr.caller, events.ReportRequest{Module: mod}); err != nil ||
		len(rep.Modules) != 1 || rep.Modules[0].Assigned != 1 || rep.Modules[0].Passed != 0 {
		t.Fatalf("report before passing = %+v %v", rep, err)
	}
	res, err := call[events.AttemptResult](f, events.OpAttempt, hire.caller, events.AttemptRequest{Module: mod, Answers: answers(m, true)})
	if err != nil || !res.Passed || res.Score != 100 {
		t.Fatalf("passing attempt: %+v %v", res, err)
	}
	select {
	case env := <-passedCh:
		var p events.ModulePassed
		if err := env.Payload(&p); err != nil || env.Subject != hire.id || p.Person != hire.id || p.Module != mod || p.Score != 100 || len(p.Skills) == 0 {
			t.Fatalf("module.passed = %+v %+v %v", env, p, err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no module.passed")
	}

	team, err := call[events.TeamReply](f, events.OpTeamTraining, lead.caller, events.TeamRequest{})
	if err != nil || len(team.Items) != 1 || team.Items[0].Status != events.StatusPassed || team.Items[0].Person != hire.id {
		t.Fatalf("team = %+v %v", team, err)
	}
	// … and after it: the pass changed the state, so the report is computed again.
	rep, err := call[events.ReportReply](f, events.OpReport, hr.caller, events.ReportRequest{Module: mod})
	if err != nil || len(rep.Modules) != 1 || rep.Modules[0].Assigned != 1 || rep.Modules[0].Passed != 1 {
		t.Fatalf("report = %+v %v", rep, err)
	}

	// A restart loads the documents the projector wrote and shows the same.
	waitFor(t, "projector", func() bool { return f.m.Applied() >= f.lastSeq() })
	f.m.Close()
	f.m = f.start()
	items = f.mine(hire)
	if len(items) != 1 || items[0].Status != events.StatusPassed || *items[0].Score != 100 || items[0].Attempts != m.MaxAttempts+1 {
		t.Fatalf("after restart: %+v", items)
	}
}

func TestTeamAssignmentReachesLaterHiresOnce(t *testing.T) {
	f := setup(t)
	lead := f.hire("lead", "platform", "infrastructure", events.RoleLead)
	first := f.hire("first", "platform", "infrastructure", events.RoleHire)
	a, err := call[events.AssignmentView](f, events.OpAssign, lead.caller, events.AssignRequest{Module: mod, Team: "platform", Due: "2026-12-10"})
	if err != nil {
		t.Fatal(err)
	}
	if a.People != 2 { // the lead is on the team too
		t.Fatalf("people = %d", a.People)
	}
	if len(f.mine(first)) != 1 {
		t.Fatal("first hire not reached")
	}
	later := f.hire("later", "platform", "development", events.RoleHire)
	elsewhere := f.hire("elsewhere", "security", "security", events.RoleHire)
	waitFor(t, "later hire reached", func() bool { return len(f.mine(later)) == 1 })
	if got := f.mine(elsewhere); len(got) != 0 {
		t.Fatalf("another team's hire got %+v", got)
	}

	// The hired event redelivered, and the projector's events redelivered, change nothing.
	seq := f.lastSeq()
	env := f.hiredEvent("later", "platform", "development", events.RoleHire)
	if err := f.m.onHired(context.Background(), &consumer.Msg{Env: env, Seq: 1}); err != nil {
		t.Fatal(err)
	}
	if f.lastSeq() != seq {
		t.Fatal("a redelivered hired event appended again")
	}
	// Every event of the stream delivered twice builds the same state as once.
	replay := training.NewState(f.m.cfg.Modules)
	stream, _ := f.js.Stream(context.Background(), "TRAINING")
	for range 2 {
		for s := uint64(1); s <= seq; s++ {
			raw, err := stream.GetMsg(context.Background(), s)
			if err != nil {
				t.Fatal(err)
			}
			e, _ := events.Decode(raw.Data)
			if _, err := replay.Apply(e, s); err != nil {
				t.Fatal(err)
			}
		}
	}
	x, _ := replay.Assignment(a.ID)
	if len(x.People) != 3 {
		t.Errorf("after replay people = %v", x.People)
	}
	for _, who := range []string{first.id, later.id} {
		if got := replay.Items(who, "2026-11-22"); len(got) != 1 {
			t.Errorf("%s after replay: %+v", who, got)
		}
	}
	waitFor(t, "stored", func() bool {
		doc, ok, err := store.NewCollection[training.Assignment](f.env.Mongo.Database("training"), "assignments").Get(context.Background(), a.ID)
		return err == nil && ok && len(doc.People) == 3
	})
}

func TestOverdueSweepPublishesOnce(t *testing.T) {
	f := setup(t)
	hire := f.hire("hire", "platform", "infrastructure", events.RoleHire)
	if _, err := call[events.AssignmentView](f, events.OpAssign, system, events.AssignRequest{Module: mod, Person: hire.id, Due: "2026-11-23", ID: "asg-fixed"}); err != nil {
		t.Fatal(err)
	}
	// Asking again with the same id (seeding) changes nothing.
	seq := f.lastSeq()
	if _, err := call[events.AssignmentView](f, events.OpAssign, system, events.AssignRequest{Module: mod, Person: hire.id, Due: "2026-11-23", ID: "asg-fixed"}); err != nil || f.lastSeq() != seq {
		t.Fatalf("second seeding appended (%v)", err)
	}
	if n, err := f.m.Sweep(context.Background()); err != nil || n != 0 {
		t.Fatalf("sweep before due: %d %v", n, err)
	}
	f.setNow(f.day0.AddDate(0, 0, 2))
	if n, err := f.m.Sweep(context.Background()); err != nil || n != 1 {
		t.Fatalf("sweep after due: %d %v", n, err)
	}
	if n, err := f.m.Sweep(context.Background()); err != nil || n != 0 {
		t.Fatalf("second sweep: %d %v", n, err)
	}
	if items := f.mine(hire); items[0].Status != events.StatusOverdue {
		t.Fatalf("items = %+v", items)
	}
}

// TestAuthorization checks every operation for every role: what is refused changes
// nothing on the stream.
func TestAuthorization(t *testing.T) {
	f := setup(t)
	lead := f.hire("lead", "platform", "infrastructure", events.RoleLead)
	otherLead := f.hire("lead2", "security", "security", events.RoleLead)
	hire := f.hire("hire", "platform", "infrastructure", events.RoleHire)
	other := f.hire("other", "security", "security", events.RoleHire)
	hr := f.hire("hr", "people", "project", events.RoleHR)
	admin := f.hire("admin", "it", "project", events.RoleAdmin)
	anon := person{caller: rpc.Caller{Token: "not-a-token"}}
	m := f.module(mod)
	// The hire has used every attempt, so a grant is possible.
	if _, err := call[events.AssignmentView](f, events.OpAssign, lead.caller, events.AssignRequest{Module: mod, Person: hire.id, Due: "2026-12-01"}); err != nil {
		t.Fatal(err)
	}
	for range m.MaxAttempts {
		if _, err := call[events.AttemptResult](f, events.OpAttempt, hire.caller, events.AttemptRequest{Module: mod, Answers: answers(m, false)}); err != nil {
			t.Fatal(err)
		}
	}

	type op struct {
		name string
		op   string
		req  any
	}
	assignPerson := op{"assign person in platform", events.OpAssign, events.AssignRequest{Module: mod, Person: hire.id, Due: "2026-12-01"}}
	assignTrack := op{"assign track", events.OpAssign, events.AssignRequest{Module: mod, Track: "security", Due: "2026-12-01"}}
	assignOther := op{"assign person in security", events.OpAssign, events.AssignRequest{Module: mod, Person: other.id, Due: "2026-12-01"}}
	grant := op{"grant hire", events.OpGrant, events.GrantRequest{Person: hire.id, Module: mod}}
	team := op{"platform table", events.OpTeamTraining, events.TeamRequest{Team: "platform"}}
	hireRows := op{"the hire's rows", events.OpTeamTraining, events.TeamRequest{Person: hire.id}}
	otherRows := op{"a security person's rows", events.OpTeamTraining, events.TeamRequest{Person: other.id}}
	nobodyRows := op{"an unknown person's rows", events.OpTeamTraining, events.TeamRequest{Person: "nobody"}}
	report := op{"report", events.OpReport, events.ReportRequest{}}
	modules := op{"modules", events.OpModulesList, events.ModuleRequest{}}

	tests := []struct {
		who  string
		p    person
		op   op
		code string // "" allowed
	}{
		{"anon", anon, modules, events.CodeUnauthorized},
		{"anon", anon, assignPerson, events.CodeUnauthorized},
		{"hire", hire, modules, ""},
		{"hire", hire, assignPerson, events.CodeForbidden},
		{"hire", hire, grant, events.CodeForbidden},
		{"hire", hire, team, events.CodeForbidden},
		{"hire", hire, report, events.CodeForbidden},
		{"other lead", otherLead, assignPerson, events.CodeForbidden},
		{"other lead", otherLead, grant, events.CodeForbidden},
		{"other lead", otherLead, team, events.CodeForbidden},
		{"lead", lead, assignOther, events.CodeForbidden},
		{"lead", lead, assignTrack, events.CodeForbidden},
		{"lead", lead, report, events.CodeForbidden},
		{"lead", lead, team, ""},
		{"lead", lead, hireRows, ""},
		{"hire", hire, hireRows, events.CodeForbidden},
		{"other lead", otherLead, hireRows, events.CodeForbidden},
		{"lead", lead, otherRows, events.CodeForbidden},
		{"lead", lead, nobodyRows, events.CodeForbidden}, // who exists is not revealed
		{"hr", hr, nobodyRows, events.CodeNotFound},
		{"hr", hr, otherRows, ""},
		{"hr", hr, team, ""},
		{"hr", hr, report, ""},
		{"admin", admin, report, ""},
		{"lead", lead, grant, ""},
		{"hr", hr, grant, events.CodeConflict}, // the lead just granted one: attempts left
		{"hr", hr, assignOther, ""},
		{"hr", hr, assignTrack, ""},
	}
	for _, tc := range tests {
		t.Run(tc.who+" "+tc.op.name, func(t *testing.T) {
			before := f.lastSeq()
			_, err := call[json.RawMessage](f, tc.op.op, tc.p.caller, tc.op.req)
			if got := servicetest.Code(err); got != tc.code {
				t.Fatalf("code = %q (%v), want %q", got, err, tc.code)
			}
			if tc.code != "" && f.lastSeq() != before {
				t.Fatal("a refused request appended an event")
			}
		})
	}

	// A person's rows are theirs alone (their profile page).
	rows, err := call[events.TeamReply](f, events.OpTeamTraining, lead.caller, events.TeamRequest{Person: hire.id})
	if err != nil || len(rows.Items) == 0 {
		t.Fatalf("the hire's rows = %+v %v", rows, err)
	}
	for _, r := range rows.Items {
		if r.Person != hire.id {
			t.Fatalf("the hire's rows include %s", r.Person)
		}
	}

	// Learners see only their own: the learner operations take no person at all, and a
	// person's As is ignored unless the caller is the system.
	items, err := call[events.LearnerReply](f, events.OpMyTraining, other.caller, events.ModuleRequest{As: hire.id})
	if err != nil || len(items.Items) != 1 || items.Items[0].Module != mod {
		// other was assigned mod by HR above; hire's list would show their failed attempts
		t.Fatalf("other's list = %+v %v", items, err)
	}
	if items.Items[0].Attempts != 0 {
		t.Fatalf("other sees hire's attempts: %+v", items.Items[0])
	}
	// Bad input: unknown question 422, past due date 422, nothing appended.
	before := f.lastSeq()
	if _, err := call[events.AttemptResult](f, events.OpAttempt, other.caller, events.AttemptRequest{Module: mod, Answers: map[string][]string{"nope": {"a"}}}); servicetest.Code(err) != events.CodeInvalid {
		t.Fatalf("unknown question: %v", err)
	}
	if _, err := call[events.AssignmentView](f, events.OpAssign, hr.caller, events.AssignRequest{Module: mod, Person: other.id, Due: "2026-11-21"}); servicetest.Code(err) != events.CodeInvalid {
		t.Fatalf("past due: %v", err)
	}
	if f.lastSeq() != before {
		t.Fatal("bad input appended an event")
	}
}

// TestTrackAssignmentInBulk assigns a module to a track of 2,000 people: one event and
// one new document, and every learner has it.
func TestTrackAssignmentInBulk(t *testing.T) {
	f := setup(t)
	const n = 2000
	ctx := context.Background()
	for i := range n {
		env := f.hiredEvent(fmt.Sprintf("p%05d", i), fmt.Sprintf("team%02d", i%20), "operations", events.RoleHire)
		if _, err := bus.Append(ctx, f.js, env, bus.Expect{}); err != nil {
			t.Fatal(err)
		}
	}
	hr := f.hire("hr", "people", "project", events.RoleHR)
	before := f.lastSeq()
	a, err := call[events.AssignmentView](f, events.OpAssign, hr.caller, events.AssignRequest{Module: mod, Track: "operations", Due: "2026-12-31"})
	if err != nil {
		t.Fatal(err)
	}
	if a.People != n || f.lastSeq() != before+1 {
		t.Fatalf("people = %d, events = %d", a.People, f.lastSeq()-before)
	}
	waitFor(t, "stored", func() bool {
		doc, ok, err := store.NewCollection[training.Assignment](f.env.Mongo.Database("training"), "assignments").Get(ctx, a.ID)
		return err == nil && ok && len(doc.People) == n
	})
	// The report answers a page of rows, with the module's count over all of them;
	// following next visits every learner once.
	req := events.ReportRequest{Track: "operations", Module: mod}
	rep, err := call[events.ReportReply](f, events.OpReport, hr.caller, req)
	if err != nil || rep.Total != n || len(rep.Items) != events.DefaultLimit || len(rep.Modules) != 1 || rep.Modules[0].Assigned != n {
		t.Fatalf("report: total %d, rows %d, modules %+v (%v)", rep.Total, len(rep.Items), rep.Modules, err)
	}
	seen := map[string]bool{}
	for req.Limit = 700; ; {
		rep, err := call[events.ReportReply](f, events.OpReport, hr.caller, req)
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range rep.Items {
			if seen[row.Person] {
				t.Fatalf("%s twice", row.Person)
			}
			seen[row.Person] = true
		}
		if len(rep.People) != len(rep.Items) {
			t.Fatalf("%d people counted for a page of %d rows", len(rep.People), len(rep.Items))
		}
		if req.Cursor = rep.Next; req.Cursor == "" {
			break
		}
	}
	if len(seen) != n {
		t.Fatalf("pages held %d learners, want %d", len(seen), n)
	}
}

// Someone who joins a team while nothing handles their hired event (the race between an
// assignment and a hire, or a consumer that is down) is reached by the next sweep, once.
func TestSweepReachesWhoeverTheAssignmentMissed(t *testing.T) {
	f := setup(t)
	lead := f.hire("lead", "platform", "infrastructure", events.RoleLead)
	if _, err := call[events.AssignmentView](f, events.OpAssign, lead.caller, events.AssignRequest{Module: mod, Team: "platform", Due: "2026-12-10"}); err != nil {
		t.Fatal(err)
	}
	if err := f.js.DeleteConsumer(context.Background(), "IDENTITY", "training-hired"); err != nil {
		t.Fatal(err)
	}
	missed := f.hire("missed", "platform", "infrastructure", events.RoleHire)
	time.Sleep(200 * time.Millisecond) // nothing would reach them: the consumer is gone
	if got := f.mine(missed); len(got) != 0 {
		t.Fatalf("reached without a consumer: %+v", got)
	}
	sweep := func() {
		if _, err := f.m.Sweep(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "the sweep reaches them", func() bool { sweep(); return len(f.mine(missed)) == 1 })
	sweep()
	if got := f.mine(missed); len(got) != 1 {
		t.Fatalf("after another sweep: %+v", got)
	}
}

func TestEventLogConformance(t *testing.T) {
	f := setup(t)
	ada := f.hire("ada", "platform", "infrastructure", events.RoleHire)
	type read struct{ module, lesson string }
	var reads []read
	f.m.el.Read(func() {
		for _, m := range f.m.state.Modules() {
			for _, l := range m.Lessons {
				reads = append(reads, read{m.ID, l.ID})
			}
		}
	})
	_ = f.m.Close()
	eventlogtest.Run(t, f.env.Env, eventlogtest.Service{
		Stream: "TRAINING", DB: "training",
		Record: func() string { return "onramp.training.learner.ada.poisoned" }, // within events.TrainingLearnerFilter
		New: func(t *testing.T, nc *nats.Conn, db *mongo.Database) (eventlogtest.Main, *eventlog.Log) {
			m, err := New(nc, db, slog.New(slog.DiscardHandler), f.config())
			if err != nil {
				t.Fatal(err)
			}
			return m, m.el
		},
		Command: func(t *testing.T, n int) error {
			_, err := call[events.LearnerItem](f, events.OpLessonRead, ada.caller, events.LessonRequest{Module: reads[n].module, Lesson: reads[n].lesson})
			return err
		},
	})
}

// The compliance rows sort by a column, both ways, and paging through a sorted report
// meets every row once, in order.
func TestReportSortsByColumn(t *testing.T) {
	f := setup(t)
	hr := f.hire("hr", "people", "project", events.RoleHR)
	for i, team := range []string{"delta", "alpha", "charlie", "bravo", "echo"} {
		f.hire(fmt.Sprintf("p%d", i), team, "operations", events.RoleHire)
	}
	waitFor(t, "directory", func() bool {
		_, err := call[events.AssignmentView](f, events.OpAssign, hr.caller, events.AssignRequest{Module: mod, Track: "operations", Due: "2026-12-31"})
		return err == nil
	})
	for _, tt := range []struct {
		sort string
		want []string // teams in order
	}{
		{"team", []string{"alpha", "bravo", "charlie", "delta", "echo"}},
		{"-team", []string{"echo", "delta", "charlie", "bravo", "alpha"}},
		{"-name", []string{"echo", "bravo", "charlie", "alpha", "delta"}}, // Name p4, p3, p2, p1, p0
	} {
		var got []string
		req := events.ReportRequest{Track: "operations", Sort: tt.sort, Page: events.Page{Limit: 2}}
		for pages := 0; pages < 10; pages++ {
			rep, err := call[events.ReportReply](f, events.OpReport, hr.caller, req)
			if err != nil {
				t.Fatal(err)
			}
			for _, row := range rep.Items {
				got = append(got, row.Team)
			}
			if req.Cursor = rep.Next; req.Cursor == "" {
				break
			}
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("sort %q: %v, want %v", tt.sort, got, tt.want)
		}
	}
	if _, err := call[events.ReportReply](f, events.OpReport, hr.caller, events.ReportRequest{Sort: "nope"}); events.CodeOf(err) != events.CodeInvalid {
		t.Errorf("unknown column: %v", err)
	}
}

// The report over everyone in the default order, read from the figures kept per event
// and per directory change, agrees page by page with the same report worked out from
// every row — after passes and fails, people disabled and hired after the assignment,
// on later days (overdue), and after a restart.
func TestWholeReportAgreesWithTheGeneralPath(t *testing.T) {
	f := setup(t)
	ctx := context.Background()
	hr := f.hire("hr", "people", "project", events.RoleHR)
	var hires []person
	for i := range 14 {
		hires = append(hires, f.hire(fmt.Sprintf("p%02d", i), fmt.Sprintf("team%d", i%3), []string{"operations", "security"}[i%2], events.RoleHire))
	}
	for _, a := range []events.AssignRequest{{Module: mod, Track: "operations", Due: "2026-11-30"}, {Module: "phishing-and-social-engineering", Team: "team1", Due: "2026-12-10"}} {
		if _, err := call[events.AssignmentView](f, events.OpAssign, hr.caller, a); err != nil {
			t.Fatal(err)
		}
	}
	m := f.module(mod)
	for i, h := range hires[:6] {
		if _, err := call[events.AttemptResult](f, events.OpAttempt, h.caller, events.AttemptRequest{Module: mod, Answers: answers(m, i%2 == 0)}); err != nil && events.CodeOf(err) != events.CodeForbidden && events.CodeOf(err) != events.CodeNotFound {
			t.Fatal(err)
		}
	}
	disabled, _ := events.New("hr", "p04", events.StaffDisabled{Reason: "left"}, time.Now())
	if _, err := bus.Append(ctx, f.js, disabled, bus.Expect{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "p04 disabled", func() bool { p, _ := f.m.dir.Person("p04"); return !p.Active })
	f.hire("p20", "team1", "operations", events.RoleHire) // reached by the team assignment's sweep, or not: either way the same
	compare := func(t *testing.T, m *Main, step string) {
		t.Helper()
		waitFor(t, "everything applied", func() bool { return m.Applied() == f.lastSeq() })
		for _, day := range []time.Time{f.day0, f.day0.AddDate(0, 0, 10), f.day0.AddDate(0, 0, 30)} {
			f.setNow(day)
			today := m.today()
			version := fmt.Sprintf("%s/%s", step, today)
			for page := (events.Page{Limit: 4}); ; {
				got, err := m.wholeReport(page, today)
				if err != nil {
					t.Fatal(err)
				}
				want, err := m.filteredReport(events.ReportRequest{Page: page}, version, today)
				if err != nil {
					t.Fatal(err)
				}
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				if string(g) != string(w) {
					t.Fatalf("%s, on %s, page %q:\nkept    %s\nworked out %s", step, today, page.Cursor, g, w)
				}
				if len(got.Modules) == 0 || got.Total == 0 {
					t.Fatalf("%s: an empty report", step)
				}
				if page.Cursor = got.Next; page.Cursor == "" {
					break
				}
			}
		}
		f.setNow(f.day0)
	}
	compare(t, f.m, "running")
	_ = f.m.Close()
	compare(t, f.start(), "restarted")
}
