package skills

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"onramp.dev/events"
)

// Report names.
const (
	ReportMatrix   = "skill-matrix"
	ReportCoverage = "coverage"
	ReportGaps     = "gaps"
	ReportCerts    = "certifications"
)

// SPOFLevel is the level from which a skill held by exactly one person in the selection is
// flagged as a single point of failure (3, apply: works on their own initiative).
const SPOFLevel = 3

// Filter selects what a report covers. People are already filtered by team and track (and
// by what the caller may see); Skill narrows the skills; At is the as-of moment.
type Filter struct {
	Skill string
	At    time.Time
}

// Cell formats a standing for a matrix cell: "3 verified", "2 self, claims 4", "".
func Cell(st Standing) string {
	if st.Level == 0 && st.Claimed == 0 {
		return ""
	}
	var s string
	if st.Level > 0 {
		s = strconv.Itoa(st.Level) + " " + st.Source
	}
	if st.Claimed > 0 {
		if s != "" {
			s += ", "
		}
		s += "claims " + strconv.Itoa(st.Claimed)
	}
	return s
}

func (s *State) doc(person string) *Doc {
	if d, ok := s.docs[person]; ok {
		return d
	}
	return &Doc{Person: person}
}

// matrixSkills are the skills the matrix shows for people: every skill anyone of them
// has history for or a target in, in catalogue order (or just the filtered skill).
func (s *State) matrixSkills(people []Person, f Filter) []string {
	if f.Skill != "" {
		return []string{f.Skill}
	}
	seen := map[string]bool{}
	for _, p := range people {
		for _, id := range s.doc(p.ID).SkillIDs() {
			seen[id] = true
		}
		if prof, ok := s.Profile(p, f.At); ok {
			for _, t := range prof.Targets {
				seen[t.Skill] = true
			}
		}
	}
	var out []string
	for _, sk := range s.skills {
		if seen[sk.ID] {
			out = append(out, sk.ID)
		}
	}
	return out
}

// Matrix is the skill matrix: one row per person, one column per skill, each cell the
// standing level and its source. Only the rows [offset, offset+limit) are computed (limit
// 0: all); the columns are those of the whole selection, so pages fit together.
func (s *State) Matrix(people []Person, f Filter, offset, limit int) events.SkillTable {
	return s.MatrixPage(people, s.MatrixSkills(people, f), f, offset, limit)
}

// MatrixSkills are the skill columns of the matrix of people.
func (s *State) MatrixSkills(people []Person, f Filter) []string { return s.matrixSkills(people, f) }

// MatrixPage is the matrix of people with the skill columns ids, from row offset (limit
// rows; 0: all).
func (s *State) MatrixPage(people []Person, ids []string, f Filter, offset, limit int) events.SkillTable {
	total := len(people)
	offset = min(max(offset, 0), total)
	end := total
	if limit > 0 {
		end = min(offset+limit, total)
	}
	people = people[offset:end]
	t := events.SkillTable{Report: ReportMatrix, Keys: []string{"person", "name", "team", "track", "seniority"},
		Columns: []string{"Person id", "Name", "Team", "Track", "Seniority"}}
	for _, id := range ids {
		sk, _ := s.Skill(id)
		t.Keys = append(t.Keys, id)
		t.Columns = append(t.Columns, nonEmpty(sk.Name, id))
	}
	for _, p := range people {
		d := s.doc(p.ID)
		row := make([]string, 0, len(t.Keys))
		row = append(row, p.ID, p.Name, p.Team, p.Track, Seniority(p, f.At))
		for _, id := range ids {
			row = append(row, Cell(d.Standing(id, f.At)))
		}
		t.Rows = append(t.Rows, row)
	}
	t.Total, t.Offset = total, offset
	if t.Rows == nil {
		t.Rows = [][]string{}
	}
	return t
}

// MatrixCells is the matrix as standings, for the heatmap page.
func (s *State) MatrixCells(people []Person, f Filter) ([]string, [][]Standing, [][]int) {
	ids := s.matrixSkills(people, f)
	cells := make([][]Standing, len(people))
	targets := make([][]int, len(people))
	for i, p := range people {
		d := s.doc(p.ID)
		prof, _ := s.Profile(p, f.At)
		cells[i] = make([]Standing, len(ids))
		targets[i] = make([]int, len(ids))
		for j, id := range ids {
			cells[i][j] = d.Standing(id, f.At)
			if tg, ok := prof.Target(id); ok {
				targets[i][j] = tg.Level
			}
		}
	}
	return ids, cells, targets
}

// Coverage counts, per skill, how many people stand at or above each level. A skill held
// at SPOFLevel or above by exactly one person is flagged as a single point of failure.
func (s *State) Coverage(people []Person, f Filter) events.SkillTable {
	t := events.SkillTable{Report: ReportCoverage,
		Keys:    []string{"skill", "name", "category", "range", "people", "l1", "l2", "l3", "l4", "l5", "l6", "l7", "single_point_of_failure", "holder"},
		Columns: []string{"Skill id", "Skill", "Category", "Range", "People with the skill", "≥1", "≥2", "≥3", "≥4", "≥5", "≥6", "≥7", "Single point of failure", "Only holder"}}
	type tally struct {
		at     [8]int
		holder string
	}
	counts := map[string]*tally{}
	for _, p := range people {
		d := s.doc(p.ID)
		for _, id := range d.SkillIDs() {
			if f.Skill != "" && id != f.Skill {
				continue
			}
			st := d.Standing(id, f.At)
			if st.Level == 0 {
				continue
			}
			c := counts[id]
			if c == nil {
				c = &tally{}
				counts[id] = c
			}
			for l := 1; l <= st.Level && l <= 7; l++ {
				c.at[l]++
			}
			if st.Level >= SPOFLevel {
				c.holder = p.Name
			}
		}
	}
	for _, sk := range s.skills {
		if f.Skill != "" && sk.ID != f.Skill {
			continue
		}
		c := counts[sk.ID]
		if c == nil {
			c = &tally{}
		}
		row := []string{sk.ID, sk.Name, sk.Category, fmt.Sprintf("%d–%d", sk.MinLevel, sk.MaxLevel), strconv.Itoa(c.at[1])}
		for l := 1; l <= 7; l++ {
			if l < sk.MinLevel || l > sk.MaxLevel {
				row = append(row, "")
			} else {
				row = append(row, strconv.Itoa(c.at[l]))
			}
		}
		spof, holder := "", ""
		if c.at[SPOFLevel] == 1 {
			spof, holder = "yes", c.holder
			t.Flags = append(t.Flags, sk.ID)
		}
		row = append(row, spof, holder)
		t.Rows = append(t.Rows, row)
	}
	return t
}

// Gaps lists, team by team, every profile skill a person lacks or holds below target,
// with the modules that evidence it.
func (s *State) Gaps(people []Person, f Filter) events.SkillTable {
	t := events.SkillTable{Report: ReportGaps,
		Keys:    []string{"team", "person", "name", "track", "seniority", "skill", "skill_name", "level", "target", "missing", "modules"},
		Columns: []string{"Team", "Person id", "Name", "Track", "Seniority", "Skill id", "Skill", "Level", "Target", "Missing", "Training modules"}}
	sorted := slices.Clone(people)
	slices.SortStableFunc(sorted, func(a, b Person) int { return strings.Compare(a.Team, b.Team) })
	for _, p := range sorted {
		prof, ok := s.Profile(p, f.At)
		if !ok {
			continue
		}
		d := s.doc(p.ID)
		for _, tg := range prof.Targets {
			if f.Skill != "" && tg.Skill != f.Skill {
				continue
			}
			st := d.Standing(tg.Skill, f.At)
			if st.Level >= tg.Level {
				continue
			}
			sk, _ := s.Skill(tg.Skill)
			g := s.gap(tg.Skill, sk.Name, st.Level, tg.Level)
			var mods []string
			for _, m := range g.Modules {
				mods = append(mods, m.ID)
			}
			missing := ""
			if g.Missing {
				missing = "yes"
			}
			t.Rows = append(t.Rows, []string{p.Team, p.ID, p.Name, p.Track, Seniority(p, f.At), tg.Skill, sk.Name,
				strconv.Itoa(st.Level), strconv.Itoa(tg.Level), missing, strings.Join(mods, " ")})
		}
	}
	return t
}

// Certifications lists certifications that are valid at f.At and expire within the
// following 90 days, soonest first.
func (s *State) Certifications(people []Person, f Filter) events.SkillTable {
	t := events.SkillTable{Report: ReportCerts,
		Keys:    []string{"person", "name", "team", "certification", "issuer", "issued", "expires", "days_left", "skill"},
		Columns: []string{"Person id", "Name", "Team", "Certification", "Issuer", "Issued", "Expires", "Days left", "Skill"}}
	type row struct {
		expires string
		cells   []string
	}
	var rows []row
	for _, p := range people {
		for _, c := range s.doc(p.ID).Certs {
			if c.Expires == "" || !CertValid(c, f.At) || (f.Skill != "" && c.Skill != f.Skill) {
				continue
			}
			v := CertView(c, f.At)
			if v.Status != "expiring" {
				continue
			}
			rows = append(rows, row{c.Expires, []string{p.ID, p.Name, p.Team, c.Name, c.Issuer, c.Issued, c.Expires, strconv.Itoa(*v.DaysLeft), c.Skill}})
		}
	}
	slices.SortStableFunc(rows, func(a, b row) int { return strings.Compare(a.expires, b.expires) })
	for _, r := range rows {
		t.Rows = append(t.Rows, r.cells)
	}
	return t
}

// Page cuts a table to rows [offset, offset+limit) and records the total.
func Page(t events.SkillTable, offset, limit int) events.SkillTable {
	t.Total = len(t.Rows)
	offset = min(max(offset, 0), t.Total)
	end := t.Total
	if limit > 0 {
		end = min(offset+limit, t.Total)
	}
	t.Offset = offset
	t.Rows = t.Rows[offset:end]
	if t.Rows == nil {
		t.Rows = [][]string{}
	}
	return t
}
