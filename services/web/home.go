package web

import (
	"cmp"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"time"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
	"onramp.dev/events/mentorshipapi"
	"onramp.dev/events/onboardingapi"
	"onramp.dev/events/trainingapi"
	"onramp.dev/infra/rpc"
	"onramp.dev/views"
)

// homeWeek is how far ahead the home page looks for what is due.
const homeWeek = 7

// homeNow fills the home page's "what now?": for a hire, their progress, what is due this
// week (their own tasks and training, overdue first) and their mentor; for leads, HR and
// admin, figures that link to their lists and the hires with their progress. A part whose
// service does not answer is left out; the rest of the page still shows.
func (m *Main) homeNow(r *http.Request, v *viewer, h *views.Home) {
	today := time.Now().UTC()
	horizon := today.AddDate(0, 0, homeWeek).Format(events.DateLayout)
	if v.May(identityapi.MyOnboarding) {
		p, err := rpc.Do(r.Context(), m.nc, onboardingapi.OpPlanGet, v.caller(), events.PlanRequest{ID: events.PlanID(v.ID)})
		if err == nil {
			h.Progress = &views.HomeProgress{Done: p.Progress.Done, Total: p.Progress.Total, Overdue: p.Overdue, Href: "/onboarding"}
			for _, t := range p.Tasks {
				if !t.Done && t.CanComplete && t.Due <= horizon {
					h.Now = append(h.Now, views.HomeItem{Kind: "Task", Title: t.Title, Due: t.Due, Href: "/onboarding#task-" + t.ID})
				}
			}
		} else {
			m.log.Warn("home: plan", "err", err)
		}
		h.NowHeading = "Due this week"
	}
	if mine, err := rpc.Do(r.Context(), m.nc, trainingapi.OpMyTraining, v.caller(), events.ModuleRequest{}); err == nil {
		for _, it := range mine.Items {
			if it.Due != nil && *it.Due <= horizon && it.Status != events.StatusPassed {
				h.Now = append(h.Now, views.HomeItem{Kind: "Training", Title: it.Title, Due: *it.Due, Href: "/training/modules/" + url.PathEscape(it.Module)})
				h.NowHeading = cmp.Or(h.NowHeading, "Due this week")
			}
		}
	} else {
		m.log.Warn("home: training", "err", err)
	}
	slices.SortStableFunc(h.Now, func(a, b views.HomeItem) int { return cmp.Compare(a.Due, b.Due) })

	// The mentorships the viewer is in now: as the hire, their mentor; as a mentor (anyone
	// may opt in), their mentees.
	if pairs, err := rpc.Do(r.Context(), m.nc, mentorshipapi.OpMentorshipList, v.caller(), events.MentorshipsRequest{Involving: v.ID, State: events.PairActive}); err == nil {
		for _, x := range pairs.Items {
			hm := views.HomeMentor{ID: x.Mentor, Name: x.MentorName, Href: "/mentorship/pairs/" + url.PathEscape(x.ID)}
			for _, c := range x.Checkins {
				hm.LastCheckin = max(hm.LastCheckin, c.Date)
			}
			switch {
			case x.State != events.PairActive:
			case x.Hire == v.ID:
				h.Mentor = &hm
			case x.Mentor == v.ID:
				hm.ID, hm.Name = x.Hire, x.HireName
				h.Mentees = append(h.Mentees, hm)
			}
		}
	} else {
		m.log.Warn("home: mentorships", "err", err)
	}

	if v.May(identityapi.AllOnboardings) {
		m.homeHR(r, v, h)
		return
	}
	if !v.May(identityapi.TeamBoard) {
		return
	}
	// A lead's team: one page of their plans, counted here.
	plans, err := rpc.Do(r.Context(), m.nc, onboardingapi.OpPlansList, v.caller(), events.PlansRequest{Page: events.Page{Limit: events.MaxPageRows}, Team: v.Team})
	if err != nil {
		m.log.Warn("home: plans", "err", err)
		return
	}
	list := "/onboarding/team"
	active, overdue, late := 0, 0, 0
	for _, p := range plans.Items {
		if p.State == events.PlanComplete {
			continue
		}
		active++
		overdue += p.Overdue
		if p.Overdue > 0 {
			late++
		}
		hh := views.HomeHire{ID: p.Hire, Name: p.HireName, Href: "/onboarding/plans/" + url.PathEscape(p.ID), Done: p.Progress.Done, Total: p.Progress.Total, Late: p.Overdue}
		if p.NextDue != nil {
			hh.Next = p.NextDue.Title
		}
		h.Hires = append(h.Hires, hh)
	}
	slices.SortStableFunc(h.Hires, func(a, b views.HomeHire) int { return cmp.Compare(b.Late, a.Late) })
	if len(h.Hires) > 10 {
		h.Hires = h.Hires[:10]
	}
	h.Counts = append(h.Counts,
		views.HomeCount{Label: plural(active, "active onboarding", "active onboardings"), Value: active, Href: list},
		views.HomeCount{Label: plural(overdue, "overdue task", "overdue tasks"), Value: overdue, Href: list + "?overdue=1", Alert: overdue > 0},
		views.HomeCount{Label: plural(late, "hire behind schedule", "hires behind schedule"), Value: late, Href: list + "?overdue=1", Alert: late > 0},
	)
	if v.May(identityapi.TeamTraining) {
		if team, err := rpc.Do(r.Context(), m.nc, trainingapi.OpTeamTraining, v.caller(), events.TeamRequest{}); err == nil {
			late := 0
			for _, row := range team.Items {
				if row.Status == events.StatusOverdue {
					late++
				}
			}
			h.Counts = append(h.Counts, views.HomeCount{Label: plural(late, "overdue training module", "overdue training modules"), Value: late, Href: "/training/team", Alert: late > 0})
		}
		// A level people gave themselves, or one they claim above the standing one, waits
		// for the lead's verification: the team matrix's totals count them.
		t, err := rpc.Call[events.SkillReport](r.Context(), m.nc, m.skillsOp(events.OpReportMatrix), v.caller(), events.SkillReportRequest{Team: v.Team, Limit: 1})
		if err == nil && t.Totals != nil {
			claims := 0
			for _, n := range t.Totals.Claims {
				claims += n
			}
			h.Counts = append(h.Counts, views.HomeCount{Label: plural(claims, "claimed skill to verify", "claimed skills to verify"), Value: claims, Href: "/skills/team", Alert: claims > 0})
		}
	}
}

// homeHR fills HR's and admin's figures from totals the services keep, never from the
// whole organisation's rows: onboardings and those behind schedule (with the ten most
// overdue hires), hires without a mentor, certifications expiring, training compliance.
func (m *Main) homeHR(r *http.Request, v *viewer, h *views.Home) {
	list := "/onboarding/all"
	all, err := rpc.Do(r.Context(), m.nc, onboardingapi.OpPlansList, v.caller(), events.PlansRequest{Page: events.Page{Limit: 1}, Trend: homeTrendWeeks})
	if err != nil {
		m.log.Warn("home: plans", "err", err)
		return
	}
	behind, err := rpc.Do(r.Context(), m.nc, onboardingapi.OpPlansList, v.caller(), events.PlansRequest{Page: events.Page{Limit: 10}, OverdueOnly: true})
	if err != nil {
		m.log.Warn("home: plans", "err", err)
		return
	}
	for _, p := range behind.Items {
		hh := views.HomeHire{ID: p.Hire, Name: p.HireName, Href: "/onboarding/plans/" + url.PathEscape(p.ID), Done: p.Progress.Done, Total: p.Progress.Total, Late: p.Overdue}
		if p.NextDue != nil {
			hh.Next = p.NextDue.Title
		}
		h.Hires = append(h.Hires, hh)
	}
	h.Counts = append(h.Counts,
		views.HomeCount{Label: plural(all.Total, "onboarding", "onboardings"), Value: all.Total, Href: list},
		views.HomeCount{Label: plural(behind.Total, "hire behind schedule", "hires behind schedule"), Value: behind.Total, Href: list + "?overdue=1", Alert: behind.Total > 0},
	)
	h.Charts = append(h.Charts, views.BarChart{ID: "chart-onboardings", Title: "Onboardings",
		Desc: fmt.Sprintf("%d onboardings on schedule, %d behind schedule.", all.Total-behind.Total, behind.Total),
		Bars: []views.Bar{{Label: "On schedule", Value: all.Total - behind.Total}, {Label: "Behind schedule", Value: behind.Total, Alert: behind.Total > 0}}})
	if t := onboardingTrend(all.Trend); t != nil {
		h.Trends = append(h.Trends, *t)
	}
	cov, err := rpc.Do(r.Context(), m.nc, mentorshipapi.OpMentorCoverage, v.caller(), events.CoverageRequest{Page: events.Page{Limit: 1}, List: events.CoverageWithout})
	if err == nil {
		h.Counts = append(h.Counts, views.HomeCount{Label: plural(cov.Without, "hire without a mentor", "hires without a mentor"), Value: cov.Without, Href: "/mentorship/coverage", Alert: cov.Without > 0})
		h.Charts = append(h.Charts, views.BarChart{ID: "chart-mentors", Title: "Mentors",
			Desc: fmt.Sprintf("%d hires with a mentor, %d without.", cov.With, cov.Without),
			Bars: []views.Bar{{Label: "Hires with a mentor", Value: cov.With}, {Label: "Hires without a mentor", Value: cov.Without, Alert: cov.Without > 0}}})
	}
	if certs, err := rpc.Call[events.SkillReport](r.Context(), m.nc, m.skillsOp(events.OpReportCerts), v.caller(), events.SkillReportRequest{}); err == nil {
		h.Counts = append(h.Counts, views.HomeCount{Label: plural(certs.Total, "certification expiring in 90 days", "certifications expiring in 90 days"), Value: certs.Total,
			Href: "/skills/reports?report=certifications", Alert: certs.Total > 0})
	}
	if rep, err := rpc.Do(r.Context(), m.nc, trainingapi.OpReport, v.caller(), events.ReportRequest{Trend: homeTrendWeeks}); err == nil {
		assigned, passed, late := 0, 0, 0
		for _, c := range rep.Modules {
			assigned, passed, late = assigned+c.Assigned, passed+c.Passed, late+c.Overdue
		}
		if assigned > 0 {
			h.Counts = append(h.Counts, views.HomeCount{Label: "% of assigned training passed", Value: passed * 100 / assigned, Href: "/training/report"})
		}
		h.Counts = append(h.Counts, views.HomeCount{Label: plural(late, "overdue training module", "overdue training modules"), Value: late, Href: "/training/report", Alert: late > 0})
		if t := complianceTrend(rep.Trend); t != nil {
			h.Trends = append(h.Trends, *t)
		}
	}
}

// homeTrendWeeks is how many weeks HR's home charts.
const homeTrendWeeks = 12

// weekLabel names a week by its Monday: "16 Nov".
func weekLabel(monday string) string {
	d, err := time.Parse(time.DateOnly, monday)
	if err != nil {
		return monday
	}
	return d.Format("2 Jan")
}

// onboardingTrend charts onboardings started and completed per week.
func onboardingTrend(weeks []events.WeekCount) *views.TrendChart {
	if len(weeks) == 0 {
		return nil
	}
	c := views.TrendChart{ID: "trend-onboardings", Title: "Onboardings per week", Series: [2]string{"started", "completed"}}
	started, completed := 0, 0
	for _, w := range weeks {
		c.Weeks = append(c.Weeks, views.TrendWeek{Label: weekLabel(w.Week), Values: [2]int{w.Started, w.Completed}})
		started, completed = started+w.Started, completed+w.Completed
	}
	last := weeks[len(weeks)-1]
	c.Desc = fmt.Sprintf("Over the last %d weeks %d onboardings started and %d were completed; this week %d started and %d were completed.",
		len(weeks), started, completed, last.Started, last.Completed)
	return &c
}

// complianceTrend charts, per week, the training assignments due and those passed in time.
func complianceTrend(weeks []events.ComplianceWeek) *views.TrendChart {
	if len(weeks) == 0 {
		return nil
	}
	c := views.TrendChart{ID: "trend-compliance", Title: "Training due per week", Series: [2]string{"due", "passed in time"}}
	due, onTime := 0, 0
	for _, w := range weeks {
		c.Weeks = append(c.Weeks, views.TrendWeek{Label: weekLabel(w.Week), Values: [2]int{w.Due, w.OnTime}})
		due, onTime = due+w.Due, onTime+w.OnTime
	}
	c.Desc = fmt.Sprintf("Over the last %d weeks %d training assignments fell due and %d of them were passed in time.", len(weeks), due, onTime)
	if due > 0 {
		c.Desc += fmt.Sprintf(" That is %d%%.", onTime*100/due)
	}
	return &c
}
