package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"onramp.dev/events"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/consumer"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/eventlog/eventlogtest"
	"onramp.dev/infra/rpc"
	"onramp.dev/infra/servicetest"
	"onramp.dev/services/onboarding"
)

// fixture is one onboarding service on a real embedded stack, with a key to sign tokens
// the way identity does and a clock the test can move.
type fixture struct {
	t     *testing.T
	env   *servicetest.Stack
	js    jetstream.JetStream
	m     *Main
	keys  *servicetest.Keys
	clock *servicetest.Clock
	day0  time.Time       // "today" at the start of the test
	known map[string]bool // people hired on the identity stream
}

func setup(t *testing.T) *fixture {
	t.Helper()
	f := &fixture{t: t, env: servicetest.Start(t), keys: servicetest.NewKeys(t), known: map[string]bool{}}
	f.js = f.env.JS
	f.day0 = time.Date(2026, 11, 22, 9, 0, 0, 0, time.UTC)
	f.clock = servicetest.NewClock(f.day0)
	f.m = f.start("")
	return f
}

func (f *fixture) setNow(t time.Time) { f.clock.Set(t) }

func (f *fixture) config() Config {
	return Config{Now: f.clock.Now, SweepEvery: -1, Keys: f.keys.Lookup}
}

func (f *fixture) start(durable string) *Main {
	f.t.Helper()
	return servicetest.Run[*Main](f.t)(New(f.env.NATS, f.env.Mongo.Database("onboarding"), slog.New(slog.DiscardHandler), f.config()))
}

// person is someone with a token; hire them on the identity stream with hire().
type person struct {
	id, team string
	roles    []string
	caller   rpc.Caller
}

// person makes a token for id; unless id was hired already, it is hired first (the service
// takes roles and team from the people directory, not from the token).
func (f *fixture) person(id, team string, roles ...string) person {
	f.t.Helper()
	if !f.known[id] {
		f.env.Append(f.t, "hr", id, events.StaffHired{Email: id + "@example.org", Name: "Name " + id, Roles: roles, Team: team,
			Track: "operations", StartDate: f.day0.Format(events.DateLayout)})
		f.known[id] = true
	}
	return person{id: id, team: team, roles: roles, caller: f.keys.Caller(f.t, id, team, roles...)}
}

// hire appends identity.staff.hired for id and returns the event.
func (f *fixture) hire(id, team, lead, track string, startOffset int) events.Envelope {
	f.t.Helper()
	f.known[id] = true
	env, _ := f.env.Append(f.t, "hr", id, events.StaffHired{Email: id + "@example.org", Name: "Name " + id, Roles: []string{events.RoleHire}, Team: team, Lead: lead,
		Track: track, StartDate: f.day0.AddDate(0, 0, startOffset).Format(events.DateLayout)})
	return env
}

var system = servicetest.System

func call[Resp any](f *fixture, op string, c rpc.Caller, req any) (Resp, error) {
	return servicetest.Call[Resp](f.env.NATS, events.OnboardingService, op, c, req)
}

func must[T any](t *testing.T) func(T, error) T { return servicetest.Must[T](t) }

var waitFor = servicetest.WaitFor

// plan waits until the hire's plan exists and returns it as the system sees it.
func (f *fixture) plan(hire string) events.PlanView {
	f.t.Helper()
	var v events.PlanView
	waitFor(f.t, "plan of "+hire, func() bool {
		var err error
		v, err = call[events.PlanView](f, events.OpPlanGet, system, events.PlanRequest{ID: events.PlanID(hire)})
		return err == nil
	})
	return v
}

// count is the number of events of type typ about plan on the ONBOARDING stream.
func (f *fixture) count(typ, plan string) uint64 {
	f.t.Helper()
	return servicetest.StreamMsgs(f.t, f.js, "ONBOARDING", events.Subject(typ, plan))
}

func code(err error) string { return events.CodeOf(err) }

func taskByKey(t *testing.T, v events.PlanView, key string) events.TaskView {
	t.Helper()
	for _, x := range v.Tasks {
		if x.Key == key {
			return x
		}
	}
	t.Fatalf("no task %s on %s", key, v.ID)
	return events.TaskView{}
}

func TestHiredMakesPlanWithResolvedOwnersAndDates(t *testing.T) {
	f := setup(t)
	f.hire("ada", "platform", "lee", "infrastructure", 3)
	v := f.plan("ada")
	if v.ID != "plan-ada" || v.Track != "infrastructure" || v.TemplateVersion != 1 || v.State != events.PlanNotStarted || v.Progress.Total < 20 {
		t.Fatalf("plan = %+v", v)
	}
	// Day 1 is the start date; day -7 is eight days before it.
	start := f.day0.AddDate(0, 0, 3)
	for key, want := range map[string]struct{ assignee, due string }{
		"order-laptop":       {events.QueueIT, start.AddDate(0, 0, -8).Format(events.DateLayout)},
		"starter-paperwork":  {events.QueueHR, start.AddDate(0, 0, -11).Format(events.DateLayout)},
		"choose-mentor":      {"lee", start.AddDate(0, 0, -6).Format(events.DateLayout)},
		"mentor-hello":       {"lee", start.AddDate(0, 0, -3).Format(events.DateLayout)}, // no mentor yet: the lead
		"hand-over-hardware": {events.QueueIT, start.Format(events.DateLayout)},
	} {
		got := taskByKey(t, v, key)
		if got.Assignee != want.assignee || got.Due != want.due {
			t.Errorf("%s: assignee %s due %s, want %s %s", key, got.Assignee, got.Due, want.assignee, want.due)
		}
	}
	hireTasks := 0
	for _, x := range v.Tasks {
		if x.Owner == events.OwnerHire {
			hireTasks++
			if x.Assignee != "ada" {
				t.Errorf("hire task %s assigned to %s", x.Key, x.Assignee)
			}
		}
	}
	if hireTasks == 0 || v.ByOwner[events.OwnerHire].Total != hireTasks {
		t.Errorf("hire tasks %d, by owner %+v", hireTasks, v.ByOwner)
	}
}

// A redelivered hired event (the whole identity stream replayed to a fresh consumer after
// a restart, plus the same hire appended again under a new event id) never makes a
// second plan.
func TestRedeliveredHiredMakesNoSecondPlan(t *testing.T) {
	f := setup(t)
	env := f.hire("ada", "platform", "lee", "security", 0)
	f.plan("ada")
	ctx := context.Background()
	_ = f.m.Close()
	if err := f.js.DeleteConsumer(ctx, "IDENTITY", "onboarding-hired"); err != nil {
		t.Fatal(err)
	}
	again := env
	again.ID = events.NewID(time.Now())
	if _, err := bus.Append(ctx, f.js, again, bus.Expect{}); err != nil {
		t.Fatal(err)
	}
	f.m = f.start("")
	f.hire("bob", "platform", "lee", "security", 0) // behind both: once bob is there, ada's were handled
	f.plan("bob")
	waitFor(t, "redeliveries settled", func() bool {
		c, err := f.js.Consumer(ctx, "IDENTITY", "onboarding-hired")
		if err != nil {
			return false
		}
		info, err := c.Info(ctx)
		return err == nil && info.NumPending == 0 && info.NumAckPending == 0
	})
	if n := f.count("onboarding.plan.created", "plan-ada"); n != 1 {
		t.Fatalf("%d plan.created events for ada, want 1", n)
	}
	list := must[events.PlansReply](t)(call[events.PlansReply](f, events.OpPlansList, system, events.PlansRequest{}))
	if len(list.Items) != 2 {
		t.Fatalf("%d plans, want 2", len(list.Items))
	}
	// The projector stores them shortly after; exactly two, never a third.
	count := func() int {
		n := 0
		if err := f.m.plans.All(ctx, func(onboarding.PlanDoc) error { n++; return nil }); err != nil {
			t.Fatal(err)
		}
		return n
	}
	waitFor(t, "two plan documents", func() bool { return count() >= 2 })
	if n := count(); n != 2 {
		t.Fatalf("%d plan documents, want 2", n)
	}
}

func TestTrackWithoutTemplateIsAProblemHRSees(t *testing.T) {
	f := setup(t)
	f.hire("zed", "platform", "", "astronaut", 0)
	hr := f.person("hana", "people", events.RoleHR)
	var list events.PlansReply
	waitFor(t, "problem listed", func() bool {
		list = must[events.PlansReply](t)(call[events.PlansReply](f, events.OpPlansList, hr.caller, events.PlansRequest{}))
		return len(list.Problems) == 1
	})
	if len(list.Items) != 0 || list.Problems[0].Hire != "zed" || list.Problems[0].State != events.PlanProblem || list.Problems[0].Problem == "" {
		t.Fatalf("list = %+v", list)
	}
	// The lead of the team sees nothing to act on; nobody can add tasks to it.
	lead := f.person("lee", "platform", events.RoleLead)
	if l := must[events.PlansReply](t)(call[events.PlansReply](f, events.OpPlansList, lead.caller, events.PlansRequest{})); len(l.Problems) != 0 || len(l.Items) != 0 {
		t.Fatalf("lead sees %+v", l)
	}
	if _, err := call[events.PlanView](f, events.OpTaskAdd, hr.caller, events.AddTaskRequest{Plan: "plan-zed", Title: "x", Owner: "hire", Due: "2026-12-01"}); code(err) != events.CodeNotFound {
		t.Fatalf("add to a problem: %v", err)
	}
}

// 50 concurrent completions on one plan give exactly 50 done, each one event; completing
// the same task 20 times at once gives one.
func TestConcurrentCompletionsOnOnePlan(t *testing.T) {
	f := setup(t)
	f.hire("ada", "platform", "lee", "infrastructure", -10)
	hr := f.person("hana", "people", events.RoleHR)
	v := f.plan("ada")
	for i := 0; len(v.Tasks) < 51; i++ {
		v = must[events.PlanView](t)(call[events.PlanView](f, events.OpTaskAdd, hr.caller, events.AddTaskRequest{
			Plan: v.ID, Title: fmt.Sprintf("Extra %d", i), Owner: events.OwnerHire, Due: "2026-12-20"}))
	}
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for _, task := range v.Tasks[:50] {
		wg.Go(func() {
			_, err := call[events.PlanView](f, events.OpTaskComplete, hr.caller, events.TaskRequest{ID: task.ID, Evidence: "done by HR"})
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	got := f.plan("ada")
	if got.Progress.Done != 50 || f.count("onboarding.task.completed", v.ID) != 50 {
		t.Fatalf("done %d, events %d; want 50 and 50", got.Progress.Done, f.count("onboarding.task.completed", v.ID))
	}
	last := v.Tasks[50]
	for range 20 {
		wg.Go(func() {
			if _, err := call[events.PlanView](f, events.OpTaskComplete, hr.caller, events.TaskRequest{ID: last.ID, Evidence: "x"}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := f.count("onboarding.task.completed", v.ID); n != 51 {
		t.Fatalf("%d completions after 20 of the same task, want 51", n)
	}
	// Acting for others is recorded as such.
	if x := taskByKey(t, f.plan("ada"), last.Key); x.DoneBy != "hana" || x.OnBehalfOf != "ada" {
		t.Fatalf("done by %q on behalf of %q", x.DoneBy, x.OnBehalfOf)
	}
	// Every task done: exactly one plan.completed, stored.
	waitFor(t, "plan stored complete", func() bool {
		d, ok, err := f.m.plans.Get(context.Background(), v.ID)
		return err == nil && ok && d.Completed && len(d.Tasks) == 51
	})
	if n := f.count("onboarding.plan.completed", v.ID); n != 1 {
		t.Fatalf("%d plan.completed, want 1", n)
	}
	if s := f.plan("ada").State; s != events.PlanComplete {
		t.Fatalf("state %s", s)
	}
}

func TestCompleteReopenAndBadInput(t *testing.T) {
	f := setup(t)
	f.hire("ada", "platform", "lee", "infrastructure", 0)
	ada := f.person("ada", "platform", events.RoleHire)
	it := f.person("ivy", "it-ops", events.RoleIT)
	v := f.plan("ada")
	var hireTask, evidenceTask events.TaskView
	for _, x := range v.Tasks {
		if x.Owner == events.OwnerHire && !x.NeedsEvidence && hireTask.ID == "" {
			hireTask = x
		}
		if x.Owner == events.OwnerIT && x.NeedsEvidence && evidenceTask.ID == "" {
			evidenceTask = x
		}
	}
	before := f.m.Applied()
	var e *events.Error
	_, err := call[events.PlanView](f, events.OpTaskComplete, it.caller, events.TaskRequest{ID: evidenceTask.ID})
	if !errors.As(err, &e) || e.Code != events.CodeInvalid || e.Fields["evidence"] == "" {
		t.Fatalf("no evidence: %v", err)
	}
	if _, err := call[events.PlanView](f, events.OpTaskComplete, ada.caller, events.TaskRequest{ID: "plan-ada.no-such-task"}); code(err) != events.CodeNotFound {
		t.Fatalf("unknown task: %v", err)
	}
	if _, err := call[events.PlanView](f, events.OpTaskComplete, ada.caller, events.TaskRequest{ID: "garbage"}); code(err) != events.CodeNotFound {
		t.Fatalf("malformed task id: %v", err)
	}
	if f.m.Applied() != before {
		t.Fatal("bad input appended events")
	}
	got := must[events.PlanView](t)(call[events.PlanView](f, events.OpTaskComplete, ada.caller, events.TaskRequest{ID: hireTask.ID}))
	if got.Progress.Done != 1 || got.State != events.PlanInProgress || !taskByKey(t, got, hireTask.Key).Done {
		t.Fatalf("after complete: %+v", got.Progress)
	}
	must[events.PlanView](t)(call[events.PlanView](f, events.OpTaskComplete, ada.caller, events.TaskRequest{ID: hireTask.ID}))
	if n := f.count("onboarding.task.completed", "plan-ada"); n != 1 {
		t.Fatalf("completing twice: %d events", n)
	}
	_, err = call[events.PlanView](f, events.OpTaskReopen, ada.caller, events.TaskRequest{ID: hireTask.ID, Reason: "  "})
	if !errors.As(err, &e) || e.Code != events.CodeInvalid || e.Fields["reason"] == "" {
		t.Fatalf("reopen without reason: %v", err)
	}
	got = must[events.PlanView](t)(call[events.PlanView](f, events.OpTaskReopen, ada.caller, events.TaskRequest{ID: hireTask.ID, Reason: "clicked by mistake"}))
	if got.Progress.Done != 0 || got.State != events.PlanNotStarted {
		t.Fatalf("after reopen: %+v %s", got.Progress, got.State)
	}
	got = must[events.PlanView](t)(call[events.PlanView](f, events.OpTaskComplete, it.caller, events.TaskRequest{ID: evidenceTask.ID, Evidence: "asset LAP-0042"}))
	if len(got.Tasks) != 0 { // IT may not see the plan: the answer is the bare id
		t.Fatalf("IT sees the plan: %+v", got)
	}
	if x := taskByKey(t, f.plan("ada"), evidenceTask.Key); !x.Done || x.Evidence != "asset LAP-0042" || x.DoneBy != "ivy" || x.OnBehalfOf != "" {
		t.Fatalf("IT task = %+v", x)
	}
	// The history shows each change.
	if h := f.plan("ada").History; len(h) != 4 {
		t.Fatalf("history has %d entries, want 4 (created, completed, reopened, completed): %+v", len(h), h)
	}
}

// Every operation × role: who may, and that a refusal changes nothing.
func TestAuthorizationPerOperationAndRole(t *testing.T) {
	f := setup(t)
	f.hire("ada", "platform", "lee", "infrastructure", 0)
	f.hire("bob", "security", "sam", "security", 0)
	v := f.plan("ada")
	f.plan("bob")
	roles := map[string]person{
		"hire":         f.person("ada", "platform", events.RoleHire),
		"other hire":   f.person("bob", "security", events.RoleHire),
		"lead":         f.person("lee", "platform", events.RoleLead),
		"other lead":   f.person("sam", "security", events.RoleLead),
		"it":           f.person("ivy", "it-ops", events.RoleIT),
		"hr":           f.person("hana", "people", events.RoleHR),
		"admin":        f.person("ada-admin", "it-management", events.RoleAdmin),
		"mentor":       f.person("maya", "security", events.RoleMentor),
		"bad token":    {caller: rpc.Caller{Token: "nope"}},
		"no token":     {},
		"forged roles": {caller: rpc.Caller{Token: forged(t)}},
	}
	key := func(owner string) string {
		for _, x := range v.Tasks {
			if x.Owner == owner && !x.NeedsEvidence {
				return x.ID
			}
		}
		t.Fatalf("no %s task", owner)
		return ""
	}
	ok, forbidden, unauth := "", events.CodeForbidden, events.CodeUnauthorized
	type want map[string]string // role → code ("" = allowed)
	all := func(c string) want {
		w := want{}
		for r := range roles {
			w[r] = c
		}
		w["bad token"], w["no token"], w["forged roles"] = unauth, unauth, unauth
		return w
	}
	with := func(w want, allowed ...string) want {
		for _, r := range allowed {
			w[r] = ok
		}
		return w
	}
	tests := []struct {
		name   string
		op     string
		req    func() any
		writes bool
		want   want
	}{
		{"get plan", events.OpPlanGet, func() any { return events.PlanRequest{ID: v.ID} }, false, with(all(forbidden), "hire", "lead", "hr", "admin")},
		{"get missing plan", events.OpPlanGet, func() any { return events.PlanRequest{ID: "plan-nobody"} }, false,
			with(all(forbidden), "hr", "admin")}, // HR/admin get 404, checked below
		{"complete hire task", events.OpTaskComplete, func() any { return events.TaskRequest{ID: key(events.OwnerHire)} }, true, with(all(forbidden), "hire", "hr", "admin")},
		{"complete lead task", events.OpTaskComplete, func() any { return events.TaskRequest{ID: key(events.OwnerLead)} }, true, with(all(forbidden), "lead", "hr", "admin")},
		{"complete it task", events.OpTaskComplete, func() any { return events.TaskRequest{ID: key(events.OwnerIT)} }, true, with(all(forbidden), "it", "hr", "admin")},
		{"complete hr task", events.OpTaskComplete, func() any { return events.TaskRequest{ID: key(events.OwnerHR)} }, true, with(all(forbidden), "hr", "admin")},
		{"complete mentor task", events.OpTaskComplete, func() any { return events.TaskRequest{ID: key(events.OwnerMentor)} }, true, with(all(forbidden), "lead", "hr", "admin")},
		{"reopen hire task", events.OpTaskReopen, func() any { return events.TaskRequest{ID: key(events.OwnerHire), Reason: "r"} }, true, with(all(forbidden), "hire", "hr", "admin")},
		{"add task", events.OpTaskAdd, func() any { return events.AddTaskRequest{Plan: v.ID, Title: "t", Owner: "hire", Due: "2026-12-24"} }, true, with(all(forbidden), "lead", "hr", "admin")},
		{"change task", events.OpTaskChange, func() any { return events.ChangeTaskRequest{ID: key(events.OwnerHire), Due: "2027-01-05"} }, true, with(all(forbidden), "lead", "hr", "admin")},
		{"remove task", events.OpTaskRemove, func() any { return events.TaskRequest{ID: added(f, v.ID)} }, true, with(all(forbidden), "lead", "hr", "admin")},
		{"list plans", events.OpPlansList, func() any { return events.PlansRequest{} }, false, with(all(ok))},
		{"my tasks", events.OpMyTasks, func() any { return nil }, false, with(all(ok))},
	}
	for _, tt := range tests {
		for role, who := range roles {
			t.Run(tt.name+"/"+role, func(t *testing.T) {
				want := tt.want[role]
				if tt.name == "get missing plan" && want == ok {
					want = events.CodeNotFound
				}
				req := tt.req()
				before := f.m.Applied()
				_, err := call[events.PlanView](f, tt.op, who.caller, req)
				if got := code(err); err == nil && want != ok || err != nil && got != want {
					t.Fatalf("%s as %s: %v, want %q", tt.op, role, err, want)
				}
				if err != nil && f.m.Applied() != before {
					t.Fatalf("refused %s appended events", tt.op)
				}
				if err == nil && tt.writes {
					// Put it back so the next role meets the same plan.
					restore(t, f, tt.op, req)
				}
			})
		}
	}
	// Lists are scoped: the hire sees their plan, the other lead only theirs, IT none.
	for role, wantN := range map[string]int{"hire": 1, "other hire": 1, "lead": 1, "other lead": 1, "it": 0, "mentor": 0, "hr": 2, "admin": 2} {
		l := must[events.PlansReply](t)(call[events.PlansReply](f, events.OpPlansList, roles[role].caller, events.PlansRequest{}))
		if len(l.Items) != wantN {
			t.Errorf("%s lists %d plans, want %d", role, len(l.Items), wantN)
		}
	}
	// IT's queue holds IT tasks of every hire; the hire's only their own.
	q := must[events.QueueReply](t)(call[events.QueueReply](f, events.OpMyTasks, roles["it"].caller, nil))
	hires := map[string]bool{}
	for _, x := range q.Items {
		if x.Owner != events.OwnerIT {
			t.Fatalf("IT queue holds %+v", x)
		}
		hires[x.Hire] = true
	}
	if len(hires) != 2 {
		t.Fatalf("IT queue covers %v", hires)
	}
	for _, x := range must[events.QueueReply](t)(call[events.QueueReply](f, events.OpMyTasks, roles["hire"].caller, nil)).Items {
		if x.Assignee != "ada" {
			t.Fatalf("hire queue holds %+v", x)
		}
	}
}

// restore undoes an allowed completion so the table's next role meets the same plan.
func restore(t *testing.T, f *fixture, op string, req any) {
	t.Helper()
	if op == events.OpTaskComplete {
		hr := f.person("hana", "people", events.RoleHR)
		must[events.PlanView](t)(call[events.PlanView](f, events.OpTaskReopen, hr.caller, events.TaskRequest{ID: req.(events.TaskRequest).ID, Reason: "test"}))
	}
}

// added adds a task to plan as HR and returns its id.
func added(f *fixture, plan string) string {
	f.t.Helper()
	hr := f.person("hana", "people", events.RoleHR)
	v := must[events.PlanView](f.t)(call[events.PlanView](f, events.OpTaskAdd, hr.caller, events.AddTaskRequest{Plan: plan, Title: "to remove", Owner: "hire", Due: "2026-12-24"}))
	return v.Tasks[len(v.Tasks)-1].ID
}

// forged is a well-formed token signed by a key nobody trusts, claiming admin.
func forged(t *testing.T) string {
	return servicetest.NewKeys(t).Caller(t, "evil", "", events.RoleAdmin).Token
}

func TestOverdueIsPublishedOncePerTask(t *testing.T) {
	f := setup(t)
	f.hire("ada", "platform", "lee", "infrastructure", 0) // starts today
	v := f.plan("ada")
	ctx := context.Background()
	n, err := f.m.Sweep(ctx)
	if err != nil {
		t.Fatal(err)
	}
	wantNow := 0
	today := f.day0.Format(events.DateLayout)
	for _, x := range v.Tasks {
		if x.Due < today {
			wantNow++
		}
	}
	if n != wantNow || wantNow == 0 {
		t.Fatalf("first sweep published %d, want %d (pre-start tasks)", n, wantNow)
	}
	if again, _ := f.m.Sweep(ctx); again != 0 {
		t.Fatalf("second sweep published %d", again)
	}
	// Ten days on, more are late; each is reported once, and a restart does not repeat them.
	f.setNow(f.day0.AddDate(0, 0, 10))
	more, _ := f.m.Sweep(ctx)
	_ = f.m.Close()
	f.m = f.start("")
	if again, _ := f.m.Sweep(ctx); more == 0 || again != 0 {
		t.Fatalf("after ten days %d, after restart %d", more, again)
	}
	s, _ := f.js.Stream(ctx, "ONBOARDING")
	subj := events.Subject("onboarding.task.overdue", v.ID)
	info, _ := s.Info(ctx, jetstream.WithSubjectFilter(subj))
	if got := info.State.Subjects[subj]; got != uint64(n+more) {
		t.Fatalf("%d overdue events, want %d", got, n+more)
	}
	// The API flags overdue tasks against the clock.
	got := f.plan("ada")
	if got.Overdue != n+more {
		t.Fatalf("plan shows %d overdue, want %d", got.Overdue, n+more)
	}
}

func TestMentorAcceptedMovesMentorTasksOnce(t *testing.T) {
	f := setup(t)
	f.hire("ada", "platform", "lee", "infrastructure", 0)
	f.plan("ada")
	env, err := events.New("maya", "m-1", events.MentorshipAccepted{Hire: "ada", Mentor: "maya"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := bus.Append(ctx, f.js, env, bus.Expect{}); err != nil {
		t.Fatal(err)
	}
	var v events.PlanView
	waitFor(t, "mentor tasks moved", func() bool { v = f.plan("ada"); return v.Mentor == "maya" })
	for _, x := range v.Tasks {
		if x.Owner == events.OwnerMentor && x.Assignee != "maya" {
			t.Fatalf("mentor task %s still with %s", x.Key, x.Assignee)
		}
	}
	// A redelivery (handled directly, as the consumer would) changes nothing.
	before := f.m.Applied()
	if err := f.m.onMentorship(ctx, &consumer.Msg{Env: env}); err != nil {
		t.Fatal(err)
	}
	if f.m.Applied() != before || f.count("onboarding.task.reassigned", v.ID) != 1 {
		t.Fatal("redelivered mentorship changed the plan")
	}
	// The mentor now sees the plan and the tasks in their queue.
	maya := f.person("maya", "security", events.RoleMentor)
	q := must[events.QueueReply](t)(call[events.QueueReply](f, events.OpMyTasks, maya.caller, nil))
	if len(q.Items) == 0 {
		t.Fatal("mentor queue empty")
	}
	if _, err := call[events.PlanView](f, events.OpPlanGet, maya.caller, events.PlanRequest{ID: v.ID}); err != nil {
		t.Fatal(err)
	}
}

func TestEventLogConformance(t *testing.T) {
	f := setup(t)
	_ = f.m.Close()
	hr := f.person("hr", "people", events.RoleHR)
	f.hire("ada", "platform", "", "infrastructure", 0)
	var tasks []events.TaskView
	eventlogtest.Run(t, f.env.Env, eventlogtest.Service{
		Stream: "ONBOARDING", DB: "onboarding",
		Record: func() string { return "onramp.onboarding.plan." + events.PlanID("ada") + ".poisoned" },
		New: func(t *testing.T, nc *nats.Conn, db *mongo.Database) (eventlogtest.Main, *eventlog.Log) {
			m, err := New(nc, db, slog.New(slog.DiscardHandler), f.config())
			if err != nil {
				t.Fatal(err)
			}
			return m, m.el
		},
		Command: func(t *testing.T, n int) error {
			if tasks == nil {
				tasks = f.plan("ada").Tasks
			}
			_, err := call[events.PlanView](f, events.OpTaskComplete, hr.caller, events.TaskRequest{ID: tasks[n].ID, Evidence: fmt.Sprint("done ", n)})
			return err
		},
	})
}

// When a mentorship ends, the former mentor's open tasks go back to the lead, and the
// former mentor loses the plan: no view, no completing, nothing in their queue. A later
// mentor's pairing is not undone by an earlier one ending.
func TestMentorshipEndedEndsTheMentorsAccess(t *testing.T) {
	f := setup(t)
	f.hire("ada", "platform", "lee", "infrastructure", 0)
	f.plan("ada")
	maya := f.person("maya", "security", events.RoleMentor)
	ctx := context.Background()
	appendEvent := func(subject string, p events.Payload) events.Envelope {
		env, err := events.New("hr", subject, p, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bus.Append(ctx, f.js, env, bus.Expect{}); err != nil {
			t.Fatal(err)
		}
		return env
	}
	appendEvent("m-1", events.MentorshipAccepted{Hire: "ada", Mentor: "maya"})
	waitFor(t, "mentor tasks moved", func() bool { return f.plan("ada").Mentor == "maya" })
	var mentorTask string
	for _, x := range f.plan("ada").Tasks {
		if x.Owner == events.OwnerMentor {
			mentorTask = x.ID
		}
	}
	ended := appendEvent("m-1", events.MentorshipEnded{Hire: "ada", Mentor: "maya", Reason: "done"})
	var v events.PlanView
	waitFor(t, "mentor access ended", func() bool { v = f.plan("ada"); return v.Mentor == "" })
	for _, x := range v.Tasks {
		if x.Owner == events.OwnerMentor && !x.Done && x.Assignee != "lee" {
			t.Errorf("open mentor task %s with %s after the mentorship ended", x.Key, x.Assignee)
		}
	}
	if _, err := call[events.PlanView](f, events.OpPlanGet, maya.caller, events.PlanRequest{ID: v.ID}); events.CodeOf(err) != events.CodeForbidden {
		t.Errorf("former mentor reads the plan: %v", err)
	}
	if _, err := call[events.PlanView](f, events.OpTaskComplete, maya.caller, events.TaskRequest{ID: mentorTask}); events.CodeOf(err) != events.CodeForbidden {
		t.Errorf("former mentor completes a task: %v", err)
	}
	if q := must[events.QueueReply](t)(call[events.QueueReply](f, events.OpMyTasks, maya.caller, nil)); len(q.Items) != 0 {
		t.Errorf("former mentor still has %d tasks", len(q.Items))
	}
	// A redelivery changes nothing; neither does an old pairing ending after a new one.
	before := f.m.Applied()
	if err := f.m.onMentorship(ctx, &consumer.Msg{Env: ended}); err != nil || f.m.Applied() != before {
		t.Fatalf("redelivered end: %v, applied %d → %d", err, before, f.m.Applied())
	}
	appendEvent("m-2", events.MentorshipAccepted{Hire: "ada", Mentor: "mo"})
	waitFor(t, "new mentor", func() bool { return f.plan("ada").Mentor == "mo" })
	stale, err := events.New("hr", "m-0", events.MentorshipEnded{Hire: "ada", Mentor: "maya", Reason: "late"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := f.m.onMentorship(ctx, &consumer.Msg{Env: stale}); err != nil {
		t.Fatal(err)
	}
	if v := f.plan("ada"); v.Mentor != "mo" {
		t.Errorf("an old pairing ending removed the new mentor: %q", v.Mentor)
	}
}

// The plans list travels a page at a time, sorted by start date then name: following next
// visits every plan once; a lead's pages hold their team only; search narrows by name.
func TestPlansListPages(t *testing.T) {
	f := setup(t)
	for i := range 23 {
		team := "platform"
		if i%3 == 0 {
			team = "network"
		}
		f.hire(fmt.Sprintf("h%02d", i), team, "", "operations", -(i % 4))
	}
	hr := f.person("hana", "people", events.RoleHR)
	lead := f.person("lee", "network", events.RoleLead)
	waitFor(t, "23 plans", func() bool {
		l := must[events.PlansReply](t)(call[events.PlansReply](f, events.OpPlansList, hr.caller, events.PlansRequest{}))
		return l.Total == 23
	})
	tests := []struct {
		name   string
		caller rpc.Caller
		req    events.PlansRequest
		total  int
	}{
		{"HR, everyone", hr.caller, events.PlansRequest{Page: events.Page{Limit: 5}}, 23},
		{"lead, their team", lead.caller, events.PlansRequest{Page: events.Page{Limit: 3}}, 8},
		{"search", hr.caller, events.PlansRequest{Page: events.Page{Limit: 5, Query: "name h1"}}, 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, seen, last := tt.req, map[string]bool{}, ""
			for pages := 0; ; pages++ {
				l := must[events.PlansReply](t)(call[events.PlansReply](f, events.OpPlansList, tt.caller, req))
				if l.Total != tt.total || len(l.Items) > req.Limit {
					t.Fatalf("page %d: total %d, %d items", pages, l.Total, len(l.Items))
				}
				for _, p := range l.Items {
					key := p.StartDate + " " + p.HireName
					if seen[p.ID] || key < last {
						t.Fatalf("%s repeated or out of order after %s", key, last)
					}
					seen[p.ID], last = true, key
				}
				if l.Next == "" || pages > tt.total {
					break
				}
				req.Cursor = l.Next
			}
			if len(seen) != tt.total {
				t.Fatalf("visited %d plans, want %d", len(seen), tt.total)
			}
		})
	}
}

// The IT queue across hires travels a page at a time: following next visits every open
// IT task once, overdue first.
func TestQueuePages(t *testing.T) {
	f := setup(t)
	for i := range 3 {
		f.hire(fmt.Sprintf("q%d", i), "platform", "", "infrastructure", -20+i*10)
	}
	for i := range 3 {
		f.plan(fmt.Sprintf("q%d", i))
	}
	it := f.person("ivy", "it-ops", events.RoleIT)
	all := must[events.QueueReply](t)(call[events.QueueReply](f, events.OpMyTasks, it.caller, events.QueueRequest{Page: events.Page{Limit: events.MaxPageRows}}))
	if all.Total < 8 || all.Next != "" || len(all.Items) != all.Total {
		t.Fatalf("whole queue: %d of %d, next %q", len(all.Items), all.Total, all.Next)
	}
	var got []string
	req := events.QueueRequest{Page: events.Page{Limit: 3}}
	for pages := 0; pages <= all.Total; pages++ {
		q := must[events.QueueReply](t)(call[events.QueueReply](f, events.OpMyTasks, it.caller, req))
		for _, x := range q.Items {
			got = append(got, x.ID)
		}
		if req.Cursor = q.Next; req.Cursor == "" {
			break
		}
	}
	var want []string
	for _, x := range all.Items {
		want = append(want, x.ID)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("paged %v\nwhole %v", got, want)
	}
	if !all.Items[0].Overdue || all.Items[len(all.Items)-1].Overdue {
		t.Fatal("overdue tasks are not first")
	}
	// Completing a task takes it out of the queue at once (the sorted queue is kept only
	// while the plans do not change).
	done := all.Items[0].ID
	must[events.PlanView](t)(call[events.PlanView](f, events.OpTaskComplete, it.caller, events.TaskRequest{ID: done, Evidence: "done"}))
	after := must[events.QueueReply](t)(call[events.QueueReply](f, events.OpMyTasks, it.caller, events.QueueRequest{Page: events.Page{Limit: events.MaxPageRows}}))
	if after.Total != all.Total-1 || slices.ContainsFunc(after.Items, func(x events.TaskView) bool { return x.ID == done }) {
		t.Fatalf("after completing %s: %d of %d tasks", done, after.Total, all.Total)
	}
}

// A disabled mentor's part in a plan ends as if the mentorship had: their open tasks go
// back to the lead and the plan no longer names them.
func TestDisabledMentorHandsTasksBack(t *testing.T) {
	f := setup(t)
	f.hire("ada", "platform", "lee", "infrastructure", 0)
	f.plan("ada")
	f.person("maya", "security", events.RoleMentor)
	ctx := context.Background()
	for _, e := range []struct {
		subject string
		p       events.Payload
	}{{"m-1", events.MentorshipAccepted{Hire: "ada", Mentor: "maya"}}, {"maya", events.StaffDisabled{Reason: "left"}}} {
		env, err := events.New("hr", e.subject, e.p, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := bus.Append(ctx, f.js, env, bus.Expect{}); err != nil {
			t.Fatal(err)
		}
		if _, ok := e.p.(events.MentorshipAccepted); ok {
			waitFor(t, "mentor tasks moved", func() bool { return f.plan("ada").Mentor == "maya" })
		}
	}
	var v events.PlanView
	waitFor(t, "the disabled mentor's tasks back with the lead", func() bool { v = f.plan("ada"); return v.Mentor == "" })
	for _, x := range v.Tasks {
		if x.Owner == events.OwnerMentor && !x.Done && x.Assignee != "lee" {
			t.Errorf("open mentor task %s with %s", x.Key, x.Assignee)
		}
	}
}

// HR's first page of every plan, and of those behind schedule, is answered from the
// figures kept as events are applied; it agrees with the general way (here forced by a
// search every hire matches), before and after a hire catches up.
func TestOverviewPageAgreesWithTheList(t *testing.T) {
	f := setup(t)
	for i := range 12 {
		f.hire(fmt.Sprintf("h%02d", i), "platform", "", "operations", 40-6*i)
	}
	f.hire("lost", "platform", "", "no-such-track", 0)
	hr := f.person("hana", "people", events.RoleHR)
	waitFor(t, "12 plans and a problem", func() bool {
		l := must[events.PlansReply](t)(call[events.PlansReply](f, events.OpPlansList, hr.caller, events.PlansRequest{}))
		return l.Total == 12 && l.ProblemsTotal == 1
	})
	compare := func(t *testing.T) (behind int) {
		t.Helper()
		for _, overdue := range []bool{false, true} {
			for _, limit := range []int{1, 3, 50} {
				fast := must[events.PlansReply](t)(call[events.PlansReply](f, events.OpPlansList, hr.caller,
					events.PlansRequest{Page: events.Page{Limit: limit}, OverdueOnly: overdue}))
				general := must[events.PlansReply](t)(call[events.PlansReply](f, events.OpPlansList, hr.caller,
					events.PlansRequest{Page: events.Page{Limit: limit, Query: "name"}, OverdueOnly: overdue}))
				if !reflect.DeepEqual(fast, general) {
					t.Fatalf("overdue only %v, limit %d:\n%+v\n%+v", overdue, limit, fast, general)
				}
				if overdue {
					behind = fast.Total
				}
			}
		}
		return behind
	}
	before := compare(t)
	if before == 0 || before == 12 {
		t.Fatalf("%d plans behind: the hires' start dates should put some behind, not all", before)
	}
	first := must[events.PlansReply](t)(call[events.PlansReply](f, events.OpPlansList, hr.caller,
		events.PlansRequest{Page: events.Page{Limit: 1}, OverdueOnly: true})).Items[0]
	plan := must[events.PlanView](t)(call[events.PlanView](f, events.OpPlanGet, hr.caller, events.PlanRequest{ID: first.ID}))
	for _, task := range plan.Tasks {
		if task.Overdue {
			must[events.PlanView](t)(call[events.PlanView](f, events.OpTaskComplete, hr.caller, events.TaskRequest{ID: task.ID, Evidence: "done"}))
		}
	}
	if after := compare(t); after != before-1 {
		t.Fatalf("%d plans behind after one caught up, %d before", after, before)
	}
}
