// Package eventlog is the write path every Onramp service shares, with JetStream as the
// commit point:
//
//  1. a command takes its record's lock (Lock), decides against the in-memory model (Read),
//  2. appends its event with the stream sequence it decided on (Commit, via bus.Append),
//  3. applies the event to the model on the stream's ack and answers.
//
// A projector — a durable consumer of the service's own stream — applies every event to
// the model too (a no-op for events the command path applied already: models are
// idempotent by stream sequence) and writes each document a batch touched once, before the
// batch is acked. A crash between append and write only delays the write. On start, the
// service loads its documents into the model and serves only once the backlog that was on
// the stream at start is applied.
package eventlog

import (
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/consumer"
)

// Model is a service's in-memory state built from its stream.
type Model interface {
	// Apply folds in the event stored at seq and names the documents it touched. Applying
	// an event a second time must change nothing (but may name the documents again).
	// Errors wrapping events.ErrInvalid dead-letter the event.
	Apply(env events.Envelope, seq uint64) ([]string, error)
}

// Flush writes the named documents from the model to the store (the model is read-locked
// by the caller for the copy; the write itself happens outside every lock).
type Flush func(ctx context.Context, ids []string) error

// Log couples a model with its stream.
type Log struct {
	js     jetstream.JetStream
	stream string
	log    *slog.Logger

	mu      sync.RWMutex // guards model and applied
	model   Model
	applied uint64 // highest stream sequence handled

	locks  [128]sync.Mutex
	cancel context.CancelFunc
	done   chan struct{}
}

// New returns a log over stream for model.
func New(js jetstream.JetStream, stream string, model Model, logger *slog.Logger) *Log {
	return &Log{js: js, stream: stream, model: model, log: logger, done: make(chan struct{})}
}

// Read runs f with the model read-locked.
func (l *Log) Read(f func()) {
	l.mu.RLock()
	defer l.mu.RUnlock()
	f()
}

// RLock and RUnlock read-lock the model by hand, for code that reads in several places.
func (l *Log) RLock()   { l.mu.RLock() }
func (l *Log) RUnlock() { l.mu.RUnlock() }

// Loaded records that documents reflecting stream sequence seq were loaded into the model
// before Start (call it under no lock, before Start).
func (l *Log) Loaded(seq uint64) { l.applied = max(l.applied, seq) }

// Applied is the highest stream sequence the model reflects.
func (l *Log) Applied() uint64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.applied
}

// Start runs the projector as the durable consumer named durable (filters: subjects of
// the stream it reads; empty: all) and returns once the backlog present at start is
// applied (or after 30 s, with a warning).
func (l *Log) Start(ctx context.Context, durable string, flush Flush) error {
	backlog, err := bus.StreamLastSeq(ctx, l.js, l.stream)
	if err != nil {
		return err
	}
	// The stream is the truth and the store only a copy of it, so a store outage must
	// never dead-letter a projection: retry without limit (invalid events still go to the
	// dead-letter stream at once).
	c, err := consumer.New(ctx, l.js, consumer.Config{Stream: l.stream, Durable: durable, Logger: l.log, MaxDeliver: -1})
	if err != nil {
		return err
	}
	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.cancel = cancel
	go func() {
		defer close(l.done)
		_ = c.Run(rctx, func(ctx context.Context, batch []*consumer.Msg) error { return l.project(ctx, batch, flush) })
	}()
	// The backlog is applied and stored once the projector has settled every message up
	// to it (documents loaded at start may be ahead of what was settled).
	deadline := time.Now().Add(30 * time.Second)
	for {
		ok, err := c.Settled(ctx, backlog)
		if err == nil && ok {
			return nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			l.log.Warn("serving before the backlog is applied", "stream", l.stream, "backlog", backlog, "applied", l.Applied())
			return nil
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Close stops the projector after its current batch.
func (l *Log) Close() {
	if l.cancel != nil {
		l.cancel()
		<-l.done
		l.cancel = nil
	}
}

func (l *Log) project(ctx context.Context, batch []*consumer.Msg, flush Flush) error {
	dirty := map[string]bool{}
	l.mu.Lock()
	for _, m := range batch {
		l.applied = max(l.applied, m.Seq) // even a message failing below is behind us
		ids, err := l.model.Apply(m.Env, m.Seq)
		if err != nil {
			m.Fail(err)
			continue
		}
		for _, id := range ids {
			dirty[id] = true
		}
	}
	l.mu.Unlock()
	if len(dirty) == 0 {
		return nil
	}
	ids := make([]string, 0, len(dirty))
	for id := range dirty {
		ids = append(ids, id)
	}
	return flush(ctx, ids)
}

// Lock serialises commands on one record (or any key) in this process; call the returned
// func to unlock. Keys share stripes: never hold two at once.
func (l *Log) Lock(key string) func() {
	h := fnv.New32a()
	h.Write([]byte(key))
	m := &l.locks[h.Sum32()%uint32(len(l.locks))]
	m.Lock()
	return m.Unlock
}

// Commit appends env with expect and applies it to the model on the ack. On a conflict
// (another writer appended first) it waits until the model has caught up with the stream,
// so the caller can decide again on fresh state, and returns bus.ErrConflict.
func (l *Log) Commit(ctx context.Context, env events.Envelope, expect bus.Expect) (uint64, error) {
	seq, err := bus.Append(ctx, l.js, env, expect)
	if errors.Is(err, bus.ErrConflict) {
		if last, lerr := bus.LastSeq(ctx, l.js, l.stream, expect.Filter); lerr == nil {
			l.WaitApplied(ctx, last, 5*time.Second)
		}
		return 0, err
	}
	if err != nil {
		return 0, err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	l.applied = max(l.applied, seq)
	if _, err := l.model.Apply(env, seq); err != nil {
		return seq, fmt.Errorf("eventlog: apply own event %s: %w", env.Type, err)
	}
	return seq, nil
}

// WaitApplied waits until the model reflects stream sequence seq, up to limit.
func (l *Log) WaitApplied(ctx context.Context, seq uint64, limit time.Duration) bool {
	deadline := time.Now().Add(limit)
	for ctx.Err() == nil && time.Now().Before(deadline) {
		if l.Applied() >= seq {
			return true
		}
		time.Sleep(2 * time.Millisecond)
	}
	return false
}

// Retry runs a decide-and-commit function again when it lost a race to another writer.
func Retry(f func() error) error {
	var err error
	for range 3 {
		if err = f(); !errors.Is(err, bus.ErrConflict) {
			return err
		}
	}
	return events.Errorf(events.CodeConflict, "the record changed while saving; try again")
}
