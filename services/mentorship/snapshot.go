package mentorship

import (
	"encoding/gob"
	"io"

	"onramp.dev/events"
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

type standingSnapshot struct {
	Seq    uint64
	Skills map[string]events.SkillStanding
}

// Snapshot writes the standings; Restore loads such a snapshot into an empty read model.
func (b *Standings) Snapshot(w io.Writer) error {
	snap := make(map[string]standingSnapshot, len(b.people))
	for id, r := range b.people {
		snap[id] = standingSnapshot{Seq: r.seq, Skills: r.skills}
	}
	return gob.NewEncoder(w).Encode(snap)
}

// Restore loads a snapshot written by Snapshot.
func (b *Standings) Restore(r io.Reader) error {
	var snap map[string]standingSnapshot
	if err := gob.NewDecoder(r).Decode(&snap); err != nil {
		return err
	}
	for id, s := range snap {
		b.people[id] = &personStanding{seq: s.Seq, skills: s.Skills}
	}
	return nil
}

// Snapshot writes the catalogue; Restore loads such a snapshot.
func (c *Catalogue) Snapshot(w io.Writer) error { return gob.NewEncoder(w).Encode(c.skills) }

// Restore loads a snapshot written by Snapshot.
func (c *Catalogue) Restore(r io.Reader) error { return gob.NewDecoder(r).Decode(&c.skills) }
