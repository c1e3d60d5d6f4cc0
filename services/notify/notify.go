// Package notify is the notification domain: what each person has been told (inbox items
// and e-mails, each recorded once per cause), their settings, their calendar feed's token
// hash, refused addresses, and the reminder ladder's rules. It imports no NATS, Mongo or
// HTTP: the server package feeds it events and asks it to decide.
package notify

import (
	"slices"
	"strconv"
	"strings"
	"time"

	"onramp.dev/events"
)

// Recipient is everything notify keeps about one person (one document, keyed by person id).
type Recipient struct {
	ID           string            `bson:"_id" json:"id"`
	Seq          uint64            `bson:"seq" json:"seq"`
	Items        []Item            `bson:"items" json:"items"`                       // oldest first
	Fired        []string          `bson:"fired" json:"fired"`                       // keys of the notifications recorded (day keys of the last KeepDays), but…
	Caused       []CauseDay        `bson:"caused,omitempty" json:"caused,omitempty"` // …those of one source event, by day (the last CauseDays)
	TimeZone     string            `bson:"time_zone,omitempty" json:"time_zone,omitempty"`
	DateFormat   string            `bson:"date_format,omitempty" json:"date_format,omitempty"`
	Email        map[string]string `bson:"email,omitempty" json:"email,omitempty"`
	CalendarHash string            `bson:"calendar_hash,omitempty" json:"calendar_hash,omitempty"`
	CalendarGen  int               `bson:"calendar_gen,omitempty" json:"calendar_gen,omitempty"`
	Bounce       string            `bson:"bounce,omitempty" json:"bounce,omitempty"`
	BounceAt     time.Time         `bson:"bounce_at,omitzero" json:"bounce_at,omitzero"`
	DigestAt     time.Time         `bson:"digest_at,omitzero" json:"digest_at,omitzero"` // newest item a digest listed

	fired map[string]bool
}

// DocID implements store.Doc.
func (r Recipient) DocID() string { return r.ID }

// Item is one inbox entry.
type Item struct {
	ID      string    `bson:"id" json:"id"`
	Kind    string    `bson:"kind" json:"kind"`
	Title   string    `bson:"title" json:"title"`
	Body    string    `bson:"body,omitempty" json:"body,omitempty"`
	Link    string    `bson:"link,omitempty" json:"link,omitempty"`
	Created time.Time `bson:"created" json:"created"`
	Read    bool      `bson:"read,omitempty" json:"read,omitempty"`
}

// Mail statuses.
const (
	MailQueued = "queued"
	MailSent   = "sent"
	MailKept   = "kept" // held in the process's mailbox: no mail server configured
	MailFailed = "failed"
)

// Mail is one e-mail and its delivery (one document, keyed by mail id). The model keeps a
// mail only until the store holds it in its final state (Release): after that it lives in
// the store, and its content in the event that queued it (stream sequence Event).
type Mail struct {
	ID        string    `bson:"_id" json:"id"`
	Seq       uint64    `bson:"seq" json:"seq"`
	Event     uint64    `bson:"event,omitempty" json:"event,omitempty"` // the notify.person.notified event with its content
	Person    string    `bson:"person" json:"person"`
	Key       string    `bson:"key" json:"key"`
	To        string    `bson:"to" json:"to"`
	Subject   string    `bson:"subject" json:"subject"`
	Text      string    `bson:"text" json:"text"`
	HTML      string    `bson:"html" json:"html"`
	MessageID string    `bson:"message_id" json:"message_id"`
	Created   time.Time `bson:"created" json:"created"`
	Status    string    `bson:"status" json:"status"`
	Attempts  int       `bson:"attempts,omitempty" json:"attempts,omitempty"`
	Reason    string    `bson:"reason,omitempty" json:"reason,omitempty"`
}

// DocID implements store.Doc.
func (m Mail) DocID() string { return m.ID }

// Done reports whether the mail needs no more sending.
func (m *Mail) Done() bool { return m.Status != MailQueued }

// State is notify's in-memory model, built from the NOTIFY stream. Not safe for concurrent
// use: the caller (the event log) locks it.
type State struct {
	people map[string]*Recipient
	mails  map[string]*Mail
	byHash map[string]string // calendar token hash → person
	recent []string          // the newest mails' ids, oldest first (at most RecentMails)
}

// RecentMails is how many of the newest mails the state names (the demo's mailbox): done
// mails leave the model, and the store cannot list its newest cheaply (FerretDB sorts in
// memory), so the model keeps their ids and the mailbox reads those documents.
const RecentMails = 200

// NewState returns an empty state.
func NewState() *State {
	return &State{people: map[string]*Recipient{}, mails: map[string]*Mail{}, byHash: map[string]string{}}
}

// Document keys named by Apply.
const (
	PersonDoc = "person:"
	MailDoc   = "mail:"
)

// LoadRecipient adds a stored recipient (at start).
func (s *State) LoadRecipient(r Recipient) {
	rp := &r
	rp.Fired = slices.Clone(r.Fired) // pruned in place: not the caller's
	rp.Caused = cloneCaused(r.Caused)
	rp.moveLegacyCauses() // a document or snapshot written before cause keys had days
	rp.fired = make(map[string]bool, len(r.Fired))
	for _, k := range rp.Fired {
		rp.fired[k] = true
	}
	for _, c := range rp.Caused {
		for _, k := range c.Keys {
			rp.fired[k] = true
		}
	}
	rp.prune() // a document or snapshot written before the daily reminder holds every rung
	s.people[r.ID] = rp
	if r.CalendarHash != "" {
		s.byHash[r.CalendarHash] = r.ID
	}
}

// LoadMail adds a stored mail (at start).
func (s *State) LoadMail(m Mail) { s.mails[m.ID] = &m }

func (s *State) recipient(id string) *Recipient {
	r, ok := s.people[id]
	if !ok {
		r = &Recipient{ID: id, fired: map[string]bool{}}
		s.people[id] = r
	}
	return r
}

// Apply folds in one NOTIFY event stored at seq and names the documents it touched.
// Applying an event twice changes nothing. Events of other types on the stream (the link
// requests identity publishes) touch nothing.
func (s *State) Apply(env events.Envelope, seq uint64) ([]string, error) {
	switch env.Type {
	case events.MailSent{}.EventType(), events.MailFailed{}.EventType():
		// The outcome may be applied before the mail itself (a projector catching up after
		// a crash): keep it on a record the mail's content fills in later.
		m, ok := s.mails[env.Subject]
		if !ok {
			m = &Mail{ID: env.Subject}
			s.mails[m.ID] = m
		}
		keys := []string{MailDoc + m.ID}
		if m.Status != "" && m.Status != MailQueued {
			return keys, nil
		}
		m.Seq = max(m.Seq, seq)
		if env.Type == (events.MailSent{}).EventType() {
			var e events.MailSent
			if err := env.Payload(&e); err != nil {
				return nil, err
			}
			m.Status, m.Attempts = MailSent, e.Attempts
			if e.Transport == "mailbox" {
				m.Status = MailKept
			}
			return keys, nil
		}
		var e events.MailFailed
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		m.Status, m.Attempts, m.Reason = MailFailed, e.Attempts, e.Reason
		if e.Permanent {
			r := s.recipient(e.Person)
			r.Bounce, r.BounceAt = e.Reason, env.Time
			keys = append(keys, PersonDoc+r.ID)
		}
		return keys, nil
	case events.Notified{}.EventType(), events.NotificationsRead{}.EventType(),
		events.NotifySettingsChanged{}.EventType(), events.CalendarReset{}.EventType():
	default:
		return nil, nil
	}
	r := s.recipient(env.Subject)
	keys := []string{PersonDoc + r.ID}
	var notified events.Notified
	if env.Type == (events.Notified{}).EventType() {
		if err := env.Payload(&notified); err != nil {
			return nil, err
		}
		if notified.Mail != nil {
			keys = append(keys, MailDoc+notified.Mail.ID) // named again on a second apply too
		}
	}
	if seq <= r.Seq {
		return keys, nil
	}
	switch env.Type {
	case events.Notified{}.EventType():
		e := notified
		switch {
		case r.fired[e.Key] || obsoleteKey(e.Key):
		case causeKey(e.Key):
			r.addCause(e.Key, env.Time) // the days before the last CauseDays go
		default:
			r.fired[e.Key] = true
			r.Fired = append(r.Fired, e.Key)
			if _, ok := keyDay(e.Key); ok {
				r.prune() // once a day: the day keys before the last KeepDays go
			}
			r.dropSuperseded(e.Key)
		}
		if e.DigestThrough.After(r.DigestAt) {
			r.DigestAt = e.DigestThrough
		}
		if it := e.Item; it != nil {
			r.Items = append(r.Items, Item{ID: it.ID, Kind: it.Kind, Title: it.Title, Body: it.Body, Link: it.Link, Created: env.Time})
			r.trimInbox(env.Time)
		}
		if ml := e.Mail; ml != nil {
			cur, ok := s.mails[ml.ID]
			if !ok || cur.To == "" {
				m := &Mail{ID: ml.ID, Seq: seq, Event: seq, Person: r.ID, Key: e.Key, To: ml.To, Subject: ml.Subject,
					Text: ml.Text, HTML: ml.HTML, MessageID: ml.MessageID, Created: env.Time, Status: MailQueued}
				if ok { // its outcome came first
					m.Seq, m.Status, m.Attempts, m.Reason = max(seq, cur.Seq), cur.Status, cur.Attempts, cur.Reason
				}
				s.mails[ml.ID] = m
				s.noteRecent(ml.ID)
			}
		}
	case events.NotificationsRead{}.EventType():
		var e events.NotificationsRead
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		for i := range r.Items {
			it := &r.Items[i]
			if (e.All && !it.Created.After(e.Before)) || slices.Contains(e.Items, it.ID) {
				it.Read = true
			}
		}
	case events.NotifySettingsChanged{}.EventType():
		var e events.NotifySettingsChanged
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		r.TimeZone, r.Email, r.DateFormat = e.TimeZone, e.Email, e.DateFormat
	case events.CalendarReset{}.EventType():
		var e events.CalendarReset
		if err := env.Payload(&e); err != nil {
			return nil, err
		}
		delete(s.byHash, r.CalendarHash)
		r.CalendarHash, r.CalendarGen = e.TokenHash, e.Generation
		s.byHash[r.CalendarHash] = r.ID
	}
	r.Seq = seq
	return keys, nil
}

// Recipient returns a copy of what notify keeps about person (false: nothing yet).
func (s *State) Recipient(id string) (Recipient, bool) {
	r, ok := s.people[id]
	if !ok {
		return Recipient{ID: id}, false
	}
	c := *r
	c.Items = slices.Clone(r.Items)
	c.Fired = slices.Clone(r.Fired)
	c.Caused = cloneCaused(r.Caused)
	c.fired = nil
	return c, true
}

// Keys lists the keys of the notifications recorded for the person: Fired, then the cause
// keys oldest day first.
func (r *Recipient) Keys() []string {
	out := slices.Clone(r.Fired)
	for _, c := range r.Caused {
		out = append(out, c.Keys...)
	}
	return out
}

func cloneCaused(in []CauseDay) []CauseDay {
	if in == nil {
		return nil
	}
	out := make([]CauseDay, len(in))
	for i, c := range in {
		out[i] = CauseDay{Day: c.Day, Keys: slices.Clone(c.Keys)}
	}
	return out
}

// Seq is the stream sequence of the last event about person (0: none).
func (s *State) Seq(person string) uint64 {
	if r, ok := s.people[person]; ok {
		return r.Seq
	}
	return 0
}

// Has reports whether a notification with key was recorded for person.
func (s *State) Has(person, key string) bool {
	r, ok := s.people[person]
	return ok && r.fired[key]
}

// Mail returns a copy of the mail with id.
func (s *State) Mail(id string) (Mail, bool) {
	m, ok := s.mails[id]
	if !ok {
		return Mail{}, false
	}
	return *m, true
}

// BodyForgotten reports whether the mail's content was recorded but its text and HTML are
// not in the model (a snapshot written when done mails stayed in the model without them).
func (m *Mail) BodyForgotten() bool { return m.To != "" && m.Text == "" && m.HTML == "" }

// Release removes from the model the mails with ids that are done and returns their
// document keys: call it once the store holds each of them in that state, whole. A mail
// still queued stays (its document is written again when it is sent). An outcome applied
// later for a released mail (one recorded twice, or replayed) finds no mail and makes a
// record of the outcome alone, which the flush merges into the stored document.
func (s *State) Release(ids []string) []string {
	var keys []string
	for _, id := range ids {
		if m, ok := s.mails[id]; ok && m.Done() {
			delete(s.mails, id)
			keys = append(keys, MailDoc+id)
		}
	}
	return keys
}

// Merge returns the stored document of a mail with the outcome of rec, a record of the
// outcome alone (OutcomeOnly) applied after the mail left the model: the first outcome
// recorded stands, as in Apply.
func Merge(stored, rec Mail) Mail {
	if stored.Done() {
		return stored
	}
	stored.Seq = max(stored.Seq, rec.Seq)
	stored.Status, stored.Attempts, stored.Reason = rec.Status, rec.Attempts, rec.Reason
	return stored
}

// OutcomeOnly reports a record of a mail's outcome whose content the model does not hold.
func (m *Mail) OutcomeOnly() bool { return m.To == "" }

// HeldMails is how many mails the model holds (queued ones, and outcomes awaiting their
// mail).
func (s *State) HeldMails() int { return len(s.mails) }

// ByCalendarHash returns the person whose feed token hashes to hash.
func (s *State) ByCalendarHash(hash string) (string, bool) {
	p, ok := s.byHash[hash]
	return p, ok
}

// Bounced returns the recipients whose address the mail server refused, by person id.
func (s *State) Bounced() []Recipient {
	var out []Recipient
	for _, r := range s.people {
		if r.Bounce != "" {
			out = append(out, Recipient{ID: r.ID, Bounce: r.Bounce, BounceAt: r.BounceAt})
		}
	}
	slices.SortFunc(out, func(a, b Recipient) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// Page is one page of a person's notifications, newest first. The cursor names the last
// item of the page before, so a page follows it whatever arrived or left the inbox in
// between (see trimInbox).
type Page struct {
	Items  []Item
	Total  int // items matching the filter
	Next   string
	Unread int // unread items in all
}

// Page returns person's items (only unread ones if unread), limit at most (1–100, default
// 20), after cursor: the Next of a page before ("<created unix ns>.<item id>"; a number, the
// position from the newest, is still read).
func (s *State) Page(person string, unread bool, limit int, cursor string) (Page, error) {
	if limit == 0 {
		limit = 20
	}
	if limit < 1 || limit > 100 {
		return Page{}, &events.Error{Code: events.CodeInvalid, Message: "invalid query", Fields: map[string]string{"limit": "must be 1–100"}}
	}
	badCursor := &events.Error{Code: events.CodeInvalid, Message: "invalid query", Fields: map[string]string{"cursor": "is not a cursor from a previous page"}}
	offset, afterID := 0, ""
	var afterTime time.Time
	if cursor != "" {
		if ns, id, ok := strings.Cut(cursor, "."); ok {
			n, err := strconv.ParseInt(ns, 10, 64)
			if err != nil || id == "" {
				return Page{}, badCursor
			}
			afterID, afterTime = id, time.Unix(0, n)
		} else if n, err := strconv.Atoi(cursor); err == nil && n >= 0 {
			offset = n
		} else {
			return Page{}, badCursor
		}
	}
	var p Page
	r, ok := s.people[person]
	if !ok {
		return p, nil
	}
	var match []Item
	for i := len(r.Items) - 1; i >= 0; i-- {
		it := r.Items[i]
		if !it.Read {
			p.Unread++
		}
		if !unread || !it.Read {
			match = append(match, it)
		}
	}
	p.Total = len(match)
	start := offset
	if afterID != "" {
		start = len(match)
		for i, it := range match {
			if it.ID == afterID {
				start = i + 1
				break
			}
			if it.Created.Before(afterTime) { // the item is gone (or read): the next older one
				start = i
				break
			}
		}
	}
	if start < len(match) {
		end := min(start+limit, len(match))
		p.Items = match[start:end]
		if end < len(match) {
			last := match[end-1]
			p.Next = strconv.FormatInt(last.Created.UnixNano(), 10) + "." + last.ID
		}
	}
	return p, nil
}

// HasItem reports whether person has an inbox item with id.
func (s *State) HasItem(person, id string) bool {
	r, ok := s.people[person]
	return ok && slices.ContainsFunc(r.Items, func(it Item) bool { return it.ID == id })
}

// ReminderKinds are the kinds the daily reminder lists. Their e-mail comes once a day with
// the reminder whether a person takes them at once or as a digest; switched off, they are
// left out of the reminder's e-mail (not its inbox item).
var ReminderKinds = []string{events.KindTaskDue, events.KindTrainingDue}

// Fixed are the kinds whose e-mail nobody can switch off.
var Fixed = []string{events.KindInvite}

// Settings are a person's settings with every kind filled in; defaultTZ stands in for an
// unset time zone.
func (s *State) Settings(person, defaultTZ string) events.NotifySettings {
	out := events.NotifySettings{TimeZone: defaultTZ, DateFormat: events.DateFormatGB, Email: map[string]string{}, Fixed: Fixed, Daily: ReminderKinds}
	r := s.people[person]
	if r != nil && r.TimeZone != "" {
		out.TimeZone = r.TimeZone
	}
	if r != nil && r.DateFormat != "" {
		out.DateFormat = r.DateFormat
	}
	for _, k := range events.NotifyKinds {
		out.Email[k] = s.EmailMode(person, k)
	}
	return out
}

// DefaultMode is how kind reaches people by e-mail unless they choose otherwise.
func DefaultMode(kind string) string {
	if slices.Contains(events.DigestKinds, kind) {
		return events.EmailDigest
	}
	return events.EmailImmediate
}

// EmailMode is how person takes e-mail of kind: immediate, digest or off.
func (s *State) EmailMode(person, kind string) string {
	if slices.Contains(Fixed, kind) {
		return events.EmailImmediate
	}
	if r := s.people[person]; r != nil {
		switch v := r.Email[kind]; v {
		case events.EmailImmediate, events.EmailDigest, events.EmailOff:
			return v
		}
	}
	return DefaultMode(kind)
}

// TimeZone is the person's zone, or def.
func (s *State) TimeZone(person string, def *time.Location) *time.Location {
	if r, ok := s.people[person]; ok && r.TimeZone != "" {
		if loc, err := time.LoadLocation(r.TimeZone); err == nil {
			return loc
		}
	}
	return def
}

// DecideSettings validates new settings: unknown kinds, unknown choices and unknown time
// zones are refused (CodeInvalid, naming the fields); fixed kinds stay on.
func DecideSettings(in events.NotifySettings) (events.NotifySettingsChanged, error) {
	fields := map[string]string{}
	if in.TimeZone != "" {
		if _, err := time.LoadLocation(in.TimeZone); err != nil || strings.HasPrefix(in.TimeZone, "/") || in.TimeZone == "Local" {
			fields["time_zone"] = "not an IANA time zone (e.g. Europe/Berlin)"
		}
	}
	if in.DateFormat != "" && !slices.Contains(events.DateFormats, in.DateFormat) {
		fields["date_format"] = "must be one of " + strings.Join(events.DateFormats, ", ")
	}
	out := events.NotifySettingsChanged{TimeZone: in.TimeZone, Email: map[string]string{}}
	if in.DateFormat != events.DateFormatGB {
		out.DateFormat = in.DateFormat
	}
	for k, v := range in.Email {
		switch {
		case !events.IsNotifyKind(k):
			fields["email."+k] = "unknown kind"
		case v != events.EmailImmediate && v != events.EmailDigest && v != events.EmailOff:
			fields["email."+k] = "must be immediate, digest or off"
		case v != events.EmailImmediate && slices.Contains(Fixed, k):
			fields["email."+k] = "is always sent at once"
		case v != DefaultMode(k):
			out.Email[k] = v
		}
	}
	if len(fields) > 0 {
		return out, &events.Error{Code: events.CodeInvalid, Message: "invalid settings", Fields: fields}
	}
	return out, nil
}

// Digest returns person's items of the kinds they take as a digest, created after their
// last digest, oldest first. Reminders are left out: they are a daily digest of their own,
// e-mailed with the person's reminder.
func (s *State) Digest(person string) []Item {
	r, ok := s.people[person]
	if !ok {
		return nil
	}
	var out []Item
	for _, it := range r.Items {
		if it.Created.After(r.DigestAt) && !slices.Contains(ReminderKinds, it.Kind) && s.EmailMode(person, it.Kind) == events.EmailDigest {
			out = append(out, it)
		}
	}
	return out
}

// People returns the ids of everyone notify keeps something about.
func (s *State) People() []string {
	out := make([]string, 0, len(s.people))
	for id := range s.people {
		out = append(out, id)
	}
	slices.Sort(out)
	return out
}

// noteRecent adds a mail to the newest mails (once).
func (s *State) noteRecent(id string) {
	if slices.Contains(s.recent, id) {
		return
	}
	if len(s.recent) == RecentMails {
		s.recent = slices.Delete(s.recent, 0, 1)
	}
	s.recent = append(s.recent, id)
}

// Recent lists the ids of the newest mails, newest first.
func (s *State) Recent() []string {
	out := slices.Clone(s.recent)
	slices.Reverse(out)
	return out
}
