// Package server runs the notify service. It consumes the other domains' events (never
// calling them in-process) and records what it tells people on its own NOTIFY stream —
// inbox items and queued e-mails, each once per cause — and a sender (a durable consumer of
// that stream) hands each e-mail to the mail server with retries and growing delays,
// recording it sent, or failed with the reason. A sweeper climbs the reminder ladder. The
// NOTIFY stream is the commit point; a projector keeps the service's documents (one per
// recipient, one per e-mail) in its own database.
package server

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
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
	nc     *nats.Conn
	js     jetstream.JetStream
	log    *slog.Logger
	cfg    Config
	people *store.Collection[notify.Recipient]
	mails  *store.Collection[notify.Mail]
	verify *authn.Verifier
	dir    *directory.Directory
	agenda *notify.Agenda

	state *notify.State // guarded by el's lock
	el    *eventlog.Log

	peopleSaver *store.Saver[notify.Recipient]
	mailSaver   *store.Saver[notify.Mail]

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
		dir:     directory.New(logger),
		agenda:  notify.NewAgenda(titles),
		state:   notify.NewState(),
		feeds:   newLimiter(30, time.Minute),
	}
	m.peopleSaver, m.mailSaver = store.NewSaver(m.people), store.NewSaver(m.mails)
	m.el = eventlog.New(js, "NOTIFY", model{m.state}, logger)
	return m, nil
}

type model struct{ s *notify.State }

func (m model) Apply(env events.Envelope, seq uint64) ([]string, error) { return m.s.Apply(env, seq) }

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
	if err := m.people.All(ctx, func(r notify.Recipient) error {
		m.state.LoadRecipient(r)
		m.el.Loaded(r.Seq)
		m.peopleSaver.Loaded(r.ID)
		return nil
	}); err != nil {
		return err
	}
	if err := m.mails.All(ctx, func(ml notify.Mail) error {
		m.state.LoadMail(ml)
		m.el.Loaded(ml.Seq)
		m.mailSaver.Loaded(ml.ID)
		return nil
	}); err != nil {
		return err
	}
	if err := m.el.Start(ctx, m.cfg.Prefix+"-projector", m.flush); err != nil {
		return err
	}
	m.bg = background.Start(ctx)
	if err := m.dir.Start(m.bg.Context(), m.js); err != nil {
		m.stop()
		return err
	}
	for _, stream := range []string{"ONBOARDING", "TRAINING", "SKILLS", "MENTORSHIP"} {
		if err := m.follow(m.bg.Context(), stream); err != nil {
			m.stop()
			return err
		}
	}
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
	m.el.Close()
}

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
	return m.mailSaver.Save(ctx, mails...)
}

// Applied is the highest NOTIFY stream sequence the service reflects (tests).
func (m *Main) Applied() uint64 { return m.el.Applied() }

// follow replays a domain's stream into the agenda and keeps following it (an ordered
// consumer: nothing is stored, every replica sees every event). It returns once the
// stream's present content is applied.
func (m *Main) follow(ctx context.Context, name string) error {
	stream, err := m.js.Stream(ctx, name)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	info, err := stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	oc, err := stream.OrderedConsumer(ctx, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	caught := make(chan struct{})
	var once bool
	done := func() {
		if !once {
			once = true
			close(caught)
		}
	}
	if info.State.LastSeq == 0 {
		done()
	}
	cc, err := oc.Consume(func(msg jetstream.Msg) {
		env, err := events.Decode(msg.Data())
		if err == nil {
			err = m.agenda.Apply(env)
		}
		if err != nil {
			m.log.Warn("agenda: skipped an event", "subject", msg.Subject(), "err", err)
		}
		if md, err := msg.Metadata(); err == nil && (md.NumPending == 0 || md.Sequence.Stream >= info.State.LastSeq) {
			done()
		}
	})
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	go func() { <-ctx.Done(); cc.Stop() }()
	select {
	case <-caught:
		return nil
	case <-time.After(60 * time.Second):
		return fmt.Errorf("notify: %s stream not replayed within 60s", name)
	case <-ctx.Done():
		return ctx.Err()
	}
}
