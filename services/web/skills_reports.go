package web

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"onramp.dev/events"
	"onramp.dev/infra/rpc"
	"onramp.dev/views"
)

// The skills reports: the skills service answers typed rows (events.SkillReport), and
// each report's one writer below turns them into CSV, XLSX, JSON and the page's table.

// skillReport is one of the skills reports: its id in URLs, its operation, its title and
// the columns it may be sorted by (the skills service's keys).
type skillReport struct {
	id, op, title string
	sorts         []string
}

var skillReports = []skillReport{
	{"skill-matrix", events.OpReportMatrix, "Skill matrix", []string{"name", "team", "track", "seniority"}},
	{"coverage", events.OpReportCoverage, "Coverage per skill", []string{"name", "category", "people", "single_point_of_failure", "holder"}},
	{"gaps", events.OpReportGaps, "Gaps by team", []string{"team", "name", "track", "skill_name", "level", "target", "missing"}},
	{"certifications", events.OpReportCerts, "Certifications expiring in 90 days", []string{"name", "team", "certification", "issuer", "issued", "expires", "days_left", "skill_name"}},
}

func findSkillReport(id string) (skillReport, bool) {
	i := slices.IndexFunc(skillReports, func(x skillReport) bool { return x.id == id })
	if i < 0 {
		return skillReport{}, false
	}
	return skillReports[i], true
}

// skillRow is a row of any skills report, so that one handler pages through all four.
type skillRow interface {
	events.SkillMatrixRow | events.SkillCoverageRow | events.SkillGapRow | events.SkillCertRow
}

// standingText is a matrix cell in words: "3 verified", "2 self, claims 4", "".
func standingText(c events.SkillMatrixCell) string {
	var parts []string
	if c.Level > 0 {
		parts = append(parts, strconv.Itoa(c.Level)+" "+c.Source)
	}
	if c.Claimed > 0 {
		parts = append(parts, "claims "+strconv.Itoa(c.Claimed))
	}
	return strings.Join(parts, ", ")
}

// matrixSpec is the skill matrix's writer: the person, then per skill column its level
// (a number) and, in downloads, the level's source and any claim above it.
func matrixSpec(title, asOf string, skills []events.SkillRef) reportSpec[events.SkillMatrixRow] {
	s := reportSpec[events.SkillMatrixRow]{name: "skill-matrix-" + asOf, sheet: title, columns: []column[events.SkillMatrixRow]{
		{key: "person", title: "Person id", download: true, value: func(r events.SkillMatrixRow) any { return r.Person }},
		{key: "name", title: "Name", width: 24, value: func(r events.SkillMatrixRow) any { return r.Name },
			person: func(r events.SkillMatrixRow) string { return r.Person }},
		{key: "team", title: "Team", value: func(r events.SkillMatrixRow) any { return r.Team }},
		{key: "track", title: "Track", value: func(r events.SkillMatrixRow) any { return r.Track }},
		{key: "seniority", title: "Seniority", width: 12, value: func(r events.SkillMatrixRow) any { return r.Seniority }},
	}}
	for i, sk := range skills {
		cell := func(r events.SkillMatrixRow) events.SkillMatrixCell {
			if i < len(r.Cells) {
				return r.Cells[i]
			}
			return events.SkillMatrixCell{}
		}
		s.columns = append(s.columns,
			column[events.SkillMatrixRow]{key: "level." + sk.ID, title: sk.Name, kind: numberCell, width: 12,
				value:  func(r events.SkillMatrixRow) any { return count(cell(r).Level) },
				screen: func(r events.SkillMatrixRow) string { return standingText(cell(r)) }},
			column[events.SkillMatrixRow]{key: "source." + sk.ID, title: sk.Name + " source", download: true, width: 14,
				value: func(r events.SkillMatrixRow) any {
					c := cell(r)
					text := c.Source
					if c.Claimed > 0 {
						text = strings.TrimPrefix(text+", claims "+strconv.Itoa(c.Claimed), ", ")
					}
					return text
				}})
	}
	return s
}

func coverageSpec(title, asOf string) reportSpec[events.SkillCoverageRow] {
	s := reportSpec[events.SkillCoverageRow]{name: "coverage-" + asOf, sheet: title, columns: []column[events.SkillCoverageRow]{
		{key: "skill", title: "Skill id", download: true, value: func(r events.SkillCoverageRow) any { return r.Skill }},
		{key: "name", title: "Skill", width: 28, value: func(r events.SkillCoverageRow) any { return r.Name }},
		{key: "category", title: "Category", value: func(r events.SkillCoverageRow) any { return r.Category }},
		{key: "min_level", title: "Lowest level", kind: numberCell, value: func(r events.SkillCoverageRow) any { return r.MinLevel }},
		{key: "max_level", title: "Highest level", kind: numberCell, value: func(r events.SkillCoverageRow) any { return r.MaxLevel }},
		{key: "people", title: "People with the skill", kind: numberCell, value: func(r events.SkillCoverageRow) any { return r.People }},
	}}
	for l := 1; l <= 7; l++ {
		s.columns = append(s.columns, column[events.SkillCoverageRow]{key: "at_least_" + strconv.Itoa(l), title: "≥" + strconv.Itoa(l), kind: numberCell, width: 6,
			value: func(r events.SkillCoverageRow) any {
				if l < r.MinLevel || l > r.MaxLevel {
					return nil
				}
				return r.AtLeast[l-1]
			}})
	}
	s.columns = append(s.columns,
		column[events.SkillCoverageRow]{key: "single_point_of_failure", title: "Single point of failure", kind: yesNoCell,
			value: func(r events.SkillCoverageRow) any { return r.SinglePoint }},
		column[events.SkillCoverageRow]{key: "holder", title: "Only holder", width: 24, value: func(r events.SkillCoverageRow) any { return r.Holder },
			person: func(r events.SkillCoverageRow) string { return r.HolderID }})
	return s
}

func gapsSpec(title, asOf string) reportSpec[events.SkillGapRow] {
	modules := func(r events.SkillGapRow, f func(events.SkillModuleRef) string) string {
		var out []string
		for _, m := range r.Modules {
			out = append(out, f(m))
		}
		return strings.Join(out, "; ")
	}
	return reportSpec[events.SkillGapRow]{name: "gaps-" + asOf, sheet: title, columns: []column[events.SkillGapRow]{
		{key: "team", title: "Team", value: func(r events.SkillGapRow) any { return r.Team }},
		{key: "person", title: "Person id", download: true, value: func(r events.SkillGapRow) any { return r.Person }},
		{key: "name", title: "Name", width: 24, value: func(r events.SkillGapRow) any { return r.Name },
			person: func(r events.SkillGapRow) string { return r.Person }},
		{key: "track", title: "Track", value: func(r events.SkillGapRow) any { return r.Track }},
		{key: "seniority", title: "Seniority", width: 12, value: func(r events.SkillGapRow) any { return r.Seniority }},
		{key: "skill", title: "Skill id", download: true, value: func(r events.SkillGapRow) any { return r.Skill }},
		{key: "skill_name", title: "Skill", width: 28, value: func(r events.SkillGapRow) any { return r.SkillName }},
		{key: "level", title: "Level", kind: numberCell, value: func(r events.SkillGapRow) any { return r.Level }},
		{key: "target", title: "Target", kind: numberCell, value: func(r events.SkillGapRow) any { return r.Target }},
		{key: "missing", title: "Missing", kind: yesNoCell, value: func(r events.SkillGapRow) any { return r.Missing }},
		{key: "modules", title: "Training modules", width: 40, value: func(r events.SkillGapRow) any {
			return modules(r, func(m events.SkillModuleRef) string { return m.Title })
		}},
		{key: "module_ids", title: "Training module ids", download: true, value: func(r events.SkillGapRow) any {
			return modules(r, func(m events.SkillModuleRef) string { return m.ID })
		}},
	}}
}

func certsSpec(title, asOf string) reportSpec[events.SkillCertRow] {
	return reportSpec[events.SkillCertRow]{name: "certifications-" + asOf, sheet: title, columns: []column[events.SkillCertRow]{
		{key: "person", title: "Person id", download: true, value: func(r events.SkillCertRow) any { return r.Person }},
		{key: "name", title: "Name", width: 24, value: func(r events.SkillCertRow) any { return r.Name },
			person: func(r events.SkillCertRow) string { return r.Person }},
		{key: "team", title: "Team", value: func(r events.SkillCertRow) any { return r.Team }},
		{key: "certification", title: "Certification", width: 28, value: func(r events.SkillCertRow) any { return r.Certification }},
		{key: "issuer", title: "Issuer", value: func(r events.SkillCertRow) any { return r.Issuer }},
		{key: "issued", title: "Issued", kind: dateCell, value: func(r events.SkillCertRow) any { return day(r.Issued) }},
		{key: "expires", title: "Expires", kind: dateCell, value: func(r events.SkillCertRow) any { return day(r.Expires) }},
		{key: "days_left", title: "Days left", kind: numberCell, value: func(r events.SkillCertRow) any { return r.DaysLeft }},
		{key: "skill", title: "Skill id", download: true, value: func(r events.SkillCertRow) any { return r.Skill }},
		{key: "skill_name", title: "Skill", width: 28, value: func(r events.SkillCertRow) any { return r.SkillName }},
	}}
}

// reportRowsPerExportPage is how many report rows an export asks for at a time: a matrix
// row of every skill is up to about 1.4 KB, so a page stays well below NATS's default
// 1 MB payload.
const reportRowsPerExportPage = 500

// reportPageJSON is one page of a report for API clients: the columns, then each row as
// an object keyed by column key with typed values.
type reportPageJSON struct {
	Report  string                    `json:"report"`
	Title   string                    `json:"title"`
	AsOf    string                    `json:"as_of"`
	Columns []reportColumnJSON        `json:"columns"`
	Rows    []map[string]any          `json:"rows"`
	Totals  *events.SkillMatrixTotals `json:"totals,omitempty"`
	Total   int                       `json:"total"`
	First   int                       `json:"first"`
	Next    string                    `json:"next,omitempty"`
	Prev    string                    `json:"prev,omitempty"`
}

func reportQuery(r *http.Request) events.SkillReportRequest {
	q := r.URL.Query()
	return events.SkillReportRequest{Team: q.Get("team"), Track: q.Get("track"), Skill: q.Get("skill"), AsOf: q.Get("as_of"), Sort: q.Get("sort")}
}

// apiReport answers a report: as JSON a page at a time (?limit, ?cursor), as CSV or XLSX
// the whole report, streamed; ?format=json&all=1 streams every row as JSON too.
func (m *Main) apiReport(id string) func(w http.ResponseWriter, r *http.Request, v *viewer) {
	rep, _ := findSkillReport(id)
	return func(w http.ResponseWriter, r *http.Request, v *viewer) {
		format, ok := exportFormat(w, r, "json")
		if !ok {
			return
		}
		q := reportQuery(r)
		call := func(ctx context.Context, q events.SkillReportRequest) (events.SkillReport, error) {
			return rpc.Call[events.SkillReport](ctx, m.nc, m.skillsOp(rep.op), v.caller(), q)
		}
		if format == "json" && r.URL.Query().Get("all") == "" {
			page, offset, err := offsetPage(r)
			if err != nil {
				writeError(w, err)
				return
			}
			q.Offset, q.Limit = offset, page.Limit
			t, err := call(r.Context(), q)
			if err != nil {
				m.logFailure(r, err)
				writeError(w, err)
				return
			}
			info := offsetInfo(q.Limit, t.Offset, t.Total)
			out := reportPageJSON{Report: rep.id, Title: rep.title, AsOf: t.AsOf, Totals: t.Totals, Total: t.Total, First: t.Offset, Next: info.Next, Prev: info.Prev}
			switch rep.id {
			case "skill-matrix":
				s := matrixSpec(rep.title, t.AsOf, t.Skills)
				out.Columns, out.Rows = s.columnsJSON(), s.rowsJSON(t.Matrix)
			case "coverage":
				s := coverageSpec(rep.title, t.AsOf)
				out.Columns, out.Rows = s.columnsJSON(), s.rowsJSON(t.Coverage)
			case "gaps":
				s := gapsSpec(rep.title, t.AsOf)
				out.Columns, out.Rows = s.columnsJSON(), s.rowsJSON(t.Gaps)
			default:
				s := certsSpec(rep.title, t.AsOf)
				out.Columns, out.Rows = s.columnsJSON(), s.rowsJSON(t.Certs)
			}
			writeJSON(w, http.StatusOK, out)
			return
		}
		// The columns of the matrix and the file's date come from the first page, which
		// is asked for before the export starts; the rest is fetched as it is written.
		release, ok := m.startExport(w, r)
		if !ok {
			return
		}
		defer release()
		q.Limit = reportRowsPerExportPage
		first, err := call(r.Context(), q)
		if err != nil {
			m.exportFailed(w, r, err)
			return
		}
		pages := func(ctx context.Context, cursor string) (events.SkillReport, string, error) {
			t := first
			if cursor != "" {
				q.Offset, _ = strconv.Atoi(cursor)
				var err error
				if t, err = call(ctx, q); err != nil {
					return t, "", err
				}
			}
			next := ""
			if end := t.Offset + rowCount(t); end < t.Total && rowCount(t) > 0 {
				next = strconv.Itoa(end)
			}
			return t, next, nil
		}
		switch rep.id {
		case "skill-matrix":
			writeReport(m, w, r, matrixSpec(rep.title, first.AsOf, first.Skills), format, rowsOf(pages, func(t events.SkillReport) []events.SkillMatrixRow { return t.Matrix }))
		case "coverage":
			writeReport(m, w, r, coverageSpec(rep.title, first.AsOf), format, rowsOf(pages, func(t events.SkillReport) []events.SkillCoverageRow { return t.Coverage }))
		case "gaps":
			writeReport(m, w, r, gapsSpec(rep.title, first.AsOf), format, rowsOf(pages, func(t events.SkillReport) []events.SkillGapRow { return t.Gaps }))
		default:
			writeReport(m, w, r, certsSpec(rep.title, first.AsOf), format, rowsOf(pages, func(t events.SkillReport) []events.SkillCertRow { return t.Certs }))
		}
	}
}

func rowCount(t events.SkillReport) int {
	return len(t.Matrix) + len(t.Coverage) + len(t.Gaps) + len(t.Certs)
}

// rowsOf reads one report's rows out of each page.
func rowsOf[T skillRow](pages func(context.Context, string) (events.SkillReport, string, error), rows func(events.SkillReport) []T) rowPages[T] {
	return func(ctx context.Context, cursor string) ([]T, string, error) {
		t, next, err := pages(ctx, cursor)
		if err != nil {
			return nil, "", err
		}
		return rows(t), next, nil
	}
}

// reportPage shows one report: its filters, downloads, table (sortable, paged) and, per
// report, the matrix's totals, coverage's chart or the gaps grouped by team.
func (m *Main) reportPage(w http.ResponseWriter, r *http.Request, v *viewer) {
	name := r.URL.Query().Get("report")
	if name == "" {
		name = "skill-matrix"
	}
	rep, ok := findSkillReport(name)
	if !ok {
		m.fail(w, r, events.Errorf(events.CodeNotFound, "There is no report %q.", name))
		return
	}
	q := reportQuery(r)
	page, offset, err := offsetPage(r)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	q.Offset, q.Limit = offset, page.Limit
	t, err := rpc.Call[events.SkillReport](r.Context(), m.nc, m.skillsOp(rep.op), v.caller(), q)
	if err != nil {
		m.fail(w, r, err)
		return
	}
	nm := m.names(r.Context())
	rv := views.ReportView{Report: name, Title: rep.title, AsOf: q.AsOf, Team: q.Team, Track: q.Track, Skill: q.Skill, Sort: q.Sort,
		Pager: pagerFor(r, offsetInfo(q.Limit, t.Offset, t.Total), rowCount(t)), Flagged: map[int]bool{}, Empty: "Nothing to report."}
	for _, x := range skillReports {
		rv.Reports = append(rv.Reports, views.Option{Value: x.id, Label: x.title})
	}
	sortURL := func(key string) string {
		u := r.URL.Query()
		u.Del("cursor")
		u.Set("report", name)
		u.Set("sort", key)
		return "/skills/reports?" + u.Encode()
	}
	switch name {
	case "skill-matrix":
		rv.Columns, rv.Rows = matrixSpec(rep.title, t.AsOf, t.Skills).shownAs("track", nm.track).table(t.Matrix, rep.sorts, q.Sort, sortURL)
		if t.Totals != nil && len(t.Skills) > 0 {
			tt := views.MatrixTotals{People: t.Totals.People, Holders: t.Totals.Holders, Claims: t.Totals.Claims}
			for _, s := range t.Skills {
				tt.Skills = append(tt.Skills, s.Name)
			}
			for _, x := range t.Totals.Teams {
				tt.Teams = append(tt.Teams, views.TeamTotal(x))
			}
			rv.Totals = &tt
		}
	case "coverage":
		rv.Columns, rv.Rows = coverageSpec(rep.title, t.AsOf).table(t.Coverage, rep.sorts, q.Sort, sortURL)
		chart := views.BarChart{ID: "coverage-chart", Title: "People with each skill",
			Desc: "One bar per skill on this page that anyone holds: how many people hold it at any level. Red bars are single points of failure. The table below holds the same figures, and the skills nobody holds."}
		for i, c := range t.Coverage {
			rv.Flagged[i] = c.SinglePoint
			if c.People > 0 {
				chart.Bars = append(chart.Bars, views.Bar{Label: c.Name, Value: c.People, Alert: c.SinglePoint})
			}
		}
		if len(chart.Bars) > 0 {
			rv.Chart = &chart
		}
	case "gaps":
		rv.Columns, rv.Rows = gapsSpec(rep.title, t.AsOf).shownAs("track", nm.track).table(t.Gaps, rep.sorts, q.Sort, sortURL)
		rv.Empty = "Nobody is below their role profile's targets."
		if q.Sort == "" || strings.TrimPrefix(q.Sort, "-") == "team" {
			rv.Groups = gapGroups(t, rv.Rows)
		}
	default:
		rv.Columns, rv.Rows = certsSpec(rep.title, t.AsOf).table(t.Certs, rep.sorts, q.Sort, sortURL)
		rv.Empty = "No certification expires in the next 90 days."
	}
	rv.Teams, _ = m.teamOptions(r, v) // without the list the filter still works
	rv.Tracks = nm.trackOptions()
	rv.SkillOptions = m.skillOptions(r.Context(), v)
	link := func(format string) string {
		u := url.Values{}
		for k, val := range map[string]string{"team": q.Team, "track": q.Track, "skill": q.Skill, "as_of": q.AsOf, "sort": q.Sort, "format": format} {
			if val != "" {
				u.Set(k, val)
			}
		}
		if format == "json" {
			u.Set("all", "1")
		}
		return "/api/v1/reports/" + name + "?" + u.Encode()
	}
	rv.CSV, rv.XLSX, rv.JSON = link("csv"), link("xlsx"), link("json")
	m.render(w, r, http.StatusOK, views.ReportPage(m.pageFor(r, rv.Title), rv))
}

// gapGroups splits the page's gap rows (in team order) by team, each with the team's
// counts over the whole report.
func gapGroups(t events.SkillReport, rows [][]views.ReportCell) []views.ReportGroup {
	counts := map[string]events.SkillTeamGaps{}
	for _, c := range t.GapTeams {
		counts[c.Team] = c
	}
	var out []views.ReportGroup
	for i, g := range t.Gaps {
		if len(out) == 0 || out[len(out)-1].Team != g.Team {
			c := counts[g.Team]
			out = append(out, views.ReportGroup{Team: g.Team, People: c.People, Gaps: c.Gaps})
		}
		out[len(out)-1].Rows = append(out[len(out)-1].Rows, rows[i])
	}
	return out
}
