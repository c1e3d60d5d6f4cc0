package views

import (
	"strings"
	"testing"
	"time"
)

func TestDatesInWords(t *testing.T) {
	defer func(f func() time.Time) { now = f }(now)
	now = func() time.Time { return time.Date(2026, 12, 2, 23, 30, 0, 0, time.UTC) }
	for _, tc := range []struct {
		in, date, rel, due string
		done, overdue      bool
	}{
		{in: "2026-12-02", date: "Wed 2 Dec 2026", rel: "today", due: "due today"},
		{in: "2026-12-03", date: "Thu 3 Dec 2026", rel: "tomorrow", due: "due tomorrow"},
		{in: "2026-12-09", date: "Wed 9 Dec 2026", rel: "in 7 days", due: "due in 7 days"},
		{in: "2026-12-01", date: "Tue 1 Dec 2026", rel: "yesterday", due: "1 day overdue", overdue: true},
		{in: "2026-11-20", date: "Fri 20 Nov 2026", rel: "12 days ago", due: "12 days overdue", overdue: true},
		{in: "2026-11-20", date: "Fri 20 Nov 2026", rel: "12 days ago", due: "was due 20 Nov", done: true},
		{in: "2026-11-30T09:05:00Z", date: "Mon 30 Nov 2026, 09:05 UTC", rel: "2 days ago", due: "2 days overdue", overdue: true},
		{in: "soon", date: "soon", rel: "", due: "soon"},
	} {
		if got := dateText(tc.in); got != tc.date {
			t.Errorf("dateText(%q) = %q, want %q", tc.in, got, tc.date)
		}
		if got := relativeDay(tc.in); got != tc.rel {
			t.Errorf("relativeDay(%q) = %q, want %q", tc.in, got, tc.rel)
		}
		if got := dueText(tc.in, tc.done); got != tc.due {
			t.Errorf("dueText(%q, %v) = %q, want %q", tc.in, tc.done, got, tc.due)
		}
		if got := dueOverdue(tc.in, tc.done); got != tc.overdue {
			t.Errorf("dueOverdue(%q, %v) = %v", tc.in, tc.done, got)
		}
	}
}

func TestFoldText(t *testing.T) {
	short := "A short note."
	if long, got := foldText(short); long || got != short {
		t.Errorf("foldText(short) = %v, %q", long, got)
	}
	note := strings.Repeat("word ", 100)
	long, opening := foldText(note)
	if !long || len(opening) > foldAt || !strings.HasPrefix(note, opening) || strings.HasSuffix(opening, " ") {
		t.Errorf("foldText(long) = %v, %q", long, opening)
	}
}
