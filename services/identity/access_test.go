package identity

import (
	"slices"
	"testing"

	"onramp.dev/events/identityapi"
)

func TestOpens(t *testing.T) {
	for _, c := range []struct {
		name  string
		roles []string
		open  []identityapi.Section
		shut  []identityapi.Section
	}{
		{"no roles", nil, nil, []identityapi.Section{identityapi.MyOnboarding, identityapi.People, identityapi.OtherPlans, identityapi.FindMentor}},
		{"hire", []string{"hire"}, []identityapi.Section{identityapi.MyOnboarding},
			[]identityapi.Section{identityapi.People, identityapi.OtherPlans, identityapi.TeamBoard, identityapi.ManagePeople}},
		{"mentor", []string{"mentor"}, []identityapi.Section{identityapi.OtherPlans},
			[]identityapi.Section{identityapi.MyOnboarding, identityapi.People, identityapi.FindMentor}},
		{"it", []string{"it"}, nil, []identityapi.Section{identityapi.OtherPlans, identityapi.People, identityapi.DeliveryProblems}},
		{"lead", []string{"lead"},
			[]identityapi.Section{identityapi.TeamBoard, identityapi.OtherPlans, identityapi.People, identityapi.TeamSkills, identityapi.TeamTraining, identityapi.FindMentor},
			[]identityapi.Section{identityapi.MyOnboarding, identityapi.ManagePeople, identityapi.AllOnboardings, identityapi.EveryTeam, identityapi.SkillReports,
				identityapi.SkillImport, identityapi.TrainingReport, identityapi.MentorCoverage, identityapi.DeliveryProblems}},
		{"hr", []string{"hr"},
			[]identityapi.Section{identityapi.AllOnboardings, identityapi.People, identityapi.ManagePeople, identityapi.EveryTeam, identityapi.SkillReports,
				identityapi.SkillImport, identityapi.TrainingReport, identityapi.MentorCoverage, identityapi.DeliveryProblems, identityapi.FindMentor},
			[]identityapi.Section{identityapi.MyOnboarding, identityapi.TeamBoard}},
		{"admin", []string{"admin"}, []identityapi.Section{identityapi.ManagePeople, identityapi.SkillImport, identityapi.MentorCoverage},
			[]identityapi.Section{identityapi.MyOnboarding, identityapi.TeamBoard}},
		{"hire and lead", []string{"hire", "lead"}, []identityapi.Section{identityapi.MyOnboarding, identityapi.TeamBoard, identityapi.People},
			[]identityapi.Section{identityapi.ManagePeople}},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Opens(&Person{ID: "p", Roles: c.roles})
			for _, s := range c.open {
				if !slices.Contains(got, s) {
					t.Errorf("roles %v: %s is shut, want open (opens %v)", c.roles, s, got)
				}
			}
			for _, s := range c.shut {
				if slices.Contains(got, s) {
					t.Errorf("roles %v: %s is open, want shut", c.roles, s)
				}
			}
		})
	}
}
