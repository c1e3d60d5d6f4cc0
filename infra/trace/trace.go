// Package trace carries a W3C trace context (the traceparent value) through a request:
// from the browser's HTTP request, over NATS request-reply headers, into the events a
// command appends (the envelope's trace field) and into what consumers of those events do.
// It records no spans; it keeps the causal thread that logs and a tracer can follow.
package trace

import (
	"context"
	"crypto/rand"
	"encoding/hex"
)

// Header is the W3C header (and NATS header) name.
const Header = "traceparent"

type key struct{}

// With returns ctx carrying traceparent tp (ignored if malformed).
func With(ctx context.Context, tp string) context.Context {
	if !Valid(tp) {
		return ctx
	}
	return context.WithValue(ctx, key{}, tp)
}

// From returns the traceparent carried by ctx, or "".
func From(ctx context.Context) string {
	tp, _ := ctx.Value(key{}).(string)
	return tp
}

// New starts a trace: a fresh traceparent, sampled.
func New() string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	return "00-" + hex.EncodeToString(b[:16]) + "-" + hex.EncodeToString(b[16:]) + "-01"
}

// Ensure returns ctx with tp if it is valid, else with a new trace, and the value used.
func Ensure(ctx context.Context, tp string) (context.Context, string) {
	if !Valid(tp) {
		tp = New()
	}
	return context.WithValue(ctx, key{}, tp), tp
}

// Valid reports whether tp is a version-00 traceparent with non-zero ids.
func Valid(tp string) bool {
	if len(tp) != 55 || tp[:3] != "00-" || tp[35] != '-' || tp[52] != '-' {
		return false
	}
	trace, parent, flags := tp[3:35], tp[36:52], tp[53:]
	return isHex(trace) && isHex(parent) && isHex(flags) &&
		trace != "00000000000000000000000000000000" && parent != "0000000000000000"
}

func isHex(s string) bool {
	for _, c := range []byte(s) {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return s != ""
}
