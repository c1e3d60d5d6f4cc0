package training

import (
	"fmt"
	"testing"
	"testing/fstest"

	"gopkg.in/yaml.v3"
)

// validModule returns a small module that passes every validation rule.
func validModule() Module {
	m := Module{
		ID:          "sample",
		Title:       "Sample module",
		Summary:     "A module used by the tests.",
		Minutes:     10,
		Tracks:      []string{"operations", "service-desk"},
		PassMark:    60,
		MaxAttempts: 3,
		Skills:      []SkillLevel{{Skill: "troubleshooting", Level: 2}},
		Lessons: []Lesson{
			{ID: "intro", Title: "Introduction", File: "01-intro.md"},
			{ID: "more", Title: "More", File: "02-more.md"},
		},
	}
	for i := 1; i <= 5; i++ {
		q := Question{
			ID:          fmt.Sprintf("q%d", i),
			Text:        fmt.Sprintf("Question %d?", i),
			Kind:        KindSingle,
			Explanation: "Because.",
			Choices: []Choice{
				{ID: "a", Text: "Right", Correct: true},
				{ID: "b", Text: "Wrong"},
				{ID: "c", Text: "Also wrong"},
			},
		}
		if i == 5 {
			q.Kind = KindMultiple
			q.Choices[2].Correct = true // a and c
		}
		m.Quiz.Questions = append(m.Quiz.Questions, q)
	}
	return m
}

// lessonFiles are the Markdown bodies that go with validModule.
func lessonFiles() map[string]string {
	return map[string]string{
		"01-intro.md": "## Start\n\nRead [the next lesson](02-more.md) or [this part](#start).\n\n- one\n- two\n",
		"02-more.md":  "## More\n\nBack to [the intro](./01-intro.md#start), or see <https://example.com/docs>.\n",
	}
}

// moduleFS lays out m (marshalled to YAML) and its lesson files under modules/<dir>/.
func moduleFS(t testing.TB, dir string, m Module, lessons map[string]string) fstest.MapFS {
	t.Helper()
	b, err := yaml.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	fsys := fstest.MapFS{"modules/" + dir + "/module.yaml": {Data: b}}
	for name, body := range lessons {
		fsys["modules/"+dir+"/"+name] = &fstest.MapFile{Data: []byte(body)}
	}
	return fsys
}
