package web

import (
	"net/http"

	"onramp.dev/events"
	"onramp.dev/infra/rpc"
)

// Web calls a service in one way: rpc.Do with the operation as its service declares it
// (events/<service>api), for the caller (v.caller(), or rpc.Caller{} before sign-in). The
// operation's Req and Resp types are checked against the service's handler at compile
// time, and go-to-definition on the operation leads to it.

// apiCall relays one JSON API request to op for the viewer and writes its answer with
// okStatus, or the service's refusal.
func apiCall[Req, Resp any](m *Main, w http.ResponseWriter, r *http.Request, v *viewer, op events.Op[Req, Resp], req Req, okStatus int) {
	resp, err := rpc.Do(r.Context(), m.nc, op, v.caller(), req)
	if err != nil {
		m.logFailure(r, err)
		writeError(w, err)
		return
	}
	var out any = resp
	if pv, ok := out.(events.PlanView); ok && pv.Hire == "" {
		out = planRef{ID: pv.ID} // acted on a task of a plan the caller may not see
	}
	writeJSON(w, okStatus, out)
}
