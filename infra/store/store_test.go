package store_test

import (
	"context"
	"fmt"
	"testing"

	"onramp.dev/infra/devstack"
	"onramp.dev/infra/store"
)

type thing struct {
	ID   string `bson:"_id"`
	Seq  uint64 `bson:"seq"`
	Tags []string
}

func (t thing) DocID() string { return t.ID }

func TestCollectionRoundTrip(t *testing.T) {
	ctx := context.Background()
	s, err := devstack.Start(ctx, devstack.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mc, err := store.Connect(ctx, s.StoreURI())
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Disconnect(ctx)
	c := store.NewCollection[thing](mc.Database("test"), "things")

	var docs []thing
	for i := range 20 {
		docs = append(docs, thing{ID: fmt.Sprintf("t-%d", i), Seq: 1})
	}
	if err := c.Insert(ctx, docs...); err != nil {
		t.Fatal(err)
	}
	if err := c.Put(ctx, thing{ID: "t-3", Seq: 7, Tags: []string{"x"}}, thing{ID: "new", Seq: 8}); err != nil {
		t.Fatal(err)
	}
	got := map[string]thing{}
	if err := c.All(ctx, func(d thing) error { got[d.ID] = d; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 21 || got["t-3"].Seq != 7 || len(got["t-3"].Tags) != 1 || got["new"].Seq != 8 {
		t.Fatalf("All = %d docs, t-3 = %+v", len(got), got["t-3"])
	}
	d, found, err := c.Get(ctx, "t-3")
	if err != nil || !found || d.Seq != 7 {
		t.Fatalf("Get = %+v %v %v", d, found, err)
	}
	if _, found, err := c.Get(ctx, "missing"); found || err != nil {
		t.Fatalf("Get(missing) = %v, %v", found, err)
	}
	// The newest by seq, then by _id: new (8), t-3 (7), then the highest ids of seq 1.
	for range 2 { // creating it again changes nothing
		if err := c.IndexDescending(ctx, "seq"); err != nil {
			t.Fatal(err)
		}
	}
	newest, err := c.Newest(ctx, "seq", 4)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range newest {
		ids = append(ids, d.ID)
	}
	if fmt.Sprint(ids) != "[new t-3 t-9 t-8]" {
		t.Fatalf("Newest(seq, 4) = %v", ids)
	}
}

// Replacing many existing documents at once works (FerretDB hangs on one update command
// of 100+ statements, so Put splits them).
func TestPutManyExistingDocuments(t *testing.T) {
	ctx := context.Background()
	s, err := devstack.Start(ctx, devstack.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mc, err := store.Connect(ctx, s.StoreURI())
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Disconnect(ctx)
	c := store.NewCollection[thing](mc.Database("test"), "many")
	docs := make([]thing, 250)
	for i := range docs {
		docs[i] = thing{ID: fmt.Sprintf("t-%d", i), Seq: 1}
	}
	if err := c.Put(ctx, docs...); err != nil {
		t.Fatal(err)
	}
	for i := range docs {
		docs[i].Seq = 2
	}
	if err := c.Put(ctx, docs...); err != nil {
		t.Fatal(err)
	}
	n := 0
	if err := c.All(ctx, func(d thing) error {
		if d.Seq == 2 {
			n++
		}
		return nil
	}); err != nil || n != 250 {
		t.Fatalf("%d of 250 documents replaced (%v)", n, err)
	}
}

func TestSaverInsertsNewAndReplacesStored(t *testing.T) {
	ctx := context.Background()
	s, err := devstack.Start(ctx, devstack.Config{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	mc, err := store.Connect(ctx, s.StoreURI())
	if err != nil {
		t.Fatal(err)
	}
	defer mc.Disconnect(ctx)
	c := store.NewCollection[thing](mc.Database("test"), "saved")
	// "a" was written before a crash, but this saver does not know it.
	if err := c.Insert(ctx, thing{ID: "a", Seq: 1}); err != nil {
		t.Fatal(err)
	}
	sv := store.NewSaver(c)
	if err := sv.Save(ctx, thing{ID: "a", Seq: 2}, thing{ID: "b", Seq: 2}); err != nil {
		t.Fatal(err)
	}
	if err := sv.Save(ctx, thing{ID: "b", Seq: 3}, thing{ID: "c", Seq: 3}); err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{}
	if err := c.All(ctx, func(d thing) error { got[d.ID] = d.Seq; return nil }); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got["a"] != 2 || got["b"] != 3 || got["c"] != 3 {
		t.Fatalf("stored %v", got)
	}
}
