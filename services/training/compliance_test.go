package training

import (
	"bytes"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"onramp.dev/events"
)

// personInfo is what the directory says of a person, as the test keeps it.
type personInfo struct {
	name   string
	active bool
}

// recountCompliance works the report's summary per module and its rows out again from
// every person's list, the way the server did before the figures were kept: the active
// people (in people) with any assignment or progress, each module on their list.
func recountCompliance(s *State, people map[string]personInfo, today string) ([]events.ReportCount, []string) {
	byModule := map[string]*events.ReportCount{}
	var rows []string
	for _, id := range s.People() {
		info, ok := people[id]
		if !ok || !info.active {
			continue
		}
		for _, it := range s.Items(id, today) {
			rows = append(rows, strings.ToLower(info.name)+"\x00"+info.name+"\x00"+id+"\x00"+it.Module)
			if !it.Assigned {
				continue
			}
			rc := byModule[it.Module]
			if rc == nil {
				rc = &events.ReportCount{Key: it.Module, Label: it.Title}
				byModule[it.Module] = rc
			}
			rc.Assigned++
			switch it.Status {
			case events.StatusPassed:
				rc.Passed++
			case events.StatusOverdue:
				rc.Overdue++
			}
		}
	}
	out := []events.ReportCount{}
	for _, rc := range byModule {
		out = append(out, *rc)
	}
	slices.SortFunc(out, func(a, b events.ReportCount) int {
		if c := strings.Compare(a.Label, b.Label); c != 0 {
			return c
		}
		return strings.Compare(a.Key, b.Key)
	})
	slices.Sort(rows)
	return out, rows
}

// The compliance figures and rows kept as events are applied and as the directory changes
// agree with a recount after every one of hundreds of random events — assignments made
// and reaching more people, lessons read, attempts passed and failed, people joining,
// disabled and enabled — on days before, among and after the due dates, and after a
// snapshot and restore.
func TestComplianceAgreesWithARecount(t *testing.T) {
	days := []string{"2026-10-01", "2026-11-25", "2026-12-03", "2026-12-15", "2027-03-01"}
	tests := []struct {
		name   string
		seed   uint64
		people int
		steps  int
	}{
		{"few people", 1, 4, 150},
		{"more people", 2, 25, 300},
		{"many events per person", 3, 8, 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(tt.seed, 7))
			mods := modules(t)
			s := NewState(mods)
			a := &applier{t: t, s: s}
			people := map[string]personInfo{} // what the directory says
			setPerson := func(s *State, id string) {
				s.SetPerson(id, people[id].name, people[id].active)
			}
			ids := make([]string, tt.people)
			for i := range ids {
				ids[i] = fmt.Sprintf("p%02d", i)
			}
			var asgs []string
			check := func(t *testing.T, s *State, step string) {
				t.Helper()
				for _, today := range days {
					want, rows := recountCompliance(s, people, today)
					if got := s.Compliance(today); !slices.Equal(got, want) {
						t.Fatalf("%s, on %s: Compliance\n%+v\nrecount\n%+v", step, today, got, want)
					}
					var got []string
					page := events.Page{Limit: 6}
					for {
						refs, info, err := s.ReportPage(page)
						if err != nil {
							t.Fatal(err)
						}
						if info.Total != len(rows) {
							t.Fatalf("%s: total %d, recount %d", step, info.Total, len(rows))
						}
						for _, r := range refs {
							got = append(got, ReportRowKey(r))
						}
						if info.Next == "" {
							break
						}
						page.Cursor = info.Next
					}
					if !slices.Equal(got, rows) {
						t.Fatalf("%s: rows\n%q\nrecount\n%q", step, got, rows)
					}
				}
			}
			check(t, s, "empty")
			for step := range tt.steps {
				person := ids[rnd.IntN(len(ids))]
				mod := mods[rnd.IntN(min(4, len(mods)))]
				var e events.Payload
				subject := person
				switch k := rnd.IntN(12); {
				case k < 2: // the directory hears of someone, disables or enables them, or renames them
					info, known := people[person]
					switch {
					case !known:
						info = personInfo{name: fmt.Sprintf("Person %d", rnd.IntN(5)), active: true}
					case rnd.IntN(3) == 0:
						info.name = fmt.Sprintf("person %d", rnd.IntN(5))
					default:
						info.active = !info.active
					}
					people[person] = info
					setPerson(s, person)
					check(t, s, fmt.Sprintf("step %d: directory changes %s", step, person))
					continue
				case k < 4:
					due := time.Date(2026, 11, 20+rnd.IntN(20), 0, 0, 0, 0, time.UTC).Format(events.DateLayout)
					var reached []string
					for _, id := range ids {
						if rnd.IntN(3) == 0 {
							reached = append(reached, id)
						}
					}
					subject = fmt.Sprintf("asg-%d", step)
					asgs = append(asgs, subject)
					e = events.AssignmentCreated{Module: mod.ID, Kind: events.AssignTeam, Target: "t", Due: due, People: reached}
				case k < 5 && len(asgs) > 0:
					subject = asgs[rnd.IntN(len(asgs))]
					asg, _ := s.Assignment(subject)
					e = events.AssignmentReached{Module: asg.Module, People: []string{person}}
				case k < 6:
					e = events.ModuleEnrolled{Person: person, Module: mod.ID}
				case k < 8:
					e = events.LessonRead{Person: person, Module: mod.ID, Lesson: mod.Lessons[0].ID}
				default:
					n := 1
					if l, ok := s.Learner(person); ok {
						if p := l.Progress(mod.ID); p != nil {
							n = p.Attempts + 1
						}
					}
					passed := rnd.IntN(3) == 0
					e = events.AttemptGraded{Person: person, Module: mod.ID, Attempt: n, Score: map[bool]int{true: 90, false: 20}[passed], Passed: passed}
				}
				if e == nil {
					continue
				}
				a.apply("hr", subject, e)
				check(t, s, fmt.Sprintf("step %d: %s on %s", step, e.EventType(), subject))
			}

			var snap bytes.Buffer
			if err := s.Snapshot(&snap); err != nil {
				t.Fatal(err)
			}
			restored := NewState(mods)
			known := slices.Sorted(maps.Keys(people))
			for _, id := range known[:len(known)/2] { // the directory may be heard before the snapshot is loaded
				setPerson(restored, id)
			}
			if err := restored.Restore(&snap); err != nil {
				t.Fatal(err)
			}
			for _, id := range known { // and everyone once after the start
				setPerson(restored, id)
			}
			check(t, restored, "restored")
		})
	}
}
