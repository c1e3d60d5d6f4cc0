package mentorship

import (
	"cmp"
	"strings"
	"sync"

	"onramp.dev/events"
)

// Mentor coverage over every hire, as HR sees it, kept as events are applied and as the
// directory changes: the active hires (by what the directory says) with an active
// mentorship and those without, each in the list's order (name, then id), so the counts
// cost nothing and a page costs a page. The lists have their own lock: SetPerson runs
// beside readers of the state, not beside Apply.
type coverage struct {
	mu          sync.Mutex
	people      map[string]hireInfo // from the directory
	listed      map[string]CoverageRef
	listedWith  map[string]bool
	with, witho *events.Sorted[CoverageRef]
}

type hireInfo struct {
	name         string
	hire, active bool
}

// CoverageRef names a hire in a coverage list.
type CoverageRef struct{ Name, Hire string }

// CoverageKey is a hire's place in a coverage list, as a string (for cursors).
func CoverageKey(r CoverageRef) string { return r.Name + "\x00" + r.Hire }

func compareCoverage(a, b CoverageRef) int {
	return cmp.Or(strings.Compare(a.Name, b.Name), strings.Compare(a.Hire, b.Hire))
}

func (s *State) coverageLists() *coverage {
	s.coverageOnce.Do(func() {
		s.coverage = &coverage{people: map[string]hireInfo{}, listed: map[string]CoverageRef{}, listedWith: map[string]bool{},
			with: events.NewSorted(compareCoverage), witho: events.NewSorted(compareCoverage)}
	})
	return s.coverage
}

// SetPerson tells the state who person is in the directory now: their name, whether they
// are a hire and whether they are active. Call it with the state read-locked whenever the
// directory changes a person, and once for everyone after a start.
func (s *State) SetPerson(person, name string, hire, active bool) {
	c := s.coverageLists()
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.people[person]; ok && old == (hireInfo{name, hire, active}) {
		return
	}
	c.people[person] = hireInfo{name, hire, active}
	s.relistLocked(person)
}

// relist puts hire in the list they are in now (after their mentorship changed).
func (s *State) relist(hire string) {
	c := s.coverageLists()
	c.mu.Lock()
	defer c.mu.Unlock()
	s.relistLocked(hire)
}

func (s *State) relistLocked(hire string) {
	c := s.coverage
	if ref, ok := c.listed[hire]; ok {
		if c.listedWith[hire] {
			c.with.Remove(ref)
		} else {
			c.witho.Remove(ref)
		}
		delete(c.listed, hire)
		delete(c.listedWith, hire)
	}
	info := c.people[hire]
	if !info.hire || !info.active {
		return
	}
	ref := CoverageRef{Name: info.name, Hire: hire}
	p, ok := s.OpenFor(hire)
	with := ok && p.State == events.PairActive
	if with {
		c.with.Add(ref)
	} else {
		c.witho.Add(ref)
	}
	c.listed[hire], c.listedWith[hire] = ref, with
}

// Coverage is a page of the active hires with an active mentorship (with) or without
// one, by name, and how many are without and with.
func (s *State) Coverage(with bool, p events.Page) (rows []CoverageRef, info events.PageInfo, without, withN int, err error) {
	c := s.coverageLists()
	c.mu.Lock()
	defer c.mu.Unlock()
	set := c.witho
	if with {
		set = c.with
	}
	rows, info, err = events.PageSorted(p, CoverageKey, set)
	return rows, info, c.witho.Len(), c.with.Len(), err
}
