package server

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	catalogue "onramp.dev/content/skills"
	"onramp.dev/events"
	"onramp.dev/events/skillsapi"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/directory"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/idempotency"
	"onramp.dev/infra/rpc"
	"onramp.dev/services/skills"
)

type empty = events.None

// MaxPage is the most report rows one request returns; clients page with offset.
const MaxPage = 1000

func (m *Main) register() error {
	svc, err := rpc.NewService(m.nc, events.SkillsService, "1.0.0", m.log)
	if err != nil {
		return err
	}
	m.svc = svc
	for _, err := range []error{
		rpc.Serve(svc, skillsapi.OpSkillsList, m.opList),
		rpc.Serve(svc, skillsapi.OpSkillsImport, m.opImport),
		rpc.Serve(svc, skillsapi.OpRecordGet, m.opRecord),
		rpc.Serve(svc, skillsapi.OpRecordAssess, m.opAssess),
		rpc.Serve(svc, skillsapi.OpRecordVerify, m.opVerify),
		rpc.Serve(svc, skillsapi.OpRecordCertify, m.opCertify),
		rpc.Handle(svc, events.OpReportMatrix, m.report(skills.ReportMatrix)),
		rpc.Handle(svc, events.OpReportCoverage, m.report(skills.ReportCoverage)),
		rpc.Handle(svc, events.OpReportGaps, m.report(skills.ReportGaps)),
		rpc.Handle(svc, events.OpReportCerts, m.report(skills.ReportCerts)),
		rpc.Serve(svc, skillsapi.OpSkillsSeed, m.opSeed),
		rpc.Handle(svc, events.OpSkillsSweepExpired, m.opSweep),
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
)

// who is the verified caller.
type who struct {
	ID, Name, Team string
	Roles          []string
}

func (w who) has(roles ...string) bool {
	return slices.ContainsFunc(roles, func(r string) bool { return slices.Contains(w.Roles, r) })
}

func (w who) hrOrAdmin() bool { return w.has(events.ManagerRoles...) }

// authenticate verifies the caller's token. Roles and team come from the directory when it
// knows the person (so they are current), else from the token.
func (m *Main) authenticate(ctx context.Context, c rpc.Caller) (who, error) {
	// A page that refreshes itself because something changed must see that change.
	m.el.Fresh(ctx, 2*time.Second)
	claims, err := m.verify.Verify(ctx, c.Token)
	if err != nil {
		return who{}, errUnauthorized
	}
	w := who{ID: claims.Subject, Name: claims.Name, Team: claims.Team, Roles: claims.Roles}
	if p, ok := m.dir.Person(claims.Subject); ok {
		if !p.Active {
			return who{}, errUnauthorized
		}
		w.Name, w.Team, w.Roles = p.Name, p.Team, p.Roles
	}
	return w, nil
}

func toPerson(p directory.Person) skills.Person {
	return skills.Person{ID: p.ID, Name: p.Name, Team: p.Team, Track: p.Track, StartDate: p.StartDate, Roles: p.Roles}
}

// person finds the subject of a request and checks that the caller may see them: the
// person themselves, their team's lead, HR and admin. Others get 403 whether or not the
// person exists, so nobody learns who exists; HR and admin get 404 for nobody.
func (m *Main) person(w who, id string) (skills.Person, error) {
	if id == "" {
		id = w.ID
	}
	p, ok := m.dir.Person(id)
	if !ok {
		if id == w.ID { // the directory has not caught up with a brand-new person yet
			return skills.Person{ID: w.ID, Name: w.Name, Team: w.Team, Roles: w.Roles}, nil
		}
		if w.hrOrAdmin() {
			return skills.Person{}, events.Errorf(events.CodeNotFound, "no such person")
		}
		return skills.Person{}, errForbidden
	}
	if !m.canSee(w, p) {
		return skills.Person{}, errForbidden
	}
	return toPerson(p), nil
}

func (m *Main) canSee(w who, p directory.Person) bool {
	return w.ID == p.ID || w.hrOrAdmin() || (w.has(events.RoleLead) && w.Team == p.Team)
}

// canVerify: the person's lead or HR/admin, never the person themselves.
func canVerify(w who, p skills.Person) bool {
	return w.ID != p.ID && (w.hrOrAdmin() || (w.has(events.RoleLead) && w.Team == p.Team))
}

// asOf parses an as-of date into the end of that day (empty: now).
func (m *Main) asOf(s string) (time.Time, string, error) {
	if s == "" {
		return m.cfg.Now(), "", nil
	}
	d, err := time.Parse(events.DateLayout, s)
	if err != nil {
		return time.Time{}, "", &events.Error{Code: events.CodeInvalid, Message: "Enter the as-of date, " + events.DateExample + ", or leave it empty for today.",
			Fields: map[string]string{"as_of": "Enter the date, " + events.DateExample + ", or leave it empty for today."}}
	}
	return skills.EndOfDay(d), s, nil
}

func skillView(s catalogue.Skill) events.Skill {
	return events.Skill{ID: s.ID, Name: s.Name, Category: s.Category, MinLevel: s.MinLevel, MaxLevel: s.MaxLevel, Description: s.Description}
}

// opList answers the effective catalogue (shipped plus imported skills) to anyone signed
// in and to other services.
func (m *Main) opList(ctx context.Context, r rpc.Request[empty]) (events.SkillsReply, error) {
	if !r.Caller.System {
		if _, err := m.authenticate(ctx, r.Caller); err != nil {
			return events.SkillsReply{}, err
		}
	}
	return events.SkillsReply{Items: m.effective()}, nil
}

// opRecord answers a person's record to people who may see it, and to other services
// (system callers, e.g. mentorship showing a hire's gaps) for anyone the directory knows.
func (m *Main) opRecord(ctx context.Context, r rpc.Request[events.SkillRecordRequest]) (events.SkillRecordReply, error) {
	var w who
	var p skills.Person
	if r.Caller.System {
		dp, ok := m.dir.Person(r.Body.Person)
		if !ok {
			return events.SkillRecordReply{}, events.Errorf(events.CodeNotFound, "no such person")
		}
		p = toPerson(dp)
	} else {
		var err error
		if w, err = m.authenticate(ctx, r.Caller); err != nil {
			return events.SkillRecordReply{}, err
		}
		if p, err = m.person(w, r.Body.Person); err != nil {
			return events.SkillRecordReply{}, err
		}
	}
	at, label, err := m.asOf(r.Body.AsOf)
	if err != nil {
		return events.SkillRecordReply{}, err
	}
	m.el.RLock()
	reply := m.state.RecordView(p, at)
	m.el.RUnlock()
	reply.AsOf = label
	reply.CanAssess = w.ID != "" && w.ID == p.ID
	reply.CanVerify = w.ID != "" && canVerify(w, p)
	return reply, nil
}

// item answers the one skill of a person's record after a change.
func (m *Main) item(p skills.Person, skill string) events.SkillRecordItem {
	m.el.RLock()
	defer m.el.RUnlock()
	for _, it := range m.state.RecordView(p, m.cfg.Now()).Items {
		if it.Skill == skill {
			return it
		}
	}
	return events.SkillRecordItem{Skill: skill}
}

func (m *Main) opAssess(ctx context.Context, r rpc.Request[events.SkillLevelRequest]) (events.SkillRecordItem, error) {
	w, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.SkillRecordItem{}, err
	}
	if r.Body.Person != "" && r.Body.Person != w.ID {
		return events.SkillRecordItem{}, events.Errorf(events.CodeForbidden, "you can only assess your own skills")
	}
	p, err := m.person(w, w.ID)
	if err != nil {
		return events.SkillRecordItem{}, err
	}
	return m.setLevel(ctx, w.ID, p, r.Body, func(b events.SkillLevelRequest) events.Payload {
		return events.SkillAssessed{Skill: b.Skill, Level: b.Level, Note: strings.TrimSpace(b.Note)}
	})
}

func (m *Main) opVerify(ctx context.Context, r rpc.Request[events.SkillLevelRequest]) (events.SkillRecordItem, error) {
	w, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.SkillRecordItem{}, err
	}
	p, err := m.person(w, r.Body.Person)
	if err != nil {
		return events.SkillRecordItem{}, err
	}
	if !canVerify(w, p) {
		return events.SkillRecordItem{}, events.Errorf(events.CodeForbidden, "only the person's lead or HR may verify their skills")
	}
	return m.setLevel(ctx, w.ID, p, r.Body, func(b events.SkillLevelRequest) events.Payload {
		return events.SkillVerified{Skill: b.Skill, Level: b.Level, Note: strings.TrimSpace(b.Note)}
	})
}

func (m *Main) setLevel(ctx context.Context, actor string, p skills.Person, b events.SkillLevelRequest, payload func(events.SkillLevelRequest) events.Payload) (events.SkillRecordItem, error) {
	err := m.commitRecord(ctx, actor, p.ID, func(*skills.Doc) (events.Payload, error) {
		if _, err := m.state.DecideLevel(b.Skill, b.Level, b.Note); err != nil {
			return nil, err
		}
		return payload(b), nil
	})
	if err != nil {
		return events.SkillRecordItem{}, err
	}
	return m.item(p, b.Skill), nil
}

func (m *Main) opCertify(ctx context.Context, r rpc.Request[events.SkillCertifyRequest]) (events.SkillCertification, error) {
	w, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.SkillCertification{}, err
	}
	p, err := m.person(w, r.Body.Person)
	if err != nil {
		return events.SkillCertification{}, err
	}
	return m.certify(ctx, w.ID, p.ID, r.Body)
}

func (m *Main) certify(ctx context.Context, actor, person string, req events.SkillCertifyRequest) (events.SkillCertification, error) {
	id := idempotency.RecordID(ctx, m.cfg.Now())
	err := m.commitRecord(ctx, actor, person, func(*skills.Doc) (events.Payload, error) {
		e, err := m.state.DecideCertification(req, id, events.Date(m.cfg.Now()))
		if err != nil {
			return nil, err
		}
		return e, nil
	})
	if err != nil {
		return events.SkillCertification{}, err
	}
	m.el.RLock()
	defer m.el.RUnlock()
	d, _ := m.state.Doc(person)
	for _, c := range d.Certs {
		if c.ID == id {
			return skills.CertView(c, m.cfg.Now()), nil
		}
	}
	return events.SkillCertification{}, fmt.Errorf("skills: certification %s not applied", id)
}

func (m *Main) opImport(ctx context.Context, r rpc.Request[events.SkillImportRequest]) (events.SkillImportReply, error) {
	w, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.SkillImportReply{}, err
	}
	if !w.hrOrAdmin() {
		return events.SkillImportReply{}, events.Errorf(events.CodeForbidden, "only HR and admins may import a skills framework")
	}
	return m.importFramework(ctx, w.ID, r.Body)
}

func (m *Main) importFramework(ctx context.Context, actor string, req events.SkillImportRequest) (events.SkillImportReply, error) {
	parsed, err := catalogue.ParseImport(req.Filename, []byte(req.Content))
	var ie *catalogue.ImportError
	if errors.As(err, &ie) {
		fields := map[string]string{}
		for _, p := range ie.Problems {
			key := "file"
			if p.Line > 0 {
				key = fmt.Sprintf("line %d", p.Line)
			}
			if p.Field != "" {
				key += ": " + p.Field
			}
			if prev, dup := fields[key]; dup {
				fields[key] = prev + "; " + p.Message
			} else {
				fields[key] = p.Message
			}
		}
		return events.SkillImportReply{}, &events.Error{Code: events.CodeInvalid,
			Message: fmt.Sprintf("Nothing was imported: the file has %d problem(s).", len(ie.Problems)), Fields: fields}
	}
	if err != nil {
		return events.SkillImportReply{}, &events.Error{Code: events.CodeInvalid, Message: "Nothing was imported: " + err.Error(),
			Fields: map[string]string{"file": err.Error()}}
	}
	e := events.FrameworkImported{File: req.Filename}
	for i := range parsed { // names shown beside other text: no bidirectional controls
		parsed[i].Name, parsed[i].Category = events.CleanText(parsed[i].Name), events.CleanText(parsed[i].Category)
	}
	for _, s := range parsed {
		e.Skills = append(e.Skills, events.ImportedSkill{ID: s.ID, Name: s.Name, Category: s.Category, Description: s.Description, MinLevel: s.MinLevel, MaxLevel: s.MaxLevel})
	}
	id := idempotency.RecordID(ctx, m.cfg.Now())
	unlock := m.el.Lock("imports")
	err = eventlog.Retry(func() error {
		m.el.RLock()
		last := m.state.LastImportSeq()
		m.el.RUnlock()
		env, err := events.New(actor, id, e, m.cfg.Now())
		if err != nil {
			return err
		}
		_, err = m.el.Commit(ctx, env, bus.Expect{Filter: events.TypeFilter(e.EventType()), LastSeq: last})
		return err
	})
	unlock()
	if err != nil {
		return events.SkillImportReply{}, err
	}
	if err := m.announceCatalogue(ctx); err != nil {
		// The import stands; the next start announces the catalogue again.
		m.log.Warn("catalogue change not announced", "import", id, "err", err)
	}
	out := events.SkillImportReply{ID: id, Imported: len(parsed)}
	for _, s := range parsed {
		out.Skills = append(out.Skills, skillView(s))
	}
	return out, nil
}

// report answers one of the HR reports. HR and admin see everyone; a lead may open the
// skill matrix of their own team only.
func (m *Main) report(name string) func(context.Context, rpc.Request[events.SkillReportRequest]) (events.SkillReport, error) {
	return func(ctx context.Context, r rpc.Request[events.SkillReportRequest]) (events.SkillReport, error) {
		w, err := m.authenticate(ctx, r.Caller)
		if err != nil {
			return events.SkillReport{}, err
		}
		q := r.Body
		switch {
		case w.hrOrAdmin():
		case w.has(events.RoleLead) && name == skills.ReportMatrix:
			if q.Team != "" && q.Team != w.Team {
				return events.SkillReport{}, events.Errorf(events.CodeForbidden, "a lead sees their own team's matrix only")
			}
			q.Team = w.Team
		default:
			return events.SkillReport{}, events.Errorf(events.CodeForbidden, "reports are for HR and admins")
		}
		at, label, err := m.asOf(q.AsOf)
		if err != nil {
			return events.SkillReport{}, err
		}
		if q.Limit <= 0 || q.Limit > MaxPage {
			q.Limit = MaxPage
		}
		return m.buildReport(name, q, at, label)
	}
}

func (m *Main) buildReport(name string, q events.SkillReportRequest, at time.Time, label string) (events.SkillReport, error) {
	if q.Skill != "" {
		m.el.RLock()
		_, ok := m.state.Skill(q.Skill)
		m.el.RUnlock()
		if !ok {
			return events.SkillReport{}, events.Errorf(events.CodeNotFound, "no skill %q in the catalogue", q.Skill)
		}
	}
	day := label
	if day == "" {
		day = events.Date(at)
	}
	if name == skills.ReportCerts && q.Team == "" && q.Track == "" && q.Skill == "" && q.Sort == "" && label == "" {
		// Everyone's certifications expiring from today (HR's home, the report as it
		// opens): a range of the index kept by expiry date.
		m.el.RLock()
		t, ok := m.state.Expiring(at, q.Offset, q.Limit, func(id string) string { p, _ := m.dir.Person(id); return p.Team })
		m.el.RUnlock()
		if ok {
			t.AsOf = day
			return t, nil
		}
	}
	// Who is in the report and its columns (the matrix), or all of its rows (the others),
	// are found once per state of the records, the directory and the day; pages are cut
	// from them.
	version := fmt.Sprintf("%d/%d/%s", m.el.Applied(), m.dir.Applied(), day)
	key := strings.Join([]string{name, q.Team, q.Track, q.Skill, q.Sort}, "\x00")
	p := m.prepared.Get(version, key, func() prepared { return m.prepare(name, q, at) })
	if p.err != nil {
		return events.SkillReport{}, p.err
	}
	var t events.SkillReport
	if name == skills.ReportMatrix {
		m.el.RLock()
		t = m.state.MatrixPage(p.people, p.ids, skills.Filter{Skill: q.Skill, At: at}, q.Offset, q.Limit)
		m.el.RUnlock()
		totals := p.totals
		totals.Teams = teamsOnPage(totals.Teams, t.Matrix)
		t.Totals = &totals
	} else {
		t = skills.Page(p.table, q.Offset, q.Limit)
	}
	t.AsOf = day
	return t, nil
}

// prepared is a report before it is cut into pages, sorted: the people in it and, for
// the matrix, its skill columns and totals (its cells are read per page); for the other
// reports, every row.
type prepared struct {
	people []skills.Person
	ids    []string
	totals events.SkillMatrixTotals
	table  events.SkillReport
	err    error // an unknown sort key
}

func (m *Main) prepare(name string, q events.SkillReportRequest, at time.Time) prepared {
	keep := func(p directory.Person) bool { return q.Track == "" || p.Track == q.Track }
	var people []directory.Person
	if q.Team != "" { // a team's report reads the team's index only
		people = m.dir.TeamFind(q.Team, keep)
	} else {
		people = m.dir.Find(keep)
	}
	var p prepared
	p.people = make([]skills.Person, len(people))
	for i, x := range people {
		p.people[i] = toPerson(x)
	}
	m.el.RLock()
	defer m.el.RUnlock()
	f := skills.Filter{Skill: q.Skill, At: at}
	switch name {
	case skills.ReportMatrix:
		p.ids = m.state.MatrixSkills(p.people, f)
		p.totals = m.state.MatrixTotals(p.people, p.ids, f)
		p.err = skills.SortPeople(p.people, q.Sort)
		return p
	case skills.ReportCoverage:
		p.table = m.state.Coverage(p.people, f)
	case skills.ReportGaps:
		p.table = m.state.Gaps(p.people, f)
	case skills.ReportCerts:
		p.table = m.state.Certifications(p.people, f)
	}
	p.err = skills.Sort(p.table, q.Sort)
	return p
}

// opSeed adds demo records as the given actor, idempotently. System callers only.
func (m *Main) opSeed(ctx context.Context, r rpc.Request[events.SkillSeedRequest]) (empty, error) {
	if !r.Caller.System {
		return empty{}, errForbidden
	}
	b := r.Body
	if !events.IsToken(b.Person) || b.Actor == "" {
		return empty{}, &events.Error{Code: events.CodeInvalid, Message: "person and actor are required"}
	}
	switch b.Kind {
	case "assess", "verify":
		if b.Level == nil {
			return empty{}, &events.Error{Code: events.CodeInvalid, Message: "level is required"}
		}
		source := events.SourceSelf
		if b.Kind == "verify" {
			source = events.SourceVerified
		}
		l := *b.Level
		return empty{}, m.commitRecord(ctx, b.Actor, b.Person, func(d *skills.Doc) (events.Payload, error) {
			if d != nil {
				for _, rec := range d.Records {
					if rec.Skill == l.Skill && slices.ContainsFunc(rec.History, func(e skills.Entry) bool { return e.Source == source && e.Level == l.Level }) {
						return nil, nil
					}
				}
			}
			if _, err := m.state.DecideLevel(l.Skill, l.Level, l.Note); err != nil {
				return nil, err
			}
			if b.Kind == "verify" {
				return events.SkillVerified{Skill: l.Skill, Level: l.Level, Note: l.Note}, nil
			}
			return events.SkillAssessed{Skill: l.Skill, Level: l.Level, Note: l.Note}, nil
		})
	case "certify":
		if b.Certify == nil {
			return empty{}, &events.Error{Code: events.CodeInvalid, Message: "certify is required"}
		}
		m.el.RLock()
		d, _ := m.state.Doc(b.Person)
		exists := d != nil && slices.ContainsFunc(d.Certs, func(c skills.Cert) bool { return c.Name == b.Certify.Name })
		m.el.RUnlock()
		if exists {
			return empty{}, nil
		}
		_, err := m.certify(ctx, b.Actor, b.Person, *b.Certify)
		return empty{}, err
	}
	return empty{}, &events.Error{Code: events.CodeInvalid, Message: "kind must be assess, verify or certify"}
}

type sweepReply struct {
	Expired int `json:"expired"`
}

func (m *Main) opSweep(ctx context.Context, r rpc.Request[empty]) (sweepReply, error) {
	if !r.Caller.System {
		return sweepReply{}, errForbidden
	}
	n, err := m.sweep(ctx)
	return sweepReply{Expired: n}, err
}

// teamsOnPage keeps the team lines of the teams the page's people are in: a line for every
// team would make the page grow with the organisation (500 teams × 40 skills at 10,000
// staff); a team filter shows one team's line whatever the page.
func teamsOnPage(teams []events.SkillTeamTotal, rows []events.SkillMatrixRow) []events.SkillTeamTotal {
	on := make(map[string]bool, len(rows))
	for _, r := range rows {
		on[r.Team] = true
	}
	out := make([]events.SkillTeamTotal, 0, len(on))
	for _, t := range teams {
		if on[t.Team] {
			out = append(out, t)
		}
	}
	return out
}
