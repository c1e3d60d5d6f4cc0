package events

import "time"

// Date is the calendar date of a moment (UTC) as dates travel (DateLayout, 2026-11-22):
// the one date helper every service uses for "today", due dates and as-of dates.
func Date(t time.Time) string { return t.UTC().Format(DateLayout) }
