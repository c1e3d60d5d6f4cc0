package training

import (
	"errors"
	"path"
	"strings"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"
)

// answersFromBytes turns fuzz input into an answers map. Each line is
// "question=choice,choice"; a line without "=" uses the bytes to pick real ids
// from m, so the fuzzer reaches valid as well as invalid attempts.
func answersFromBytes(m Module, data []byte) map[string][]string {
	answers := map[string][]string{}
	for _, line := range strings.Split(string(data), "\n") {
		if q, cs, ok := strings.Cut(line, "="); ok {
			answers[q] = append(answers[q], strings.Split(cs, ",")...)
			continue
		}
		if len(line) == 0 || len(m.Quiz.Questions) == 0 {
			continue
		}
		q := m.Quiz.Questions[int(line[0])%len(m.Quiz.Questions)]
		for _, b := range []byte(line[1:]) {
			answers[q.ID] = append(answers[q.ID], q.Choices[int(b)%len(q.Choices)].ID)
		}
		if len(line) == 1 {
			answers[q.ID] = nil
		}
	}
	return answers
}

func FuzzGrade(f *testing.F) {
	mods, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	mods = append(mods, validModule())
	f.Add(byte(0), []byte("q1=a\nq5=a,c"))
	f.Add(byte(1), []byte("\x00\x01\n\x01\x02\x03\n\x02"))
	f.Add(byte(2), []byte("nope=a\n=\n,,"))
	f.Add(byte(3), []byte("\x05\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, pick byte, data []byte) {
		m := mods[int(pick)%len(mods)]
		answers := answersFromBytes(m, data)
		r, err := m.Grade(answers)
		if err != nil {
			if !errors.Is(err, ErrUnknownQuestion) && !errors.Is(err, ErrUnknownChoice) && !errors.Is(err, ErrTooManyChoices) {
				t.Fatalf("unexpected error kind: %v", err)
			}
			return
		}
		if r.Score < 0 || r.Score > 100 || r.Passed != (r.Score >= m.PassMark) {
			t.Fatalf("inconsistent result %+v (pass mark %d)", r, m.PassMark)
		}
		right := 0
		for _, ok := range r.Correct {
			if ok {
				right++
			}
		}
		if len(r.Correct) != len(m.Quiz.Questions) || r.Score != right*100/len(m.Quiz.Questions) {
			t.Fatalf("score %d does not match %d/%d correct", r.Score, right, len(m.Quiz.Questions))
		}
		if r2, err := m.Grade(answers); err != nil || r2.Score != r.Score {
			t.Fatalf("grading is not deterministic: %+v %v", r2, err)
		}
		if _, err := m.Public().Grade(answers); !errors.Is(err, ErrNoAnswerKey) {
			t.Fatalf("grading a public copy: err = %v, want ErrNoAnswerKey", err)
		}
	})
}

func FuzzLoadModuleYAML(f *testing.F) {
	// Seeds are kept small on purpose: the fuzzer minimises every input that finds
	// new coverage, and minimising a full shipped module.yaml (several KB) takes
	// most of a short fuzzing run. The shipped files are checked by the ordinary
	// tests; here the sample module covers every field.
	sample, err := yaml.Marshal(validModule())
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample)
	f.Add([]byte("id: x\n"))
	f.Add([]byte("a: &a [*a, *a]\nb: [*a, *a]\n"))
	f.Add([]byte("quiz: {questions: [{choices: [{correct: true}, {correct: true}]}]}"))
	f.Add([]byte("id: x\n---\nid: y\n"))
	f.Add([]byte("lessons: [{id: a, title: A, file: ../a.md}]\ncolour: red\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		m, err := parseModule(data)
		if err != nil {
			return
		}
		// Give the parsed module a tree in which it could be valid: its own
		// folder and a small lesson for every declared lesson file.
		dir := m.ID
		if !kebab.MatchString(dir) {
			dir = "fuzz"
		}
		fsys := fstest.MapFS{path.Join(modulesDir, dir, moduleFile): {Data: data}}
		for _, l := range m.Lessons {
			if validLessonFile(l.File) {
				fsys[path.Join(modulesDir, dir, l.File)] = &fstest.MapFile{Data: []byte("## Lesson\n\n- point\n")}
			}
		}
		mods, err := LoadFS(fsys)
		if err != nil {
			if mods != nil {
				t.Fatal("modules returned with an error")
			}
			return
		}
		if len(mods) != 1 {
			t.Fatalf("got %d modules", len(mods))
		}
		got := mods[0]
		if r, err := got.Grade(allRight(got)); err != nil || r.Score != 100 || !r.Passed {
			t.Fatalf("valid module does not grade its own key: %+v %v", r, err)
		}
		for _, q := range got.Public().Quiz.Questions {
			if q.Explanation != "" {
				t.Fatal("public copy keeps explanations")
			}
			for _, c := range q.Choices {
				if c.Correct {
					t.Fatal("public copy keeps correct flags")
				}
			}
		}
	})
}
