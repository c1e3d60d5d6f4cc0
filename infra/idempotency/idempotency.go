// Package idempotency carries a client's Idempotency-Key from the HTTP request, through the
// NATS requests made for it, into the ids of the records and events the command creates. A
// client that retries a command after a lost answer (or a crash) then creates the same
// record and appends the same events: JetStream drops the copies by event id (a duplicate
// window of 24 hours), and a record that exists already is answered as it is.
package idempotency

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"sync"
	"time"

	"onramp.dev/events"
)

// Header carries the (caller-scoped) key on NATS requests.
const Header = "Idempotency-Key"

type ctxKey struct{}

type request struct {
	key    string
	mu     sync.Mutex
	events int // events appended so far
	ids    int // record ids handed out so far
	calls  int // requests made to other services so far
}

// With returns ctx carrying key ("" leaves ctx as it is).
func With(ctx context.Context, key string) context.Context {
	if key == "" {
		return ctx
	}
	return context.WithValue(ctx, ctxKey{}, &request{key: key})
}

// From returns the key ctx carries, or "".
func From(ctx context.Context) string {
	if r, ok := ctx.Value(ctxKey{}).(*request); ok {
		return r.key
	}
	return ""
}

// NextEventID is the id for the next event the request appends: derived from the key and
// the event's place among the request's appends; ok is false without a key. Call
// EventAppended once the append went through, so a refused append (a conflict, decided
// again) reuses the id.
func NextEventID(ctx context.Context) (string, bool) {
	r, ok := ctx.Value(ctxKey{}).(*request)
	if !ok {
		return "", false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return derive(r.key, "event", r.events), true
}

// EventAppended moves on to the next event id.
func EventAppended(ctx context.Context) {
	if r, ok := ctx.Value(ctxKey{}).(*request); ok {
		r.mu.Lock()
		r.events++
		r.mu.Unlock()
	}
}

// RecordID is the id of a new record the request creates: derived from the key when ctx
// carries one (the n-th record of the request), else a fresh UUIDv7.
func RecordID(ctx context.Context, now time.Time) string {
	r, ok := ctx.Value(ctxKey{}).(*request)
	if !ok {
		return events.NewID(now)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	id := derive(r.key, "record", r.ids)
	r.ids++
	return id
}

// ForCall is the key to send with the request's next call to another service: each call
// gets its own, so two services never derive the same ids ("" without a key).
func ForCall(ctx context.Context) string {
	r, ok := ctx.Value(ctxKey{}).(*request)
	if !ok {
		return ""
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	return r.key + "/" + strconv.Itoa(r.calls)
}

// Scope makes a client's key specific to the caller, so two people's keys never meet.
func Scope(caller, key string) string {
	h := sha256.Sum256([]byte(caller + "\x00" + key))
	return hex.EncodeToString(h[:16])
}

// derive makes a UUID (version 8: application-defined) from the key, a kind and a place.
func derive(key, kind string, n int) string {
	h := sha256.Sum256([]byte(key + "\x00" + kind + "\x00" + strconv.Itoa(n)))
	b := h[:16]
	b[6] = b[6]&0x0f | 0x80 // version 8
	b[8] = b[8]&0x3f | 0x80 // variant 10
	s := hex.EncodeToString(b)
	return s[0:8] + "-" + s[8:12] + "-" + s[12:16] + "-" + s[16:20] + "-" + s[20:32]
}
