package devstack_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/nats-io/nats.go/jetstream"
	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

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
