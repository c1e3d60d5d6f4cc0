package onboarding

import (
	"time"

	tpl "onramp.dev/content/onboarding"
	"onramp.dev/events"
)

// LateTasks counts the template's tasks that, for a hire starting on start, would be due
// before today (a date in DateLayout); none for a start date already past.
func LateTasks(t tpl.Template, start time.Time, today string) int {
	if start.Format(events.DateLayout) < today {
		return 0
	}
	n := 0
	for _, task := range t.Tasks {
		if task.DueDate(start).Format(events.DateLayout) < today {
			n++
		}
	}
	return n
}
