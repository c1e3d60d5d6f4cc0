package skills

import (
	"encoding/json"
	"testing"
	"time"

	"onramp.dev/events"
)

// Stand puts on each record event the standing it leaves, by the level rules: a
// certification people record for themselves is their claim, one recorded by their lead is
// evidence while valid, and its expiry takes that away.
func TestStandPublishesTheResultingStanding(t *testing.T) {
	day0 := time.Date(2026, 6, 1, 9, 0, 0, 0, time.UTC)
	cert := events.CertificationAdded{Name: "Net Pro", Issuer: "Acme", Issued: "2026-01-01", Expires: "2026-06-30", Skill: "networking", Level: 4}
	steps := []struct {
		name, actor string
		at          time.Time
		p           func() events.Payload
		want        events.SkillStanding
	}{
		{"self-assessed", "p", day0, func() events.Payload { return events.SkillAssessed{Skill: "networking", Level: 2} },
			events.SkillStanding{Skill: "networking", Level: 2, Source: events.SourceSelf}},
		{"self-recorded certification", "p", day0, func() events.Payload { c := cert; c.ID = "c1"; return c },
			events.SkillStanding{Skill: "networking", Level: 4, Source: events.SourceSelf}},
		{"lead-recorded certification", "lead", day0, func() events.Payload { c := cert; c.ID = "c2"; return c },
			events.SkillStanding{Skill: "networking", Level: 4, Source: events.SourceCertification, Mentorable: true}},
		{"expired", events.System, day0.AddDate(0, 1, 0), func() events.Payload {
			return events.CertificationExpired{ID: "c2", Name: cert.Name, Expires: cert.Expires}
		}, events.SkillStanding{Skill: "networking", Level: 2, Source: events.SourceSelf}},
		{"verified", "lead", day0.AddDate(0, 1, 0), func() events.Payload { return events.SkillVerified{Skill: "networking", Level: 3} },
			events.SkillStanding{Skill: "networking", Level: 3, Source: events.SourceVerified, Mentorable: true}},
	}
	s := &State{docs: map[string]*Doc{}}
	seq := uint64(0)
	for _, st := range steps {
		d, _ := s.Doc("p")
		p, err := Stand(d, "p", st.actor, st.p(), st.at)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		env, err := events.New(st.actor, "p", p, st.at)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		var got struct{ Standing []events.SkillStanding }
		if err := json.Unmarshal(env.Data, &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Standing) != 1 || got.Standing[0] != st.want {
			t.Errorf("%s: standing %+v, want %+v", st.name, got.Standing, st.want)
		}
		seq++
		if _, err := s.Apply(env, seq); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
	if d, _ := s.Doc("p"); !d.Stated {
		t.Error("a record whose first event carried its standing is not marked stated")
	}
}

// A certification is recorded once held: the standing its event carries must not change
// later by itself, so an issue date after today is refused.
func TestCertificationIssuedInTheFutureIsRefused(t *testing.T) {
	s := newState(t)
	req := events.SkillCertifyRequest{Name: "Net Pro", Issuer: "Acme", Skill: "networking", Level: 3}
	for _, c := range []struct {
		issued string
		ok     bool
	}{{"2026-06-01", true}, {"2026-05-31", true}, {"2026-06-02", false}} {
		req.Issued = c.issued
		_, err := s.DecideCertification(req, "c", "2026-06-01")
		if (err == nil) != c.ok {
			t.Errorf("issued %s: %v", c.issued, err)
		}
		if !c.ok && events.CodeOf(err) != events.CodeInvalid {
			t.Errorf("issued %s: code %s", c.issued, events.CodeOf(err))
		}
	}
}
