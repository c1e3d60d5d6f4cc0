package web

import (
	"context"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"

	"onramp.dev/events"
)

// Exports (CSV, XLSX) are the only responses that grow with the organisation. They are
// written row by row as pages of rows arrive from the owning service — no reply between
// services carries more than events.MaxPageRows rows, and no export is held whole in
// memory — and one web process writes at most maxExports at a time: a further export
// waits up to exportWait for a turn, then is told to come back (503 with Retry-After).
const (
	maxExports       = 2
	exportWait       = 3 * time.Second // the default of Main.exportWait
	exportRetryAfter = 10              // seconds
	exportDeadline   = 10 * time.Minute
)

// exportTurn waits for a turn to write an export. The returned release ends the turn.
func (m *Main) exportTurn(ctx context.Context) (release func(), err error) {
	release = func() { <-m.exports }
	select {
	case m.exports <- struct{}{}:
		return release, nil
	default:
	}
	t := time.NewTimer(m.exportWait)
	defer t.Stop()
	select {
	case m.exports <- struct{}{}:
		return release, nil
	case <-t.C:
		return nil, &events.Error{Code: events.CodeUnavailable, Message: "other exports are being written; try again in a few seconds", RetryAfter: exportRetryAfter}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// startExport takes an export turn for the request and lifts the server's write timeout
// for the export's response. On failure it has already answered (503 with Retry-After),
// as an API error or an error page.
func (m *Main) startExport(w http.ResponseWriter, r *http.Request) (release func(), ok bool) {
	release, err := m.exportTurn(r.Context())
	if err != nil {
		if e := publicError(err); e.RetryAfter > 0 && !isAPI(r) {
			w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
		}
		if isAPI(r) {
			writeError(w, err)
		} else {
			m.fail(w, r, err)
		}
		return nil, false
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(exportDeadline))
	return release, true
}

// rowSource fetches the rows of an export page by page: fetch gets a cursor ("" first)
// and returns one page's rows and the next cursor ("" after the last page).
type rowSource func(ctx context.Context, cursor string) (rows [][]string, next string, err error)

// eachPage calls each with every page of src, in order.
func eachPage(ctx context.Context, src rowSource, each func([][]string) error) error {
	cursor := ""
	for {
		rows, next, err := src(ctx, cursor)
		if err != nil {
			return err
		}
		if err := each(rows); err != nil {
			return err
		}
		if next == "" || len(rows) == 0 {
			return nil
		}
		cursor = next
	}
}

// writeCSVExport streams header and every row of src as CSV (cells a spreadsheet would
// run as formulas neutralised). The first page is fetched before anything is written, so
// its error still gets a proper status.
func (m *Main) writeCSVExport(w http.ResponseWriter, r *http.Request, filename string, header []string, src rowSource) {
	first, next, err := src(r.Context(), "")
	if err != nil {
		m.exportFailed(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+filename+`"`)
	cw := newCSV(w)
	_ = cw.Write(csvSafe(slices.Clone(header)...))
	write := func(rows [][]string) error {
		for _, row := range rows {
			if err := cw.Write(csvSafe(row...)); err != nil {
				return err
			}
		}
		cw.Flush()
		return cw.Error()
	}
	err = write(first)
	if err == nil && next != "" && len(first) > 0 {
		err = eachPage(r.Context(), func(ctx context.Context, cursor string) ([][]string, string, error) {
			if cursor == "" {
				cursor = next
			}
			return src(ctx, cursor)
		}, write)
	}
	if err != nil {
		m.log.Error("export failed part way", "path", r.URL.Path, "err", err)
	}
}

// exportFailed answers an export that failed before its first byte.
func (m *Main) exportFailed(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		m.logFailure(r, err)
		writeError(w, err)
		return
	}
	m.fail(w, r, err)
}

// writeXLSX streams a report into one worksheet with excelize's StreamWriter (rows go to
// a temporary file beyond a small buffer) and writes the file straight to the response.
// Whole numbers are written as numbers.
func writeXLSX(w http.ResponseWriter, name string, columns []string, pages func(func([][]string) error) error) error {
	f := excelize.NewFile()
	defer f.Close()
	sheet := "Report"
	if err := f.SetSheetName("Sheet1", sheet); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(sheet)
	if err != nil {
		return err
	}
	header := make([]any, len(columns))
	for i, c := range columns {
		header[i] = c
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	n := 1
	row := make([]any, len(columns))
	err = pages(func(rows [][]string) error {
		for _, r := range rows {
			n++
			row = row[:0]
			for _, c := range r {
				if v, err := strconv.Atoi(c); err == nil {
					row = append(row, v)
				} else {
					row = append(row, c)
				}
			}
			cell, _ := excelize.CoordinatesToCellName(1, n)
			if err := sw.SetRow(cell, row); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`.xlsx"`)
	_, err = f.WriteTo(w)
	return err
}
