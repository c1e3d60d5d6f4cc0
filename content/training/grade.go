package training

import (
	"errors"
	"fmt"
	"maps"
	"slices"
)

// Errors returned by Module.Grade, wrapped with the question (and choice) id;
// test for them with errors.Is.
var (
	// ErrUnknownQuestion: an answer names a question the quiz does not have.
	ErrUnknownQuestion = errors.New("training: unknown question")
	// ErrUnknownChoice: an answer names a choice its question does not have.
	ErrUnknownChoice = errors.New("training: unknown choice")
	// ErrTooManyChoices: more than one choice selected on a single-choice question.
	ErrTooManyChoices = errors.New("training: more than one choice selected on single-choice question")
	// ErrNoAnswerKey: a question has no correct choice, as in a Public copy, so
	// it cannot be graded.
	ErrNoAnswerKey = errors.New("training: question has no answer key (was a Public copy graded?)")
)

// Result is the outcome of grading one quiz attempt.
type Result struct {
	// Score is the percentage of questions answered right, rounded down.
	Score int `json:"score"`
	// Passed is Score >= the module's PassMark.
	Passed bool `json:"passed"`
	// Correct tells, for every question id, whether it was answered right.
	Correct map[string]bool `json:"correct"`
	// Explanations holds, for every question id, its explanation. Whether to show
	// them (for example only once no attempt is left) is the caller's decision.
	Explanations map[string]string `json:"explanations"`
}

// Grade scores an attempt. answers maps a question id to the ids of the selected
// choices (repeated ids count once). A question scores only if the selected set
// equals its set of correct choices exactly; an unanswered question is wrong.
//
// Grade checks the whole attempt before scoring and returns an error wrapping
// ErrUnknownQuestion, ErrUnknownChoice or ErrTooManyChoices for a malformed one,
// and ErrNoAnswerKey when given a module stripped by Public.
func (m Module) Grade(answers map[string][]string) (Result, error) {
	byID := make(map[string]*Question, len(m.Quiz.Questions))
	for i := range m.Quiz.Questions {
		byID[m.Quiz.Questions[i].ID] = &m.Quiz.Questions[i]
	}
	selected := make(map[string]map[string]bool, len(answers))
	for _, qid := range slices.Sorted(maps.Keys(answers)) {
		q, ok := byID[qid]
		if !ok {
			return Result{}, fmt.Errorf("%w %q", ErrUnknownQuestion, qid)
		}
		set := map[string]bool{}
		for _, cid := range answers[qid] {
			if !slices.ContainsFunc(q.Choices, func(c Choice) bool { return c.ID == cid }) {
				return Result{}, fmt.Errorf("%w %q on question %q", ErrUnknownChoice, cid, qid)
			}
			set[cid] = true
		}
		if q.Kind == KindSingle && len(set) > 1 {
			return Result{}, fmt.Errorf("%w %q", ErrTooManyChoices, qid)
		}
		selected[qid] = set
	}

	res := Result{
		Correct:      make(map[string]bool, len(m.Quiz.Questions)),
		Explanations: make(map[string]string, len(m.Quiz.Questions)),
	}
	right := 0
	for _, q := range m.Quiz.Questions {
		key := map[string]bool{}
		for _, c := range q.Choices {
			if c.Correct {
				key[c.ID] = true
			}
		}
		if len(key) == 0 {
			return Result{}, fmt.Errorf("%w: %q", ErrNoAnswerKey, q.ID)
		}
		ok := maps.Equal(key, selected[q.ID])
		if ok {
			right++
		}
		res.Correct[q.ID] = ok
		res.Explanations[q.ID] = q.Explanation
	}
	if n := len(m.Quiz.Questions); n > 0 {
		res.Score = right * 100 / n
		res.Passed = res.Score >= m.PassMark
	}
	return res, nil
}
