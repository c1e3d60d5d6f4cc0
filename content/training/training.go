// Package training holds Onramp's IT training curriculum and loads it.
//
// Each module lives in its own folder under modules/<id>/: a module.yaml that
// describes the module (title, tracks it suits, skills it evidences, lessons and
// quiz) and two to four Markdown lessons beside it. The tree is embedded into the
// binary, validated strictly when loaded, and the lessons are rendered to HTML with
// goldmark in safe mode, so raw HTML written in a lesson never reaches a browser.
//
// Quizzes are graded on the server with [Module.Grade]; a module sent to the browser
// before an attempt must first go through [Module.Public], which strips the answer
// key and the explanations.
//
// Skills are declared by their catalogue id only: this package does not import the
// skills catalogue. Wire the two together with [CheckSkills].
package training

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"onramp.dev/content"
)

//go:embed modules
var files embed.FS

// modulesDir is the folder, at the root of the file system given to LoadFS, that
// holds one sub-folder per module.
const modulesDir = "modules"

// moduleFile is the name of the description file inside each module folder.
const moduleFile = "module.yaml"

// Module is one training module: a few short lessons followed by a quiz.
type Module struct {
	// ID is the module's stable kebab-case id; it equals the folder name.
	ID string `yaml:"id" json:"id"`
	// Title is the human-readable name of the module.
	Title string `yaml:"title" json:"title"`
	// Summary says in one or two sentences what the learner gets out of it.
	Summary string `yaml:"summary" json:"summary"`
	// Minutes is the estimated time to read the lessons and take the quiz.
	Minutes int `yaml:"minutes" json:"minutes"`
	// Tracks lists the role tracks (see content.Tracks) the module suits.
	Tracks []string `yaml:"tracks" json:"tracks"`
	// PassMark is the quiz score, in percent (1–100), needed to pass.
	PassMark int `yaml:"pass_mark" json:"pass_mark"`
	// MaxAttempts is how many times a learner may take the quiz (at least 1).
	MaxAttempts int `yaml:"max_attempts" json:"max_attempts"`
	// Skills lists the catalogue skills that passing the module evidences.
	Skills []SkillLevel `yaml:"skills" json:"skills"`
	// Lessons are the module's lessons in reading order.
	Lessons []Lesson `yaml:"lessons" json:"lessons"`
	// Quiz is the assessment taken after the lessons.
	Quiz Quiz `yaml:"quiz" json:"quiz"`
}

// SkillLevel names a skill of the skills catalogue by id and the proficiency level
// (on the seven-step scale, 1 follow … 7 set strategy) that passing evidences.
type SkillLevel struct {
	Skill string `yaml:"skill" json:"skill"`
	Level int    `yaml:"level" json:"level"`
}

// Lesson is one Markdown lesson of a module.
type Lesson struct {
	// ID is the lesson's kebab-case id, unique within its module.
	ID string `yaml:"id" json:"id"`
	// Title is shown above the lesson; the Markdown itself starts below it.
	Title string `yaml:"title" json:"title"`
	// File is the Markdown file's name inside the module folder.
	File string `yaml:"file" json:"file"`
	// Markdown is the lesson source as written.
	Markdown string `yaml:"-" json:"markdown,omitempty"`
	// HTML is the lesson rendered in safe mode (raw HTML omitted, GFM tables,
	// heading ids). Links to other lessons of the same module ("02-restore.md")
	// are rewritten to the target lesson's id ("restore"), relative to the current
	// page, so a page served at …/<module-id>/<lesson-id> links to its siblings.
	HTML string `yaml:"-" json:"html,omitempty"`
}

// Quiz is the assessment at the end of a module.
type Quiz struct {
	Questions []Question `yaml:"questions" json:"questions"`
}

// Question kinds.
const (
	// KindSingle is a question with exactly one correct choice.
	KindSingle = "single"
	// KindMultiple is a question where every correct choice, and only those,
	// must be selected.
	KindMultiple = "multiple"
)

// Question is one quiz question.
type Question struct {
	// ID is unique within the quiz.
	ID string `yaml:"id" json:"id"`
	// Text is the question as shown to the learner.
	Text string `yaml:"text" json:"text"`
	// Kind is KindSingle or KindMultiple.
	Kind string `yaml:"kind" json:"kind"`
	// Choices are the possible answers, in display order.
	Choices []Choice `yaml:"choices" json:"choices"`
	// Explanation tells why the right answer is right; shown after grading.
	Explanation string `yaml:"explanation" json:"explanation,omitempty"`
}

// Choice is one possible answer of a question.
type Choice struct {
	// ID is unique within its question.
	ID string `yaml:"id" json:"id"`
	// Text is the answer as shown to the learner.
	Text string `yaml:"text" json:"text"`
	// Correct marks the answer key. It is never sent to a browser: see Module.Public.
	Correct bool `yaml:"correct" json:"correct,omitempty"`
}

// Load returns every shipped module, validated, with lessons rendered, sorted by id.
// Each call parses the embedded files afresh and returns values the caller owns;
// call it once at start-up and keep the result.
func Load() ([]Module, error) { return LoadFS(files) }

// LoadFS loads the modules from fsys, which is laid out like the embedded tree:
// modules/<id>/module.yaml plus the lesson files beside it. Files directly under
// modules/ are ignored. Every problem found is reported (joined with errors.Join),
// each naming the module and what is wrong; on any problem no module is returned.
func LoadFS(fsys fs.FS) ([]Module, error) {
	ts, err := content.Tracks()
	if err != nil {
		return nil, fmt.Errorf("training: %w", err)
	}
	tracks := make(map[string]bool, len(ts))
	for _, t := range ts {
		tracks[t.ID] = true
	}

	entries, err := fs.ReadDir(fsys, modulesDir)
	if err != nil {
		return nil, fmt.Errorf("training: read %s: %w", modulesDir, err)
	}
	var (
		mods  []Module
		errs  []error
		where = map[string]string{} // module id -> folder that declared it
	)
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		dir := path.Join(modulesDir, e.Name())
		m, err := loadModule(fsys, dir, tracks)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if prev, dup := where[m.ID]; dup {
			errs = append(errs, fmt.Errorf("training: module %q: duplicate module id (folders %s and %s)", m.ID, prev, dir))
			continue
		}
		where[m.ID] = dir
		mods = append(mods, m)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	if len(mods) == 0 {
		return nil, fmt.Errorf("training: no module folders under %s", modulesDir)
	}
	slices.SortFunc(mods, func(a, b Module) int { return strings.Compare(a.ID, b.ID) })
	return mods, nil
}

// loadModule reads, validates and renders the module in folder dir.
func loadModule(fsys fs.FS, dir string, tracks map[string]bool) (Module, error) {
	file := path.Join(dir, moduleFile)
	b, err := fs.ReadFile(fsys, file)
	if err != nil {
		return Module{}, fmt.Errorf("training: module folder %s: %w", dir, err)
	}
	m, err := parseModule(b)
	if err != nil {
		return Module{}, fmt.Errorf("training: %s: %w", file, err)
	}
	name := m.ID
	if name == "" {
		name = path.Base(dir)
	}
	c := &checker{module: name, dir: dir}
	c.checkModule(&m, path.Base(dir), tracks)
	c.loadLessons(fsys, dir, &m)
	if err := c.err(); err != nil {
		return Module{}, err
	}
	return m, nil
}

// Public returns a deep copy of m that is safe to send to a browser before an
// attempt: every Choice.Correct is false and every Question.Explanation is empty.
// The original module is not changed.
func (m Module) Public() Module {
	p := m
	p.Tracks = slices.Clone(m.Tracks)
	p.Skills = slices.Clone(m.Skills)
	p.Lessons = slices.Clone(m.Lessons)
	p.Quiz.Questions = make([]Question, len(m.Quiz.Questions))
	for i, q := range m.Quiz.Questions {
		q.Explanation = ""
		cs := make([]Choice, len(q.Choices))
		for j, ch := range q.Choices {
			ch.Correct = false
			cs[j] = ch
		}
		q.Choices = cs
		p.Quiz.Questions[i] = q
	}
	return p
}
