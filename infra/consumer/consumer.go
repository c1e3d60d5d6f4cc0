// Package consumer runs a durable JetStream pull consumer the way every Onramp service
// needs it: explicit acks after the effect is stored, a bounded number of deliveries with
// growing delays for transient failures, and a dead-letter record (event, consumer, reason,
// attempts) plus Term for messages that can never succeed, so one poison message never
// blocks the stream. Messages are handed over in small batches so a handler can coalesce
// its store writes; acks go out only after the handler returns.
package consumer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/trace"
)

// ErrPermanent marks a failure that retrying cannot fix; wrap it (or events.ErrInvalid) to
// dead-letter a message at once.
var ErrPermanent = errors.New("permanent failure")

// Config names the durable consumer and what it reads.
type Config struct {
	Stream     string
	Durable    string
	Filters    []string        // subject filters; empty: the whole stream
	MaxDeliver int             // deliveries before giving up; default 5; -1: never give up
	Backoff    []time.Duration // delay before delivery n+1; default 100ms, 500ms, 2s, 10s
	Batch      int             // most messages per handler call; default 256
	AckWait    time.Duration   // time to handle a message before it is delivered again; default 30s
	Logger     *slog.Logger
}

// Msg is one delivered event.
type Msg struct {
	Env      events.Envelope
	Subject  string
	Seq      uint64 // stream sequence
	Attempts uint64 // 1 on first delivery
	raw      jetstream.Msg
	err      error
}

// Fail records that this message could not be handled; the rest of the batch still
// succeeds. Wrap ErrPermanent or events.ErrInvalid to dead-letter it now.
func (m *Msg) Fail(err error) { m.err = err }

// Handler handles a batch. Returning an error fails every message of the batch not
// already failed (they are retried after a delay).
type Handler func(ctx context.Context, batch []*Msg) error

// Each adapts a per-message function to a Handler. Each message is handled with its
// event's trace in the context, so what the handler appends continues that trace.
func Each(f func(ctx context.Context, m *Msg) error) Handler {
	return func(ctx context.Context, batch []*Msg) error {
		for _, m := range batch {
			if err := f(trace.With(ctx, m.Env.Trace), m); err != nil {
				m.Fail(err)
			}
		}
		return nil
	}
}

// Consumer is a running durable consumer.
type Consumer struct {
	cfg  Config
	js   jetstream.JetStream
	cons jetstream.Consumer
}

// New creates or updates the durable consumer.
func New(ctx context.Context, js jetstream.JetStream, cfg Config) (*Consumer, error) {
	if cfg.MaxDeliver == 0 {
		cfg.MaxDeliver = 5
	}
	if cfg.Backoff == nil {
		cfg.Backoff = []time.Duration{100 * time.Millisecond, 500 * time.Millisecond, 2 * time.Second, 10 * time.Second}
	}
	if cfg.Batch == 0 {
		cfg.Batch = 256
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.AckWait == 0 {
		cfg.AckWait = 30 * time.Second
	}
	cc := jetstream.ConsumerConfig{
		Durable:       cfg.Durable,
		AckPolicy:     jetstream.AckExplicitPolicy,
		AckWait:       cfg.AckWait,
		MaxDeliver:    cfg.MaxDeliver,
		MaxAckPending: 4 * cfg.Batch,
		DeliverPolicy: jetstream.DeliverAllPolicy,
	}
	switch len(cfg.Filters) {
	case 0:
	case 1:
		cc.FilterSubject = cfg.Filters[0]
	default:
		cc.FilterSubjects = cfg.Filters
	}
	cons, err := js.CreateOrUpdateConsumer(ctx, cfg.Stream, cc)
	if err != nil {
		return nil, fmt.Errorf("consumer %s: %w", cfg.Durable, err)
	}
	return &Consumer{cfg: cfg, js: js, cons: cons}, nil
}

// Run hands batches to h until ctx ends. It stops gracefully: a pull request already
// sent is allowed to finish (at most fetchWait) and its messages are handled and acked,
// because a message the server delivers to an abandoned pull would sit unacknowledged
// until its ack wait expires.
func (c *Consumer) Run(ctx context.Context, h Handler) error {
	for ctx.Err() == nil {
		raw, err := c.next(context.WithoutCancel(ctx))
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			c.cfg.Logger.Warn("fetch failed", "consumer", c.cfg.Durable, "err", err)
			sleep(ctx, 500*time.Millisecond)
			continue
		}
		if len(raw) == 0 {
			continue
		}
		hctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		c.handle(hctx, raw, h)
		cancel()
	}
	return nil
}

// fetchWait is how long one pull request waits for a first message.
const fetchWait = 500 * time.Millisecond

// next waits for at least one message, then takes whatever else is already waiting.
func (c *Consumer) next(ctx context.Context) ([]jetstream.Msg, error) {
	var out []jetstream.Msg
	wait, cancel := context.WithTimeout(ctx, fetchWait)
	defer cancel()
	first, err := c.cons.Fetch(1, jetstream.FetchContext(wait))
	if err != nil {
		return nil, err
	}
	for m := range first.Messages() {
		out = append(out, m)
	}
	if len(out) == 0 {
		return nil, nil
	}
	more, err := c.cons.FetchNoWait(c.cfg.Batch - 1)
	if err != nil {
		return out, nil
	}
	for m := range more.Messages() {
		out = append(out, m)
	}
	return out, nil
}

func (c *Consumer) handle(ctx context.Context, raw []jetstream.Msg, h Handler) {
	batch := make([]*Msg, 0, len(raw))
	var all []*Msg
	for _, r := range raw {
		m := &Msg{raw: r, Subject: r.Subject()}
		if md, err := r.Metadata(); err == nil {
			m.Seq, m.Attempts = md.Sequence.Stream, md.NumDelivered
		}
		all = append(all, m)
		env, err := events.Decode(r.Data())
		if err != nil {
			m.Fail(err)
			continue
		}
		m.Env = env
		batch = append(batch, m)
	}
	if len(batch) > 0 {
		if err := h(ctx, batch); err != nil {
			for _, m := range batch {
				if m.err == nil {
					m.Fail(err)
				}
			}
		}
	}
	for _, m := range all {
		c.settle(ctx, m)
	}
}

func (c *Consumer) settle(ctx context.Context, m *Msg) {
	log := c.cfg.Logger.With("consumer", c.cfg.Durable, "subject", m.Subject, "seq", m.Seq, "event", m.Env.ID)
	if m.err == nil {
		if err := m.raw.Ack(); err != nil {
			log.Warn("ack failed; the message will be redelivered and skipped as handled", "err", err)
		}
		return
	}
	permanent := errors.Is(m.err, ErrPermanent) || errors.Is(m.err, events.ErrInvalid)
	if !permanent && (c.cfg.MaxDeliver < 0 || m.Attempts < uint64(c.cfg.MaxDeliver)) {
		delay := c.cfg.Backoff[min(int(m.Attempts)-1, len(c.cfg.Backoff)-1)]
		log.Warn("handling failed; retrying", "attempt", m.Attempts, "delay", delay, "err", m.err)
		_ = m.raw.NakWithDelay(delay)
		return
	}
	reason := m.err.Error()
	if !permanent {
		reason = fmt.Sprintf("gave up after %d attempts: %s", m.Attempts, reason)
	}
	log.Error("dead-lettering message", "reason", reason)
	if err := c.deadLetter(ctx, m, reason); err != nil {
		log.Error("dead letter not written; retrying the message", "err", err)
		_ = m.raw.NakWithDelay(time.Second)
		return
	}
	_ = m.raw.Term()
}

func (c *Consumer) deadLetter(ctx context.Context, m *Msg, reason string) error {
	return PublishDeadLetter(ctx, c.js, events.DeadLetter{
		Consumer: c.cfg.Durable, Stream: c.cfg.Stream, Subject: m.Subject, Sequence: m.Seq,
		Attempts: m.Attempts, Reason: reason, Time: time.Now().UTC(), Event: m.raw.Data(),
	})
}

// PublishDeadLetter records dl on the dead-letter stream, once per consumer and message.
func PublishDeadLetter(ctx context.Context, js jetstream.JetStream, dl events.DeadLetter) error {
	body, err := json.Marshal(dl)
	if err != nil {
		return err
	}
	id := fmt.Sprintf("%s-%s-%d", dl.Consumer, dl.Stream, dl.Sequence)
	_, err = js.Publish(ctx, events.DeadLetterPrefix+"."+dl.Consumer, body, jetstream.WithMsgID(id))
	return err
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}

// Settled reports whether every message up to stream sequence seq has been acked or
// terminated by this consumer.
func (c *Consumer) Settled(ctx context.Context, seq uint64) (bool, error) {
	info, err := c.cons.Info(ctx)
	if err != nil {
		return false, err
	}
	return info.AckFloor.Stream >= seq || (info.NumPending == 0 && info.NumAckPending == 0), nil
}
