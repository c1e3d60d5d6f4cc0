package events

import "time"

// Date is the calendar date of a moment (UTC) as dates travel (DateLayout, 2026-11-22):
// the one date helper every service uses for "today", due dates and as-of dates.
func Date(t time.Time) string { return t.UTC().Format(DateLayout) }

// DateExample is how a date-field message shows the expected date: in words, as the date
// inputs show it, never as the wire layout ("Enter the due date, such as 9 December 2026.").
const DateExample = "such as 9 December 2026"

// Monday is the Monday of the week holding day (YYYY-MM-DD): the week trends count by;
// day itself when it is not a date.
func Monday(day string) string {
	d, err := time.Parse(DateLayout, day)
	if err != nil {
		return day
	}
	return Date(d.AddDate(0, 0, -((int(d.Weekday()) + 6) % 7)))
}

// Weeks are the Mondays of the n weeks up to the week holding today, oldest first; none
// when today is not a date.
func Weeks(n int, today string) []string {
	d, err := time.Parse(DateLayout, Monday(today))
	if err != nil {
		return nil
	}
	out := make([]string, n)
	for i := range n {
		out[i] = Date(d.AddDate(0, 0, -7*(n-1-i)))
	}
	return out
}
