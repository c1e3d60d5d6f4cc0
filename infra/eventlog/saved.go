package eventlog

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"fmt"
	"io"

	"github.com/klauspost/compress/s2"
	"github.com/nats-io/nats.go/jetstream"
)

// A saved model (a Log's snapshot, a Follower's model) is one object of the snapshot
// bucket: the length of its metadata, the metadata (gob), then the model's own bytes.

// frame encodes meta and the model into one saved object's body. The model writes
// straight into the body, after the metadata, through an S2 compressor: a model repeats
// much of its text (a template's tasks in every plan), so the saved object is several
// times smaller than the model's encoding, and the encoding is never held uncompressed.
func frame(meta any, model func(io.Writer) error) ([]byte, error) {
	var m bytes.Buffer
	if err := gob.NewEncoder(&m).Encode(meta); err != nil {
		return nil, err
	}
	var body bytes.Buffer
	var head [binary.MaxVarintLen64]byte
	body.Write(head[:binary.PutUvarint(head[:], uint64(m.Len()))])
	body.Write(m.Bytes())
	zw := s2.NewWriter(&body, s2.WriterConcurrency(1))
	if err := model(zw); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	return body.Bytes(), nil
}

// counted has a model write through a counter: the size of the model's own encoding,
// before compression, is what a start decodes (see replayDue).
func counted(model func(io.Writer) error, n *int64) func(io.Writer) error {
	return func(w io.Writer) error { return model(&countingWriter{w: w, n: n}) }
}

type countingWriter struct {
	w io.Writer
	n *int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	*c.n += int64(n)
	return n, err
}

// s2Magic opens every S2 stream.
const s2Magic = "\xff\x06\x00\x00S2sTwO"

// modelReader reads the model's bytes of a saved object: S2-compressed, or as saved
// before compression.
func modelReader(model []byte) io.Reader {
	if bytes.HasPrefix(model, []byte(s2Magic)) {
		return s2.NewReader(bytes.NewReader(model))
	}
	return bytes.NewReader(model)
}

// errDamaged means a saved object cannot be read.
var errDamaged = errors.New("damaged")

// unframe decodes a saved object's metadata into meta and returns the model's bytes.
func unframe(body []byte, meta any) ([]byte, error) {
	size, n := binary.Uvarint(body)
	if n <= 0 || uint64(len(body)-n) < size {
		return nil, errDamaged
	}
	if err := gob.NewDecoder(bytes.NewReader(body[n : n+int(size)])).Decode(meta); err != nil {
		return nil, fmt.Errorf("%w: %v", errDamaged, err)
	}
	return body[n+int(size):], nil
}

// putSaved stores a saved object under name.
func putSaved(ctx context.Context, js jetstream.JetStream, name string, body []byte) error {
	obj, err := snapshots(ctx, js)
	if err != nil {
		return err
	}
	if _, err := obj.PutBytes(ctx, name, body); err != nil {
		return fmt.Errorf("eventlog: save %s: %w", name, err)
	}
	return nil
}

// getSaved reads the saved object name; found is false if there is none.
func getSaved(ctx context.Context, js jetstream.JetStream, name string) (body []byte, found bool, err error) {
	obj, err := snapshots(ctx, js)
	if err != nil {
		return nil, false, err
	}
	body, err = obj.GetBytes(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, false, nil
	}
	if err != nil {
		return nil, false, fmt.Errorf("eventlog: load %s: %w", name, err)
	}
	return body, true, nil
}
