package identity

import (
	"io"

	"onramp.dev/infra/eventlog/modelsnap"
)

// snapshot is the people model as saved. Snapshots from before sessions had their own
// stream also hold a Sessions field, which decoding skips.
type snapshot struct {
	People []*Person
}

// Snapshot writes every person; Restore loads such a snapshot into an empty state.
func (s *State) Snapshot(w io.Writer) error {
	return modelsnap.Save(w, snapshot{People: modelsnap.Values(s.people)})
}

// Restore loads a snapshot written by Snapshot.
func (s *State) Restore(r io.Reader) error {
	return modelsnap.Restore(r, func(snap snapshot) {
		modelsnap.Each(snap.People, s.LoadPerson)
	})
}
