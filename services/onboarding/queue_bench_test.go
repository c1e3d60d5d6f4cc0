package onboarding

import (
	"fmt"
	"testing"
	"time"

	"onramp.dev/events"
)

// BenchmarkQueue: one page of HR's task queue among N plans (teams of 20), read from the
// kept queues, and of a lead's (their own tasks on their team's plans and the team's queue),
// and HR's worked out again from every task (what a request cost before, after any change);
// and the upkeep: applying one task event.
func BenchmarkQueue(b *testing.B) {
	for _, n := range []int{2500, 10000} {
		s := NewState()
		seq := uint64(0)
		at := time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC)
		for i := range n {
			hire := fmt.Sprintf("h%05d", i)
			created, err := DecideCreate(Hired{Hire: hire, Name: fmt.Sprintf("Hire %d", i), Team: fmt.Sprintf("team%d", i/20), Lead: fmt.Sprintf("lead%d", i/20),
				Track: "infrastructure", StartDate: at.AddDate(0, 0, i%60).Format(events.DateLayout), Source: "s" + hire}, templates)
			if err != nil {
				b.Fatal(err)
			}
			env, _ := events.New("hr", events.PlanID(hire), created, at)
			seq++
			if _, err := s.Apply(env, seq); err != nil {
				b.Fatal(err)
			}
		}
		hr := Caller{ID: "hal", Roles: []string{events.RoleHR}}
		today := "2026-12-02"
		b.Run(fmt.Sprintf("page/kept/%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := s.Queue(hr, events.Page{Limit: 50}); err != nil {
					b.Fatal(err)
				}
			}
		})
		lead := Caller{ID: "lead7", Roles: []string{events.RoleLead}, Team: "team7"}
		b.Run(fmt.Sprintf("lead-page/kept/%d", n), func(b *testing.B) {
			for b.Loop() {
				if _, _, err := s.Queue(lead, events.Page{Limit: 50}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("page/recount/%d", n), func(b *testing.B) {
			for b.Loop() {
				_ = queueRecount(s, hr, today)
			}
		})
		p, _ := s.Plan(events.PlanID("h00007"))
		b.Run(fmt.Sprintf("event/%d", n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				task := p.Tasks[i%len(p.Tasks)]
				var e events.Payload = events.TaskChanged{Task: task.ID, Due: at.AddDate(0, 0, i%30).Format(events.DateLayout)}
				env, _ := events.New("hr", p.ID, e, at)
				seq++
				if _, err := s.Apply(env, seq); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
