package server

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"slices"
	"sync"
	"time"

	"go.mongodb.org/mongo-driver/v2/mongo"

	"onramp.dev/events"
	"onramp.dev/events/notifyapi"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/directory"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/rpc"
	"onramp.dev/services/notify"
)

type empty = events.None

func (m *Main) register() error {
	svc, err := rpc.NewService(m.nc, events.NotifyService, "1.0.0", m.log)
	if err != nil {
		return err
	}
	m.svc = svc
	for _, err := range []error{
		rpc.Serve(svc, notifyapi.OpNotifications, m.opList),
		rpc.Serve(svc, notifyapi.OpNotificationRead, m.opRead),
		rpc.Serve(svc, notifyapi.OpNotifySettings, m.opSettings),
		rpc.Serve(svc, notifyapi.OpNotifySettingsPut, m.opSettingsPut),
		rpc.Serve(svc, notifyapi.OpCalendarURL, m.opCalendar),
		rpc.Serve(svc, notifyapi.OpCalendarFeed, m.opFeed),
		rpc.Serve(svc, notifyapi.OpCalendarItem, m.opItem),
		rpc.Serve(svc, notifyapi.OpMailbox, m.opMailbox),
		rpc.Serve(svc, notifyapi.OpDeliveryProblems, m.opProblems),
	} {
		if err != nil {
			return err
		}
	}
	return nil
}

var (
	errUnauthorized = events.Errorf(events.CodeUnauthorized, "sign in again")
	errForbidden    = events.Errorf(events.CodeForbidden, "you may not do this")
	errNotFound     = events.Errorf(events.CodeNotFound, "not found")
)

// authenticate returns the caller as the directory knows them now.
func (m *Main) authenticate(ctx context.Context, c rpc.Caller) (directory.Person, error) {
	// A page that refreshes itself because something changed must see that change.
	m.el.Fresh(ctx, 2*time.Second)
	claims, err := m.verify.Verify(ctx, c.Token)
	if err != nil {
		return directory.Person{}, errUnauthorized
	}
	p, ok := m.dir.Current(ctx, claims.Subject)
	if !ok || !p.Active {
		return directory.Person{}, errUnauthorized
	}
	return p, nil
}

func (m *Main) opList(ctx context.Context, r rpc.Request[events.NotificationsRequest]) (events.NotificationsReply, error) {
	me, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.NotificationsReply{}, err
	}
	m.el.RLock()
	page, err := m.state.Page(me.ID, r.Body.Unread, r.Body.Limit, r.Body.Cursor)
	m.el.RUnlock()
	if err != nil {
		return events.NotificationsReply{}, err
	}
	out := events.NotificationsReply{Items: []events.NotificationView{}, Total: page.Total, Next: page.Next, Unread: page.Unread}
	for _, it := range page.Items {
		out.Items = append(out.Items, events.NotificationView{ID: it.ID, Kind: it.Kind, Title: it.Title, Body: it.Body, Link: it.Link,
			Created: it.Created.UTC().Format(time.RFC3339), Read: it.Read})
	}
	return out, nil
}

// personCommit appends an event about the caller's own record, expecting nothing else
// since the decision.
func (m *Main) personCommit(ctx context.Context, person string, decide func() (events.Payload, error)) error {
	defer m.el.Lock(person)()
	return eventlog.Retry(func() error {
		m.el.RLock()
		p, err := decide()
		seq := m.state.Seq(person)
		m.el.RUnlock()
		if err != nil || p == nil {
			return err
		}
		env, err := events.New(person, person, p, m.cfg.Now())
		if err != nil {
			return err
		}
		_, err = m.el.Commit(ctx, env, bus.Expect{Filter: events.RecordFilter("notify", "person", person), LastSeq: seq})
		return err
	})
}

func (m *Main) opRead(ctx context.Context, r rpc.Request[events.NotificationReadRequest]) (empty, error) {
	me, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return empty{}, err
	}
	return empty{}, m.personCommit(ctx, me.ID, func() (events.Payload, error) {
		if r.Body.All {
			page, _ := m.state.Page(me.ID, true, 1, "")
			if page.Total == 0 {
				return nil, nil
			}
			return events.NotificationsRead{All: true, Before: m.cfg.Now().UTC()}, nil
		}
		if !m.state.HasItem(me.ID, r.Body.ID) {
			return nil, errNotFound // another person's item is as unknown as a made-up one
		}
		return events.NotificationsRead{Items: []string{r.Body.ID}}, nil
	})
}

func (m *Main) opSettings(ctx context.Context, r rpc.Request[empty]) (events.NotifySettings, error) {
	me, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.NotifySettings{}, err
	}
	m.el.RLock()
	defer m.el.RUnlock()
	return m.state.Settings(me.ID, m.cfg.Zone.String()), nil
}

func (m *Main) opSettingsPut(ctx context.Context, r rpc.Request[events.NotifySettings]) (events.NotifySettings, error) {
	me, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.NotifySettings{}, err
	}
	e, err := notify.DecideSettings(r.Body)
	if err != nil {
		return events.NotifySettings{}, err
	}
	if err := m.personCommit(ctx, me.ID, func() (events.Payload, error) { return e, nil }); err != nil {
		return events.NotifySettings{}, err
	}
	m.el.RLock()
	defer m.el.RUnlock()
	return m.state.Settings(me.ID, m.cfg.Zone.String()), nil
}

// Calendar feed tokens: HMAC-SHA256 of the person id and the feed's generation under the
// service's calendar key, so the URL can be shown again while only the token's SHA-256 is
// recorded; a reset raises the generation and the old token stops matching.

func (m *Main) feedToken(person string, gen int) string {
	mac := hmac.New(sha256.New, m.calendarKey)
	mac.Write([]byte(person))
	mac.Write([]byte{0})
	mac.Write([]byte{byte(gen >> 24), byte(gen >> 16), byte(gen >> 8), byte(gen)})
	return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
}

func hashToken(tok string) string {
	h := sha256.Sum256([]byte(tok))
	return hex.EncodeToString(h[:])
}

func (m *Main) opCalendar(ctx context.Context, r rpc.Request[events.CalendarRequest]) (events.CalendarReply, error) {
	me, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.CalendarReply{}, err
	}
	var tok string
	err = m.personCommit(ctx, me.ID, func() (events.Payload, error) {
		rec, _ := m.state.Recipient(me.ID)
		if rec.CalendarHash != "" && !r.Body.Reset {
			tok = m.feedToken(me.ID, rec.CalendarGen)
			return nil, nil
		}
		gen := rec.CalendarGen + 1
		tok = m.feedToken(me.ID, gen)
		return events.CalendarReset{TokenHash: hashToken(tok), Generation: gen}, nil
	})
	if err != nil {
		return events.CalendarReply{}, err
	}
	return events.CalendarReply{Token: tok}, nil
}

// feedDelay is how long every feed request takes at least, known token or not, so the
// answer's timing tells nothing about which tokens exist.
const feedDelay = 50 * time.Millisecond

func (m *Main) opFeed(ctx context.Context, r rpc.Request[events.CalendarFeedRequest]) (events.CalendarFeedReply, error) {
	start := time.Now()
	defer func() {
		if d := feedDelay - time.Since(start); d > 0 {
			time.Sleep(d)
		}
	}()
	hash := hashToken(r.Body.Token)
	if !m.feeds.allow(hash, time.Now()) {
		return events.CalendarFeedReply{}, &events.Error{Code: events.CodeTooMany, Message: "too many requests for this feed", RetryAfter: 60}
	}
	m.el.RLock()
	person, ok := m.state.ByCalendarHash(hash)
	var loc *time.Location
	if ok {
		loc = m.state.TimeZone(person, m.cfg.Zone)
	}
	m.el.RUnlock()
	if !ok {
		return events.CalendarFeedReply{}, errNotFound
	}
	p, ok := m.dir.Person(person)
	if !ok || !p.Active {
		return events.CalendarFeedReply{}, errNotFound
	}
	now := m.cfg.Now()
	today := now.In(loc).Format(events.DateLayout)
	cal := notify.Calendar{Name: p.Name, BaseURL: m.cfg.PublicURL, Items: append(m.agenda.Of(person), m.agenda.Checkins(person, today)...),
		Today: today, Now: now}
	if p.Has(events.RoleLead) {
		look := m.memo()
		led := func(hire string) bool {
			return hire != person && slices.ContainsFunc(look.leadsOf(hire), func(l directory.Person) bool { return l.ID == person })
		}
		for it := range m.agenda.EachOpenOf(led) {
			if it.Kind != events.KindCertExpiry && it.Due < today {
				cal.TeamOverdue = append(cal.TeamOverdue, it)
			}
		}
	}
	return events.CalendarFeedReply{ICS: cal.ICS()}, nil
}

// opItem answers one task or module as a single-event calendar, for whoever may see it:
// its holder, the hire or learner, their lead, HR and admin.
func (m *Main) opItem(ctx context.Context, r rpc.Request[events.CalendarItemRequest]) (events.CalendarFeedReply, error) {
	me, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.CalendarFeedReply{}, err
	}
	it, ok := m.agenda.Item(r.Body.Key)
	if !ok || it.Kind == events.KindCertExpiry {
		return events.CalendarFeedReply{}, errNotFound
	}
	allowed := it.Owner == me.ID || it.Hire == me.ID || me.Has(events.ManagerRoles...) ||
		slices.ContainsFunc(m.leadsOf(it.Hire), func(l directory.Person) bool { return l.ID == me.ID }) ||
		slices.ContainsFunc(m.holders(it.Owner), func(h directory.Person) bool { return h.ID == me.ID })
	if !allowed {
		return events.CalendarFeedReply{}, errNotFound // as unknown as a made-up key
	}
	cal := notify.Calendar{Name: me.Name, BaseURL: m.cfg.PublicURL, Items: []notify.Tracked{it}, Now: m.cfg.Now()}
	return events.CalendarFeedReply{ICS: cal.ICS()}, nil
}

// mailboxSize is how many mails the demo's mailbox lists.
const mailboxSize = notify.RecentMails

func (m *Main) opMailbox(ctx context.Context, r rpc.Request[empty]) (events.MailboxReply, error) {
	me, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.MailboxReply{}, err
	}
	if !me.Has(events.RoleAdmin) || !m.cfg.Mailbox || !m.cfg.Demo {
		return events.MailboxReply{}, errForbidden
	}
	// The model names the newest mails and holds those still queued; the store holds
	// every mail, read by id (listing the store's newest would sort every mail).
	m.el.Fresh(ctx, 2*time.Second)
	var mails []notify.Mail
	m.el.Read(func() {
		for _, id := range m.state.Recent() {
			if ml, ok := m.state.Mail(id); ok && ml.To != "" {
				mails = append(mails, ml)
			} else {
				mails = append(mails, notify.Mail{ID: id}) // let go: read from the store
			}
		}
	})
	for i := range mails {
		ml := &mails[i]
		switch {
		case ml.To == "":
			doc, ok, err := m.mails.Get(ctx, ml.ID)
			if err != nil {
				return events.MailboxReply{}, err
			}
			if ok {
				*ml = doc
			}
		case ml.BodyForgotten():
			if err := m.fillBody(ctx, ml); err != nil {
				return events.MailboxReply{}, err
			}
		}
	}
	slices.SortStableFunc(mails, func(a, b notify.Mail) int { return b.Created.Compare(a.Created) })
	out := events.MailboxReply{Items: []events.MailView{}}
	for _, ml := range mails {
		if ml.To == "" {
			continue // not in the store yet (or never written)
		}
		out.Items = append(out.Items, events.MailView{ID: ml.ID, To: ml.To, Subject: ml.Subject, Text: ml.Text,
			Created: ml.Created.UTC().Format(time.RFC3339), Status: ml.Status, Reason: ml.Reason})
	}
	return out, nil
}

func (m *Main) opProblems(ctx context.Context, r rpc.Request[empty]) (events.DeliveryProblemsReply, error) {
	me, err := m.authenticate(ctx, r.Caller)
	if err != nil {
		return events.DeliveryProblemsReply{}, err
	}
	if !me.Has(events.ManagerRoles...) {
		return events.DeliveryProblemsReply{}, errForbidden
	}
	m.el.RLock()
	bounced := m.state.Bounced()
	m.el.RUnlock()
	out := events.DeliveryProblemsReply{Items: []events.DeliveryProblem{}}
	for _, b := range bounced {
		p, _ := m.dir.Person(b.ID)
		out.Items = append(out.Items, events.DeliveryProblem{Person: b.ID, Email: p.Email, Name: p.Name, Reason: b.Bounce,
			Time: b.BounceAt.UTC().Format(time.RFC3339)})
	}
	return out, nil
}

// limiter allows n requests per key in each window.
type limiter struct {
	mu     sync.Mutex
	n      int
	window time.Duration
	seen   map[string][]time.Time
}

func newLimiter(n int, window time.Duration) *limiter {
	return &limiter{n: n, window: window, seen: map[string][]time.Time{}}
}

func (l *limiter) allow(key string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.seen) > 10000 { // forget everyone now and then rather than grow without bound
		l.seen = map[string][]time.Time{}
	}
	recent := l.seen[key][:0]
	for _, t := range l.seen[key] {
		if now.Sub(t) < l.window {
			recent = append(recent, t)
		}
	}
	if len(recent) >= l.n {
		l.seen[key] = recent
		return false
	}
	l.seen[key] = append(recent, now)
	return true
}

// secret is a key the service keeps in its own database.
type secret struct {
	ID  string `bson:"_id"`
	Key []byte `bson:"key"`
}

func (s secret) DocID() string { return s.ID }

// loadCalendarKey takes the key feed tokens are derived with: Config.CalendarKey, else the
// one stored in the service's database, else a new random one stored there (the first
// replica to store it wins).
func (m *Main) loadCalendarKey(ctx context.Context) error {
	if len(m.cfg.CalendarKey) > 0 {
		m.calendarKey = m.cfg.CalendarKey
		return nil
	}
	for range 2 {
		s, ok, err := m.secrets.Get(ctx, "calendar")
		if err != nil {
			return err
		}
		if ok && len(s.Key) >= 32 {
			m.calendarKey = s.Key
			return nil
		}
		key := make([]byte, 32)
		_, _ = rand.Read(key)
		err = m.secrets.Insert(ctx, secret{ID: "calendar", Key: key})
		if err == nil {
			m.calendarKey = key
			return nil
		}
		if !mongo.IsDuplicateKeyError(err) {
			return err
		}
	}
	return errors.New("notify: calendar key not stored")
}
