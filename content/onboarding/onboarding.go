// Package onboarding holds Onramp's onboarding templates: one checklist per role track,
// kept as YAML files in this folder (<track>.yaml) and embedded into the binary.
//
// A template is a plain list of tasks. Every task has an owner (the new hire, their lead,
// IT, HR or the mentor), a section of the plan (before day one, day one, first week, first,
// second and third month) and a due day counted from the start date. Load parses and
// validates every shipped template; Parse does the same for one file.
package onboarding

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"

	"onramp.dev/content"
)

//go:embed *.yaml
var files embed.FS

// FS returns the embedded template files, read-only.
func FS() fs.FS { return files }

// Template is the onboarding checklist for one role track.
type Template struct {
	// Track is the id of the role track (see content.Tracks), e.g. "security".
	Track string `yaml:"track" json:"track"`
	// Version starts at 1 and goes up whenever the task list changes in a way that
	// matters to plans already made from the template.
	Version int `yaml:"version" json:"version"`
	// Title is the heading shown to the people following the plan.
	Title string `yaml:"title" json:"title"`
	// Tasks are in the order they are shown, grouped by section.
	Tasks []Task `yaml:"tasks" json:"tasks"`
}

// Task is one item of an onboarding checklist.
type Task struct {
	// ID is stable across versions (kebab-case, unique within the template), so that
	// plans made from an older version can be matched with a newer one.
	ID          string `yaml:"id" json:"id"`
	Title       string `yaml:"title" json:"title"`
	Description string `yaml:"description" json:"description"`
	// Owner is who completes the task: one of the ids in Owners.
	Owner string `yaml:"owner" json:"owner"`
	// Section is the part of the plan the task belongs to: one of the ids in Sections.
	Section string `yaml:"section" json:"section"`
	// Due is the day the task is due, counted the way the plan counts: day 1 is the start
	// date, day 2 the day after, day 0 the day before the start and day -5 six days
	// before it. It must lie within the section's range (see Section). Use DueDate to
	// turn it into a calendar date.
	Due int `yaml:"due" json:"due"`
	// NeedsEvidence means the owner must leave a note or a link when completing the task.
	NeedsEvidence bool `yaml:"needs_evidence,omitempty" json:"needs_evidence,omitempty"`
	// Module is the training module the task is about (a module id), if any: the plan
	// links it until the task is done.
	Module string `yaml:"module,omitempty" json:"module,omitempty"`
}

// DueDate returns the calendar date the task is due for someone starting on start:
// start itself for day 1, the day before for day 0, and so on.
func (t Task) DueDate(start time.Time) time.Time {
	return start.AddDate(0, 0, t.Due-1)
}

// Owner is someone who can own onboarding tasks.
type Owner struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// Owners lists the task owners in display order.
var Owners = []Owner{
	{ID: "hire", Name: "New hire"},
	{ID: "lead", Name: "Team lead"},
	{ID: "it", Name: "IT"},
	{ID: "hr", Name: "HR"},
	{ID: "mentor", Name: "Mentor"},
}

// OwnerName returns the display name of an owner id, or "" if the id is unknown.
func OwnerName(id string) string {
	for _, o := range Owners {
		if o.ID == id {
			return o.Name
		}
	}
	return ""
}

// Section is a part of an onboarding plan. Tasks in a section must be due between
// FirstDay and LastDay inclusive (days counted as in Task.Due).
type Section struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	FirstDay int    `json:"first_day"`
	LastDay  int    `json:"last_day"`
}

// Sections lists the sections of a plan in their fixed order. The day ranges do not
// overlap, so a task's due day alone tells which section it belongs to.
var Sections = []Section{
	{ID: "pre-start", Name: "Before day one", FirstDay: -30, LastDay: 0},
	{ID: "day-1", Name: "Day one", FirstDay: 1, LastDay: 1},
	{ID: "week-1", Name: "First week", FirstDay: 2, LastDay: 7},
	{ID: "month-1", Name: "First month", FirstDay: 8, LastDay: 30},
	{ID: "month-2", Name: "Second month", FirstDay: 31, LastDay: 60},
	{ID: "month-3", Name: "Third month", FirstDay: 61, LastDay: 90},
}

// SectionName returns the display name of a section id, or "" if the id is unknown.
func SectionName(id string) string {
	if s, ok := section(id); ok {
		return s.Name
	}
	return ""
}

func section(id string) (Section, bool) {
	i := slices.IndexFunc(Sections, func(s Section) bool { return s.ID == id })
	if i < 0 {
		return Section{}, false
	}
	return Sections[i], true
}

// Errors reported by Parse and Load. Each error they return wraps one of these (several,
// joined, when a file has more than one problem), so callers can test with errors.Is.
var (
	ErrSyntax          = errors.New("invalid YAML")
	ErrMissingField    = errors.New("missing required field")
	ErrBadID           = errors.New("task id is not kebab-case")
	ErrUnknownOwner    = errors.New("unknown owner")
	ErrUnknownSection  = errors.New("unknown section")
	ErrDuplicateID     = errors.New("duplicate task id")
	ErrBadVersion      = errors.New("version must be 1 or more")
	ErrDueOutOfRange   = errors.New("due day outside its section")
	ErrUnknownTrack    = errors.New("unknown track")
	ErrWrongFile       = errors.New("template in the wrong file")
	ErrMissingTemplate = errors.New("track has no template")
)

var kebab = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Load parses and validates every embedded template and returns them keyed by track. It
// fails if any file is invalid, if a file is not named after its track, or if a known
// track has no template.
// The embedded files are parsed and validated once; each call gets its own copy.
func Load() (map[string]Template, error) {
	ts, err := loaded()
	if err != nil {
		return nil, err
	}
	out := make(map[string]Template, len(ts))
	for k, t := range ts {
		t.Tasks = slices.Clone(t.Tasks)
		out[k] = t
	}
	return out, nil
}

var loaded = sync.OnceValues(func() (map[string]Template, error) { return load(files) })

// load does the work of Load on any file system holding <track>.yaml files.
func load(fsys fs.FS) (map[string]Template, error) {
	names, err := fs.Glob(fsys, "*.yaml")
	if err != nil {
		return nil, fmt.Errorf("onboarding: list templates: %w", err)
	}
	tracks, err := content.Tracks()
	if err != nil {
		return nil, fmt.Errorf("onboarding: %w", err)
	}
	out := make(map[string]Template, len(names))
	var errs []error
	for _, name := range names {
		data, err := fs.ReadFile(fsys, name)
		if err != nil {
			errs = append(errs, fmt.Errorf("onboarding: read %s: %w", name, err))
			continue
		}
		t, err := Parse(name, data)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if want := strings.TrimSuffix(path.Base(name), ".yaml"); t.Track != want {
			errs = append(errs, fmt.Errorf("%s: %w: track %q belongs in %s.yaml", name, ErrWrongFile, t.Track, t.Track))
			continue
		}
		out[t.Track] = t
	}
	for _, tr := range tracks {
		if _, ok := out[tr.ID]; !ok && !slices.Contains(names, tr.ID+".yaml") {
			errs = append(errs, fmt.Errorf("onboarding: %w: %q (add %s.yaml)", ErrMissingTemplate, tr.ID, tr.ID))
		}
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}

// Parse decodes one template file and validates it; name is used in error messages only.
// Decoding is strict: unknown or misspelt field names are errors, numbers must be whole,
// and every task needs id, title, description, owner, section and due. All validation
// problems are reported together; each names the file, the task (1-based index and id)
// and the problem.
func Parse(name string, data []byte) (Template, error) {
	raw, err := decode(data)
	if err != nil {
		return Template{}, fmt.Errorf("%s: %w: %w", name, ErrSyntax, err)
	}
	if errs := raw.validate(name); len(errs) > 0 {
		return Template{}, errors.Join(errs...)
	}
	t := Template{Track: raw.Track, Version: int(raw.Version), Title: raw.Title, Tasks: make([]Task, len(raw.Tasks))}
	for i, rt := range raw.Tasks {
		t.Tasks[i] = Task{
			ID: rt.ID, Title: rt.Title, Description: rt.Description,
			Owner: rt.Owner, Section: rt.Section, Due: int(*rt.Due), NeedsEvidence: rt.NeedsEvidence, Module: rt.Module,
		}
	}
	return t, nil
}

// rawTemplate and rawTask mirror Template and Task for decoding: numbers must be written
// as YAML integers (the YAML library would silently truncate 2.5 to 2 otherwise), and a
// missing due day can be told apart from day 0.
type rawTemplate struct {
	Track   string    `yaml:"track"`
	Version wholeNum  `yaml:"version"`
	Title   string    `yaml:"title"`
	Tasks   []rawTask `yaml:"tasks"`
}

type rawTask struct {
	ID            string    `yaml:"id"`
	Title         string    `yaml:"title"`
	Description   string    `yaml:"description"`
	Owner         string    `yaml:"owner"`
	Section       string    `yaml:"section"`
	Due           *wholeNum `yaml:"due"`
	NeedsEvidence bool      `yaml:"needs_evidence"`
	Module        string    `yaml:"module"`
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

// decode reads exactly one YAML document, rejecting unknown fields.
func decode(data []byte) (t rawTemplate, err error) {
	// The YAML library is not expected to panic, but a template upload must never take
	// the process down: turn any panic into an error.
	defer func() {
		if r := recover(); r != nil {
			t, err = rawTemplate{}, fmt.Errorf("decoder failure: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&t); err != nil {
		if errors.Is(err, io.EOF) {
			return rawTemplate{}, errors.New("file is empty")
		}
		return rawTemplate{}, err
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return rawTemplate{}, errors.New("file holds more than one YAML document")
	}
	return t, nil
}

// validate returns every problem found in t, each prefixed with the file name.
func (t rawTemplate) validate(name string) []error {
	var errs []error
	add := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: "+format, append([]any{name}, args...)...))
	}
	switch {
	case t.Track == "":
		add("%w: track", ErrMissingField)
	case !content.IsTrack(t.Track):
		add("%w %q", ErrUnknownTrack, t.Track)
	}
	if t.Version < 1 {
		add("%w (got %d)", ErrBadVersion, t.Version)
	}
	if strings.TrimSpace(t.Title) == "" {
		add("%w: title", ErrMissingField)
	}
	if len(t.Tasks) == 0 {
		add("%w: tasks (the template has no tasks)", ErrMissingField)
	}
	seen := make(map[string]int, len(t.Tasks))
	for i, task := range t.Tasks {
		where := fmt.Sprintf("task %d", i+1)
		if task.ID != "" {
			where += fmt.Sprintf(" (%s)", task.ID)
		}
		for _, f := range []struct{ field, value string }{
			{"id", task.ID},
			{"title", task.Title},
			{"description", task.Description},
			{"owner", task.Owner},
			{"section", task.Section},
		} {
			if strings.TrimSpace(f.value) == "" {
				add("%s: %w: %s", where, ErrMissingField, f.field)
			}
		}
		if task.ID != "" {
			if !kebab.MatchString(task.ID) {
				add("%s: %w: use lower-case letters, digits and single hyphens", where, ErrBadID)
			}
			if first, dup := seen[task.ID]; dup {
				add("%s: %w %q (first used by task %d)", where, ErrDuplicateID, task.ID, first)
			} else {
				seen[task.ID] = i + 1
			}
		}
		if task.Owner != "" && OwnerName(task.Owner) == "" {
			add("%s: %w %q (want one of %s)", where, ErrUnknownOwner, task.Owner, ownerIDs())
		}
		if task.Section != "" {
			s, ok := section(task.Section)
			if !ok {
				add("%s: %w %q (want one of %s)", where, ErrUnknownSection, task.Section, sectionIDs())
			} else if task.Due != nil && (int(*task.Due) < s.FirstDay || int(*task.Due) > s.LastDay) {
				add("%s: %w: due %d, but section %s covers days %d to %d", where, ErrDueOutOfRange, *task.Due, s.ID, s.FirstDay, s.LastDay)
			}
		}
		if task.Due == nil {
			add("%s: %w: due", where, ErrMissingField)
		}
	}
	return errs
}

func ownerIDs() string {
	ids := make([]string, len(Owners))
	for i, o := range Owners {
		ids[i] = o.ID
	}
	return strings.Join(ids, ", ")
}

func sectionIDs() string {
	ids := make([]string, len(Sections))
	for i, s := range Sections {
		ids[i] = s.ID
	}
	return strings.Join(ids, ", ")
}
