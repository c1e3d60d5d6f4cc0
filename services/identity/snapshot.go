package identity

import (
	"encoding/gob"
	"io"
	"time"
)

type snapshot struct {
	People   []*Person
	Sessions []*Session
}

// Snapshot writes every person and session; Restore loads such a snapshot into an empty
// state.
func (s *State) Snapshot(w io.Writer) error {
	var snap snapshot
	for _, p := range s.people {
		snap.People = append(snap.People, p)
	}
	// Sessions that expired a day before the newest one started can never admit a request
	// again: the snapshot leaves them out, so memory after a restart holds only sessions
	// that may still matter (their events stay on the stream).
	var newest time.Time
	for _, x := range s.sessions {
		if x.Started.After(newest) {
			newest = x.Started
		}
	}
	for _, x := range s.sessions {
		if x.ExpiresAt.Before(newest.Add(-24 * time.Hour)) {
			continue
		}
		snap.Sessions = append(snap.Sessions, x)
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
	for _, x := range snap.Sessions {
		s.LoadSession(*x)
	}
	return nil
}
