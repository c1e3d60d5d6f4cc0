package training

import (
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/text"

	"onramp.dev/content"
)

// requiredModules are the topics the curriculum must cover.
var requiredModules = []string{
	"acceptable-use-and-security-policy",
	"phishing-and-social-engineering",
	"incident-management-and-troubleshooting",
	"change-management",
	"backup-and-restore",
	"network-fundamentals",
	"identity-and-access-management",
	"service-levels-and-customer-support",
	"vendor-management",
	"it-project-management",
	"cloud-fundamentals",
	"secure-development-life-cycle",
}

func TestShippedModules(t *testing.T) {
	mods, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if len(mods) < 12 {
		t.Fatalf("got %d modules, want at least 12", len(mods))
	}
	byID := map[string]Module{}
	for _, m := range mods {
		byID[m.ID] = m
	}
	for _, id := range requiredModules {
		if _, ok := byID[id]; !ok {
			t.Errorf("missing module %q", id)
		}
	}
	if !slices.IsSortedFunc(mods, func(a, b Module) int { return strings.Compare(a.ID, b.ID) }) {
		t.Error("modules not sorted by id")
	}

	tracksSeen := map[string]bool{}
	for _, m := range mods {
		t.Run(m.ID, func(t *testing.T) {
			for _, tr := range m.Tracks {
				tracksSeen[tr] = true
			}
			if n := len(strings.Fields(m.Summary)); n > 60 {
				t.Errorf("summary has %d words; keep it to one or two sentences", n)
			}
			if m.PassMark < 70 || m.PassMark > 80 {
				t.Errorf("pass_mark %d outside the house range 70..80", m.PassMark)
			}
			if m.MaxAttempts < 1 || m.Minutes < 10 {
				t.Errorf("max_attempts %d, minutes %d", m.MaxAttempts, m.Minutes)
			}
			for _, s := range m.Skills {
				if s.Level < 1 || s.Level > 4 {
					t.Errorf("skill %q at level %d, want 1..4", s.Skill, s.Level)
				}
			}
			checkShippedLessons(t, m)
			checkShippedQuiz(t, m)
		})
	}
	for _, tr := range mustTracks(t) {
		if !tracksSeen[tr] {
			t.Errorf("no module suits track %q", tr)
		}
	}
}

func mustTracks(t *testing.T) []string {
	ts, err := content.Tracks()
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, tr := range ts {
		ids = append(ids, tr.ID)
	}
	return ids
}

func checkShippedLessons(t *testing.T, m Module) {
	t.Helper()
	if n := len(m.Lessons); n < 2 || n > 4 {
		t.Errorf("%d lessons, want 2..4", n)
	}
	for _, l := range m.Lessons {
		words := len(strings.Fields(l.Markdown))
		if words < 250 || words > 600 {
			t.Errorf("lesson %s: %d words, want 250..600", l.ID, words)
		}
		if strings.Contains(l.HTML, "raw HTML omitted") {
			t.Errorf("lesson %s: contains raw HTML, which is dropped when rendered", l.ID)
		}
		var headings, lists, h1 int
		src := []byte(l.Markdown)
		doc := markdown.Parser().Parse(text.NewReader(src))
		_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
			if !entering {
				return ast.WalkContinue, nil
			}
			switch n := n.(type) {
			case *ast.Heading:
				headings++
				if n.Level == 1 {
					h1++
				}
			case *ast.List:
				lists++
			}
			return ast.WalkContinue, nil
		})
		if headings < 2 || lists < 1 {
			t.Errorf("lesson %s: %d headings and %d lists; want sections and at least one list", l.ID, headings, lists)
		}
		if h1 > 0 {
			t.Errorf("lesson %s: uses a level-1 heading; the page shows the lesson title, start sections at ##", l.ID)
		}
	}
	// Every Markdown file in the folder must be a listed lesson.
	dir := path.Join(modulesDir, m.ID)
	entries, err := fs.ReadDir(files, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.Name() == moduleFile {
			continue
		}
		if !slices.ContainsFunc(m.Lessons, func(l Lesson) bool { return l.File == e.Name() }) {
			t.Errorf("%s/%s is not listed as a lesson", dir, e.Name())
		}
	}
}

func checkShippedQuiz(t *testing.T, m Module) {
	t.Helper()
	qs := m.Quiz.Questions
	if len(qs) < 6 {
		t.Errorf("%d questions, want at least 6", len(qs))
	}
	var single, multiple int
	for _, q := range qs {
		switch q.Kind {
		case KindSingle:
			single++
		case KindMultiple:
			multiple++
		}
		if len(q.Choices) < 3 {
			t.Errorf("question %s: only %d choices", q.ID, len(q.Choices))
		}
		if len(strings.Fields(q.Explanation)) < 8 {
			t.Errorf("question %s: explanation too short to teach anything", q.ID)
		}
	}
	if single == 0 || multiple == 0 {
		t.Errorf("%d single and %d multiple-choice questions; want a mix", single, multiple)
	}
	if r, err := m.Grade(allRight(m)); err != nil || r.Score != 100 || !r.Passed {
		t.Errorf("all-correct attempt: %+v, %v", r, err)
	}
}
