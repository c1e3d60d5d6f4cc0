package onboarding

import (
	"encoding/gob"
	"io"
)

// Snapshot writes every plan; Restore loads such a snapshot into an empty state.
func (s *State) Snapshot(w io.Writer) error {
	plans := make([]*Plan, 0, len(s.plans))
	for _, p := range s.plans {
		plans = append(plans, p)
	}
	return gob.NewEncoder(w).Encode(plans)
}

// Restore loads a snapshot written by Snapshot.
func (s *State) Restore(r io.Reader) error {
	var plans []Plan
	if err := gob.NewDecoder(r).Decode(&plans); err != nil {
		return err
	}
	for _, p := range plans {
		s.Load(p)
	}
	return nil
}
