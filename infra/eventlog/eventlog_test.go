package eventlog_test

import (
	"context"
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/mongo"

	"onramp.dev/events"
	"onramp.dev/infra/bus"
	"onramp.dev/infra/devstack/devstacktest"
	"onramp.dev/infra/eventlog"
	"onramp.dev/infra/store"
)

// noted is the test domain's one event: a note appended to a record.
type noted struct {
	Text string `json:"text"`
}

func (noted) EventType() string { return "testlog.note.added" }
func (noted) EventVersion() int { return 1 }
func (n noted) Validate() error {
	if n.Text == "" {
		return fmt.Errorf("%w: text is empty", events.ErrInvalid)
	}
	return nil
}

// rec is the test domain's document.
type rec struct {
	ID    string   `bson:"_id"`
	Seq   uint64   `bson:"seq"`
	Notes []string `bson:"notes"`
}

func (r rec) DocID() string { return r.ID }

// notes is the test domain's model: the notes of every record, in stream order.
type notes struct{ recs map[string]*rec }

func newNotes() *notes { return &notes{recs: map[string]*rec{}} }

func (n *notes) Apply(env events.Envelope, seq uint64) ([]string, error) {
	var e noted
	if err := env.Payload(&e); err != nil {
		return nil, err
	}
	r := n.recs[env.Subject]
	if r == nil {
		r = &rec{ID: env.Subject}
		n.recs[env.Subject] = r
	}
	r.Seq, r.Notes = seq, append(r.Notes, e.Text)
	return []string{env.Subject}, nil
}

func (n *notes) Snapshot(w io.Writer) error { return gob.NewEncoder(w).Encode(n.recs) }
func (n *notes) Restore(r io.Reader) error  { return gob.NewDecoder(r).Decode(&n.recs) }

const stream = "TESTLOG"

// service is one running instance of the test domain on its own NATS connection.
type service struct {
	nc    *nats.Conn
	mc    *mongo.Client
	model *notes
	log   *eventlog.Log
	docs  *store.Collection[rec]
	cp    *store.Checkpoint
}

func startService(t *testing.T, env *devstacktest.Env) *service {
	t.Helper()
	return startServiceWith(t, env, nil, 1<<40)
}

// startServiceWith starts a service whose every write to the store first calls during
// (when not nil), while the write is under way.
func startServiceWith(t *testing.T, env *devstacktest.Env, during func(ctx context.Context, s *service), snapshotEvery uint64) *service {
	t.Helper()
	ctx := context.Background()
	nc, err := env.Stack.Connect()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	mc, err := store.Connect(ctx, env.Stack.StoreURI())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = mc.Disconnect(context.Background()) })
	js, _ := jetstream.New(nc)
	if err := bus.EnsureStreams(ctx, js); err != nil {
		t.Fatal(err)
	}
	if _, err := js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{Name: stream, Subjects: []string{"onramp.testlog.>"}, AllowDirect: true}); err != nil {
		t.Fatal(err)
	}
	db := mc.Database("testlog")
	s := &service{nc: nc, mc: mc, model: newNotes(), docs: store.NewCollection[rec](db, "notes"), cp: store.NewCheckpoint(db, stream)}
	s.log = eventlog.New(js, stream, s.model, slog.New(slog.DiscardHandler))
	flush := func(ctx context.Context, ids []string) error {
		if during != nil {
			during(ctx, s)
		}
		var docs []rec
		var gone []string // evicted
		s.log.Read(func() {
			for _, id := range ids {
				if r, ok := s.model.recs[id]; ok {
					docs = append(docs, rec{ID: r.ID, Seq: r.Seq, Notes: slices.Clone(r.Notes)})
				} else {
					gone = append(gone, id)
				}
			}
		})
		if err := s.docs.Put(ctx, docs...); err != nil {
			return err
		}
		return s.docs.Delete(ctx, gone...)
	}
	if err := s.log.Start(ctx, eventlog.Options{Flush: flush, Checkpoint: s.cp, SnapshotEvery: snapshotEvery}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.log.Close)
	return s
}

// note is a command: append text to record id, deciding on the model, with the record's
// expected last sequence.
func (s *service) note(ctx context.Context, id, text string) error {
	defer s.log.Lock(id)()
	return eventlog.Retry(func() error {
		var seq uint64
		s.log.Read(func() {
			if r, ok := s.model.recs[id]; ok {
				seq = r.Seq
			}
		})
		env, err := events.New("tester", id, noted{Text: text}, time.Now())
		if err != nil {
			return err
		}
		_, err = s.log.Commit(ctx, env, bus.Expect{Filter: "onramp.testlog.note." + id + ".>", LastSeq: seq})
		return err
	})
}

func (s *service) notes(id string) []string {
	var out []string
	s.log.Read(func() {
		if r, ok := s.model.recs[id]; ok {
			out = slices.Clone(r.Notes)
		}
	})
	return out
}

// onStream lists the texts of record id's events in stream order.
func onStream(t *testing.T, env *devstacktest.Env, id string) []string {
	t.Helper()
	js, _ := jetstream.New(env.NATS)
	ctx := context.Background()
	c, err := js.OrderedConsumer(ctx, stream, jetstream.OrderedConsumerConfig{FilterSubjects: []string{"onramp.testlog.note." + id + ".>"}})
	if err != nil {
		t.Fatal(err)
	}
	info, _ := c.Info(ctx)
	var out []string
	for range info.NumPending {
		m, err := c.Next(jetstream.FetchMaxWait(2 * time.Second))
		if err != nil {
			t.Fatal(err)
		}
		e, err := events.Decode(m.Data())
		var n noted
		if err == nil && e.Payload(&n) == nil {
			out = append(out, n.Text)
		}
	}
	return out
}

func TestConcurrentCommandsAreAppliedOnceInStreamOrder(t *testing.T) {
	env := devstacktest.Start(t)
	a, b := startService(t, env), startService(t, env) // two replicas
	ctx := context.Background()
	var wg sync.WaitGroup
	var mu sync.Mutex
	acked := map[string]int{}
	for w := range 16 {
		svc := a
		if w%2 == 1 {
			svc = b
		}
		wg.Go(func() {
			for i := range 10 {
				id := fmt.Sprintf("r%d", i%3)
				if err := svc.note(ctx, id, fmt.Sprintf("w%d-%d", w, i)); err != nil {
					if errors.Is(err, bus.ErrConflict) || events.CodeOf(err) == events.CodeConflict {
						continue // lost every retry to the other replica: not acknowledged
					}
					t.Error(err)
					return
				}
				mu.Lock()
				acked[id]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	for _, id := range []string{"r0", "r1", "r2"} {
		want := onStream(t, env, id)
		if len(want) != acked[id] {
			t.Fatalf("%s: %d events on the stream, %d acknowledged", id, len(want), acked[id])
		}
		for _, svc := range []*service{a, b} {
			svc.log.WaitApplied(ctx, lastSeq(t, env), 5*time.Second)
			if got := svc.notes(id); !slices.Equal(got, want) {
				t.Fatalf("%s: model %v, stream %v", id, got, want)
			}
		}
	}
}

func lastSeq(t *testing.T, env *devstacktest.Env) uint64 {
	js, _ := jetstream.New(env.NATS)
	seq, err := bus.StreamLastSeq(context.Background(), js, stream)
	if err != nil {
		t.Fatal(err)
	}
	return seq
}

func TestPoisonOnARecordNeverBlocksIt(t *testing.T) {
	env := devstacktest.Start(t)
	s := startService(t, env)
	ctx := context.Background()
	if err := s.note(ctx, "r1", "first"); err != nil {
		t.Fatal(err)
	}
	js, _ := jetstream.New(env.NATS)
	// Anyone publishing on the record's subject: not JSON, then a payload that breaks its
	// contract.
	if _, err := js.Publish(ctx, "onramp.testlog.note.r1.added", []byte("{not json")); err != nil {
		t.Fatal(err)
	}
	bad, _ := events.New("x", "r1", noted{Text: "x"}, time.Now())
	bad.Data = []byte(`{"text":""}`)
	if _, err := bus.Append(ctx, js, bad, bus.Expect{}); err != nil {
		t.Fatal(err)
	}
	s.log.WaitApplied(ctx, lastSeq(t, env), 5*time.Second)
	for i := range 3 {
		if err := s.note(ctx, "r1", fmt.Sprintf("after-%d", i)); err != nil {
			t.Fatalf("command after poison: %v", err)
		}
	}
	if got := s.notes("r1"); !slices.Equal(got, []string{"first", "after-0", "after-1", "after-2"}) {
		t.Fatalf("notes = %v", got)
	}
	if got := len(s.log.Rejected()); got != 2 {
		t.Fatalf("%d rejected messages, want 2", got)
	}
	dl, err := js.Stream(ctx, "DEADLETTER")
	if err != nil {
		t.Fatalf("no dead-letter stream: %v", err)
	}
	info, _ := dl.Info(ctx)
	if info.State.Msgs != 2 {
		t.Fatalf("%d dead letters, want 2", info.State.Msgs)
	}
}

func TestRestartsLoseNothingWhateverTheStoreHolds(t *testing.T) {
	env := devstacktest.Start(t)
	ctx := context.Background()
	js, _ := jetstream.New(env.NATS)
	_ = bus.EnsureStreams(ctx, js)

	a := startService(t, env)
	for i := range 20 {
		if err := a.note(ctx, fmt.Sprintf("r%d", i%4), fmt.Sprintf("n%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.log.SnapshotNow(ctx); err != nil {
		t.Fatal(err)
	}
	// Commands after the snapshot, then the process dies: no close, no flush, no snapshot.
	for i := 20; i < 30; i++ {
		if err := a.note(ctx, fmt.Sprintf("r%d", i%4), fmt.Sprintf("n%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	a.nc.Close() // the process dies: its connections go
	_ = a.mc.Disconnect(ctx)
	// Appended while no process runs (a crash between append and projection).
	env2, _ := events.New("x", "r9", noted{Text: "while down"}, time.Now())
	if _, err := bus.Append(ctx, js, env2, bus.Expect{}); err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	for _, id := range []string{"r0", "r1", "r2", "r3", "r9"} {
		want[id] = onStream(t, env, id)
	}
	check := func(t *testing.T, s *service) {
		t.Helper()
		for id, w := range want {
			if got := s.notes(id); !slices.Equal(got, w) {
				t.Fatalf("model %s = %v, want %v", id, got, w)
			}
		}
		if err := s.log.FlushNow(ctx); err != nil {
			t.Fatal(err)
		}
		for id, w := range want {
			d, ok, err := s.docs.Get(ctx, id)
			if err != nil || !ok || !slices.Equal(d.Notes, w) {
				t.Fatalf("document %s = %v (found %v, %v), want %v", id, d.Notes, ok, err, w)
			}
		}
		if cp, _ := s.cp.Get(ctx); cp != lastSeq(t, env) {
			t.Fatalf("checkpoint %d, stream at %d", cp, lastSeq(t, env))
		}
	}
	steps := []struct {
		name   string
		before func(t *testing.T)
	}{
		{"from the snapshot after a crash", func(*testing.T) {}},
		{"store lost", func(t *testing.T) {
			if err := env.Mongo.Database("testlog").Drop(ctx); err != nil {
				t.Fatal(err)
			}
		}},
		{"snapshot and store lost: the whole stream", func(t *testing.T) {
			if err := eventlog.Forget(ctx, js, stream, store.NewCheckpoint(env.Mongo.Database("testlog"), stream)); err != nil {
				t.Fatal(err)
			}
			if err := env.Mongo.Database("testlog").Collection("notes").Drop(ctx); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.before(t)
			s := startService(t, env)
			check(t, s)
			s.log.Close()
		})
	}
}

func TestAStaleWriterIsRefusedAndDecidesAgain(t *testing.T) {
	env := devstacktest.Start(t)
	ctx := context.Background()
	a, b := startService(t, env), startService(t, env)
	if err := a.note(ctx, "r1", "a1"); err != nil {
		t.Fatal(err)
	}
	b.log.WaitApplied(ctx, lastSeq(t, env), 5*time.Second)
	var stale uint64
	b.log.Read(func() { stale = b.model.recs["r1"].Seq })
	if err := a.note(ctx, "r1", "a2"); err != nil {
		t.Fatal(err)
	}
	env1, _ := events.New("tester", "r1", noted{Text: "b-stale"}, time.Now())
	if _, err := b.log.Commit(ctx, env1, bus.Expect{Filter: "onramp.testlog.note.r1.>", LastSeq: stale}); !errors.Is(err, bus.ErrConflict) {
		t.Fatalf("stale append: %v, want a conflict", err)
	}
	if err := b.note(ctx, "r1", "b1"); err != nil { // decides again on fresh state
		t.Fatal(err)
	}
	if got := b.notes("r1"); !slices.Equal(got, []string{"a1", "a2", "b1"}) {
		t.Fatalf("notes = %v", got)
	}
}

func TestSubjectMatches(t *testing.T) {
	for _, c := range []struct {
		filter, subject string
		want            bool
	}{
		{"a.b.>", "a.b.c", true},
		{"a.b.>", "a.b.c.d", true},
		{"a.b.>", "a.b", false},
		{"a.*.c", "a.x.c", true},
		{"a.*.c", "a.x.d", false},
		{"a.*.c", "a.x.c.d", false},
		{"a.b", "a.b", true},
		{"onramp.identity.staff.*.hired", "onramp.identity.staff.x.hired", true},
		{"onramp.identity.staff.*.hired", "onramp.identity.staff.x.disabled", false},
	} {
		if got := eventlog.SubjectMatches(c.filter, c.subject); got != c.want {
			t.Errorf("SubjectMatches(%q, %q) = %v", c.filter, c.subject, got)
		}
	}
}

// counter is a followed model: how many notes each record got, and every event it saw.
type counter struct {
	n    map[string]int
	seen int
}

func (c *counter) Apply(_ string, env events.Envelope, _ uint64) error {
	c.n[env.Subject]++
	c.seen++
	return nil
}
func (c *counter) Snapshot(w io.Writer) error { return gob.NewEncoder(w).Encode(c.n) }
func (c *counter) Restore(r io.Reader) error  { return gob.NewDecoder(r).Decode(&c.n) }

func TestFollowerReplaysOnlyWhatCameAfterItsSave(t *testing.T) {
	env := devstacktest.Start(t)
	ctx := context.Background()
	s := startService(t, env)
	for i := range 10 {
		if err := s.note(ctx, fmt.Sprintf("r%d", i%2), "x"); err != nil {
			t.Fatal(err)
		}
	}
	js, _ := jetstream.New(env.NATS)
	log := slog.New(slog.DiscardHandler)
	a := &counter{n: map[string]int{}}
	f, err := eventlog.Follow(ctx, js, "test", []eventlog.Source{{Stream: stream}, {Stream: "IDENTITY"}}, a, log)
	if err != nil {
		t.Fatal(err)
	}
	if a.n["r0"] != 5 || a.n["r1"] != 5 {
		t.Fatalf("after the first follow: %v", a.n)
	}
	f.Close() // saves
	for range 3 {
		if err := s.note(ctx, "r0", "y"); err != nil {
			t.Fatal(err)
		}
	}
	b := &counter{n: map[string]int{}}
	g, err := eventlog.Follow(ctx, js, "test", []eventlog.Source{{Stream: stream}, {Stream: "IDENTITY"}}, b, log)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	if b.n["r0"] != 8 || b.n["r1"] != 5 || b.seen != 3 {
		t.Fatalf("after a restart: %v, %d events replayed (want 3)", b.n, b.seen)
	}
}

// Evict drops records from the model (sessions long expired, say): the next flush deletes
// their documents, the snapshot forgets them, and a restart from it does not bring them back.
func TestEvictedRecordsLeaveTheModelTheStoreAndTheSnapshot(t *testing.T) {
	env := devstacktest.Start(t)
	ctx := context.Background()
	a := startService(t, env)
	for _, id := range []string{"old", "kept"} {
		if err := a.note(ctx, id, "hello"); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.log.FlushNow(ctx); err != nil {
		t.Fatal(err)
	}
	n := a.log.Evict(func() []string { delete(a.model.recs, "old"); return []string{"old"} })
	if n != 1 {
		t.Fatalf("evicted %d", n)
	}
	if err := a.log.FlushNow(ctx); err != nil {
		t.Fatal(err)
	}
	stored := func(id string) bool {
		_, found, err := a.docs.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return found
	}
	if stored("old") || !stored("kept") {
		t.Fatalf("stored after the eviction: old %v, kept %v", stored("old"), stored("kept"))
	}
	if err := a.log.SnapshotNow(ctx); err != nil {
		t.Fatal(err)
	}
	a.log.Close()
	b := startService(t, env)
	if got := b.notes("old"); got != nil {
		t.Fatalf("the restart from the snapshot brought back %v", got)
	}
	if got := b.notes("kept"); !slices.Equal(got, []string{"hello"}) {
		t.Fatalf("kept: %v", got)
	}
}

// Released records leave the model and the snapshot while the store keeps their documents;
// a start whose store lost them (behind the checkpoint the release relied on) replays the
// whole stream instead of loading the snapshot, so they are written again.
func TestReleasedRecordsLeaveTheModelAndTheSnapshotNotTheStore(t *testing.T) {
	env := devstacktest.Start(t)
	ctx := context.Background()
	a := startService(t, env)
	for _, id := range []string{"done", "kept"} {
		if err := a.note(ctx, id, "hello"); err != nil {
			t.Fatal(err)
		}
	}
	if err := a.log.FlushNow(ctx); err != nil {
		t.Fatal(err)
	}
	if n := a.log.Release(func() []string { delete(a.model.recs, "done"); return []string{"done"} }); n != 1 {
		t.Fatalf("released %d", n)
	}
	if err := a.note(ctx, "kept", "again"); err != nil {
		t.Fatal(err)
	}
	if err := a.log.FlushNow(ctx); err != nil {
		t.Fatal(err)
	}
	stored := func(id string) []string {
		r, found, err := a.docs.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if !found {
			return nil
		}
		return r.Notes
	}
	if got := stored("done"); !slices.Equal(got, []string{"hello"}) {
		t.Fatalf("the store after the release holds %v", got)
	}
	if err := a.log.SnapshotNow(ctx); err != nil {
		t.Fatal(err)
	}
	a.log.Close()

	b := startService(t, env)
	if got := b.notes("done"); got != nil {
		t.Fatalf("the restart from the snapshot brought back %v", got)
	}
	if got := b.notes("kept"); !slices.Equal(got, []string{"hello", "again"}) {
		t.Fatalf("kept: %v", got)
	}
	if got := stored("done"); !slices.Equal(got, []string{"hello"}) {
		t.Fatalf("the store after the restart holds %v", got)
	}
	b.log.Close()

	// The store is lost; the snapshot stays.
	if err := a.docs.Clear(ctx); err != nil {
		t.Fatal(err)
	}
	if err := a.cp.Set(ctx, 0); err != nil {
		t.Fatal(err)
	}
	c := startService(t, env)
	if got := c.notes("done"); !slices.Equal(got, []string{"hello"}) {
		t.Fatalf("the start on a lost store: the released record is %v", got)
	}
	if err := c.log.FlushNow(ctx); err != nil {
		t.Fatal(err)
	}
	if got := stored("done"); !slices.Equal(got, []string{"hello"}) {
		t.Fatalf("the rebuilt store holds %v", got)
	}
}

// A stream with a max age can lose every message while nobody writes (SESSIONS after a
// quiet month): a start without a snapshot must not wait for a sequence nothing will
// deliver, and commands go on.
func TestStartOnAStreamWhoseMessagesAreGone(t *testing.T) {
	env := devstacktest.Start(t)
	ctx := context.Background()
	a := startService(t, env)
	if err := a.note(ctx, "r", "before"); err != nil {
		t.Fatal(err)
	}
	a.log.Close()
	js, _ := jetstream.New(env.NATS)
	if err := eventlog.Forget(ctx, js, stream, a.cp); err != nil {
		t.Fatal(err)
	}
	st, err := js.Stream(ctx, stream)
	if err != nil {
		t.Fatal(err)
	}
	if err := st.Purge(ctx); err != nil { // as if every message had aged out
		t.Fatal(err)
	}
	b := startService(t, env)
	if err := b.note(ctx, "other", "after"); err != nil {
		t.Fatal(err)
	}
	if got := b.notes("other"); !slices.Equal(got, []string{"after"}) {
		t.Fatalf("after the start: %v", got)
	}
}

// Fresh answers whether the model holds every event on the stream: at once when it does
// (one direct get from the end of the stream), and only once it has applied what another
// replica wrote when it does not.
func TestFreshSeesAnotherReplicasWrite(t *testing.T) {
	env := devstacktest.Start(t)
	ctx := context.Background()
	a, b := startService(t, env), startService(t, env)
	if !a.log.Fresh(ctx, 5*time.Second) {
		t.Fatal("an empty stream: not fresh")
	}
	for i, id := range []string{"r1", "r2", "r1"} {
		if err := a.note(ctx, id, fmt.Sprint("a", i)); err != nil {
			t.Fatal(err)
		}
	}
	if !b.log.Fresh(ctx, 5*time.Second) {
		t.Fatal("b never caught up with a")
	}
	if got := b.notes("r1"); !slices.Equal(got, []string{"a0", "a2"}) {
		t.Fatalf("b read %v after Fresh", got)
	}
	a.log.Close() // a stops applying: b's next write leaves it behind
	if err := b.note(ctx, "r3", "b0"); err != nil {
		t.Fatal(err)
	}
	if !b.log.Fresh(ctx, 5*time.Second) {
		t.Fatal("the writer is not fresh")
	}
	if a.log.Fresh(ctx, 100*time.Millisecond) { // it never will: any limit would do
		t.Fatal("a stopped replica says it holds an event it never applied")
	}
	if got := a.notes("r3"); len(got) != 0 {
		t.Fatalf("a applied %v after Close", got)
	}
}

// Under a steady stream of commands the store is never clean: an event is applied during
// every write. The checkpoint must still move with each write (to the sequence the written
// documents reflect), or a crash rewrites everything since the store was last idle.
func TestTheCheckpointMovesWhileWritesArePending(t *testing.T) {
	env := devstacktest.Start(t)
	ctx := context.Background()
	var (
		writes atomic.Int32
		moved  atomic.Uint64 // the checkpoint seen during a write, with events pending
	)
	s := startServiceWith(t, env, func(ctx context.Context, s *service) {
		n := writes.Add(1)
		if n > 30 {
			return // then the store may become clean
		}
		if cp, err := s.cp.Get(ctx); err == nil && cp > 0 {
			moved.CompareAndSwap(0, cp)
		}
		if err := s.note(ctx, fmt.Sprintf("r%d", n%5), fmt.Sprintf("during write %d", n)); err != nil {
			t.Error(err)
		}
	}, 1<<40)
	if err := s.note(ctx, "r0", "first"); err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(time.Minute); writes.Load() <= 30 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	if writes.Load() <= 30 {
		t.Fatalf("only %d writes in a minute", writes.Load())
	}
	if moved.Load() == 0 {
		t.Fatal("the checkpoint never moved while events kept arriving during the writes")
	}
}

// A store that cannot take a write (away, or slow with a backlog) must not hold back the
// snapshot: the next start's speed depends on it, not on the store.
func TestASnapshotIsSavedWhileTheStoreIsStuck(t *testing.T) {
	env := devstacktest.Start(t)
	ctx := context.Background()
	release := make(chan struct{})
	s := startServiceWith(t, env, func(ctx context.Context, _ *service) {
		select {
		case <-release:
		case <-ctx.Done():
		}
	}, 5)
	t.Cleanup(func() { close(release) }) // before the log's Close, which flushes
	for i := range 10 {
		if err := s.note(ctx, fmt.Sprintf("r%d", i%3), fmt.Sprintf("n%d", i)); err != nil {
			t.Fatal(err)
		}
	}
	js, _ := jetstream.New(s.nc)
	obj, err := js.ObjectStore(ctx, eventlog.SnapshotBucket)
	if err != nil {
		t.Fatal(err)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if _, err := obj.GetInfo(ctx, stream); err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no snapshot saved in 30 s while the store's write was stuck")
		}
	}
}
