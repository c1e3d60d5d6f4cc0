package skills

import (
	"io"

	"onramp.dev/infra/eventlog/modelsnap"
)

type snapshot struct {
	Imports []*Import
	Docs    []*Doc
}

// Snapshot writes every import and skills record; Restore loads such a snapshot into a
// state that holds only the shipped catalogue.
func (s *State) Snapshot(w io.Writer) error {
	return modelsnap.Save(w, snapshot{Imports: s.imports, Docs: modelsnap.Values(s.docs)})
}

// Restore loads a snapshot written by Snapshot.
func (s *State) Restore(r io.Reader) error {
	return modelsnap.Restore(r, func(snap snapshot) {
		modelsnap.Each(snap.Imports, s.LoadImport)
		modelsnap.Each(snap.Docs, s.LoadDoc)
	})
}
