package skills

import (
	"errors"
	"strings"
	"testing"

	"onramp.dev/content"
)

func TestLevels(t *testing.T) {
	want := []string{"follow", "assist", "apply", "enable", "ensure and advise", "initiate and influence", "set strategy"}
	if len(Levels) != len(want) {
		t.Fatalf("got %d levels, want %d", len(Levels), len(want))
	}
	for i, name := range want {
		if Levels[i].Number != i+1 || Levels[i].Name != name || Levels[i].Summary == "" {
			t.Errorf("level %d = %+v, want %q with a summary", i+1, Levels[i], name)
		}
		if LevelName(i+1) != name {
			t.Errorf("LevelName(%d) = %q", i+1, LevelName(i+1))
		}
	}
	for _, n := range []int{-1, 0, 8} {
		if LevelName(n) != "" {
			t.Errorf("LevelName(%d) = %q, want empty", n, LevelName(n))
		}
	}
}

func TestLoadShippedCatalogue(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(c.Skills) < 42 {
		t.Errorf("%d skills, want at least 42", len(c.Skills))
	}
	perCategory := map[string]int{}
	for _, s := range c.Skills {
		perCategory[s.Category]++
		if got, ok := c.Skill(s.ID); !ok || got != s {
			t.Errorf("Skill(%q) = %+v, %v", s.ID, got, ok)
		}
		if n := len(strings.Fields(s.Description)); n < 6 || n > 45 {
			t.Errorf("skill %s: description of %d words; keep it to one or two sentences", s.ID, n)
		}
	}
	for _, cat := range Categories {
		if perCategory[cat.ID] < 8 {
			t.Errorf("category %s has %d skills, want at least 8", cat.ID, perCategory[cat.ID])
		}
	}
	if s, ok := c.Skill("it-strategy"); !ok || s.MinLevel < 4 {
		t.Errorf("it-strategy = %+v, %v; strategy work should start at level 4 or above", s, ok)
	}
	if _, ok := c.Skill("no-such-skill"); ok {
		t.Error("Skill(no-such-skill) found")
	}

	tracks, err := content.Tracks()
	if err != nil {
		t.Fatal(err)
	}
	if want := len(tracks) * len(Seniorities); len(c.Profiles) != want {
		t.Errorf("%d profiles, want %d", len(c.Profiles), want)
	}
	for _, tr := range tracks {
		prev := map[string]int{}
		for _, sen := range Seniorities {
			p, ok := c.Profile(tr.ID, sen.ID)
			if !ok {
				t.Errorf("no profile for %s/%s", tr.ID, sen.ID)
				continue
			}
			if n := len(p.Targets); n < MinTargets || n > MaxTargets {
				t.Errorf("%s/%s: %d targets", tr.ID, sen.ID, n)
			}
			for _, tg := range p.Targets {
				s, ok := c.Skill(tg.Skill)
				if !ok || !s.HasLevel(tg.Level) {
					t.Errorf("%s/%s: bad target %+v", tr.ID, sen.ID, tg)
				}
				if tg.Level < prev[tg.Skill] {
					t.Errorf("%s/%s: %s drops to %d", tr.ID, sen.ID, tg.Skill, tg.Level)
				}
				prev[tg.Skill] = tg.Level
			}
		}
	}
	if _, ok := c.Profile("security", "intern"); ok {
		t.Error("Profile(security, intern) found")
	}
}

// testSkills is a small valid catalogue for the validation tests.
const testSkills = `
- {id: s1, name: One, category: technical, description: D, min_level: 1, max_level: 6}
- {id: s2, name: Two, category: technical, description: D, min_level: 1, max_level: 6}
- {id: s3, name: Three, category: management, description: D, min_level: 2, max_level: 7}
- {id: s4, name: Four, category: people, description: D, min_level: 1, max_level: 5}
- {id: s5, name: Five, category: people, description: D, min_level: 3, max_level: 7}
- {id: s6, name: Six, category: technical, description: D, min_level: 1, max_level: 4}
`

// testProfiles builds valid profiles for every track; the junior, senior and lead
// targets of each skill are 2, 3 and 4.
func testProfiles(t *testing.T) string {
	t.Helper()
	tracks, err := content.Tracks()
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, tr := range tracks {
		for i, sen := range []string{"junior", "senior", "lead"} {
			b.WriteString("- track: " + tr.ID + "\n  seniority: " + sen + "\n  targets:\n")
			for _, s := range []string{"s1", "s2", "s3", "s4", "s5", "s6"} {
				level := 2 + i
				if s == "s5" {
					level = 3 + i
				}
				b.WriteString("    - {skill: " + s + ", level: " + string(rune('0'+level)) + "}\n")
			}
		}
	}
	return b.String()
}

func TestParseValid(t *testing.T) {
	c, err := parse([]byte(testSkills), []byte(testProfiles(t)))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.Skills) != 6 || len(c.Profiles) != 18 {
		t.Fatalf("got %d skills and %d profiles", len(c.Skills), len(c.Profiles))
	}
	p, ok := c.Profile("project", "lead")
	if !ok {
		t.Fatal("no project/lead profile")
	}
	if tg, ok := p.Target("s5"); !ok || tg.Level != 5 {
		t.Errorf("project/lead s5 = %+v, %v", tg, ok)
	}
}

func TestParseRejects(t *testing.T) {
	profiles := testProfiles(t)
	// replaceSkill swaps the line of skill id in testSkills for line.
	replaceSkill := func(id, line string) string {
		var out []string
		for _, l := range strings.Split(testSkills, "\n") {
			if strings.HasPrefix(l, "- {id: "+id+",") {
				l = line
			}
			out = append(out, l)
		}
		return strings.Join(out, "\n")
	}
	// edit replaces the first occurrence of old in profiles, after the line containing
	// "track: <track>\n  seniority: <sen>".
	edit := func(track, sen, old, new string) string {
		anchor := "- track: " + track + "\n  seniority: " + sen + "\n"
		i := strings.Index(profiles, anchor)
		if i < 0 {
			t.Fatalf("no profile %s/%s", track, sen)
		}
		j := strings.Index(profiles[i:], old)
		if j < 0 {
			t.Fatalf("%q not in profile %s/%s", old, track, sen)
		}
		return profiles[:i+j] + new + profiles[i+j+len(old):]
	}
	dropProfile := func(track, sen string) string {
		anchor := "- track: " + track + "\n  seniority: " + sen + "\n"
		i := strings.Index(profiles, anchor)
		j := strings.Index(profiles[i+1:], "- track:")
		if j < 0 {
			return profiles[:i]
		}
		return profiles[:i] + profiles[i+1+j:]
	}
	for _, tc := range []struct {
		name     string
		skills   string
		profiles string
		err      error
		msg      []string
	}{
		{"duplicate skill id", replaceSkill("s2", "- {id: s1, name: Two, category: technical, description: D, min_level: 1, max_level: 6}"), profiles,
			ErrDuplicate, []string{"catalogue.yaml:3", "skill 2 (s1)", `"s1"`}},
		{"unknown category", replaceSkill("s2", "- {id: s2, name: Two, category: cooking, description: D, min_level: 1, max_level: 6}"), profiles,
			ErrUnknownCategory, []string{"skill 2 (s2)", `"cooking"`}},
		{"min above max", replaceSkill("s2", "- {id: s2, name: Two, category: technical, description: D, min_level: 5, max_level: 3}"), profiles,
			ErrBadRange, []string{"5..3"}},
		{"min below 1", replaceSkill("s2", "- {id: s2, name: Two, category: technical, description: D, min_level: 0, max_level: 3}"), profiles,
			ErrBadRange, []string{"0..3"}},
		{"max above 7", replaceSkill("s2", "- {id: s2, name: Two, category: technical, description: D, min_level: 1, max_level: 8}"), profiles,
			ErrBadRange, []string{"1..8"}},
		{"missing name", replaceSkill("s2", "- {id: s2, category: technical, description: D, min_level: 1, max_level: 6}"), profiles,
			ErrMissingField, []string{"skill 2 (s2)", "name"}},
		{"missing description", replaceSkill("s2", "- {id: s2, name: Two, category: technical, min_level: 1, max_level: 6}"), profiles,
			ErrMissingField, []string{"description"}},
		{"missing category", replaceSkill("s2", "- {id: s2, name: Two, description: D, min_level: 1, max_level: 6}"), profiles,
			ErrMissingField, []string{"category"}},
		{"missing id", replaceSkill("s6", "- {name: Six, category: technical, description: D, min_level: 1, max_level: 4}"), profiles,
			ErrMissingField, []string{"skill 6:", "id"}},
		{"missing max level", replaceSkill("s2", "- {id: s2, name: Two, category: technical, description: D, min_level: 1}"), profiles,
			ErrMissingField, []string{"max_level"}},
		{"id not kebab-case", replaceSkill("s2", "- {id: Skill Two, name: Two, category: technical, description: D, min_level: 1, max_level: 6}"), profiles,
			ErrBadID, []string{"Skill Two"}},
		{"level not whole", replaceSkill("s2", "- {id: s2, name: Two, category: technical, description: D, min_level: 1.5, max_level: 6}"), profiles,
			ErrSyntax, []string{"catalogue.yaml", "1.5"}},
		{"misspelt skill field", replaceSkill("s2", "- {id: s2, name: Two, category: technical, descripton: D, min_level: 1, max_level: 6}"), profiles,
			ErrSyntax, []string{"descripton"}},
		{"misspelt profile field", testSkills, strings.Replace(profiles, "targets:", "target:", 1),
			ErrSyntax, []string{"profiles.yaml", "target"}},
		{"empty catalogue", "", profiles, ErrSyntax, []string{"empty"}},
		{"unknown skill in profile", testSkills, edit("security", "senior", "skill: s2,", "skill: s9,"),
			ErrUnknownSkill, []string{"profiles.yaml:", "security/senior", "target 2 (s9)", `"s9"`}},
		{"target above range", testSkills, edit("operations", "lead", "{skill: s6, level: 4}", "{skill: s6, level: 5}"),
			ErrTargetOutOfRange, []string{"operations/lead", "s6", "level 5", "1..4"}},
		{"target below range", testSkills, edit("operations", "junior", "{skill: s5, level: 3}", "{skill: s5, level: 2}"),
			ErrTargetOutOfRange, []string{"operations/junior", "3..7"}},
		{"target drops with seniority", testSkills, edit("development", "lead", "{skill: s1, level: 4}", "{skill: s1, level: 2}"),
			ErrNotMonotonic, []string{"track development", "s1", "3 for senior but 2 for lead"}},
		{"lead below junior", testSkills, edit("development", "lead", "{skill: s1, level: 4}", "{skill: s1, level: 1}"),
			ErrNotMonotonic, []string{"2 for junior but 1 for lead"}},
		{"missing seniority", testSkills, dropProfile("project", "senior"),
			ErrMissingProfile, []string{"track project", `"senior"`}},
		{"missing last profile", testSkills, dropProfile("service-desk", "lead"),
			ErrMissingProfile, []string{"track service-desk", `"lead"`}},
		{"unknown seniority", testSkills, edit("project", "senior", "seniority: senior", "seniority: principal"),
			ErrUnknownSeniority, []string{`"principal"`}},
		{"unknown track", testSkills, edit("project", "senior", "track: project", "track: astronaut"),
			ErrUnknownTrack, []string{`"astronaut"`}},
		{"duplicate profile", testSkills, profiles + "- track: project\n  seniority: lead\n  targets: []\n",
			ErrDuplicate, []string{"project/lead", "first given as profile"}},
		{"too few targets", testSkills, edit("security", "junior", "    - {skill: s1, level: 2}\n", ""),
			ErrTargetCount, []string{"security/junior", "5 (want 6 to 12)"}},
		{"duplicate target", testSkills, edit("security", "junior", "{skill: s2,", "{skill: s1,"),
			ErrDuplicate, []string{"target 2 (s1)"}},
		{"target without level", testSkills, edit("security", "junior", "{skill: s2, level: 2}", "{skill: s2}"),
			ErrMissingField, []string{"target 2 (s2)", "level"}},
		{"target level not whole", testSkills, edit("security", "junior", "{skill: s2, level: 2}", "{skill: s2, level: two}"),
			ErrSyntax, []string{"two"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parse([]byte(tc.skills), []byte(tc.profiles))
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, tc.err) {
				t.Errorf("error does not wrap %q:\n%v", tc.err, err)
			}
			msg := err.Error()
			if !strings.Contains(msg, tc.err.Error()) {
				t.Errorf("error does not mention %q:\n%s", tc.err, msg)
			}
			for _, s := range tc.msg {
				if !strings.Contains(msg, s) {
					t.Errorf("error does not mention %q:\n%s", s, msg)
				}
			}
		})
	}
}

func TestParseTooManyTargets(t *testing.T) {
	profiles := testProfiles(t)
	var extra strings.Builder
	for i := 7; i <= 13; i++ {
		extra.WriteString("\n    - {skill: x" + string(rune('a'+i)) + ", level: 1}")
	}
	skills := testSkills
	for i := 7; i <= 13; i++ {
		skills += "- {id: x" + string(rune('a'+i)) + ", name: X, category: people, description: D, min_level: 1, max_level: 7}\n"
	}
	profiles = strings.Replace(profiles, "targets:", "targets:"+extra.String(), 1)
	_, err := parse([]byte(skills), []byte(profiles))
	if !errors.Is(err, ErrTargetCount) || !strings.Contains(err.Error(), "13 (want 6 to 12)") {
		t.Errorf("got %v, want a target count error for 13 targets", err)
	}
}
