package notify

import (
	"encoding/gob"
	"io"
)

type snapshot struct {
	People []*Recipient
	Mails  []*Mail
}

// Snapshot writes every recipient and mail; Restore loads such a snapshot into an empty
// state.
func (s *State) Snapshot(w io.Writer) error {
	var snap snapshot
	for _, r := range s.people {
		snap.People = append(snap.People, r)
	}
	for _, m := range s.mails {
		snap.Mails = append(snap.Mails, m)
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
		s.LoadRecipient(*p)
	}
	for _, m := range snap.Mails {
		s.LoadMail(*m)
	}
	return nil
}
