package notify

import (
	"time"

	"onramp.dev/events"
)

// Day is a calendar day (2026-12-05) as people read it in a notification or e-mail:
// "Sat 5 Dec 2026". Anything that is not a day comes back unchanged ("" stays "").
func Day(date string) string {
	t, err := time.Parse(events.DateLayout, date)
	if err != nil {
		return date
	}
	return t.Format("Mon 2 Jan 2006")
}
