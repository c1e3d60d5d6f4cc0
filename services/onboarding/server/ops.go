package server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"onramp.dev/events"
	"onramp.dev/events/onboardingapi"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/rpc"
	"onramp.dev/services/onboarding"
)

type empty = events.None

func (m *Main) register() error {
	svc, err := rpc.NewService(m.nc, events.OnboardingService, "1.0.0", m.log)
	if err != nil {
		return err
	}
	m.svc = svc
	for _, err := range []error{
		rpc.Serve(svc, onboardingapi.OpPlansList, m.opPlansList),
		rpc.Serve(svc, onboardingapi.OpPlanGet, m.opPlanGet),
		rpc.Serve(svc, onboardingapi.OpMyTasks, m.opMyTasks),
		rpc.Serve(svc, onboardingapi.OpTaskComplete, m.opComplete),
		rpc.Serve(svc, onboardingapi.OpTaskReopen, m.opReopen),
		rpc.Serve(svc, onboardingapi.OpTaskAdd, m.opAdd),
		rpc.Serve(svc, onboardingapi.OpTaskRemove, m.opRemove),
		rpc.Serve(svc, onboardingapi.OpTaskChange, m.opChange),
		rpc.Serve(svc, onboardingapi.OpTemplatesInfo, m.opTemplatesInfo),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

var errUnauthorized = events.Errorf(events.CodeUnauthorized, "sign in again")

// authenticate turns the request's caller into a domain caller: the system (trusted
// tools: seeding), or a person whose token verifies and who is still active.
func (m *Main) authenticate(ctx context.Context, c rpc.Caller) (onboarding.Caller, error) {
	// A page that refreshes itself because something changed must see that change.
	m.el.Fresh(ctx, 2*time.Second)
	if c.System {
		return onboarding.Caller{System: true}, nil
	}
	claims, err := m.verify.Verify(ctx, c.Token)
	if err != nil {
		return onboarding.Caller{}, errUnauthorized
	}
	// Roles and team come from the directory (current), not from the token (up to 15
	// minutes old).
	p, ok := m.dir.Current(ctx, claims.Subject)
	if !ok || !p.Active {
		return onboarding.Caller{}, errUnauthorized
	}
	return onboarding.Caller{ID: p.ID, Roles: p.Roles, Team: p.Team}, nil
}

func (m *Main) today() string { return events.Date(m.cfg.Now()) }

func (m *Main) opPlansList(ctx context.Context, r rpc.Request[events.PlansRequest]) (events.PlansReply, error) {
	c, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.PlansReply{}, err
	}
	f, today := r.Body, m.today()
	if out, ok := m.overviewPage(c, f, today); ok {
		return out, nil
	}
	// The filtered, sorted plans are found once per state of the plans and day, per
	// caller and filters; pages are cut from them.
	version := fmt.Sprintf("%d/%s", m.el.Applied(), today)
	key := strings.Join([]string{callerKey(c), f.Hire, f.Track, f.Team, strings.ToLower(strings.TrimSpace(f.Query)), strconv.FormatBool(f.OverdueOnly)}, "\x00")
	l := m.plansLists.Get(version, key, func() plansList { return m.plansList(c, f, today) })
	page, info, err := events.PageBy(f.Page, l.plans, planKey)
	if err != nil {
		return events.PlansReply{}, err
	}
	out := events.PlansReply{Items: make([]events.PlanView, 0, len(page)), PageInfo: info, ProblemsTotal: len(l.problems)}
	m.el.RLock()
	defer m.el.RUnlock()
	// Only the page's plans are turned into views.
	for _, p := range page {
		out.Items = append(out.Items, onboarding.View(c, p, today, m.names, false))
	}
	for _, p := range l.problems[:min(len(l.problems), events.MaxProblems)] {
		out.Problems = append(out.Problems, onboarding.View(c, p, today, m.names, false))
	}
	if f.Trend > 0 {
		if !c.System && !c.Has(events.RoleHR, events.RoleAdmin) {
			return events.PlansReply{}, events.Errorf(events.CodeForbidden, "the onboarding trend is for HR")
		}
		out.Trend = m.state.Trend(min(f.Trend, events.MaxTrendWeeks), today)
	}
	return out, nil
}

// overviewPage answers the first page of every plan, or of the plans behind schedule, for
// someone who sees them all (HR's home and overview) from the figures the state keeps as
// events are applied, reading only the page's plans: after each change, the list would
// otherwise be found again over the whole organisation. Other pages and filters take the
// general way.
func (m *Main) overviewPage(c onboarding.Caller, f events.PlansRequest, today string) (events.PlansReply, bool) {
	all := c.System || c.Has(events.RoleHR, events.RoleAdmin)
	if !all || f.Hire != "" || f.Track != "" || f.Team != "" || strings.TrimSpace(f.Query) != "" || f.Cursor != "" {
		return events.PlansReply{}, false
	}
	limit := f.Limit
	if limit <= 0 {
		limit = events.DefaultLimit
	}
	limit = min(limit, events.MaxPageRows)
	m.el.RLock()
	defer m.el.RUnlock()
	o := m.state.Overview(today)
	total := o.Plans
	var first []*onboarding.Plan // the page and the row after it, if any
	if f.OverdueOnly {
		total, first = o.Behind, m.state.Behind(today, limit+1)
	} else {
		first = m.state.First(limit+1, func(p *onboarding.Plan) bool { return p.Problem == "" })
	}
	page, info, err := events.PageBy(f.Page, first, planKey)
	if err != nil {
		return events.PlansReply{}, false
	}
	info.Total = total
	out := events.PlansReply{Items: make([]events.PlanView, 0, len(page)), PageInfo: info}
	for _, p := range page {
		out.Items = append(out.Items, onboarding.View(c, p, today, m.names, false))
	}
	if !f.OverdueOnly { // a hire with no plan has no task overdue
		out.ProblemsTotal = o.Problems
		for _, p := range m.state.Problems(events.MaxProblems) {
			out.Problems = append(out.Problems, onboarding.View(c, p, today, m.names, false))
		}
	}
	if f.Trend > 0 { // HR's home asks for it beside the overview's first page
		out.Trend = m.state.Trend(min(f.Trend, events.MaxTrendWeeks), today)
	}
	return out, true
}

// callerKey names what decides which plans and tasks a caller sees.
func callerKey(c onboarding.Caller) string {
	return c.ID + "\x00" + strings.Join(c.Roles, ",") + "\x00" + c.Team + "\x00" + strconv.FormatBool(c.System)
}

func planKey(p *onboarding.Plan) string { return p.StartDate + "\x00" + p.Name + "\x00" + p.ID }

// plansList is the plans a caller sees with some filters, by start date then name, and
// (for HR) the hires who got no plan.
type plansList struct{ plans, problems []*onboarding.Plan }

func (m *Main) plansList(c onboarding.Caller, f events.PlansRequest, today string) plansList {
	hr := c.System || c.Has(events.ManagerRoles...)
	keep := func(p *onboarding.Plan) bool {
		return onboarding.CanView(c, p) && (f.Hire == "" || p.Hire == f.Hire) && (f.Track == "" || p.Track == f.Track) &&
			(f.Team == "" || p.Team == f.Team) && f.Matches(p.Name) && (!f.OverdueOnly || p.OverdueCount(today) > 0)
	}
	m.el.RLock()
	defer m.el.RUnlock()
	var found []*onboarding.Plan
	switch {
	case f.Hire != "":
		if p, ok := m.state.Plan(events.PlanID(f.Hire)); ok && keep(p) {
			found = []*onboarding.Plan{p}
		}
	case f.Team != "": // a team's plans: read the team's index only
		found = m.state.TeamPlans(f.Team, keep)
	default:
		found = m.state.Plans(keep)
	}
	var l plansList
	for _, p := range found {
		switch {
		case p.Problem == "":
			l.plans = append(l.plans, p)
		case hr: // problems are HR's to solve
			l.problems = append(l.problems, p)
		}
	}
	return l
}

// visiblePlan returns the view of plan id for c. A plan c may not see answers forbidden
// whether or not it exists (only HR and admin learn that it does not), except the
// caller's own plan, which is simply not there yet.
func (m *Main) visiblePlan(c onboarding.Caller, id string) (events.PlanView, error) {
	m.el.RLock()
	defer m.el.RUnlock()
	p, ok := m.state.Plan(id)
	switch {
	case !ok && (c.System || c.Has(events.ManagerRoles...) || id == events.PlanID(c.ID)):
		return events.PlanView{}, onboarding.ErrPlanNotFound
	case !ok, !onboarding.CanView(c, p):
		return events.PlanView{}, onboarding.ErrForbidden
	}
	return onboarding.View(c, p, m.today(), m.names, true), nil
}

func (m *Main) opPlanGet(ctx context.Context, r rpc.Request[events.PlanRequest]) (events.PlanView, error) {
	c, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.PlanView{}, err
	}
	return m.visiblePlan(c, r.Body.ID)
}

func (m *Main) opMyTasks(ctx context.Context, r rpc.Request[events.QueueRequest]) (events.QueueReply, error) {
	c, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.QueueReply{}, err
	}
	// A queue (IT's and HR's grow with the organisation) is sorted once per state of the
	// plans and day, per caller; pages are cut from it.
	today := m.today()
	version := fmt.Sprintf("%d/%s", m.el.Applied(), today)
	queue := m.queues.Get(version, callerKey(c), func() []queued { return m.queue(c, today) })
	page, info, err := events.PageBy(r.Body.Page, queue, func(q queued) string { return q.key })
	if err != nil {
		return events.QueueReply{}, err
	}
	out := events.QueueReply{Items: make([]events.TaskView, 0, len(page)), PageInfo: info}
	m.el.RLock()
	defer m.el.RUnlock()
	for _, q := range page {
		v := onboarding.TaskView(c, q.Plan, q.Task, today, m.names)
		v.Plan, v.Hire, v.HireName = q.Plan.ID, q.Plan.Hire, q.Plan.Name
		out.Items = append(out.Items, v)
	}
	return out, nil
}

// queued is a task in someone's queue with its place in the queue's order: overdue first,
// then due date, hire name, plan, task.
type queued struct {
	onboarding.QueueItem
	key string
}

func (m *Main) queue(c onboarding.Caller, today string) []queued {
	m.el.RLock()
	defer m.el.RUnlock()
	items := m.state.Queue(c, today)
	out := make([]queued, len(items))
	for i, it := range items {
		late := "1"
		if it.Task.Overdue(today) {
			late = "0"
		}
		out[i] = queued{it, late + "\x00" + it.Task.Due + "\x00" + it.Plan.Name + "\x00" + it.Plan.ID + "\x00" + it.Task.ID}
	}
	slices.SortFunc(out, func(a, b queued) int { return strings.Compare(a.key, b.key) })
	return out
}

// change runs one decide-and-commit on a plan under its lock, then announces the plan's
// completion if the change finished it, and answers the plan as the caller sees it now.
// decide returns the plan id, its last sequence and the payload (nil: nothing to do).
func (m *Main) change(ctx context.Context, c onboarding.Caller, planID string, decide func() (string, uint64, events.Payload, error)) (events.PlanView, error) {
	if planID == "" {
		planID = "-"
	}
	unlock := m.el.Lock(planID)
	err := eventlog.Retry(func() error {
		m.el.RLock()
		id, seq, payload, err := decide()
		m.el.RUnlock()
		if err != nil || payload == nil {
			return err
		}
		env, err := events.New(c.Actor(), id, payload, m.cfg.Now())
		if err != nil {
			return err
		}
		return m.commit(ctx, env, seq)
	})
	if err == nil {
		if cerr := m.completeIfDone(ctx, planID, c.Actor()); cerr != nil {
			m.log.Warn("plan.completed not appended; the sweeper will retry", "plan", planID, "err", cerr)
		}
	}
	unlock()
	if err != nil {
		return events.PlanView{}, err
	}
	view, err := m.visiblePlan(c, planID)
	if err != nil { // e.g. a lead who moved the hire's last task away: nothing to show
		return events.PlanView{ID: planID}, nil
	}
	return view, nil
}

func planOf(taskID string) string { p, _, _ := onboarding.SplitTaskID(taskID); return p }

func (m *Main) opComplete(ctx context.Context, r rpc.Request[events.TaskRequest]) (events.PlanView, error) {
	c, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.PlanView{}, err
	}
	return m.change(ctx, c, planOf(r.Body.ID), func() (string, uint64, events.Payload, error) {
		p, e, err := m.state.DecideComplete(c, r.Body.ID, r.Body.Evidence)
		if err != nil || e == nil {
			return "", 0, nil, err
		}
		return p.ID, p.Seq, *e, nil
	})
}

func (m *Main) opReopen(ctx context.Context, r rpc.Request[events.TaskRequest]) (events.PlanView, error) {
	c, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.PlanView{}, err
	}
	return m.change(ctx, c, planOf(r.Body.ID), func() (string, uint64, events.Payload, error) {
		p, e, err := m.state.DecideReopen(c, r.Body.ID, r.Body.Reason)
		if err != nil || e == nil {
			return "", 0, nil, err
		}
		return p.ID, p.Seq, *e, nil
	})
}

func newTaskKey() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return "added-" + hex.EncodeToString(b)
}

func (m *Main) opAdd(ctx context.Context, r rpc.Request[events.AddTaskRequest]) (events.PlanView, error) {
	c, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.PlanView{}, err
	}
	key := newTaskKey()
	return m.change(ctx, c, r.Body.Plan, func() (string, uint64, events.Payload, error) {
		p, e, err := m.state.DecideAdd(c, r.Body, key, m.cfg.Now())
		if err != nil {
			return "", 0, nil, err
		}
		return p.ID, p.Seq, e, nil
	})
}

func (m *Main) opRemove(ctx context.Context, r rpc.Request[events.TaskRequest]) (events.PlanView, error) {
	c, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.PlanView{}, err
	}
	return m.change(ctx, c, planOf(r.Body.ID), func() (string, uint64, events.Payload, error) {
		p, e, err := m.state.DecideRemove(c, r.Body.ID, r.Body.Reason)
		if err != nil {
			return "", 0, nil, err
		}
		return p.ID, p.Seq, e, nil
	})
}

func (m *Main) opChange(ctx context.Context, r rpc.Request[events.ChangeTaskRequest]) (events.PlanView, error) {
	c, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.PlanView{}, err
	}
	return m.change(ctx, c, planOf(r.Body.ID), func() (string, uint64, events.Payload, error) {
		p, e, err := m.state.DecideChange(c, r.Body, m.cfg.Now())
		if err != nil || e == nil {
			return "", 0, nil, err
		}
		return p.ID, p.Seq, *e, nil
	})
}
