package mentorship

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"onramp.dev/events"
)

// Mentor coverage kept as events are applied and as the directory changes agrees with a
// recount over every hire the directory knows — after each of hundreds of random
// mentorships proposed, accepted, declined and ended, and hires joining, disabled and
// enabled — paged through, and after a snapshot and restore.
func TestCoverageAgreesWithARecount(t *testing.T) {
	tests := []struct {
		name          string
		seed          uint64
		people, steps int
	}{
		{"few", 1, 5, 150},
		{"more", 2, 30, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(tt.seed, 5))
			s, seq := NewState(), uint64(0)
			people := map[string]hireInfo{}
			ids := make([]string, tt.people)
			for i := range ids {
				ids[i] = fmt.Sprintf("h%02d", i)
			}
			check := func(t *testing.T, s *State, step string) {
				t.Helper()
				var with, without []string
				for _, id := range slices.Sorted(maps.Keys(people)) {
					info := people[id]
					if !info.hire || !info.active {
						continue
					}
					key := CoverageKey(CoverageRef{Name: info.name, Hire: id})
					if p, ok := s.OpenFor(id); ok && p.State == events.PairActive {
						with = append(with, key)
					} else {
						without = append(without, key)
					}
				}
				slices.Sort(with)
				slices.Sort(without)
				for _, list := range []struct {
					with bool
					want []string
				}{{true, with}, {false, without}} {
					got := []string{}
					page := events.Page{Limit: 4}
					for {
						rows, info, nWithout, nWith, err := s.Coverage(list.with, page)
						if err != nil {
							t.Fatal(err)
						}
						if nWith != len(with) || nWithout != len(without) || info.Total != len(list.want) {
							t.Fatalf("%s: with %d without %d total %d, recount %d, %d", step, nWith, nWithout, info.Total, len(with), len(without))
						}
						for _, r := range rows {
							got = append(got, CoverageKey(r))
						}
						if page.Cursor = info.Next; page.Cursor == "" {
							break
						}
					}
					if !slices.Equal(got, list.want) {
						t.Fatalf("%s: with=%v %q, recount %q", step, list.with, got, list.want)
					}
				}
			}
			for step := range tt.steps {
				hire := ids[rnd.IntN(len(ids))]
				if rnd.IntN(4) == 0 {
					info, ok := people[hire]
					if !ok {
						info = hireInfo{name: fmt.Sprintf("Hire %d", rnd.IntN(5)), hire: rnd.IntN(5) > 0, active: true}
					} else {
						info.active = !info.active
					}
					people[hire] = info
					s.SetPerson(hire, info.name, info.hire, info.active)
					check(t, s, fmt.Sprintf("step %d: directory changes %s", step, hire))
					continue
				}
				var subject string
				var e events.Payload
				if p, ok := s.OpenFor(hire); ok && rnd.IntN(3) > 0 {
					subject = p.ID
					switch {
					case p.State == events.PairProposed && rnd.IntN(2) == 0:
						e = events.MentorshipAccepted{Hire: hire, Mentor: p.Mentor}
					case p.State == events.PairProposed && rnd.IntN(2) == 0:
						e = events.MentorshipDeclined{Hire: hire, Mentor: p.Mentor}
					default:
						e = events.MentorshipEnded{Hire: hire, Mentor: p.Mentor, Reason: "done"}
					}
				} else if !ok {
					subject = fmt.Sprintf("pair-%d", step)
					e = events.MentorshipProposed{Hire: hire, Mentor: "maya", Score: 50}
				} else {
					continue
				}
				env, err := events.New("hr", subject, e, time.Date(2026, 11, 20, 0, 0, 0, 0, time.UTC))
				if err != nil {
					t.Fatal(err)
				}
				seq++
				if _, err := s.Apply(env, seq); err != nil {
					t.Fatal(err)
				}
				check(t, s, fmt.Sprintf("step %d: %s for %s", step, e.EventType(), hire))
			}
			var snap bytes.Buffer
			if err := s.Snapshot(&snap); err != nil {
				t.Fatal(err)
			}
			restored := NewState()
			known := slices.Sorted(maps.Keys(people))
			for _, id := range known[:len(known)/2] {
				restored.SetPerson(id, people[id].name, people[id].hire, people[id].active)
			}
			if err := restored.Restore(&snap); err != nil {
				t.Fatal(err)
			}
			for _, id := range known {
				restored.SetPerson(id, people[id].name, people[id].hire, people[id].active)
			}
			check(t, restored, "restored")
		})
	}
}
