package server

import (
	"slices"
	"testing"

	"onramp.dev/events"
)

// Skills HR imports reach mentorship through the skills service's catalogue
// announcements: mentors may offer them, profiles show their names, check-ins may name
// them.
func TestImportedSkillsAppearInMentorProfiles(t *testing.T) {
	f := setup(t)
	f.caller["hr"] = f.token("hr", "people", events.RoleHR)
	good := "- code: ORG-PLC\n  name: PLC programming\n  category: Operational Technology\n  min_level: 1\n  max_level: 5\n"
	must[events.SkillImportReply](t)(skillsCall[events.SkillImportReply](f, events.OpSkillsImport, "hr", events.SkillImportRequest{Filename: "org.yaml", Content: good}))
	must[events.SkillRecordItem](t)(skillsCall[events.SkillRecordItem](f, events.OpRecordVerify, "sam", events.SkillLevelRequest{Person: "maya", Skill: "ORG-PLC", Level: 3}))
	if got := f.eligible("maya"); !slices.Contains(got, "ORG-PLC") {
		t.Fatalf("maya may offer %v", got)
	}
	v := must[events.MentorProfileView](t)(call[events.MentorProfileView](f, events.OpProfilePut, "maya", events.MentorProfileRequest{Skills: []string{"ORG-PLC"}, Capacity: 1}))
	if len(v.Skills) != 1 || v.Skills[0].Name != "PLC programming" || v.Skills[0].Level != 3 || v.Skills[0].Source != events.SourceVerified {
		t.Fatalf("profile skills = %+v", v.Skills)
	}
	p := must[events.MentorshipView](t)(f.propose("sam", "eve", "maya", ""))
	must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpMentorshipAccept, "maya", events.MentorshipRequest{ID: p.ID}))
	c := must[events.MentorshipView](t)(call[events.MentorshipView](f, events.OpCheckinLog, "maya", events.CheckinRequest{ID: p.ID,
		Date: f.today.Format(events.DateLayout), Notes: "ladder logic", Skills: []string{"ORG-PLC"}}))
	if len(c.Checkins) != 1 || !slices.Equal(c.Checkins[0].Skills, []string{"ORG-PLC"}) {
		t.Fatalf("check-ins = %+v", c.Checkins)
	}
}
