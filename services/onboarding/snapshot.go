package onboarding

import (
	"io"
	"maps"

	"onramp.dev/infra/eventlog/modelsnap"
)

// snapshotChunk is how many plans a snapshot encodes at a time: gob holds each value it
// encodes whole in memory, and every plan at once was 80 MB at 10,000 hires.
const snapshotChunk = 500

// Snapshot writes every plan, in chunks; Restore loads such a snapshot into an empty
// state.
func (s *State) Snapshot(w io.Writer) error {
	return modelsnap.Chunks(modelsnap.NewWriter(w), snapshotChunk, maps.Values(s.plans))
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
