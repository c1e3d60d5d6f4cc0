// Package eventlog is the write path and the read model lifecycle every Onramp service
// shares, with JetStream as the commit point:
//
//  1. a command takes its record's lock (Lock), decides against the in-memory model (Read),
//  2. appends its event with the stream sequence it decided on (Commit, via bus.Append),
//  3. waits until the model has applied the event, and answers.
//
// The model is a fold of the service's stream in stream order and nothing else: one ordered
// consumer applies every message exactly once, in sequence, whether a command of this
// process, another replica or anyone else appended it. A message that fails validation is
// rejected — dead-lettered with its reason — and still counts as handled for the record's
// subject, so a command's expected sequence never stalls behind it.
//
// The model is saved as a snapshot (a JetStream object) every few thousand events or
// minutes; a restart loads the snapshot and replays the stream from its sequence, so start-up
// costs the same whatever the history, and never waits for acknowledgements a dead process
// held. The service's documents in the store are a projection of the model: a flusher writes
// every document a batch of events touched, then records the stream sequence the store
// reflects (its checkpoint). A store that is empty or behind is rewritten from the model.
package eventlog

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"hash/fnv"
	"io"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/nats-io/nats.go/jetstream"

	"onramp.dev/events"
	"onramp.dev/infra/background"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/consumer"
)

// Model is a service's in-memory state built from its stream.
type Model interface {
	// Apply folds in the event stored at seq and names the documents it touched. Events
	// arrive once each, in stream order. Errors reject the event: it is dead-lettered and
	// the model must be left as it was.
	Apply(env events.Envelope, seq uint64) ([]string, error)
	// Snapshot writes the whole model; Restore reads such a snapshot into an empty model.
	Snapshot(w io.Writer) error
	Restore(r io.Reader) error
}

// Flush writes the named documents from the model to the store (the model is read-locked
// by the caller for the copy; the write itself happens outside every lock).
type Flush func(ctx context.Context, ids []string) error

// Checkpoint keeps the stream sequence the store's documents reflect, next to them.
type Checkpoint interface {
	Get(ctx context.Context) (uint64, error)
	Set(ctx context.Context, seq uint64) error
}

// Options say how the model reaches the store.
type Options struct {
	Flush      Flush
	Checkpoint Checkpoint
	// Stored is told, at start, of every document the store already holds (so new ones can
	// be inserted and the others replaced).
	Stored func(id string)
	// Legacy names a durable projector consumer of earlier versions, deleted at start.
	Legacy string
	// SnapshotEvery is how many events make a new snapshot due (default 5,000);
	// SnapshotInterval how often a changed model is saved anyway (default 30 s). A start
	// that replayed 1,000 events or more saves one at once. A snapshot is also due once
	// replaying the events since the last one would cost about as much as loading it (and
	// they are at least SnapshotBytes, default 1 MiB; see replayDue).
	SnapshotEvery    uint64
	SnapshotInterval time.Duration
	SnapshotBytes    int64
}

// SnapshotBucket is the JetStream object store that holds every service's snapshot.
const SnapshotBucket = "ONRAMP_SNAPSHOTS"

const (
	// snapshotInterval is how often a changed model is saved at least.
	snapshotInterval = 30 * time.Second
	// replayWorthSaving is how many events replayed at start make a snapshot due at once.
	replayWorthSaving = 1000
	// snapshotBytes is the least replay, in bytes of events, that makes a snapshot due.
	snapshotBytes = 1 << 20
)

// replayWeight is how much more a byte of events costs a start to replay than a byte of
// snapshot to load: events are JSON, decoded and applied one by one, while a snapshot is
// gob. Measured at 2,500 staff after a SIGKILL: notify's agenda replayed 4,014 events
// (about 4 MB) in 2.7 s, and loads its whole snapshot (about 15 MB) in under a second.
const replayWeight = 4

// snapshotEvery is how many events make a new snapshot due by default.
const snapshotEvery = 5000

// snapshotRule says when a model is saved again: after every events since the last save;
// after interval, if anything changed; and once replaying what came since would cost about
// as much as loading the model (replayDue, at least least bytes), at most every gap.
type snapshotRule struct {
	every    uint64
	interval time.Duration
	least    int64
	gap      time.Duration
}

// due applies the rule to events (and bytes of them) applied since the last save, which
// was size bytes of model and since ago.
func (r snapshotRule) due(events uint64, bytes, size int64, since time.Duration) bool {
	return events >= r.every || (events > 0 && since >= r.interval) || (replayDue(bytes, size, r.least) && since >= r.gap)
}

// replayDue reports whether the events since the last snapshot — bytes of them — are worth
// a new snapshot: once replaying them would cost a start about as much as loading the last
// snapshot's model (last bytes, uncompressed), a crash costs that much replay. Writing
// costs about what loading does, so snapshots cost a bounded share of applying the events
// they cover (about a third), whatever the model's size; and a crash replays at most about
// as long as a start takes to load the model.
func replayDue(bytes, last, least int64) bool {
	return bytes >= least && bytes*replayWeight >= last
}

// Reject is a message the model refused: its subject still counts as handled.
type Reject struct {
	Subject string
	Seq     uint64
}

// snapshotMeta travels in front of the model in a snapshot.
type snapshotMeta struct {
	Seq     uint64
	Touched map[string]uint64 // document id → last stream sequence that changed it
	Rejects []Reject
	// Released is the store checkpoint the last Release relied on: records released up to
	// there are in the store only, so a store behind it cannot be rewritten from this
	// snapshot (0: nothing was ever released).
	Released uint64
}

// Log couples a model with its stream.
type Log struct {
	js     jetstream.JetStream
	stream string
	log    *slog.Logger

	mu      sync.RWMutex // guards the fields below and the model
	model   Model
	applied uint64 // every message up to here is applied or rejected
	touched map[string]uint64
	rejects []Reject
	dirty   map[string]bool
	waiters int
	notify  chan struct{} // closed and replaced when applied moves while someone waits

	opts      Options
	snapMu    sync.Mutex // one snapshot save at a time
	snapSeq   uint64     // sequence of the last snapshot written or loaded (guarded by mu)
	snapAt    time.Time
	snapSize  int64  // bytes of the last snapshot written or loaded
	sinceSnap int64  // bytes of the events applied since (guarded by mu)
	storeSeq  uint64 // the store's checkpoint as last read or written
	flushing  uint64 // the sequence the flush under way writes (guarded by mu; 0: none)
	released  uint64 // see snapshotMeta.Released (guarded by mu)

	flushMu sync.Mutex // one flush at a time, so a flush that returns has written all before it

	locks  [128]sync.Mutex
	cancel context.CancelFunc
	wg     sync.WaitGroup
	cc     jetstream.ConsumeContext

	handleMu sync.Mutex
	handle   jetstream.Stream // the stream, looked up once (Fresh)
}

// New returns a log over stream for model.
func New(js jetstream.JetStream, stream string, model Model, logger *slog.Logger) *Log {
	return &Log{js: js, stream: stream, model: model, log: logger,
		touched: map[string]uint64{}, dirty: map[string]bool{}, notify: make(chan struct{})}
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

// Applied is the highest stream sequence the model reflects.
func (l *Log) Applied() uint64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.applied
}

// StoreCheckpoint is the stream sequence the store's documents reflect, as last written.
func (l *Log) StoreCheckpoint() uint64 {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.storeSeq
}

// Rejected lists the messages the model refused.
func (l *Log) Rejected() []Reject {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return append([]Reject(nil), l.rejects...)
}

// Start loads the latest snapshot, replays the stream from it with an ordered consumer,
// returns once the model holds everything that was on the stream at start, and keeps
// applying new messages, flushing documents and saving snapshots until Close.
func (l *Log) Start(ctx context.Context, opts Options) error {
	if opts.SnapshotEvery == 0 {
		opts.SnapshotEvery = snapshotEvery
	}
	if opts.SnapshotInterval == 0 {
		opts.SnapshotInterval = snapshotInterval
	}
	if opts.SnapshotBytes == 0 {
		opts.SnapshotBytes = snapshotBytes
	}
	l.opts = opts
	began := time.Now()
	if opts.Legacy != "" {
		if err := l.js.DeleteConsumer(ctx, l.stream, opts.Legacy); err != nil && !errors.Is(err, jetstream.ErrConsumerNotFound) {
			l.log.Warn("old projector consumer not deleted", "consumer", opts.Legacy, "err", err)
		}
	}
	st, err := l.streamHandle(ctx) // kept for Fresh
	if err != nil {
		return err
	}
	info, err := st.Info(ctx)
	if err != nil {
		return fmt.Errorf("eventlog: %s: %w", l.stream, err)
	}
	target := info.State.LastSeq
	cp, err := opts.Checkpoint.Get(ctx)
	if err != nil {
		return err
	}
	if err := l.loadSnapshot(ctx, target, cp); err != nil {
		return err
	}
	if info.State.Msgs == 0 {
		// Every message is gone (a stream with a max age, idle for longer): nothing to
		// replay, and nothing will ever deliver the sequence to wait for.
		l.applied = max(l.applied, target)
	}
	fromSnapshot := l.applied

	rctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	l.cancel = cancel
	cfg := jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverAllPolicy}
	if l.applied > 0 {
		cfg = jetstream.OrderedConsumerConfig{DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: l.applied + 1}
	}
	oc, err := l.js.OrderedConsumer(ctx, l.stream, cfg)
	if err != nil {
		cancel()
		return fmt.Errorf("eventlog: %s: %w", l.stream, err)
	}
	l.cc, err = oc.Consume(func(m jetstream.Msg) { l.apply(rctx, m) }, jetstream.PullMaxMessages(1024))
	if err != nil {
		cancel()
		return fmt.Errorf("eventlog: %s: %w", l.stream, err)
	}
	if !l.WaitApplied(ctx, target, 0) {
		l.Close()
		return fmt.Errorf("eventlog: %s: replay stopped at %d of %d: %w", l.stream, l.Applied(), target, ctx.Err())
	}

	l.mu.Lock()
	l.storeSeq = cp
	behind := 0
	for id, seq := range l.touched {
		if seq > cp {
			l.dirty[id] = true
			behind++
		} else if opts.Stored != nil {
			opts.Stored(id)
		}
	}
	l.mu.Unlock()
	switch {
	case cp == 0 && behind > 0:
		l.log.Warn("the store is empty: rebuilding its documents from the stream", "stream", l.stream, "documents", behind)
	case cp > l.applied:
		l.log.Warn("the store is ahead of the stream: was the stream replaced?", "stream", l.stream, "store", cp, "stream_last", l.applied)
	case behind > 0:
		l.log.Info("the store is behind the stream: rewriting what changed", "stream", l.stream, "store", cp, "documents", behind)
	}
	replayed := l.Applied() - fromSnapshot
	l.log.Info("model ready", "stream", l.stream, "snapshot", fromSnapshot, "replayed", replayed,
		"seq", l.Applied(), "took", time.Since(began).Round(time.Millisecond))
	if replayed >= replayWorthSaving {
		l.snapAt = time.Time{} // save soon: a crash now would replay all that again
	}

	l.wg.Go(func() { l.flushLoop(rctx) })
	l.wg.Go(func() { l.snapshotLoop(rctx) })
	return nil
}

// Close stops applying, writes what is dirty, records the checkpoint and saves a snapshot.
func (l *Log) Close() {
	if l.cancel == nil {
		return
	}
	if l.cc != nil {
		l.cc.Stop()
		<-l.cc.Closed()
	}
	l.cancel()
	l.wg.Wait()
	l.cancel = nil
	// The snapshot first, with a time of its own: the next start's speed depends on it,
	// while documents left unwritten are written by the next start from the model. (Saved
	// after the flush, a store slow to take a large backlog used up the time, and the next
	// start replayed everything since the last periodic snapshot.)
	l.mu.RLock()
	due := l.applied > l.snapSeq
	l.mu.RUnlock()
	if due {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		if err := l.saveSnapshot(ctx); err != nil {
			l.log.Warn("snapshot not saved at close", "stream", l.stream, "err", err)
		}
		cancel()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := l.flushOnce(ctx); err != nil {
		l.log.Warn("documents not written at close; the next start writes them", "stream", l.stream, "err", err)
	}
}

// apply folds one delivered message into the model, in stream order.
func (l *Log) apply(ctx context.Context, m jetstream.Msg) {
	md, err := m.Metadata()
	if err != nil {
		return
	}
	seq := md.Sequence.Stream
	l.mu.Lock()
	if seq <= l.applied { // an ordered consumer that restarted: already handled
		l.mu.Unlock()
		return
	}
	env, err := events.Decode(m.Data())
	var ids []string
	if err == nil {
		ids, err = l.model.Apply(env, seq)
	}
	if err != nil {
		l.rejects = append(l.rejects, Reject{Subject: m.Subject(), Seq: seq})
	}
	for _, id := range ids {
		l.touched[id] = seq
		l.dirty[id] = true
	}
	l.applied = seq
	l.sinceSnap += int64(len(m.Data()))
	if l.waiters > 0 {
		close(l.notify)
		l.notify = make(chan struct{})
	}
	l.mu.Unlock()
	if err != nil {
		reason := err.Error()
		l.log.Error("event rejected", "stream", l.stream, "subject", m.Subject(), "seq", seq, "reason", reason)
		dl := events.DeadLetter{Consumer: strings.ToLower(l.stream) + "-model", Stream: l.stream, Subject: m.Subject(), Sequence: seq,
			Attempts: 1, Reason: reason, Time: time.Now().UTC(), Event: m.Data()}
		if err := consumer.PublishDeadLetter(ctx, l.js, dl); err != nil {
			l.log.Error("dead letter not written", "stream", l.stream, "seq", seq, "err", err)
		}
	}
}

// Evict runs f with the model write-locked to drop records that can no longer matter (for
// example sessions long expired): f removes them from the model and returns their document
// ids, which are forgotten by the snapshot and handed to the next flush, where they are
// missing from the model (so the flush deletes them). It is the one change to a model that
// is not an event: a replay of the stream may bring such records back until they are
// evicted again. Evict only records that take no more commands: their events are still on
// the stream, so a command deciding on "no such record" would never match its expected
// sequence.
func (l *Log) Evict(f func() []string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := f()
	for _, id := range ids {
		delete(l.touched, id)
		l.dirty[id] = true
	}
	return len(ids)
}

// Release runs f with the model write-locked to let go of records whose final state the
// store holds: f removes them from the model and returns their document ids, which leave
// the snapshot and the pending writes — the store keeps their documents (unlike Evict). Call
// it from the Flush that wrote them (or at start, for documents the store held already).
// Release only records that take no more commands and that no later event can change: a
// later event about one finds no record in the model, so the model must treat it as
// complete in the store (for example the flush merges it into the stored document). A
// snapshot notes the store checkpoint its releases relied on (written right after the flush
// that released); a start whose store is behind it (a store lost or restored from an old
// backup) replays the whole stream instead, so the released records are written again.
func (l *Log) Release(f func() []string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	ids := f()
	for _, id := range ids {
		delete(l.touched, id)
		delete(l.dirty, id)
	}
	if len(ids) > 0 {
		l.released = max(l.released, cmp.Or(l.flushing, l.storeSeq))
	}
	return len(ids)
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

// Commit appends env with expect and returns once the model has applied it. Rejected
// messages on the expectation's subjects count as seen, so a poison message never blocks a
// record. On a conflict (another writer appended first) it waits until the model has caught
// up with the stream, so the caller can decide again on fresh state, and returns
// bus.ErrConflict.
func (l *Log) Commit(ctx context.Context, env events.Envelope, expect bus.Expect) (uint64, error) {
	if expect.Filter != "" {
		l.mu.RLock()
		for _, r := range l.rejects {
			if r.Seq > expect.LastSeq && SubjectMatches(expect.Filter, r.Subject) {
				expect.LastSeq = r.Seq
			}
		}
		l.mu.RUnlock()
	}
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
	if !l.WaitApplied(ctx, seq, 10*time.Second) {
		l.log.Warn("appended event not applied yet; answering anyway", "stream", l.stream, "seq", seq, "type", env.Type)
	}
	return seq, nil
}

// WaitApplied waits until the model reflects stream sequence seq, up to limit (0: as long
// as ctx lasts).
func (l *Log) WaitApplied(ctx context.Context, seq uint64, limit time.Duration) bool {
	var timeout <-chan time.Time
	if limit > 0 {
		t := time.NewTimer(limit)
		defer t.Stop()
		timeout = t.C
	}
	for {
		l.mu.Lock()
		if l.applied >= seq {
			l.mu.Unlock()
			return true
		}
		l.waiters++
		ch := l.notify
		l.mu.Unlock()
		expired := false
		select {
		case <-ch:
		case <-ctx.Done():
		case <-timeout:
			expired = true // the timer fires once: remember it
		}
		l.mu.Lock()
		l.waiters--
		done := l.applied >= seq
		l.mu.Unlock()
		if done {
			return true
		}
		if expired || ctx.Err() != nil {
			return false
		}
	}
}

// CatchUp waits, up to limit, until the model holds the last message on filter: for a
// record another replica changed a moment ago (read your writes across replicas). It
// reports whether the model has it.
func (l *Log) CatchUp(ctx context.Context, filter string, limit time.Duration) bool {
	last, err := bus.LastSeq(ctx, l.js, l.stream, filter)
	if err != nil {
		return false
	}
	return l.WaitApplied(ctx, last, limit)
}

// Fresh waits, up to limit, until the model holds every event on the stream now: a read
// made because something changed (a live page refreshing itself on an event it was told
// of, or after another replica's write) sees that change. When the model is current it
// costs one direct get of the first event after the model's, which the server answers
// from the end of the stream (asking for the last event on "<stream>.>" instead makes it
// search every subject the stream holds, a cost that grows with the organisation).
func (l *Log) Fresh(ctx context.Context, limit time.Duration) bool {
	s, err := l.streamHandle(ctx)
	if err != nil {
		return false
	}
	_, err = s.GetMsg(ctx, l.Applied()+1, jetstream.WithGetMsgSubject(events.StreamFilter(l.stream)))
	switch {
	case errors.Is(err, jetstream.ErrMsgNotFound):
		return true // nothing after what the model holds
	case err != nil:
		return false
	}
	info, err := s.Info(ctx)
	if err != nil {
		return false
	}
	return l.WaitApplied(ctx, info.State.LastSeq, limit)
}

// streamHandle returns the log's stream, looked up on first use.
func (l *Log) streamHandle(ctx context.Context) (jetstream.Stream, error) {
	l.handleMu.Lock()
	defer l.handleMu.Unlock()
	if l.handle == nil {
		s, err := l.js.Stream(ctx, l.stream)
		if err != nil {
			return nil, fmt.Errorf("eventlog: stream %s: %w", l.stream, err)
		}
		l.handle = s
	}
	return l.handle, nil
}

// flushInterval is how often dirty documents are written; checkpointEvery how often the
// store's checkpoint is recorded at most.
const (
	flushInterval   = 50 * time.Millisecond
	checkpointEvery = 100 * time.Millisecond
	snapshotCheck   = 250 * time.Millisecond // how often snapshotLoop asks whether one is due
)

func (l *Log) flushLoop(ctx context.Context) {
	t := time.NewTicker(flushInterval)
	defer t.Stop()
	failures := 0
	var lastCP, lastFail time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		if failures > 0 { // back off while the store is away: 50 ms doubling to 5 s
			if time.Since(lastFail) < min(flushInterval<<min(failures, 7), 5*time.Second) {
				continue
			}
		}
		l.flushMu.Lock()
		seq, err := l.flushDirty(ctx)
		// After a release at once: a snapshot that holds it is of no use to a start whose
		// store checkpoint is behind it (see Release).
		if err == nil && (time.Since(lastCP) >= checkpointEvery || l.releasedPast()) {
			if l.writeCheckpoint(ctx, seq) == nil {
				lastCP = time.Now()
			}
		}
		l.flushMu.Unlock()
		if err != nil {
			failures++
			lastFail = time.Now()
			if failures == 1 || failures%20 == 0 {
				l.log.Warn("store write failed; retrying", "stream", l.stream, "attempt", failures, "err", err)
			}
			continue
		}
		failures = 0
	}
}

// releasedPast reports whether records were released past the store checkpoint.
func (l *Log) releasedPast() bool {
	l.mu.RLock()
	defer l.mu.RUnlock()
	return l.released > l.storeSeq
}

// snapshotLoop saves the model whenever a snapshot is due. It runs apart from the writes
// to the store, so a store that is slow to take a backlog (or away) never delays the
// snapshot a restart depends on.
func (l *Log) snapshotLoop(ctx context.Context) {
	background.Every(ctx, snapshotCheck, l.maybeSnapshot)
}

// flushDirty writes every dirty document; on failure they stay dirty. It returns the
// applied sequence at the moment it took the dirty set: every change up to there is in
// the store once it returns without error (a document changed later is dirty again, and
// a write that failed before put its documents back in the set it took). The caller
// holds flushMu.
func (l *Log) flushDirty(ctx context.Context) (uint64, error) {
	l.mu.Lock()
	seq := l.applied
	if len(l.dirty) == 0 {
		l.mu.Unlock()
		return seq, nil
	}
	dirty := l.dirty
	l.dirty = map[string]bool{}
	l.flushing = seq
	l.mu.Unlock()
	ids := make([]string, 0, len(dirty))
	for id := range dirty {
		ids = append(ids, id)
	}
	err := l.opts.Flush(ctx, ids)
	l.mu.Lock()
	l.flushing = 0
	if err != nil {
		for id := range dirty {
			l.dirty[id] = true
		}
	}
	l.mu.Unlock()
	if err != nil {
		return 0, err
	}
	return seq, nil
}

// flushOnce writes what is dirty and records the checkpoint.
func (l *Log) flushOnce(ctx context.Context) error {
	l.flushMu.Lock()
	defer l.flushMu.Unlock()
	seq, err := l.flushDirty(ctx)
	if err != nil {
		return err
	}
	return l.writeCheckpoint(ctx, seq)
}

// writeCheckpoint records seq, a sequence every document in the store reflects (as
// flushDirty returned it: the caller holds flushMu, so no write is under way). Under a
// steady stream of events the store is never clean, and the checkpoint still moves with
// each write.
func (l *Log) writeCheckpoint(ctx context.Context, seq uint64) error {
	l.mu.RLock()
	cur := l.storeSeq
	l.mu.RUnlock()
	if seq <= cur {
		return nil
	}
	if err := l.opts.Checkpoint.Set(ctx, seq); err != nil {
		return err
	}
	l.mu.Lock()
	l.storeSeq = max(l.storeSeq, seq)
	l.mu.Unlock()
	return nil
}

// FlushNow writes what is dirty and records the checkpoint (tests, rebuild, shutdown).
func (l *Log) FlushNow(ctx context.Context) error { return l.flushOnce(ctx) }

func (l *Log) maybeSnapshot(ctx context.Context) {
	l.mu.RLock()
	rule := snapshotRule{every: l.opts.SnapshotEvery, interval: l.opts.SnapshotInterval, least: l.opts.SnapshotBytes, gap: time.Second}
	due := rule.due(l.applied-l.snapSeq, l.sinceSnap, l.snapSize, time.Since(l.snapAt))
	l.mu.RUnlock()
	if !due {
		return
	}
	if err := l.saveSnapshot(ctx); err != nil {
		l.log.Warn("snapshot not saved", "stream", l.stream, "err", err)
		l.mu.Lock()
		l.snapAt = time.Now() // try again after the interval
		l.mu.Unlock()
	}
}

// SnapshotNow saves the model now (tests, tools).
func (l *Log) SnapshotNow(ctx context.Context) error { return l.saveSnapshot(ctx) }

func (l *Log) saveSnapshot(ctx context.Context) error {
	l.snapMu.Lock() // one save at a time (the loop, SnapshotNow, Close)
	defer l.snapMu.Unlock()
	l.mu.RLock()
	seq, since := l.applied, l.sinceSnap
	var raw int64
	body, err := frame(snapshotMeta{Seq: seq, Touched: l.touched, Rejects: l.rejects, Released: l.released}, counted(l.model.Snapshot, &raw))
	l.mu.RUnlock()
	if err != nil {
		return fmt.Errorf("eventlog: snapshot %s: %w", l.stream, err)
	}
	if err := putSaved(ctx, l.js, l.stream, body); err != nil {
		return err
	}
	l.mu.Lock()
	l.sinceSnap -= since
	l.snapSize = raw
	l.snapSeq, l.snapAt = seq, time.Now()
	l.mu.Unlock()
	l.log.Debug("snapshot saved", "stream", l.stream, "seq", seq, "bytes", len(body))
	return nil
}

// loadSnapshot restores the model from the latest snapshot, if there is one that fits a
// stream whose last sequence is last and a store whose checkpoint is cp.
func (l *Log) loadSnapshot(ctx context.Context, last, cp uint64) error {
	body, found, err := getSaved(ctx, l.js, l.stream)
	if err != nil {
		return err
	}
	if !found {
		l.snapAt = time.Now()
		return nil
	}
	var meta snapshotMeta
	model, err := unframe(body, &meta)
	if err != nil {
		return fmt.Errorf("eventlog: snapshot %s is %v; run `onramp rebuild` to replay the stream", l.stream, err)
	}
	if meta.Seq > last {
		l.log.Warn("snapshot is ahead of the stream; replaying the stream instead", "stream", l.stream, "snapshot", meta.Seq, "stream_last", last)
		l.snapAt = time.Now()
		return nil
	}
	if cp < meta.Released {
		l.log.Warn("the store is behind the records the snapshot released to it; replaying the whole stream to write them again",
			"stream", l.stream, "store", cp, "released", meta.Released)
		l.snapAt = time.Now()
		return nil
	}
	if err := l.model.Restore(modelReader(model)); err != nil {
		return fmt.Errorf("eventlog: snapshot %s does not fit this version (%v); run `onramp rebuild` to replay the stream", l.stream, err)
	}
	l.applied, l.rejects, l.snapSize, l.released = meta.Seq, meta.Rejects, int64(len(body)), meta.Released
	if meta.Touched != nil {
		l.touched = meta.Touched
	}
	l.snapSeq, l.snapAt = meta.Seq, time.Now()
	return nil
}

func snapshots(ctx context.Context, js jetstream.JetStream) (jetstream.ObjectStore, error) {
	obj, err := js.ObjectStore(ctx, SnapshotBucket)
	if errors.Is(err, jetstream.ErrBucketNotFound) {
		obj, err = js.CreateOrUpdateObjectStore(ctx, jetstream.ObjectStoreConfig{
			Bucket: SnapshotBucket, Description: "Onramp read-model snapshots (rebuildable from the streams)",
			Storage: jetstream.FileStorage})
	}
	if err != nil {
		return nil, fmt.Errorf("eventlog: snapshot bucket: %w", err)
	}
	return obj, nil
}

// Forget deletes stream's snapshot and resets the store checkpoint, so the next start
// replays the whole stream and rewrites every document (`onramp rebuild`).
func Forget(ctx context.Context, js jetstream.JetStream, stream string, cp Checkpoint) error {
	obj, err := snapshots(ctx, js)
	if err != nil {
		return err
	}
	if err := obj.Delete(ctx, stream); err != nil && !errors.Is(err, jetstream.ErrObjectNotFound) {
		return fmt.Errorf("eventlog: forget %s: %w", stream, err)
	}
	return cp.Set(ctx, 0)
}

// SubjectMatches reports whether subject matches the NATS filter (with * and > wildcards).
func SubjectMatches(filter, subject string) bool { return events.SubjectMatches(filter, subject) }

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
