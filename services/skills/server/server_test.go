package server

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
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
	"onramp.dev/infra/store"
	"onramp.dev/services/skills"
)

type fixture struct {
	env   *servicetest.Stack
	js    jetstream.JetStream
	m     *Main
	keys  *servicetest.Keys
	clock *servicetest.Clock
}

var people = []struct {
	id, team, track, start string
	roles                  []string
}{
	{"hire", "platform", "infrastructure", "2026-02-20", []string{"hire"}},
	{"lead", "platform", "infrastructure", "2020-01-01", []string{"lead"}},
	{"peer", "platform", "infrastructure", "2021-01-01", []string{"hire"}},
	{"other-lead", "security", "security", "2019-01-01", []string{"lead"}},
	{"outsider", "security", "security", "2022-01-01", []string{"mentor"}},
	{"hr", "people", "project", "2018-01-01", []string{"hr"}},
	{"admin", "it", "project", "2018-01-01", []string{"admin"}},
}

func setup(t *testing.T) *fixture {
	t.Helper()
	env := servicetest.Start(t)
	for _, p := range people {
		env.Append(t, events.System, p.id, events.StaffHired{Email: p.id + "@example.org", Name: strings.ToUpper(p.id[:1]) + p.id[1:],
			Roles: p.roles, Team: p.team, Track: p.track, StartDate: p.start})
	}
	f := &fixture{env: env, js: env.JS, keys: servicetest.NewKeys(t), clock: servicetest.NewClock(time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC))}
	f.m = f.start(t, "skills-training")
	return f
}

func (f *fixture) config(trainingDurable string) Config {
	return Config{
		TrainingDurable: trainingDurable, Now: f.clock.Now, SweepEvery: time.Hour,
		TrainingBackoff: []time.Duration{10 * time.Millisecond, 50 * time.Millisecond},
		Keys:            f.keys.Lookup,
	}
}

func (f *fixture) start(t *testing.T, trainingDurable string) *Main {
	t.Helper()
	return servicetest.Run[*Main](t)(New(f.env.NATS, f.env.Mongo.Database("skills"), slog.New(slog.DiscardHandler), f.config(trainingDurable)))
}

func (f *fixture) as(t *testing.T, id string) rpc.Caller {
	t.Helper()
	var roles []string
	team := ""
	for _, p := range people {
		if p.id == id {
			roles, team = p.roles, p.team
		}
	}
	return f.keys.Caller(t, id, team, roles...)
}

func call[Resp any](t *testing.T, f *fixture, op string, c rpc.Caller, req any) (Resp, error) {
	t.Helper()
	return servicetest.Call[Resp](f.env.NATS, events.SkillsService, op, c, req)
}

func must[T any](t *testing.T) func(T, error) T { return servicetest.Must[T](t) }

func item(r events.SkillRecordReply, skill string) *events.SkillRecordItem {
	for i := range r.Items {
		if r.Items[i].Skill == skill {
			return &r.Items[i]
		}
	}
	return nil
}

var waitFor = servicetest.WaitFor

// publishRaw stores env on its subject under its own message id, bypassing the stream's
// duplicate check, so the same event is on the stream twice (a redelivery after a
// publisher retry beyond the duplicate window).
func publishRaw(t *testing.T, f *fixture, env events.Envelope, msgID string) {
	t.Helper()
	body, _ := json.Marshal(env)
	msg := nats.NewMsg(events.Subject(env.Type, env.Subject))
	msg.Data = body
	msg.Header.Set(jetstream.MsgIDHeader, msgID)
	if _, err := f.js.PublishMsg(context.Background(), msg); err != nil {
		t.Fatal(err)
	}
}

func settled(t *testing.T, f *fixture, durable string) bool {
	c, err := f.js.Consumer(context.Background(), "TRAINING", durable)
	if err != nil {
		return false
	}
	info, err := c.Info(context.Background())
	return err == nil && info.NumPending == 0 && info.NumAckPending == 0
}

func TestModulePassedBecomesEvidenceOnceEvenWhenDeliveredTwice(t *testing.T) {
	f := setup(t)
	passed, err := events.New(events.System, "hire", events.ModulePassed{Person: "hire", Module: "network-fundamentals", Title: "Network fundamentals",
		Score: 90, Skills: []events.SkillLevel{{Skill: "networking", Level: 2}, {Skill: "troubleshooting", Level: 2}}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := bus.Append(context.Background(), f.js, passed, bus.Expect{}); err != nil {
		t.Fatal(err)
	}
	publishRaw(t, f, passed, "again-"+passed.ID) // the same event, delivered a second time
	hire := f.as(t, "hire")
	waitFor(t, "evidence", func() bool {
		r, err := call[events.SkillRecordReply](t, f, events.OpRecordGet, hire, events.SkillRecordRequest{})
		return err == nil && item(r, "networking") != nil && item(r, "networking").Level == 2
	})
	waitFor(t, "both deliveries settled", func() bool { return settled(t, f, "skills-training") })

	check := func(when string) {
		t.Helper()
		r := must[events.SkillRecordReply](t)(call[events.SkillRecordReply](t, f, events.OpRecordGet, hire, events.SkillRecordRequest{}))
		for _, sk := range []string{"networking", "troubleshooting"} {
			it := item(r, sk)
			if it == nil || it.Level != 2 || it.Source != "training" || len(it.History) != 1 || it.History[0].Module != "network-fundamentals" {
				t.Fatalf("%s: %s = %+v", when, sk, it)
			}
		}
	}
	check("after two deliveries")
	n, err := bus.LastSeq(context.Background(), f.js, "SKILLS", events.TypeFilter(events.SkillsEvidenced{}.EventType()))
	if err != nil || n == 0 {
		t.Fatalf("no evidenced event: %v", err)
	}
	// The document holds the handled id once, in the same write as the evidence.
	records := store.NewCollection[skills.Doc](f.env.Mongo.Database("skills"), "records")
	waitFor(t, "document written", func() bool {
		d, ok, err := records.Get(context.Background(), "skills-hire")
		return err == nil && ok && len(d.Handled) == 1 && d.Handled[0] == passed.ID && len(d.Records) == 2
	})

	// A restarted service reading the training stream from the start (a fresh consumer:
	// every message delivered again) still records it once.
	_ = f.m.Close()
	f.m = f.start(t, "skills-training-replay")
	waitFor(t, "replay settled", func() bool { return settled(t, f, "skills-training-replay") })
	check("after a full redelivery")
}

func TestInvalidTrainingEventIsDeadLettered(t *testing.T) {
	f := setup(t)
	env, _ := events.New(events.System, "hire", events.ModulePassed{Person: "hire", Module: "x", Score: 50}, time.Now())
	env.Data = json.RawMessage(`{"person":"hire","module":"x","score":500,"skills":[]}`)
	if _, err := bus.Append(context.Background(), f.js, env, bus.Expect{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "dead letter", func() bool {
		n, err := bus.LastSeq(context.Background(), f.js, "DEADLETTER", events.DeadLetterPrefix+".skills-training")
		return err == nil && n > 0
	})
}

func TestEventAboutAnUnknownPersonCreatesNothing(t *testing.T) {
	f := setup(t)
	env, _ := events.New(events.System, "nobody", events.ModulePassed{Person: "nobody", Module: "network-fundamentals", Title: "Network fundamentals",
		Score: 90, Skills: []events.SkillLevel{{Skill: "networking", Level: 2}}}, time.Now())
	if _, err := bus.Append(context.Background(), f.js, env, bus.Expect{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "dead letter", func() bool {
		n, err := bus.LastSeq(context.Background(), f.js, "DEADLETTER", events.DeadLetterPrefix+".skills-training")
		return err == nil && n > 0
	})
	if n, _ := bus.LastSeq(context.Background(), f.js, "SKILLS", "onramp.skills.record.nobody.>"); n != 0 {
		t.Fatalf("a skills record event for an unknown person at seq %d", n)
	}
	f.m.el.Read(func() {
		if _, ok := f.m.state.Doc("nobody"); ok {
			t.Fatal("a skills record exists for an unknown person")
		}
	})
}

func TestAsOfReturnsPastState(t *testing.T) {
	f := setup(t)
	hire, lead := f.as(t, "hire"), f.as(t, "lead")
	must[events.SkillRecordItem](t)(call[events.SkillRecordItem](t, f, events.OpRecordAssess, hire, events.SkillLevelRequest{Skill: "networking", Level: 2, Note: "did the course"}))
	f.clock.Add(10 * 24 * time.Hour) // 2026-03-11
	it := must[events.SkillRecordItem](t)(call[events.SkillRecordItem](t, f, events.OpRecordVerify, lead, events.SkillLevelRequest{Person: "hire", Skill: "networking", Level: 3, Note: "seen on call"}))
	if it.Level != 3 || it.Source != "verified" {
		t.Fatalf("after verify: %+v", it)
	}
	f.clock.Add(10 * 24 * time.Hour) // 2026-03-21
	it = must[events.SkillRecordItem](t)(call[events.SkillRecordItem](t, f, events.OpRecordAssess, hire, events.SkillLevelRequest{Skill: "networking", Level: 4}))
	if it.Level != 3 || it.Claimed == nil || *it.Claimed != 4 {
		t.Fatalf("claimed above verified: %+v", it)
	}
	for _, tt := range []struct {
		asOf    string
		level   int
		source  string
		history int
	}{
		{"2026-02-28", 0, "", 0},
		{"2026-03-01", 2, "self", 1},
		{"2026-03-15", 3, "verified", 2},
		{"", 3, "verified", 3},
	} {
		r := must[events.SkillRecordReply](t)(call[events.SkillRecordReply](t, f, events.OpRecordGet, hire, events.SkillRecordRequest{AsOf: tt.asOf}))
		got := item(r, "networking")
		if got == nil || got.Level != tt.level || got.Source != tt.source || len(got.History) != tt.history {
			t.Errorf("as of %q: %+v", tt.asOf, got)
		}
	}
	// The verification names who did it and why.
	r := must[events.SkillRecordReply](t)(call[events.SkillRecordReply](t, f, events.OpRecordGet, lead, events.SkillRecordRequest{Person: "hire"}))
	h := item(r, "networking").History[1]
	if h.Actor != "lead" || h.Note != "seen on call" || h.Source != "verified" || h.Time == "" {
		t.Errorf("history entry %+v", h)
	}
	if _, err := call[events.SkillRecordReply](t, f, events.OpRecordGet, hire, events.SkillRecordRequest{AsOf: "yesterday"}); events.CodeOf(err) != events.CodeInvalid {
		t.Errorf("bad as_of: %v", err)
	}
}

func TestBadInput(t *testing.T) {
	f := setup(t)
	hire, lead, hr := f.as(t, "hire"), f.as(t, "lead"), f.as(t, "hr")
	_, err := call[events.SkillRecordItem](t, f, events.OpRecordAssess, hire, events.SkillLevelRequest{Skill: "security-testing", Level: 1})
	var e *events.Error
	if !asErr(err, &e) || e.Code != events.CodeInvalid || !strings.Contains(e.Fields["level"], "between 3 and 6") {
		t.Errorf("level out of range: %v", err)
	}
	if _, err := call[events.SkillRecordItem](t, f, events.OpRecordAssess, hire, events.SkillLevelRequest{Skill: "basket-weaving", Level: 2}); events.CodeOf(err) != events.CodeNotFound {
		t.Errorf("unknown skill: %v", err)
	}
	if _, err := call[events.SkillRecordItem](t, f, events.OpRecordAssess, lead, events.SkillLevelRequest{Person: "hire", Skill: "networking", Level: 2}); events.CodeOf(err) != events.CodeForbidden {
		t.Errorf("assessing someone else: %v", err)
	}
	// An import with one bad line is rejected whole, with line numbers.
	bad := "code,name,category,min_level,max_level,description\nORG-A,Alpha,Tech,1,5,fine\nORG-B,Beta,Tech,6,2,bad range\nORG-C,,Tech,1,3,no name\n"
	_, err = call[events.SkillImportReply](t, f, events.OpSkillsImport, hr, events.SkillImportRequest{Filename: "org.csv", Content: bad})
	if !asErr(err, &e) || e.Code != events.CodeInvalid || e.Fields["line 3: max_level"] == "" || e.Fields["line 4: name"] == "" {
		t.Fatalf("bad import: %v", err)
	}
	list := must[events.SkillsReply](t)(call[events.SkillsReply](t, f, events.OpSkillsList, hire, nil))
	for _, s := range list.Items {
		if s.ID == "ORG-A" {
			t.Fatal("a rejected file imported a skill")
		}
	}
	n := len(list.Items)
	// HR only; a good file joins the catalogue and its skills can be assessed.
	good := "- code: ORG-A\n  name: \"Alpha\u202egnp.exe\"\n  category: Tech\n  min_level: 2\n  max_level: 5\n"
	if _, err := call[events.SkillImportReply](t, f, events.OpSkillsImport, lead, events.SkillImportRequest{Filename: "org.yaml", Content: good}); events.CodeOf(err) != events.CodeForbidden {
		t.Errorf("lead importing: %v", err)
	}
	rep := must[events.SkillImportReply](t)(call[events.SkillImportReply](t, f, events.OpSkillsImport, hr, events.SkillImportRequest{Filename: "org.yaml", Content: good}))
	if rep.Imported != 1 || rep.Skills[0].Name != "Alphagnp.exe" { // bidirectional controls stripped
		t.Fatalf("import reply %+v", rep)
	}
	list = must[events.SkillsReply](t)(call[events.SkillsReply](t, f, events.OpSkillsList, hire, nil))
	if len(list.Items) != n+1 {
		t.Fatalf("catalogue has %d skills, want %d", len(list.Items), n+1)
	}
	if _, err := call[events.SkillRecordItem](t, f, events.OpRecordAssess, hire, events.SkillLevelRequest{Skill: "ORG-A", Level: 1}); !strings.Contains(errString(err), "between 2 and 5") {
		t.Errorf("imported range not enforced: %v", err)
	}
	must[events.SkillRecordItem](t)(call[events.SkillRecordItem](t, f, events.OpRecordAssess, hire, events.SkillLevelRequest{Skill: "ORG-A", Level: 3}))
	// The imported catalogue survives a restart (loaded from the store and the stream).
	_ = f.m.Close()
	f.m = f.start(t, "skills-training")
	list = must[events.SkillsReply](t)(call[events.SkillsReply](t, f, events.OpSkillsList, hire, nil))
	if len(list.Items) != n+1 {
		t.Fatalf("after restart the catalogue has %d skills, want %d", len(list.Items), n+1)
	}
}

func asErr(err error, e **events.Error) bool {
	x, ok := err.(*events.Error)
	*e = x
	return ok
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Every operation, as every role: what is allowed works, what is not is refused and
// changes nothing.
func TestAuthorizationPerOperationAndRole(t *testing.T) {
	f := setup(t)
	lvl := func(person string) events.SkillLevelRequest {
		return events.SkillLevelRequest{Person: person, Skill: "networking", Level: 2}
	}
	type op struct {
		name string
		do   func(c rpc.Caller) error
	}
	get := func(person string) op {
		return op{"record.get " + person, func(c rpc.Caller) error {
			_, err := call[events.SkillRecordReply](t, f, events.OpRecordGet, c, events.SkillRecordRequest{Person: person})
			return err
		}}
	}
	verify := func(person string) op {
		return op{"record.verify " + person, func(c rpc.Caller) error {
			_, err := call[events.SkillRecordItem](t, f, events.OpRecordVerify, c, lvl(person))
			return err
		}}
	}
	assess := func(person string) op {
		return op{"record.assess " + person, func(c rpc.Caller) error {
			_, err := call[events.SkillRecordItem](t, f, events.OpRecordAssess, c, lvl(person))
			return err
		}}
	}
	certify := func(person string) op {
		return op{"record.certify " + person, func(c rpc.Caller) error {
			_, err := call[events.SkillCertification](t, f, events.OpRecordCertify, c, events.SkillCertifyRequest{Person: person, Name: "CCNA", Issuer: "Cisco", Issued: "2026-01-01"})
			return err
		}}
	}
	report := func(opName, team string) op {
		return op{opName + " " + team, func(c rpc.Caller) error {
			_, err := call[events.SkillReport](t, f, opName, c, events.SkillReportRequest{Team: team})
			return err
		}}
	}
	imp := op{"catalogue.import", func(c rpc.Caller) error {
		_, err := call[events.SkillImportReply](t, f, events.OpSkillsImport, c, events.SkillImportRequest{Filename: "x.csv", Content: "code,name,category,min_level,max_level\nX-1,X,Y,1,2\n"})
		return err
	}}
	list := op{"catalogue.list", func(c rpc.Caller) error {
		_, err := call[events.SkillsReply](t, f, events.OpSkillsList, c, nil)
		return err
	}}
	seed := op{"admin.seed", func(c rpc.Caller) error {
		l := lvl("hire")
		_, err := call[empty](t, f, events.OpSkillsSeed, c, events.SkillSeedRequest{Person: "hire", Actor: "lead", Kind: "verify", Level: &l})
		return err
	}}
	const ok, no = "", events.CodeForbidden
	tests := []struct {
		op   op
		want map[string]string // caller → expected code ("" = allowed)
	}{
		{list, map[string]string{"hire": ok, "lead": ok, "hr": ok, "outsider": ok}},
		{get("hire"), map[string]string{"hire": ok, "peer": no, "lead": ok, "other-lead": no, "outsider": no, "hr": ok, "admin": ok}},
		{assess("hire"), map[string]string{"hire": ok, "peer": no, "lead": no, "hr": no, "admin": no}},
		{verify("hire"), map[string]string{"hire": no, "peer": no, "lead": ok, "other-lead": no, "outsider": no, "hr": ok, "admin": ok}},
		{verify("lead"), map[string]string{"lead": no, "hr": ok}},
		{certify("hire"), map[string]string{"hire": ok, "peer": no, "lead": ok, "other-lead": no, "hr": ok}},
		{report(events.OpReportMatrix, ""), map[string]string{"hire": no, "lead": ok, "other-lead": ok, "outsider": no, "hr": ok, "admin": ok}},
		{report(events.OpReportMatrix, "security"), map[string]string{"lead": no, "other-lead": ok, "hr": ok}},
		{report(events.OpReportCoverage, ""), map[string]string{"hire": no, "lead": no, "hr": ok, "admin": ok}},
		{report(events.OpReportGaps, ""), map[string]string{"hire": no, "lead": no, "hr": ok, "admin": ok}},
		{report(events.OpReportCerts, ""), map[string]string{"hire": no, "lead": no, "hr": ok, "admin": ok}},
		{imp, map[string]string{"hire": no, "lead": no, "outsider": no, "hr": ok, "admin": ok}},
		{seed, map[string]string{"hire": no, "lead": no, "hr": no, "admin": no}},
	}
	stream := func() uint64 {
		n, err := bus.StreamLastSeq(context.Background(), f.js, "SKILLS")
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	for _, tt := range tests {
		for who, want := range tt.want {
			before := stream()
			err := tt.op.do(f.as(t, who))
			if got := servicetest.Code(err); got != want {
				t.Errorf("%s as %s: %v, want %q", tt.op.name, who, err, want)
			}
			if want != ok && stream() != before {
				t.Errorf("%s as %s was refused but appended an event", tt.op.name, who)
			}
		}
	}
	// No token at all is unauthorized everywhere.
	if err := get("hire").do(rpc.Caller{}); events.CodeOf(err) != events.CodeUnauthorized {
		t.Errorf("no token: %v", err)
	}
	// A lead's matrix holds their team only.
	tab := must[events.SkillReport](t)(call[events.SkillReport](t, f, events.OpReportMatrix, f.as(t, "lead"), events.SkillReportRequest{}))
	for _, r := range tab.Matrix {
		if r.Team != "platform" {
			t.Errorf("lead's matrix shows %v", r)
		}
	}
	if tab.Total != 3 {
		t.Errorf("lead's matrix has %d people, want 3", tab.Total)
	}
	// HR gets 404 for nobody; others 403.
	if _, err := call[events.SkillRecordReply](t, f, events.OpRecordGet, f.as(t, "hr"), events.SkillRecordRequest{Person: "nobody"}); events.CodeOf(err) != events.CodeNotFound {
		t.Errorf("HR, unknown person: %v", err)
	}
	if _, err := call[events.SkillRecordReply](t, f, events.OpRecordGet, f.as(t, "lead"), events.SkillRecordRequest{Person: "nobody"}); events.CodeOf(err) != events.CodeForbidden {
		t.Errorf("lead, unknown person: %v", err)
	}
	// The system caller may seed, idempotently.
	l := lvl("peer")
	for range 2 {
		must[empty](t)(call[empty](t, f, events.OpSkillsSeed, rpc.Caller{System: true}, events.SkillSeedRequest{Person: "peer", Actor: "lead", Kind: "verify", Level: &l}))
	}
	r := must[events.SkillRecordReply](t)(call[events.SkillRecordReply](t, f, events.OpRecordGet, f.as(t, "peer"), events.SkillRecordRequest{}))
	if it := item(r, "networking"); it == nil || len(it.History) != 1 || it.Source != "verified" {
		t.Errorf("seeded twice: %+v", it)
	}
}

func TestCertificationsExpiringAndExpiredOnce(t *testing.T) {
	f := setup(t)
	hire, hr := f.as(t, "hire"), f.as(t, "hr")
	// Nothing expires yet; the report asked again after a certification shows it (reports
	// are kept only while the records do not change).
	if tab := must[events.SkillReport](t)(call[events.SkillReport](t, f, events.OpReportCerts, hr, events.SkillReportRequest{})); tab.Total != 0 {
		t.Fatalf("before any certification: %+v", tab.Certs)
	}
	soon := must[events.SkillCertification](t)(call[events.SkillCertification](t, f, events.OpRecordCertify, hire, events.SkillCertifyRequest{
		Name: "Cloud Practitioner", Issuer: "Cloud Co", Issued: "2025-03-01", Expires: "2026-04-15", Skill: "cloud-computing", Level: 2}))
	if soon.Status != "expiring" || soon.DaysLeft == nil || *soon.DaysLeft != 45 {
		t.Fatalf("expiring cert %+v", soon)
	}
	must[events.SkillCertification](t)(call[events.SkillCertification](t, f, events.OpRecordCertify, hire, events.SkillCertifyRequest{
		Name: "Far away", Issuer: "X", Issued: "2025-03-01", Expires: "2028-01-01"}))
	if _, err := call[events.SkillCertification](t, f, events.OpRecordCertify, hire, events.SkillCertifyRequest{Name: "Bad", Issuer: "X", Issued: "2026-05-01", Expires: "2026-01-01"}); events.CodeOf(err) != events.CodeInvalid {
		t.Errorf("expiry before issue: %v", err)
	}
	tab := must[events.SkillReport](t)(call[events.SkillReport](t, f, events.OpReportCerts, hr, events.SkillReportRequest{}))
	if len(tab.Certs) != 1 || tab.Certs[0].Certification != "Cloud Practitioner" || tab.Certs[0].DaysLeft != 45 || tab.Certs[0].Expires != "2026-04-15" {
		t.Fatalf("expiring report %+v", tab.Certs)
	}
	r := must[events.SkillRecordReply](t)(call[events.SkillRecordReply](t, f, events.OpRecordGet, hire, events.SkillRecordRequest{}))
	// The hire recorded it themselves: it stands only as their own claim.
	if it := item(r, "cloud-computing"); it == nil || it.Level != 2 || it.Source != "self" {
		t.Fatalf("self-recorded certification %+v", it)
	}
	// Past the expiry date: the sweep publishes one event, once.
	f.clock.Set(time.Date(2026, 4, 16, 9, 0, 0, 0, time.UTC))
	sys := rpc.Caller{System: true}
	if n := must[sweepReply](t)(call[sweepReply](t, f, events.OpSkillsSweepExpired, sys, nil)).Expired; n != 1 {
		t.Fatalf("first sweep expired %d", n)
	}
	if n := must[sweepReply](t)(call[sweepReply](t, f, events.OpSkillsSweepExpired, sys, nil)).Expired; n != 0 {
		t.Fatalf("second sweep expired %d", n)
	}
	s, _ := f.js.Stream(context.Background(), "SKILLS")
	info, err := s.Info(context.Background(), jetstream.WithSubjectFilter(events.TypeFilter(events.CertificationExpired{}.EventType())))
	if err != nil {
		t.Fatal(err)
	}
	if len(info.State.Subjects) != 1 || info.State.Subjects[events.Subject(events.CertificationExpired{}.EventType(), "hire")] != 1 {
		t.Fatalf("expiry events: %v", info.State.Subjects)
	}
	r = must[events.SkillRecordReply](t)(call[events.SkillRecordReply](t, f, events.OpRecordGet, hire, events.SkillRecordRequest{}))
	if it := item(r, "cloud-computing"); it == nil || it.Level != 0 {
		t.Fatalf("expired certification still evidences: %+v", it)
	}
	// As of a date before expiry, it still counted.
	r = must[events.SkillRecordReply](t)(call[events.SkillRecordReply](t, f, events.OpRecordGet, hire, events.SkillRecordRequest{AsOf: "2026-04-01"}))
	if it := item(r, "cloud-computing"); it == nil || it.Level != 2 {
		t.Fatalf("as-of before expiry: %+v", it)
	}
}

func TestEventLogConformance(t *testing.T) {
	f := setup(t)
	_ = f.m.Close()
	hire := f.as(t, "hire")
	eventlogtest.Run(t, f.env.Env, eventlogtest.Service{
		Stream: "SKILLS", DB: "skills", Record: func() string { return "onramp.skills.record.hire.poisoned" },
		New: func(t *testing.T, nc *nats.Conn, db *mongo.Database) (eventlogtest.Main, *eventlog.Log) {
			m, err := New(nc, db, slog.New(slog.DiscardHandler), f.config("skills-training"))
			if err != nil {
				t.Fatal(err)
			}
			return m, m.el
		},
		Command: func(t *testing.T, n int) error {
			_, err := call[events.SkillRecordItem](t, f, events.OpRecordAssess, hire, events.SkillLevelRequest{Skill: "networking", Level: n%4 + 1, Note: fmt.Sprint("assessment ", n)})
			return err
		},
	})
}

// Everyone's certifications expiring soon, read from the index kept by expiry date,
// agree page by page with the report worked out from every record (sorted by expiry, a
// stable sort that keeps the report's order) — on several days, with someone disabled,
// and after a restart.
func TestExpiringReportAgreesWithTheRecords(t *testing.T) {
	f := setup(t)
	hr := f.as(t, "hr")
	for i, id := range []string{"hire", "lead", "peer", "other-lead", "outsider"} {
		for j := range 2 {
			expires := time.Date(2026, 3, 20, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 17*i+40*j).Format(events.DateLayout)
			must[events.SkillCertification](t)(call[events.SkillCertification](t, f, events.OpRecordCertify, f.as(t, id), events.SkillCertifyRequest{
				Name: fmt.Sprintf("Cert %d", j), Issuer: "X", Issued: "2025-03-01", Expires: expires}))
		}
	}
	disabled, _ := events.New("hr", "peer", events.StaffDisabled{Reason: "left"}, time.Now())
	if _, err := bus.Append(context.Background(), f.js, disabled, bus.Expect{}); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for p, _ := f.m.dir.Person("peer"); p.Active; p, _ = f.m.dir.Person("peer") {
		if time.Now().After(deadline) {
			t.Fatal("peer not disabled")
		}
		time.Sleep(10 * time.Millisecond)
	}
	compare := func(t *testing.T, step string) {
		t.Helper()
		for _, day := range []time.Time{time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC), time.Date(2026, 4, 20, 9, 0, 0, 0, time.UTC), time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)} {
			f.clock.Set(day)
			for offset := 0; offset < 10; offset += 3 {
				got := must[events.SkillReport](t)(call[events.SkillReport](t, f, events.OpReportCerts, hr, events.SkillReportRequest{Offset: offset, Limit: 3}))
				want := must[events.SkillReport](t)(call[events.SkillReport](t, f, events.OpReportCerts, hr, events.SkillReportRequest{Offset: offset, Limit: 3, Sort: "expires"}))
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(want)
				if string(g) != string(w) {
					t.Fatalf("%s, on %s, from %d:\nindex   %s\nrecords %s", step, day, offset, g, w)
				}
				if offset == 0 && got.Total == 0 && day.Month() == 4 {
					t.Fatalf("%s: nothing expiring in April", step)
				}
				for _, row := range got.Certs {
					if row.Person == "peer" {
						t.Fatalf("%s: a disabled person's certification: %+v", step, row)
					}
				}
			}
		}
	}
	compare(t, "running")
	_ = f.m.Close()
	f.m = f.start(t, "skills-training")
	compare(t, "restarted")
}
