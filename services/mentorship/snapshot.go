package mentorship

import (
	"io"

	"onramp.dev/events"
	"onramp.dev/infra/eventlog/modelsnap"
)

type snapshot struct {
	Profiles []*Profile
	Pairs    []*Pair
}

// Snapshot writes every mentor profile and mentorship; Restore loads such a snapshot into
// an empty state.
func (s *State) Snapshot(w io.Writer) error {
	return modelsnap.Save(w, snapshot{Profiles: modelsnap.Values(s.profiles), Pairs: modelsnap.Values(s.pairs)})
}

// Restore loads a snapshot written by Snapshot.
func (s *State) Restore(r io.Reader) error {
	return modelsnap.Restore(r, func(snap snapshot) {
		modelsnap.Each(snap.Profiles, s.LoadProfile)
		modelsnap.Each(snap.Pairs, s.LoadPair)
	})
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
	return modelsnap.Save(w, snap)
}

// Restore loads a snapshot written by Snapshot.
func (b *Standings) Restore(r io.Reader) error {
	snap, err := modelsnap.Load[map[string]standingSnapshot](r)
	if err != nil {
		return err
	}
	for id, s := range snap {
		b.people[id] = &personStanding{seq: s.Seq, skills: s.Skills}
	}
	return nil
}

// Snapshot writes the catalogue; Restore loads such a snapshot.
func (c *Catalogue) Snapshot(w io.Writer) error { return modelsnap.Save(w, c.skills) }

// Restore loads a snapshot written by Snapshot.
func (c *Catalogue) Restore(r io.Reader) (err error) {
	c.skills, err = modelsnap.Load[map[string]events.Skill](r)
	return err
}
