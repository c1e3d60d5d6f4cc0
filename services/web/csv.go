package web

import (
	"encoding/csv"
	"io"
	"strings"
)

// newCSV starts a CSV download on w: a UTF-8 byte-order mark first, so that spreadsheet
// programs read names like "José" as UTF-8 rather than a legacy code page.
func newCSV(w io.Writer) *csv.Writer {
	_, _ = io.WriteString(w, "\uFEFF")
	return csv.NewWriter(w)
}

// csvSafe neutralises cells a spreadsheet would run as formulas (every cell, headers
// included, when any of them can come from users).
func csvSafe(cells ...string) []string {
	for i, c := range cells {
		if c != "" && strings.ContainsRune("=+-@\t\r\n", rune(c[0])) {
			cells[i] = "'" + c
		}
	}
	return cells
}
