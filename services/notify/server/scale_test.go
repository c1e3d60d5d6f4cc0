package server

import (
	"flag"
	"fmt"
	"testing"
	"time"

	"onramp.dev/events"
	"onramp.dev/infra/servicetest"
	"onramp.dev/services/notify"
)

var scaleStaff = flag.Int("reminder-staff", 100, "staff of TestReminderSweepAtScale (teams of a lead and 19 hires, and 2 HR)")

// TestReminderSweepAtScale: an organisation whose hires each have overdueEach tasks a
// week or more overdue gets one reminder e-mail per person from a sweep — the hires, their
// leads and HR — where the ladder told each rung of each item to each recipient before
// (logged beside it). go test -run TestReminderSweepAtScale -v -reminder-staff 2000 for
// the figure at 2,000 staff.
func TestReminderSweepAtScale(t *testing.T) {
	const overdueEach, teamSize, hrs = 10, 20, 2
	f := setup(t)
	staff := max(*scaleStaff, teamSize+hrs)
	teams := (staff - hrs + teamSize - 1) / teamSize
	hired := func(id, team, lead string, roles ...string) {
		f.append("hr", id, events.StaffHired{Email: id + "@example.org", Name: "Name " + id, Roles: roles, Team: team, Lead: lead,
			Track: "platform", StartDate: "2026-11-02"})
	}
	for i := range hrs {
		hired(fmt.Sprintf("hr%d", i), "people", "", events.RoleHR)
	}
	var hires []string
	for tm := range teams {
		team, lead := fmt.Sprintf("team%03d", tm), fmt.Sprintf("lead%03d", tm)
		hired(lead, team, "", events.RoleLead)
		for i := range teamSize - 1 {
			id := fmt.Sprintf("h%03d-%02d", tm, i)
			hired(id, team, lead, events.RoleHire)
			hires = append(hires, id)
		}
	}
	people := hrs + teams + len(hires)
	last := hires[len(hires)-1]
	waitFor(t, "the directory", func() bool { _, ok := f.m.dir.Person(last); return ok })

	// Each hire's tasks were due 15 to 24 days before Monday 14 December.
	for _, h := range hires {
		var tasks []events.PlanTask
		for i := range overdueEach {
			tasks = append(tasks, events.PlanTask{ID: fmt.Sprintf("t%02d", i), Title: fmt.Sprintf("Task %02d", i), Section: "Week 1",
				Owner: events.OwnerHire, Assignee: h, Due: fmt.Sprintf("2026-11-%02d", 20+i)})
		}
		p, _ := f.m.dir.Person(h)
		f.append("onboarding", events.PlanID(h), events.PlanCreated{Hire: h, Name: p.Name, Team: p.Team, Lead: p.Lead, Track: "platform",
			StartDate: "2026-11-02", TemplateVersion: 1, Source: events.NewID(time.Now()), Tasks: tasks})
	}
	// Every hire and lead is told of each plan first (two e-mails a plan).
	waitRising(t, "the plans' e-mails", f.ms.Count, 2*len(hires))
	waitFor(t, "the agenda", func() bool { return len(f.m.agenda.Open()) == overdueEach*len(hires) })

	// What the per-rung ladder told on such a day: each rung of each item to each of its
	// recipients.
	today := "2026-12-14"
	perRung := 0
	for _, it := range f.m.agenda.Open() {
		for _, r := range notify.Rungs(it.Due, today) {
			switch r.To {
			case "owner", "lead":
				perRung++ // one holder, one recorded lead
			case "hr":
				perRung += hrs
			}
		}
	}
	before := f.ms.Count()
	t0 := time.Now()
	f.sweepAt(t, time.Date(2026, 12, 14, 10, 0, 0, 0, time.UTC))
	took := time.Since(t0)
	waitRising(t, "the reminders' e-mails", f.ms.Count, before+people)
	f.sweepAt(t, time.Date(2026, 12, 14, 16, 0, 0, 0, time.UTC))
	for _, id := range []string{"hr0", "lead000", hires[0], last} {
		if n := len(f.reminders(id)); n != 1 {
			t.Errorf("%s: %d reminders, want 1", id, n)
		}
	}
	stored := len(f.storedMails(t))
	if sent := f.ms.Count() - before; sent != people || stored != 2*len(hires)+people {
		t.Fatalf("%d reminder e-mails sent, %d e-mails recorded in all; want %d (one per person) and %d", sent, stored, people, 2*len(hires)+people)
	}
	t.Logf("%d staff (%d hires with %d overdue tasks each, %d leads, %d HR): one sweep (%v) e-mailed %d reminders; the per-rung ladder told %d",
		people, len(hires), overdueEach, teams, hrs, took.Round(time.Millisecond), people, perRung)
}

// waitRising waits until count reaches want, failing only when it stops rising for
// servicetest.Patience (a large organisation's mail takes longer than one Patience).
func waitRising(t *testing.T, what string, count func() int, want int) {
	t.Helper()
	for now := count(); now < want; now = count() {
		servicetest.WaitFor(t, fmt.Sprintf("%s to rise past %d of %d", what, now, want), func() bool { return count() > now })
	}
}
