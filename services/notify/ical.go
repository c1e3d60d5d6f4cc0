package notify

import (
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"onramp.dev/events"
)

// Calendar renders an iCalendar feed (RFC 5545) of a person's items: each item an all-day
// event on its due date with a stable UID and a SEQUENCE that rises when it changes, plus —
// for leads — one all-day summary of their team's overdue items on today. Lines end with
// CRLF and are folded at 75 octets.
type Calendar struct {
	Name        string // the person's name, for the calendar's title
	BaseURL     string // the web app's public URL, for links
	Items       []Tracked
	TeamOverdue []Tracked // leads: their team's overdue items
	Today       string    // DateLayout, in the person's zone
	Now         time.Time // DTSTAMP
}

// ICS is the feed as text.
func (c Calendar) ICS() string {
	var b strings.Builder
	line := func(s string) { foldInto(&b, s) }
	line("BEGIN:VCALENDAR")
	line("VERSION:2.0")
	line("PRODID:-//Onramp//Notify//EN")
	line("CALSCALE:GREGORIAN")
	line("METHOD:PUBLISH")
	line("X-WR-CALNAME:" + escapeText("Onramp — "+c.Name))
	stamp := c.Now.UTC().Format("20060102T150405Z")
	for _, it := range c.Items {
		summary := it.Title
		if it.Done {
			summary = "Done: " + summary
		}
		c.allDay(line, stamp, it.Key, it.Version, it.Due, summary, it.Link)
	}
	if len(c.TeamOverdue) > 0 && c.Today != "" {
		var lines []string
		for _, it := range c.TeamOverdue {
			lines = append(lines, it.Title+" (due "+it.Due+")")
		}
		summary := "1 overdue item in your team"
		if len(c.TeamOverdue) > 1 {
			summary = fmt.Sprintf("%d overdue items in your team", len(c.TeamOverdue))
		}
		c.allDay(line, stamp, "team-overdue:"+c.Today, 0, c.Today, summary, "/onboarding/team", lines...)
	}
	line("END:VCALENDAR")
	return b.String()
}

func (c Calendar) allDay(line func(string), stamp, key string, seq int, due, summary, link string, desc ...string) {
	d, err := time.Parse(events.DateLayout, due)
	if err != nil {
		return
	}
	line("BEGIN:VEVENT")
	line("UID:" + escapeText(key) + "@onramp")
	line("DTSTAMP:" + stamp)
	line("DTSTART;VALUE=DATE:" + d.Format("20060102"))
	line("DTEND;VALUE=DATE:" + d.AddDate(0, 0, 1).Format("20060102"))
	line(fmt.Sprintf("SEQUENCE:%d", seq))
	line("SUMMARY:" + escapeText(summary))
	if len(desc) > 0 {
		line("DESCRIPTION:" + escapeText(strings.Join(desc, "\n")))
	}
	if link != "" {
		line("URL:" + c.BaseURL + link)
	}
	line("TRANSP:TRANSPARENT")
	line("END:VEVENT")
}

// escapeText escapes a TEXT value (RFC 5545 3.3.11).
func escapeText(s string) string {
	r := strings.NewReplacer(`\`, `\\`, ";", `\;`, ",", `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`)
	return r.Replace(s)
}

// foldInto writes one content line, folded so no line exceeds 75 octets (a continuation
// starts with a space), never splitting a UTF-8 character, each ending in CRLF.
func foldInto(b *strings.Builder, s string) {
	limit := 75
	for len(s) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		b.WriteString(s[:cut])
		b.WriteString("\r\n ")
		s = s[cut:]
		limit = 74 // the leading space counts
	}
	b.WriteString(s)
	b.WriteString("\r\n")
}
