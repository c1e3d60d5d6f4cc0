package training

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"regexp"
	"strings"

	"gopkg.in/yaml.v3"
)

// Limits on what a module may declare.
const (
	// MinQuestions is the fewest questions a quiz may have.
	MinQuestions = 5
	// MinSkillLevel and MaxSkillLevel bound a skill level (the seven-step scale).
	MinSkillLevel = 1
	MaxSkillLevel = 7
	// maxModuleYAML caps the size of a module.yaml read by the parser.
	maxModuleYAML = 1 << 20
)

// kebab matches a kebab-case id: lower-case letters and digits in groups joined by
// single hyphens. Module, lesson, question, choice and skill ids all use it.
var kebab = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// parseModule decodes one module.yaml strictly: unknown fields, a second YAML
// document or an empty file are errors. A panic inside the YAML decoder is turned
// into an error, since LoadFS may be given files from anywhere.
func parseModule(b []byte) (m Module, err error) {
	if len(b) > maxModuleYAML {
		return Module{}, fmt.Errorf("file is %d bytes, more than the %d allowed", len(b), maxModuleYAML)
	}
	defer func() {
		if r := recover(); r != nil {
			m, err = Module{}, fmt.Errorf("YAML decoder failed: %v", r)
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		if errors.Is(err, io.EOF) {
			return Module{}, errors.New("file is empty")
		}
		return Module{}, err
	}
	var extra yaml.Node
	switch err := dec.Decode(&extra); {
	case errors.Is(err, io.EOF):
		return m, nil
	case err != nil:
		return Module{}, err
	default:
		return Module{}, errors.New("file holds more than one YAML document")
	}
}

// checker collects the problems found in one module.
type checker struct {
	module string // the module id, or the folder name when the id is missing
	dir    string // the module folder, named in messages when it differs from module
	errs   []error
}

// addf records a problem; the message is prefixed with the module id.
func (c *checker) addf(format string, args ...any) {
	where := fmt.Sprintf("module %q", c.module)
	if path.Base(c.dir) != c.module {
		where += " (" + c.dir + ")"
	}
	c.errs = append(c.errs, fmt.Errorf("training: %s: %w", where, fmt.Errorf(format, args...)))
}

// err returns every recorded problem joined, or nil.
func (c *checker) err() error { return errors.Join(c.errs...) }

// checkID records a problem if id is empty or not kebab-case.
func (c *checker) checkID(what, id string) bool {
	switch {
	case id == "":
		c.addf("%s: id is required", what)
		return false
	case !kebab.MatchString(id):
		c.addf("%s: id %q is not kebab-case (a-z, 0-9, single hyphens)", what, id)
		return false
	}
	return true
}

// required records a problem if value is blank.
func (c *checker) required(what, field, value string) {
	if strings.TrimSpace(value) == "" {
		c.addf("%s: %s is required", what, field)
	}
}

// checkModule validates everything in module.yaml except the lesson files.
func (c *checker) checkModule(m *Module, folder string, tracks map[string]bool) {
	if c.checkID("module", m.ID) && m.ID != folder {
		c.addf("id %q differs from its folder name %q", m.ID, folder)
	}
	c.required("module", "title", m.Title)
	c.required("module", "summary", m.Summary)
	if m.Minutes < 1 {
		c.addf("minutes %d must be at least 1", m.Minutes)
	}
	if m.PassMark < 1 || m.PassMark > 100 {
		c.addf("pass_mark %d is outside 1..100", m.PassMark)
	}
	if m.MaxAttempts < 1 {
		c.addf("max_attempts %d must be at least 1", m.MaxAttempts)
	}

	if len(m.Tracks) == 0 {
		c.addf("tracks: at least one track is required")
	}
	seen := map[string]bool{}
	for _, t := range m.Tracks {
		switch {
		case !tracks[t]:
			c.addf("tracks: unknown track %q", t)
		case seen[t]:
			c.addf("tracks: %q listed twice", t)
		}
		seen[t] = true
	}

	if len(m.Skills) == 0 {
		c.addf("skills: at least one skill is required")
	}
	seen = map[string]bool{}
	for i, s := range m.Skills {
		what := fmt.Sprintf("skills[%d]", i)
		if c.checkID(what, s.Skill) {
			if seen[s.Skill] {
				c.addf("skills: %q listed twice", s.Skill)
			}
			seen[s.Skill] = true
		}
		if s.Level < MinSkillLevel || s.Level > MaxSkillLevel {
			c.addf("skill %q: level %d is outside %d..%d", s.Skill, s.Level, MinSkillLevel, MaxSkillLevel)
		}
	}

	if len(m.Lessons) == 0 {
		c.addf("lessons: at least one lesson is required")
	}
	ids, fileSeen := map[string]bool{}, map[string]bool{}
	for i, l := range m.Lessons {
		what := fmt.Sprintf("lesson %q", l.ID)
		if l.ID == "" {
			what = fmt.Sprintf("lessons[%d]", i)
		}
		if c.checkID(what, l.ID) {
			if ids[l.ID] {
				c.addf("duplicate lesson id %q", l.ID)
			}
			ids[l.ID] = true
		}
		c.required(what, "title", l.Title)
		switch {
		case l.File == "":
			c.addf("%s: file is required", what)
		case !validLessonFile(l.File):
			c.addf("%s: file %q must be a .md file name inside the module folder", what, l.File)
		case fileSeen[l.File]:
			c.addf("%s: file %q is used by another lesson", what, l.File)
		}
		fileSeen[l.File] = true
	}

	c.checkQuiz(m.Quiz)
}

// validLessonFile reports whether name is a plain Markdown file name (no folders).
func validLessonFile(name string) bool {
	return fs.ValidPath(name) && !strings.Contains(name, "/") && name != "." &&
		strings.HasSuffix(name, ".md") && len(name) > len(".md")
}

// checkQuiz validates the questions and their choices.
func (c *checker) checkQuiz(q Quiz) {
	if len(q.Questions) < MinQuestions {
		c.addf("quiz: has %d questions, at least %d are required", len(q.Questions), MinQuestions)
	}
	ids := map[string]bool{}
	for i, qu := range q.Questions {
		what := fmt.Sprintf("question %q", qu.ID)
		if qu.ID == "" {
			what = fmt.Sprintf("questions[%d]", i)
		}
		if c.checkID(what, qu.ID) {
			if ids[qu.ID] {
				c.addf("duplicate question id %q", qu.ID)
			}
			ids[qu.ID] = true
		}
		c.required(what, "text", qu.Text)
		c.required(what, "explanation", qu.Explanation)
		if len(qu.Choices) < 2 {
			c.addf("%s: has %d choices, at least 2 are required", what, len(qu.Choices))
		}
		correct := 0
		choiceIDs := map[string]bool{}
		for j, ch := range qu.Choices {
			cwhat := fmt.Sprintf("%s choice %q", what, ch.ID)
			if ch.ID == "" {
				cwhat = fmt.Sprintf("%s choices[%d]", what, j)
			}
			if c.checkID(cwhat, ch.ID) {
				if choiceIDs[ch.ID] {
					c.addf("%s: duplicate choice id %q", what, ch.ID)
				}
				choiceIDs[ch.ID] = true
			}
			c.required(cwhat, "text", ch.Text)
			if ch.Correct {
				correct++
			}
		}
		switch qu.Kind {
		case KindSingle:
			if correct != 1 {
				c.addf("%s: a single-choice question needs exactly one correct choice, has %d", what, correct)
			}
		case KindMultiple:
			if correct < 1 {
				c.addf("%s: a multiple-choice question needs at least one correct choice", what)
			}
		case "":
			c.addf("%s: kind is required (single or multiple)", what)
		default:
			c.addf("%s: kind %q is neither single nor multiple", what, qu.Kind)
		}
	}
}
