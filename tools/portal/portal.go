// Package portal assembles the whole of Onramp in one process: the embedded engines (or
// external NATS and MongoDB), every service and the web server. The all-in-one command,
// the end-to-end tests and the benchmarks all start Onramp through it.
package portal

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"onramp.dev/infra/bus"
	"onramp.dev/infra/devstack"
	"onramp.dev/infra/directory"
	"onramp.dev/infra/standalone"
	"onramp.dev/infra/store"
	identity "onramp.dev/services/identity/server"
	mentorship "onramp.dev/services/mentorship/server"
	notify "onramp.dev/services/notify/server"
	onboarding "onramp.dev/services/onboarding/server"
	skills "onramp.dev/services/skills/server"
	training "onramp.dev/services/training/server"
	"onramp.dev/services/web"
)

// Config says where Onramp keeps its data and where it listens.
type Config struct {
	Dir      string       // data directory for the embedded engines
	Addr     string       // web address
	Listener net.Listener // overrides Addr (tests)
	NATSURL  string       // external NATS instead of the embedded server
	MongoURI string       // external MongoDB instead of the embedded FerretDB
	// NATSAddr, when set (loopback), makes the embedded NATS listen on TCP too, with the
	// per-service users of infra/devstack; Portal.Stack.UserURL("admin") is then its URL.
	NATSAddr string
	LogLinks bool // log set-password links (demo mode)
	Demo     bool // demo mode: admins may read the local mailbox at /admin/mail
	// SMTPURL overrides ONRAMP_SMTP_URL (tests point it at their own mail server); with
	// neither, mail is kept in the process's mailbox and each subject is logged.
	SMTPURL string
	// ProtoHeader is the header a trusted proxy sets to the browser's scheme (HSTS).
	ProtoHeader string
	// SessionCache: how long web keeps identity's answer about an access token (web.Config).
	SessionCache time.Duration
	Logger       *slog.Logger
}

// Portal is a running Onramp.
type Portal struct {
	Stack   *devstack.Stack // nil when both engines are external
	NATS    *nats.Conn
	Mongo   *mongo.Client
	Web     *web.Main
	closers []func() error
}

// services are the domain services, started in this order, each on its own database
// (named after it). Services never call each other in-process: only over NATS. They share
// one read model, the people directory: the identity stream's staff events as every service
// would fold them, kept once.
var services = []struct {
	name  string
	build func(nc *nats.Conn, db *mongo.Database, cfg Config, dir *directory.Directory) (standalone.Main, error)
}{
	{"identity", func(nc *nats.Conn, db *mongo.Database, cfg Config, dir *directory.Directory) (standalone.Main, error) {
		return identity.New(nc, db, cfg.Logger, identity.Config{LogLinks: cfg.LogLinks, BaseURL: "http://" + cfg.Addr})
	}},
	{"onboarding", func(nc *nats.Conn, db *mongo.Database, cfg Config, dir *directory.Directory) (standalone.Main, error) {
		return onboarding.New(nc, db, cfg.Logger, onboarding.Config{Directory: dir})
	}},
	{"skills", func(nc *nats.Conn, db *mongo.Database, cfg Config, dir *directory.Directory) (standalone.Main, error) {
		return skills.New(nc, db, cfg.Logger, skills.Config{Directory: dir})
	}},
	{"training", func(nc *nats.Conn, db *mongo.Database, cfg Config, dir *directory.Directory) (standalone.Main, error) {
		return training.New(nc, db, cfg.Logger, training.Config{Directory: dir})
	}},
	{"mentorship", func(nc *nats.Conn, db *mongo.Database, cfg Config, dir *directory.Directory) (standalone.Main, error) {
		return mentorship.New(nc, db, cfg.Logger, mentorship.Config{Directory: dir})
	}},
	{"notify", func(nc *nats.Conn, db *mongo.Database, cfg Config, dir *directory.Directory) (standalone.Main, error) {
		addr := cfg.Addr
		if cfg.Listener != nil {
			addr = cfg.Listener.Addr().String()
		}
		nc2, err := notify.ConfigFromEnv(notify.Config{Demo: cfg.Demo, PublicURL: "http://" + addr, Directory: dir}, cfg.Logger)
		if err != nil {
			return nil, err
		}
		if cfg.SMTPURL != "" {
			sc, err := notify.ParseSMTPURL(cfg.SMTPURL)
			if err != nil {
				return nil, err
			}
			nc2.Mailer, nc2.Mailbox = notify.NewSMTP(sc), false
			nc2.From = cmp.Or(nc2.From, "Onramp <onramp@localhost>")
		}
		return notify.New(nc, db, cfg.Logger, nc2)
	}},
}

// Start brings everything up and returns once the web server accepts connections.
func Start(ctx context.Context, cfg Config) (_ *Portal, err error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	p := &Portal{}
	defer func() {
		if err != nil {
			_ = p.Close()
		}
	}()
	if cfg.NATSURL == "" || cfg.MongoURI == "" {
		p.Stack, err = devstack.Start(ctx, devstack.Config{Dir: cfg.Dir, NATSAddr: cfg.NATSAddr, Logger: cfg.Logger})
		if err != nil {
			return nil, err
		}
		p.closers = append(p.closers, func() error { p.Stack.Close(); return nil })
	}
	if cfg.NATSURL != "" {
		p.NATS, err = bus.Connect(cfg.NATSURL, "onramp")
	} else {
		p.NATS, err = p.Stack.Connect()
	}
	if err != nil {
		return nil, err
	}
	p.closers = append(p.closers, func() error { return p.NATS.Drain() })
	uri := cfg.MongoURI
	if uri == "" {
		uri = p.Stack.StoreURI()
	}
	if p.Mongo, err = store.Connect(ctx, uri); err != nil {
		return nil, err
	}
	p.closers = append(p.closers, func() error { return p.Mongo.Disconnect(context.Background()) })

	// One people directory for every service of the process (each would otherwise keep
	// its own copy of everyone, about 5 MB at 10,000 staff), started before them; it stops
	// after the web server and before the services.
	js, err := jetstream.New(p.NATS)
	if err != nil {
		return nil, err
	}
	if err := bus.EnsureStreams(ctx, js); err != nil {
		return nil, err
	}
	dirCtx, stopDir := context.WithCancel(context.WithoutCancel(ctx))
	dir := directory.New(cfg.Logger)
	if err := dir.Start(dirCtx, js); err != nil {
		stopDir()
		return nil, fmt.Errorf("directory: %w", err)
	}

	// The services start side by side: each loads its snapshot and replays its own stream.
	mains := make([]standalone.Main, len(services))
	for i, svc := range services {
		if mains[i], err = svc.build(p.NATS, p.Mongo.Database(svc.name), cfg, dir); err != nil {
			stopDir()
			return nil, fmt.Errorf("%s: %w", svc.name, err)
		}
	}
	errs := make([]error, len(services))
	var wg sync.WaitGroup
	for i, svc := range services {
		wg.Go(func() {
			began := time.Now()
			if errs[i] = mains[i].Run(ctx); errs[i] != nil {
				errs[i] = fmt.Errorf("%s: %w", svc.name, errs[i])
				return
			}
			cfg.Logger.Info("service ready", "service", svc.name, "took", time.Since(began).Round(time.Millisecond))
		})
	}
	wg.Wait()
	// They stop side by side too: each saves its snapshot and writes its documents, and a
	// stop takes as long as the slowest, not the sum.
	var started []standalone.Main
	for i := range services {
		if errs[i] == nil {
			started = append(started, mains[i])
		}
	}
	p.closers = append(p.closers, func() error {
		errs := make([]error, len(started))
		var wg sync.WaitGroup
		for i, m := range started {
			wg.Go(func() { errs[i] = m.Close() })
		}
		wg.Wait()
		return errors.Join(errs...)
	})
	p.closers = append(p.closers, func() error { stopDir(); return nil })
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	p.Web = web.New(p.NATS, cfg.Logger, web.Config{Addr: cfg.Addr, Listener: cfg.Listener, ProtoHeader: cfg.ProtoHeader, SessionCache: cfg.SessionCache, Ready: func(ctx context.Context) error { return p.Mongo.Ping(ctx, nil) }})
	if err := p.Web.Run(ctx); err != nil {
		return nil, err
	}
	p.closers = append(p.closers, p.Web.Close)
	return p, nil
}

// URL is the web address.
func (p *Portal) URL() string { return p.Web.URL() }

// Close stops everything in reverse order of starting.
func (p *Portal) Close() error {
	var errs []error
	for i := len(p.closers) - 1; i >= 0; i-- {
		errs = append(errs, p.closers[i]())
	}
	p.closers = nil
	return errors.Join(errs...)
}
