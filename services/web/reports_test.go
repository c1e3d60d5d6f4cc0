package web

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"onramp.dev/events"
	"onramp.dev/views"
)

// download writes spec's rows, two pages of them, as format and returns the body.
func download[T any](t *testing.T, spec reportSpec[T], format string, pages ...[]T) []byte {
	t.Helper()
	m := New(nil, slog.New(slog.DiscardHandler), Config{})
	src := func(_ context.Context, cursor string) ([]T, string, error) {
		i, _ := strconv.Atoi(cursor)
		next := ""
		if i+1 < len(pages) {
			next = strconv.Itoa(i + 1)
		}
		return pages[i], next, nil
	}
	w := httptest.NewRecorder()
	writeReport(m, w, httptest.NewRequest("GET", "/x", nil), spec, format, src)
	if w.Code != 200 {
		t.Fatalf("%s: status %d", format, w.Code)
	}
	return w.Body.Bytes()
}

// One writer per report: the CSV, the XLSX and the JSON of a report agree row for row,
// and the XLSX holds typed cells (numbers, dates, booleans) under a bold, frozen,
// filtered header, with widths and a sheet named after the report.
func TestReportWriterAgreesAcrossFormats(t *testing.T) {
	certs := certsSpec("Certifications expiring in 90 days", "2026-12-02")
	pages := [][]events.SkillCertRow{
		{{Person: "p1", Name: "Ada", Team: "platform", Certification: "=CCNA", Issuer: "Cisco", Issued: "2025-01-02", Expires: "2026-12-20", DaysLeft: 18, Skill: "networking", SkillName: "Networking"}},
		{}, // an empty page does not end the export
		{{Person: "p2", Name: "Bo", Team: "security", Certification: "CISSP", Issuer: "ISC2", Issued: "2024-03-04", Expires: "2027-01-31", DaysLeft: 60}},
	}
	var want []events.SkillCertRow
	for _, p := range pages {
		want = append(want, p...)
	}

	// CSV: header and rows, formulas neutralised.
	raw := download(t, certs, "csv", pages...)
	rows, err := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\uFEFF")))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(want)+1 || rows[0][0] != "Person id" || rows[1][3] != "'=CCNA" || rows[1][6] != "2026-12-20" || rows[1][7] != "18" {
		t.Fatalf("csv %q", rows)
	}

	// XLSX.
	f, err := excelize.OpenReader(bytes.NewReader(download(t, certs, "xlsx", pages...)))
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetName(0)
	if sheet != "Certifications expiring in 90 d" || f.SheetCount != 1 {
		t.Errorf("sheet %q of %d", sheet, f.SheetCount)
	}
	xrows, err := f.GetRows(sheet, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(xrows) != len(want)+1 {
		t.Fatalf("xlsx has %d rows, want %d", len(xrows), len(want)+1)
	}
	for j, c := range certs.columns {
		cell, _ := excelize.CoordinatesToCellName(j+1, 1)
		if v, _ := f.GetCellValue(sheet, cell); v != c.title {
			t.Errorf("header %s = %q, want %q", cell, v, c.title)
		}
		sid, _ := f.GetCellStyle(sheet, cell)
		if st, err := f.GetStyle(sid); err != nil || st.Font == nil || !st.Font.Bold {
			t.Errorf("header %s is not bold", cell)
		}
		col, _ := excelize.ColumnNumberToName(j + 1)
		if w, _ := f.GetColWidth(sheet, col); w < float64(len(c.title)) {
			t.Errorf("column %s (%s) is %.0f wide", col, c.title, w)
		}
	}
	panes, err := f.GetPanes(sheet)
	if err != nil || !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Errorf("panes %+v %v: the header is not frozen", panes, err)
	}
	if tables, err := f.GetTables(sheet); err != nil || len(tables) != 1 || tables[0].Range != "A1:J3" {
		t.Errorf("tables %+v %v", tables, err)
	}
	if !zipHolds(t, download(t, certs, "xlsx", pages...), "xl/tables/table1.xml", `<autoFilter ref="A1:J3"`) {
		t.Error("the table has no auto-filter over every row")
	}
	for i, r := range want {
		n := i + 2
		typ := func(col string) excelize.CellType {
			ct, err := f.GetCellType(sheet, col+strconv.Itoa(n))
			if err != nil {
				t.Fatal(err)
			}
			return ct
		}
		if typ("H") != excelize.CellTypeUnset && typ("H") != excelize.CellTypeNumber { // numbers are written untyped-numeric
			t.Errorf("row %d: days left is %v", n, typ("H"))
		}
		if v, _ := f.GetCellValue(sheet, "H"+strconv.Itoa(n), excelize.Options{RawCellValue: true}); v != strconv.Itoa(r.DaysLeft) {
			t.Errorf("row %d: days left %q", n, v)
		}
		// A date is a serial number shown through a date format.
		serial, _ := f.GetCellValue(sheet, "G"+strconv.Itoa(n), excelize.Options{RawCellValue: true})
		if _, err := strconv.ParseFloat(serial, 64); err != nil {
			t.Errorf("row %d: expiry %q is not a date serial", n, serial)
		}
		if v, _ := f.GetCellValue(sheet, "G"+strconv.Itoa(n)); v != r.Expires {
			t.Errorf("row %d: expiry shows %q, want %q", n, v, r.Expires)
		}
		sid, _ := f.GetCellStyle(sheet, "G"+strconv.Itoa(n))
		if st, _ := f.GetStyle(sid); st == nil || st.CustomNumFmt == nil || *st.CustomNumFmt != "yyyy-mm-dd" {
			t.Errorf("row %d: expiry is not formatted as a date: %+v", n, st)
		}
	}

	// JSON: the columns typed, each row an object with typed values.
	var doc struct {
		Report  string             `json:"report"`
		Columns []reportColumnJSON `json:"columns"`
		Rows    []map[string]any   `json:"rows"`
	}
	if err := json.Unmarshal(download(t, certs, "json", pages...), &doc); err != nil {
		t.Fatal(err)
	}
	if len(doc.Rows) != len(want) || doc.Columns[7].Type != "number" || doc.Columns[6].Type != "date" {
		t.Fatalf("json %+v", doc)
	}
	if v, ok := doc.Rows[1]["days_left"].(float64); !ok || v != 60 {
		t.Errorf("days left in JSON: %#v", doc.Rows[1]["days_left"])
	}
	if doc.Rows[1]["skill_name"] != "" || doc.Rows[0]["expires"] != "2026-12-20" {
		t.Errorf("json rows %+v", doc.Rows)
	}

	// Row for row, cell for cell: CSV text = XLSX display = JSON value.
	for i := range want {
		for j, c := range doc.Columns {
			cell, _ := excelize.CoordinatesToCellName(j+1, i+2)
			xv, _ := f.GetCellValue(sheet, cell)
			jv := ""
			switch v := doc.Rows[i][c.Key].(type) {
			case float64:
				jv = strconv.FormatFloat(v, 'f', -1, 64)
			case string:
				jv = v
			case nil:
			default:
				t.Fatalf("%s: %T", c.Key, v)
			}
			cv := strings.TrimPrefix(rows[i+1][j], "'")
			if cv != xv || cv != jv {
				t.Errorf("row %d %s: csv %q, xlsx %q, json %q", i+1, c.Key, cv, xv, jv)
			}
		}
	}
}

// Booleans are booleans and empty cells stay empty, in every format.
func TestReportWriterBooleansAndBlanks(t *testing.T) {
	spec := coverageSpec("Coverage per skill", "2026-12-02")
	rows := []events.SkillCoverageRow{
		{Skill: "networking", Name: "Networking", Category: "Tech", MinLevel: 2, MaxLevel: 5, People: 3, AtLeast: [7]int{3, 3, 1, 1, 0}, SinglePoint: true, Holder: "Ada"},
		{Skill: "go", Name: "Go", Category: "Tech", MinLevel: 1, MaxLevel: 7},
	}
	f, err := excelize.OpenReader(bytes.NewReader(download(t, spec, "xlsx", rows)))
	if err != nil {
		t.Fatal(err)
	}
	sheet := f.GetSheetName(0)
	for _, tt := range []struct {
		cell string
		typ  excelize.CellType
		raw  string
	}{
		{"N2", excelize.CellTypeBool, "1"},  // single point of failure
		{"N3", excelize.CellTypeBool, "0"},  // not one
		{"G2", excelize.CellTypeUnset, ""},  // ≥1 is outside networking's range 2–5
		{"H2", excelize.CellTypeUnset, "3"}, // ≥2, a number
		{"F3", excelize.CellTypeUnset, "0"}, // nobody has Go: zero, not blank
	} {
		ct, _ := f.GetCellType(sheet, tt.cell)
		raw, _ := f.GetCellValue(sheet, tt.cell, excelize.Options{RawCellValue: true})
		if ct != tt.typ || raw != tt.raw {
			t.Errorf("%s: type %v %q, want %v %q", tt.cell, ct, raw, tt.typ, tt.raw)
		}
	}
	var doc struct {
		Rows []map[string]any `json:"rows"`
	}
	if err := json.Unmarshal(download(t, spec, "json", rows), &doc); err != nil {
		t.Fatal(err)
	}
	if doc.Rows[0]["single_point_of_failure"] != true || doc.Rows[1]["single_point_of_failure"] != false || doc.Rows[0]["at_least_1"] != nil {
		t.Errorf("json %+v", doc.Rows)
	}
	raw := download(t, spec, "csv", rows)
	recs, _ := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(raw, []byte("\uFEFF")))).ReadAll()
	if recs[1][13] != "yes" || recs[2][13] != "no" || recs[1][6] != "" {
		t.Errorf("csv %q", recs)
	}
}

func zipHolds(t *testing.T, b []byte, name, text string) bool {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	f, err := z.Open(name)
	if err != nil {
		return false
	}
	defer f.Close()
	data, _ := io.ReadAll(f)
	return strings.Contains(string(data), text)
}

// On the page a gap's track reads as the track's name and its person's name carries their
// id (to link their profile); the download keeps the track's id.
func TestReportPageShowsNamesDownloadsKeepIDs(t *testing.T) {
	names := map[string]string{"infrastructure": "Infrastructure"}
	spec := gapsSpec("Gaps by team", "2026-12-02").shownAs("track", func(id string) string { return names[id] })
	rows := []events.SkillGapRow{{Team: "platform", Person: "demo-hire", Name: "Harper Hire", Track: "infrastructure", Skill: "go", SkillName: "Go", Level: 1, Target: 3}}
	cols, cells := spec.table(rows, nil, "", func(string) string { return "" })
	got := map[string]views.ReportCell{}
	for i, c := range cols {
		got[c.Title] = cells[0][i]
	}
	if c := got["Track"]; c.Text != "Infrastructure" {
		t.Errorf("track shown as %q", c.Text)
	}
	if c := got["Name"]; c.Text != "Harper Hire" || c.Person != "demo-hire" {
		t.Errorf("name cell %+v", c)
	}
	if c := got["Team"]; c.Person != "" {
		t.Errorf("the team cell names a person: %+v", c)
	}
	if csv := string(download(t, spec, "csv", rows)); !strings.Contains(csv, ",infrastructure,") {
		t.Errorf("the download lost the track's id:\n%s", csv)
	}
}
