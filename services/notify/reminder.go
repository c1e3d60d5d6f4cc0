package notify

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"onramp.dev/events"
)

// The daily reminder: one notification (inbox item and e-mail) per person and day, listing
// every rung of the ladder that applies to them that day, in words and bounded: the
// owner's overdue, due-today and due-soon items, a lead's hires behind schedule (each with
// their count and worst item), and for HR counts per team and the most overdue items.
// Each list shows at most SectionLines lines and counts the rest, with a link to the page
// that has them all.

// SectionLines is how many lines a section of a reminder lists.
const SectionLines = 10

// ReminderKey is what a person's reminder of a day (their local date) is recorded under:
// one a day, whatever it lists.
func ReminderKey(day string) string { return "remind:" + day }

// Entry is one open item as a reminder lists it.
type Entry struct {
	Key   string // the item's key (ties)
	Kind  string // events.KindTaskDue or events.KindTrainingDue
	Title string
	Due   string // DateLayout
	Days  int    // until due; negative: overdue
	Hire  string // the name of whose onboarding or training it is ("" in the hire's own list)
}

// EntryOf is item as a reminder lists it, days from due, of the hire named hire.
func EntryOf(it Tracked, days int, hire string) Entry {
	return Entry{Key: it.Key, Kind: it.Kind, Title: it.Title, Due: it.Due, Days: days, Hire: hire}
}

// urgent orders entries most overdue first, then by title.
func urgent(a, b Entry) int {
	return cmp.Or(cmp.Compare(a.Days, b.Days), strings.Compare(a.Title, b.Title), strings.Compare(a.Key, b.Key))
}

// list counts entries and keeps the SectionLines most urgent.
type list struct {
	n, tasks int
	top      []Entry
}

func (l *list) add(e Entry) {
	l.n++
	if e.Kind == events.KindTaskDue {
		l.tasks++
	}
	if len(l.top) == SectionLines && urgent(e, l.top[len(l.top)-1]) >= 0 {
		return
	}
	i, _ := slices.BinarySearchFunc(l.top, e, urgent)
	l.top = slices.Insert(l.top, i, e)
	if len(l.top) > SectionLines {
		l.top = l.top[:SectionLines]
	}
}

// behind is one hire's overdue work as their lead's reminder counts it.
type behind struct {
	name     string
	n, tasks int
	worst    Entry
}

// Reminders is what one person's reminder of one day says. Add to it with Own, Lead and
// SetOrg, then word it with Message.
type Reminders struct {
	overdue, today, soon list
	hires                map[string]*behind // lead: hire id → their work 2+ days overdue
	org                  *Org
}

// Own adds an item the person holds (the owner rung), by its days until due.
func (r *Reminders) Own(e Entry) {
	switch {
	case e.Days < 0:
		r.overdue.add(e)
	case e.Days == 0:
		r.today.add(e)
	default:
		r.soon.add(e)
	}
}

// Lead adds an item of hire (an id; e.Hire is their name) that reached the lead rung.
func (r *Reminders) Lead(hire string, e Entry) {
	if r.hires == nil {
		r.hires = map[string]*behind{}
	}
	b, ok := r.hires[hire]
	if !ok {
		b = &behind{name: e.Hire, worst: e}
		r.hires[hire] = b
	}
	b.n++
	if e.Kind == events.KindTaskDue {
		b.tasks++
	}
	if urgent(e, b.worst) < 0 {
		b.worst = e
	}
}

// SetOrg makes the reminder carry HR's summary (shared by every HR person of the same day).
func (r *Reminders) SetOrg(o *Org) { r.org = o }

// Empty reports whether the reminder has nothing to say.
func (r *Reminders) Empty() bool {
	return r.overdue.n+r.today.n+r.soon.n == 0 && len(r.hires) == 0 && (r.org == nil || r.org.all.n == 0)
}

// Org is HR's summary of what reached the hr rung: counts per team and the most overdue.
type Org struct {
	all    list
	hires  map[string]bool
	groups map[string]*teamCount
}

type teamCount struct {
	label string
	hires map[string]bool
	n     int
}

// NewOrg returns an empty summary.
func NewOrg() *Org { return &Org{hires: map[string]bool{}, groups: map[string]*teamCount{}} }

// Add counts an item of hire (an id) in the group labelled label (their team and lead).
func (o *Org) Add(label, hire string, e Entry) {
	o.all.add(e)
	o.hires[hire] = true
	g, ok := o.groups[label]
	if !ok {
		g = &teamCount{label: label, hires: map[string]bool{}}
		o.groups[label] = g
	}
	g.n++
	g.hires[hire] = true
}

// Section is one titled list of a reminder's e-mail.
type Section struct {
	Heading string
	Lines   []string
	More    string // a line after the list: "and 5 more", or where the whole list is
	Link    string // the path More leads to
}

// Message is a reminder in words.
type Message struct {
	Title    string // "3 tasks overdue, 1 due today"
	Summary  string // one paragraph: the inbox item's body
	Kind     string // events.KindTaskDue, or events.KindTrainingDue when it lists only training
	Sections []Section
}

// Message words the reminder.
func (r *Reminders) Message() Message {
	var m Message
	var title, summary []string
	own := r.overdue.n + r.today.n + r.soon.n
	tasks := r.overdue.tasks + r.today.tasks + r.soon.tasks
	noun := func(n int) string {
		switch tasks {
		case own:
			return plural(n, "task", "tasks")
		case 0:
			return plural(n, "training module", "training modules")
		}
		return plural(n, "item", "items")
	}
	ownLink := "/onboarding/tasks"
	if tasks == 0 {
		ownLink = "/training"
	}
	for _, s := range []struct {
		l       *list
		heading string
		title   string
		line    func(Entry) string
	}{
		{&r.overdue, "Overdue", "overdue", func(e Entry) string {
			return fmt.Sprintf("%s — %s (due %s)", forHire(e), late(e.Days), Day(e.Due))
		}},
		{&r.today, "Due today", "due today", forHire},
		{&r.soon, "Due soon", "due soon", func(e Entry) string {
			return fmt.Sprintf("%s — due %s (%s)", forHire(e), Day(e.Due), ahead(e.Days))
		}},
	} {
		if s.l.n == 0 {
			continue
		}
		if len(title) == 0 {
			title = append(title, noun(s.l.n)+" "+s.title)
		} else {
			title = append(title, fmt.Sprintf("%d %s", s.l.n, s.title))
		}
		sec := Section{Heading: fmt.Sprintf("%s (%d)", s.heading, s.l.n), Link: ownLink}
		var names []string
		for _, e := range s.l.top {
			sec.Lines = append(sec.Lines, s.line(e))
			names = append(names, e.Title)
		}
		if more := s.l.n - len(s.l.top); more > 0 {
			sec.More = fmt.Sprintf("and %d more", more)
		}
		m.Sections = append(m.Sections, sec)
		summary = append(summary, s.heading+": "+names3(names, s.l.n)+".")
	}

	hireTasks := 0
	if len(r.hires) > 0 {
		hires := slices.Collect(maps.Values(r.hires))
		slices.SortFunc(hires, func(a, b *behind) int {
			return cmp.Or(cmp.Compare(b.n, a.n), urgent(a.worst, b.worst), strings.Compare(a.name, b.name))
		})
		items := 0
		for _, b := range hires {
			items += b.n
			hireTasks += b.tasks
		}
		if len(hires) == 1 {
			title = append(title, hires[0].name+" is behind schedule")
		} else {
			title = append(title, fmt.Sprintf("%d of your hires behind schedule", len(hires)))
		}
		sec := Section{Heading: fmt.Sprintf("Your hires' overdue work (%s, %s)", plural(len(hires), "hire", "hires"), plural(items, "item", "items")),
			Link: "/onboarding/team?overdue=1"}
		if hireTasks == 0 {
			sec.Link = "/training/team"
		}
		var names []string
		for _, b := range hires[:min(len(hires), SectionLines)] {
			sec.Lines = append(sec.Lines, fmt.Sprintf("%s: %d overdue, the worst %s — %s", b.name, b.n, b.worst.Title, late(b.worst.Days)))
			names = append(names, fmt.Sprintf("%s (%d)", b.name, b.n))
		}
		if more := len(hires) - SectionLines; more > 0 {
			sec.More = "and " + morePlural(more, "hire", "hires")
		} else {
			sec.More = "Your team's onboarding"
			if hireTasks == 0 {
				sec.More = "Your team's training"
			}
		}
		m.Sections = append(m.Sections, sec)
		summary = append(summary, "Behind schedule: "+names3(names, len(hires))+".")
	}

	if o := r.org; o != nil && o.all.n > 0 {
		title = append(title, fmt.Sprintf("%s a week or more behind", plural(len(o.hires), "hire", "hires")))
		full := "/onboarding/all?overdue=1"
		if o.all.tasks == 0 {
			full = "/training/report?status=overdue"
		}
		groups := slices.Collect(maps.Values(o.groups))
		slices.SortFunc(groups, func(a, b *teamCount) int { return cmp.Or(cmp.Compare(b.n, a.n), strings.Compare(a.label, b.label)) })
		sec := Section{Heading: fmt.Sprintf("Overdue a week or more, by team (%s of %s)", plural(o.all.n, "item", "items"), plural(len(o.hires), "hire", "hires")),
			Link: full}
		for _, g := range groups[:min(len(groups), SectionLines)] {
			sec.Lines = append(sec.Lines, fmt.Sprintf("%s: %s, %s", g.label, plural(len(g.hires), "hire", "hires"), plural(g.n, "item", "items")))
		}
		if more := len(groups) - SectionLines; more > 0 {
			sec.More = "and " + morePlural(more, "team", "teams")
		}
		worst := Section{Heading: fmt.Sprintf("The %d most overdue", len(o.all.top)), Link: full, More: "The full overdue list"}
		for _, e := range o.all.top {
			worst.Lines = append(worst.Lines, fmt.Sprintf("%s — %s, %s", e.Title, e.Hire, late(e.Days)))
		}
		if len(o.all.top) == 1 {
			worst.Heading = "The most overdue"
		}
		m.Sections = append(m.Sections, sec, worst)
		summary = append(summary, fmt.Sprintf("A week or more overdue: %s of %s.", plural(o.all.n, "item", "items"), plural(len(o.hires), "hire", "hires")))
	}

	m.Title = strings.Join(title, ", ")
	if m.Title != "" {
		m.Title = strings.ToUpper(m.Title[:1]) + m.Title[1:]
	}
	m.Summary = strings.Join(summary, " ")
	m.Kind = events.KindTrainingDue
	if tasks > 0 || hireTasks > 0 || (r.org != nil && r.org.all.tasks > 0) {
		m.Kind = events.KindTaskDue
	}
	return m
}

// forHire is an owner's item in words: its title, and whose it is when it is not theirs.
func forHire(e Entry) string {
	if e.Hire != "" {
		return e.Title + " for " + e.Hire
	}
	return e.Title
}

// names3 names at most three of n things: "a, b, c and 4 more".
func names3(names []string, n int) string {
	shown := names[:min(len(names), 3)]
	s := strings.Join(shown, ", ")
	if more := n - len(shown); more > 0 {
		return fmt.Sprintf("%s and %d more", s, more)
	}
	return s
}

// late says how overdue days (negative) is: "1 day overdue".
func late(days int) string { return plural(-days, "day", "days") + " overdue" }

// ahead says when days (positive) from today is: "tomorrow", "in 3 days".
func ahead(days int) string {
	if days == 1 {
		return "tomorrow"
	}
	return fmt.Sprintf("in %d days", days)
}

// morePlural counts what is left out: "1 more team", "2 more teams".
func morePlural(n int, one, many string) string {
	return plural(n, "more "+one, "more "+many)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// Day keys: what is recorded once per person and day (the reminder, the daily digest).
// They are kept for KeepDays and then dropped: nothing asks about an older day.

// KeepDays is how long day keys are kept, in days before a person's newest one.
const KeepDays = 14

// keyDay returns the date of a day key.
func keyDay(k string) (string, bool) {
	for _, prefix := range []string{"remind:", "digest:"} {
		if d, ok := strings.CutPrefix(k, prefix); ok && len(d) == len(events.DateLayout) {
			return d, true
		}
	}
	return "", false
}

// obsoleteKey reports keys nothing asks about any more: the rungs of tasks and training
// told one by one before the daily reminder ("ladder:task:…:overdue-3").
func obsoleteKey(k string) bool {
	return strings.HasPrefix(k, "ladder:task:") || strings.HasPrefix(k, "ladder:training:")
}

// prune drops the obsolete keys and the day keys older than KeepDays before the newest.
func (r *Recipient) prune() {
	newest := ""
	for _, k := range r.Fired {
		if d, ok := keyDay(k); ok && d > newest {
			newest = d
		}
	}
	cut := ""
	if t, err := time.Parse(events.DateLayout, newest); err == nil {
		cut = t.AddDate(0, 0, -KeepDays).Format(events.DateLayout)
	}
	r.Fired = slices.DeleteFunc(r.Fired, func(k string) bool {
		d, ok := keyDay(k)
		if obsoleteKey(k) || (ok && d < cut) {
			delete(r.fired, k)
			return true
		}
		return false
	})
}
