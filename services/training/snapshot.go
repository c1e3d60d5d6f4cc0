package training

import (
	"io"

	"onramp.dev/infra/eventlog/modelsnap"
)

type snapshot struct {
	Learners    []*Learner
	Assignments []*Assignment
}

// Snapshot writes every learner and assignment; Restore loads such a snapshot into a state
// that holds only the catalogue.
func (s *State) Snapshot(w io.Writer) error {
	return modelsnap.Save(w, snapshot{
		Learners:    modelsnap.Values(s.learners),
		Assignments: modelsnap.Values(s.assignments),
	})
}

// Restore loads a snapshot written by Snapshot.
func (s *State) Restore(r io.Reader) error {
	return modelsnap.Restore(r, func(snap snapshot) {
		modelsnap.Each(snap.Learners, s.LoadLearner)
		modelsnap.Each(snap.Assignments, s.LoadAssignment)
	})
}
