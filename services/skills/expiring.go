package skills

import (
	"cmp"
	"strings"
	"sync"
	"time"

	"onramp.dev/events"
)

// The certifications report as HR's home reads it — every active person's certifications
// that expire within ExpiringWindow of today — kept as events are applied and as the
// directory changes: every certification with an expiry date, of people the directory
// says are active, indexed by expiry date (then name, person and place in the record, the
// report's order), so "expiring in 90 days" is a range of the index on any day, and a
// page of it costs a page. The index has its own lock: SetPerson runs beside readers of
// the state, not beside Apply.
type expiring struct {
	mu       sync.Mutex
	people   map[string]personInfo // from the directory
	kept     map[string][]certRef  // person → their certifications in the index
	byExpiry *events.Sorted[certRef]
	issued   map[string]int // issue date → certifications in the index issued that day
	added    time.Time      // when the latest certification in the index was recorded
}

type personInfo struct {
	name   string
	active bool
}

// certRef is a certification's place in the index: its expiry date, the person's name
// and id, and its place in their record (certifications are only ever added).
type certRef struct {
	expires, name, person string
	n                     int
	issued                string // not part of the order
}

func compareCertRefs(a, b certRef) int {
	return cmp.Or(strings.Compare(a.expires, b.expires), strings.Compare(a.name, b.name),
		strings.Compare(a.person, b.person), cmp.Compare(a.n, b.n))
}

func (s *State) expiringIndex() *expiring {
	s.expiringOnce.Do(func() {
		s.expiring = &expiring{people: map[string]personInfo{}, kept: map[string][]certRef{},
			byExpiry: events.NewSorted(compareCertRefs), issued: map[string]int{}}
	})
	return s.expiring
}

// SetPerson tells the state who person is in the directory now: their name and whether
// they are active. Call it with the state read-locked whenever the directory changes a
// person, and once for everyone after a start.
func (s *State) SetPerson(person, name string, active bool) {
	x := s.expiringIndex()
	x.mu.Lock()
	defer x.mu.Unlock()
	if old, ok := x.people[person]; ok && old == (personInfo{name, active}) {
		return
	}
	x.people[person] = personInfo{name, active}
	s.reindexLocked(person)
}

// reindex puts person's certifications in the index as their record and the directory
// say now.
func (s *State) reindex(person string) {
	x := s.expiringIndex()
	x.mu.Lock()
	defer x.mu.Unlock()
	s.reindexLocked(person)
}

func (s *State) reindexLocked(person string) {
	x := s.expiring
	for _, r := range x.kept[person] {
		x.byExpiry.Remove(r)
		x.issued[r.issued]--
		if x.issued[r.issued] == 0 {
			delete(x.issued, r.issued)
		}
	}
	delete(x.kept, person)
	info, d := x.people[person], s.docs[person]
	if !info.active || d == nil {
		return
	}
	for i, c := range d.Certs {
		if c.Expires == "" {
			continue
		}
		r := certRef{expires: c.Expires, name: info.name, person: person, n: i, issued: c.Issued}
		x.byExpiry.Add(r)
		x.kept[person] = append(x.kept[person], r)
		x.issued[c.Issued]++
		if c.Added.After(x.added) {
			x.added = c.Added
		}
	}
}

// Expiring is the certifications report over every active person as of now (at): the
// certifications expiring within ExpiringWindow, by expiry date, from row offset, at most
// limit rows (0: all), with the total. ok is false when the index cannot answer for at —
// a certification issued after its day, or recorded after at (a report as of a past
// date) — and the report must be worked out from the records. team names a person's team.
func (s *State) Expiring(at time.Time, offset, limit int, team func(person string) string) (t events.SkillReport, ok bool) {
	x := s.expiringIndex()
	x.mu.Lock()
	defer x.mu.Unlock()
	day := events.Date(at)
	for issued := range x.issued {
		if issued > day {
			return events.SkillReport{}, false
		}
	}
	if x.added.After(at) {
		return events.SkillReport{}, false
	}
	last := events.Date(EndOfDay(at).Truncate(24*time.Hour).AddDate(0, 0, int(ExpiringWindow.Hours()/24)))
	from := x.byExpiry.RankFunc(func(r certRef) bool { return r.expires < day })
	to := x.byExpiry.RankFunc(func(r certRef) bool { return r.expires <= last })
	offset = min(max(offset, 0), to-from)
	n := to - from - offset
	if limit > 0 {
		n = min(n, limit)
	}
	t = events.SkillReport{Report: ReportCerts, Certs: []events.SkillCertRow{}, Total: to - from, Offset: offset}
	for _, r := range x.byExpiry.Range(from+offset, n) {
		c := s.docs[r.person].Certs[r.n]
		v := CertView(c, at)
		row := events.SkillCertRow{Person: r.person, Name: r.name, Team: team(r.person), Certification: c.Name, Issuer: c.Issuer,
			Issued: c.Issued, Expires: c.Expires, DaysLeft: *v.DaysLeft, Skill: c.Skill}
		if sk, ok := s.Skill(c.Skill); ok {
			row.SkillName = sk.Name
		}
		t.Certs = append(t.Certs, row)
	}
	return t, true
}
