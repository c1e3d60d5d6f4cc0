package skills

import (
	"maps"
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

// Matrix is the skill matrix: one row per person, one cell per skill, each the standing
// level, its source and a claim above it. Only the rows [offset, offset+limit) are
// computed (limit 0: all); the columns are those of the whole selection, so pages fit
// together.
func (s *State) Matrix(people []Person, f Filter, offset, limit int) events.SkillReport {
	return s.MatrixPage(people, s.MatrixSkills(people, f), f, offset, limit)
}

// MatrixSkills are the skill columns of the matrix of people.
func (s *State) MatrixSkills(people []Person, f Filter) []string { return s.matrixSkills(people, f) }

// MatrixPage is the matrix of people with the skill columns ids, from row offset (limit
// rows; 0: all).
func (s *State) MatrixPage(people []Person, ids []string, f Filter, offset, limit int) events.SkillReport {
	total := len(people)
	offset = min(max(offset, 0), total)
	end := total
	if limit > 0 {
		end = min(offset+limit, total)
	}
	people = people[offset:end]
	t := events.SkillReport{Report: ReportMatrix, Skills: s.skillRefs(ids), Matrix: make([]events.SkillMatrixRow, 0, len(people))}
	for _, p := range people {
		d := s.doc(p.ID)
		row := events.SkillMatrixRow{Person: p.ID, Name: p.Name, Team: p.Team, Track: p.Track, Seniority: Seniority(p, f.At),
			Cells: make([]events.SkillMatrixCell, len(ids))}
		for i, id := range ids {
			st := d.Standing(id, f.At)
			row.Cells[i] = events.SkillMatrixCell{Level: st.Level, Source: st.Source, Claimed: st.Claimed}
		}
		t.Matrix = append(t.Matrix, row)
	}
	t.Total, t.Offset = total, offset
	return t
}

// MatrixTotals counts, over the whole selection, the people holding each skill column
// (level 1 or more) and those claiming a level not yet verified, overall and per team
// (teams in name order). It is the one place the matrix's totals are computed.
func (s *State) MatrixTotals(people []Person, ids []string, f Filter) events.SkillMatrixTotals {
	t := events.SkillMatrixTotals{People: len(people), Holders: make([]int, len(ids)), Claims: make([]int, len(ids)), Teams: []events.SkillTeamTotal{}}
	teams := map[string]int{}
	for _, p := range people {
		ti, ok := teams[p.Team]
		if !ok {
			ti = len(t.Teams)
			teams[p.Team] = ti
			t.Teams = append(t.Teams, events.SkillTeamTotal{Team: p.Team, Holders: make([]int, len(ids))})
		}
		t.Teams[ti].People++
		d := s.doc(p.ID)
		for i, id := range ids {
			st := d.Standing(id, f.At)
			if st.Level > 0 {
				t.Holders[i]++
				t.Teams[ti].Holders[i]++
			}
			if st.Claimed > 0 || (st.Level > 0 && st.Source == events.SourceSelf) {
				t.Claims[i]++
			}
		}
	}
	slices.SortFunc(t.Teams, func(a, b events.SkillTeamTotal) int { return strings.Compare(a.Team, b.Team) })
	return t
}

func (s *State) skillRefs(ids []string) []events.SkillRef {
	out := make([]events.SkillRef, len(ids))
	for i, id := range ids {
		sk, _ := s.Skill(id)
		out[i] = events.SkillRef{ID: id, Name: nonEmpty(sk.Name, id)}
	}
	return out
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
func (s *State) Coverage(people []Person, f Filter) events.SkillReport {
	t := events.SkillReport{Report: ReportCoverage, Coverage: []events.SkillCoverageRow{}}
	type tally struct {
		at               [8]int
		holder, holderID string
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
				c.holder, c.holderID = p.Name, p.ID
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
		row := events.SkillCoverageRow{Skill: sk.ID, Name: sk.Name, Category: sk.Category, MinLevel: sk.MinLevel, MaxLevel: sk.MaxLevel, People: c.at[1]}
		for l := max(sk.MinLevel, 1); l <= min(sk.MaxLevel, 7); l++ {
			row.AtLeast[l-1] = c.at[l]
		}
		if c.at[SPOFLevel] == 1 {
			row.SinglePoint, row.Holder, row.HolderID = true, c.holder, c.holderID
		}
		t.Coverage = append(t.Coverage, row)
	}
	t.Total = len(t.Coverage)
	return t
}

// Gaps lists, team by team, every profile skill a person lacks or holds below target,
// with the modules that evidence it.
func (s *State) Gaps(people []Person, f Filter) events.SkillReport {
	t := events.SkillReport{Report: ReportGaps, Gaps: []events.SkillGapRow{}}
	sorted := slices.Clone(people)
	slices.SortStableFunc(sorted, func(a, b Person) int { return strings.Compare(a.Team, b.Team) })
	for _, p := range sorted {
		prof, ok := s.Profile(p, f.At)
		if !ok {
			continue
		}
		before := len(t.Gaps)
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
			t.Gaps = append(t.Gaps, events.SkillGapRow{Team: p.Team, Person: p.ID, Name: p.Name, Track: p.Track, Seniority: Seniority(p, f.At),
				Skill: tg.Skill, SkillName: sk.Name, Level: st.Level, Target: tg.Level, Missing: g.Missing, Modules: g.Modules})
		}
		if n := len(t.Gaps) - before; n > 0 {
			if k := len(t.GapTeams); k == 0 || t.GapTeams[k-1].Team != p.Team {
				t.GapTeams = append(t.GapTeams, events.SkillTeamGaps{Team: p.Team})
			}
			c := &t.GapTeams[len(t.GapTeams)-1]
			c.People++
			c.Gaps += n
		}
	}
	t.Total = len(t.Gaps)
	return t
}

// Certifications lists certifications that are valid at f.At and expire within the
// following 90 days, soonest first.
func (s *State) Certifications(people []Person, f Filter) events.SkillReport {
	t := events.SkillReport{Report: ReportCerts, Certs: []events.SkillCertRow{}}
	for _, p := range people {
		for _, c := range s.doc(p.ID).Certs {
			if c.Expires == "" || !CertValid(c, f.At) || (f.Skill != "" && c.Skill != f.Skill) {
				continue
			}
			v := CertView(c, f.At)
			if v.Status != "expiring" {
				continue
			}
			row := events.SkillCertRow{Person: p.ID, Name: p.Name, Team: p.Team, Certification: c.Name, Issuer: c.Issuer,
				Issued: c.Issued, Expires: c.Expires, DaysLeft: *v.DaysLeft, Skill: c.Skill}
			if sk, ok := s.Skill(c.Skill); ok {
				row.SkillName = sk.Name
			}
			t.Certs = append(t.Certs, row)
		}
	}
	slices.SortStableFunc(t.Certs, func(a, b events.SkillCertRow) int { return strings.Compare(a.Expires, b.Expires) })
	t.Total = len(t.Certs)
	return t
}

// Page cuts a report to rows [offset, offset+limit) (limit 0: all) and records the total.
func Page(t events.SkillReport, offset, limit int) events.SkillReport {
	switch t.Report {
	case ReportCoverage:
		t.Coverage, t.Total, t.Offset = cut(t.Coverage, offset, limit)
	case ReportGaps:
		t.Gaps, t.Total, t.Offset = cut(t.Gaps, offset, limit)
	case ReportCerts:
		t.Certs, t.Total, t.Offset = cut(t.Certs, offset, limit)
	}
	return t
}

func cut[T any](rows []T, offset, limit int) (page []T, total, first int) {
	total = len(rows)
	offset = min(max(offset, 0), total)
	end := total
	if limit > 0 {
		end = min(offset+limit, total)
	}
	return slices.Clip(append([]T{}, rows[offset:end]...)), total, offset
}

// Sorting: a report's rows sort by one of its columns, named by the JSON key of its row
// type; "-" before the key sorts descending. Ties keep the report's own order.

func byText[T any](f func(T) string) func(a, b T) int {
	return func(a, b T) int { return strings.Compare(strings.ToLower(f(a)), strings.ToLower(f(b))) }
}

func byNumber[T any](f func(T) int) func(a, b T) int {
	return func(a, b T) int { return f(a) - f(b) }
}

var (
	personSorts = map[string]func(a, b Person) int{
		"name":  byText(func(p Person) string { return p.Name }),
		"team":  byText(func(p Person) string { return p.Team }),
		"track": byText(func(p Person) string { return p.Track }),
		// Seniority follows the start date: the earliest starter is the most senior.
		"seniority": byText(func(p Person) string { return p.StartDate }),
	}
	coverageSorts = map[string]func(a, b events.SkillCoverageRow) int{
		"name":                    byText(func(r events.SkillCoverageRow) string { return r.Name }),
		"category":                byText(func(r events.SkillCoverageRow) string { return r.Category }),
		"people":                  byNumber(func(r events.SkillCoverageRow) int { return r.People }),
		"single_point_of_failure": byNumber(func(r events.SkillCoverageRow) int { return boolInt(r.SinglePoint) }),
		"holder":                  byText(func(r events.SkillCoverageRow) string { return r.Holder }),
	}
	gapSorts = map[string]func(a, b events.SkillGapRow) int{
		"team":       byText(func(r events.SkillGapRow) string { return r.Team }),
		"name":       byText(func(r events.SkillGapRow) string { return r.Name }),
		"track":      byText(func(r events.SkillGapRow) string { return r.Track }),
		"skill_name": byText(func(r events.SkillGapRow) string { return r.SkillName }),
		"level":      byNumber(func(r events.SkillGapRow) int { return r.Level }),
		"target":     byNumber(func(r events.SkillGapRow) int { return r.Target }),
		"missing":    byNumber(func(r events.SkillGapRow) int { return boolInt(r.Missing) }),
	}
	certSorts = map[string]func(a, b events.SkillCertRow) int{
		"name":          byText(func(r events.SkillCertRow) string { return r.Name }),
		"team":          byText(func(r events.SkillCertRow) string { return r.Team }),
		"certification": byText(func(r events.SkillCertRow) string { return r.Certification }),
		"issuer":        byText(func(r events.SkillCertRow) string { return r.Issuer }),
		"issued":        byText(func(r events.SkillCertRow) string { return r.Issued }),
		"expires":       byText(func(r events.SkillCertRow) string { return r.Expires }),
		"days_left":     byNumber(func(r events.SkillCertRow) int { return r.DaysLeft }),
		"skill_name":    byText(func(r events.SkillCertRow) string { return r.SkillName }),
	}
)

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// SortKeys are the columns report may be sorted by.
func SortKeys(report string) []string {
	var keys []string
	switch report {
	case ReportMatrix:
		keys = slices.Collect(maps.Keys(personSorts))
	case ReportCoverage:
		keys = slices.Collect(maps.Keys(coverageSorts))
	case ReportGaps:
		keys = slices.Collect(maps.Keys(gapSorts))
	case ReportCerts:
		keys = slices.Collect(maps.Keys(certSorts))
	}
	slices.Sort(keys)
	return keys
}

// sortBy sorts rows by the compare function cmps[key] (descending after a "-"); an unknown
// key is an invalid request.
func sortBy[T any](rows []T, cmps map[string]func(a, b T) int, key string) error {
	if key == "" {
		return nil
	}
	name, desc := strings.CutPrefix(key, "-")
	cmp, ok := cmps[name]
	if !ok {
		return &events.Error{Code: events.CodeInvalid, Message: "a report cannot be sorted by " + strconv.Quote(name),
			Fields: map[string]string{"sort": "unknown column"}}
	}
	if desc {
		slices.SortStableFunc(rows, func(a, b T) int { return -cmp(a, b) })
	} else {
		slices.SortStableFunc(rows, cmp)
	}
	return nil
}

// SortPeople orders the matrix's people by key (name, team, track, seniority).
func SortPeople(people []Person, key string) error { return sortBy(people, personSorts, key) }

// Sort orders the rows of a coverage, gaps or certifications report by key.
func Sort(t events.SkillReport, key string) error {
	switch t.Report {
	case ReportCoverage:
		return sortBy(t.Coverage, coverageSorts, key)
	case ReportGaps:
		return sortBy(t.Gaps, gapSorts, key)
	case ReportCerts:
		return sortBy(t.Certs, certSorts, key)
	}
	return sortBy([]Person(nil), personSorts, key)
}
