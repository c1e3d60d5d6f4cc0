package trace

import (
	"context"
	"testing"
)

func TestTraceparent(t *testing.T) {
	tp := New()
	if !Valid(tp) {
		t.Fatalf("New() = %q is not valid", tp)
	}
	for _, bad := range []string{"", "00-abc", "01-" + tp[3:], "00-00000000000000000000000000000000-0000000000000001-01", tp[:54] + "X"} {
		if Valid(bad) {
			t.Errorf("Valid(%q) = true", bad)
		}
	}
	ctx := With(context.Background(), tp)
	if From(ctx) != tp {
		t.Error("With/From lost the trace")
	}
	if From(With(context.Background(), "junk")) != "" {
		t.Error("a malformed traceparent was kept")
	}
	ctx, got := Ensure(context.Background(), "junk")
	if !Valid(got) || From(ctx) != got {
		t.Errorf("Ensure made %q", got)
	}
}

func FuzzValid(f *testing.F) {
	f.Add(New())
	f.Fuzz(func(t *testing.T, s string) {
		if Valid(s) && From(With(context.Background(), s)) != s {
			t.Fatal("a valid traceparent did not survive the context")
		}
	})
}
