// Package events holds Onramp's event contracts: the envelope every event travels in,
// the streams and subjects, and the versioned payload types of each domain. It depends on
// the standard library only, so every service can import it without pulling anything else.
package events

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Envelope is the one shape of every event on the bus. The ID is stable forever (it will
// become the xAPI statement id); an event a client's Idempotency-Key names has an id derived
// from the key, sent as the JetStream Nats-Msg-Id, so the client's retry is dropped by the
// stream's duplicate window (infra/bus).
type Envelope struct {
	ID      string          `json:"id"`      // UUIDv7
	Type    string          `json:"type"`    // e.g. identity.staff.hired
	Version int             `json:"version"` // payload version of Type
	Time    time.Time       `json:"time"`    // when it happened
	Actor   string          `json:"actor"`   // person id who caused it, or "system"
	Subject string          `json:"subject"` // id of the record it is about
	Data    json.RawMessage `json:"data"`
	Trace   string          `json:"trace,omitempty"` // W3C traceparent of the causing request
}

// System is the actor of events no person caused (timers, seeding, replays).
const System = "system"

// ErrInvalid marks an event (envelope or payload) that breaks its contract. Consumers
// dead-letter such events instead of retrying them.
var ErrInvalid = errors.New("invalid event")

// Payload is implemented by every event payload type.
type Payload interface {
	// EventType is the dotted type, "<domain>.<entity>.<verb>".
	EventType() string
	// EventVersion is the payload's schema version.
	EventVersion() int
	// Validate reports what is wrong with the payload, wrapping ErrInvalid.
	Validate() error
}

// New builds an envelope for p about the record subject, caused by actor, validating p.
func New(actor, subject string, p Payload, now time.Time) (Envelope, error) {
	if err := p.Validate(); err != nil {
		return Envelope{}, fmt.Errorf("events: new %s: %w", p.EventType(), err)
	}
	data, err := json.Marshal(p)
	if err != nil {
		return Envelope{}, fmt.Errorf("events: marshal %s: %w", p.EventType(), err)
	}
	env := Envelope{
		ID:      NewID(now),
		Type:    p.EventType(),
		Version: p.EventVersion(),
		Time:    now.UTC(),
		Actor:   actor,
		Subject: subject,
		Data:    data,
	}
	return env, env.Validate()
}

// Validate checks the envelope's own fields (not the payload).
func (e Envelope) Validate() error {
	var problems []string
	if !IsID(e.ID) {
		problems = append(problems, "id is not a UUID")
	}
	if strings.Count(e.Type, ".") != 2 || strings.ContainsAny(e.Type, " *>") {
		problems = append(problems, "type must be <domain>.<entity>.<verb>")
	}
	if e.Version < 1 {
		problems = append(problems, "version must be ≥ 1")
	}
	if e.Time.IsZero() {
		problems = append(problems, "time is missing")
	}
	if e.Actor == "" {
		problems = append(problems, "actor is missing")
	}
	if !IsToken(e.Subject) {
		problems = append(problems, "subject must be a non-empty id without dots, spaces or wildcards")
	}
	if len(e.Data) == 0 || !json.Valid(e.Data) {
		problems = append(problems, "data is not JSON")
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(problems, "; "))
	}
	return nil
}

// Decode parses raw bytes into an envelope and validates it.
func Decode(raw []byte) (Envelope, error) {
	var e Envelope
	if err := json.Unmarshal(raw, &e); err != nil {
		return Envelope{}, fmt.Errorf("%w: envelope: %v", ErrInvalid, err)
	}
	return e, e.Validate()
}

// Payload decodes the envelope's data into p (strictly: unknown fields are an error for
// the same version) and validates it.
func (e Envelope) Payload(p Payload) error {
	if e.Type != p.EventType() {
		return fmt.Errorf("%w: type %s, want %s", ErrInvalid, e.Type, p.EventType())
	}
	if e.Version != p.EventVersion() {
		return fmt.Errorf("%w: %s version %d, want %d", ErrInvalid, e.Type, e.Version, p.EventVersion())
	}
	if err := json.Unmarshal(e.Data, p); err != nil {
		return fmt.Errorf("%w: %s data: %v", ErrInvalid, e.Type, err)
	}
	if err := p.Validate(); err != nil {
		return fmt.Errorf("%s: %w", e.Type, err)
	}
	return nil
}

// IsToken reports whether s can be one token of a NATS subject: non-empty, at most 128
// bytes, and free of dots, wildcards and whitespace.
func IsToken(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == '.' || r == '*' || r == '>' || r == 0x7f {
			return false
		}
	}
	return true
}

// invalid joins field problems into one ErrInvalid error, or returns nil.
func invalid(problems map[string]string) error {
	if len(problems) == 0 {
		return nil
	}
	keys := make([]string, 0, len(problems))
	for k := range problems {
		keys = append(keys, k)
	}
	sortStrings(keys)
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = k + ": " + problems[k]
	}
	return fmt.Errorf("%w: %s", ErrInvalid, strings.Join(parts, "; "))
}

// CleanText trims s and strips the Unicode bidirectional controls (embeddings, overrides,
// isolates and marks), so that a name or title cannot display reversed — "gnp.exe" shown
// as "exe.png" — around whatever it is rendered next to.
func CleanText(s string) string {
	return strings.TrimSpace(strings.Map(func(r rune) rune {
		switch {
		case r == '\u061c', r == '\u200e', r == '\u200f', r >= '\u202a' && r <= '\u202e', r >= '\u2066' && r <= '\u2069':
			return -1
		}
		return r
	}, s))
}
