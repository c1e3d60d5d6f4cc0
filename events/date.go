package events

import "time"

// Date is the calendar date of a moment (UTC) as dates travel (DateLayout, 2026-11-22):
// the one date helper every service uses for "today", due dates and as-of dates.
func Date(t time.Time) string { return t.UTC().Format(DateLayout) }

// DateExample is how a date-field message shows the expected date: in words, as the date
// inputs show it, never as the wire layout ("Enter the due date, such as 9 December 2026.").
const DateExample = "such as 9 December 2026"
