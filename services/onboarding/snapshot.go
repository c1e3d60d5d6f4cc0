package onboarding

import (
	"io"
	"iter"

	"onramp.dev/infra/eventlog/modelsnap"
)

// snapshotChunk is how many plans a snapshot encodes at a time: gob holds each value it
// encodes whole in memory, and every plan at once was 80 MB at 10,000 hires.
const snapshotChunk = 500

// Snapshot writes every plan as stored (PlanDoc: tasks whole), in chunks; Restore loads
// such a snapshot into an empty state.
func (s *State) Snapshot(w io.Writer) error {
	docs := func(yield func(PlanDoc) bool) {
		for _, p := range s.plans {
			if !yield(p.Doc()) {
				return
			}
		}
	}
	return modelsnap.Chunks(modelsnap.NewWriter(w), snapshotChunk, iter.Seq[PlanDoc](docs))
}

// Restore loads a snapshot written by Snapshot (also one written before snapshots were
// chunked: a single chunk).
func (s *State) Restore(r io.Reader) error {
	n, err := modelsnap.ReadChunks(modelsnap.NewReader(r), s.Load)
	if err == nil && n == 0 {
		return io.ErrUnexpectedEOF
	}
	return err
}
