package mentorship

import (
	"encoding/gob"
	"io"
)

type snapshot struct {
	Profiles []*Profile
	Pairs    []*Pair
}

// Snapshot writes every mentor profile and mentorship; Restore loads such a snapshot into
// an empty state.
func (s *State) Snapshot(w io.Writer) error {
	var snap snapshot
	for _, p := range s.profiles {
		snap.Profiles = append(snap.Profiles, p)
	}
	for _, p := range s.pairs {
		snap.Pairs = append(snap.Pairs, p)
	}
	return gob.NewEncoder(w).Encode(snap)
}

// Restore loads a snapshot written by Snapshot.
func (s *State) Restore(r io.Reader) error {
	var snap snapshot
	if err := gob.NewDecoder(r).Decode(&snap); err != nil {
		return err
	}
	for _, p := range snap.Profiles {
		s.LoadProfile(*p)
	}
	for _, p := range snap.Pairs {
		s.LoadPair(*p)
	}
	return nil
}
