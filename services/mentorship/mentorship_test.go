package mentorship

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"onramp.dev/events"
)

func track(id string) string { return strings.ToUpper(id[:1]) + id[1:] }

var (
	hire = Person{ID: "ada", Name: "Ada", Team: "platform", Lead: "lee", Track: "infrastructure", Roles: []string{events.RoleHire}, Active: true}
	gaps = []Gap{{Skill: "networking", Name: "Networking", Target: 2}, {Skill: "cloud-computing", Name: "Cloud computing", Level: 1, Target: 2}, {Skill: "troubleshooting", Name: "Troubleshooting", Target: 2}}
)

func cand(id, name, trk string, capacity, load int, levels map[string]int, roles ...string) Candidate {
	return Candidate{Person: Person{ID: id, Name: name, Team: "t-" + id, Track: trk, Roles: roles, Active: true},
		Capacity: capacity, Load: Load{Active: load}, Levels: levels}
}

func TestScoreExplainsEachPart(t *testing.T) {
	cases := []struct {
		name      string
		c         Candidate
		score     int
		reasons   []string
		atCapcity bool
	}{
		{"covers all, above in one, free, same track",
			cand("m", "M", "infrastructure", 2, 0, map[string]int{"networking": 4, "cloud-computing": 2, "troubleshooting": 2}),
			50 + 20*1/3 + 20 + 10,
			[]string{"Covers 3 of 3 skill gaps: Networking (level 4 for target 2), Cloud computing (level 2 for target 2), Troubleshooting (level 2 for target 2).",
				"Level above the hire's target in Networking.", "2 of 2 mentee places free.", "Same track: Infrastructure."}, false},
		{"below target covers nothing",
			cand("m", "M", "security", 4, 1, map[string]int{"networking": 1}),
			20 * 3 / 4,
			[]string{"Covers none of the hire's 3 skill gaps.", "3 of 4 mentee places free.", "Different track (Security)."}, false},
		{"at capacity",
			cand("m", "M", "security", 1, 1, map[string]int{"networking": 3}),
			50*1/3 + 20*1/3,
			[]string{"Covers 1 of 3 skill gaps: Networking (level 3 for target 2).", "Level above the hire's target in Networking.",
				"At capacity (1 of 1 places taken): only HR can propose them, with a reason.", "Different track (Security)."}, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := Score(hire, gaps, c.c, track)
			if m.Score != c.score || !reflect.DeepEqual(m.Reasons, c.reasons) || m.AtCapacity != c.atCapcity {
				t.Fatalf("got %d %q (full %v), want %d %q", m.Score, m.Reasons, m.AtCapacity, c.score, c.reasons)
			}
		})
	}
	if m := Score(hire, nil, cand("m", "M", "infrastructure", 1, 0, nil), track); m.Reasons[0] != "The hire has no skill gaps against their role profile." || m.Score != 30 {
		t.Fatalf("no gaps: %d %q", m.Score, m.Reasons)
	}
}

func TestSuggestRulesAndDeterminism(t *testing.T) {
	cands := []Candidate{
		cand("zed", "Zed", "infrastructure", 2, 0, map[string]int{"networking": 3}),
		cand("amy", "Amy", "infrastructure", 2, 0, map[string]int{"networking": 3}), // ties with zed: by name
		cand("lee", "Lee", "infrastructure", 5, 0, map[string]int{"networking": 7, "cloud-computing": 7}, events.RoleLead),
		cand("ada", "Ada", "infrastructure", 5, 0, map[string]int{"networking": 7}),
		cand("full", "Full", "infrastructure", 1, 1, map[string]int{"networking": 7, "cloud-computing": 7, "troubleshooting": 7}),
		cand("best", "Best", "security", 3, 0, map[string]int{"networking": 5, "cloud-computing": 5}),
	}
	cands[2].Person.Team = "platform" // lee leads ada's team
	off := cands[3]
	off.Person.Active = false
	names := func(ms []Match) []string {
		var out []string
		for _, m := range ms {
			out = append(out, m.Mentor)
		}
		return out
	}
	if got := names(Suggest(hire, gaps, cands, false, track)); !reflect.DeepEqual(got, []string{"best", "amy", "zed"}) {
		t.Fatalf("lead sees %v", got)
	}
	withFull := Suggest(hire, gaps, cands, true, track)
	if got := names(withFull); !reflect.DeepEqual(got, []string{"best", "amy", "zed", "full"}) || !withFull[3].AtCapacity {
		t.Fatalf("HR sees %v", got)
	}
	// Any order of the same candidates gives the same ranking.
	want := Suggest(hire, gaps, cands, true, track)
	for i := range 20 {
		shuffled := append([]Candidate(nil), cands...)
		rand.New(rand.NewPCG(uint64(i), 7)).Shuffle(len(shuffled), func(a, b int) { shuffled[a], shuffled[b] = shuffled[b], shuffled[a] })
		if got := Suggest(hire, gaps, shuffled, true, track); !reflect.DeepEqual(got, want) {
			t.Fatalf("order %d changed the ranking: %v", i, names(got))
		}
	}
	for _, c := range []struct {
		mentor Person
		why    string
	}{
		{hire, "is the hire"},
		{Person{ID: "lee", Roles: []string{events.RoleLead}, Team: "platform", Active: true}, "is the hire's own lead"},
		{Person{ID: "lee", Team: "elsewhere", Active: true}, "is the hire's own lead"}, // named lead
		{Person{ID: "x", Active: false}, "is not active"},
		{Person{ID: "y", Roles: []string{events.RoleLead}, Team: "security", Active: true}, ""},
	} {
		if got := Excluded(hire, c.mentor); got != c.why {
			t.Errorf("Excluded(%s) = %q, want %q", c.mentor.ID, got, c.why)
		}
	}
}

func TestDecideProposeOrder(t *testing.T) {
	lead := Person{ID: "lee", Team: "platform", Roles: []string{events.RoleLead}, Active: true}
	hr := Person{ID: "hr", Team: "people", Roles: []string{events.RoleHR}, Active: true}
	maya := Person{ID: "maya", Name: "Maya", Team: "security", Active: true}
	prof := &Profile{ID: "maya", State: events.ProfileActive, Capacity: 1}
	base := ProposeInput{Viewer: lead, Hire: hire, HireFound: true, Mentor: maya, MentorFound: true, Profile: prof}
	cases := []struct {
		name  string
		edit  func(*ProposeInput)
		code  string
		field string
	}{
		{"ok", func(*ProposeInput) {}, "", ""},
		{"other team's lead", func(in *ProposeInput) {
			in.Viewer = Person{ID: "sam", Team: "security", Roles: lead.Roles, Active: true}
		}, events.CodeForbidden, ""},
		{"mentor is hire", func(in *ProposeInput) { in.Mentor = hire }, events.CodeInvalid, "mentor"},
		{"own lead as mentor", func(in *ProposeInput) {
			in.Mentor = lead
			in.Profile = &Profile{State: events.ProfileActive, Capacity: 2}
		}, events.CodeInvalid, "mentor"},
		{"paused profile", func(in *ProposeInput) { in.Profile = &Profile{State: events.ProfilePaused, Capacity: 2} }, events.CodeInvalid, "mentor"},
		{"open mentorship", func(in *ProposeInput) { in.Open = &Pair{State: events.PairActive} }, events.CodeConflict, ""},
		{"at capacity, lead", func(in *ProposeInput) { in.Load = Load{Active: 1}; in.Reason = "please" }, events.CodeConflict, ""},
		{"at capacity, HR, no reason", func(in *ProposeInput) { in.Viewer = hr; in.Load = Load{Proposed: 1} }, events.CodeConflict, "reason"},
		{"at capacity, HR, reason", func(in *ProposeInput) { in.Viewer = hr; in.Load = Load{Active: 1}; in.Reason = "urgent" }, "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			in := base
			c.edit(&in)
			e, err := DecidePropose(in)
			if events.CodeOf(err) != c.code && !(c.code == "" && err == nil) {
				t.Fatalf("err = %v, want %s", err, c.code)
			}
			var ee *events.Error
			if c.field != "" && (!errors.As(err, &ee) || ee.Fields[c.field] == "") {
				t.Fatalf("err = %v lacks field %s", err, c.field)
			}
			if err == nil && c.name == "at capacity, HR, reason" && e.Override != "urgent" {
				t.Fatalf("override not recorded: %+v", e)
			}
		})
	}
}

// MayPropose, which suggestions carry as can_propose, agrees with what DecidePropose
// decides for a proposal that gives a reason.
func TestMayProposeAgreesWithDecidePropose(t *testing.T) {
	lead := Person{ID: "lee", Team: "platform", Roles: []string{events.RoleLead}, Active: true}
	hr := Person{ID: "hr", Team: "people", Roles: []string{events.RoleHR}, Active: true}
	maya := Person{ID: "maya", Name: "Maya", Team: "security", Active: true}
	prof := &Profile{ID: "maya", State: events.ProfileActive, Capacity: 1}
	for _, c := range []struct {
		name       string
		viewer     Person
		atCapacity bool
		open       bool
		want       bool
	}{
		{"lead, free place", lead, false, false, true},
		{"lead, at capacity", lead, true, false, false},
		{"HR, at capacity", hr, true, false, true},
		{"lead, hire has a mentorship", lead, false, true, false},
		{"HR, hire has a mentorship", hr, true, true, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := ProposeInput{Viewer: c.viewer, Hire: hire, HireFound: true, Mentor: maya, MentorFound: true, Profile: prof, Reason: "urgent"}
			if c.atCapacity {
				in.Load = Load{Active: 1}
			}
			if c.open {
				in.Open = &Pair{State: events.PairActive}
			}
			_, err := DecidePropose(in)
			got := MayPropose(c.viewer, Match{Mentor: maya.ID, Capacity: 1, Load: in.Load.Total(), AtCapacity: c.atCapacity}, c.open)
			if got != c.want || got != (err == nil) {
				t.Fatalf("MayPropose = %v, want %v; DecidePropose err = %v", got, c.want, err)
			}
		})
	}
}

func TestApplyIsIdempotentAndCountsLoad(t *testing.T) {
	s := NewState()
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	env := func(actor, subject string, p events.Payload) events.Envelope {
		e, err := events.New(actor, subject, p, at)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	evs := []events.Envelope{
		env("maya", "maya", events.MentorProfileUpdated{State: events.ProfileActive, Skills: []string{"networking"}, Capacity: 2}),
		env("lee", "p1", events.MentorshipProposed{Hire: "ada", Mentor: "maya", Score: 50}),
		env("maya", "p1", events.MentorshipAccepted{Hire: "ada", Mentor: "maya"}),
		env("ada", "p1", events.CheckinLogged{ID: "c1", Hire: "ada", Mentor: "maya", Date: "2026-11-02", Notes: "hi"}),
	}
	for i, e := range evs {
		for range 2 { // every event twice
			if _, err := s.Apply(e, uint64(i+1)); err != nil {
				t.Fatal(err)
			}
		}
	}
	p, _ := s.Pair("p1")
	if p.State != events.PairActive || len(p.Checkins) != 1 || s.LoadOf("maya") != (Load{Active: 1}) || s.LastPair() != 3 || p.PairSeq != 3 || p.Seq != 4 {
		t.Fatalf("pair %+v load %+v last %d", p, s.LoadOf("maya"), s.LastPair())
	}
	if open, ok := s.OpenFor("ada"); !ok || open.ID != "p1" {
		t.Fatal("open mentorship not indexed")
	}
	if _, err := s.Apply(env("maya", "p9", events.MentorshipAccepted{Hire: "ada", Mentor: "maya"}), 9); !errors.Is(err, events.ErrInvalid) {
		t.Fatalf("accept of unknown mentorship: %v", err)
	}
	if _, err := s.Apply(env("lee", "p1", events.MentorshipEnded{Hire: "ada", Mentor: "maya", Reason: "done"}), 10); err != nil {
		t.Fatal(err)
	}
	if _, ok := s.OpenFor("ada"); ok || s.LoadOf("maya").Total() != 0 {
		t.Fatal("ended mentorship still open")
	}
}

func TestStandingsReadWhatSkillsStated(t *testing.T) {
	b := NewStandings()
	seq := uint64(0)
	add := func(person string, p events.Payload) {
		t.Helper()
		seq++
		e, err := events.New(events.System, person, p, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if err := b.Apply(e, seq); err != nil {
			t.Fatal(err)
		}
	}
	type want struct {
		skill, src string
		level      int
	}
	check := func(person string, eligible string, wants ...want) {
		t.Helper()
		for _, w := range wants {
			if l, src := b.Mentorable(person, w.skill); l != w.level || src != w.src {
				t.Errorf("%s %s: %d %q, want %d %q", person, w.skill, l, src, w.level, w.src)
			}
		}
		if got := fmt.Sprint(b.Eligible(person)); got != eligible {
			t.Errorf("%s eligible %s, want %s", person, got, eligible)
		}
	}
	// An event recorded before events carried standing changes nothing.
	add("m", events.SkillVerified{Skill: "networking", Level: 5})
	check("m", "[]", want{"networking", "", 0})
	add("m", events.SkillsEvidenced{SourceEvent: events.NewID(time.Now()), Module: "x", Score: 80, Skills: []events.SkillLevel{{Skill: "networking", Level: 3}},
		Standing: []events.SkillStanding{{Skill: "networking", Level: 3, Source: events.SourceTraining, Mentorable: true}}})
	add("m", events.CertificationAdded{ID: "c", Name: "Cert", Issuer: "I", Issued: "2025-01-01", Skill: "cloud-computing", Level: 4,
		Standing: []events.SkillStanding{{Skill: "cloud-computing", Level: 4, Source: events.SourceSelf}}})
	check("m", "[networking]", want{"networking", events.SourceTraining, 3}, want{"cloud-computing", "", 0})
	add("m", events.SkillStandingRestated{Standing: []events.SkillStanding{
		{Skill: "networking", Level: 2, Source: events.SourceVerified, Mentorable: true},
		{Skill: "cloud-computing", Level: 4, Source: events.SourceCertification, Mentorable: true}}})
	check("m", "[cloud-computing networking]", want{"networking", events.SourceVerified, 2}, want{"cloud-computing", events.SourceCertification, 4})
	add("m", events.CertificationExpired{ID: "c", Name: "Cert", Expires: "2026-01-01",
		Standing: []events.SkillStanding{{Skill: "cloud-computing", Level: 1, Source: events.SourceSelf}}})
	check("m", "[networking]", want{"cloud-computing", "", 0})
	// Replaying an older event changes nothing.
	e, err := events.New(events.System, "m", events.SkillVerified{Skill: "networking", Level: 7,
		Standing: []events.SkillStanding{{Skill: "networking", Level: 7, Source: events.SourceVerified, Mentorable: true}}}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Apply(e, 2); err != nil {
		t.Fatal(err)
	}
	check("m", "[networking]", want{"networking", events.SourceVerified, 2})
	check("nobody", "[]", want{"networking", "", 0})
}

// TestOwnPlaceDoesNotLowerThePairsScore: the hire's current mentor is scored for them as
// when they were proposed — the place this hire takes is left out of the load — while
// other mentorships still count.
func TestOwnPlaceDoesNotLowerThePairsScore(t *testing.T) {
	levels := map[string]int{"networking": 3}
	before := Score(hire, gaps, cand("maya", "Maya", "security", 3, 0, levels), track).Score
	for _, tc := range []struct {
		name  string
		load  Load
		open  *Pair
		equal bool
	}{
		{"active with this hire", Load{Active: 1}, &Pair{Hire: "ada", Mentor: "maya", State: events.PairActive}, true},
		{"proposed for this hire", Load{Proposed: 1}, &Pair{Hire: "ada", Mentor: "maya", State: events.PairProposed}, true},
		{"this hire and another", Load{Active: 2}, &Pair{Hire: "ada", Mentor: "maya", State: events.PairActive}, false},
		{"another mentor's pair", Load{Active: 1}, &Pair{Hire: "ada", Mentor: "max", State: events.PairActive}, false},
		{"no open pair", Load{Active: 1}, nil, false},
	} {
		c := cand("maya", "Maya", "security", 3, 0, levels)
		c.Load = tc.load
		got := Suggest(hire, gaps, WithoutOwnPlace([]Candidate{c}, tc.open), true, track)
		if len(got) != 1 || (got[0].Score == before) != tc.equal {
			t.Errorf("%s: score %v, before %d, want equal %v", tc.name, got, before, tc.equal)
		}
	}
}

// Partners are the two people of a mentorship from its acceptance until it ends, never
// while it is only proposed.
func TestPartnersWhileTheMentorshipLasts(t *testing.T) {
	s := NewState()
	at := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	seq := uint64(0)
	apply := func(actor, subject string, p events.Payload) {
		t.Helper()
		e, err := events.New(actor, subject, p, at)
		if err != nil {
			t.Fatal(err)
		}
		seq++
		if _, err := s.Apply(e, seq); err != nil {
			t.Fatal(err)
		}
	}
	steps := []struct {
		name             string
		do               func()
		ada, maya, grace []string
	}{
		{"proposed", func() {
			apply("lee", "p1", events.MentorshipProposed{Hire: "ada", Mentor: "maya", Score: 50})
			apply("lee", "p2", events.MentorshipProposed{Hire: "grace", Mentor: "maya", Score: 40})
		}, nil, nil, nil},
		{"one accepted", func() { apply("maya", "p1", events.MentorshipAccepted{Hire: "ada", Mentor: "maya"}) }, []string{"maya"}, []string{"ada"}, nil},
		{"both accepted", func() { apply("maya", "p2", events.MentorshipAccepted{Hire: "grace", Mentor: "maya"}) }, []string{"maya"}, []string{"ada", "grace"}, []string{"maya"}},
		{"one ended", func() { apply("lee", "p1", events.MentorshipEnded{Hire: "ada", Mentor: "maya", Reason: "done"}) }, nil, []string{"grace"}, []string{"maya"}},
	}
	for _, st := range steps {
		st.do()
		for person, want := range map[string][]string{"ada": st.ada, "maya": st.maya, "grace": st.grace} {
			if got := s.Partners(person); !slices.Equal(got, want) {
				t.Errorf("%s: Partners(%s) = %v, want %v", st.name, person, got, want)
			}
		}
	}
}
