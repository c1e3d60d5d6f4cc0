package modelsnap_test

import (
	"bytes"
	"encoding/gob"
	"slices"
	"testing"

	"onramp.dev/infra/eventlog/modelsnap"
)

type item struct{ ID, Name string }

func TestChunksRoundTrip(t *testing.T) {
	tests := []struct {
		items, chunks int
	}{
		{items: 0, chunks: 1}, // an empty model still writes one (empty) list
		{items: 1, chunks: 1},
		{items: 3, chunks: 1},
		{items: 4, chunks: 2},
		{items: 7, chunks: 3},
	}
	for _, tt := range tests {
		var want []*item
		for i := range tt.items {
			want = append(want, &item{ID: string(rune('a' + i)), Name: "n"})
		}
		var buf bytes.Buffer
		w := modelsnap.NewWriter(&buf)
		if err := w.Head(map[string]string{"k": "v"}); err != nil {
			t.Fatal(err)
		}
		if err := modelsnap.Chunks(w, 3, slices.Values(want)); err != nil {
			t.Fatal(err)
		}
		r := modelsnap.NewReader(&buf)
		var head map[string]string
		if err := r.Head(&head); err != nil || head["k"] != "v" {
			t.Fatalf("%d items: head %v, %v", tt.items, head, err)
		}
		var got []item
		n, err := modelsnap.ReadChunks(r, func(it item) { got = append(got, it) })
		if err != nil || n != tt.chunks || len(got) != tt.items {
			t.Fatalf("%d items: read %d items in %d chunks (%v), want %d chunks", tt.items, len(got), n, err, tt.chunks)
		}
		for i := range got {
			if got[i] != *want[i] {
				t.Fatalf("%d items: item %d is %+v, want %+v", tt.items, i, got[i], *want[i])
			}
		}
	}
}

// A snapshot cut off inside a chunk is an error, never a smaller model.
func TestReadChunksCutOff(t *testing.T) {
	var buf bytes.Buffer
	items := []*item{{ID: "a"}, {ID: "b"}, {ID: "c"}}
	if err := modelsnap.Chunks(modelsnap.NewWriter(&buf), 2, slices.Values(items)); err != nil {
		t.Fatal(err)
	}
	cut := buf.Bytes()[:buf.Len()-2]
	if _, err := modelsnap.ReadChunks(modelsnap.NewReader(bytes.NewReader(cut)), func(item) {}); err == nil {
		t.Fatal("a cut-off snapshot read without error")
	}
}

// Save and Load keep the format the services wrote with gob before this package, and
// Each hands the items over in order.
func TestSaveLoadFormat(t *testing.T) {
	type saved struct{ Items []*item }
	var old bytes.Buffer
	if err := gob.NewEncoder(&old).Encode(saved{Items: []*item{{ID: "x"}, {ID: "y"}}}); err != nil {
		t.Fatal(err)
	}
	var now bytes.Buffer
	if err := modelsnap.Save(&now, saved{Items: []*item{{ID: "x"}, {ID: "y"}}}); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(old.Bytes(), now.Bytes()) {
		t.Fatal("Save writes other bytes than gob did")
	}
	snap, err := modelsnap.Load[saved](&old)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	modelsnap.Each(snap.Items, func(it item) { ids = append(ids, it.ID) })
	if !slices.Equal(ids, []string{"x", "y"}) {
		t.Fatalf("loaded %v", ids)
	}
	var restored []string
	if err := modelsnap.Restore(bytes.NewReader(now.Bytes()), func(s saved) {
		modelsnap.Each(s.Items, func(it item) { restored = append(restored, it.ID) })
	}); err != nil || !slices.Equal(restored, ids) {
		t.Fatalf("restored %v (%v), want %v", restored, err, ids)
	}
	if _, err := modelsnap.Load[saved](bytes.NewReader([]byte("not gob"))); err == nil {
		t.Fatal("Load read garbage without error")
	}
	if err := modelsnap.Restore(bytes.NewReader([]byte("not gob")), func(saved) { t.Fatal("loaded garbage") }); err == nil {
		t.Fatal("Restore read garbage without error")
	}
}
