package identity

import (
	"onramp.dev/events"
	"onramp.dev/events/identityapi"
)

// opens says which roles open each section of the portal; the people sections follow
// CanList and CanManage, which the people operations enforce.
var opens = []struct {
	section identityapi.Section
	open    func(p *Person) bool
}{
	{identityapi.MyOnboarding, func(p *Person) bool { return p.Has(events.RoleHire) }},
	{identityapi.TeamBoard, func(p *Person) bool { return p.Has(events.RoleLead) }},
	{identityapi.AllOnboardings, CanManage},
	{identityapi.OtherPlans, func(p *Person) bool {
		return CanManage(p) || p.Has(events.RoleLead, events.RoleMentor)
	}},
	{identityapi.People, CanList},
	{identityapi.ManagePeople, CanManage},
	{identityapi.EveryTeam, CanManage},
	{identityapi.TeamSkills, CanList},
	{identityapi.SkillReports, CanManage},
	{identityapi.SkillImport, CanManage},
	{identityapi.TeamTraining, CanList},
	{identityapi.TrainingReport, CanManage},
	{identityapi.FindMentor, CanList},
	{identityapi.MentorCoverage, CanManage},
	{identityapi.DeliveryProblems, CanManage},
}

// Opens lists the sections of the portal p's roles open, in navigation order. It decides
// what web shows and links; each service still refuses what p may not do.
func Opens(p *Person) []identityapi.Section {
	out := []identityapi.Section{}
	for _, o := range opens {
		if o.open(p) {
			out = append(out, o.section)
		}
	}
	return out
}
