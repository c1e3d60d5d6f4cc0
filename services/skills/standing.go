package skills

import (
	"fmt"
	"slices"
	"time"

	"onramp.dev/events"
)

// Mentorable reports whether a standing lets the person mentor the skill: a verified or
// evidenced level (training, or a certification recorded by someone else while it is
// valid), never the person's own claim.
func (st Standing) Mentorable() bool {
	return st.Level > 0 && st.Source != events.SourceSelf && st.Source != ""
}

// Published is the standing as record events carry it.
func (st Standing) Published(skill string) events.SkillStanding {
	return events.SkillStanding{Skill: skill, Level: st.Level, Source: st.Source, Mentorable: st.Mentorable()}
}

// Clone is a deep copy of the record.
func (d *Doc) Clone() Doc {
	c := *d
	c.Records = make([]Record, len(d.Records))
	for i, r := range d.Records {
		c.Records[i] = Record{Skill: r.Skill, History: slices.Clone(r.History)}
	}
	c.Certs = slices.Clone(d.Certs)
	c.Handled = slices.Clone(d.Handled)
	return c
}

// Stand returns the record event p, about to be appended to person's record d (nil: none
// yet) by actor at at, with the standing it leaves in each skill it changes: the level
// rules run here, once, and readers of the stream take the result.
func Stand(d *Doc, person, actor string, p events.Payload, at time.Time) (events.Payload, error) {
	env, err := events.New(actor, person, p, at)
	if err != nil {
		return nil, err
	}
	next := Doc{ID: DocIDFor(person), Person: person}
	if d != nil {
		next = d.Clone()
	}
	if err := next.apply(env, next.Seq+1); err != nil {
		return nil, err
	}
	standing := func(skills ...string) []events.SkillStanding {
		out := []events.SkillStanding{}
		for _, sk := range skills {
			if sk != "" && !slices.ContainsFunc(out, func(s events.SkillStanding) bool { return s.Skill == sk }) {
				out = append(out, next.Standing(sk, env.Time).Published(sk))
			}
		}
		return out
	}
	switch e := p.(type) {
	case events.SkillAssessed:
		e.Standing = standing(e.Skill)
		return e, nil
	case events.SkillVerified:
		e.Standing = standing(e.Skill)
		return e, nil
	case events.SkillsEvidenced:
		var ids []string
		for _, s := range e.Skills {
			ids = append(ids, s.Skill)
		}
		e.Standing = standing(ids...)
		return e, nil
	case events.CertificationAdded:
		e.Standing = standing(e.Skill)
		return e, nil
	case events.CertificationExpired:
		var ids []string
		for _, c := range next.Certs {
			if c.ID == e.ID {
				ids = append(ids, c.Skill)
			}
		}
		e.Standing = standing(ids...)
		return e, nil
	case events.SkillStandingRestated:
		e.Standing = standing(next.SkillIDs()...)
		return e, nil
	}
	return nil, fmt.Errorf("%w: %s carries no standing", events.ErrInvalid, p.EventType())
}

// Unstated lists the people whose records began before record events carried their
// standing and have not had it restated yet.
func (s *State) Unstated() []string {
	var out []string
	for p, d := range s.docs {
		if !d.Stated {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}
