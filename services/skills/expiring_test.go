package skills

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"maps"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"onramp.dev/events"
)

// The certifications expiring within 90 days, read from the index kept as events are
// applied and as the directory changes, agree with the report worked out from every
// record (the active people, by name) — after each of hundreds of random certifications
// and directory changes, on days before, among and after the expiry dates, in pages, and
// after a snapshot and restore. A certification issued after the day asked about sends
// the report back to the records.
func TestExpiringAgreesWithTheRecords(t *testing.T) {
	days := []time.Time{
		time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC), time.Date(2026, 12, 2, 0, 0, 0, 0, time.UTC),
		time.Date(2027, 1, 15, 23, 0, 0, 0, time.UTC), time.Date(2027, 6, 30, 9, 0, 0, 0, time.UTC),
	}
	tests := []struct {
		name          string
		seed          uint64
		people, steps int
		futureIssued  bool
	}{
		{"few people", 1, 4, 120, false},
		{"more people", 2, 30, 300, false},
		{"certifications issued later", 3, 10, 150, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rnd := rand.New(rand.NewPCG(tt.seed, 11))
			s := newState(t)
			people := map[string]Person{} // the directory: active people
			known := map[string]personInfo{}
			ids := make([]string, tt.people)
			for i := range ids {
				ids[i] = fmt.Sprintf("p%02d", i)
			}
			team := func(id string) string { return people[id].Team }
			check := func(t *testing.T, s *State, step string) {
				t.Helper()
				active := slices.Collect(maps.Values(people))
				slices.SortFunc(active, func(a, b Person) int { return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.ID, b.ID)) })
				for _, at := range days {
					all := s.Certifications(active, Filter{At: at})
					for _, pg := range []struct{ offset, limit int }{{0, 0}, {0, 3}, {3, 3}, {6, 5}, {len(all.Certs) - 1, 3}} {
						got, ok := s.Expiring(at, pg.offset, pg.limit, team)
						if !ok {
							if !tt.futureIssued {
								t.Fatalf("%s: the index did not answer", step)
							}
							continue
						}
						want, _ := json.Marshal(Page(all, pg.offset, pg.limit))
						if g, _ := json.Marshal(got); string(g) != string(want) {
							t.Fatalf("%s, at %s, rows %d+%d:\nindex   %s\nrecords %s", step, at, pg.offset, pg.limit, g, want)
						}
					}
				}
			}
			seq := uint64(0)
			for step := range tt.steps {
				person := ids[rnd.IntN(len(ids))]
				if rnd.IntN(5) == 0 { // the directory hears of someone, or disables or enables them
					info, ok := known[person]
					if !ok {
						info = personInfo{name: fmt.Sprintf("Person %d", rnd.IntN(4)), active: true}
					} else {
						info.active = !info.active
					}
					known[person] = info
					if info.active {
						people[person] = Person{ID: person, Name: info.name, Team: "team-" + person[2:]}
					} else {
						delete(people, person)
					}
					s.SetPerson(person, info.name, info.active)
					check(t, s, fmt.Sprintf("step %d: directory changes %s", step, person))
					continue
				}
				issued := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rnd.IntN(900))
				if tt.futureIssued && rnd.IntN(4) == 0 {
					issued = time.Date(2027, 3, 1, 0, 0, 0, 0, time.UTC)
				}
				expires := ""
				if rnd.IntN(6) > 0 {
					exp := time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, rnd.IntN(400))
					if !exp.After(issued) {
						exp = issued.AddDate(0, 0, 1+rnd.IntN(200))
					}
					expires = exp.Format(events.DateLayout)
				}
				e := events.CertificationAdded{ID: fmt.Sprintf("c%d", step), Name: fmt.Sprintf("Cert %d", rnd.IntN(3)), Issuer: "Vendor",
					Issued: issued.Format(events.DateLayout), Expires: expires, Skill: "networking", Level: 3}
				env, err := events.New("hr", person, e, time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC))
				if err != nil {
					t.Fatal(err)
				}
				seq++
				if _, err := s.Apply(env, seq); err != nil {
					t.Fatal(err)
				}
				check(t, s, fmt.Sprintf("step %d: %s for %s", step, e.ID, person))
			}
			var snap bytes.Buffer
			if err := s.Snapshot(&snap); err != nil {
				t.Fatal(err)
			}
			restored := newState(t)
			for _, id := range slices.Sorted(maps.Keys(known))[:len(known)/2] { // the directory may be heard first
				restored.SetPerson(id, known[id].name, known[id].active)
			}
			if err := restored.Restore(&snap); err != nil {
				t.Fatal(err)
			}
			for id, info := range known {
				restored.SetPerson(id, info.name, info.active)
			}
			check(t, restored, "restored")
		})
	}
}
