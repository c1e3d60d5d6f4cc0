package notify

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"onramp.dev/events"
)

// The reminder ladder. Each open item with a due date climbs these rungs, judged on the
// reader's calendar day, at or after ReminderHour on a working day:
//
//	soon       due in 1–3 days                    owner
//	today      due today                          owner
//	overdue-N  N days overdue (every working day) owner
//	lead       2 or more days overdue             + the hire's lead
//	hr         7 or more days overdue             + HR
//
// The rungs are not told one by one: each person gets one reminder a day (Reminders, keyed
// by ReminderKey) listing every rung that applies to them that day. An item stays in the
// owner's reminder every working day while it is soon, due or overdue; in a lead's while
// it is 2 or more days overdue, in HR's while it is 7 or more — daily, not once: an
// escalation that is said once is forgotten, and one reminder a day keeps it bounded. A
// done item drops out the next day, and a new due date is judged afresh.
//
// Certifications keep their own rungs (CertRung), each told once per certification and
// expiry date: at most four notices in a certification's life, not a daily matter.

// ReminderHour is the local hour from which reminders go out.
const ReminderHour = 9

// Rung is one step of the ladder that applies to an item now.
type Rung struct {
	Name string // soon, today, overdue-N, lead, hr
	To   string // who gets it: owner, lead or hr
	Days int    // days until due (negative: overdue)
}

// Rungs returns the rungs that apply to an item due on due (a date) when the owner's day
// is today.
func Rungs(due, today string) []Rung {
	d, err1 := time.Parse(events.DateLayout, due)
	t, err2 := time.Parse(events.DateLayout, today)
	if err1 != nil || err2 != nil {
		return nil
	}
	days := int(d.Sub(t).Hours() / 24)
	switch {
	case days >= 1 && days <= 3:
		return []Rung{{Name: "soon", To: "owner", Days: days}}
	case days == 0:
		return []Rung{{Name: "today", To: "owner"}}
	case days < 0:
		out := []Rung{{Name: "overdue-" + strconv.Itoa(-days), To: "owner", Days: days}}
		if days <= -2 {
			out = append(out, Rung{Name: "lead", To: "lead", Days: days})
		}
		if days <= -7 {
			out = append(out, Rung{Name: "hr", To: "hr", Days: days})
		}
		return out
	}
	return nil
}

// Reach reports whether an item with rungs (Rungs of its due date and the day) reaches a
// reader in the role to (owner, lead or hr), and how many days it has until due (negative:
// overdue).
func Reach(rungs []Rung, to string) (int, bool) {
	for _, r := range rungs {
		if r.To == to {
			return r.Days, true
		}
	}
	return 0, false
}

// RungKey names a rung of an item for a due date: what is recorded so it fires once (the
// certification rungs; task and training rungs are told in the daily reminder, keyed by
// ReminderKey).
func RungKey(item, due, rung string) string { return "ladder:" + item + ":" + due + ":" + rung }

// Workdays are the days reminders go out on.
type Workdays []time.Weekday

// DefaultWorkdays are Monday to Friday.
var DefaultWorkdays = Workdays{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}

// ParseWorkdays reads "mon-fri" or "mon,tue,thu" style lists.
func ParseWorkdays(s string) (Workdays, error) {
	if s == "" {
		return DefaultWorkdays, nil
	}
	names := []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}
	day := func(n string) (time.Weekday, error) {
		i := slices.Index(names, strings.ToLower(strings.TrimSpace(n)))
		if i < 0 {
			return 0, fmt.Errorf("notify: unknown weekday %q", n)
		}
		return time.Weekday(i), nil
	}
	var out Workdays
	for part := range strings.SplitSeq(s, ",") {
		if a, b, ok := strings.Cut(part, "-"); ok {
			from, err := day(a)
			if err != nil {
				return nil, err
			}
			to, err := day(b)
			if err != nil {
				return nil, err
			}
			for d := from; ; d = (d + 1) % 7 {
				out = append(out, d)
				if d == to {
					break
				}
			}
			continue
		}
		d, err := day(part)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// ReminderDay returns the owner's local date when reminders may go out at now in loc (on
// a working day, from ReminderHour), and false otherwise.
func ReminderDay(now time.Time, loc *time.Location, work Workdays) (string, bool) {
	local := now.In(loc)
	if !slices.Contains(work, local.Weekday()) || local.Hour() < ReminderHour {
		return "", false
	}
	return local.Format(events.DateLayout), true
}

// CertRung is the rung of a certification's expiry that applies today: the nearest of 90,
// 60 and 30 days ahead, or "expired" — each once per certification and expiry date.
func CertRung(expires, today string) (Rung, bool) {
	d, err1 := time.Parse(events.DateLayout, expires)
	t, err2 := time.Parse(events.DateLayout, today)
	if err1 != nil || err2 != nil {
		return Rung{}, false
	}
	days := int(d.Sub(t).Hours() / 24)
	switch {
	case days <= 0:
		return Rung{Name: "expired", To: "owner", Days: days}, true
	case days <= 30:
		return Rung{Name: "30", To: "owner", Days: days}, true
	case days <= 60:
		return Rung{Name: "60", To: "owner", Days: days}, true
	case days <= 90:
		return Rung{Name: "90", To: "owner", Days: days}, true
	}
	return Rung{}, false
}

// CertText is the title and body of a certification rung.
func CertText(r Rung, it Tracked, holder string) (title, body string) {
	if r.Name == "expired" {
		return it.Title + " of " + holder + " has expired", it.Title + " expired on " + Day(it.Due) + "."
	}
	return fmt.Sprintf("%s of %s expires in %d days", it.Title, holder, r.Days), it.Title + " expires on " + Day(it.Due) + "."
}
