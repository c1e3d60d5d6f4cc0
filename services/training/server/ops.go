package server

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"onramp.dev/events"
	"onramp.dev/events/trainingapi"
	"onramp.dev/infra/directory"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/idempotency"
	"onramp.dev/infra/rpc"
	"onramp.dev/services/training"
)

func (m *Main) register() error {
	svc, err := rpc.NewService(m.nc, events.TrainingService, "1.0.0", m.log)
	if err != nil {
		return err
	}
	m.svc = svc
	for _, err := range []error{
		rpc.Serve(svc, trainingapi.OpModulesList, m.opModules),
		rpc.Serve(svc, trainingapi.OpModuleGet, m.opModule),
		rpc.Serve(svc, trainingapi.OpAssign, m.opAssign),
		rpc.Serve(svc, trainingapi.OpMyTraining, m.opMine),
		rpc.Serve(svc, trainingapi.OpProgress, m.opProgress),
		rpc.Serve(svc, trainingapi.OpEnrol, m.opEnrol),
		rpc.Serve(svc, trainingapi.OpLessonRead, m.opLessonRead),
		rpc.Serve(svc, trainingapi.OpAttempt, m.opAttempt),
		rpc.Serve(svc, trainingapi.OpGrant, m.opGrant),
		rpc.Serve(svc, trainingapi.OpTeamTraining, m.opTeam),
		rpc.Serve(svc, trainingapi.OpReport, m.opReport),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

var errUnauthorized = events.Errorf(events.CodeUnauthorized, "sign in again")

// authenticate turns the request's caller into a domain caller: a person whose token
// verifies and who is still active, or the system — which may act as a person (as), for
// seeding.
func (m *Main) authenticate(ctx context.Context, c rpc.Caller, as string) (training.Caller, error) {
	// A page that refreshes itself because something changed must see that change.
	m.el.Fresh(ctx, 2*time.Second)
	if c.System {
		if as == "" {
			return training.Caller{System: true}, nil
		}
		p, ok := m.dir.Current(ctx, as)
		if !ok || !p.Active {
			return training.Caller{}, events.Errorf(events.CodeNotFound, "no active person %s", as)
		}
		return training.Caller{ID: p.ID, Roles: p.Roles, Team: p.Team}, nil
	}
	claims, err := m.verify.Verify(ctx, c.Token)
	if err != nil {
		return training.Caller{}, errUnauthorized
	}
	// Roles and team come from the directory (current), not from the token (up to 15
	// minutes old).
	p, ok := m.dir.Current(ctx, claims.Subject)
	if !ok || !p.Active {
		return training.Caller{}, errUnauthorized
	}
	return training.Caller{ID: p.ID, Roles: p.Roles, Team: p.Team}, nil
}

// learner is the caller as a learner: a person (the system has no training of its own).
func (m *Main) learner(ctx context.Context, c rpc.Caller, as string) (training.Caller, error) {
	tc, err := m.authenticate(ctx, c, as)
	if err == nil && tc.ID == "" {
		return tc, events.Errorf(events.CodeBadRequest, "act as a person (as) for learner operations")
	}
	return tc, err
}

func (m *Main) today() string { return events.Date(m.cfg.Now()) }

func (m *Main) opModules(ctx context.Context, r rpc.Request[events.ModuleRequest]) (events.ModulesReply, error) {
	if _, err := m.authenticate(ctx, r.Caller, r.Body.As); err != nil {
		return events.ModulesReply{}, err
	}
	m.listOnce.Do(func() { // the catalogue never changes: built once, no lock needed
		m.listed = events.ModulesReply{Items: []events.ModuleView{}}
		for _, mod := range m.state.Modules() {
			m.listed.Items = append(m.listed.Items, training.Listed(mod))
		}
	})
	return m.listed, nil
}

func (m *Main) opModule(ctx context.Context, r rpc.Request[events.ModuleRequest]) (events.ModuleView, error) {
	if _, err := m.authenticate(ctx, r.Caller, r.Body.As); err != nil {
		return events.ModuleView{}, err
	}
	mod, ok := m.state.Module(r.Body.ID)
	if !ok {
		return events.ModuleView{}, training.ErrUnknownModule
	}
	return training.Public(mod), nil
}

func (m *Main) opAssign(ctx context.Context, r rpc.Request[events.AssignRequest]) (events.AssignmentView, error) {
	c, err := m.authenticate(ctx, r.Caller, r.Body.As)
	if err != nil {
		return events.AssignmentView{}, err
	}
	id := "asg-" + idempotency.RecordID(ctx, m.cfg.Now())
	if r.Caller.System && r.Body.ID != "" {
		if !events.IsToken(r.Body.ID) {
			return events.AssignmentView{}, &events.Error{Code: events.CodeInvalid, Message: "bad id", Fields: map[string]string{"id": "must be a token"}}
		}
		id = r.Body.ID
	}
	actor := cmp.Or(c.ID, events.System)
	if p := strings.TrimSpace(r.Body.Person); p != "" {
		m.dir.Current(ctx, p) // someone hired a moment ago: let the directory catch up
	}
	unlock := m.el.Lock(id)
	var rest []string
	var view events.AssignmentView
	err = eventlog.Retry(func() error {
		m.el.RLock()
		if a, ok := m.state.Assignment(id); ok { // a seeding tool asking again
			view = a.View()
			m.el.RUnlock()
			return nil
		}
		e, more, err := m.state.DecideAssign(c, r.Body, members{m.dir}, m.today())
		m.el.RUnlock()
		if err != nil {
			return err
		}
		env, err := events.New(actor, id, e, m.cfg.Now())
		if err != nil {
			return err
		}
		if _, err := m.commit(ctx, env, events.RecordFilter("training", "assignment", id), 0); err != nil {
			return err
		}
		rest = more
		return nil
	})
	unlock()
	if err != nil {
		return events.AssignmentView{}, err
	}
	for len(rest) > 0 { // audiences beyond one event's worth
		n := min(len(rest), events.MaxPeoplePerEvent)
		if err := m.reach(ctx, actor, id, rest[:n], ""); err != nil {
			return events.AssignmentView{}, err
		}
		rest = rest[n:]
	}
	m.el.RLock()
	defer m.el.RUnlock()
	if a, ok := m.state.Assignment(id); ok {
		view = a.View()
	}
	return view, nil
}

func (m *Main) opMine(ctx context.Context, r rpc.Request[events.ModuleRequest]) (events.LearnerReply, error) {
	c, err := m.learner(ctx, r.Caller, r.Body.As)
	if err != nil {
		return events.LearnerReply{}, err
	}
	m.el.RLock()
	defer m.el.RUnlock()
	return events.LearnerReply{Items: m.state.Items(c.ID, m.today())}, nil
}

// progress is person's view of one module (the caller holds the read lock).
func (m *Main) progress(person, module string) events.ProgressView {
	mod, _ := m.state.Module(module)
	it, enrolled := m.state.Item(person, module, m.today())
	if !enrolled {
		var none training.Progress
		it = events.LearnerItem{Module: module, Title: mod.Title, Status: events.StatusAssigned, Lessons: len(mod.Lessons),
			AttemptsLeft: none.AttemptsLeft(mod.MaxAttempts), CanAttempt: none.MayAttempt(mod.MaxAttempts)}
	}
	v := events.ProgressView{Item: it, Enrolled: enrolled, Read: []string{}}
	if l, ok := m.state.Learner(person); ok {
		if p := l.Progress(module); p != nil {
			v.Read = append(v.Read, p.Read...)
		}
	}
	if res, ok := m.state.Result(person, module); ok {
		v.Last = &res
	}
	return v
}

func (m *Main) opProgress(ctx context.Context, r rpc.Request[events.ModuleRequest]) (events.ProgressView, error) {
	c, err := m.learner(ctx, r.Caller, r.Body.As)
	if err != nil {
		return events.ProgressView{}, err
	}
	if _, ok := m.state.Module(r.Body.ID); !ok {
		return events.ProgressView{}, training.ErrUnknownModule
	}
	m.el.RLock()
	defer m.el.RUnlock()
	return m.progress(c.ID, r.Body.ID), nil
}

func (m *Main) item(person, module string) events.LearnerItem {
	m.el.RLock()
	defer m.el.RUnlock()
	return m.progress(person, module).Item
}

func (m *Main) opEnrol(ctx context.Context, r rpc.Request[events.ModuleRequest]) (events.LearnerItem, error) {
	c, err := m.learner(ctx, r.Caller, r.Body.As)
	if err != nil {
		return events.LearnerItem{}, err
	}
	if _, err := m.learnerCommit(ctx, c.ID, c.ID, func() (events.Payload, error) {
		e, todo, err := m.state.DecideEnrol(c.ID, r.Body.ID)
		if err != nil || !todo {
			return nil, err
		}
		return e, nil
	}); err != nil {
		return events.LearnerItem{}, err
	}
	return m.item(c.ID, r.Body.ID), nil
}

func (m *Main) opLessonRead(ctx context.Context, r rpc.Request[events.LessonRequest]) (events.LearnerItem, error) {
	c, err := m.learner(ctx, r.Caller, r.Body.As)
	if err != nil {
		return events.LearnerItem{}, err
	}
	if _, err := m.learnerCommit(ctx, c.ID, c.ID, func() (events.Payload, error) {
		return m.state.DecideRead(c.ID, r.Body.Module, r.Body.Lesson)
	}); err != nil {
		return events.LearnerItem{}, err
	}
	return m.item(c.ID, r.Body.Module), nil
}

// opAttempt grades the caller's own attempt. The graded event and, on a first pass,
// module.passed are appended under the learner's lock; if the second append fails, the
// sweeper publishes it later (the learner record shows it missing).
func (m *Main) opAttempt(ctx context.Context, r rpc.Request[events.AttemptRequest]) (events.AttemptResult, error) {
	c, err := m.learner(ctx, r.Caller, r.Body.As)
	if err != nil {
		return events.AttemptResult{}, err
	}
	person, module := c.ID, r.Body.Module
	unlock := m.el.Lock(training.LearnerID(person))
	var passed *events.ModulePassed
	err = eventlog.Retry(func() error {
		_, _, err := m.learnerAppend(ctx, c.ID, person, func() (events.Payload, error) {
			g, p, err := m.state.DecideAttempt(person, module, r.Body.Answers)
			if err != nil {
				return nil, err
			}
			passed = p
			return g, nil
		})
		return err
	})
	if err == nil && passed != nil {
		if _, _, perr := m.learnerAppend(ctx, c.ID, person, func() (events.Payload, error) { return *passed, nil }); perr != nil {
			m.log.Warn("module.passed not appended; the sweeper will", "person", person, "module", module, "err", perr)
		}
	}
	unlock()
	if err != nil {
		return events.AttemptResult{}, err
	}
	m.el.RLock()
	defer m.el.RUnlock()
	res, _ := m.state.Result(person, module)
	return res, nil
}

func (m *Main) opGrant(ctx context.Context, r rpc.Request[events.GrantRequest]) (events.LearnerItem, error) {
	c, err := m.authenticate(ctx, r.Caller, "")
	if err != nil {
		return events.LearnerItem{}, err
	}
	who, ok := members{m.dir}.Member(r.Body.Person)
	if !ok {
		m.dir.CatchUp(ctx, 5*time.Second)
		who, ok = members{m.dir}.Member(r.Body.Person)
	}
	switch {
	case !ok && c.Manager():
		return events.LearnerItem{}, events.Errorf(events.CodeNotFound, "no such person")
	case !ok:
		return events.LearnerItem{}, training.ErrForbidden
	}
	if _, err := m.learnerCommit(ctx, cmp.Or(c.ID, events.System), who.ID, func() (events.Payload, error) {
		e, err := m.state.DecideGrant(c, who, r.Body.Module)
		if err != nil {
			return nil, err
		}
		return e, nil
	}); err != nil {
		return events.LearnerItem{}, err
	}
	return m.item(who.ID, r.Body.Module), nil
}

// rows lists the learner × module rows of the people admitted, with the modules admitted.
func (m *Main) rows(people []training.Member, today string, keep func(events.LearnerItem) bool) []events.TrainingRow {
	out := []events.TrainingRow{}
	m.el.RLock()
	defer m.el.RUnlock()
	for _, p := range people {
		for _, it := range m.state.Items(p.ID, today) {
			if keep(it) {
				out = append(out, events.TrainingRow{Person: p.ID, Name: p.Name, Team: p.Team, Track: p.Track, LearnerItem: it})
			}
		}
	}
	// In the order pages are cut in.
	slices.SortFunc(out, func(a, b events.TrainingRow) int { return strings.Compare(a.Key(), b.Key()) })
	return out
}

func (m *Main) opTeam(ctx context.Context, r rpc.Request[events.TeamRequest]) (events.TeamReply, error) {
	c, err := m.authenticate(ctx, r.Caller, "")
	if err != nil {
		return events.TeamReply{}, err
	}
	team := strings.TrimSpace(r.Body.Team)
	if r.Body.Person != "" {
		p, ok := m.dir.Person(r.Body.Person)
		switch {
		case !ok && c.Manager():
			return events.TeamReply{}, events.Errorf(events.CodeNotFound, "no such person")
		case !ok:
			return events.TeamReply{}, events.Errorf(events.CodeForbidden, "leads see only their own team's training") // do not reveal who exists
		}
		team = p.Team
	}
	if team == "" {
		team = c.Team
	}
	if !c.Manager() && !(c.Has(events.RoleLead) && team == c.Team) {
		return events.TeamReply{}, events.Errorf(events.CodeForbidden, "leads see only their own team's training")
	}
	q := r.Body.Page
	var people []training.Member
	for _, p := range m.dir.TeamFind(team, func(p directory.Person) bool {
		return q.Matches(p.Name) && (r.Body.Person == "" || p.ID == r.Body.Person)
	}) {
		people = append(people, member(p))
	}
	items, info, err := events.PageBy(q, m.rows(people, m.today(), func(events.LearnerItem) bool { return true }), events.TrainingRow.Key)
	if err != nil {
		return events.TeamReply{}, err
	}
	// What the caller may do with each row on the page, decided by the grant rule itself.
	byID := make(map[string]training.Member, len(people))
	for _, p := range people {
		byID[p.ID] = p
	}
	m.el.RLock()
	for i, row := range items {
		_, err := m.state.DecideGrant(c, byID[row.Person], row.Module)
		items[i].CanGrant = err == nil
	}
	m.el.RUnlock()
	return events.TeamReply{Team: team, Items: items, PageInfo: info}, nil
}

// email is the person's e-mail address as the directory knows it.
func (m *Main) email(id string) string {
	p, _ := m.dir.Person(id)
	return p.Email
}

func (m *Main) opReport(ctx context.Context, r rpc.Request[events.ReportRequest]) (events.ReportReply, error) {
	c, err := m.authenticate(ctx, r.Caller, "")
	if err != nil {
		return events.ReportReply{}, err
	}
	if !c.Manager() {
		return events.ReportReply{}, events.Errorf(events.CodeForbidden, "only HR sees the compliance report")
	}
	f := r.Body
	// The report's rows and per-module counts for these filters are computed once per
	// state of the training model, the directory and the day; pages are cut from them.
	today := m.today()
	version := fmt.Sprintf("%d/%d/%s", m.el.Applied(), m.dir.Applied(), today)
	if err := checkReportSort(f.Sort); err != nil {
		return events.ReportReply{}, err
	}
	var out events.ReportReply
	if f.Module == "" && f.Team == "" && f.Track == "" && f.Status == "" && strings.TrimSpace(f.Query) == "" && cmp.Or(f.Sort, "name") == "name" {
		// Everyone, by name (HR's home, the report as it opens): kept as events are applied.
		if out, err = m.wholeReport(f.Page, today); err != nil {
			return events.ReportReply{}, err
		}
	} else if out, err = m.filteredReport(f, version, today); err != nil {
		return events.ReportReply{}, err
	}
	if f.Trend > 0 {
		m.el.RLock()
		out.Trend = m.state.ComplianceTrend(min(f.Trend, events.MaxTrendWeeks), today)
		m.el.RUnlock()
	}
	return out, nil
}

// wholeReport is a page of the report over everyone in the default order, with the
// summary per module, read from the figures the state keeps: a page costs a page.
func (m *Main) wholeReport(page events.Page, today string) (events.ReportReply, error) {
	m.el.RLock()
	defer m.el.RUnlock()
	refs, info, err := m.state.ReportPage(page)
	if err != nil {
		return events.ReportReply{}, err
	}
	out := events.ReportReply{Modules: m.state.Compliance(today), People: []events.ReportCount{}, Items: make([]events.TrainingRow, 0, len(refs)), PageInfo: info}
	var items []events.LearnerItem // the person's items: a person's rows are next to each other
	var p directory.Person
	for i, ref := range refs {
		if i == 0 || refs[i-1].Person != ref.Person {
			items = m.state.Items(ref.Person, today)
			p, _ = m.dir.Person(ref.Person)
			rc := events.ReportCount{Key: ref.Person, Label: ref.Name}
			for _, it := range items {
				countRow(&rc, events.TrainingRow{LearnerItem: it})
			}
			if rc.Assigned > 0 {
				out.People = append(out.People, rc)
			}
		}
		if j := slices.IndexFunc(items, func(it events.LearnerItem) bool { return it.Module == ref.Module }); j >= 0 {
			out.Items = append(out.Items, events.TrainingRow{Person: ref.Person, Name: ref.Name, Team: p.Team, Track: p.Track, LearnerItem: items[j]})
		}
	}
	sortPeople(out.People)
	return out, nil
}

// filteredReport is a page of the report for filters or another order: the matching rows
// are worked out once per state of the model, the directory and the day.
func (m *Main) filteredReport(f events.ReportRequest, version, today string) (events.ReportReply, error) {
	key := strings.Join([]string{f.Module, f.Team, f.Track, f.Status, strings.ToLower(strings.TrimSpace(f.Query)), f.Sort}, "\x00")
	rep := m.reports.Get(version, key, func() report { return m.report(f, today) })
	out := events.ReportReply{Modules: rep.modules, People: []events.ReportCount{}}
	var err error
	if out.Items, out.PageInfo, err = pageSorted(f.Page, rep.sorted); err != nil {
		return events.ReportReply{}, err
	}
	// Per person, for the people on this page: all their rows (contiguous in rep.rows).
	for i, row := range out.Items {
		if i > 0 && out.Items[i-1].Person == row.Person {
			continue
		}
		prefix := row.Name + "\x00" + row.Person + "\x00"
		from := sort.Search(len(rep.rows), func(j int) bool { return rep.rows[j].Key() >= prefix })
		rc := events.ReportCount{Key: row.Person, Label: row.Name}
		for _, x := range rep.rows[from:] {
			if x.Person != row.Person {
				break
			}
			countRow(&rc, x)
		}
		if rc.Assigned > 0 {
			out.People = append(out.People, rc)
		}
	}
	sortPeople(out.People)
	return out, nil
}

func sortPeople(people []events.ReportCount) {
	slices.SortFunc(people, func(a, b events.ReportCount) int {
		return cmp.Or(strings.Compare(a.Label, b.Label), strings.Compare(a.Key, b.Key))
	})
}

// countRow counts an assigned row into rc.
func countRow(rc *events.ReportCount, row events.TrainingRow) {
	if !row.Assigned {
		return
	}
	rc.Assigned++
	switch row.Status {
	case events.StatusPassed:
		rc.Passed++
	case events.StatusOverdue:
		rc.Overdue++
	}
}

// report is the compliance report for one set of filters: every matching row, sorted by
// TrainingRow.Key, and the counts per module.
type report struct {
	rows    []events.TrainingRow // by name, person and module (Key): per person contiguous
	sorted  []sortedRow          // the rows in the order asked for
	modules []events.ReportCount
}

// The report's rows sort by a column; pages are cut by a key that holds the column's
// value before the row's own key, so cursors stay valid whatever the order.
var reportSorts = map[string]func(events.TrainingRow) string{
	"name":   func(r events.TrainingRow) string { return strings.ToLower(r.Name) },
	"team":   func(r events.TrainingRow) string { return strings.ToLower(r.Team) },
	"title":  func(r events.TrainingRow) string { return strings.ToLower(r.Title) },
	"status": func(r events.TrainingRow) string { return r.Status },
	"due": func(r events.TrainingRow) string {
		if r.Due == nil {
			return ""
		}
		return *r.Due
	},
	"score": func(r events.TrainingRow) string {
		if r.Score == nil {
			return ""
		}
		return fmt.Sprintf("%04d", *r.Score)
	},
}

func checkReportSort(sort string) error {
	if _, ok := reportSorts[strings.TrimPrefix(cmp.Or(sort, "name"), "-")]; !ok {
		return &events.Error{Code: events.CodeInvalid, Message: "the report cannot be sorted by " + strconv.Quote(sort), Fields: map[string]string{"sort": "unknown column"}}
	}
	return nil
}

type sortedRow struct {
	events.TrainingRow
	key string
}

// sortRows orders rows by sort (a reportSorts column, descending after "-"). Descending
// keys invert the value's bytes and end it with 0xff, so that one ascending order of keys
// serves both directions.
func sortRows(rows []events.TrainingRow, sort string) []sortedRow {
	col, desc := strings.CutPrefix(cmp.Or(sort, "name"), "-")
	value := reportSorts[col]
	out := make([]sortedRow, len(rows))
	for i, r := range rows {
		v := []byte(value(r))
		if desc {
			for j := range v {
				v[j] = 0xff - v[j]
			}
			v = append(v, 0xff)
		} else {
			v = append(v, 0)
		}
		out[i] = sortedRow{r, string(v) + r.Key()}
	}
	slices.SortFunc(out, func(a, b sortedRow) int { return strings.Compare(a.key, b.key) })
	return out
}

func pageSorted(p events.Page, rows []sortedRow) ([]events.TrainingRow, events.PageInfo, error) {
	page, info, err := events.PageBy(p, rows, func(r sortedRow) string { return r.key })
	if err != nil {
		return nil, info, err
	}
	out := make([]events.TrainingRow, len(page))
	for i, r := range page {
		out[i] = r.TrainingRow
	}
	return out, info, nil
}

func (m *Main) report(f events.ReportRequest, today string) report {
	m.el.RLock()
	ids := m.state.People()
	m.el.RUnlock()
	var people []training.Member
	dir := members{m.dir}
	for _, id := range ids {
		if p, ok := dir.Member(id); ok && p.Active && (f.Team == "" || p.Team == f.Team) && (f.Track == "" || p.Track == f.Track) &&
			(f.Query == "" || f.Matches(p.Name, m.email(p.ID))) {
			people = append(people, p)
		}
	}
	rep := report{modules: []events.ReportCount{}}
	rep.rows = m.rows(people, today, func(it events.LearnerItem) bool {
		return (f.Module == "" || it.Module == f.Module) && (f.Status == "" || it.Status == f.Status)
	})
	rep.sorted = sortRows(rep.rows, f.Sort)
	byModule := map[string]*events.ReportCount{}
	for _, row := range rep.rows {
		rc, ok := byModule[row.Module]
		if !ok {
			rc = &events.ReportCount{Key: row.Module, Label: row.Title}
			byModule[row.Module] = rc
		}
		countRow(rc, row)
	}
	for _, rc := range byModule {
		if rc.Assigned > 0 {
			rep.modules = append(rep.modules, *rc)
		}
	}
	slices.SortFunc(rep.modules, func(a, b events.ReportCount) int {
		return cmp.Or(strings.Compare(a.Label, b.Label), strings.Compare(a.Key, b.Key))
	})
	return rep
}
