package content_test

import (
	"slices"
	"testing"

	"onramp.dev/content"
	"onramp.dev/content/onboarding"
	"onramp.dev/content/skills"
	"onramp.dev/content/training"
)

// The pieces of content refer to each other: modules evidence catalogue skills at levels
// inside their ranges, and every track has a template, profiles and modules.
func TestContentFitsTogether(t *testing.T) {
	cat, err := skills.Load()
	if err != nil {
		t.Fatal(err)
	}
	mods, err := training.Load()
	if err != nil {
		t.Fatal(err)
	}
	known := func(id string) (int, int, bool) {
		s, ok := cat.Skill(id)
		return s.MinLevel, s.MaxLevel, ok
	}
	if err := training.CheckSkills(mods, known); err != nil {
		t.Fatal(err)
	}
	templates, err := onboarding.Load()
	if err != nil {
		t.Fatal(err)
	}
	for track, tpl := range templates {
		for _, task := range tpl.Tasks {
			if task.Module != "" && !slices.ContainsFunc(mods, func(m training.Module) bool { return m.ID == task.Module }) {
				t.Errorf("template %s, task %s: no training module %q", track, task.ID, task.Module)
			}
		}
	}
	tracks, _ := content.Tracks()
	for _, tr := range tracks {
		if _, ok := templates[tr.ID]; !ok {
			t.Errorf("track %s has no onboarding template", tr.ID)
		}
		n := 0
		for _, m := range mods {
			for _, mt := range m.Tracks {
				if mt == tr.ID {
					n++
				}
			}
		}
		if n == 0 {
			t.Errorf("track %s has no training module", tr.ID)
		}
	}
}
