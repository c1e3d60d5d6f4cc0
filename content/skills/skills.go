// Package skills holds Onramp's skills catalogue and role profiles, and imports an
// organisation's own skills framework from a CSV or YAML file.
//
// Proficiency is measured on a seven-level responsibility scale (see Levels). Every skill
// declares the range of levels it makes sense at; a role profile sets a target level for
// each skill that matters to a track at a given seniority. The catalogue (catalogue.yaml)
// and the profiles (profiles.yaml) are embedded; Load parses and validates both.
package skills

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"onramp.dev/content"
)

//go:embed *.yaml
var files embed.FS

// Level is one step of the seven-level responsibility scale.
type Level struct {
	Number  int    `json:"number"`
	Name    string `json:"name"`
	Summary string `json:"summary"`
}

// Levels is the responsibility scale, from 1 (follow) to 7 (set strategy). Levels[n-1]
// describes level n.
var Levels = []Level{
	{1, "follow", "Carries out routine tasks under close direction and asks when unsure."},
	{2, "assist", "Handles a range of tasks with some independence, under general direction, and helps others."},
	{3, "apply", "Works through varied tasks on their own initiative, plans their own work and owns its results."},
	{4, "enable", "Takes on complex work, guides others and is accountable for what a small group delivers."},
	{5, "ensure and advise", "Answers for the results of a whole area of work and is the one others turn to for advice on it."},
	{6, "initiate and influence", "Starts and steers major work across the organisation and shapes its decisions."},
	{7, "set strategy", "Sets direction and policy for the organisation and brings others along with it."},
}

// MinLevel and MaxLevel bound the responsibility scale.
const (
	MinLevel = 1
	MaxLevel = 7
)

// LevelName returns the name of level n ("follow" … "set strategy"), or "" if n is
// outside 1..7.
func LevelName(n int) string {
	if n < MinLevel || n > MaxLevel {
		return ""
	}
	return Levels[n-1].Name
}

// Category groups skills in the catalogue.
type Category struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Categories lists the skill categories of Onramp's own catalogue, in display order.
// Imported frameworks may use categories of their own.
var Categories = []Category{
	{ID: "technical", Name: "Technical"},
	{ID: "management", Name: "Management"},
	{ID: "people", Name: "People"},
}

// Seniority is a step of a career within a track.
type Seniority struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Seniorities lists the seniorities every track has a profile for, from the most junior.
var Seniorities = []Seniority{
	{ID: "junior", Name: "Junior"},
	{ID: "senior", Name: "Senior"},
	{ID: "lead", Name: "Lead"},
}

// Role profiles name between MinTargets and MaxTargets skills.
const (
	MinTargets = 6
	MaxTargets = 12
)

// Skill is one entry of a skills catalogue.
type Skill struct {
	// ID is stable: profiles and people's skill records refer to it.
	ID          string `yaml:"id" json:"id"`
	Name        string `yaml:"name" json:"name"`
	Category    string `yaml:"category" json:"category"`
	Description string `yaml:"description" json:"description"`
	// MinLevel and MaxLevel bound the levels the skill can be recorded at (1..7).
	MinLevel int `yaml:"min_level" json:"min_level"`
	MaxLevel int `yaml:"max_level" json:"max_level"`
}

// HasLevel reports whether level n is within the skill's range.
func (s Skill) HasLevel(n int) bool { return n >= s.MinLevel && n <= s.MaxLevel }

// Profile gives the target levels of the skills that matter for one track at one
// seniority.
type Profile struct {
	Track     string   `yaml:"track" json:"track"`
	Seniority string   `yaml:"seniority" json:"seniority"`
	Targets   []Target `yaml:"targets" json:"targets"`
}

// Target is the level a profile expects for one skill.
type Target struct {
	Skill string `yaml:"skill" json:"skill"`
	Level int    `yaml:"level" json:"level"`
}

// Target returns the profile's target for a skill id.
func (p Profile) Target(skill string) (Target, bool) {
	i := slices.IndexFunc(p.Targets, func(t Target) bool { return t.Skill == skill })
	if i < 0 {
		return Target{}, false
	}
	return p.Targets[i], true
}

// Catalogue is the validated set of skills and role profiles.
type Catalogue struct {
	Skills   []Skill   `json:"skills"`
	Profiles []Profile `json:"profiles"`
}

// Skill looks a skill up by id.
func (c *Catalogue) Skill(id string) (Skill, bool) {
	i := slices.IndexFunc(c.Skills, func(s Skill) bool { return s.ID == id })
	if i < 0 {
		return Skill{}, false
	}
	return c.Skills[i], true
}

// Profile looks up the profile of a track at a seniority.
func (c *Catalogue) Profile(track, seniority string) (Profile, bool) {
	i := slices.IndexFunc(c.Profiles, func(p Profile) bool { return p.Track == track && p.Seniority == seniority })
	if i < 0 {
		return Profile{}, false
	}
	return c.Profiles[i], true
}

// Errors reported by Load. Each error it returns wraps one of these (several, joined,
// when there is more than one problem), so callers and tests can use errors.Is.
var (
	ErrSyntax           = errors.New("invalid YAML")
	ErrMissingField     = errors.New("missing required field")
	ErrBadID            = errors.New("id is not kebab-case")
	ErrDuplicate        = errors.New("duplicate")
	ErrUnknownCategory  = errors.New("unknown category")
	ErrBadRange         = errors.New("invalid level range")
	ErrUnknownTrack     = errors.New("unknown track")
	ErrUnknownSeniority = errors.New("unknown seniority")
	ErrUnknownSkill     = errors.New("unknown skill")
	ErrTargetCount      = errors.New("wrong number of targets")
	ErrTargetOutOfRange = errors.New("target outside the skill's range")
	ErrNotMonotonic     = errors.New("target drops as seniority rises")
	ErrMissingProfile   = errors.New("missing profile")
)

const (
	catalogueFile = "catalogue.yaml"
	profilesFile  = "profiles.yaml"
)

// Load parses and validates the embedded catalogue and profiles (once; each call gets its
// own copy, which the caller may change).
func Load() (*Catalogue, error) {
	c, err := loaded()
	if err != nil {
		return nil, err
	}
	cp := &Catalogue{Skills: slices.Clone(c.Skills), Profiles: slices.Clone(c.Profiles)}
	for i := range cp.Profiles {
		cp.Profiles[i].Targets = slices.Clone(cp.Profiles[i].Targets)
	}
	return cp, nil
}

var loaded = sync.OnceValues(func() (*Catalogue, error) {
	cat, err := files.ReadFile(catalogueFile)
	if err != nil {
		return nil, fmt.Errorf("skills: %w", err)
	}
	prof, err := files.ReadFile(profilesFile)
	if err != nil {
		return nil, fmt.Errorf("skills: %w", err)
	}
	return parse(cat, prof)
})

var kebab = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// parse decodes and validates a catalogue and its profiles; all problems are returned
// together.
func parse(catalogueData, profilesData []byte) (*Catalogue, error) {
	var rawSkills []rawSkill
	skillLines, err := decodeList(catalogueData, &rawSkills)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", catalogueFile, ErrSyntax, err)
	}
	var rawProfiles []rawProfile
	profileLines, err := decodeList(profilesData, &rawProfiles)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", profilesFile, ErrSyntax, err)
	}
	tracks, err := content.Tracks()
	if err != nil {
		return nil, fmt.Errorf("skills: %w", err)
	}

	var errs []error
	add := func(file string, line int, what, format string, args ...any) {
		prefix := file
		if line > 0 {
			prefix = fmt.Sprintf("%s:%d", file, line)
		}
		errs = append(errs, fmt.Errorf("%s: %s: "+format, append([]any{prefix, what}, args...)...))
	}

	c := &Catalogue{Skills: make([]Skill, 0, len(rawSkills))}
	byID := make(map[string]Skill, len(rawSkills))
	for i, r := range rawSkills {
		line := lineOf(skillLines, i)
		what := fmt.Sprintf("skill %d", i+1)
		if r.ID != "" {
			what += " (" + r.ID + ")"
		}
		for _, f := range []struct{ name, value string }{
			{"id", r.ID}, {"name", r.Name}, {"category", r.Category}, {"description", r.Description},
		} {
			if strings.TrimSpace(f.value) == "" {
				add(catalogueFile, line, what, "%w: %s", ErrMissingField, f.name)
			}
		}
		if r.MinLevel == nil {
			add(catalogueFile, line, what, "%w: min_level", ErrMissingField)
		}
		if r.MaxLevel == nil {
			add(catalogueFile, line, what, "%w: max_level", ErrMissingField)
		}
		if r.Category != "" && !slices.ContainsFunc(Categories, func(c Category) bool { return c.ID == r.Category }) {
			add(catalogueFile, line, what, "%w %q (want technical, management or people)", ErrUnknownCategory, r.Category)
		}
		if r.ID != "" && !kebab.MatchString(r.ID) {
			add(catalogueFile, line, what, "%w: use lower-case letters, digits and single hyphens", ErrBadID)
		}
		s := Skill{ID: r.ID, Name: r.Name, Category: r.Category, Description: r.Description}
		if r.MinLevel != nil && r.MaxLevel != nil {
			s.MinLevel, s.MaxLevel = int(*r.MinLevel), int(*r.MaxLevel)
			if s.MinLevel < MinLevel || s.MaxLevel > MaxLevel || s.MinLevel > s.MaxLevel {
				add(catalogueFile, line, what, "%w %d..%d (want 1 <= min_level <= max_level <= 7)", ErrBadRange, s.MinLevel, s.MaxLevel)
			}
		}
		if r.ID != "" {
			if _, dup := byID[r.ID]; dup {
				add(catalogueFile, line, what, "%w skill id %q", ErrDuplicate, r.ID)
				continue
			}
			byID[r.ID] = s
		}
		c.Skills = append(c.Skills, s)
	}

	c.Profiles = make([]Profile, 0, len(rawProfiles))
	type key struct{ track, seniority string }
	seen := map[key]int{}
	for i, r := range rawProfiles {
		line := lineOf(profileLines, i)
		what := fmt.Sprintf("profile %d", i+1)
		if r.Track != "" || r.Seniority != "" {
			what += fmt.Sprintf(" (%s/%s)", r.Track, r.Seniority)
		}
		switch {
		case r.Track == "":
			add(profilesFile, line, what, "%w: track", ErrMissingField)
		case !slices.ContainsFunc(tracks, func(t content.Track) bool { return t.ID == r.Track }):
			add(profilesFile, line, what, "%w %q", ErrUnknownTrack, r.Track)
		}
		switch {
		case r.Seniority == "":
			add(profilesFile, line, what, "%w: seniority", ErrMissingField)
		case seniorityIndex(r.Seniority) < 0:
			add(profilesFile, line, what, "%w %q (want junior, senior or lead)", ErrUnknownSeniority, r.Seniority)
		}
		k := key{r.Track, r.Seniority}
		if first, dup := seen[k]; dup && r.Track != "" && r.Seniority != "" {
			add(profilesFile, line, what, "%w profile (first given as profile %d)", ErrDuplicate, first)
		} else {
			seen[k] = i + 1
		}
		if n := len(r.Targets); n < MinTargets || n > MaxTargets {
			add(profilesFile, line, what, "%w: %d (want %d to %d)", ErrTargetCount, n, MinTargets, MaxTargets)
		}
		p := Profile{Track: r.Track, Seniority: r.Seniority, Targets: make([]Target, 0, len(r.Targets))}
		inProfile := map[string]bool{}
		for j, rt := range r.Targets {
			tWhat := fmt.Sprintf("%s: target %d", what, j+1)
			if rt.Skill != "" {
				tWhat += " (" + rt.Skill + ")"
			}
			if rt.Skill == "" {
				add(profilesFile, line, tWhat, "%w: skill", ErrMissingField)
			}
			if rt.Level == nil {
				add(profilesFile, line, tWhat, "%w: level", ErrMissingField)
			}
			if rt.Skill == "" || rt.Level == nil {
				continue
			}
			if inProfile[rt.Skill] {
				add(profilesFile, line, tWhat, "%w target for skill %q", ErrDuplicate, rt.Skill)
				continue
			}
			inProfile[rt.Skill] = true
			t := Target{Skill: rt.Skill, Level: int(*rt.Level)}
			s, ok := byID[rt.Skill]
			if !ok {
				add(profilesFile, line, tWhat, "%w %q", ErrUnknownSkill, rt.Skill)
			} else if !s.HasLevel(t.Level) {
				add(profilesFile, line, tWhat, "%w: level %d, but %s covers %d..%d", ErrTargetOutOfRange, t.Level, s.ID, s.MinLevel, s.MaxLevel)
			}
			p.Targets = append(p.Targets, t)
		}
		c.Profiles = append(c.Profiles, p)
	}

	// Every track needs every seniority, and targets must not drop as seniority rises.
	for _, tr := range tracks {
		for _, sen := range Seniorities {
			if _, ok := seen[key{tr.ID, sen.ID}]; !ok {
				add(profilesFile, 0, "track "+tr.ID, "%w for seniority %q", ErrMissingProfile, sen.ID)
			}
		}
		for a := range Seniorities {
			lower, ok := c.Profile(tr.ID, Seniorities[a].ID)
			if !ok {
				continue
			}
			for b := a + 1; b < len(Seniorities); b++ {
				higher, ok := c.Profile(tr.ID, Seniorities[b].ID)
				if !ok {
					continue
				}
				for _, lt := range lower.Targets {
					if ht, ok := higher.Target(lt.Skill); ok && ht.Level < lt.Level {
						line := lineOf(profileLines, seen[key{tr.ID, higher.Seniority}]-1)
						add(profilesFile, line, "track "+tr.ID, "%w: %s is %d for %s but %d for %s",
							ErrNotMonotonic, lt.Skill, lt.Level, lower.Seniority, ht.Level, higher.Seniority)
					}
				}
			}
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return c, nil
}

func seniorityIndex(id string) int {
	return slices.IndexFunc(Seniorities, func(s Seniority) bool { return s.ID == id })
}

// rawSkill, rawProfile and rawTarget mirror the public types for decoding: levels must
// be YAML integers (the YAML library would silently truncate 2.5 to 2 otherwise), and a
// missing level can be told apart from zero.
type rawSkill struct {
	ID          string    `yaml:"id"`
	Name        string    `yaml:"name"`
	Category    string    `yaml:"category"`
	Description string    `yaml:"description"`
	MinLevel    *wholeNum `yaml:"min_level"`
	MaxLevel    *wholeNum `yaml:"max_level"`
}

type rawProfile struct {
	Track     string      `yaml:"track"`
	Seniority string      `yaml:"seniority"`
	Targets   []rawTarget `yaml:"targets"`
}

type rawTarget struct {
	Skill string    `yaml:"skill"`
	Level *wholeNum `yaml:"level"`
}

// wholeNum is an int that only accepts YAML integers.
type wholeNum int

// UnmarshalYAML implements yaml.Unmarshaler.
func (n *wholeNum) UnmarshalYAML(v *yaml.Node) error {
	if v.Kind != yaml.ScalarNode || v.ShortTag() != "!!int" {
		return fmt.Errorf("line %d: want a whole number, got %q", v.Line, v.Value)
	}
	var i int
	if err := v.Decode(&i); err != nil {
		return fmt.Errorf("line %d: %w", v.Line, err)
	}
	*n = wholeNum(i)
	return nil
}

// decodeList strictly decodes a YAML document holding a list into out (a pointer to a
// slice) and returns the line of each list item.
func decodeList(data []byte, out any) (lines []int, err error) {
	defer func() {
		if r := recover(); r != nil {
			lines, err = nil, fmt.Errorf("decoder failure: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(out); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("file is empty")
		}
		return nil, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, errors.New("file holds more than one YAML document")
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err == nil && len(doc.Content) == 1 && doc.Content[0].Kind == yaml.SequenceNode {
		for _, item := range doc.Content[0].Content {
			lines = append(lines, item.Line)
		}
	}
	return lines, nil
}

func lineOf(lines []int, i int) int {
	if i < 0 || i >= len(lines) {
		return 0
	}
	return lines[i]
}
