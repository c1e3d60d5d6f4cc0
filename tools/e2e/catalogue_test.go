package e2e

import (
	"encoding/json"
	"io"
	"net/url"
	"slices"
	"strings"
	"testing"

	"onramp.dev/events"
)

// Skills HR imports reach every skill picker and the mentor profiles: web and mentorship
// read the skills service's effective catalogue, never the shipped file.
func TestImportedSkillsReachPickersAndMentorProfiles(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	hr, mentor := token(t, c, "hr@demo.onramp"), token(t, c, "mentor@demo.onramp")
	const j = "application/json"
	good, _ := json.Marshal(map[string]string{"filename": "org.yaml",
		"content": "- code: ORG-PLC\n  name: PLC programming\n  category: Operational Technology\n  min_level: 1\n  max_level: 5\n"})
	if resp := c.do(t, "POST", "/api/v1/skills/import", j, string(good), bearer(hr)...); resp.StatusCode != 201 {
		t.Fatalf("import: %d", resp.StatusCode)
	}

	// The check-in picker of the demo mentorship offers the imported skill.
	pair := demoMentorship(t, c, hr)
	page := newClient(p.URL())
	login(t, page, "mentor@demo.onramp")
	resp := page.do(t, "GET", "/mentorship/pairs/"+url.PathEscape(pair.ID), "", "")
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(body), `value="ORG-PLC"`) || !strings.Contains(string(body), "PLC programming") {
		t.Fatalf("mentorship page (%d) has no imported skill in its picker", resp.StatusCode)
	}

	// Once HR verifies the mentor's level, the mentor may offer it, under its name.
	if resp := c.do(t, "POST", "/api/v1/people/demo-mentor/skills/ORG-PLC/verifications", j, `{"level":3}`, bearer(hr)...); resp.StatusCode != 201 {
		t.Fatalf("verify: %d", resp.StatusCode)
	}
	waitFor(t, "the imported skill is eligible", func() bool {
		v := decodeJSON[events.MentorProfileView](t, c.do(t, "GET", "/api/v1/me/mentor-profile", "", "", bearer(mentor)...))
		return slices.ContainsFunc(v.Eligible, func(s events.MentorSkill) bool { return s.Skill == "ORG-PLC" && s.Name == "PLC programming" })
	})
	v := decodeJSON[events.MentorProfileView](t, c.do(t, "GET", "/api/v1/me/mentor-profile", "", "", bearer(mentor)...))
	skills := []string{"ORG-PLC"}
	for _, s := range v.Skills {
		skills = append(skills, s.Skill)
	}
	req, _ := json.Marshal(map[string]any{"skills": skills, "capacity": v.Capacity, "notes": v.Notes})
	resp = c.do(t, "PUT", "/api/v1/me/mentor-profile", j, string(req), bearer(mentor)...)
	saved := decodeJSON[events.MentorProfileView](t, resp)
	if resp.StatusCode != 200 || !slices.ContainsFunc(saved.Skills, func(s events.MentorSkill) bool {
		return s.Skill == "ORG-PLC" && s.Name == "PLC programming" && s.Level == 3
	}) {
		t.Fatalf("profile save: %d %+v", resp.StatusCode, saved.Skills)
	}
}
