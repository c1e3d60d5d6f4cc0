package devstack

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"
)

// counting counts the attributes its loggers were derived with.
type counting struct {
	slog.Handler
	n *int
}

func (c counting) WithAttrs(a []slog.Attr) slog.Handler {
	*c.n += len(a)
	return counting{c.Handler.WithAttrs(a), c.n}
}

func (c counting) WithGroup(g string) slog.Handler { return counting{c.Handler.WithGroup(g), c.n} }

// The store's logger drops everything below error without formatting the attributes of
// the loggers derived from it, and an error still carries them, groups in order.
func TestErrorsOnlyFormatsOnlyWhatItLogs(t *testing.T) {
	var buf bytes.Buffer
	derived := 0
	log := slog.New(errorsOnly{base: counting{slog.NewTextHandler(&buf, nil), &derived}}).With("engine", "ferretdb")
	conn := log.With("conn", 7).WithGroup("req").With("op", "update")
	for range 1000 {
		conn.With("id", 1).Info("handled")
		conn.Warn("unsupported command")
	}
	if buf.Len() != 0 || derived != 0 {
		t.Fatalf("dropped records formatted: %d attributes derived, output %q", derived, buf.String())
	}
	conn.Error("disk full", "code", 13)
	got := buf.String()
	for _, want := range []string{"level=ERROR", "msg=\"disk full\"", "engine=ferretdb", "conn=7", "req.op=update", "req.code=13"} {
		if !strings.Contains(got, want) {
			t.Fatalf("error record %q lacks %s", got, want)
		}
	}
	if strings.Count(got, "\n") != 1 {
		t.Fatalf("want one record, got %q", got)
	}
}
