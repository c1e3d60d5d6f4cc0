package mentorship

import (
	"fmt"
	"slices"
	"strings"

	"onramp.dev/events"
)

// Scoring: out of 100, in whole points so equal data always gives equal scores.
const (
	PointsCoverage = 50 // share of the hire's gaps the mentor covers (level ≥ target)
	PointsAbove    = 20 // share of the gaps where the mentor is above the target
	PointsCapacity = 20 // share of the mentor's places still free
	PointsTrack    = 10 // same role track as the hire
	// FullCoverage is how many covered gaps earn the full coverage points: no one mentor
	// is expected to cover a whole role profile, so covering five gaps (or all, if fewer)
	// counts as complete.
	FullCoverage = 5
)

// Gap is a skill of the hire's role profile where they are below the target, as the skills
// service reports it (with the training that closes it).
type Gap = events.SkillGap

// Candidate is one mentor as matching sees them.
type Candidate struct {
	Person   Person
	Capacity int
	Load     Load
	// Levels are the mentor's verified or evidenced levels in the skills they offer.
	Levels map[string]int
}

// Match is one mentor's score for a hire and the reasons for it, in words.
type Match struct {
	Mentor     string
	Name       string
	Score      int
	Reasons    []string
	Covers     []string // gap skills covered
	Capacity   int
	Load       int
	AtCapacity bool
}

// Excluded says why a mentor may never be suggested for a hire ("" if they may).
func Excluded(hire, mentor Person) string {
	switch {
	case mentor.ID == hire.ID:
		return "is the hire"
	case !mentor.Active:
		return "is not active"
	case mentor.Leads(hire), hire.Lead == mentor.ID:
		return "is the hire's own lead"
	}
	return ""
}

// Score rates one candidate for a hire with its gaps. trackName turns a track id into
// words.
func Score(hire Person, gaps []Gap, c Candidate, trackName func(string) string) Match {
	m := Match{Mentor: c.Person.ID, Name: c.Person.Name, Capacity: c.Capacity, Load: c.Load.Total(), Covers: []string{}}
	var covered, above []string
	for _, g := range gaps {
		l := c.Levels[g.Skill]
		if l >= g.Target && l > 0 {
			covered = append(covered, fmt.Sprintf("%s (level %d for target %d)", g.Name, l, g.Target))
			m.Covers = append(m.Covers, g.Skill)
			if l > g.Target {
				above = append(above, g.Name)
			}
		}
	}
	if n := min(len(gaps), FullCoverage); n > 0 {
		m.Score += PointsCoverage*min(len(covered), n)/n + PointsAbove*min(len(above), n)/n
	}
	switch {
	case len(gaps) == 0:
		m.Reasons = append(m.Reasons, "The hire has no skill gaps against their role profile.")
	case len(covered) == 0:
		m.Reasons = append(m.Reasons, fmt.Sprintf("Covers none of the hire's %d skill gaps.", len(gaps)))
	default:
		m.Reasons = append(m.Reasons, fmt.Sprintf("Covers %d of %d skill gaps: %s.", len(covered), len(gaps), strings.Join(covered, ", ")))
	}
	if len(above) > 0 {
		m.Reasons = append(m.Reasons, "Level above the hire's target in "+strings.Join(above, ", ")+".")
	}
	free := c.Capacity - c.Load.Total()
	if free > 0 {
		m.Score += PointsCapacity * free / c.Capacity
		m.Reasons = append(m.Reasons, fmt.Sprintf("%d of %d mentee places free.", free, c.Capacity))
	} else {
		m.AtCapacity = true
		m.Reasons = append(m.Reasons, fmt.Sprintf("At capacity (%d of %d places taken): only HR can propose them, with a reason.", c.Load.Total(), c.Capacity))
	}
	if c.Person.Track != "" && c.Person.Track == hire.Track {
		m.Score += PointsTrack
		m.Reasons = append(m.Reasons, "Same track: "+trackName(hire.Track)+".")
	} else {
		m.Reasons = append(m.Reasons, "Different track ("+trackName(c.Person.Track)+").")
	}
	return m
}

// WithoutOwnPlace leaves the hire's own place out of their current mentor's load, so a
// pair keeps the score it was proposed with while nothing else changes: the mentor's
// place taken by this very hire is not a reason to rank them lower for this hire.
func WithoutOwnPlace(cands []Candidate, open *Pair) []Candidate {
	if open == nil {
		return cands
	}
	for i := range cands {
		if cands[i].Person.ID != open.Mentor {
			continue
		}
		switch {
		case open.State == events.PairActive && cands[i].Load.Active > 0:
			cands[i].Load.Active--
		case open.State == events.PairProposed && cands[i].Load.Proposed > 0:
			cands[i].Load.Proposed--
		}
	}
	return cands
}

// Suggest ranks candidates for a hire: highest score first, then by name and id, so the
// same data always gives the same list. People who may never mentor this hire (themselves,
// their lead, inactive people) are left out; mentors at capacity are left out unless
// withFull (HR, who may override), and then listed after everyone with a free place.
func Suggest(hire Person, gaps []Gap, cands []Candidate, withFull bool, trackName func(string) string) []Match {
	out := make([]Match, 0, len(cands))
	for _, c := range cands {
		if Excluded(hire, c.Person) != "" || c.Capacity < 1 {
			continue
		}
		m := Score(hire, gaps, c, trackName)
		if m.AtCapacity && !withFull {
			continue
		}
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b Match) int {
		if a.AtCapacity != b.AtCapacity {
			if a.AtCapacity {
				return 1
			}
			return -1
		}
		if a.Score != b.Score {
			return b.Score - a.Score
		}
		if c := strings.Compare(a.Name, b.Name); c != 0 {
			return c
		}
		return strings.Compare(a.Mentor, b.Mentor)
	})
	return out
}

// Candidates builds the candidates from the active profiles: each mentor's verified or
// evidenced levels in the skills they offer, as the skills service last stated them (an
// expired certification no longer counts).
func (s *State) Candidates(person func(string) (Person, bool), book *Standings) []Candidate {
	out := make([]Candidate, 0, len(s.profiles))
	for _, p := range s.profiles {
		if p.State != events.ProfileActive {
			continue
		}
		who, ok := person(p.ID)
		if !ok {
			continue
		}
		c := Candidate{Person: who, Capacity: p.Capacity, Load: s.loads[p.ID], Levels: make(map[string]int, len(p.Skills))}
		for _, sk := range p.Skills {
			if l, _ := book.Mentorable(p.ID, sk); l > 0 {
				c.Levels[sk] = l
			}
		}
		out = append(out, c)
	}
	return out
}
