package devstack_test

import (
	"context"
	"os"
	"path/filepath"
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
