package identity

import (
	"encoding/gob"
	"io"
)

// snapshot is the people model as saved. Snapshots from before sessions had their own
// stream also hold a Sessions field, which decoding skips.
type snapshot struct {
	People []*Person
}

// Snapshot writes every person; Restore loads such a snapshot into an empty state.
func (s *State) Snapshot(w io.Writer) error {
	var snap snapshot
	for _, p := range s.people {
		snap.People = append(snap.People, p)
	}
	return gob.NewEncoder(w).Encode(snap)
}

// Restore loads a snapshot written by Snapshot.
func (s *State) Restore(r io.Reader) error {
	var snap snapshot
	if err := gob.NewDecoder(r).Decode(&snap); err != nil {
		return err
	}
	for _, p := range snap.People {
		s.LoadPerson(*p)
	}
	return nil
}
