package eventlog

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/bus"
)

// FollowModel is a read model a service keeps of other domains' streams (e.g. notify's
// agenda of due dates from onboarding and training).
type FollowModel interface {
	// Apply folds in one event of stream at seq, in that stream's order. An error skips
	// the event (it is logged): another domain's stream is not this service's to reject.
	Apply(stream string, env events.Envelope, seq uint64) error
	Snapshot(w io.Writer) error
	Restore(r io.Reader) error
}

// Follower keeps a FollowModel current from its streams, one ordered consumer each, and
// saves it with the position reached on every stream (object "follow-<name>" in
// ONRAMP_SNAPSHOTS), so a start replays only what came after the snapshot.
type Follower struct {
	js      jetstream.JetStream
	name    string
	log     *slog.Logger
	model   FollowModel
	mu      sync.Mutex // guards model and pos
	pos     map[string]uint64
	applied uint64 // events applied since the last snapshot
	bytes   int64  // their size
	size    int64  // the last snapshot's model, uncompressed (loaded: compressed)
	snapAt  time.Time
	ccs     []jetstream.ConsumeContext
	stop    chan struct{}
	done    chan struct{}
}

type followMeta struct {
	Positions map[string]uint64
}

// Source is a stream a Follower reads, optionally only the subjects of Filters.
type Source struct {
	Stream  string
	Filters []string
}

// Follow starts following sources for model and returns once the model holds everything
// that was on them at start.
func Follow(ctx context.Context, js jetstream.JetStream, name string, sources []Source, model FollowModel, logger *slog.Logger) (*Follower, error) {
	f := &Follower{js: js, name: name, log: logger, model: model, pos: map[string]uint64{}, snapAt: time.Now(),
		stop: make(chan struct{}), done: make(chan struct{})}
	began := time.Now()
	targets := map[string]uint64{}
	for _, src := range sources {
		last, err := lastOf(ctx, js, src)
		if err != nil {
			return nil, err
		}
		targets[src.Stream] = last
	}
	if err := f.load(ctx, targets); err != nil {
		return nil, err
	}
	from := map[string]uint64{}
	for s, p := range f.pos {
		from[s] = p
	}
	caught := make(chan string, len(sources))
	for _, src := range sources {
		s := src.Stream
		if f.pos[s] >= targets[s] {
			caught <- s
		}
		cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy, FilterSubjects: src.Filters}
		if f.pos[s] > 0 {
			cfg = jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: f.pos[s] + 1, FilterSubjects: src.Filters}
		}
		oc, err := js.OrderedConsumer(ctx, s, cfg)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("eventlog: follow %s: %w", s, err)
		}
		target, reported := targets[s], f.pos[s] >= targets[s]
		cc, err := oc.Consume(func(m jetstream.Msg) {
			if seq := f.apply(s, m); !reported && seq >= target {
				reported = true
				caught <- s
			}
		}, jetstream.PullMaxMessages(1024))
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("eventlog: follow %s: %w", s, err)
		}
		f.ccs = append(f.ccs, cc)
	}
	for range sources {
		select {
		case <-caught:
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		}
	}
	f.mu.Lock()
	replayed := 0
	for s, p := range f.pos {
		replayed += int(p - from[s])
	}
	f.mu.Unlock()
	logger.Info("following other streams", "model", name, "replayed", replayed, "took", time.Since(began).Round(time.Millisecond))
	if replayed >= replayWorthSaving {
		f.snapAt = time.Time{} // save soon: a crash now would replay all that again
	}
	go f.saveLoop()
	return f, nil
}

// lastOf is the sequence of the last message src reads (0: none).
func lastOf(ctx context.Context, js jetstream.JetStream, src Source) (uint64, error) {
	if len(src.Filters) == 0 {
		return bus.StreamLastSeq(ctx, js, src.Stream)
	}
	var last uint64
	for _, f := range src.Filters {
		seq, err := bus.LastSeq(ctx, js, src.Stream, f)
		if err != nil {
			return 0, err
		}
		last = max(last, seq)
	}
	return last, nil
}

func (f *Follower) apply(stream string, m jetstream.Msg) uint64 {
	md, err := m.Metadata()
	if err != nil {
		return 0
	}
	seq := md.Sequence.Stream
	f.mu.Lock()
	defer f.mu.Unlock()
	if seq <= f.pos[stream] {
		return seq
	}
	env, err := events.Decode(m.Data())
	if err == nil {
		err = f.model.Apply(stream, env, seq)
	}
	if err != nil {
		f.log.Debug("followed event skipped", "model", f.name, "subject", m.Subject(), "seq", seq, "err", err)
	}
	f.pos[stream] = seq
	f.applied++
	f.bytes += int64(len(m.Data()))
	return seq
}

func (f *Follower) saveLoop() {
	defer close(f.done)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-f.stop:
			return
		case <-t.C:
			f.mu.Lock()
			rule := snapshotRule{every: snapshotEvery, interval: snapshotInterval, least: snapshotBytes}
			due := rule.due(f.applied, f.bytes, f.size, time.Since(f.snapAt))
			f.mu.Unlock()
			if due {
				ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
				if err := f.save(ctx); err != nil {
					f.log.Warn("followed model not saved", "model", f.name, "err", err)
				}
				cancel()
			}
		}
	}
}

// Close stops following and saves the model.
func (f *Follower) Close() {
	for _, cc := range f.ccs {
		cc.Stop()
		<-cc.Closed()
	}
	f.ccs = nil
	select {
	case <-f.stop:
		return // closed already
	default:
		close(f.stop)
	}
	select {
	case <-f.done:
	case <-time.After(30 * time.Second):
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	f.mu.Lock()
	changed := f.applied > 0
	f.mu.Unlock()
	if changed {
		if err := f.save(ctx); err != nil {
			f.log.Warn("followed model not saved at close", "model", f.name, "err", err)
		}
	}
}

func (f *Follower) object() string { return "follow-" + f.name }

func (f *Follower) save(ctx context.Context) error {
	f.mu.Lock()
	var raw int64
	body, err := frame(followMeta{Positions: f.pos}, counted(f.model.Snapshot, &raw))
	f.applied, f.bytes = 0, 0
	if err == nil {
		f.size = raw
	}
	f.mu.Unlock()
	if err != nil {
		return err
	}
	if err := putSaved(ctx, f.js, f.object(), body); err != nil {
		return err
	}
	f.snapAt = time.Now()
	return nil
}

// load restores the latest saved model, unless it is ahead of a stream (then the streams
// are replayed from their start).
func (f *Follower) load(ctx context.Context, last map[string]uint64) error {
	body, found, err := getSaved(ctx, f.js, f.object())
	if err != nil || !found {
		return err
	}
	var meta followMeta
	model, err := unframe(body, &meta)
	if err != nil {
		f.log.Warn("saved followed model is damaged; replaying the streams", "model", f.name)
		return nil
	}
	for s, p := range meta.Positions {
		if p > last[s] {
			f.log.Warn("saved followed model is ahead of a stream; replaying the streams", "model", f.name, "stream", s)
			return nil
		}
	}
	if err := f.model.Restore(modelReader(model)); err != nil {
		return fmt.Errorf("eventlog: %s does not fit this version (%v); delete it with `onramp rebuild`", f.object(), err)
	}
	f.pos, f.size = meta.Positions, int64(len(body))
	return nil
}
