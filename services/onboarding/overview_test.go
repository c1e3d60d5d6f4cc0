package onboarding

import (
	"bytes"
	"cmp"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"onramp.dev/events"
)

// recount is the figures of Overview, Behind and Problems worked out again from every
// plan, the way they were before they were kept.
func recount(s *State, today string) (o Overview, behind, problems []string) {
	for _, p := range s.Plans(func(*Plan) bool { return true }) {
		switch {
		case p.Problem != "":
			o.Problems++
			problems = append(problems, p.ID)
		default:
			o.Plans++
			if p.OverdueCount(today) > 0 {
				o.Behind++
				behind = append(behind, p.ID)
			}
		}
	}
	return o, behind, problems
}

// queueCallers are the callers whose queues the tests compare: a hire, the lead of each
// team (as a person and as the team's lead), a mentor, IT and HR.
var queueCallers = []Caller{
	{ID: "h03"}, {ID: "lee", Roles: []string{events.RoleLead}, Team: "t"}, {ID: "lou", Roles: []string{events.RoleLead}, Team: "u"},
	{ID: "maya", Roles: []string{"mentor"}}, {ID: "ivy", Roles: []string{events.RoleIT}}, {ID: "hal", Roles: []string{events.RoleHR}},
}

// recountQueue is c's task queue worked out again from every task of every plan, the way
// it was before the queues were kept: overdue first, then by due date, hire, plan, task.
func recountQueue(s *State, c Caller, today string) []string {
	return queueIDs(queueRecount(s, c, today), today)
}

func queueRecount(s *State, c Caller, today string) []QueueItem {
	var items []QueueItem
	for _, p := range s.plans {
		for i := range p.Tasks {
			t := &p.Tasks[i]
			mine := !t.Done && (c.ID != "" && t.Assignee() == c.ID ||
				t.Assignee() == events.QueueIT && c.Has(events.RoleIT) ||
				t.Assignee() == events.QueueHR && c.Has(events.RoleHR) ||
				t.Owner == events.OwnerLead && t.Assignee() == "" && c.leads(p))
			if mine {
				items = append(items, QueueItem{Plan: p, Task: t})
			}
		}
	}
	slices.SortFunc(items, func(a, b QueueItem) int {
		ao, bo := a.Task.Overdue(today), b.Task.Overdue(today)
		if ao != bo {
			if ao {
				return -1
			}
			return 1
		}
		return cmp.Or(cmp.Compare(a.Task.Due(), b.Task.Due()), cmp.Compare(a.Plan.Name, b.Plan.Name), cmp.Compare(a.Plan.ID, b.Plan.ID), cmp.Compare(a.Task.ID, b.Task.ID))
	})
	return items
}

func queueIDs(items []QueueItem, today string) []string {
	out := []string{}
	for _, q := range items {
		out = append(out, fmt.Sprintf("%s.%s(%s,%v)", q.Plan.ID, q.Task.ID, q.Task.Due(), q.Task.Overdue(today)))
	}
	return out
}

// checkQueues pages through each caller's queue, forwards and back, and compares it with
// a recount on day today.
func checkQueues(t *testing.T, s *State, today, step string) {
	t.Helper()
	for _, c := range queueCallers {
		want := recountQueue(s, c, today)
		var got []string
		page := events.Page{Limit: 7}
		for {
			items, info, err := s.Queue(c, page)
			if err != nil {
				t.Fatal(err)
			}
			if info.Total != len(want) || info.First != len(got) {
				t.Fatalf("%s, on %s, %s's queue: total %d first %d, recount %d rows, %d paged", step, today, c.ID, info.Total, info.First, len(want), len(got))
			}
			if info.Prev != "" { // the page before is the seven rows before
				before, _, err := s.Queue(c, events.Page{Limit: 7, Cursor: info.Prev})
				if err != nil {
					t.Fatal(err)
				}
				if b := queueIDs(before, today); !slices.Equal(b, got[len(got)-7:]) {
					t.Fatalf("%s, %s's queue: page before %v, want %v", step, c.ID, b, got[len(got)-7:])
				}
			}
			got = append(got, queueIDs(items, today)...)
			if info.Next == "" {
				break
			}
			page.Cursor = info.Next
		}
		if !slices.Equal(got, want) {
			t.Fatalf("%s, on %s, %s's queue:\n%v\nrecount:\n%v", step, today, c.ID, got, want)
		}
	}
}

func ids(plans []*Plan) []string {
	out := []string{}
	for _, p := range plans {
		out = append(out, p.ID)
	}
	return out
}

// The figures kept as events are applied (and the overdue sweep that reads them, and
// everyone's task queue) agree
// with a count over every plan after every event — plans made and refused, tasks done, reopened, moved, announced overdue, added and removed — on
// every day from before the first due date to after the last, so they stay right as
// days pass; and a state restored from a snapshot keeps them too.
func TestOverviewAgreesWithARecount(t *testing.T) {
	days := []string{"2026-10-01", "2026-11-21", "2026-11-24", "2026-12-01", "2026-12-02", "2026-12-09", "2026-12-20", "2027-01-15", "2027-06-01"}
	check := func(t *testing.T, s *State, step string) {
		t.Helper()
		for _, today := range days {
			want, behind, problems := recount(s, today)
			if got := s.Overview(today); got != want {
				t.Fatalf("%s, on %s: Overview %+v, recount %+v", step, today, got, want)
			}
			for _, limit := range []int{1, 3, 10, 1000} {
				if got := ids(s.Behind(today, limit)); !slices.Equal(got, behind[:min(limit, len(behind))]) {
					t.Fatalf("%s, on %s: Behind(%d) %v, recount %v", step, today, limit, got, behind)
				}
			}
			if got := ids(s.Problems(5)); !slices.Equal(got, problems[:min(5, len(problems))]) {
				t.Fatalf("%s: Problems %v, recount %v", step, got, problems)
			}
			var due []OverdueTask // every task of every plan
			for _, p := range s.plans {
				for _, task := range p.Tasks {
					if task.Overdue(today) && task.OverdueSent() != task.Due() {
						due = append(due, OverdueTask{Plan: p.ID, Task: task.ID, Due: task.Due(), Assignee: task.Assignee()})
					}
				}
			}
			slices.SortFunc(due, func(a, b OverdueTask) int { return cmp.Or(cmp.Compare(a.Plan, b.Plan), cmp.Compare(a.Task, b.Task)) })
			if got := s.DueOverdue(today); !slices.Equal(got, due) {
				t.Fatalf("%s, on %s: DueOverdue %v, recount %v", step, today, got, due)
			}
		}
		for _, today := range []string{days[0], days[3], days[len(days)-1]} { // before, among and after the due dates
			checkQueues(t, s, today, step)
		}
	}
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprint("seed ", seed), func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(seed, seed))
			s, seq := NewState(), uint64(0)
			apply := func(planID string, p events.Payload) {
				t.Helper()
				seq++
				env, err := events.New("hr", planID, p, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC))
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.Apply(env, seq); err != nil {
					t.Fatal(err)
				}
			}
			check(t, s, "empty")
			for i := range 30 {
				hire := fmt.Sprintf("h%02d", i)
				start := time.Date(2026, 11, 1+rnd.IntN(40), 0, 0, 0, 0, time.UTC).Format(events.DateLayout)
				if i%7 == 6 {
					apply(events.PlanID(hire), events.PlanRejected{Hire: hire, Name: "Hire " + hire, Team: "t", Track: "none", Reason: "no such track", Source: "s" + hire})
					continue
				}
				created, err := DecideCreate(Hired{Hire: hire, Name: fmt.Sprintf("Hire %d", rnd.IntN(5)), Team: []string{"t", "u"}[i%2], Lead: []string{"lee", "lou"}[i%2], Track: "infrastructure", StartDate: start, Source: "s" + hire}, templates)
				if err != nil {
					t.Fatal(err)
				}
				apply(events.PlanID(hire), created)
			}
			check(t, s, "made")
			var plans []*Plan
			for _, p := range s.Plans(func(p *Plan) bool { return p.Problem == "" }) {
				plans = append(plans, p)
			}
			for step := range 200 {
				p := plans[rnd.IntN(len(plans))]
				if len(p.Tasks) == 0 {
					continue
				}
				task := p.Tasks[rnd.IntN(len(p.Tasks))]
				due := time.Date(2026, 11, 15+rnd.IntN(60), 0, 0, 0, 0, time.UTC).Format(events.DateLayout)
				var e events.Payload
				switch k := rnd.IntN(10); {
				case k < 5 && !task.Done:
					e = events.TaskCompleted{Task: task.ID}
				case k < 6 && task.Done:
					e = events.TaskReopened{Task: task.ID, Reason: "again"}
				case k < 7 && !task.Done:
					e = events.TaskChanged{Task: task.ID, Due: due}
				case k < 8 && !task.Done && task.OverdueSent() != task.Due():
					e = events.TaskOverdue{Task: task.ID, Due: task.Due(), Assignee: task.Assignee()}
				case k < 8 && rnd.IntN(3) == 0:
					decide := DecideMentor // a mentor joins, or the one there leaves
					if p.Mentor == "maya" {
						decide = DecideMentorEnded
					}
					if m, ok := decide(p, "maya", fmt.Sprintf("m%d", step)); ok {
						e = m
					}
				case k < 9:
					owner, queue := events.OwnerHR, events.QueueHR
					if rnd.IntN(2) == 0 {
						owner, queue = events.OwnerLead, ""
					}
					e = events.TaskAdded{Task: events.PlanTask{ID: fmt.Sprintf("extra-%d", step), Title: "Extra", Section: "Week 1", Owner: owner, Assignee: queue, Due: due}}
				default:
					e = events.TaskRemoved{Task: task.ID, Reason: "not needed"}
				}
				if e == nil {
					continue
				}
				apply(p.ID, e)
				check(t, s, fmt.Sprintf("event %d (%s on %s)", step, e.EventType(), p.ID))
			}

			var snap bytes.Buffer
			if err := s.Snapshot(&snap); err != nil {
				t.Fatal(err)
			}
			restored := NewState()
			if err := restored.Restore(&snap); err != nil {
				t.Fatal(err)
			}
			check(t, restored, "restored")
			for _, today := range days {
				if a, b := s.Overview(today), restored.Overview(today); a != b {
					t.Fatalf("on %s: %+v before the snapshot, %+v after", today, a, b)
				}
			}
		})
	}
}
