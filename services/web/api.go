package web

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"

	"onramp.dev/events"
	"onramp.dev/infra/rpc"
)

// decode reads a JSON body strictly: one object, known fields only, at most 64 KiB.
func decode(w http.ResponseWriter, r *http.Request, v any) error {
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, 64<<10))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return events.Errorf(events.CodeBadRequest, "malformed JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return events.Errorf(events.CodeBadRequest, "malformed JSON: more than one value")
	}
	return nil
}

type tokenRequest struct {
	Email    string `json:"email"`
	Password string `json:"password"`
}

type tokenResponse struct {
	Token     string `json:"token"`
	ExpiresAt string `json:"expires_at"`
}

func (m *Main) apiToken(w http.ResponseWriter, r *http.Request) {
	var req tokenRequest
	if err := decode(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	tok, err := rpc.Call[events.TokenReply](r.Context(), m.nc, m.identity(events.OpLogin), rpc.Caller{}, events.LoginRequest{
		Email: req.Email, Password: req.Password, Client: clientAddr(r),
	})
	if err != nil {
		m.logFailure(r, err)
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, tokenResponse{Token: tok.Token, ExpiresAt: tok.ExpiresAt})
}

type me struct {
	ID    string   `json:"id"`
	Email string   `json:"email"`
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
	Team  string   `json:"team"`
	Lead  string   `json:"lead"`
}

func (m *Main) apiMe(w http.ResponseWriter, _ *http.Request, v *viewer) {
	writeJSON(w, http.StatusOK, me{ID: v.ID, Email: v.Email, Name: v.Name, Roles: v.Roles, Team: v.Team, Lead: v.Lead})
}

func (m *Main) apiPeople(w http.ResponseWriter, r *http.Request, v *viewer) {
	page, err := listPage(r)
	if err != nil {
		writeError(w, err)
		return
	}
	q := r.URL.Query()
	list, err := rpc.Call[events.PeopleReply](r.Context(), m.nc, m.identity(events.OpPeopleList), v.caller(),
		events.PeopleRequest{Page: page, Team: q.Get("team"), Role: q.Get("role"), Sort: q.Get("sort")})
	if err != nil {
		m.logFailure(r, err)
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}

type inviteRequest struct {
	Email     string   `json:"email"`
	Name      string   `json:"name"`
	Track     string   `json:"track"`
	Team      string   `json:"team"`
	Lead      string   `json:"lead"`
	StartDate string   `json:"start_date"`
	Roles     []string `json:"roles,omitempty"`
}

type inviteResponse struct {
	events.Person
	SetPasswordURL string `json:"set_password_url"`
	LinkExpiresAt  string `json:"link_expires_at"`
}

func (m *Main) apiInvite(w http.ResponseWriter, r *http.Request, v *viewer) {
	var req inviteRequest
	if err := decode(w, r, &req); err != nil {
		writeError(w, err)
		return
	}
	reply, err := rpc.Call[events.InviteReply](r.Context(), m.nc, m.identity(events.OpInvite), v.caller(), events.InviteRequest(req))
	if err != nil {
		m.logFailure(r, err)
		writeError(w, err)
		return
	}
	w.Header().Set("Location", "/api/v1/people/"+reply.Person.ID)
	writeJSON(w, http.StatusCreated, inviteResponse{Person: reply.Person, SetPasswordURL: linkURL(r, reply.LinkToken), LinkExpiresAt: reply.ExpiresAt})
}

func (m *Main) apiPerson(w http.ResponseWriter, r *http.Request, v *viewer) {
	p, err := rpc.Call[events.Person](r.Context(), m.nc, m.identity(events.OpPeopleGet), v.caller(), events.PersonRequest{ID: r.PathValue("id")})
	if err != nil {
		m.logFailure(r, err)
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}
