package eventlog

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"io"
	"strings"
	"testing"
)

// A saved object holds its model compressed, reads back as it was written, and a saved
// object written before compression still loads.
func TestSavedModelIsCompressedAndOldOnesStillLoad(t *testing.T) {
	model := []byte(strings.Repeat("Collect your laptop from the service desk on day one. ", 20000))
	type meta struct{ Seq uint64 }
	body, err := frame(meta{Seq: 42}, func(w io.Writer) error { _, err := w.Write(model); return err })
	if err != nil {
		t.Fatal(err)
	}
	if len(body) > len(model)/5 {
		t.Fatalf("saved object is %d bytes for a %d-byte model: not compressed", len(body), len(model))
	}

	// The layout before compression: length of the metadata, the metadata, the model.
	var m bytes.Buffer
	if err := gob.NewEncoder(&m).Encode(meta{Seq: 42}); err != nil {
		t.Fatal(err)
	}
	old := binary.AppendUvarint(nil, uint64(m.Len()))
	old = append(append(old, m.Bytes()...), model...)

	for _, c := range []struct {
		name string
		body []byte
	}{{"compressed", body}, {"saved before compression", old}} {
		var got meta
		rest, err := unframe(c.body, &got)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		read, err := io.ReadAll(modelReader(rest))
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if got.Seq != 42 || !bytes.Equal(read, model) {
			t.Fatalf("%s: seq %d, model of %d bytes back, want %d", c.name, got.Seq, len(read), len(model))
		}
	}
}
