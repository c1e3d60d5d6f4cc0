package training

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

// allRight answers every question of m with exactly its correct choices.
func allRight(m Module) map[string][]string {
	a := map[string][]string{}
	for _, q := range m.Quiz.Questions {
		for _, c := range q.Choices {
			if c.Correct {
				a[q.ID] = append(a[q.ID], c.ID)
			}
		}
	}
	return a
}

func TestGrade(t *testing.T) {
	m := validModule() // q1..q4 single (a), q5 multiple (a+c); pass mark 60
	cases := []struct {
		name    string
		answers map[string][]string
		score   int
		passed  bool
		correct map[string]bool
	}{
		{name: "all right", answers: allRight(m), score: 100, passed: true,
			correct: map[string]bool{"q1": true, "q2": true, "q3": true, "q4": true, "q5": true}},
		{name: "nothing answered", answers: nil, score: 0, passed: false,
			correct: map[string]bool{"q1": false, "q2": false, "q3": false, "q4": false, "q5": false}},
		{name: "partial, passing exactly at the mark",
			answers: map[string][]string{"q1": {"a"}, "q2": {"a"}, "q3": {"a"}, "q4": {"b"}, "q5": {"a"}},
			score:   60, passed: true,
			correct: map[string]bool{"q1": true, "q2": true, "q3": true, "q4": false, "q5": false}},
		{name: "partial, failing",
			answers: map[string][]string{"q1": {"a"}, "q2": {"b"}},
			score:   20, passed: false,
			correct: map[string]bool{"q1": true, "q2": false, "q3": false, "q4": false, "q5": false}},
		{name: "multiple: subset is wrong", answers: map[string][]string{"q5": {"c"}}, score: 0,
			correct: map[string]bool{"q1": false, "q2": false, "q3": false, "q4": false, "q5": false}},
		{name: "multiple: superset is wrong", answers: map[string][]string{"q5": {"a", "b", "c"}}, score: 0,
			correct: map[string]bool{"q1": false, "q2": false, "q3": false, "q4": false, "q5": false}},
		{name: "multiple: exact set in any order, repeats ignored", answers: map[string][]string{"q5": {"c", "a", "c"}}, score: 20,
			correct: map[string]bool{"q1": false, "q2": false, "q3": false, "q4": false, "q5": true}},
		{name: "single: repeated same choice counts once", answers: map[string][]string{"q1": {"a", "a"}}, score: 20,
			correct: map[string]bool{"q1": true, "q2": false, "q3": false, "q4": false, "q5": false}},
		{name: "empty selection is unanswered", answers: map[string][]string{"q1": {}}, score: 0,
			correct: map[string]bool{"q1": false, "q2": false, "q3": false, "q4": false, "q5": false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r, err := m.Grade(c.answers)
			if err != nil {
				t.Fatal(err)
			}
			if r.Score != c.score || r.Passed != c.passed {
				t.Errorf("score %d passed %v, want %d %v", r.Score, r.Passed, c.score, c.passed)
			}
			if len(r.Correct) != len(c.correct) {
				t.Errorf("Correct has %d entries, want %d", len(r.Correct), len(c.correct))
			}
			for id, want := range c.correct {
				if got, ok := r.Correct[id]; !ok || got != want {
					t.Errorf("Correct[%s] = %v, %v; want %v", id, got, ok, want)
				}
			}
			for _, q := range m.Quiz.Questions {
				if r.Explanations[q.ID] != q.Explanation {
					t.Errorf("Explanations[%s] = %q", q.ID, r.Explanations[q.ID])
				}
			}
		})
	}
}

func TestGradeRoundsDown(t *testing.T) {
	m := validModule()
	m.Quiz.Questions = append(m.Quiz.Questions, m.Quiz.Questions[0]) // 6 questions
	m.Quiz.Questions[5].ID = "q6"
	m.PassMark = 67
	// 4 of 6 = 66.67% -> 66, below 67.
	r, err := m.Grade(map[string][]string{"q1": {"a"}, "q2": {"a"}, "q3": {"a"}, "q4": {"a"}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Score != 66 || r.Passed {
		t.Errorf("got score %d passed %v, want 66 false", r.Score, r.Passed)
	}
}

func TestGradeErrors(t *testing.T) {
	m := validModule()
	cases := []struct {
		name    string
		answers map[string][]string
		want    error
		mention string
	}{
		{"unknown question", map[string][]string{"q1": {"a"}, "q99": {"a"}}, ErrUnknownQuestion, `"q99"`},
		{"unknown choice", map[string][]string{"q2": {"a", "z"}}, ErrUnknownChoice, `"z" on question "q2"`},
		{"empty choice id", map[string][]string{"q2": {""}}, ErrUnknownChoice, `"q2"`},
		{"too many choices on single", map[string][]string{"q3": {"a", "b"}}, ErrTooManyChoices, `"q3"`},
		{"no answer key (public copy)", nil, ErrNoAnswerKey, `"q1"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			mm := m
			if c.want == ErrNoAnswerKey {
				mm = m.Public()
			}
			r, err := mm.Grade(c.answers)
			if !errors.Is(err, c.want) {
				t.Fatalf("err = %v, want %v", err, c.want)
			}
			if !strings.Contains(err.Error(), c.mention) {
				t.Errorf("error %q does not mention %s", err, c.mention)
			}
			if r.Score != 0 || r.Passed || r.Correct != nil {
				t.Errorf("result %+v returned with error", r)
			}
		})
	}
}

func TestPublicHidesAnswers(t *testing.T) {
	mods, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	mods = append(mods, validModule())
	for _, m := range mods {
		p := m.Public()
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		s := string(b)
		if strings.Contains(s, `"correct":true`) || strings.Contains(s, `"correct"`) {
			t.Errorf("%s: public JSON mentions correct flags", m.ID)
		}
		if strings.Contains(s, `"explanation"`) {
			t.Errorf("%s: public JSON contains explanations", m.ID)
		}
		for _, q := range m.Quiz.Questions {
			if strings.Contains(s, q.Explanation) {
				t.Errorf("%s: explanation of %s leaked", m.ID, q.ID)
			}
		}
		for _, q := range p.Quiz.Questions {
			if q.Explanation != "" {
				t.Errorf("%s/%s: explanation kept", m.ID, q.ID)
			}
			for _, c := range q.Choices {
				if c.Correct {
					t.Errorf("%s/%s/%s: correct flag kept", m.ID, q.ID, c.ID)
				}
			}
		}
		// Everything else is kept.
		if p.ID != m.ID || p.Title != m.Title || len(p.Lessons) != len(m.Lessons) || len(p.Quiz.Questions) != len(m.Quiz.Questions) {
			t.Errorf("%s: public copy lost content", m.ID)
		}
		// The original still grades: Public must not share choice slices.
		if r, err := m.Grade(allRight(m)); err != nil || r.Score != 100 {
			t.Errorf("%s: original damaged by Public: %+v %v", m.ID, r, err)
		}
	}
}

func TestCheckSkills(t *testing.T) {
	mods := []Module{validModule()}
	mods[0].Skills = []SkillLevel{{"troubleshooting", 2}, {"networking", 5}, {"juggling", 1}}
	catalogue := map[string][2]int{"troubleshooting": {1, 5}, "networking": {2, 4}}
	known := func(id string) (int, int, bool) {
		r, ok := catalogue[id]
		return r[0], r[1], ok
	}
	err := CheckSkills(mods, known)
	if !errors.Is(err, ErrUnknownSkill) || !errors.Is(err, ErrSkillLevel) {
		t.Fatalf("err = %v, want unknown skill and level errors", err)
	}
	for _, want := range []string{`"juggling"`, `"networking" at level 5, valid 2..4`, `module "sample"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %s:\n%v", want, err)
		}
	}
	if strings.Contains(err.Error(), `"troubleshooting"`) {
		t.Errorf("valid skill reported:\n%v", err)
	}
	mods[0].Skills = mods[0].Skills[:1]
	if err := CheckSkills(mods, known); err != nil {
		t.Errorf("valid skills: %v", err)
	}
}
