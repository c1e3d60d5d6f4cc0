package training

import (
	"encoding/gob"
	"io"
)

type snapshot struct {
	Learners    []*Learner
	Assignments []*Assignment
}

// Snapshot writes every learner and assignment; Restore loads such a snapshot into a state
// that holds only the catalogue.
func (s *State) Snapshot(w io.Writer) error {
	var snap snapshot
	for _, l := range s.learners {
		snap.Learners = append(snap.Learners, l)
	}
	for _, a := range s.assignments {
		snap.Assignments = append(snap.Assignments, a)
	}
	return gob.NewEncoder(w).Encode(snap)
}

// Restore loads a snapshot written by Snapshot.
func (s *State) Restore(r io.Reader) error {
	var snap snapshot
	if err := gob.NewDecoder(r).Decode(&snap); err != nil {
		return err
	}
	for _, l := range snap.Learners {
		s.LoadLearner(*l)
	}
	for _, a := range snap.Assignments {
		s.LoadAssignment(*a)
	}
	return nil
}
