package training

import (
	"fmt"
	"testing"

	"onramp.dev/events"
)

// BenchmarkCompliance: the report's summary per module and its first page for N active
// people with three modules assigned each, read from the kept figures and worked out again
// from every person's list (what a request cost before, after any change); and the
// upkeep: applying one lesson read.
func BenchmarkCompliance(b *testing.B) {
	for _, n := range []int{2500, 10000} {
		mods := modules(&testing.T{})
		s := NewState(mods)
		people := map[string]personInfo{}
		ids := make([]string, n)
		for i := range ids {
			ids[i] = fmt.Sprintf("p%05d", i)
			people[ids[i]] = personInfo{name: fmt.Sprintf("Person %d", i), active: true}
			s.SetPerson(ids[i], people[ids[i]].name, true)
		}
		a := &applier{t: &testing.T{}, s: s}
		for j, m := range mods[:3] {
			a.apply("hr", fmt.Sprintf("asg-%d", j), events.AssignmentCreated{Module: m.ID, Kind: events.AssignTrack, Target: "infrastructure", Due: fmt.Sprintf("2026-12-%02d", 10+j), People: ids})
		}
		b.Run(fmt.Sprintf("report/kept/%d", n), func(b *testing.B) {
			for b.Loop() {
				_ = s.Compliance(today)
				if _, _, err := s.ReportPage(events.Page{Limit: 50}); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("report/recount/%d", n), func(b *testing.B) {
			for b.Loop() {
				_, _ = recountCompliance(s, people, today)
			}
		})
		b.Run(fmt.Sprintf("event/%d", n), func(b *testing.B) {
			i := 0
			for b.Loop() {
				a.apply(ids[i%n], ids[i%n], events.LessonRead{Person: ids[i%n], Module: mods[i%3].ID, Lesson: mods[i%3].Lessons[0].ID})
				i++
			}
		})
	}
}
