package skills

import (
	"encoding/gob"
	"io"
)

type snapshot struct {
	Imports []*Import
	Docs    []*Doc
}

// Snapshot writes every import and skills record; Restore loads such a snapshot into a
// state that holds only the shipped catalogue.
func (s *State) Snapshot(w io.Writer) error {
	snap := snapshot{Imports: s.imports}
	for _, d := range s.docs {
		snap.Docs = append(snap.Docs, d)
	}
	return gob.NewEncoder(w).Encode(snap)
}

// Restore loads a snapshot written by Snapshot.
func (s *State) Restore(r io.Reader) error {
	var snap snapshot
	if err := gob.NewDecoder(r).Decode(&snap); err != nil {
		return err
	}
	for _, i := range snap.Imports {
		s.LoadImport(*i)
	}
	for _, d := range snap.Docs {
		s.LoadDoc(*d)
	}
	return nil
}
