package web

import (
	"context"
	"net/http"
	"strconv"
	"time"

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

// exportFailed answers an export that failed before its first byte.
func (m *Main) exportFailed(w http.ResponseWriter, r *http.Request, err error) {
	if isAPI(r) {
		m.logFailure(r, err)
		writeError(w, err)
		return
	}
	m.fail(w, r, err)
}
