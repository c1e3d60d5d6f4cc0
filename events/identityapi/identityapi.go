// Package identityapi is the identity service's own contract with its callers: the answers
// that carry what the caller may do, decided by identity. Cross-domain events and the
// shared request types stay in package events.
package identityapi

import (
	"slices"

	"onramp.dev/events"
)

// Section is a part of the portal a person may open. Identity decides which sections a
// person's roles open (identity.Opens); web builds its navigation from the answer and keeps
// no role rules of its own. Each service still refuses what the caller may not do.
type Section string

// The portal's sections.
const (
	MyOnboarding     Section = "onboarding.mine"     // the hire's own plan
	TeamBoard        Section = "onboarding.team"     // the lead's team board
	AllOnboardings   Section = "onboarding.all"      // every onboarding, with export
	OtherPlans       Section = "onboarding.plans"    // plans of people other than oneself
	People           Section = "people"              // the people list (a lead's own team)
	ManagePeople     Section = "people.manage"       // invite, disable, enable, set-password links
	EveryTeam        Section = "teams.all"           // filters and pickers over every team
	TeamSkills       Section = "skills.team"         // the team skill matrix
	SkillReports     Section = "skills.reports"      // skill reports and downloads
	SkillImport      Section = "skills.import"       // importing a skills framework
	TeamTraining     Section = "training.team"       // assigning training and following a team
	TrainingReport   Section = "training.report"     // the compliance report
	FindMentor       Section = "mentorship.find"     // ranking mentors for a hire
	MentorCoverage   Section = "mentorship.coverage" // hires without a mentor, mentors' load
	DeliveryProblems Section = "notify.problems"     // e-mails that could not be delivered
)

// Session answers events.OpSession: the signed-in person as they are now, and the sections
// their roles open.
type Session struct {
	events.Person
	Opens []Section `json:"opens"`
}

// May reports whether the session opens section s.
func (s Session) May(sec Section) bool { return slices.Contains(s.Opens, sec) }

// PersonRow is one person in the people list, with what the caller may do with the account.
type PersonRow struct {
	events.Person
	// CanManage: the caller may issue a set-password link, disable or enable this account
	// (identity.CanManagePerson).
	CanManage bool `json:"can_manage"`
}

// PeopleReply answers events.OpPeopleList: one page of the people the caller may see.
type PeopleReply struct {
	Items []PersonRow `json:"items"`
	events.PageInfo
	// CanInvite: the caller may invite people (identity.CanManage).
	CanInvite bool `json:"can_invite"`
}
