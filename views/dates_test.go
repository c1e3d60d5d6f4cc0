package views

import (
	"context"
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
		{in: "2026-12-09", date: "Wed 9 Dec 2026", rel: "in 7 days", due: "due 9 Dec", done: true}, // done ahead of time
		{in: "2026-11-30T09:05:00Z", date: "Mon 30 Nov 2026, 09:05 UTC", rel: "2 days ago", due: "2 days overdue", overdue: true},
		{in: "soon", date: "soon", rel: "", due: "soon"},
	} {
		if got := dateText(context.Background(), tc.in); got != tc.date {
			t.Errorf("dateText(%q) = %q, want %q", tc.in, got, tc.date)
		}
		if got := relativeDay(tc.in); got != tc.rel {
			t.Errorf("relativeDay(%q) = %q, want %q", tc.in, got, tc.rel)
		}
		if got := dueText(context.Background(), tc.in, tc.done); got != tc.due {
			t.Errorf("dueText(%q, %v) = %q, want %q", tc.in, tc.done, got, tc.due)
		}
		if got := dueOverdue(tc.in, tc.done); got != tc.overdue {
			t.Errorf("dueOverdue(%q, %v) = %v", tc.in, tc.done, got)
		}
	}
}

// TestDatesInTheViewersStyle: the style a page is rendered with decides every date on it.
func TestDatesInTheViewersStyle(t *testing.T) {
	defer func(f func() time.Time) { now = f }(now)
	now = func() time.Time { return time.Date(2026, 12, 2, 23, 30, 0, 0, time.UTC) }
	for _, tc := range []struct {
		name              string
		style             DateStyle
		day, moment, done string
	}{
		{"en-GB", DatesGB, "Thu 3 Dec 2026", "Mon 30 Nov 2026, 14:05 UTC", "was due 20 Nov"},
		{"en-US", DatesUS, "Thu, Dec 3, 2026", "Mon, Nov 30, 2026, 2:05 PM UTC", "was due Nov 20"},
		{"ISO 8601", DatesISO, "2026-12-03", "2026-11-30 14:05 UTC", "was due 11-20"},
	} {
		ctx := WithDateStyle(context.Background(), tc.style)
		if got := dateText(ctx, "2026-12-03"); got != tc.day {
			t.Errorf("%s: day %q, want %q", tc.name, got, tc.day)
		}
		if got := dateText(ctx, "2026-11-30T14:05:00Z"); got != tc.moment {
			t.Errorf("%s: moment %q, want %q", tc.name, got, tc.moment)
		}
		if got := dueText(ctx, "2026-11-20", true); got != tc.done {
			t.Errorf("%s: done task %q, want %q", tc.name, got, tc.done)
		}
	}
	var b strings.Builder
	if err := dateTag("2026-12-03").Render(WithDateStyle(context.Background(), DatesUS), &b); err != nil || !strings.Contains(b.String(), ">Thu, Dec 3, 2026</time>") {
		t.Fatalf("dateTag in the US style: %q %v", b.String(), err)
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
