// Package devstack runs Onramp's embedded engines inside the current process: a NATS
// server with JetStream (file store) and FerretDB on SQLite, both under one data directory.
// It is the default stack for development, demos and tests; production points the same
// services at an external NATS cluster and MongoDB instead.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"time"

	"github.com/FerretDB/FerretDB/ferretdb"
	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// Config says where the stack keeps its data and whether its engines listen on TCP.
type Config struct {
	// Dir holds everything: nats/ (JetStream), ferretdb/ (SQLite files), run/ (the socket).
	Dir string
	// NATSAddr, when set (e.g. "127.0.0.1:4222", port 0 for any), makes NATS listen on TCP so
	// other processes can connect. Empty: no listener at all, in-process connections only.
	NATSAddr string
	// StoreAddr, when set, makes FerretDB listen on TCP instead of a Unix socket in Dir/run.
	StoreAddr string
	Logger    *slog.Logger
}

// Stack is a running embedded NATS server and FerretDB.
type Stack struct {
	nats     *server.Server
	natsURL  string
	storeURI string
	cancel   context.CancelFunc
	done     chan struct{}
	indexer  *idIndexer
	wal      *walKeeper
	dir      string
	// passwords of the NATS users, by user, when NATS listens on TCP (users.go)
	passwords map[string]string
}

// Start starts both engines and returns once both accept connections.
func Start(ctx context.Context, cfg Config) (*Stack, error) {
	if cfg.Dir == "" {
		return nil, errors.New("devstack: data directory is required")
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	for _, d := range []string{"nats", "ferretdb", "run"} {
		if err := os.MkdirAll(filepath.Join(cfg.Dir, d), 0o700); err != nil {
			return nil, fmt.Errorf("devstack: %w", err)
		}
	}
	// The socket directory must be private: FerretDB has no authentication.
	if err := os.Chmod(filepath.Join(cfg.Dir, "run"), 0o700); err != nil {
		return nil, fmt.Errorf("devstack: %w", err)
	}

	began := time.Now()
	ns, natsURL, passwords, err := startNATS(cfg)
	if err != nil {
		return nil, err
	}
	// After a SIGKILL the server rebuilds its streams' indexes and, for duplicate
	// detection, reads every message of the last 24 hours: the first part of a start.
	cfg.Logger.Info("nats ready", "took", time.Since(began).Round(time.Millisecond))
	s := &Stack{nats: ns, natsURL: natsURL, passwords: passwords, done: make(chan struct{})}

	fctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	s.cancel = cancel
	f, uri, err := newFerret(cfg)
	if err != nil {
		cancel()
		ns.Shutdown()
		return nil, err
	}
	s.storeURI = uri
	s.indexer = newIDIndexer(filepath.Join(cfg.Dir, "ferretdb"), cfg.Logger)
	s.wal = newWALKeeper(filepath.Join(cfg.Dir, "ferretdb"), cfg.Logger)
	s.dir = cfg.Dir
	go func() {
		defer close(s.done)
		go s.indexer.run(fctx, 250*time.Millisecond)
		go s.wal.run(fctx, 2*time.Second)
		_ = f.Run(fctx)
	}()
	return s, nil
}

func startNATS(cfg Config) (*server.Server, string, map[string]string, error) {
	opts := &server.Options{
		ServerName:         "onramp-embedded",
		JetStream:          true,
		StoreDir:           filepath.Join(cfg.Dir, "nats"),
		NoSigs:             true,
		NoLog:              true,
		DontListen:         cfg.NATSAddr == "",
		JetStreamMaxMemory: 256 << 20,
		JetStreamMaxStore:  8 << 30,
		// Reports and lists travel as single request-reply messages; give them room
		// (an external NATS needs max_payload set likewise; see the README).
		MaxPayload: 8 << 20,
	}
	var passwords map[string]string
	if cfg.NATSAddr != "" {
		host, port, err := net.SplitHostPort(cfg.NATSAddr)
		if err != nil {
			return nil, "", nil, fmt.Errorf("devstack: NATS address %q: %w", cfg.NATSAddr, err)
		}
		opts.Host = host
		opts.Port, err = strconv.Atoi(port)
		if err != nil {
			return nil, "", nil, fmt.Errorf("devstack: NATS port %q: %w", port, err)
		}
		opts.Users, passwords = users()
		if opts.Port == 0 {
			opts.Port = server.RANDOM_PORT
		}
	}
	ns, err := server.NewServer(opts)
	if err != nil {
		return nil, "", nil, fmt.Errorf("devstack: nats: %w", err)
	}
	go ns.Start()
	if !ns.ReadyForConnections(10 * time.Second) {
		ns.Shutdown()
		return nil, "", nil, errors.New("devstack: nats did not start within 10s")
	}
	u := ""
	if cfg.NATSAddr != "" {
		u = ns.ClientURL()
	}
	return ns, u, passwords, nil
}

func newFerret(cfg Config) (*ferretdb.FerretDB, string, error) {
	fcfg := &ferretdb.Config{
		Handler:   "sqlite",
		SQLiteURL: "file:" + filepath.Join(cfg.Dir, "ferretdb") + "/",
		// FerretDB logs every unsupported command at warning level; only its errors matter.
		Logger: slog.New(errorsOnly{base: cfg.Logger.Handler()}).With("engine", "ferretdb"),
	}
	var sock string
	if cfg.StoreAddr != "" {
		fcfg.Listener.TCP = cfg.StoreAddr
	} else {
		abs, err := filepath.Abs(filepath.Join(cfg.Dir, "run", "ferretdb.sock"))
		if err != nil {
			return nil, "", fmt.Errorf("devstack: %w", err)
		}
		if len(abs) > 100 {
			return nil, "", fmt.Errorf("devstack: socket path %s is too long for a Unix socket; use a shorter data directory", abs)
		}
		_ = os.Remove(abs) // a stale socket from a killed run
		sock = abs
		fcfg.Listener.Unix = sock
	}
	f, err := ferretdb.New(fcfg)
	if err != nil {
		return nil, "", fmt.Errorf("devstack: ferretdb: %w", err)
	}
	if sock != "" {
		if err := os.Chmod(sock, 0o600); err != nil {
			return nil, "", fmt.Errorf("devstack: %w", err)
		}
		return f, "mongodb://" + url.PathEscape(sock) + "/", nil
	}
	return f, f.MongoDBURI(), nil
}

// Connect opens a NATS connection to the embedded server: in-process, no network.
func (s *Stack) Connect(opts ...nats.Option) (*nats.Conn, error) {
	opts = append([]nats.Option{nats.InProcessServer(s.nats), nats.Name("onramp")}, opts...)
	if pw := s.passwords["admin"]; pw != "" {
		opts = append(opts, nats.UserInfo("admin", pw))
	}
	nc, err := nats.Connect("", opts...)
	if err != nil {
		return nil, fmt.Errorf("devstack: connect: %w", err)
	}
	return nc, nil
}

// NATSURL is the TCP URL of the NATS server, or "" when it only accepts in-process
// connections.
func (s *Stack) NATSURL() string { return s.natsURL }

// StoreURI is the MongoDB URI of the embedded FerretDB (a Unix socket or a TCP address).
func (s *Stack) StoreURI() string { return s.storeURI }

// IndexNow creates the _id lookup indexes of collections created since the last sweep
// (they are otherwise added within a quarter of a second).
func (s *Stack) IndexNow(ctx context.Context) error { return s.indexer.sweep(ctx) }

// Close stops both engines and waits for FerretDB to finish.
func (s *Stack) Close() {
	s.cancel()
	<-s.done
	s.nats.Shutdown()
	s.nats.WaitForShutdown()
}

// errorsOnly passes on records of level error and above. FerretDB derives a logger with
// attributes for every connection and request; a text or JSON handler formats those
// attributes at once, which cost more than a gigabyte of allocations in a 2,500-person
// benchmark for records that are then dropped. So errorsOnly only remembers them, and
// hands them to the real handler when an error is actually logged.
type errorsOnly struct {
	base slog.Handler
	with []func(slog.Handler) slog.Handler // WithAttrs and WithGroup, in order
}

func (h errorsOnly) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }

func (h errorsOnly) Handle(ctx context.Context, r slog.Record) error {
	out := h.base
	for _, w := range h.with {
		out = w(out)
	}
	return out.Handle(ctx, r)
}

func (h errorsOnly) WithAttrs(a []slog.Attr) slog.Handler {
	return h.and(func(x slog.Handler) slog.Handler { return x.WithAttrs(a) })
}

func (h errorsOnly) WithGroup(g string) slog.Handler {
	return h.and(func(x slog.Handler) slog.Handler { return x.WithGroup(g) })
}

func (h errorsOnly) and(w func(slog.Handler) slog.Handler) errorsOnly {
	return errorsOnly{base: h.base, with: append(slices.Clip(h.with), w)}
}
