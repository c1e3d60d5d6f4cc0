package web

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"unicode/utf8"

	"onramp.dev/events"
	"onramp.dev/events/identityapi"
	"onramp.dev/infra/rpc"
)

// decode reads a JSON body strictly: one value, known fields only, at most 64 KiB, and
// text that is valid UTF-8 without NUL characters.
func decode(w http.ResponseWriter, r *http.Request, v any) error { return decodeLimit(w, r, v, 64<<10) }

// decodeLimit is decode with another size limit. A body over it is 413; malformed JSON,
// unknown fields or data after the value are 400; bad text is 422 naming the field.
func decodeLimit(w http.ResponseWriter, r *http.Request, v any, limit int64) error {
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		if _, ok := errors.AsType[*http.MaxBytesError](err); ok {
			return events.Errorf(events.CodeTooLarge, "the body is larger than %d bytes", limit)
		}
		return events.Errorf(events.CodeBadRequest, "reading the body: %v", err)
	}
	return decodeBytes(raw, v)
}

func decodeBytes(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return events.Errorf(events.CodeBadRequest, "malformed JSON: %v", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return events.Errorf(events.CodeBadRequest, "malformed JSON: more than one value")
	}
	if field, ok := badJSONText(raw); ok {
		return badText(field)
	}
	return nil
}

func badText(field string) error {
	return &events.Error{Code: events.CodeInvalid, Message: "Some fields need attention.",
		Fields: map[string]string{field: "Must be valid UTF-8 text without NUL characters."}}
}

// badJSONText finds the first string in a JSON document that is not valid UTF-8 or holds
// a NUL character (escaped as \u0000 or a lone surrogate), and names its field: the
// object key it is the value of (dotted for nested objects, with [i] for array items).
// The decoder itself would silently replace such bytes.
func badJSONText(raw []byte) (string, bool) {
	if utf8.Valid(raw) && !bytes.Contains(raw, []byte(`\u0000`)) && !bytes.Contains(raw, []byte(`\ud`)) && !bytes.Contains(raw, []byte(`\uD`)) {
		return "", false // the common case: nothing to look for
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	type level struct {
		object bool
		key    string
		index  int
		atKey  bool // in an object, the next string is a key
	}
	var stack []level
	path := func() string {
		var b strings.Builder
		for _, l := range stack {
			if l.object {
				if b.Len() > 0 {
					b.WriteByte('.')
				}
				b.WriteString(l.key)
			} else {
				fmt.Fprintf(&b, "[%d]", l.index)
			}
		}
		return cmp.Or(b.String(), "body")
	}
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return "", false
		}
		end := dec.InputOffset()
		top := len(stack) - 1
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, level{object: true, atKey: true})
			case '[':
				stack = append(stack, level{})
			default:
				stack = stack[:top]
				if top > 0 {
					bumpLevel(&stack[top-1].object, &stack[top-1].atKey, &stack[top-1].index)
				}
			}
			continue
		case string:
			bad := strings.ContainsRune(t, 0) || !utf8.Valid(raw[start:end]) || strings.ContainsRune(t, utf8.RuneError) && hasBadEscape(raw[start:end])
			if top >= 0 && stack[top].object && stack[top].atKey {
				stack[top].key, stack[top].atKey = t, false
				if bad {
					return path(), true
				}
				continue
			}
			if bad {
				return path(), true
			}
		}
		if top >= 0 {
			bumpLevel(&stack[top].object, &stack[top].atKey, &stack[top].index)
		}
	}
}

// bumpLevel moves a level past one value: an object expects a key next, an array the
// next item.
func bumpLevel(object, atKey *bool, index *int) {
	if *object {
		*atKey = true
	} else {
		*index++
	}
}

// hasBadEscape reports whether a raw JSON string holds an escaped lone surrogate, which the
// decoder turns into U+FFFD.
func hasBadEscape(raw []byte) bool {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return true
	}
	// A genuine U+FFFD is written literally or as \ufffd; a surrogate escape is \ud800–\udfff.
	lower := bytes.ToLower(raw)
	for i := 0; i+6 <= len(lower); i++ {
		if lower[i] == '\\' && lower[i+1] == 'u' && lower[i+2] == 'd' && lower[i+3] >= '8' && lower[i+3] <= 'f' {
			if !isPair(lower[i:]) {
				return true
			}
			i += 11
		}
	}
	return false
}

// isPair reports whether b starts with a valid surrogate pair escape: \ud800–\udbff then
// \udc00–\udfff.
func isPair(b []byte) bool {
	return len(b) >= 12 && b[3] >= '8' && b[3] <= 'b' && b[6] == '\\' && b[7] == 'u' && b[8] == 'd' && b[9] >= 'c' && b[9] <= 'f'
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
	tok, err := rpc.Do(r.Context(), m.nc, identityapi.OpLogin, rpc.Caller{}, events.LoginRequest{
		Email: req.Email, Password: req.Password, Client: clientAddr(r),
	})
	if err != nil {
		m.logFailure(r, err)
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, tokenResponse{Token: tok.Token, ExpiresAt: tok.ExpiresAt})
}

// apiLogout ends the session of the bearer token (or session cookie) it is called with.
func (m *Main) apiLogout(w http.ResponseWriter, r *http.Request, v *viewer) {
	_, err := rpc.Do(r.Context(), m.nc, identityapi.OpLogout, v.caller(), events.RefreshRequest{})
	m.sessions.forgetToken(v.token)
	if err != nil {
		m.logFailure(r, err)
		writeError(w, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

type me struct {
	ID    string                `json:"id"`
	Email string                `json:"email"`
	Name  string                `json:"name"`
	Roles []string              `json:"roles"`
	Team  string                `json:"team"`
	Lead  string                `json:"lead"`
	Opens []identityapi.Section `json:"opens"` // decided by identity
}

func (m *Main) apiMe(w http.ResponseWriter, _ *http.Request, v *viewer) {
	writeJSON(w, http.StatusOK, me{ID: v.ID, Email: v.Email, Name: v.Name, Roles: v.Roles, Team: v.Team, Lead: v.Lead, Opens: v.Opens})
}

func (m *Main) apiPeople(w http.ResponseWriter, r *http.Request, v *viewer) {
	page, err := listPage(r)
	if err != nil {
		writeError(w, err)
		return
	}
	q := r.URL.Query()
	list, err := rpc.Do(r.Context(), m.nc, identityapi.OpPeopleList, v.caller(),
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
	reply, err := rpc.Do(r.Context(), m.nc, identityapi.OpInvite, v.caller(), events.InviteRequest(req))
	if err != nil {
		m.logFailure(r, err)
		writeError(w, err)
		return
	}
	w.Header().Set("Location", "/api/v1/people/"+reply.Person.ID)
	writeJSON(w, http.StatusCreated, inviteResponse{Person: reply.Person, SetPasswordURL: linkURL(r, reply.LinkToken), LinkExpiresAt: reply.ExpiresAt})
}

func (m *Main) apiPerson(w http.ResponseWriter, r *http.Request, v *viewer) {
	p, err := rpc.Do(r.Context(), m.nc, identityapi.OpPeopleGet, v.caller(), events.PersonRequest{ID: r.PathValue("id")})
	if err != nil {
		m.logFailure(r, err)
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, p)
}
