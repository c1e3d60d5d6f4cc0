package e2e

import (
	"bytes"
	"encoding/csv"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

// HR's report pages: the matrix has totals (the same the API answers) and sortable
// columns, coverage a bar chart, gaps are grouped by team, an empty report says so; HR's
// home charts the last 12 weeks.
func TestReportPagesPeopleCanUse(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	hr := bearer(token(t, c, "hr@demo.onramp"))
	login(t, c, "hr@demo.onramp")
	page := func(path string) string {
		t.Helper()
		resp := c.do(t, "GET", path, "", "")
		b := string(body(t, resp.Body))
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d", path, resp.StatusCode)
		}
		return b
	}
	has := func(path, html string, parts ...string) {
		t.Helper()
		for _, s := range parts {
			if !strings.Contains(html, s) {
				t.Errorf("%s lacks %s", path, s)
			}
		}
	}

	// The matrix: totals over everyone, and a line for each team of the page's people (a
	// line for every team would grow with the organisation), as the API counts them.
	type matrixTotals struct {
		Total  int
		Totals struct {
			People  int
			Holders []int
			Teams   []struct {
				Team   string
				People int
			}
		}
	}
	one := decodeJSON[matrixTotals](t, c.do(t, "GET", "/api/v1/reports/skill-matrix?limit=1", "", "", hr...))
	if one.Totals.People != one.Total || len(one.Totals.Teams) != 1 || len(one.Totals.Holders) == 0 {
		t.Fatalf("matrix totals, a page of one: %+v", one)
	}
	api := decodeJSON[matrixTotals](t, c.do(t, "GET", "/api/v1/reports/skill-matrix?limit=50", "", "", hr...))
	if api.Totals.People != api.Total || len(api.Totals.Teams) < 2 || len(api.Totals.Holders) == 0 {
		t.Fatalf("matrix totals %+v", api)
	}
	html := page("/skills/reports?report=skill-matrix")
	has("matrix", html, `id="matrix-totals"`, `class="table-wrap sticky"`, `aria-sort="none"`,
		`<td class="num">`+strconv.Itoa(api.Totals.People)+`</td>`)
	for _, tm := range api.Totals.Teams {
		has("matrix", html, `data-team="`+tm.Team+`"`)
	}

	// The team heatmap counts, per skill, the team's people holding it.
	has("team heatmap", page("/skills/team?team=platform"), `<tr id="heatmap-totals">`, `class="table-wrap sticky"`)

	// Sorting: the header links sort on the server, both ways.
	names := func(sort string) []string {
		rows := decodeJSON[struct{ Rows []map[string]any }](t, c.do(t, "GET", "/api/v1/reports/skill-matrix?limit=200&sort="+sort, "", "", hr...)).Rows
		var out []string
		for _, r := range rows {
			out = append(out, strings.ToLower(r["name"].(string)))
		}
		return out
	}
	up, down := names("name"), names("-name")
	if !slices.IsSorted(up) || len(up) < 3 {
		t.Errorf("by name: %v", up)
	}
	slices.Reverse(down)
	if !slices.Equal(up, down) {
		t.Errorf("by name descending, reversed: %v, want %v", down, up)
	}
	has("matrix by name", page("/skills/reports?report=skill-matrix&sort=name"), `aria-sort="ascending"`, `sort=-name`)
	if resp := c.do(t, "GET", "/api/v1/reports/coverage?sort=nope", "", "", hr...); resp.StatusCode != 422 {
		t.Errorf("unknown sort column: %d", resp.StatusCode)
	}

	// The compliance rows sort by column too, and the page says how.
	has("training report", page("/training/report?sort=-due"), `aria-sort="descending"`, `href="/training/report?sort=due"`, `id="compliance-chart"`)
	if resp := c.do(t, "GET", "/api/v1/training/report?sort=nope", "", "", hr...); resp.StatusCode != 422 {
		t.Errorf("training report, unknown sort column: %d", resp.StatusCode)
	}

	// Coverage: an accessible bar chart beside the table.
	has("coverage", page("/skills/reports?report=coverage"), `<svg id="coverage-chart" role="img"`, `<title id="coverage-chart-title">`, `<desc id="coverage-chart-desc">`, `class="bar alert"`)

	// Gaps: grouped by team, each team's counts, expanding to its people.
	has("gaps", page("/skills/reports?report=gaps"), `<details class="group" data-team="platform">`, `Team platform: `, `id="gaps-platform"`)

	// An empty report says what it means.
	has("certifications", page("/skills/reports?report=certifications&team=security"), "No certification expires in the next 90 days.")

	// HR's home: small charts and the 12-week trends.
	has("home", page("/"), `id="chart-onboardings"`, `id="chart-mentors"`, `<svg id="trend-onboardings" role="img"`, `<svg id="trend-compliance" role="img"`)
}

// The training, onboarding and mentor coverage exports come as CSV and XLSX from one
// writer: the same rows, the sheet named after the report.
func TestExportsAsCSVAndXLSXAgree(t *testing.T) {
	p := startPortal(t)
	c := newClient(p.URL())
	login(t, c, "hr@demo.onramp")
	for _, tt := range []struct{ path, sheet string }{
		{"/training/report", "Training compliance"},
		{"/onboarding/all", "All onboardings"},
		{"/mentorship/coverage", "Mentor coverage"},
	} {
		resp := c.do(t, "GET", tt.path+".csv", "", "")
		raw := body(t, resp.Body)
		rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\uFEFF")))).ReadAll()
		if resp.StatusCode != 200 || err != nil || len(rows) < 2 {
			t.Fatalf("%s.csv: %d %v %q", tt.path, resp.StatusCode, err, rows)
		}
		resp = c.do(t, "GET", tt.path+".xlsx", "", "")
		f, err := excelize.OpenReader(resp.Body)
		if resp.StatusCode != 200 || err != nil {
			t.Fatalf("%s.xlsx: %d %v", tt.path, resp.StatusCode, err)
		}
		if got := f.GetSheetName(0); got != tt.sheet {
			t.Errorf("%s.xlsx: sheet %q, want %q", tt.path, got, tt.sheet)
		}
		xrows, err := f.GetRows(tt.sheet)
		if err != nil {
			t.Fatal(err)
		}
		if len(xrows) != len(rows) {
			t.Fatalf("%s: %d CSV rows, %d XLSX rows", tt.path, len(rows), len(xrows))
		}
		for i := range rows {
			for j, cell := range rows[i] {
				x := ""
				if j < len(xrows[i]) {
					x = xrows[i][j]
				}
				// A boolean cell shows TRUE or FALSE in a spreadsheet, yes or no in CSV.
				switch x {
				case "TRUE":
					x = "yes"
				case "FALSE":
					x = "no"
				}
				if strings.TrimPrefix(cell, "'") != x {
					t.Errorf("%s row %d column %d: CSV %q, XLSX %q", tt.path, i, j, cell, x)
				}
			}
		}
	}
}
