package server

import (
	"context"
	"slices"
	"testing"
	"time"

	"onramp.dev/events"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/rpc"
)

// skillsCall calls the skills service as who ("system": the system).
func skillsCall[Resp any](f *fixture, op, who string, req any) (Resp, error) {
	c := f.caller[who]
	if who == "system" {
		c = rpc.Caller{System: true}
	}
	return rpc.Call[Resp](context.Background(), f.env.NATS, events.RPC(events.SkillsService, op), c, req)
}

// caughtUp waits until mentorship has read every skills record event on the stream.
func (f *fixture) caughtUp() {
	f.t.Helper()
	last, err := bus.LastSeq(context.Background(), f.js, "SKILLS", events.Prefix+".skills.record.>")
	if err != nil {
		f.t.Fatal(err)
	}
	if !f.m.WaitSkills(context.Background(), last, 10*time.Second) {
		f.t.Fatalf("mentorship did not read skills stream sequence %d", last)
	}
}

// eligible is what maya may offer as a mentor, as mentorship tells her.
func (f *fixture) eligible(who string) []string {
	f.t.Helper()
	f.caughtUp()
	v := must[events.MentorProfileView](f.t)(call[events.MentorProfileView](f, events.OpProfileGet, who, events.MentorProfileRequest{}))
	var out []string
	for _, s := range v.Eligible {
		out = append(out, s.Skill)
	}
	return out
}

// Skills owns standing: a certification people record for themselves is their own claim
// and never lets them mentor; one their lead records does, until it expires.
func TestCertificationStandingDecidesWhoMayMentor(t *testing.T) {
	f := setup(t)
	day := func(d int) string { return f.clock.Now().AddDate(0, 0, d).Format(events.DateLayout) }
	cert := events.SkillCertifyRequest{Person: "maya", Name: "Troubleshooting Pro", Issuer: "Acme", Issued: day(-30), Expires: day(10),
		Skill: "troubleshooting", Level: 4}
	offer := events.MentorProfileRequest{Skills: []string{"networking", "troubleshooting"}, Capacity: 2}

	must[events.SkillCertification](t)(skillsCall[events.SkillCertification](f, events.OpRecordCertify, "maya", cert))
	if got := f.eligible("maya"); slices.Contains(got, "troubleshooting") {
		t.Fatalf("self-recorded certification makes maya eligible: %v", got)
	}
	if _, err := call[events.MentorProfileView](f, events.OpProfilePut, "maya", offer); code(err) != events.CodeInvalid {
		t.Fatalf("offering a self-certified skill: %v", err)
	}

	cert.Name = "Troubleshooting Pro (checked)"
	must[events.SkillCertification](t)(skillsCall[events.SkillCertification](f, events.OpRecordCertify, "sam", cert))
	if got := f.eligible("maya"); !slices.Contains(got, "troubleshooting") {
		t.Fatalf("lead-recorded certification does not make maya eligible: %v", got)
	}
	v := must[events.MentorProfileView](t)(call[events.MentorProfileView](f, events.OpProfilePut, "maya", offer))
	if i := slices.IndexFunc(v.Skills, func(s events.MentorSkill) bool { return s.Skill == "troubleshooting" }); i < 0 ||
		v.Skills[i].Level != 4 || v.Skills[i].Source != events.SourceCertification {
		t.Fatalf("profile skills = %+v", v.Skills)
	}

	f.clock.Add(11 * 24 * time.Hour)
	if n := must[struct{ Expired int }](t)(skillsCall[struct{ Expired int }](f, events.OpSkillsSweepExpired, "system", nil)); n.Expired != 2 {
		t.Fatalf("expired %d certifications, want 2", n.Expired)
	}
	if got := f.eligible("maya"); slices.Contains(got, "troubleshooting") || !slices.Contains(got, "networking") {
		t.Fatalf("after expiry maya may offer %v", got)
	}
	v = must[events.MentorProfileView](t)(call[events.MentorProfileView](f, events.OpProfileGet, "maya", events.MentorProfileRequest{}))
	if i := slices.IndexFunc(v.Skills, func(s events.MentorSkill) bool { return s.Skill == "troubleshooting" }); i < 0 || v.Skills[i].Level != 0 {
		t.Fatalf("expired certification still counts: %+v", v.Skills)
	}
}

// The gaps mentorship shows come from the skills service, with the training that closes
// each.
func TestGapsCarryTheirModules(t *testing.T) {
	f := setup(t)
	got := must[events.SuggestionsReply](t)(call[events.SuggestionsReply](f, events.OpSuggestions, "lee", events.SuggestionsRequest{Hire: "ada"}))
	rec := must[events.SkillRecordReply](t)(skillsCall[events.SkillRecordReply](f, events.OpRecordGet, "lee", events.SkillRecordRequest{Person: "ada"}))
	if len(got.Gaps) == 0 || len(got.Gaps) != len(rec.Gaps) {
		t.Fatalf("gaps %+v, skills says %+v", got.Gaps, rec.Gaps)
	}
	withModules := 0
	for i, g := range got.Gaps {
		if g.Skill != rec.Gaps[i].Skill || g.Level != rec.Gaps[i].Level || len(g.Modules) != len(rec.Gaps[i].Modules) {
			t.Errorf("gap %d = %+v, skills says %+v", i, g, rec.Gaps[i])
		}
		if len(g.Modules) > 0 {
			withModules++
		}
	}
	if withModules == 0 {
		t.Fatalf("no gap lists its training: %+v", got.Gaps)
	}
}
