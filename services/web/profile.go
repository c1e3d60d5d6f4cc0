package web

import (
	"net/http"
	"net/url"
	"strings"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
	"onramp.dev/events/onboardingapi"
	"onramp.dev/events/skillsapi"
	"onramp.dev/events/trainingapi"
	"onramp.dev/infra/rpc"
	"onramp.dev/views"
)

// profilePage shows one person. Web holds no rule about who may see whom: each part comes
// from the service that owns it, asked with the viewer's token — identity (the person: the
// person themself, their team's lead, HR and admin), onboarding (the plan: also the mentor
// while the mentorship lasts), training and skills. A part refused is left out; when both
// identity and onboarding refuse, the viewer may not see this person at all.
func (m *Main) profilePage(w http.ResponseWriter, r *http.Request, v *viewer) {
	id := r.PathValue("id")
	ctx := r.Context()
	nm := m.names(ctx)
	pv := views.Profile{ID: id, Self: id == v.ID}

	person, personErr := rpc.Do(ctx, m.nc, identityapi.OpPeopleGet, v.caller(), events.PersonRequest{ID: id})
	plan, planErr := rpc.Do(ctx, m.nc, onboardingapi.OpPlanGet, v.caller(), events.PlanRequest{ID: events.PlanID(id)})
	switch {
	case personErr == nil:
		pv.Name, pv.Email, pv.Team, pv.Track, pv.Lead, pv.StartDate = person.Name, person.Email, person.Team, nm.track(person.Track), person.Lead, person.StartDate
		pv.Disabled, pv.Invited = !person.Active, person.Active && person.NeedsPassword
		pv.Roles = strings.Join(events.WordsOfRoles(person.Roles), ", ")
	case planErr == nil:
		pv.Name, pv.Team, pv.Track, pv.Lead, pv.StartDate = plan.HireName, plan.Team, nm.track(plan.Track), plan.Lead, plan.StartDate
	default:
		m.fail(w, r, personErr)
		return
	}
	// Names the plan carries (its tasks name their assignees: the mentor, the lead) are
	// used before identity is asked.
	names := m.namer(r, v, map[string]string{id: pv.Name})
	if planErr == nil {
		names = m.planNames(r, v, plan)
	}
	pv.LeadName = names(pv.Lead)
	if planErr == nil {
		pv.Plan = &views.ProfilePlan{ID: plan.ID, State: stateName(plan.State), Done: plan.Progress.Done, Total: plan.Progress.Total, Overdue: plan.Overdue}
		pv.Mentor, pv.MentorName = plan.Mentor, names(plan.Mentor)
	} else if c := events.CodeOf(planErr); c != events.CodeNotFound && c != events.CodeForbidden {
		m.logFailure(r, planErr) // the rest of the profile still shows
	}

	// Training: one's own list, or the person's rows of their team's table (training
	// decides: their lead, HR and admin).
	if pv.Self {
		if mine, err := rpc.Do(ctx, m.nc, trainingapi.OpMyTraining, v.caller(), events.ModuleRequest{}); err == nil {
			pv.TrainingShown = true
			for _, it := range mine.Items {
				pv.Training = append(pv.Training, trainingItem(it))
			}
		}
	} else if rows, err := rpc.Do(ctx, m.nc, trainingapi.OpTeamTraining, v.caller(), events.TeamRequest{Person: id, Page: events.Page{Limit: events.MaxPageRows}}); err == nil {
		pv.TrainingShown = true
		for _, row := range rows.Items {
			pv.Training = append(pv.Training, trainingItem(row.LearnerItem))
		}
	}

	// Skills: the chart and the gaps, each gap with the modules that close it.
	if rec, err := rpc.Do(ctx, m.nc, skillsapi.OpRecordGet, v.caller(), events.SkillRecordRequest{Person: id}); err == nil {
		chart := skillChart(skillRows(rec.Items, names))
		pv.Skills, pv.Gaps, pv.SkillsHref = &chart, gapRows(rec.Gaps), "/people/"+url.PathEscape(id)+"/skills"
	}
	title := pv.Name
	if pv.Self {
		title = "My profile"
	}
	m.render(w, r, http.StatusOK, views.ProfilePage(m.pageFor(r, title), pv))
}
