package onboarding

import (
	"encoding/gob"
	"errors"
	"io"
)

// snapshotChunk is how many plans a snapshot encodes at a time: gob holds each value it
// encodes whole in memory, and every plan at once was 80 MB at 10,000 hires.
const snapshotChunk = 500

// Snapshot writes every plan as stored (PlanDoc: tasks whole), in chunks; Restore loads
// such a snapshot into an empty state.
func (s *State) Snapshot(w io.Writer) error {
	enc := gob.NewEncoder(w)
	chunk := make([]PlanDoc, 0, snapshotChunk)
	for _, p := range s.plans {
		if chunk = append(chunk, p.Doc()); len(chunk) == snapshotChunk {
			if err := enc.Encode(chunk); err != nil {
				return err
			}
			chunk = chunk[:0]
		}
	}
	if len(chunk) > 0 || len(s.plans) == 0 {
		return enc.Encode(chunk)
	}
	return nil
}

// Restore loads a snapshot written by Snapshot (also one written before snapshots were
// chunked: a single chunk).
func (s *State) Restore(r io.Reader) error {
	dec := gob.NewDecoder(r)
	for n := 0; ; n++ {
		var plans []PlanDoc
		err := dec.Decode(&plans)
		if errors.Is(err, io.EOF) && n > 0 {
			return nil
		}
		if err != nil {
			return err
		}
		for _, p := range plans {
			s.Load(p)
		}
	}
}
