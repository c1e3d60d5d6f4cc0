package web

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"onramp.dev/events"
	"onramp.dev/views"
)

// A report is written by one writer per report: reportSpec names its columns once —
// key, title, kind and how a typed row gives the cell — and the same spec writes CSV,
// XLSX and JSON, and the table on screen. Cells stay typed from the owning service's
// reply to the file: numbers are numbers, dates are dates, nothing is parsed back out of
// formatted text.

// cellKind is how a column's cells are typed.
type cellKind uint8

const (
	textCell   cellKind = iota // string
	numberCell                 // int
	dateCell                   // time.Time (a calendar day)
	yesNoCell                  // bool
)

func (k cellKind) String() string {
	return [...]string{"text", "number", "date", "boolean"}[k]
}

// column is one column of a report. value gives a row's cell: a string, an int, a
// time.Time (dateCell), a bool (yesNoCell), or nil for an empty cell. download marks a
// column that stays out of the page (ids, codes); screen, when set, is the cell's text on
// the page instead of its value.
type column[T any] struct {
	key, title string
	kind       cellKind
	width      float64 // XLSX width in characters; 0: from the title and kind
	download   bool
	value      func(T) any
	screen     func(T) string
	person     func(T) string // the person the cell names: the page links the name to their profile
}

// reportSpec is one report's columns, its file name and its worksheet's name.
type reportSpec[T any] struct {
	name    string // file name without extension, and the JSON "report"
	sheet   string // the worksheet's name: the report's title, at most 31 characters
	columns []column[T]
}

// rowPages fetches a report's rows a page at a time: cursor "" first; next "" after the
// last page.
type rowPages[T any] func(ctx context.Context, cursor string) (rows []T, next string, err error)

// day is the cell of a calendar date (YYYY-MM-DD) from a contract: a time.Time, or nil
// when there is none.
func day(s string) any {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return nil
	}
	return t
}

// count is a number cell that is empty for zero.
func count(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

// csvText is a cell as CSV text.
func csvText(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	case bool:
		if v {
			return "yes"
		}
		return "no"
	case time.Time:
		return v.Format(time.DateOnly)
	}
	return fmt.Sprint(v)
}

// jsonValue is a cell as a JSON value: numbers and booleans as themselves, dates as
// YYYY-MM-DD, empty cells as null.
func jsonValue(v any) any {
	if t, ok := v.(time.Time); ok {
		return t.Format(time.DateOnly)
	}
	return v
}

// reportColumnJSON describes a column to API clients.
type reportColumnJSON struct {
	Key   string `json:"key"`
	Title string `json:"title"`
	Type  string `json:"type"`
}

func (s reportSpec[T]) columnsJSON() []reportColumnJSON {
	out := make([]reportColumnJSON, len(s.columns))
	for i, c := range s.columns {
		out[i] = reportColumnJSON{Key: c.key, Title: c.title, Type: c.kind.String()}
	}
	return out
}

// rowJSON is a row as an object keyed by column key.
func (s reportSpec[T]) rowJSON(row T) map[string]any {
	out := make(map[string]any, len(s.columns))
	for _, c := range s.columns {
		out[c.key] = jsonValue(c.value(row))
	}
	return out
}

func (s reportSpec[T]) rowsJSON(rows []T) []map[string]any {
	out := make([]map[string]any, len(rows))
	for i, r := range rows {
		out[i] = s.rowJSON(r)
	}
	return out
}

// exportFormat checks ?format (default def) and answers 422 for anything else than csv,
// xlsx or json.
func exportFormat(w http.ResponseWriter, r *http.Request, def string) (string, bool) {
	format := r.URL.Query().Get("format")
	if format == "" {
		format = def
	}
	if format != "json" && format != "csv" && format != "xlsx" {
		writeError(w, &events.Error{Code: events.CodeInvalid, Message: "format must be json, csv or xlsx", Fields: map[string]string{"format": "must be json, csv or xlsx"}})
		return "", false
	}
	return format, true
}

// writeReport streams every row of src as format (csv, xlsx or json). The caller holds
// an export turn (startExport: at most maxExports at a time). The first page is fetched
// before anything is written, so its error still gets a proper status.
func writeReport[T any](m *Main, w http.ResponseWriter, r *http.Request, spec reportSpec[T], format string, src rowPages[T]) {
	first, next, err := src(r.Context(), "")
	if err != nil {
		m.exportFailed(w, r, err)
		return
	}
	// pages calls each with the first page, then every further one. An empty page does
	// not end the export (a list of a composite export may be empty); a cursor that
	// does not move on does.
	pages := func(each func([]T) error) error {
		if err := each(first); err != nil {
			return err
		}
		for cursor := next; cursor != ""; {
			rows, n, err := src(r.Context(), cursor)
			if err != nil {
				return err
			}
			if err := each(rows); err != nil {
				return err
			}
			if n == cursor {
				return fmt.Errorf("web: export %s: the cursor %q does not move on", spec.name, cursor)
			}
			cursor = n
		}
		return nil
	}
	switch format {
	case "csv":
		err = writeReportCSV(w, spec, pages)
	case "xlsx":
		err = writeReportXLSX(w, spec, pages)
	default:
		err = writeReportJSON(w, spec, pages)
	}
	if err != nil {
		m.log.Error("export failed part way", "path", r.URL.Path, "format", format, "err", err)
	}
}

func attachment(w http.ResponseWriter, contentType, filename string) {
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
}

// writeReportCSV writes the header and every row as CSV, every cell neutralised against
// formulas, behind a UTF-8 byte-order mark.
func writeReportCSV[T any](w http.ResponseWriter, spec reportSpec[T], pages func(func([]T) error) error) error {
	attachment(w, "text/csv; charset=utf-8", spec.name+".csv")
	cw := newCSV(w)
	line := make([]string, len(spec.columns))
	for i, c := range spec.columns {
		line[i] = c.title
	}
	if err := cw.Write(csvSafe(line...)); err != nil {
		return err
	}
	return pages(func(rows []T) error {
		for _, row := range rows {
			for i, c := range spec.columns {
				line[i] = csvText(c.value(row))
			}
			if err := cw.Write(csvSafe(line...)); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	})
}

// writeReportJSON streams {"report", "columns", "rows"} with rows as objects keyed by
// column key, one row encoded at a time.
func writeReportJSON[T any](w http.ResponseWriter, spec reportSpec[T], pages func(func([]T) error) error) error {
	attachment(w, "application/json", spec.name+".json")
	head, err := json.Marshal(struct {
		Report  string             `json:"report"`
		Columns []reportColumnJSON `json:"columns"`
	}{spec.name, spec.columnsJSON()})
	if err != nil {
		return err
	}
	if _, err := w.Write(append(head[:len(head)-1], `,"rows":[`...)); err != nil {
		return err
	}
	enc := json.NewEncoder(w)
	n := 0
	err = pages(func(rows []T) error {
		for _, row := range rows {
			if n > 0 {
				if _, err := w.Write([]byte(",")); err != nil {
					return err
				}
			}
			n++
			if err := enc.Encode(spec.rowJSON(row)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	_, err = w.Write([]byte("]}\n"))
	return err
}

// writeReportXLSX streams the report into one worksheet named after it with excelize's
// StreamWriter (rows go to a temporary file beyond a small buffer): a bold header frozen
// above the rows, an auto-filter over every column, widths per column, numbers as
// numbers, dates as dates and yes/no as booleans.
func writeReportXLSX[T any](w http.ResponseWriter, spec reportSpec[T], pages func(func([]T) error) error) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := sheetName(spec.sheet)
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	dateFmt := "yyyy-mm-dd"
	date, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dateFmt})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	titles := uniqueTitles(spec.columns)
	for i, c := range spec.columns {
		if err := sw.SetColWidth(i+1, i+1, columnWidth(c.width, c.kind, titles[i])); err != nil {
			return err
		}
	}
	header := make([]any, len(titles))
	for i, t := range titles {
		header[i] = excelize.Cell{StyleID: bold, Value: t}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	n := 1
	cells := make([]any, len(spec.columns))
	err = pages(func(rows []T) error {
		for _, row := range rows {
			n++
			for i, c := range spec.columns {
				v := c.value(row)
				if t, ok := v.(time.Time); ok {
					v = excelize.Cell{StyleID: date, Value: t}
				}
				cells[i] = v
			}
			cell, _ := excelize.CoordinatesToCellName(1, n)
			if err := sw.SetRow(cell, cells); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	last, _ := excelize.CoordinatesToCellName(len(spec.columns), max(n, 2))
	if err := sw.AddTable(&excelize.Table{Range: "A1:" + last, Name: tableName(spec.name), StyleName: "TableStyleLight1"}); err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	attachment(w, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", spec.name+".xlsx")
	_, err = f.WriteTo(w)
	return err
}

// sheetName fits a title into a worksheet name: at most 31 characters, none of []:*?/\.
func sheetName(title string) string {
	s := strings.Map(func(r rune) rune {
		if strings.ContainsRune(`[]:*?/\`, r) {
			return ' '
		}
		return r
	}, title)
	if r := []rune(s); len(r) > 31 {
		s = strings.TrimSpace(string(r[:31]))
	}
	if s == "" {
		return "Report"
	}
	return s
}

// tableName is a worksheet table's name: letters, digits and underscores.
func tableName(name string) string {
	return "Report_" + strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return r
		}
		return '_'
	}, name)
}

// uniqueTitles are the columns' titles, a repeated one numbered (a table's headers must
// differ).
func uniqueTitles[T any](cols []column[T]) []string {
	seen := map[string]int{}
	out := make([]string, len(cols))
	for i, c := range cols {
		t := c.title
		if seen[t]++; seen[t] > 1 {
			t += " (" + strconv.Itoa(seen[t]) + ")"
		}
		out[i] = t
	}
	return out
}

func columnWidth(w float64, kind cellKind, title string) float64 {
	if w > 0 {
		return w
	}
	switch kind {
	case numberCell, yesNoCell:
		w = 9
	case dateCell:
		w = 12
	default:
		w = 20
	}
	return max(w, float64(len([]rune(title))+4))
}

// shownAs returns s with the page showing column key's text through f — a track's name
// for its id; downloads keep the value.
func (s reportSpec[T]) shownAs(key string, f func(string) string) reportSpec[T] {
	s.columns = slices.Clone(s.columns)
	for i, c := range s.columns {
		if c.key == key {
			value := c.value
			s.columns[i].screen = func(r T) string { return f(csvText(value(r))) }
		}
	}
	return s
}

// table is the report as the page shows it: the columns that are not download-only,
// with each cell's text (dates and numbers kept typed for the view).
func (s reportSpec[T]) table(rows []T, sortKeys []string, sort string, sortURL func(key string) string) ([]views.ReportColumn, [][]views.ReportCell) {
	var heads []sortableColumn
	for _, c := range s.columns {
		if !c.download {
			heads = append(heads, sortableColumn{key: c.key, title: c.title, numeric: c.kind == numberCell, sortable: slices.Contains(sortKeys, c.key)})
		}
	}
	cols := sortColumns(heads, sort, sortURL)
	out := make([][]views.ReportCell, len(rows))
	for i, row := range rows {
		for _, c := range s.columns {
			if c.download {
				continue
			}
			var cell views.ReportCell
			v := c.value(row)
			switch {
			case c.screen != nil:
				cell.Text = c.screen(row)
			case c.kind == dateCell && v != nil:
				cell.Date = csvText(v)
			case c.kind == yesNoCell:
				if v == true {
					cell.Text = "yes"
				}
			default:
				cell.Text = csvText(v)
			}
			cell.Numeric = c.kind == numberCell
			if c.person != nil {
				cell.Person = c.person(row)
			}
			out[i] = append(out[i], cell)
		}
	}
	return cols, out
}

// sortableColumn is a column header of a table on a page.
type sortableColumn struct {
	key, title        string
	numeric, sortable bool
}

// sortColumns are the headers of a table sorted by sort (a column key, descending after
// "-"): a sortable column links to sortURL of the order a click asks for — ascending,
// or descending when it is sorted ascending already — and carries its aria-sort.
func sortColumns(cols []sortableColumn, sort string, sortURL func(key string) string) []views.ReportColumn {
	out := make([]views.ReportColumn, len(cols))
	for i, c := range cols {
		rc := views.ReportColumn{Title: c.title, Numeric: c.numeric}
		if c.sortable {
			rc.Sort, rc.Href = "none", sortURL(c.key)
			switch sort {
			case c.key:
				rc.Sort, rc.Href = "ascending", sortURL("-"+c.key)
			case "-" + c.key:
				rc.Sort = "descending"
			}
		}
		out[i] = rc
	}
	return out
}
