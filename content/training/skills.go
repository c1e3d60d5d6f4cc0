package training

import (
	"errors"
	"fmt"
)

// Errors reported by CheckSkills, wrapped with the module and skill ids.
var (
	// ErrUnknownSkill: a module evidences a skill id the catalogue does not know.
	ErrUnknownSkill = errors.New("training: unknown skill")
	// ErrSkillLevel: a module evidences a level outside the skill's valid range.
	ErrSkillLevel = errors.New("training: skill level out of range")
)

// CheckSkills checks the skills evidenced by mods against a skills catalogue.
// known reports, for a skill id, the lowest and highest level that skill may be
// recorded at, and whether the id exists. Every unknown id and every level
// outside its range is reported (joined with errors.Join); nil means all fit.
//
// The training package does not import the catalogue, so the caller wires the two
// together, for example:
//
//	err := training.CheckSkills(mods, func(id string) (int, int, bool) {
//		s, ok := catalogue.Skill(id)
//		return s.MinLevel, s.MaxLevel, ok
//	})
func CheckSkills(mods []Module, known func(id string) (min, max int, ok bool)) error {
	var errs []error
	for _, m := range mods {
		for _, s := range m.Skills {
			lo, hi, ok := known(s.Skill)
			switch {
			case !ok:
				errs = append(errs, fmt.Errorf("module %q: %w %q", m.ID, ErrUnknownSkill, s.Skill))
			case s.Level < lo || s.Level > hi:
				errs = append(errs, fmt.Errorf("module %q: %w: %q at level %d, valid %d..%d", m.ID, ErrSkillLevel, s.Skill, s.Level, lo, hi))
			}
		}
	}
	return errors.Join(errs...)
}
