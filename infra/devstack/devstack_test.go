package devstack_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"onramp.dev/infra/bus"
	"onramp.dev/infra/devstack"
)

func TestStackServesNATSAndStore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := devstack.Start(ctx, devstack.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	if s.NATSURL() != "" {
		t.Errorf("NATS listens on %s in one-process mode", s.NATSURL())
	}
	fi, err := os.Stat(filepath.Join(dir, "run"))
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Fatalf("socket dir mode = %v, %v; want 0700", fi.Mode().Perm(), err)
	}

	nc, err := s.Connect()
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: "T", Subjects: []string{"t.>"}, Storage: jetstream.FileStorage}); err != nil {
		t.Fatal(err)
	}
	if _, err := js.Publish(ctx, "t.x", []byte("hi")); err != nil {
		t.Fatal(err)
	}

	mc, err := mongo.Connect(options.Client().ApplyURI(s.StoreURI()))
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Disconnect(ctx)
	c := mc.Database("t").Collection("c")
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}, {Key: "n", Value: 1}}); err != nil {
		t.Fatal(err)
	}
	var got struct{ N int }
	if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: "a"}}).Decode(&got); err != nil || got.N != 1 {
		t.Fatalf("FindOne = %+v, %v", got, err)
	}
}

func TestStackListensOnTCPWhenAsked(t *testing.T) {
	s, err := devstack.Start(context.Background(), devstack.Config{Dir: t.TempDir(), NATSAddr: "127.0.0.1:0", StoreAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if s.NATSURL() == "" {
		t.Fatal("no NATS URL")
	}
	mc, err := mongo.Connect(options.Client().ApplyURI(s.StoreURI()))
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Disconnect(context.Background())
	if err := mc.Ping(context.Background(), nil); err != nil {
		t.Fatalf("ping %s: %v", s.StoreURI(), err)
	}
}

// The index that makes _id lookups fast must match the expression FerretDB queries with;
// if a FerretDB upgrade changes either, this fails.
func TestIDLookupsUseTheIndex(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := devstack.Start(ctx, devstack.Config{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mc, err := mongo.Connect(options.Client().ApplyURI(s.StoreURI()))
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Disconnect(ctx)
	c := mc.Database("idx").Collection("things")
	if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: "a"}}); err != nil {
		t.Fatal(err)
	}
	if err := s.IndexNow(ctx); err != nil {
		t.Fatal(err)
	}
	plan, err := devstack.Explain(ctx, filepath.Join(dir, "ferretdb", "idx.sqlite"), "things")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(plan, "USING INDEX") || !strings.Contains(plan, "_onramp_id") {
		t.Fatalf("an _id lookup does not use the index: %s", plan)
	}
	// Lookups still answer correctly with the index in place.
	if _, err := c.ReplaceOne(ctx, bson.D{{Key: "_id", Value: "a"}}, bson.D{{Key: "_id", Value: "a"}, {Key: "v", Value: 2}}); err != nil {
		t.Fatal(err)
	}
	var got struct{ V int }
	if err := c.FindOne(ctx, bson.D{{Key: "_id", Value: "a"}}).Decode(&got); err != nil || got.V != 2 {
		t.Fatalf("FindOne after replace = %+v, %v", got, err)
	}
}

func TestWriteAheadLogStaysBounded(t *testing.T) {
	for _, c := range []struct {
		name        string
		checkpoints bool
	}{{"without checkpoints the log grows", false}, {"with checkpoints it stays bounded", true}} {
		t.Run(c.name, func(t *testing.T) {
			peak, final := writeUnderReads(t, c.checkpoints)
			t.Logf("write-ahead log: peak %d bytes, %d at the end", peak, final)
			if !c.checkpoints {
				if final < 2*devstack.WALLimit {
					t.Fatalf("the log is only %d bytes without checkpoints: the other case proves nothing", final)
				}
				return
			}
			if final > devstack.WALLimit {
				t.Fatalf("write-ahead log is %d bytes once the read ended (limit %d, peak %d)", final, devstack.WALLimit, peak)
			}
		})
	}
}

// writeUnderReads writes about 40 MB while a reader is pinned (an open cursor, as a report
// or a mongosh session holds), then ends the read, writes a little more, and returns the
// log's peak and final sizes. Without checkpoints SQLite never shrinks the file again.
func writeUnderReads(t *testing.T, checkpoints bool) (peak, final int64) {
	ctx := context.Background()
	s, err := devstack.Start(ctx, devstack.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mc, err := mongo.Connect(options.Client().ApplyURI(s.StoreURI()))
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Disconnect(ctx)
	c := mc.Database("t").Collection("c")
	for i := range 3 {
		if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("open-%d", i)}}); err != nil {
			t.Fatal(err)
		}
	}
	cur, err := c.Find(ctx, bson.D{}, options.Find().SetBatchSize(1))
	if err != nil || !cur.Next(ctx) {
		t.Fatalf("cursor: %v", err)
	}
	pad := strings.Repeat("x", 8<<10)
	write := func(round, n int) {
		docs := make([]any, n)
		for i := range docs {
			docs[i] = bson.D{{Key: "_id", Value: fmt.Sprintf("r%d-%d", round, i)}, {Key: "pad", Value: pad}}
		}
		if _, err := c.InsertMany(ctx, docs); err != nil {
			t.Fatal(err)
		}
		peak = max(peak, s.WALSize())
		if checkpoints {
			s.CheckpointNow(ctx)
		}
	}
	for round := range 10 {
		write(round, 500)
	}
	_ = cur.Close(ctx)
	write(100, 10)
	write(101, 10)
	if checkpoints {
		s.CheckpointNow(ctx) // idle now
	}
	return peak, s.WALSize()
}

// On TCP every client signs in, and a service's user appends only to its own domain.
func TestServiceUsersPublishOnlyTheirOwnDomain(t *testing.T) {
	ctx := context.Background()
	s, err := devstack.Start(ctx, devstack.Config{Dir: t.TempDir(), NATSAddr: "127.0.0.1:0", StoreAddr: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := nats.Connect(s.NATSURL()); err == nil {
		t.Fatal("an anonymous client connected")
	}
	admin, err := nats.Connect(s.UserURL("admin"))
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	ajs, _ := jetstream.New(admin)
	if err := bus.EnsureStreams(ctx, ajs); err != nil {
		t.Fatal(err)
	}
	nc, err := nats.Connect(s.UserURL("onboarding"))
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	js, _ := jetstream.New(nc)
	short := func() (context.Context, context.CancelFunc) { return context.WithTimeout(ctx, time.Second) }
	c1, cancel1 := short()
	defer cancel1()
	if _, err := js.Publish(c1, "onramp.onboarding.plan.p1.created", []byte("{}")); err != nil {
		t.Fatalf("own domain: %v", err)
	}
	c2, cancel2 := short()
	defer cancel2()
	if _, err := js.Publish(c2, "onramp.identity.staff.x.hired", []byte("{}")); err == nil {
		t.Fatal("onboarding appended to identity's stream")
	}
	c3, cancel3 := short()
	defer cancel3()
	if err := js.DeleteStream(c3, "ONBOARDING"); err == nil {
		t.Fatal("a service deleted a stream")
	}
	// Sessions have their own stream, which identity alone may append to.
	c4, cancel4 := short()
	defer cancel4()
	if _, err := js.Publish(c4, "onramp.identity.session.s1.started", []byte("{}")); err == nil {
		t.Fatal("onboarding appended to the sessions stream")
	}
	idc, err := nats.Connect(s.UserURL("identity"))
	if err != nil {
		t.Fatal(err)
	}
	defer idc.Close()
	ijs, _ := jetstream.New(idc)
	c5, cancel5 := short()
	defer cancel5()
	if ack, err := ijs.Publish(c5, "onramp.identity.session.s1.started", []byte("{}")); err != nil || ack.Stream != "SESSIONS" {
		t.Fatalf("identity appending a session: %v, %+v", err, ack)
	}
	for name, want := range map[string]uint64{"IDENTITY": 0, "SESSIONS": 1} {
		st, _ := ajs.Stream(ctx, name)
		if info, _ := st.Info(ctx); info.State.Msgs != want {
			t.Fatalf("stream %s holds %d messages, want %d", name, info.State.Msgs, want)
		}
	}
}

// A database dropped and created again is a new file at the same path (tests, a rebuild by
// hand): the stack's own checkpoints and indexes must work on the new file, never fold its
// write-ahead log into the old one.
func TestADatabaseDroppedAndCreatedAgainKeepsItsWrites(t *testing.T) {
	ctx := context.Background()
	s, err := devstack.Start(ctx, devstack.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mc, err := mongo.Connect(options.Client().ApplyURI(s.StoreURI()))
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Disconnect(ctx)
	db := mc.Database("again")
	for round := range 4 {
		for _, name := range []string{"people", "sessions", "checkpoints"} {
			c := db.Collection(name)
			for i := range 60 {
				if _, err := c.InsertOne(ctx, bson.D{{Key: "_id", Value: fmt.Sprintf("r%d-%d", round, i)}, {Key: "pad", Value: strings.Repeat("x", 500)}}); err != nil {
					t.Fatalf("round %d: %v", round, err)
				}
				if i%20 == 0 {
					s.CheckpointNow(ctx)
				}
			}
		}
		s.CheckpointNow(ctx)
		s.CheckpointNow(ctx) // idle: TRUNCATE
		for _, name := range []string{"people", "sessions", "checkpoints"} {
			n, err := db.Collection(name).CountDocuments(ctx, bson.D{})
			if err != nil || n != 60 {
				t.Fatalf("round %d: %s holds %d documents (%v), want 60", round, name, n, err)
			}
		}
		if err := db.Drop(ctx); err != nil {
			t.Fatal(err)
		}
	}
}
