package events

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNewIDIsUUIDv7(t *testing.T) {
	now := time.Date(2026, 11, 22, 10, 0, 0, 0, time.UTC)
	seen := map[string]bool{}
	for range 1000 {
		id := NewID(now)
		if !IsID(id) || id[14] != '7' || !strings.ContainsRune("89ab", rune(id[19])) {
			t.Fatalf("NewID = %q, not a UUIDv7", id)
		}
		if seen[id] {
			t.Fatalf("duplicate id %s", id)
		}
		seen[id] = true
	}
	if a, b := NewID(now), NewID(now.Add(time.Millisecond)); a[:13] >= b[:13] {
		t.Errorf("ids do not sort by time: %s then %s", a, b)
	}
}

func TestSubjects(t *testing.T) {
	tests := []struct{ got, want string }{
		{Subject("identity.staff.hired", "p1"), "onramp.identity.staff.p1.hired"},
		{TypeFilter("identity.staff.hired"), "onramp.identity.staff.*.hired"},
		{RecordFilter("identity", "staff", "p1"), "onramp.identity.staff.p1.>"},
		{StreamFor("identity.staff.hired"), "IDENTITY"},
		{StreamFor("identity.session.started"), "SESSIONS"},
		{StreamFor("notify.link.requested"), "NOTIFY"},
		{StreamFor("nothing.here.x"), ""},
		{StreamFilter("SESSIONS"), "onramp.identity.session.>"},
		{StreamFilter("ONBOARDING"), "onramp.onboarding.>"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("got %q, want %q", tt.got, tt.want)
		}
	}
}

func validHired() StaffHired {
	return StaffHired{Email: "ada@example.org", Name: "Ada", Roles: []string{RoleHire}, Team: "platform", Track: "infrastructure", StartDate: "2026-12-01"}
}

func TestNewAndDecodeRoundTrip(t *testing.T) {
	env, err := New("hr-1", "p1", validHired(), time.Now())
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(env)
	got, err := Decode(raw)
	if err != nil {
		t.Fatal(err)
	}
	var p StaffHired
	if err := got.Payload(&p); err != nil {
		t.Fatal(err)
	}
	if p.Email != "ada@example.org" || got.Actor != "hr-1" || got.Type != "identity.staff.hired" {
		t.Errorf("round trip lost data: %+v %+v", got, p)
	}
}

func TestValidation(t *testing.T) {
	bad := func(f func(*StaffHired)) StaffHired { h := validHired(); f(&h); return h }
	tests := []struct {
		name  string
		p     Payload
		field string
	}{
		{"upper-case email", bad(func(h *StaffHired) { h.Email = "Ada@Example.org" }), "email"},
		{"display-name email", bad(func(h *StaffHired) { h.Email = "Ada <ada@example.org>" }), "email"},
		{"no name", bad(func(h *StaffHired) { h.Name = " " }), "name"},
		{"unknown role", bad(func(h *StaffHired) { h.Roles = []string{"pilot"} }), "roles"},
		{"team with dot", bad(func(h *StaffHired) { h.Team = "a.b" }), "team"},
		{"bad date", bad(func(h *StaffHired) { h.StartDate = "01/12/2026" }), "start_date"},
		{"disabled without reason", StaffDisabled{}, "reason"},
		{"short token hash", LinkIssued{TokenHash: "ab", ExpiresAt: time.Now()}, "token_hash"},
		{"plain password", PasswordSet{Hash: "secret", TokenHash: strings.Repeat("a", 64)}, "hash"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.field) {
				t.Fatalf("Validate() = %v, want ErrInvalid naming %s", err, tt.field)
			}
			if _, err := New("x", "p1", tt.p, time.Now()); !errors.Is(err, ErrInvalid) {
				t.Fatalf("New accepted an invalid payload: %v", err)
			}
		})
	}
}

func TestEnvelopeRejectsBadFields(t *testing.T) {
	env, _ := New("hr-1", "p1", validHired(), time.Now())
	tests := map[string]func(*Envelope){
		"id":      func(e *Envelope) { e.ID = "nope" },
		"type":    func(e *Envelope) { e.Type = "hired" },
		"version": func(e *Envelope) { e.Version = 0 },
		"actor":   func(e *Envelope) { e.Actor = "" },
		"subject": func(e *Envelope) { e.Subject = "a.b" },
		"data":    func(e *Envelope) { e.Data = []byte("{") },
	}
	for name, f := range tests {
		e := env
		f(&e)
		if err := e.Validate(); !errors.Is(err, ErrInvalid) {
			t.Errorf("%s: Validate() = %v, want ErrInvalid", name, err)
		}
	}
	var p StaffDisabled
	if err := env.Payload(&p); !errors.Is(err, ErrInvalid) {
		t.Errorf("Payload with wrong type = %v, want ErrInvalid", err)
	}
}

func FuzzDecode(f *testing.F) {
	env, _ := New("hr-1", "p1", validHired(), time.Now())
	raw, _ := json.Marshal(env)
	f.Add(raw)
	f.Add([]byte(`{"id":"x"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Decode(b)
		if err != nil {
			return
		}
		var p StaffHired
		_ = e.Payload(&p)
	})
}
