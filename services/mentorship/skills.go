package mentorship

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"onramp.dev/events"
)

// SkillBook is mentorship's read model of people's skill levels, built from the skills
// stream. It follows the skills service's level rules (a verification stands; without one
// the highest evidence — training, or a certification while valid; without either the
// person's own assessment), so a mentor's level and a hire's gaps read the same here as on
// the skills pages. Mentors may only offer skills whose standing level is verified or
// evidenced, never self-assessed. It is not safe for concurrent use.
type SkillBook struct {
	people map[string]*skillRecord
}

type skillRecord struct {
	seq      uint64
	verified map[string]int
	self     map[string]int
	trained  map[string]int
	certs    map[string]skillCert
}

type skillCert struct {
	skill           string
	level           int
	issued, expires string
}

// NewSkillBook returns an empty book.
func NewSkillBook() *SkillBook { return &SkillBook{people: map[string]*skillRecord{}} }

// Apply folds in one skills event stored at seq (events of other kinds are ignored).
// Applying it again changes nothing.
func (b *SkillBook) Apply(env events.Envelope, seq uint64) error {
	if !strings.HasPrefix(env.Type, "skills.record.") {
		return nil
	}
	r, ok := b.people[env.Subject]
	if !ok {
		r = &skillRecord{verified: map[string]int{}, self: map[string]int{}, trained: map[string]int{}, certs: map[string]skillCert{}}
		b.people[env.Subject] = r
	}
	if seq <= r.seq {
		return nil
	}
	switch env.Type {
	case events.SkillVerified{}.EventType():
		var e events.SkillVerified
		if err := env.Payload(&e); err != nil {
			return err
		}
		r.verified[e.Skill] = e.Level
	case events.SkillAssessed{}.EventType():
		var e events.SkillAssessed
		if err := env.Payload(&e); err != nil {
			return err
		}
		r.self[e.Skill] = e.Level
	case events.SkillsEvidenced{}.EventType():
		var e events.SkillsEvidenced
		if err := env.Payload(&e); err != nil {
			return err
		}
		for _, s := range e.Skills {
			r.trained[s.Skill] = max(r.trained[s.Skill], s.Level)
		}
	case events.CertificationAdded{}.EventType():
		var e events.CertificationAdded
		if err := env.Payload(&e); err != nil {
			return err
		}
		if e.Skill != "" {
			r.certs[e.ID] = skillCert{skill: e.Skill, level: e.Level, issued: e.Issued, expires: e.Expires}
		}
	case events.CertificationExpired{}.EventType():
		// Validity is read from the dates; nothing to do.
	default:
		return fmt.Errorf("%w: mentorship does not read %s", events.ErrInvalid, env.Type)
	}
	r.seq = seq
	return nil
}

// Standing is a person's level in a skill on day (DateLayout) and where it comes from
// (events.Source*; "" and 0 for none).
func (b *SkillBook) Standing(person, skill, day string) (int, string) {
	r, ok := b.people[person]
	if !ok {
		return 0, ""
	}
	if l, ok := r.verified[skill]; ok {
		return l, events.SourceVerified
	}
	evidence, source := r.trained[skill], events.SourceTraining
	for _, c := range r.certs {
		if c.skill == skill && c.issued <= day && (c.expires == "" || day <= c.expires) && c.level > evidence {
			evidence, source = c.level, events.SourceCertification
		}
	}
	if evidence > 0 {
		return evidence, source
	}
	if l := r.self[skill]; l > 0 {
		return l, events.SourceSelf
	}
	return 0, ""
}

// Mentorable is the person's level in a skill if it is verified or evidenced (0 if it is
// only self-assessed or unknown).
func (b *SkillBook) Mentorable(person, skill, day string) (int, string) {
	l, src := b.Standing(person, skill, day)
	if src == events.SourceSelf || src == "" {
		return 0, ""
	}
	return l, src
}

// Eligible lists the skills a person may mentor on day, sorted by id.
func (b *SkillBook) Eligible(person, day string) []string {
	r, ok := b.people[person]
	if !ok {
		return nil
	}
	set := map[string]bool{}
	for s := range r.verified {
		set[s] = true
	}
	for s := range r.trained {
		set[s] = true
	}
	for _, c := range r.certs {
		set[c.skill] = true
	}
	var out []string
	for s := range set {
		if l, _ := b.Mentorable(person, s, day); l > 0 {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// Day formats a moment as a calendar date (UTC).
func Day(t time.Time) string { return t.UTC().Format(events.DateLayout) }
