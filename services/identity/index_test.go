package identity

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"onramp.dev/events"
)

// The teams and the holders of each role, kept in the indexes HR's invite form reads,
// agree with a count over everyone after each of many random hires, disables and
// enables, and after a snapshot and restore.
func TestTeamsAndRolesAgreeWithEveryone(t *testing.T) {
	now := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	roles := []string{events.RoleHire, events.RoleLead, events.RoleMentor, events.RoleHR}
	tests := []struct {
		name  string
		seed  uint64
		steps int
	}{
		{"a few", 1, 30},
		{"many", 2, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(tt.seed, 3))
			s, seq := NewState(), uint64(0)
			check := func(t *testing.T, s *State, step string) {
				t.Helper()
				all := s.People(func(*Person) bool { return true })
				var teams []string
				for _, p := range all {
					if !slices.Contains(teams, p.Team) {
						teams = append(teams, p.Team)
					}
				}
				slices.Sort(teams)
				if got := s.Teams(); !slices.Equal(got, teams) {
					t.Fatalf("%s: teams %v, everyone's %v", step, got, teams)
				}
				for _, r := range roles {
					active := func(p *Person) bool { return p.Active && p.Has(r) }
					if got, want := ids(s.RolePeople(r, active)), ids(s.People(active)); !slices.Equal(got, want) {
						t.Fatalf("%s: active %s %v, everyone's %v", step, r, got, want)
					}
				}
			}
			var people []string
			for step := range tt.steps {
				seq++
				var env events.Envelope
				var err error
				if k := rnd.IntN(4); k > 0 || len(people) == 0 {
					id := fmt.Sprintf("p%03d", step)
					people = append(people, id)
					env, err = events.New("hr", id, events.StaffHired{Email: id + "@example.org", Name: fmt.Sprintf("Person %d", rnd.IntN(20)),
						Roles: []string{roles[rnd.IntN(len(roles))]}, Team: fmt.Sprintf("team%d", rnd.IntN(8)), Track: "infrastructure", StartDate: "2026-12-01"}, now)
				} else {
					id := people[rnd.IntN(len(people))]
					var p events.Payload = events.StaffDisabled{Reason: "left"}
					if q, _ := s.Person(id); !q.Active {
						p = events.StaffEnabled{}
					}
					env, err = events.New("hr", id, p, now)
				}
				if err != nil {
					t.Fatal(err)
				}
				if _, err := s.Apply(env, seq); err != nil {
					t.Fatal(err)
				}
				check(t, s, fmt.Sprintf("step %d (%s)", step, env.Type))
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
		})
	}
}

func ids(people []*Person) []string {
	out := []string{}
	for _, p := range people {
		out = append(out, p.ID)
	}
	return out
}
