// Package modelsnap writes and reads the snapshots of the services' read models (see
// eventlog.Model): gob values one after another, large lists in chunks so that no encode
// holds a whole model in memory. It imports only the standard library, so the domain
// packages, which own their models' shapes, can use it.
//
// The formats are the ones the services wrote before this package: a snapshot written by
// an earlier version restores unchanged.
package modelsnap

import (
	"encoding/gob"
	"errors"
	"fmt"
	"io"
	"iter"
	"maps"
	"slices"
)

// Save writes v, a small snapshot, whole.
func Save(w io.Writer, v any) error {
	if err := gob.NewEncoder(w).Encode(v); err != nil {
		return fmt.Errorf("modelsnap: save: %w", err)
	}
	return nil
}

// Load reads a snapshot written by Save.
func Load[T any](r io.Reader) (T, error) {
	var v T
	if err := gob.NewDecoder(r).Decode(&v); err != nil {
		return v, fmt.Errorf("modelsnap: load: %w", err)
	}
	return v, nil
}

// Restore reads a snapshot written by Save and hands it to load.
func Restore[T any](r io.Reader, load func(T)) error {
	v, err := Load[T](r)
	if err != nil {
		return err
	}
	load(v)
	return nil
}

// Values lists a map's values, in no order, for a snapshot.
func Values[K comparable, V any](m map[K]V) []V {
	return slices.Collect(maps.Values(m))
}

// Each hands every item of a restored list to load.
func Each[T any](items []*T, load func(T)) {
	for _, it := range items {
		load(*it)
	}
}

// Writer writes a snapshot made of a head and lists in chunks.
type Writer struct{ enc *gob.Encoder }

// NewWriter starts a snapshot on w.
func NewWriter(w io.Writer) *Writer { return &Writer{enc: gob.NewEncoder(w)} }

// Head writes v whole; Reader.Head reads it back.
func (w *Writer) Head(v any) error {
	if err := w.enc.Encode(v); err != nil {
		return fmt.Errorf("modelsnap: write head: %w", err)
	}
	return nil
}

// Chunks writes items as lists of at most size items. It writes at least one (then
// empty) list, so that a reader can tell a model with no items from a cut-off snapshot.
// The items must be the snapshot's last values: ReadChunks reads until the end.
func Chunks[T any](w *Writer, size int, items iter.Seq[T]) error {
	chunk := make([]T, 0, size)
	wrote := false
	for it := range items {
		if chunk = append(chunk, it); len(chunk) == size {
			if err := w.enc.Encode(chunk); err != nil {
				return fmt.Errorf("modelsnap: write chunk: %w", err)
			}
			chunk, wrote = chunk[:0], true
		}
	}
	if len(chunk) > 0 || !wrote {
		if err := w.enc.Encode(chunk); err != nil {
			return fmt.Errorf("modelsnap: write chunk: %w", err)
		}
	}
	return nil
}

// Reader reads a snapshot written with a Writer.
type Reader struct{ dec *gob.Decoder }

// NewReader reads a snapshot from r.
func NewReader(r io.Reader) *Reader { return &Reader{dec: gob.NewDecoder(r)} }

// Head reads a value written by Writer.Head into v.
func (r *Reader) Head(v any) error {
	if err := r.dec.Decode(v); err != nil {
		return fmt.Errorf("modelsnap: read head: %w", err)
	}
	return nil
}

// ReadChunks hands every item of the lists Chunks wrote to load, until the snapshot ends,
// and says how many lists it read (none: the snapshot ended before its items).
func ReadChunks[T any](r *Reader, load func(T)) (int, error) {
	for n := 0; ; n++ {
		var chunk []T
		err := r.dec.Decode(&chunk)
		if errors.Is(err, io.EOF) {
			return n, nil
		}
		if err != nil {
			return n, fmt.Errorf("modelsnap: read chunk %d: %w", n, err)
		}
		for _, it := range chunk {
			load(it)
		}
	}
}
