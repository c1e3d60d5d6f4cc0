// Package server runs the notify service. It consumes the other domains' events (never
// calling them in-process) and records what it tells people on its own NOTIFY stream —
// inbox items and queued e-mails, each once per cause — and a sender (a durable consumer of
// that stream) hands each e-mail to the mail server with retries and growing delays,
// recording it sent, or failed with the reason. A sweeper climbs the reminder ladder. The
// NOTIFY stream is the commit point; a projector keeps the service's documents (one per
// recipient, one per e-mail) in its own database.
package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"

	curriculum "onramp.dev/content/training"
	"onramp.dev/events"
	"onramp.dev/infra/authn"
	"onramp.dev/infra/background"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/directory"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/rpc"
	"onramp.dev/infra/store"
	"onramp.dev/services/notify"
)

// Config tunes the service.
type Config struct {
	// Directory is a people directory the process has started already, shared by its
	// services (tools/portal); nil: the service follows the identity stream with its own.
	Directory *directory.Directory
	// Mailer sends e-mail; default: ConfigFromEnv's choice (SMTP, or a mailbox).
	Mailer Mailer
	// Mailbox says mail is only kept (admins may read it, in demo mode).
	Mailbox bool
	// From is the sender address (ONRAMP_SMTP_FROM); default onramp@localhost.
	From string
	// PublicURL is the web app's address for links in e-mail (ONRAMP_PUBLIC_URL).
	PublicURL string
	// Zone is the default time zone (ONRAMP_TZ); default UTC.
	Zone *time.Location
	// Workdays are the days reminders go out; default Monday to Friday.
	Workdays notify.Workdays
	// Now is the clock (tests move it); default time.Now.
	Now func() time.Time
	// SweepEvery is how often the ladder is climbed; default one minute, negative: never
	// (tests call Sweep).
	SweepEvery time.Duration
	// Attempts is how many times an e-mail is tried; default 6.
	Attempts int
	// Backoff are the delays between tries; default 10s, 1m, 5m, 30m, 2h.
	Backoff []time.Duration
	// SenderAckWait is how long a delivery may take before it is tried again; default 2m.
	SenderAckWait time.Duration
	// Keys are the token-signing public keys; default: fetched from identity.
	Keys authn.KeySource
	// Prefix names the durable consumers; default notify.
	Prefix string
	// Demo lets admins read the mailbox.
	Demo bool
	// CalendarKey derives calendar feed tokens (ONRAMP_CALENDAR_KEY, ≥ 32 bytes); default:
	// a random key kept in the service's database.
	CalendarKey []byte
}

// Main is the notify service.
type Main struct {
	nc       *nats.Conn
	js       jetstream.JetStream
	log      *slog.Logger
	cfg      Config
	people   *store.Collection[notify.Recipient]
	mails    *store.Collection[notify.Mail]
	verify   *authn.Verifier
	dir      *directory.Directory
	agenda   *notify.Agenda
	follower *eventlog.Follower // keeps the agenda

	state *notify.State // guarded by el's lock
	el    *eventlog.Log
	cp    *store.Checkpoint

	peopleSaver *store.Saver[notify.Recipient]
	mailSaver   *store.Saver[notify.Mail]
	storedMails []string // mails the store held at start (until they are released)

	stream      jetstream.Stream // NOTIFY, for outcome look-ups
	feeds       *limiter
	secrets     *store.Collection[secret]
	calendarKey []byte

	svc *rpc.Service
	bg  *background.Group
}

// New prepares the service on a NATS connection and its own database.
func New(nc *nats.Conn, db *mongo.Database, logger *slog.Logger, cfg Config) (*Main, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	logger = logger.With("service", "notify")
	if cfg.Mailer == nil {
		if cfg, err = ConfigFromEnv(cfg, logger); err != nil {
			return nil, err
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}
	if cfg.Workdays == nil {
		cfg.Workdays = notify.DefaultWorkdays
	}
	if cfg.From == "" {
		cfg.From = "Onramp <onramp@localhost>"
	}
	if cfg.PublicURL == "" {
		cfg.PublicURL = "http://127.0.0.1:8080"
	}
	cfg.PublicURL = strings.TrimRight(cfg.PublicURL, "/")
	if cfg.SweepEvery == 0 {
		cfg.SweepEvery = time.Minute
	}
	if cfg.Attempts == 0 {
		cfg.Attempts = 6
	}
	if cfg.Backoff == nil {
		cfg.Backoff = []time.Duration{10 * time.Second, time.Minute, 5 * time.Minute, 30 * time.Minute, 2 * time.Hour}
	}
	if cfg.SenderAckWait == 0 {
		cfg.SenderAckWait = 2 * time.Minute
	}
	if cfg.Keys == nil {
		cfg.Keys = authn.IdentityKeys(nc)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "notify"
	}
	titles := map[string]string{}
	mods, err := curriculum.Load()
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	for _, m := range mods {
		titles[m.ID] = m.Title
	}
	m := &Main{
		nc: nc, js: js, log: logger, cfg: cfg,
		people:  store.NewCollection[notify.Recipient](db, "recipients"),
		mails:   store.NewCollection[notify.Mail](db, "mails"),
		secrets: store.NewCollection[secret](db, "secrets"),
		verify:  authn.NewVerifier(cfg.Keys),
		dir:     cmp.Or(cfg.Directory, directory.New(logger)),
		agenda:  notify.NewAgenda(titles),
		state:   notify.NewState(),
		feeds:   newLimiter(30, time.Minute),
	}
	m.peopleSaver, m.mailSaver = store.NewSaver(m.people), store.NewSaver(m.mails)
	m.cp = store.NewCheckpoint(db, "NOTIFY")
	m.el = eventlog.New(js, "NOTIFY", m.state, logger)
	return m, nil
}

// Run loads the documents, starts the projector, the directory, the agenda, the
// consumers of other domains' events, the sender and the sweeper, and registers the
// operations.
func (m *Main) Run(ctx context.Context) error {
	if err := bus.EnsureStreams(ctx, m.js); err != nil {
		return err
	}
	stream, err := m.js.Stream(ctx, "NOTIFY")
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	m.stream = stream
	if err := m.loadCalendarKey(ctx); err != nil {
		return err
	}
	// The model (NOTIFY), the agenda (the other domains' streams, saved with its position
	// on each, so a start replays only what came after the last save) and the people
	// directory are independent: they load side by side.
	m.bg = background.Start(ctx)
	var wg sync.WaitGroup
	var elErr, fwErr, dirErr error
	wg.Go(func() {
		m.follower, fwErr = eventlog.Follow(ctx, m.js, m.cfg.Prefix+"-agenda", []eventlog.Source{{Stream: "ONBOARDING"}, {Stream: "TRAINING"}, {Stream: "SKILLS"}, {Stream: "MENTORSHIP"}}, agendaModel{m.agenda}, m.log)
	})
	wg.Go(func() { dirErr = m.dir.Start(m.bg.Context(), m.js) })
	elErr = m.el.Start(ctx, eventlog.Options{Flush: m.flush, Checkpoint: m.cp, Stored: m.stored, Legacy: m.cfg.Prefix + "-projector"})
	wg.Wait()
	if err := errors.Join(elErr, fwErr, dirErr); err != nil {
		m.stop()
		return err
	}
	m.releaseStored()
	if err := m.startConsumers(ctx); err != nil {
		m.stop()
		return err
	}
	if m.cfg.SweepEvery > 0 {
		m.bg.Go(m.sweepLoop)
	}
	if err := m.register(); err != nil {
		m.stop()
		return err
	}
	return nil
}

func (m *Main) stop() {
	m.bg.Stop()
	if m.follower != nil {
		m.follower.Close()
		m.follower = nil
	}
	m.el.Close()
}

// agendaModel adapts the agenda to eventlog.Follow.
type agendaModel struct{ *notify.Agenda }

func (a agendaModel) Apply(_ string, env events.Envelope, _ uint64) error { return a.Agenda.Apply(env) }

// Close stops answering, the consumers and the sweeper, and waits for the projector.
func (m *Main) Close() error {
	var err error
	if m.svc != nil {
		err = m.svc.Stop()
		m.svc = nil
	}
	m.stop()
	return err
}

// flush writes the documents a projector batch touched.
// stored tells the savers which documents the store holds already.
func (m *Main) stored(key string) {
	switch {
	case strings.HasPrefix(key, notify.PersonDoc):
		m.peopleSaver.Loaded(strings.TrimPrefix(key, notify.PersonDoc))
	case strings.HasPrefix(key, notify.MailDoc):
		id := strings.TrimPrefix(key, notify.MailDoc)
		m.mailSaver.Loaded(id)
		m.storedMails = append(m.storedMails, id)
	}
}

func (m *Main) flush(ctx context.Context, keys []string) error {
	var people []notify.Recipient
	var mails []notify.Mail
	m.el.Read(func() {
		for _, key := range keys {
			switch {
			case strings.HasPrefix(key, notify.PersonDoc):
				if r, ok := m.state.Recipient(strings.TrimPrefix(key, notify.PersonDoc)); ok {
					people = append(people, r)
				}
			case strings.HasPrefix(key, notify.MailDoc):
				if ml, ok := m.state.Mail(strings.TrimPrefix(key, notify.MailDoc)); ok {
					mails = append(mails, ml)
				}
			}
		}
	})
	if err := m.peopleSaver.Save(ctx, people...); err != nil {
		return err
	}
	// In batches: a store far behind rewrites every mail since its checkpoint, and the
	// bodies the model does not hold are fetched back only a batch at a time.
	for len(mails) > 0 {
		batch := mails[:min(len(mails), mailBatch)]
		mails = mails[len(batch):]
		var write []notify.Mail
		var done []string // in the store in their final state, whole: the model lets them go
		for i := range batch {
			ml := &batch[i]
			switch {
			case ml.OutcomeOnly():
				// An outcome of a mail the model released (recorded twice, or replayed):
				// merged into the stored document, never written over it.
				stored, ok, err := m.mails.Get(ctx, ml.ID)
				if err != nil {
					return fmt.Errorf("notify: outcome of mail %s: %w", ml.ID, err)
				}
				if ok && !stored.OutcomeOnly() {
					merged := notify.Merge(stored, *ml)
					if !stored.Done() {
						write = append(write, merged)
					}
					done = append(done, ml.ID)
					continue
				}
			case ml.BodyForgotten():
				if err := m.fillBody(ctx, ml); err != nil {
					return err
				}
			}
			if ml.Done() && !ml.OutcomeOnly() {
				done = append(done, ml.ID)
			}
			write = append(write, *ml)
		}
		if err := m.mailSaver.Save(ctx, write...); err != nil {
			return err
		}
		m.release(done)
		clear(batch) // let the bodies go
	}
	return nil
}

// mailBatch is how many mails a flush writes at a time.
const mailBatch = 200

// release lets done mails the store holds whole leave the model, its snapshot and the
// saver's memory. It is no event: the mails stay in the store, and their content on the
// stream.
func (m *Main) release(ids []string) {
	if len(ids) == 0 {
		return
	}
	var keys []string
	m.el.Release(func() []string { keys = m.state.Release(ids); return keys })
	gone := make([]string, len(keys))
	for i, k := range keys {
		gone[i] = strings.TrimPrefix(k, notify.MailDoc)
	}
	m.mailSaver.Forget(gone...)
}

// releaseStored lets go, after a start, of the done mails whose documents the store held
// already (a snapshot written before mails left the model holds them all, and a replay of
// the whole stream brings them back).
func (m *Main) releaseStored() {
	ids := m.storedMails
	m.storedMails = nil
	m.release(ids)
}

// fillBody puts back the text and HTML of a mail the model forgot: from the event that
// queued it, or (a mail recorded before the model knew that event, or whose event is gone
// from the stream) from its document.
func (m *Main) fillBody(ctx context.Context, ml *notify.Mail) error {
	var raw *jetstream.RawStreamMsg
	var err error
	if ml.Event > 0 {
		raw, err = m.stream.GetMsg(ctx, ml.Event)
		switch {
		case errors.Is(err, jetstream.ErrMsgNotFound):
			raw = nil
		case err != nil:
			return fmt.Errorf("notify: body of mail %s (seq %d): %w", ml.ID, ml.Event, err)
		}
	}
	if raw == nil {
		stored, ok, err := m.mails.Get(ctx, ml.ID)
		if err != nil {
			return fmt.Errorf("notify: body of mail %s: %w", ml.ID, err)
		}
		if ok {
			ml.Text, ml.HTML = stored.Text, stored.HTML
		}
		return nil
	}
	env, err := events.Decode(raw.Data)
	if err != nil {
		return fmt.Errorf("notify: body of mail %s (seq %d): %w", ml.ID, ml.Event, err)
	}
	var e events.Notified
	if err := env.Payload(&e); err != nil {
		return fmt.Errorf("notify: body of mail %s (seq %d): %w", ml.ID, ml.Event, err)
	}
	if e.Mail == nil || e.Mail.ID != ml.ID {
		return fmt.Errorf("notify: body of mail %s: seq %d does not hold it", ml.ID, ml.Event)
	}
	ml.Text, ml.HTML = e.Mail.Text, e.Mail.HTML
	return nil
}

// Applied is the highest NOTIFY stream sequence the service reflects (tests).
func (m *Main) Applied() uint64 { return m.el.Applied() }
