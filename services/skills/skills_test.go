package skills

import (
	"reflect"
	"slices"
	"testing"
	"time"

	catalogue "onramp.dev/content/skills"
	"onramp.dev/content/training"
	"onramp.dev/events"
)

func newState(t testing.TB) *State {
	t.Helper()
	cat, err := catalogue.Load()
	if err != nil {
		t.Fatal(err)
	}
	mods, err := training.Load()
	if err != nil {
		t.Fatal(err)
	}
	return NewState(cat, mods)
}

var t0 = time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)

type step struct {
	day int // days after t0
	p   events.Payload
	by  string
}

func apply(t *testing.T, s *State, person string, steps []step) {
	t.Helper()
	for i, st := range steps {
		by := st.by
		if by == "" {
			by = person
		}
		env, err := events.New(by, person, st.p, t0.AddDate(0, 0, st.day))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.Apply(env, uint64(100+i)); err != nil {
			t.Fatal(err)
		}
	}
}

func evidence(level int) events.SkillsEvidenced {
	return events.SkillsEvidenced{SourceEvent: events.NewID(t0), Module: "network-fundamentals", Score: 90,
		Skills: []events.SkillLevel{{Skill: "networking", Level: level}}}
}

func TestLevelRules(t *testing.T) {
	tests := []struct {
		name    string
		steps   []step
		level   int
		source  string
		claimed int
	}{
		{"nothing", nil, 0, "", 0},
		{"self only stands as self", []step{{0, events.SkillAssessed{Skill: "networking", Level: 3}, ""}}, 3, "self", 0},
		{"latest self-assessment counts", []step{
			{0, events.SkillAssessed{Skill: "networking", Level: 3}, ""},
			{1, events.SkillAssessed{Skill: "networking", Level: 2}, ""}}, 2, "self", 0},
		{"training evidence stands over self, self above it is claimed", []step{
			{0, events.SkillAssessed{Skill: "networking", Level: 4}, ""},
			{1, evidence(2), events.System}}, 2, "training", 4},
		{"verified level stands, higher self is claimed", []step{
			{0, events.SkillVerified{Skill: "networking", Level: 3}, "lead"},
			{1, events.SkillAssessed{Skill: "networking", Level: 5}, ""}}, 3, "verified", 5},
		{"verified stands even below evidence, which is claimed", []step{
			{0, evidence(3), events.System},
			{1, events.SkillVerified{Skill: "networking", Level: 2}, "lead"}}, 2, "verified", 3},
		{"latest verification stands", []step{
			{0, events.SkillVerified{Skill: "networking", Level: 4}, "lead"},
			{1, events.SkillVerified{Skill: "networking", Level: 2}, "lead"}}, 2, "verified", 0},
		{"verification confirming the claim clears it", []step{
			{0, events.SkillAssessed{Skill: "networking", Level: 4}, ""},
			{1, events.SkillVerified{Skill: "networking", Level: 4}, "lead"}}, 4, "verified", 0},
		{"valid certification is evidence", []step{
			{0, events.CertificationAdded{ID: "c1", Name: "CCNA", Issuer: "Cisco", Issued: "2026-01-01", Expires: "2029-01-01", Skill: "networking", Level: 3}, "hr"},
			{1, evidence(2), events.System}}, 3, "certification", 0},
		{"a certification people record themselves is only their claim", []step{
			{0, events.SkillVerified{Skill: "networking", Level: 2}, "lead"},
			{1, events.CertificationAdded{ID: "c1", Name: "CCNA", Issuer: "Cisco", Issued: "2026-01-01", Expires: "2029-01-01", Skill: "networking", Level: 6}, ""}}, 2, "verified", 6},
		{"expired certification is not", []step{
			{0, events.CertificationAdded{ID: "c1", Name: "CCNA", Issuer: "Cisco", Issued: "2020-01-01", Expires: "2023-01-01", Skill: "networking", Level: 3}, "hr"},
			{1, evidence(2), events.System}}, 2, "training", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newState(t)
			apply(t, s, "p1", tt.steps)
			d := s.doc("p1")
			st := d.Standing("networking", t0.AddDate(0, 0, 30))
			if st.Level != tt.level || st.Source != tt.source || st.Claimed != tt.claimed {
				t.Fatalf("standing = %d %q claimed %d, want %d %q claimed %d", st.Level, st.Source, st.Claimed, tt.level, tt.source, tt.claimed)
			}
		})
	}
}

func TestAsOfShowsPastState(t *testing.T) {
	s := newState(t)
	apply(t, s, "p1", []step{
		{0, events.SkillAssessed{Skill: "networking", Level: 2}, ""},
		{10, events.SkillVerified{Skill: "networking", Level: 3}, "lead"},
		{20, events.SkillAssessed{Skill: "networking", Level: 5}, ""},
	})
	d := s.doc("p1")
	tests := []struct {
		day            int
		level, claimed int
		source         string
		historyEntries int
	}{
		{-1, 0, 0, "", 0},
		{0, 2, 0, "self", 1},
		{15, 3, 0, "verified", 2},
		{25, 3, 5, "verified", 3},
	}
	for _, tt := range tests {
		st := d.Standing("networking", EndOfDay(t0.AddDate(0, 0, tt.day)))
		if st.Level != tt.level || st.Claimed != tt.claimed || st.Source != tt.source || len(st.History) != tt.historyEntries {
			t.Errorf("day %d: %+v", tt.day, st)
		}
	}
}

func TestEvidenceAppliedOnceAndIdempotentBySeq(t *testing.T) {
	s := newState(t)
	e := evidence(2)
	env, _ := events.New(events.System, "p1", e, t0)
	for _, seq := range []uint64{5, 5, 4} {
		if _, err := s.Apply(env, seq); err != nil {
			t.Fatal(err)
		}
	}
	// The same source event appended again later (a redelivery) changes nothing either.
	env2, _ := events.New(events.System, "p1", e, t0)
	if _, err := s.Apply(env2, 9); err != nil {
		t.Fatal(err)
	}
	d := s.doc("p1")
	if n := len(d.record("networking").History); n != 1 || len(d.Handled) != 1 {
		t.Fatalf("history %d entries, handled %v", n, d.Handled)
	}
	if _, ok := s.DecideEvidence(e.SourceEvent, events.ModulePassed{Person: "p1", Module: "m", Skills: e.Skills}); ok {
		t.Fatal("a handled training event was decided again")
	}
	if _, ok := s.DecideEvidence(events.NewID(t0), events.ModulePassed{Person: "p1", Module: "m", Skills: []events.SkillLevel{{Skill: "nope", Level: 2}}}); ok {
		t.Fatal("evidence for an unknown skill was accepted")
	}
}

func TestGapsAgainstProfileWithModules(t *testing.T) {
	s := newState(t)
	hire := Person{ID: "p1", Name: "Hire", Team: "platform", Track: "infrastructure", StartDate: "2026-02-01", Roles: []string{"hire"}}
	apply(t, s, "p1", []step{{0, events.SkillVerified{Skill: "networking", Level: 2}, "lead"}})
	at := t0.AddDate(0, 0, 1)
	if got := Seniority(hire, at); got != "junior" {
		t.Fatalf("seniority %s", got)
	}
	v := s.RecordView(hire, at)
	prof, _ := s.Profile(hire, at)
	if len(v.Gaps) != len(prof.Targets)-1 {
		t.Fatalf("%d gaps for %d targets with one met", len(v.Gaps), len(prof.Targets))
	}
	for _, g := range v.Gaps {
		if g.Skill == "networking" {
			t.Fatal("met target reported as gap")
		}
		if !g.Missing || g.Level != 0 {
			t.Errorf("gap %+v should be missing", g)
		}
		for _, m := range g.Modules {
			if m.Level <= g.Level {
				t.Errorf("module %s recommended at level %d for level %d", m.ID, m.Level, g.Level)
			}
		}
	}
	var sysadmin *events.SkillGap
	for i := range v.Gaps {
		if v.Gaps[i].Skill == "storage-backup" {
			sysadmin = &v.Gaps[i]
		}
	}
	if sysadmin == nil || len(sysadmin.Modules) == 0 || sysadmin.Modules[0].ID != "backup-and-restore" {
		t.Errorf("storage-backup gap should recommend backup-and-restore: %+v", sysadmin)
	}
	senior := hire
	senior.StartDate = "2020-01-01"
	lead := hire
	lead.Roles = []string{"lead"}
	if Seniority(senior, at) != "senior" || Seniority(lead, at) != "lead" {
		t.Error("seniority rule")
	}
}

func TestLevelOutsideRangeNamesRange(t *testing.T) {
	s := newState(t)
	_, err := s.DecideLevel("security-testing", 1, "")
	if events.CodeOf(err) != events.CodeInvalid || err.(*events.Error).Fields["level"] != "must be between 3 and 6 for Security testing" {
		t.Fatalf("err = %v", err)
	}
	if _, err := s.DecideLevel("no-such-skill", 3, ""); events.CodeOf(err) != events.CodeNotFound {
		t.Fatalf("unknown skill: %v", err)
	}
}

func TestCoverageFlagsSinglePointOfFailure(t *testing.T) {
	s := newState(t)
	apply(t, s, "a", []step{{0, events.SkillVerified{Skill: "networking", Level: 4}, "lead"}, {0, events.SkillVerified{Skill: "programming", Level: 3}, "lead"}})
	apply(t, s, "b", []step{{0, events.SkillVerified{Skill: "networking", Level: 2}, "lead"}, {0, events.SkillVerified{Skill: "programming", Level: 3}, "lead"}})
	people := []Person{{ID: "a", Name: "A"}, {ID: "b", Name: "B"}}
	tab := s.Coverage(people, Filter{At: t0.AddDate(0, 0, 1)})
	row := func(id string) events.SkillCoverageRow {
		for _, r := range tab.Coverage {
			if r.Skill == id {
				return r
			}
		}
		t.Fatalf("no row %s", id)
		return events.SkillCoverageRow{}
	}
	n := row("networking")
	if n.People != 2 || n.AtLeast[1] != 2 || n.AtLeast[2] != 1 || n.AtLeast[3] != 1 || !n.SinglePoint || n.Holder != "A" || n.HolderID != "a" {
		t.Errorf("networking row %+v", n)
	}
	if p := row("programming"); p.SinglePoint {
		t.Errorf("programming held by two at 3 is not a single point of failure: %v", p)
	}
}

func TestMatrixTotalsPerSkillAndTeam(t *testing.T) {
	s := newState(t)
	apply(t, s, "a", []step{{0, events.SkillVerified{Skill: "networking", Level: 4}, "lead"}, {0, events.SkillAssessed{Skill: "programming", Level: 2}, ""}})
	apply(t, s, "b", []step{{0, events.SkillVerified{Skill: "networking", Level: 2}, "lead"}})
	apply(t, s, "c", []step{{0, events.SkillAssessed{Skill: "programming", Level: 3}, ""}})
	people := []Person{{ID: "a", Name: "A", Team: "platform"}, {ID: "b", Name: "B", Team: "security"}, {ID: "c", Name: "C", Team: "platform"}}
	f := Filter{At: t0.AddDate(0, 0, 1)}
	ids := []string{"networking", "programming", "databases"}
	got := s.MatrixTotals(people, ids, f)
	want := events.SkillMatrixTotals{People: 3, Holders: []int{2, 2, 0}, Claims: []int{0, 2, 0}, Teams: []events.SkillTeamTotal{
		{Team: "platform", People: 2, Holders: []int{1, 2, 0}},
		{Team: "security", People: 1, Holders: []int{1, 0, 0}},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("totals\n got %+v\nwant %+v", got, want)
	}
}

func TestReportsSortByColumn(t *testing.T) {
	s := newState(t)
	apply(t, s, "a", []step{{0, events.SkillVerified{Skill: "networking", Level: 4}, "lead"}})
	apply(t, s, "b", []step{{0, events.SkillVerified{Skill: "networking", Level: 2}, "lead"}, {0, events.SkillVerified{Skill: "programming", Level: 3}, "lead"}})
	people := []Person{{ID: "b", Name: "bea", Team: "security", StartDate: "2020-01-01"}, {ID: "a", Name: "Al", Team: "platform", StartDate: "2025-01-01"}}
	f := Filter{At: t0.AddDate(0, 0, 1)}
	for _, tt := range []struct {
		key  string
		want []string
	}{
		{"name", []string{"a", "b"}},
		{"-name", []string{"b", "a"}},
		{"team", []string{"a", "b"}},
		{"seniority", []string{"b", "a"}},
		{"", []string{"b", "a"}},
	} {
		p := slices.Clone(people)
		if err := SortPeople(p, tt.key); err != nil {
			t.Fatalf("%q: %v", tt.key, err)
		}
		var got []string
		for _, x := range s.Matrix(p, f, 0, 0).Matrix {
			got = append(got, x.Person)
		}
		if !slices.Equal(got, tt.want) {
			t.Errorf("matrix by %q: %v, want %v", tt.key, got, tt.want)
		}
	}
	cov := s.Coverage(people, f)
	if err := Sort(cov, "-people"); err != nil {
		t.Fatal(err)
	}
	if cov.Coverage[0].Skill != "networking" || cov.Coverage[0].People != 2 || cov.Coverage[1].People != 1 {
		t.Errorf("coverage by people, descending: %+v", cov.Coverage[:2])
	}
	if err := Sort(cov, "nope"); events.CodeOf(err) != events.CodeInvalid {
		t.Errorf("unknown sort key: %v", err)
	}
	if got := Page(cov, 1, 1); got.Total != len(cov.Coverage) || got.Offset != 1 || len(got.Coverage) != 1 || got.Coverage[0] != cov.Coverage[1] {
		t.Errorf("page 2 of 1 row: %+v", got)
	}
}
