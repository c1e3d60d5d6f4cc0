package mentorship

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"onramp.dev/events"
)

// Standings is mentorship's read model of people's skill standing: a plain map filled from
// the standing the skills service puts on every skills record event. The level rules live
// in the skills service alone; mentorship only reads their result. Events recorded before
// record events carried their standing carry none and change nothing here: the skills
// service restates those records once (skills.record.standing_restated), and until then a
// person counts as able to mentor nothing. It is not safe for concurrent use.
type Standings struct {
	people map[string]*personStanding
}

type personStanding struct {
	seq    uint64
	skills map[string]events.SkillStanding
}

// NewStandings returns an empty read model.
func NewStandings() *Standings { return &Standings{people: map[string]*personStanding{}} }

// Apply folds in one skills record event stored at seq (other events, and record events
// without standing, change nothing). Applying it again changes nothing.
func (b *Standings) Apply(env events.Envelope, seq uint64) error {
	var e struct {
		Standing []events.SkillStanding `json:"standing"`
	}
	if !strings.HasPrefix(env.Type, "skills.record.") {
		return nil
	}
	if err := json.Unmarshal(env.Data, &e); err != nil {
		return fmt.Errorf("%w: %s data: %v", events.ErrInvalid, env.Type, err)
	}
	if len(e.Standing) == 0 {
		return nil
	}
	r, ok := b.people[env.Subject]
	if !ok {
		r = &personStanding{skills: map[string]events.SkillStanding{}}
		b.people[env.Subject] = r
	}
	if seq <= r.seq {
		return nil
	}
	for _, s := range e.Standing {
		r.skills[s.Skill] = s
	}
	r.seq = seq
	return nil
}

// Mentorable is the person's level and its source in a skill they may mentor (0 and ""
// when the skills service does not count the level as verified or evidenced).
func (b *Standings) Mentorable(person, skill string) (int, string) {
	r, ok := b.people[person]
	if !ok {
		return 0, ""
	}
	if s, ok := r.skills[skill]; ok && s.Mentorable {
		return s.Level, s.Source
	}
	return 0, ""
}

// Eligible lists the skills a person may mentor, sorted by id.
func (b *Standings) Eligible(person string) []string {
	r, ok := b.people[person]
	if !ok {
		return nil
	}
	var out []string
	for id, s := range r.skills {
		if s.Mentorable {
			out = append(out, id)
		}
	}
	slices.Sort(out)
	return out
}

// Catalogue is mentorship's copy of the effective skills catalogue (shipped and imported
// skills), replaced by each catalogue announcement of the skills service. It is not safe
// for concurrent use.
type Catalogue struct {
	skills map[string]events.Skill
}

// NewCatalogue returns an empty catalogue (no announcement read yet).
func NewCatalogue() *Catalogue { return &Catalogue{skills: map[string]events.Skill{}} }

// Apply takes a catalogue announcement (other events change nothing).
func (c *Catalogue) Apply(env events.Envelope) error {
	if env.Type != (events.CatalogueChanged{}).EventType() {
		return nil
	}
	var e events.CatalogueChanged
	if err := env.Payload(&e); err != nil {
		return err
	}
	c.skills = make(map[string]events.Skill, len(e.Skills))
	for _, s := range e.Skills {
		c.skills[s.ID] = s
	}
	return nil
}

// Skill looks a skill up.
func (c *Catalogue) Skill(id string) (events.Skill, bool) {
	s, ok := c.skills[id]
	return s, ok
}
