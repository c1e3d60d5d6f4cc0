package events

import "strings"

// SkillLevel is a skill id at a level of the seven-step responsibility scale.
type SkillLevel struct {
	Skill string `json:"skill"`
	Level int    `json:"level"`
}

// ModulePassed: a learner passed a training module's quiz (training.module.passed v1).
// Subject: the learner's person id. The skills service turns Skills into evidence.
type ModulePassed struct {
	Person string       `json:"person"`
	Module string       `json:"module"`
	Title  string       `json:"title"`
	Score  int          `json:"score"` // percent
	Skills []SkillLevel `json:"skills"`
}

func (ModulePassed) EventType() string { return "training.module.passed" }
func (ModulePassed) EventVersion() int { return 1 }
func (e ModulePassed) Validate() error {
	p := map[string]string{}
	if !IsToken(e.Person) {
		p["person"] = "is required"
	}
	if !IsToken(e.Module) {
		p["module"] = "is required"
	}
	if e.Score < 0 || e.Score > 100 {
		p["score"] = "must be 0–100"
	}
	for _, s := range e.Skills {
		if strings.TrimSpace(s.Skill) == "" || s.Level < 1 || s.Level > 7 {
			p["skills"] = "each needs a skill id and a level 1–7"
		}
	}
	return invalid(p)
}
