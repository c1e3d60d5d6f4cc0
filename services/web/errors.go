package web

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"

	"github.com/nats-io/nats.go"

	"onramp.dev/events"
	"onramp.dev/infra/rpc"
	"onramp.dev/views"
)

// statusOf is the one table from error codes to HTTP statuses.
var statusOf = map[string]int{
	events.CodeBadRequest:   http.StatusBadRequest,
	events.CodeUnauthorized: http.StatusUnauthorized,
	events.CodeForbidden:    http.StatusForbidden,
	events.CodeNotFound:     http.StatusNotFound,
	events.CodeConflict:     http.StatusConflict,
	events.CodeGone:         http.StatusGone,
	events.CodeInvalid:      http.StatusUnprocessableEntity,
	events.CodeTooMany:      http.StatusTooManyRequests,
	events.CodeTooLarge:     http.StatusRequestEntityTooLarge,
	events.CodeMethod:       http.StatusMethodNotAllowed,
	events.CodeUnavailable:  http.StatusServiceUnavailable,
	events.CodeInternal:     http.StatusInternalServerError,
}

// publicError turns any error into what a user may see: codes from the services pass
// through; anything else is an internal error whose details stay in the log.
func publicError(err error) *events.Error {
	var e *events.Error
	if errors.As(err, &e) {
		return e
	}
	if errors.Is(err, rpc.ErrUnavailable) {
		return events.Errorf(events.CodeUnavailable, "a service is not available right now; try again shortly")
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
		// A service too busy to answer in time: the caller may retry, nothing is broken.
		return &events.Error{Code: events.CodeUnavailable, Message: "a service did not answer in time; try again shortly", RetryAfter: 2}
	}
	return events.Errorf(events.CodeInternal, "internal error")
}

func status(e *events.Error) int {
	if s, ok := statusOf[e.Code]; ok {
		return s
	}
	return http.StatusInternalServerError
}

// writeError answers {"error":{"code","message","fields"}}.
func writeError(w http.ResponseWriter, err error) {
	e := publicError(err)
	setRetryAfter(w, e)
	writeJSON(w, status(e), map[string]*events.Error{"error": e})
}

// setRetryAfter tells the client when to try again (429 and 503 answers).
func setRetryAfter(w http.ResponseWriter, e *events.Error) {
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(e.RetryAfter))
	}
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func (m *Main) logFailure(r *http.Request, err error) {
	if e := publicError(err); e.Code == events.CodeInternal || e.Code == events.CodeUnavailable {
		m.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
	}
}

// fail renders the friendly error page for err.
func (m *Main) fail(w http.ResponseWriter, r *http.Request, err error) {
	m.logFailure(r, err)
	e := publicError(err)
	setRetryAfter(w, e)
	title := map[int]string{
		http.StatusForbidden: "Not allowed", http.StatusNotFound: "Not found", http.StatusGone: "Gone",
		http.StatusServiceUnavailable: "Not available", http.StatusInternalServerError: "Something went wrong",
		http.StatusMethodNotAllowed: "Not allowed", http.StatusRequestEntityTooLarge: "Too large",
		http.StatusUnprocessableEntity: "Check your input", http.StatusTooManyRequests: "Too many requests",
	}[status(e)]
	msg := e.Message
	if e.Code == events.CodeForbidden {
		msg = "Your role does not give you access to this page."
	}
	m.render(w, r, status(e), views.ErrorPage(m.pageFor(r, title), status(e), title, msg))
}

func (m *Main) notFound(w http.ResponseWriter, r *http.Request) {
	m.fail(w, r, events.Errorf(events.CodeNotFound, "There is no page at this address."))
}

// crossOrigin answers a state-changing request that came from another site.
func (m *Main) crossOrigin(w http.ResponseWriter, r *http.Request) {
	e := events.Errorf(events.CodeForbidden, "cross-origin request refused")
	if isAPI(r) {
		writeError(w, e)
		return
	}
	m.render(w, r, http.StatusForbidden, views.ErrorPage(views.Page{Title: "Not allowed"}, http.StatusForbidden, "Not allowed",
		"This form was sent from another site, so it was refused. Open Onramp directly and try again."))
}

func isAPI(r *http.Request) bool {
	return len(r.URL.Path) >= 5 && r.URL.Path[:5] == "/api/"
}
