package skills

import (
	"fmt"
	"testing"

	"onramp.dev/events"
)

// BenchmarkMatrix10k: the skill matrix of 10,000 people × 40 recorded skills, computed
// from the in-memory read model (what report.matrix does per request, before paging).
func BenchmarkMatrix10k(b *testing.B) {
	s := newState(b)
	people := make([]Person, 10000)
	seq := uint64(1)
	skills := s.Skills()[:40]
	for i := range people {
		id := fmt.Sprintf("p%05d", i)
		people[i] = Person{ID: id, Name: id, Team: fmt.Sprintf("team-%d", i%50), Track: "infrastructure", StartDate: "2024-01-01"}
		for j, sk := range skills {
			lvl := sk.MinLevel + (i+j)%(sk.MaxLevel-sk.MinLevel+1)
			var p events.Payload = events.SkillAssessed{Skill: sk.ID, Level: lvl}
			if j%3 == 0 {
				p = events.SkillVerified{Skill: sk.ID, Level: lvl}
			}
			env, _ := events.New("x", id, p, t0)
			if _, err := s.Apply(env, seq); err != nil {
				b.Fatal(err)
			}
			seq++
		}
	}
	f := Filter{At: t0.AddDate(0, 1, 0)}
	b.Run("all-rows", func(b *testing.B) {
		for b.Loop() {
			_ = s.Matrix(people, f, 0, 0)
		}
	})
	b.Run("page-1000", func(b *testing.B) {
		for b.Loop() {
			_ = s.Matrix(people, f, 0, 1000)
		}
	})
	b.Run("team-200", func(b *testing.B) {
		team := people[:200]
		for b.Loop() {
			_ = s.Matrix(team, f, 0, 0)
		}
	})
	b.Run("coverage", func(b *testing.B) {
		for b.Loop() {
			_ = s.Coverage(people, f)
		}
	})
}
