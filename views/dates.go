package views

import (
	"context"
	"fmt"
	"time"
)

// DateStyle is how a person reads dates: Go layouts for a day, a day with its time, and a
// day without the year ("20 Nov").
type DateStyle struct{ Day, DayTime, Short string }

// The date styles a person may choose (their setting; web maps it to one of these).
var (
	DatesGB  = DateStyle{Day: "Mon 2 Jan 2006", DayTime: "Mon 2 Jan 2006, 15:04", Short: "2 Jan"}
	DatesUS  = DateStyle{Day: "Mon, Jan 2, 2006", DayTime: "Mon, Jan 2, 2006, 3:04 PM", Short: "Jan 2"}
	DatesISO = DateStyle{Day: "2006-01-02", DayTime: "2006-01-02 15:04", Short: "01-02"}
)

type dateStyleKey struct{}

// WithDateStyle returns ctx carrying the viewer's date style; pages rendered with it show
// every date that way (en-GB without one).
func WithDateStyle(ctx context.Context, s DateStyle) context.Context {
	return context.WithValue(ctx, dateStyleKey{}, s)
}

// DayText is a calendar day in the style ctx carries, for text built outside a template.
func DayText(ctx context.Context, t time.Time) string { return t.Format(dateStyle(ctx).Day) }

func dateStyle(ctx context.Context) DateStyle {
	if s, ok := ctx.Value(dateStyleKey{}).(DateStyle); ok && s.Day != "" {
		return s
	}
	return DatesGB
}

// now is the clock the relative phrases ("in 3 days") are measured against.
var now = time.Now

// dateLayout is how the services write calendar days.
const dateLayout = "2006-01-02"

// parseWhen reads a calendar day (2026-12-03) or a moment (RFC 3339).
func parseWhen(s string) (t time.Time, withTime, ok bool) {
	if t, err := time.Parse(dateLayout, s); err == nil {
		return t, false, true
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t.UTC(), true, true
	}
	return time.Time{}, false, false
}

// dateText is a day or moment in the viewer's date style (en-GB: "Thu 3 Dec 2026", and
// for a moment "Thu 3 Dec 2026, 14:05 UTC"). Anything else comes back unchanged.
func dateText(ctx context.Context, s string) string {
	t, withTime, ok := parseWhen(s)
	st := dateStyle(ctx)
	switch {
	case !ok:
		return s
	case withTime:
		return t.Format(st.DayTime) + " UTC"
	}
	return t.Format(st.Day)
}

// daysFromToday is the number of calendar days from today (UTC, as due dates are kept) to s.
func daysFromToday(s string) (int, bool) {
	t, _, ok := parseWhen(s)
	if !ok {
		return 0, false
	}
	today, _ := time.Parse(dateLayout, now().UTC().Format(dateLayout))
	day, _ := time.Parse(dateLayout, t.Format(dateLayout))
	return int(day.Sub(today).Hours() / 24), true
}

// relativeDay is "today", "tomorrow", "yesterday", "in 3 days" or "3 days ago".
func relativeDay(s string) string {
	n, ok := daysFromToday(s)
	switch {
	case !ok:
		return ""
	case n == 0:
		return "today"
	case n == 1:
		return "tomorrow"
	case n == -1:
		return "yesterday"
	case n > 1:
		return fmt.Sprintf("in %d days", n)
	}
	return fmt.Sprintf("%d days ago", -n)
}

// dueText is an open task's due date in words: "due today", "due in 3 days",
// "1 day overdue"; a done item's is its short date ("was due 20 Nov", or "due 9 Dec" when
// it was done ahead of a date still to come).
func dueText(ctx context.Context, due string, done bool) string {
	n, ok := daysFromToday(due)
	switch {
	case !ok:
		return due
	case done && n >= 0:
		t, _, _ := parseWhen(due)
		return "due " + t.Format(dateStyle(ctx).Short)
	case done:
		t, _, _ := parseWhen(due)
		return "was due " + t.Format(dateStyle(ctx).Short)
	case n < 0:
		return plural(-n, "day") + " overdue"
	}
	return "due " + relativeDay(due)
}

// dueOverdue reports whether an open task's due date has passed.
func dueOverdue(due string, done bool) bool {
	n, ok := daysFromToday(due)
	return ok && !done && n < 0
}

// plural is "1 day", "3 days".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
