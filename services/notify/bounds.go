package notify

import (
	"encoding/hex"
	"maps"
	"slices"
	"strings"
	"time"

	"onramp.dev/events"
)

// What the model keeps of a person, and for how long (the README's retention table says
// the same). Each bound is applied by Apply, with the time of the event it applies, so a
// replay of the stream and a restart from a snapshot hold the same.

// The inbox: the newest InboxKeep items, read or not, and older unread ones up to InboxMax
// items in all; nothing created more than InboxDays before the newest item, and no daily
// reminder more than ReminderDays before it (each lists what was open that day: the newer
// ones tell it better, and they come every working day). Checked when an item arrives.
const (
	InboxKeep    = 200
	InboxMax     = 500
	InboxDays    = 90
	ReminderDays = KeepDays
)

// CauseDays is how long the keys of notifications told because of one event ("ev:…",
// "link:…") are kept, in days before the person's newest such key. They only stop a
// redelivered event from being told twice: a source consumer redelivers an unacknowledged
// event after its AckWait (30 s) for as long as telling it fails, and after a restart from
// its ack floor, which is as far behind as the service was down. An event still failing
// after a week may be told again to people who received newer notifications meanwhile.
const CauseDays = 7

// trimInbox applies the inbox bounds as of now (the newest item's time).
func (r *Recipient) trimInbox(now time.Time) {
	cut, reminders := now.AddDate(0, 0, -InboxDays), now.AddDate(0, 0, -ReminderDays)
	if len(r.Items) <= InboxKeep && (len(r.Items) == 0 || !r.Items[0].Created.Before(reminders)) {
		return
	}
	n := len(r.Items)
	keep := make([]bool, n)
	kept := 0
	for i := n - 1; i >= 0 && kept < InboxMax; i-- { // newest first
		it := r.Items[i]
		if it.Created.Before(cut) || (it.Created.Before(reminders) && slices.Contains(ReminderKinds, it.Kind)) {
			continue
		}
		if n-1-i < InboxKeep || !it.Read {
			keep[i] = true
			kept++
		}
	}
	out := r.Items[:0]
	for i, it := range r.Items {
		if keep[i] {
			out = append(out, it)
		}
	}
	clear(r.Items[len(out):])
	r.Items = out
}

// CauseDay holds the cause keys told on one day (UTC).
type CauseDay struct {
	Day  string   `bson:"day" json:"day"`
	Keys []string `bson:"keys" json:"keys"`
}

// causeKey reports keys recorded once per source event: a redelivered event finds them.
func causeKey(k string) bool { return strings.HasPrefix(k, "ev:") || strings.HasPrefix(k, "link:") }

// addCause records a cause key told at t and drops the days before the last CauseDays.
func (r *Recipient) addCause(k string, t time.Time) {
	day := t.UTC().Format(events.DateLayout)
	i, found := slices.BinarySearchFunc(r.Caused, day, func(c CauseDay, d string) int { return strings.Compare(c.Day, d) })
	if !found {
		r.Caused = slices.Insert(r.Caused, i, CauseDay{Day: day})
	}
	r.Caused[i].Keys = append(r.Caused[i].Keys, k)
	r.fired[k] = true
	newest, err := time.Parse(events.DateLayout, r.Caused[len(r.Caused)-1].Day)
	if err != nil {
		return
	}
	cut := newest.AddDate(0, 0, -CauseDays).Format(events.DateLayout)
	old := 0
	for old < len(r.Caused) && r.Caused[old].Day < cut {
		for _, k := range r.Caused[old].Keys {
			delete(r.fired, k)
		}
		old++
	}
	r.Caused = slices.Delete(r.Caused, 0, old)
}

// idDay is the UTC day of a time-ordered (version 7) event id, or "" for other ids.
func idDay(id string) string {
	if !events.IsID(id) || id[14] != '7' {
		return ""
	}
	var b [8]byte
	if _, err := hex.Decode(b[2:6], []byte(id[0:8])); err != nil {
		return ""
	}
	if _, err := hex.Decode(b[6:8], []byte(id[9:13])); err != nil {
		return ""
	}
	var ms int64
	for _, x := range b {
		ms = ms<<8 | int64(x)
	}
	return time.UnixMilli(ms).UTC().Format(events.DateLayout)
}

// causeDayOf is the day a legacy cause key (one recorded in Fired before keys had days)
// was told: its event id's day, or "" (dropped with the next cause key) for ids that carry
// no time.
func causeDayOf(k string) string {
	_, rest, _ := strings.Cut(k, ":")
	id, _, _ := strings.Cut(rest, ":")
	return idDay(id)
}

// moveLegacyCauses moves the cause keys of a document or snapshot written before they had
// days from Fired into Caused.
func (r *Recipient) moveLegacyCauses() {
	if !slices.ContainsFunc(r.Fired, causeKey) {
		return
	}
	byDay := map[string][]string{}
	r.Fired = slices.DeleteFunc(r.Fired, func(k string) bool {
		if causeKey(k) {
			d := causeDayOf(k)
			byDay[d] = append(byDay[d], k)
			return true
		}
		return false
	})
	for _, c := range r.Caused {
		byDay[c.Day] = append(byDay[c.Day], c.Keys...)
	}
	r.Caused = r.Caused[:0]
	for _, d := range slices.Sorted(maps.Keys(byDay)) {
		r.Caused = append(r.Caused, CauseDay{Day: d, Keys: byDay[d]})
	}
}

// supersedes names the group of keys a key replaces: a check-in silence is told once per
// last check-in ("silence:<pair>:<date>"), a certification's rung once per expiry date
// ("ladder:cert:<item>:<date>:<rung>"); the last check-in and the expiry only move on, so a
// key for a newer one makes the older ones useless. ok is false for other keys.
func supersedes(k string) (group, version string, ok bool) {
	switch {
	case strings.HasPrefix(k, "silence:"):
		i := strings.LastIndexByte(k, ':')
		if i <= len("silence:") {
			return "", "", false
		}
		return k[:i+1], k[i+1:], true
	case strings.HasPrefix(k, "ladder:cert:"):
		j := strings.LastIndexByte(k, ':') // before the rung
		if j < 0 {
			return "", "", false
		}
		i := strings.LastIndexByte(k[:j], ':') // before the date
		if i <= len("ladder:cert:") {
			return "", "", false
		}
		return k[:i+1], k[i+1 : j], true
	}
	return "", "", false
}

// dropSuperseded drops the keys k makes useless (see supersedes).
func (r *Recipient) dropSuperseded(k string) {
	group, version, ok := supersedes(k)
	if !ok {
		return
	}
	r.Fired = slices.DeleteFunc(r.Fired, func(o string) bool {
		g, v, ok := supersedes(o)
		if ok && g == group && v != version {
			delete(r.fired, o)
			return true
		}
		return false
	})
}
